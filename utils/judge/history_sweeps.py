"""Columnar helpers for judging the history: instants as int64 ns and the sweep of earlier
trades closed by each entry.

The sweep assumes what a journaled trade guarantees: no trade closes before it opens (a
history breaking that is swept entry by entry instead, with the same answer).
"""

from __future__ import annotations

from datetime import datetime
from heapq import heappop, heappush

import numpy as np
import pandas as pd

from utils.core.sessions import to_utc

NEVER = np.iinfo(np.int64).max  # the close of a trade still open, in ns


def instant_ns(moment: datetime) -> int:
    """A UTC instant as int64 nanoseconds (the judging frame's datetime unit)."""
    return int(pd.Timestamp(to_utc(moment)).value)


def closed_by_entry(
    opened: np.ndarray, closed: np.ndarray, weights: np.ndarray, groups: np.ndarray
) -> np.ndarray:
    """For each trade i (by opening time, then id): the summed weight of the earlier trades j
    of its group that closed at or before its entry (`closed` is NEVER when open)."""
    if (closed < opened).any():
        return _swept(opened, closed, weights, groups)
    result = np.zeros(len(opened), dtype=np.int64)
    zero_length = np.where(closed == opened, weights, 0)
    for group in np.unique(groups):
        rows = np.flatnonzero(groups == group)
        order = np.argsort(closed[rows], kind="stable")
        totals = np.concatenate(([0], np.cumsum(weights[rows][order])))
        counted = totals[np.searchsorted(closed[rows][order], opened[rows], side="right")]
        # A trade opened and closed at the same instant as this entry, at or after it in frame
        # order (itself, or a tie with a higher id), is no earlier trade: take it back out.
        tied = pd.Series(zero_length[rows][::-1])
        later_ties = tied.groupby(opened[rows][::-1]).cumsum().to_numpy()[::-1]
        result[rows] = counted - later_ties
    return result


def _swept(
    opened: np.ndarray, closed: np.ndarray, weights: np.ndarray, groups: np.ndarray
) -> np.ndarray:
    """`closed_by_entry` entry by entry (a heap of closes), for frames with a close before
    its own entry."""
    gone: dict[int, int] = {}
    heap: list[tuple[int, int]] = []
    result = np.zeros(len(opened), dtype=np.int64)
    for index in range(len(opened)):
        while heap and heap[0][0] <= opened[index]:
            row = heappop(heap)[1]
            gone[int(groups[row])] = gone.get(int(groups[row]), 0) + int(weights[row])
        result[index] = gone.get(int(groups[index]), 0)
        if closed[index] != NEVER:
            heappush(heap, (int(closed[index]), index))
    return result
