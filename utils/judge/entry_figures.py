"""Each trade's figures at its entry, kept from the reading before when only new trades came.

How many earlier trades are still open at a trade's entry, their max loss on its family, and
the latest losing close before it are decided by the trades opened before it alone. When a
reading's frame starts with the frame of the reading before (`JudgingRead.kept`) and adds a
few trades opened strictly after every other, none closing before it opened, the figures of
that head stay as they were: only the new trades' are worked out, each over the whole history,
exactly as the whole sweep (`utils.judge.discipline_history.HistoryInputs`) works them out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from utils.judge.history_sweeps import NEVER

MAX_NEW_TRADES = 16  # more new trades than this: the whole sweep instead


@dataclass(frozen=True)
class EntryFigures:
    """Per trade, by opening time then id: earlier trades open at its entry, their max loss on
    its family (cents), the row of the latest losing close before it (-1: none)."""

    open_before: np.ndarray
    family_risk_before: np.ndarray
    last_loss_before: np.ndarray


def losing_closes(frame: pd.DataFrame, closed: np.ndarray) -> np.ndarray:
    """Which trades closed at a loss (`closed`: their closes in int64 ns, NEVER when open)."""
    net = frame["net_pnl_cents"]
    return (net.notna() & (net.fillna(0) < 0)).to_numpy(dtype=bool) & (closed != NEVER)


def read_on(
    before: tuple[EntryFigures, int],
    frame: pd.DataFrame,
    opened: np.ndarray,
    closed: np.ndarray,
    max_loss: np.ndarray,
) -> EntryFigures | None:
    """Every row's figures of `frame` (entries, closes in int64 ns and max losses in cents as
    given), those of the reading before kept for its first rows: `before` is its figures and
    how many first rows of `frame` were its frame. None when they cannot be kept."""
    families = frame["family"].to_numpy()
    rows = kept_rows(*before, opened, closed, families)
    if not rows:
        return None
    figures, count = before[0], len(opened)
    ids, losing = frame["id"].to_numpy(dtype=np.int64), losing_closes(frame, closed)
    return EntryFigures(
        extended(figures.open_before, rows, count, lambda row: open_at_entry(opened, closed, row)),
        extended(
            figures.family_risk_before,
            rows,
            count,
            lambda row: family_risk_at_entry(opened, closed, families, max_loss, row),
        ),
        extended(
            figures.last_loss_before,
            rows,
            count,
            lambda row: last_loss_at_entry(opened, closed, ids, losing, row),
        ),
    )


def kept_rows(
    figures: EntryFigures, kept: int, opened: np.ndarray, closed: np.ndarray, families: np.ndarray
) -> int:
    """How many first rows keep the figures of the reading before (0: work them all out):
    `kept` is how many first rows of the frame are that reading's frame; `opened`, `closed`
    (int64 ns) and `families` those of the frame now."""
    rows = min(len(figures.open_before), kept, len(opened))
    if not rows or len(opened) - rows > MAX_NEW_TRADES:
        return 0
    new = slice(rows, None)
    if rows < len(opened) and (
        opened[rows] <= opened[rows - 1]  # a new trade shares an entry with the head
        or (closed[new] < opened[new]).any()  # or closed before it opened
        or not all(isinstance(family, str) for family in families[new])
    ):
        return 0
    return rows


def extended(head: np.ndarray, rows: int, count: int, figure: Callable[[int], int]) -> np.ndarray:
    """The first `rows` figures of `head`, then `figure(row)` of each later row up to `count`."""
    later = [figure(row) for row in range(rows, count)]
    return np.concatenate((head[:rows], np.array(later, dtype=np.int64)))


def open_at_entry(opened: np.ndarray, closed: np.ndarray, row: int) -> int:
    """Earlier trades not closed by the row's entry."""
    return row - int(np.count_nonzero(closed[:row] <= opened[row]))


def family_risk_at_entry(
    opened: np.ndarray, closed: np.ndarray, families: np.ndarray, max_loss: np.ndarray, row: int
) -> int:
    """The max loss (cents) of the earlier trades of the row's family (a text) open at its
    entry."""
    still_open = np.flatnonzero(closed[:row] > opened[row])
    same = families[still_open] == families[row]
    return int(max_loss[still_open[same]].sum())


def last_loss_at_entry(
    opened: np.ndarray, closed: np.ndarray, ids: np.ndarray, losing: np.ndarray, row: int
) -> int:
    """The row of the latest losing close (by close, then id) at or before the row's entry,
    other than its own; -1 when none."""
    earlier = losing & (closed <= opened[row])
    earlier[row] = False
    rows = np.flatnonzero(earlier)
    if not len(rows):
        return -1
    latest = rows[closed[rows] == closed[rows].max()]
    return int(latest[np.argmax(ids[latest])])
