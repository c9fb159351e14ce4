"""Columnar helpers for judging the history: instants as int64 ns, the sweep of earlier
trades closed by each entry, and the order of breaches.

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
    for rows in _group_rows(groups):
        order = np.argsort(closed[rows], kind="stable")
        totals = np.concatenate(([0], np.cumsum(weights[rows][order])))
        counted = totals[np.searchsorted(closed[rows][order], opened[rows], side="right")]
        # A trade opened and closed at the same instant as this entry, at or after it in frame
        # order (itself, or a tie with a higher id), is no earlier trade: take it back out.
        result[rows] = counted - _later_ties(opened[rows], zero_length[rows])
    return result


def cumsum_by_group(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Running totals of `values` within each group, in row order (what a pandas
    `groupby(groups).cumsum()` gives), as int64."""
    values = np.asarray(values, dtype=np.int64)
    if len(groups) == 0 or groups.min() == groups.max():
        return np.cumsum(values)
    order = np.argsort(groups, kind="stable")
    totals = np.cumsum(values[order])
    ordered = groups[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    before = (totals - values[order])[starts]  # the running total before each group begins
    sizes = np.diff(np.append(starts, len(ordered)))
    result = np.empty_like(totals)
    result[order] = totals - np.repeat(before, sizes)
    return result


def by_time_then(
    at: np.ndarray, rules: np.ndarray, trade_ids: np.ndarray, alert_ids: np.ndarray
) -> np.ndarray:
    """The order of rows by time, then rule, trade and alert (`np.lexsort` of the four): the
    last three packed into one key when they fit (rule < 2**6, trade < 2**40, alert < 2**17,
    none negative), a sort of two keys instead of four."""
    fits = all(
        len(values) == 0 or (values.min() >= 0 and values.max() < 2**bits)
        for values, bits in ((rules, 6), (trade_ids, 40), (alert_ids, 17))
    )
    if not fits:
        return np.lexsort((alert_ids, trade_ids, rules, at))
    return np.lexsort(((rules << 57) | (trade_ids << 17) | alert_ids, at))


def _group_rows(groups: np.ndarray) -> list[np.ndarray]:
    """The rows of each group (every row when there is one group)."""
    if len(groups) == 0 or groups.min() == groups.max():
        return [np.arange(len(groups))]
    return [np.flatnonzero(groups == group) for group in np.unique(groups)]


def _later_ties(opened: np.ndarray, zero_length: np.ndarray) -> np.ndarray:
    """For each row (entries in order): the summed `zero_length` weight of the rows at or after
    it with the same entry."""
    result = np.zeros(len(opened), dtype=np.int64)
    # Only rows sharing an entry with a zero-length trade can have one at or after them.
    rows = np.flatnonzero(np.isin(opened, opened[zero_length != 0]))
    # By entry, then from the last row back: each entry's rows run from its last row to its first.
    order = rows[np.lexsort((-rows, opened[rows]))]
    result[order] = cumsum_by_group(zero_length[order], opened[order])
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
