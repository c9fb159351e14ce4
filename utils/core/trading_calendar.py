"""The NYSE trading calendar: which days are sessions, and when each session closes.

Holidays and early closes come from `exchange_calendars`' XNYS calendar (a maintained library;
`pandas_market_calendars` wraps the same calendars and adds a layer on top, so the cockpit
uses the source), written out for `CALENDAR_YEARS` in `utils.core.xnys_table` (building it
costs a process about a second; a test holds the table to the library); outside those years a
session is any Monday to Friday closing at 16:00 New York (no holiday rules are assumed).

    is_trading_day(date(2025, 4, 18))          # False: Good Friday
    next_session(date(2025, 4, 19))            # 2025-04-21: a Saturday belongs to Monday
    session_on_or_before(date(2026, 6, 19))    # 2026-06-18: Juneteenth moves back a day
    session_close(date(2025, 11, 28))          # 13:00 New York, as UTC: an early close
    next_session_ordinals(days)                # next_session of many days, as ordinals
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np

from utils.core import xnys_table

CALENDAR_YEARS = range(xnys_table.FIRST_YEAR, xnys_table.LAST_YEAR + 1)
EXCHANGE = "XNYS"
REGULAR_CLOSE = time(16, 0)  # New York
_NEW_YORK = ZoneInfo("America/New_York")
_SATURDAY = 5
_FIRST_COVERED = date(CALENDAR_YEARS[0], 1, 1).toordinal()
_LAST_COVERED = date(CALENDAR_YEARS[-1], 12, 31).toordinal()


@dataclass(frozen=True)
class _Calendar:
    """The sessions (ordinals, sorted, and as a set) and the UTC close of each early close."""

    ordinals: tuple[int, ...]
    sessions: frozenset[date]
    early_closes: dict[date, datetime]


@cache
def _calendar() -> _Calendar:
    holidays = {date.fromisoformat(day) for day in xnys_table.WEEKDAY_HOLIDAYS.split()}
    every_day = (date.fromordinal(day) for day in range(_FIRST_COVERED, _LAST_COVERED + 1))
    days = [day for day in every_day if day.weekday() < _SATURDAY and day not in holidays]
    early = {
        date.fromisoformat(close[:10]): datetime.fromisoformat(close).replace(tzinfo=timezone.utc)
        for close in xnys_table.EARLY_CLOSES_UTC.split()
    }
    return _Calendar(tuple(day.toordinal() for day in days), frozenset(days), early)


@cache
def _session_ordinals() -> np.ndarray:
    return np.array(_calendar().ordinals, dtype=np.int64)


def _covered(day: date) -> bool:
    return day.year in CALENDAR_YEARS


def is_trading_day(day: date) -> bool:
    """True when the NYSE holds a session that day (weekends and holidays are not sessions)."""
    if _covered(day):
        return day in _calendar().sessions
    return day.weekday() < _SATURDAY


def next_session(day: date) -> date:
    """`day` when it is a session, else the next session: the one an event that day belongs to."""
    while not is_trading_day(day):
        day += timedelta(days=1)
    return day


def next_session_ordinals(days: np.ndarray) -> np.ndarray:
    """`next_session` of many days given as `date.toordinal()` values, as ordinals (int64)."""
    days = np.asarray(days, dtype=np.int64)
    sessions = _session_ordinals()
    first_on_or_after = np.searchsorted(sessions, days)
    covered = (days >= _FIRST_COVERED) & (days <= _LAST_COVERED)
    found = covered & (first_on_or_after < len(sessions))
    moved = np.empty_like(days)
    moved[found] = sessions[first_on_or_after[found]]
    if not found.all():  # outside the calendar's years: day by day, once per distinct day
        distinct, where = np.unique(days[~found], return_inverse=True)
        nexts = [next_session(date.fromordinal(int(day))).toordinal() for day in distinct]
        moved[~found] = np.array(nexts, dtype=np.int64)[where]
    return moved


def session_on_or_before(day: date) -> date:
    """`day` when it is a session, else the previous session (how exchanges move an expiration
    that falls on a holiday)."""
    while not is_trading_day(day):
        day -= timedelta(days=1)
    return day


def session_close(day: date) -> datetime:
    """When the session of `day` closes, in UTC: 16:00 New York, 13:00 on an early close."""
    if _covered(day):
        early = _calendar().early_closes.get(day)
        if early is not None:
            return early
    return datetime.combine(day, REGULAR_CLOSE, tzinfo=_NEW_YORK).astimezone(timezone.utc)


def sessions_between(after: date, through: date) -> int:
    """How many sessions fall after `after` and on or before `through` (0 when none or reversed)."""
    if through <= after:
        return 0
    if _covered(after) and _covered(through):
        ordinals = _calendar().ordinals
        return bisect_right(ordinals, through.toordinal()) - bisect_right(
            ordinals, after.toordinal()
        )
    return sum(
        1
        for offset in range(1, (through - after).days + 1)
        if is_trading_day(after + timedelta(days=offset))
    )
