"""A stored time (`stamp`) is the UTC time's `isoformat(timespec="microseconds")`, whatever the
moment's offset, fixed width, so text order is time order."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from utils.core.sessions import to_utc
from utils.journal.writes import stamp

OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
MOMENTS = st.datetimes(
    min_value=datetime(1970, 1, 2), max_value=datetime(2999, 12, 30), timezones=OFFSETS
)


@settings(deadline=None, max_examples=300)
@given(MOMENTS)
def test_a_stamp_is_the_utc_isoformat_with_microseconds(moment):
    assert stamp(moment) == to_utc(moment).isoformat(timespec="microseconds")
    assert len(stamp(moment)) == len("2025-01-17T14:30:00.000000+00:00")


@settings(deadline=None, max_examples=200)
@given(MOMENTS, MOMENTS)
def test_stamps_order_as_their_moments(first, second):
    assert (stamp(first) < stamp(second)) == (first < second)
