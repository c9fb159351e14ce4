"""The judging frame read straight from SQLite, without a model per trade (`Journal.judging_frame`).

One statement reads the whole journal in one snapshot. Each column of `trades` comes back as one
text (SQLite's `group_concat` over the same rows, so the columns line up), parsed whole by numpy
and pandas; NULL integers are written as `MISSING`. Mistakes, declared exit plans and risk flags
come back as the ids of the trades they belong to. Repeated texts (mode, structure, underlying,
family) are one shared string each. The result equals `frame_from_trades(journal.list_trades())`
(tests/journal/test_judging_frame.py): a stored trade is proved unless it is flagged, as
`utils.journal.rows.load_trades` decides.
"""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd

from utils.core.sessions import session_ordinals
from utils.journal.errors import JournalError
from utils.journal.judging_frame import JUDGING_COLUMNS, JUDGING_DTYPES
from utils.spreads.families import underlying_family

MISSING = -(2**63)  # a NULL in an integer column's text (no cents amount or id is this)

# (frame column, SQL expression over `trades t`), in the statement's order.
_INTEGERS = (
    ("id", "t.id"),
    ("quantity", "t.quantity"),
    ("multiplier", "t.multiplier"),
    ("max_loss_cents", "t.max_loss_cents"),
    ("fees_cents", "t.fees_cents"),
    ("net_pnl_cents", f"COALESCE(t.net_pnl_cents, {MISSING})"),
    ("profit_target_cents", f"COALESCE(t.profit_target_cents, {MISSING})"),
    ("stop_loss_cents", f"COALESCE(t.stop_loss_cents, {MISSING})"),
    ("followed_plan", f"COALESCE(t.followed_plan, {MISSING})"),
)
_TEXTS = (("mode", "t.mode"), ("structure", "t.structure"), ("underlying", "t.underlying"))
_INSTANTS = (
    ("opened_at", "t.opened_at"),
    ("closed_at", "COALESCE(t.closed_at, '')"),
    ("time_exit_at", "COALESCE(t.time_exit_at, '')"),
)
# (frame column, table whose rows name a trade by trade_id)
_TRADE_IDS = (
    ("mistakes", "trade_mistakes"),
    ("later_plans", "exit_plans"),
    ("flagged", "trade_risk_flags"),
)
JUDGING_SQL = (
    "SELECT COUNT(*), "
    + ", ".join(f"group_concat({sql})" for _, sql in (*_INTEGERS, *_TEXTS, *_INSTANTS))
    + ", "
    + ", ".join(f"(SELECT group_concat(trade_id) FROM {table})" for _, table in _TRADE_IDS)
    + " FROM trades t"
)


def read_judging_frame(conn: sqlite3.Connection) -> pd.DataFrame:
    """Every journaled trade as the judging frame, ordered by opening time then id."""
    count, *texts = conn.execute(JUDGING_SQL).fetchone()
    names = [name for name, _ in (*_INTEGERS, *_TEXTS, *_INSTANTS, *_TRADE_IDS)]
    raw = dict(zip(names, texts))
    integers = {name: _integers(raw[name], count, name) for name, _ in _INTEGERS}
    opened = _instants(raw["opened_at"], count)
    order = np.lexsort((integers["id"], opened.asi8))
    ids = integers["id"][order]
    columns: dict[str, object] = {"id": ids}
    for name, _ in _TEXTS:
        columns[name] = _shared_texts(raw[name], count)[order]
    distinct, where = np.unique(columns["underlying"], return_inverse=True)
    families = np.array([underlying_family(symbol) for symbol in distinct], dtype=object)
    columns["family"] = families[where]
    for name in ("quantity", "multiplier", "max_loss_cents", "fees_cents"):
        columns[name] = integers[name][order]
    columns["opened_at"] = opened[order]
    columns["closed_at"] = _instants(raw["closed_at"], count)[order]
    columns["time_exit_at"] = _instants(raw["time_exit_at"], count)[order]
    columns["session"] = session_ordinals(columns["opened_at"])
    columns["close_session"] = session_ordinals(columns["closed_at"])
    for name in ("net_pnl_cents", "profit_target_cents", "stop_loss_cents"):
        values = integers[name][order]
        missing = values == MISSING
        columns[name] = pd.arrays.IntegerArray(np.where(missing, 0, values), missing)
    answer = integers["followed_plan"][order]
    columns["followed_plan"] = pd.arrays.BooleanArray(answer == 1, answer == MISSING)
    mistakes = pd.Series(_integers(raw["mistakes"], None, "mistakes")).value_counts()
    columns["mistakes"] = mistakes.reindex(ids, fill_value=0).to_numpy(dtype=np.int64)
    columns["later_plans"] = np.isin(ids, _integers(raw["later_plans"], None, "later_plans"))
    columns["flagged"] = np.isin(ids, _integers(raw["flagged"], None, "flagged"))
    columns["proved"] = ~columns["flagged"]
    return pd.DataFrame(
        {
            name: pd.Series(columns[name], dtype=JUDGING_DTYPES[name], copy=False)
            for name in JUDGING_COLUMNS
        }
    )


def _integers(text: str | None, count: int | None, name: str) -> np.ndarray:
    """A `group_concat` of integers as int64 (`count` of them when given; None text: none)."""
    values = (
        np.empty(0, dtype=np.int64)
        if text is None
        else np.fromstring(text, dtype=np.int64, sep=",")  # type: ignore[call-overload]
    )
    if count is not None and len(values) != count:
        raise JournalError(f"the journal's {name} column could not be read whole")
    return values


def _texts(text: str | None, count: int) -> list[str]:
    """A `group_concat` of texts without commas, split (none for None)."""
    parts = [] if text is None else text.split(",")
    if len(parts) != count:
        raise JournalError("the journal's text columns could not be read whole")
    return parts


def _shared_texts(text: str | None, count: int) -> np.ndarray:
    """The texts as an object array holding one string object per distinct text."""
    codes, distinct = pd.factorize(np.array(_texts(text, count), dtype=object))
    return np.asarray(distinct, dtype=object)[codes]


def _instants(text: str | None, count: int) -> pd.DatetimeIndex:
    """Stored UTC timestamps (an empty text is NaT) at nanosecond resolution."""
    parsed = pd.to_datetime(_texts(text, count), utc=True, format="ISO8601")
    return pd.DatetimeIndex(parsed).as_unit("ns")
