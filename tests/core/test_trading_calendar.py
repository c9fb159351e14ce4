"""Sessions are NYSE trading days: weekends and holidays are never sessions (issue 13, #9)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from utils.core.sessions import session_of
from utils.core.trading_calendar import (
    is_trading_day,
    next_session,
    session_close,
    session_on_or_before,
    sessions_between,
)

UTC = timezone.utc


@pytest.mark.parametrize(
    "holiday",
    [
        date(2025, 4, 18),  # Good Friday
        date(2026, 4, 3),  # Good Friday
        date(2025, 6, 19),  # Juneteenth (a Thursday)
        date(2026, 6, 19),  # Juneteenth (a Friday)
        date(2025, 12, 25),
        date(2026, 1, 1),
        date(2025, 1, 9),  # the national day of mourning for President Carter
    ],
)
def test_holidays_are_not_trading_days(holiday):
    assert not is_trading_day(holiday)


def test_weekends_are_not_trading_days_and_weekdays_are():
    assert not is_trading_day(date(2026, 11, 7))  # Saturday
    assert not is_trading_day(date(2026, 11, 8))  # Sunday
    assert is_trading_day(date(2026, 11, 9))


def test_a_saturday_moment_belongs_to_the_next_session():
    saturday_noon = datetime(2026, 11, 7, 17, 0, tzinfo=UTC)
    assert session_of(saturday_noon) == date(2026, 11, 9)


def test_a_holiday_moment_belongs_to_the_next_session():
    good_friday = datetime(2025, 4, 18, 15, 0, tzinfo=UTC)
    assert session_of(good_friday) == date(2025, 4, 21)


def test_a_trading_day_moment_keeps_its_new_york_day():
    # 02:00 UTC on Tuesday is still Monday evening in New York.
    assert session_of(datetime(2026, 11, 10, 2, 0, tzinfo=UTC)) == date(2026, 11, 9)


def test_next_and_previous_sessions_around_a_holiday():
    assert next_session(date(2026, 6, 19)) == date(2026, 6, 22)
    assert session_on_or_before(date(2026, 6, 19)) == date(2026, 6, 18)
    assert session_on_or_before(date(2026, 6, 18)) == date(2026, 6, 18)


def test_early_closes_close_at_13_00_new_york():
    assert session_close(date(2025, 11, 28)) == datetime(2025, 11, 28, 18, 0, tzinfo=UTC)
    assert session_close(date(2025, 11, 26)) == datetime(2025, 11, 26, 21, 0, tzinfo=UTC)
    assert session_close(date(2025, 7, 3)) == datetime(2025, 7, 3, 17, 0, tzinfo=UTC)  # EDT


def test_sessions_between_skips_weekends_and_holidays():
    # Thursday 2025-04-17 -> Monday 2025-04-21: Good Friday and the weekend are skipped.
    assert sessions_between(date(2025, 4, 17), date(2025, 4, 21)) == 1
    assert sessions_between(date(2025, 1, 1), date(2025, 12, 31)) == 250
    assert sessions_between(date(2025, 4, 21), date(2025, 4, 17)) == 0


def test_outside_the_calendar_years_weekdays_are_sessions():
    assert is_trading_day(date(2150, 12, 25))  # a Friday: no holiday rules out there
    assert not is_trading_day(date(2150, 12, 26))
    assert session_close(date(2150, 1, 2)) == datetime(2150, 1, 2, 21, 0, tzinfo=UTC)
    # 2099-12-31 (a Thursday session), then 2100's Friday, Monday and Tuesday.
    assert sessions_between(date(2099, 12, 30), date(2100, 1, 5)) == 4
