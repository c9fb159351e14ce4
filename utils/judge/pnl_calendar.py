"""The P&L calendar's grid: net P&L per New York session laid out as weekdays x weeks, spanning
the closes (4 to 52 weeks, ending with the last close's week), placed with numpy in one pass.

    grid = calendar_grid(daily_pnl(shown_closes(closed)))  # daily: indexed by session, net_pnl_usd
    grid.weeks, grid.pnl_usd[weekday, week], [(row, column, session, pnl) for ... in grid.cells()]
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

MIN_CALENDAR_WEEKS = 4
MAX_CALENDAR_WEEKS = 52  # a longer journal shows its latest year
WEEKDAYS = 5  # Monday to Friday: the rows
# A close this long before the last one lies before any grid's first week (a session is at
# most days after its close): but for the first close (the span's start), it changes nothing.
SHOWN_SPAN = pd.Timedelta(weeks=MAX_CALENDAR_WEEKS + 8)


def calendar_weeks(first: date, last: date) -> int:
    """Weeks from the first close's week to the last close's week, at least 4, at most 52."""
    spanned = (last - timedelta(days=last.weekday())) - (first - timedelta(days=first.weekday()))
    return min(max(spanned.days // 7 + 1, MIN_CALENDAR_WEEKS), MAX_CALENDAR_WEEKS)


@dataclass(frozen=True)
class CalendarGrid:
    """The Monday of each week shown, and the P&L of each weekday (row) and week (column):
    NaN where no trade closed that day."""

    weeks: tuple[date, ...]
    pnl_usd: np.ndarray

    def cells(self) -> Iterator[tuple[int, int, date, np.float64]]:
        """The days with a close: (weekday row, week column, session, P&L)."""
        for row, column in zip(*np.nonzero(np.isfinite(self.pnl_usd))):
            yield int(row), int(column), self.weeks[column] + timedelta(days=int(row)), (
                self.pnl_usd[row, column]
            )


def calendar_grid(daily: pd.DataFrame) -> CalendarGrid:
    """The grid of `daily` (net_pnl_usd per session, indexed by session date, at least one):
    the weeks from the first close's to the last close's (4 to 52), weekend days left out."""
    sessions = list(daily.index)
    last = max(sessions)
    count = calendar_weeks(min(sessions), last)
    start = last - timedelta(days=last.weekday() + 7 * (count - 1))
    ordinals = np.fromiter((day.toordinal() for day in sessions), np.int64, len(sessions))
    offsets = ordinals - start.toordinal()
    weekdays = (ordinals + 6) % 7  # date.weekday(): the ordinal 1 (0001-01-01) is a Monday
    shown = (offsets >= 0) & (offsets < 7 * count) & (weekdays < WEEKDAYS)
    pnl = np.full((WEEKDAYS, count), np.nan)
    pnl[weekdays[shown], offsets[shown] // 7] = daily["net_pnl_usd"].to_numpy("float64")[shown]
    return CalendarGrid(tuple(start + timedelta(weeks=i) for i in range(count)), pnl)


def shown_closes(closed: pd.DataFrame) -> pd.DataFrame:
    """The closed trades (id, closed_at, close_session, net_pnl_usd) the calendar reads: the
    first close (where its span starts) and those at most `SHOWN_SPAN` before the last close.
    `calendar_grid(daily_pnl(...))` of them is that of every closed trade, without summing
    years of sessions the grid leaves out."""
    columns = ["id", "closed_at", "close_session", "net_pnl_usd"]
    closed_at = closed["closed_at"]
    if closed_at.count() == 0:
        return closed[columns]
    shown = (closed_at >= closed_at.max() - SHOWN_SPAN).to_numpy(copy=True)
    shown[closed_at.argmin()] = True
    return closed.loc[shown, columns]
