"""The NYSE calendar written out in `utils.core.xnys_table` is the one `exchange_calendars`
builds: every session and every early close of the covered years (the table replaces a build
that cost each process about a second)."""

from __future__ import annotations

from pathlib import Path

from utils.core.trading_calendar import (
    CALENDAR_YEARS,
    _calendar,
    is_trading_day,
    session_close,
)
from tests.support.xnys_library import library_calendar, table_module

REGENERATE = (
    "utils/core/xnys_table.py is not the library's calendar: regenerate it with "
    "`.venv/bin/python -m tests.support.xnys_library > utils/core/xnys_table.py`"
)


def test_the_table_module_is_the_one_the_library_calendar_writes():
    import utils.core.xnys_table as table

    assert Path(table.__file__).read_text(encoding="utf-8") == table_module(), REGENERATE


def test_the_sessions_and_early_closes_read_from_the_table_are_the_librarys():
    sessions, early = library_calendar()
    calendar = _calendar()
    assert calendar.ordinals == tuple(day.toordinal() for day in sessions)
    assert calendar.sessions == frozenset(sessions)
    assert calendar.early_closes == early
    assert sessions[0].year == CALENDAR_YEARS[0] and sessions[-1].year == CALENDAR_YEARS[-1]
    for day, close in early.items():
        assert is_trading_day(day) and session_close(day) == close
