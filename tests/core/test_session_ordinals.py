"""`session_ordinals` is `session_of` over a column: the same session for every instant.

A moment belongs to its New York day when that is an NYSE session, else to the next session;
across DST changes, holidays, weekends, the calendar's edges (1990, 2099) and beyond them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from utils.core.sessions import NO_SESSION, session_of, session_ordinals
from utils.core.trading_calendar import next_session, next_session_ordinals

UTC = timezone.utc
# Instants pandas holds at nanoseconds, from the journal's first year on.
INSTANTS = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2262, 4, 10), timezones=st.just(UTC)
)
# Around the calendar's edges and a holiday-dense stretch, so the walk forward is exercised.
EDGE_INSTANTS = st.sampled_from(
    [datetime(1989, 12, 28), datetime(2099, 12, 27), datetime(2025, 12, 20)]
).flatmap(
    lambda start: st.integers(0, 12 * 24 * 4).map(
        lambda quarter: (start + timedelta(minutes=15 * quarter)).replace(tzinfo=UTC)
    )
)


def as_column(moments: list[datetime | None]) -> pd.Series:
    return pd.Series(pd.to_datetime(moments, utc=True)).dt.as_unit("ns")


@given(st.lists(st.one_of(INSTANTS, EDGE_INSTANTS, st.none()), max_size=40))
def test_each_instant_gets_the_session_session_of_gives(moments):
    expected = [NO_SESSION if m is None else session_of(m).toordinal() for m in moments]
    assert session_ordinals(as_column(moments)).tolist() == expected


@given(st.lists(st.dates(date(1970, 1, 1), date(2200, 1, 1)), max_size=40))
def test_next_session_of_many_days_is_next_session_of_each(days):
    ordinals = [day.toordinal() for day in days]
    expected = [next_session(day).toordinal() for day in days]
    assert next_session_ordinals(ordinals).tolist() == expected


def test_weekend_and_holiday_instants_move_to_the_next_session():
    moments = [
        datetime(2025, 11, 27, 15, tzinfo=UTC),  # Thanksgiving -> Friday 28th
        datetime(2025, 11, 29, 3, tzinfo=UTC),  # still Friday 28th in New York
        datetime(2025, 12, 27, 15, tzinfo=UTC),  # Saturday -> Monday 29th
        datetime(2026, 1, 1, 4, 59, tzinfo=UTC),  # New Year's Eve in New York: a session
        datetime(2026, 1, 1, 5, 0, tzinfo=UTC),  # New Year's Day -> Friday 2nd
        None,
    ]
    assert [
        NO_SESSION if o == NO_SESSION else date.fromordinal(o)
        for o in session_ordinals(as_column(moments))
    ] == [
        date(2025, 11, 28),
        date(2025, 11, 28),
        date(2025, 12, 29),
        date(2025, 12, 31),
        date(2026, 1, 2),
        NO_SESSION,
    ]


def test_instants_without_an_offset_are_refused():
    with pytest.raises(ValueError, match="UTC offset"):
        session_ordinals(pd.Series(pd.to_datetime(["2025-01-06T15:00:00"])))
