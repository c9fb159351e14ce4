"""The literal first versions of the judging and rendering steps that now run over arrays.

Each is the code as it was before the fast path replaced it (row by row, or copying every
column), kept so property tests can show the fast path gives exactly the same answer. Nothing
outside tests/ imports this module.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from utils.core.sessions import to_utc
from utils.core.trading_calendar import is_trading_day, next_session
from utils.judge.history import in_close_order

SHOWN_LIST_ITEMS = 25


def literal_closed_by(frame: pd.DataFrame, moment: datetime) -> pd.DataFrame:
    """Rows closed at or before `moment`, in close order: every column copied by the mask, then
    sorted."""
    closed_at = frame["closed_at"]
    return in_close_order(frame[closed_at.notna() & (closed_at <= pd.Timestamp(to_utc(moment)))])


def literal_on_sessions(counts: Counter[date]) -> Counter[date]:
    """Counts per day moved to NYSE sessions, day by day."""
    if all(is_trading_day(day) for day in counts):
        return counts
    moved: Counter[date] = Counter()
    for day, count in counts.items():
        moved[next_session(day)] += count
    return moved


def literal_calendar(daily: pd.DataFrame, start: date, count: int) -> tuple[np.ndarray, list]:
    """The calendar's P&L grid and each cell's (session, P&L), walking the days row by row."""
    z = np.full((5, count), np.nan)
    cells: list[list[tuple[date, float] | None]] = [[None] * count for _ in range(5)]
    for session, row in daily.iterrows():
        offset = (session - start).days
        if 0 <= offset < 7 * count and session.weekday() < 5:
            z[session.weekday(), offset // 7] = row["net_pnl_usd"]
            cells[session.weekday()][offset // 7] = (session, row["net_pnl_usd"])
    return z, cells


def literal_shown_evidence(value: object) -> str:
    """A long comma-separated list shortened to its ends, splitting every item."""
    items = str(value).split(", ")
    if len(items) <= 2 * SHOWN_LIST_ITEMS:
        return str(value)
    head, tail = items[:SHOWN_LIST_ITEMS], items[-SHOWN_LIST_ITEMS:]
    return f"{', '.join(head)}, ..., {', '.join(tail)} ({len(items):,} in all)"


def first_monday(last: date, count: int) -> date:
    """The Monday `count` - 1 weeks before `last`'s week."""
    return last - timedelta(days=last.weekday() + 7 * (count - 1))
