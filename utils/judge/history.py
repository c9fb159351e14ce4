"""The questions every judge asks of the whole history, answered from the judging frame.

Gates, ramp, rollback, coach, open risk and the compliance export read the journal as its
judging frame (`utils.journal.judging_frame`, one row per trade) and never need a model per
trade: closed trades before a moment and their exact net P&L (integer cents), the trades open
at a moment, the first LIVE entry. Validated `Trade` models are built only for the few trades
a judgement shows, through a `TradeLoader` (`Journal.trades_by_ids`).

    frame = judging_frame_of(trades)            # the frame itself, or the frame of models
    closed = closed_by(frame, now)              # rows closed at or before now, in close order
    exact_expectancy_usd(closed), expectancy_exceeds(closed, Decimal(0)), open_by(frame, now)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from utils.core.money import from_cents
from utils.core.sessions import to_utc
from utils.journal.judging_frame import frame_from_trades
from utils.journal.trade import Mode, Trade
from utils.judge.metrics import close_order_rows, instants

if TYPE_CHECKING:  # the discipline history imports the ramp, which imports this module
    from utils.judge.discipline_history import TradeLoader

ZERO = Decimal(0)
_MOST_DIGITS = len(str(np.iinfo(np.int64).max))
_NAT = np.iinfo(np.int64).min  # NaT as int64 ticks
_NS_PER_TICK = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


def judging_frame_of(trades: pd.DataFrame | Iterable[Trade]) -> pd.DataFrame:
    """The judging frame: as given, or built from models (`frame_from_trades`)."""
    return trades if isinstance(trades, pd.DataFrame) else frame_from_trades(list(trades))


def trades_in_order(load: TradeLoader, ids: Sequence[int]) -> tuple[Trade, ...]:
    """The models of `ids`, in the order of `ids`."""
    by_id = {trade.id: trade for trade in load(list(ids))}
    return tuple(by_id[i] for i in ids if i in by_id)


def _stamps(column: pd.Series) -> np.ndarray:
    """UTC instants as int64 nanoseconds (NaT as the smallest int64)."""
    return column.to_numpy(dtype="datetime64[ns]").view("int64")


def _moment_ns(moment: datetime) -> int:
    return int(pd.Timestamp(to_utc(moment)).value)


def _moment_ticks(column: pd.Series, moment: datetime) -> int:
    """`moment` in the int64 ticks of the column's own unit (`metrics.instants`), floored."""
    return _moment_ns(moment) // _NS_PER_TICK[getattr(column.dtype, "unit", "ns")]


def close_order(frame: pd.DataFrame, moment: datetime) -> np.ndarray:
    """Positions of the rows closed at or before `moment`, in close order (close time, then
    id)."""
    closed_at = frame["closed_at"]
    stamps, when = instants(closed_at), _moment_ticks(closed_at, moment)
    rows = close_order_rows(np.where(stamps <= when, stamps, _NAT), frame["id"].to_numpy())
    return np.arange(len(frame)) if rows is None else rows


