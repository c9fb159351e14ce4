"""The ticket's default expiration (the third Friday of next month) and days to expiration."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from utils.spreads.expirations import (
    days_to_expiration,
    default_expiration,
    monthly_expiration,
    third_friday,
    trading_days_to_expiration,
)

UTC = timezone.utc


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2025, 2, date(2025, 2, 21)),  # the 1st is a Saturday
        (2025, 8, date(2025, 8, 15)),  # the 1st is a Friday
        (2024, 11, date(2024, 11, 15)),
        (2026, 5, date(2026, 5, 15)),
    ],
)
def test_third_friday_of_the_month(year, month, expected):
    assert third_friday(year, month) == expected
    assert expected.weekday() == 4 and 15 <= expected.day <= 21


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2025, 1, 22), date(2025, 2, 21)),
        (date(2025, 1, 31), date(2025, 2, 21)),
        (date(2025, 12, 1), date(2026, 1, 16)),  # across the year
        (date(2024, 1, 31), date(2024, 2, 16)),
    ],
)
def test_default_expiration_is_the_third_friday_of_next_month(today, expected):
    assert default_expiration(today) == expected


def test_days_count_to_the_close_in_new_york():
    # 16:00 New York on 2025-02-21 is 21:00 UTC (standard time).
    assert days_to_expiration(date(2025, 2, 21), datetime(2025, 1, 22, 21, 0, tzinfo=UTC)) == 30.0
    assert days_to_expiration(date(2025, 2, 21), datetime(2025, 2, 21, 9, 0, tzinfo=UTC)) == 0.5


def test_days_are_zero_or_less_once_the_close_has_passed():
    assert days_to_expiration(date(2025, 2, 21), datetime(2025, 2, 21, 21, 0, tzinfo=UTC)) == 0
    assert days_to_expiration(date(2025, 2, 21), datetime(2025, 2, 22, 21, 0, tzinfo=UTC)) == -1.0


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="no UTC offset"):
        days_to_expiration(date(2025, 2, 21), datetime(2025, 1, 22, 21, 0))


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2025, 3, 10), date(2025, 4, 17)),  # Good Friday 2025-04-18: the Thursday before
        (date(2026, 5, 20), date(2026, 6, 18)),  # Juneteenth 2026-06-19: the Thursday before
        (date(2022, 3, 1), date(2022, 4, 14)),  # Good Friday 2022-04-15
    ],
)
def test_default_expiration_never_falls_on_a_holiday(today, expected):
    assert default_expiration(today) == expected
    assert monthly_expiration(expected.year, expected.month) == expected


def test_days_count_to_an_early_close():
    # 2025-12-24 closes at 13:00 New York (18:00 UTC).
    assert days_to_expiration(date(2025, 12, 24), datetime(2025, 12, 24, 6, 0, tzinfo=UTC)) == 0.5


def test_trading_days_to_expiration_skip_weekends_and_holidays():
    # From Wednesday 2025-04-16: Thursday 17th, (Good Friday), Monday 21st .. Friday 25th.
    assert trading_days_to_expiration(date(2025, 4, 25), date(2025, 4, 16)) == 6
    assert trading_days_to_expiration(date(2025, 4, 16), date(2025, 4, 16)) == 0
