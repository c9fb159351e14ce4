"""Room after a judging frame's rows, so trades appended to it are written in place.

A read on from a judging frame (`utils.journal.judging_delta`) usually appends a few new
trades after every other. Copying every column of a large frame for that costs as much as the
history is long; instead a frame can be the first rows of longer buffers (`FrameRoom`): the
new rows are written after them and the new frame is the first rows of the same buffers. Rows
a frame shows are never written again, so the frame read on from stays as it was. Only one
frame may grow into the room: the one whose rows are all the room holds so far (a second read
on from the same frame, or from an older one, copies into a new room instead).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray
from pandas.arrays import (
    BooleanArray,
    DatetimeArray,
    FloatingArray,
    IntegerArray,
    NumpyExtensionArray,
)

SPARE = 0.25  # room for a quarter more rows (and at least MIN_SPARE) when a room is made
MIN_SPARE = 64
_MASKED = (IntegerArray, BooleanArray, FloatingArray)  # values and a mask of missing ones


def _parts(array: ExtensionArray) -> tuple[np.ndarray, ...] | None:
    """The numpy arrays a column's values are held in (None: a kind of column kept apart)."""
    kind = type(array)
    if kind in _MASKED:
        return (array._data, array._mask)
    if kind in (DatetimeArray, NumpyExtensionArray):  # (not their kinds, e.g. texts)
        return (array._ndarray,)
    return None


def _rebuilt(like: ExtensionArray, parts: Sequence[np.ndarray]) -> ExtensionArray:
    """A column of the same kind as `like` over `parts` (no copy)."""
    if type(like) in _MASKED:
        return type(like)(parts[0], parts[1])
    if isinstance(like, DatetimeArray):
        return DatetimeArray._simple_new(parts[0], dtype=like.dtype)
    return NumpyExtensionArray(parts[0])


class FrameRoom:
    """Buffers holding a frame's columns and room after them (see the module)."""

    def __init__(self, buffers: dict[str, tuple[np.ndarray, ...]], used: int) -> None:
        self._buffers = buffers
        self._used = used
        self._lock = threading.Lock()

    @classmethod
    def around(cls, frame: pd.DataFrame, rows: int) -> FrameRoom:
        """A room holding `frame`'s rows (copied), with room for at least `rows` rows."""
        capacity = max(rows + MIN_SPARE, int(rows * (1 + SPARE)))
        buffers = {}
        for name, column in frame.items():
            parts = _parts(column.array)
            if parts is None:
                raise TypeError(f"no room for a column of {type(column.array).__name__}")
            held = []
            for part in parts:
                buffer = np.empty(capacity, dtype=part.dtype)
                buffer[: len(part)] = part
                held.append(buffer)
            buffers[name] = tuple(held)
        return cls(buffers, len(frame))

    def _claim(self, frame: pd.DataFrame, adding: int) -> bool:
        """Whether `frame` may grow into the room by `adding` rows (then it has)."""
        with self._lock:
            capacity = len(next(iter(self._buffers.values()))[0]) if self._buffers else 0
            if self._used != len(frame) or self._used + adding > capacity:
                return False
            if list(self._buffers) != list(frame.columns):
                return False
            self._used += adding
            return True

    def _write(self, rows: dict[str, tuple[np.ndarray, ...]], start: int) -> None:
        for name, parts in rows.items():
            for buffer, values in zip(self._buffers[name], parts):
                buffer[start : start + len(values)] = values

    def _frame(
        self, like: dict[str, ExtensionArray], dtypes: dict[str, object], count: int
    ) -> pd.DataFrame:
        """The first `count` rows, as a frame of columns of the kinds of `like`'s."""
        columns = {
            name: pd.Series(
                _rebuilt(values, [b[:count] for b in self._buffers[name]]),
                dtype=dtypes[name],
                copy=False,
            )
            for name, values in like.items()
        }
        return pd.DataFrame(columns, index=pd.RangeIndex(count), copy=False)


def appended(
    frame: pd.DataFrame, rows: pd.DataFrame, room: FrameRoom | None
) -> tuple[pd.DataFrame, FrameRoom | None]:
    """The frame with `rows` after its last row, and the room it now is the head of: written
    into `room` when `frame` may grow into it, else into a new room (None: columns of a kind
    kept apart, or typed differently in `rows`: copied end to end)."""
    have = {name: column.array for name, column in frame.items()}
    dtypes = dict(frame.dtypes.items())
    new = {name: column.array for name, column in rows.items()}
    added = {name: _parts(values) for name, values in new.items()}
    if list(new) != list(have) or any(
        parts is None
        or _parts(have[name]) is None
        or new[name].dtype != have[name].dtype
        or type(new[name]) is not type(have[name])
        for name, parts in added.items()
    ):
        return _concatenated(frame, rows), None
    count = len(frame) + len(rows)
    if room is None or not room._claim(frame, len(rows)):
        room = FrameRoom.around(frame, count)
        room._claim(frame, len(rows))  # (a new room: always)
    room._write({name: parts for name, parts in added.items() if parts}, len(frame))
    return room._frame(have, dtypes, count), room


def _concatenated(frame: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """The frame with `rows` after its last row (one copy of each column, end to end)."""
    columns = {
        name: pd.Series(
            type(column.array)._concat_same_type([column.array, rows[name].array]),
            dtype=column.dtype,
            copy=False,
        )
        for name, column in frame.items()
    }
    return pd.DataFrame(columns, copy=False)
