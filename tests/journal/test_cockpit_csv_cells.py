"""The fast import's UTC time cells (`utc_stamp`, `SessionMemo.of_stamp`) read a cell exactly as
the literal way does: `stamp(utc_time(cell))` and `session_of` of that time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from utils.core.sessions import session_of
from utils.journal.cockpit_csv_cells import SessionMemo, utc_stamp, utc_time
from utils.journal.writes import stamp

ZONES = st.sampled_from(
    [timezone.utc, ZoneInfo("America/New_York"), timezone(timedelta(hours=-5)), None]
)
MOMENTS = st.datetimes(
    min_value=datetime(1960, 1, 1), max_value=datetime(3010, 12, 31), timezones=ZONES
)
SPELLINGS = st.sampled_from(
    [
        lambda m: m.isoformat(),
        lambda m: m.isoformat(timespec="seconds"),
        lambda m: m.isoformat(timespec="milliseconds"),
        lambda m: m.isoformat(sep=" "),
        lambda m: f" {m.isoformat()} ",
        lambda m: m.isoformat().replace("+00:00", "Z"),
        lambda m: m.isoformat().replace("+00:00", "-00:00"),
        lambda m: m.isoformat().replace("T", "t"),
        lambda m: m.isoformat()[:-3],
        lambda m: m.isoformat().replace("-", "/", 2),
    ]
)
ODD_CELLS = st.sampled_from(
    [
        "",
        "2025-02-30T15:00:00+00:00",
        "2025-02-28T24:00:00+00:00",
        "2025-02-28T23:59:60+00:00",
        "1969-12-31T23:59:59.999999+00:00",
        "3000-01-01T00:00:00+00:00",
        "2999-12-31T23:59:59.999999+00:00",
        "1970-01-01T00:00:00+00:00",
        "２０２５-01-17T14:30:00+00:00",
        "2025-01-17T14:30:00.1234567+00:00",
        "2025-01-17T14:30:00+00:00\n",
    ]
)


def literal(cell: str) -> str | None:
    moment = utc_time(cell)
    return None if moment is None else stamp(moment)


@settings(max_examples=500, deadline=None)
@given(cell=st.builds(lambda m, spell: spell(m), MOMENTS, SPELLINGS) | ODD_CELLS | st.text())
def test_utc_stamp_is_the_stamp_of_the_literal_reading(cell):
    assert utc_stamp(cell) == literal(cell)


# Moments a few days around one moment, so the memo answers many from what it looked up.
NEARBY = st.builds(
    lambda first, steps: [first + timedelta(minutes=15 * step) for step in steps],
    MOMENTS.filter(lambda m: m.tzinfo is not None),
    st.lists(st.integers(-400, 400), min_size=1, max_size=40),
)


@settings(max_examples=300, deadline=None)
@given(moments=NEARBY)
def test_the_session_of_a_stamp_is_session_of_its_time(moments):
    memo = SessionMemo()
    for moment in moments:
        text = literal(moment.isoformat())
        if text is not None:
            assert memo.of_stamp(text) == session_of(moment).isoformat()
