"""The journal as pandas frames: one row per spread, and one row per session with actions.

Money is float dollars for statistics plus exact integer cents (`net_pnl_cents`); times are UTC
timestamps; sessions are `datetime.date` (New York trading days). docs/METRICS.md lists the
columns.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from utils.journal.trade import TradeStatus
from utils.core.money import cents_as_float_usd

# The fixed filter takes bound values from `utils.journal.store._filter_params`.
FRAME_SQL = (
    "SELECT t.id, t.uid, t.parent_id, t.structure, t.underlying, "
    "(SELECT MIN(l.expiration) FROM trade_legs l WHERE l.trade_id = t.id) AS expiration, "
    "t.quantity, t.multiplier, t.mode, t.source, t.setup, t.opened_at, t.closed_at, "
    "t.session, t.close_session, t.entry_price, t.entry_effect, t.exit_price, t.exit_effect, "
    "t.max_loss_cents, t.max_profit_cents, t.fees_cents, t.net_pnl_cents, t.close_reason, "
    "t.followed_plan, t.profit_target_cents, t.stop_loss_cents, t.time_exit_at "
    "FROM trades t "
    "WHERE ((:want_open AND t.closed_at IS NULL) OR (:want_closed AND t.closed_at IS NOT NULL)) "
    "AND instr(:modes, ',' || t.mode || ',') > 0 "
    "ORDER BY t.closed_at IS NULL, t.closed_at, t.id"
)

TRADES_FRAME_COLUMNS: tuple[str, ...] = (
    "id",
    "uid",
    "parent_id",
    "structure",
    "underlying",
    "expiration",
    "quantity",
    "multiplier",
    "mode",
    "source",
    "setup",
    "opened_at",
    "closed_at",
    "session",
    "close_session",
    "status",
    "entry_price",
    "entry_effect",
    "exit_price",
    "exit_effect",
    "max_loss_usd",
    "max_profit_usd",
    "fees_usd",
    "net_pnl_usd",
    "net_pnl_cents",
    "r_multiple",
    "close_reason",
    "followed_plan",
    "profit_target_usd",
    "stop_loss_usd",
    "time_exit_at",
    "tags",
    "mistakes",
)


def build_trades_frame(rows: list[tuple], labels: dict[str, list[tuple]]) -> pd.DataFrame:
    """The trades frame from raw SQL rows (see `TRADES_FRAME_COLUMNS`)."""
    raw = pd.DataFrame.from_records(rows, columns=_FRAME_RAW_COLUMNS)
    frame = pd.DataFrame(index=raw.index)
    for column in ("id", "uid", "parent_id", "structure", "underlying"):
        frame[column] = raw[column]
    frame["parent_id"] = raw["parent_id"].astype("Int64")
    frame["expiration"] = _dates(raw["expiration"])
    for column in ("quantity", "multiplier"):
        frame[column] = raw[column].astype("int64")
    for column in ("mode", "source", "setup"):
        frame[column] = raw[column]
    frame["opened_at"] = pd.to_datetime(raw["opened_at"], utc=True, format="ISO8601")
    frame["closed_at"] = pd.to_datetime(raw["closed_at"], utc=True, format="ISO8601")
    frame["session"] = _dates(raw["session"])
    frame["close_session"] = _dates(raw["close_session"])
    frame["status"] = (
        raw["closed_at"]
        .isna()
        .map({True: TradeStatus.OPEN.value, False: TradeStatus.CLOSED.value})
        .astype(object)
    )
    frame["entry_price"] = pd.to_numeric(raw["entry_price"]).astype("float64")
    frame["entry_effect"] = raw["entry_effect"]
    frame["exit_price"] = pd.to_numeric(raw["exit_price"]).astype("float64")
    frame["exit_effect"] = raw["exit_effect"]
    frame["max_loss_usd"] = cents_as_float_usd(raw["max_loss_cents"].astype("float64"))
    frame["max_profit_usd"] = cents_as_float_usd(raw["max_profit_cents"].astype("float64"))
    frame["fees_usd"] = cents_as_float_usd(raw["fees_cents"].astype("float64"))
    frame["net_pnl_usd"] = cents_as_float_usd(raw["net_pnl_cents"].astype("float64"))
    frame["net_pnl_cents"] = raw["net_pnl_cents"].astype("Int64")
    frame["r_multiple"] = frame["net_pnl_usd"] / frame["max_loss_usd"]
    frame["close_reason"] = raw["close_reason"]
    frame["followed_plan"] = raw["followed_plan"].astype("boolean")
    frame["profit_target_usd"] = cents_as_float_usd(raw["profit_target_cents"].astype("float64"))
    frame["stop_loss_usd"] = cents_as_float_usd(raw["stop_loss_cents"].astype("float64"))
    frame["time_exit_at"] = pd.to_datetime(raw["time_exit_at"], utc=True, format="ISO8601")
    for name in ("tags", "mistakes"):
        grouped: dict[int, list[str]] = {}
        for trade_id, label in labels[name]:
            grouped.setdefault(trade_id, []).append(label)
        frame[name] = [tuple(grouped.get(i, ())) for i in raw["id"]]
    return frame[list(TRADES_FRAME_COLUMNS)]


_FRAME_RAW_COLUMNS = (
    "id",
    "uid",
    "parent_id",
    "structure",
    "underlying",
    "expiration",
    "quantity",
    "multiplier",
    "mode",
    "source",
    "setup",
    "opened_at",
    "closed_at",
    "session",
    "close_session",
    "entry_price",
    "entry_effect",
    "exit_price",
    "exit_effect",
    "max_loss_cents",
    "max_profit_cents",
    "fees_cents",
    "net_pnl_cents",
    "close_reason",
    "followed_plan",
    "profit_target_cents",
    "stop_loss_cents",
    "time_exit_at",
)


def _dates(texts: pd.Series) -> pd.Series:
    """ISO dates as `datetime.date` objects (parsed once per distinct day)."""
    distinct = {text: date.fromisoformat(text) for text in texts.dropna().unique()}
    return texts.map(distinct).astype(object)


SESSION_COUNT_COLUMNS = ("opened", "closed", "tags", "mistakes", "notes", "reviews")
_KIND_COLUMN = {
    "open": "opened",
    "close": "closed",
    "tag": "tags",
    "mistake": "mistakes",
    "note": "notes",
    "review": "reviews",
}


def build_sessions_frame(events: list[tuple], pnl_cents: dict[str, int]) -> pd.DataFrame:
    """Sessions with journaled actions from (session, kind, trade_id) event rows."""
    per_session: dict[str, dict[str, Any]] = {}
    for session, kind, trade_id in events:
        entry = per_session.get(session)
        if entry is None:
            entry = per_session[session] = {c: 0 for c in SESSION_COUNT_COLUMNS}
            entry["trade_ids"] = {}  # an insertion-ordered set: first touch first
        entry[_KIND_COLUMN[kind]] += 1
        entry["trade_ids"][trade_id] = None
    records = [
        {
            "session": date.fromisoformat(session),
            "actions": sum(entry[c] for c in SESSION_COUNT_COLUMNS),
            **{c: entry[c] for c in SESSION_COUNT_COLUMNS},
            "net_pnl_usd": cents_as_float_usd(pnl_cents.get(session, 0)),
            "trade_ids": tuple(entry["trade_ids"]),
        }
        for session, entry in sorted(per_session.items())
    ]
    columns = ["session", "actions", *SESSION_COUNT_COLUMNS, "net_pnl_usd", "trade_ids"]
    return pd.DataFrame.from_records(records, columns=columns)
