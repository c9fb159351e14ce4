"""The closed trades of a judging frame read on from a previous one, without taking them all again.

When a judging read kept the previous frame whole as its head (`JudgingRead.kept`: new trades
only, opened after every other), the trades closed among them are the previous closed trades
then those of the new rows, if these closed after every earlier close. Else the whole frame is
taken (`closed_from_judging`). Either way the answer is `closed_from_judging(frame)`:

    closed = closed_after(read.frame, read.kept, previous_closed)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from utils.judge.metrics import closed_from_judging


def closed_after(frame: pd.DataFrame, kept: int, previous: pd.DataFrame | None) -> pd.DataFrame:
    """`closed_from_judging(frame)`, given `previous` = `closed_from_judging` of the frame that
    is `frame`'s first `kept` rows (None or 0 kept: taken whole)."""
    if previous is None or not kept or previous.empty:  # (every trade open: typed apart)
        return closed_from_judging(frame)
    if kept == len(frame):
        return previous
    added = closed_from_judging(frame.iloc[kept:])
    if not _typed_alike(previous, added):
        return closed_from_judging(frame)
    if added.empty:  # the new trades are open: the closed rows, now among open ones
        return pd.DataFrame(
            {name: column.array for name, column in previous.items()},
            index=pd.Index(previous.index.to_numpy(dtype=np.int64)),
            copy=False,
        )
    if not _closes_after(previous, added):
        return closed_from_judging(frame)
    positions = added.index.to_numpy(dtype=np.int64) + kept
    whole = isinstance(previous.index, pd.RangeIndex) and isinstance(added.index, pd.RangeIndex)
    index = (
        pd.RangeIndex(len(frame))  # every trade closed, in close order: as taken whole
        if whole and len(previous) + len(added) == len(frame)
        else pd.Index(np.concatenate((previous.index.to_numpy(dtype=np.int64), positions)))
    )
    columns = {
        name: type(column.array)._concat_same_type([column.array, added[name].array])
        for name, column in previous.items()
    }
    return pd.DataFrame(columns, index=index, copy=False)


def _typed_alike(previous: pd.DataFrame, added: pd.DataFrame) -> bool:
    """The same columns, typed alike (texts are typed from every row of the frame: a new kind
    of value in the new rows would type the whole column otherwise); instants are typed apart
    when every new trade is open."""
    return list(previous.columns) == list(added.columns) and all(
        previous[name].dtype == added[name].dtype
        for name in previous.columns
        if name != "closed_at" or not added.empty
    )


def _closes_after(previous: pd.DataFrame, added: pd.DataFrame) -> bool:
    """Whether the new closes come after every earlier one (close time, then id)."""
    last = (previous["closed_at"].iloc[-1], int(previous["id"].iloc[-1]))
    first = (added["closed_at"].iloc[0], int(added["id"].iloc[0]))
    return first > last