def closed_by(
    frame: pd.DataFrame,
    moment: datetime,
    columns: Sequence[str] | None = None,
    closed: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Rows closed at or before `moment`, in close order (close time, then id); with `columns`,
    only those (a judge reading a few columns copies only them). `closed`: the frame's closed
    trades (`closed_from_judging(frame)`) when the caller has them: their head closed by
    `moment` is the answer when it holds the columns, typed alike (no copy)."""
    if closed is not None and columns is not None and _heads_alike(frame, closed, columns):
        closed_at = closed["closed_at"]
        count = np.searchsorted(instants(closed_at), _moment_ticks(closed_at, moment), "right")
        return closed[list(columns)].iloc[: int(count)]
    rows = close_order(frame, moment)
    return (frame if columns is None else frame[list(columns)]).take(rows)


def _heads_alike(frame: pd.DataFrame, closed: pd.DataFrame, columns: Sequence[str]) -> bool:
    """Whether the closed trades' rows are the frame's (indexed by position) and hold
    `columns` typed as the frame's (an empty set of closed trades may be untyped)."""
    index = frame.index
    return (
        len(closed) > 0
        and isinstance(index, pd.RangeIndex)
        and (index.start, index.step) == (0, 1)
        and all(
            name in closed.columns and closed[name].dtype == frame[name].dtype for name in columns
        )
    )


def in_close_order(closed: pd.DataFrame) -> pd.DataFrame:
    """Closed rows sorted by close time, then id."""
    order = np.lexsort((closed["id"].to_numpy(), _stamps(closed["closed_at"])))
    return closed.iloc[order]


def open_by(frame: pd.DataFrame, moment: datetime) -> pd.DataFrame:
    """Rows open at `moment` (opened at or before it, closed after it or not yet), by entry."""
    when = _moment_ns(moment)
    closed_at = frame["closed_at"]
    still_open = closed_at.isna().to_numpy() | (_stamps(closed_at) > when)
    return frame[(_stamps(frame["opened_at"]) <= when) & still_open]


def ids_of(rows: pd.DataFrame) -> tuple[int, ...]:
    """The trade ids of some rows, in row order."""
    return tuple(rows["id"].to_numpy(dtype="int64").tolist())


def ids_text(rows: pd.DataFrame) -> str:
    """The rows' trade ids as one text, "3, 7, 12" (as ", ".join(map(str, ids)) writes them)."""
    return _LAST_IDS_TEXT.text(rows["id"].to_numpy(dtype="int64"))


class LastIdsText:
    """The ids last written as text, and their text: a reading after a change shares the head
    of its history (the closed trades in close order) with the reading before, so only the ids
    after that head are written again."""

    def __init__(self) -> None:
        self._last: tuple[np.ndarray, str] = (np.zeros(0, dtype=np.int64), "")

    def text(self, ids: np.ndarray) -> str:
        """`ids` joined by ", " (as `joined_integers` writes them)."""
        known, written = self._last  # one consistent pair, whichever thread wrote it last
        head = len(known)
        if head and head <= len(ids) and np.array_equal(ids[:head], known):
            rest = ids[head:]
            text = written + ", " + joined_integers(rest) if rest.size else written
        else:
            text = joined_integers(ids)
        self._last = (ids.copy(), text)
        return text


def joined_integers(values: np.ndarray, separator: str = ", ") -> str:
    """Integers written in decimal and joined by `separator`, exactly as
    `separator.join(map(str, values))`, written digit by digit over the whole array (no text
    object per value)."""
    if values.size == 0 or values.min() < 0 or not separator.isascii():
        return separator.join(map(str, values.tolist()))
    gap = np.frombuffer(separator.encode("ascii"), dtype=np.uint8)
    digits = np.ones(values.size, dtype=np.int64)
    for power in range(1, _MOST_DIGITS):
        longer = values >= 10**power
        if not longer.any():
            break
        digits += longer
    ends = np.cumsum(digits + gap.size) - gap.size  # one past each number's last digit
    text = np.empty(int(ends[-1]), dtype=np.uint8)
    for offset, byte in enumerate(gap):
        text[ends[:-1] + offset] = byte
    rest = values.astype(np.int64)
    for place in range(int(digits.max())):
        has = digits > place
        text[ends[has] - 1 - place] = ord("0") + rest[has] % 10
        rest = rest // 10
    return text.tobytes().decode("ascii")


def _known_pnl_cents(closed: pd.DataFrame) -> np.ndarray:
    cents = closed["net_pnl_cents"]
    return cents[cents.notna()].to_numpy(dtype="int64")


def net_pnl_total_usd(closed: pd.DataFrame) -> Decimal:
    """The exact sum of the rows' net P&L (no P&L counts as 0)."""
    cents = _known_pnl_cents(closed)
    return from_cents(int(cents.sum())) if cents.size else ZERO


def exact_expectancy_usd(closed: pd.DataFrame) -> Decimal | None:
    """Mean net P&L as an exact Decimal over the rows with a P&L (None without any)."""
    cents = _known_pnl_cents(closed)
    return from_cents(int(cents.sum())) / cents.size if cents.size else None


def expectancy_exceeds(closed: pd.DataFrame, threshold_usd: Decimal) -> bool:
    """$ expectancy > threshold, decided exactly: sum(net P&L) > threshold x N (N >= 1)."""
    cents = _known_pnl_cents(closed)
    return bool(cents.size) and from_cents(int(cents.sum())) > threshold_usd * cents.size


def first_live_opened_at(frame: pd.DataFrame) -> datetime | None:
    """When the first LIVE trade opened (None before any)."""
    live = np.flatnonzero(frame["mode"].to_numpy() == Mode.LIVE.value)
    return None if live.size == 0 else frame["opened_at"].iloc[live].min().to_pydatetime()


_LAST_IDS_TEXT = LastIdsText()  # the gates' closed ids, one reading to the next
