"""Reading journal rows back into `Trade` models: the read path of `utils.journal.store`.

The rows were validated when the journal wrote them and triggers keep their opening facts fixed,
so they are assembled with `Trade.from_journal` (no re-validation, no second defined-risk proof).
Texts that repeat across trades (prices, strikes, expirations, amounts) are converted once per
read, into tables looked up by the stored value; the resulting `Decimal` and `date` values are
immutable, so trades may share them. Legs are frozen models too: trades of one read whose legs
have the same stored facts share one `TradeLeg` (fewer objects to build and keep on a journal of
years).
"""

from __future__ import annotations

import json
import operator
import sqlite3
from collections.abc import Callable, Hashable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from utils.journal.exit_plan_rows import (
    EXIT_PLANS_OF_IDS_SQL,
    EXIT_PLANS_SQL,
    plan_declaration,
)
from utils.journal.exit_plans import PlanDeclaration
from utils.journal.risk import Structure, TradeLeg
from utils.journal.trade import CloseReason, Mode, Note, Trade
from utils.journal.undefined_risk import unprove_flagged
from utils.spreads.symbols import OptionType
from utils.core.prevalidated import build_validated, field_names
from utils.core.money import from_cents
from utils.spreads.legs import LegAction, PriceEffect

# Reads take bound values from `store._filter_params`, or `{"ids": ...}` (a JSON list of ids,
# `_ids_param`) for chosen trades. The columns are in the order `TradeAssembler.trade` unpacks.
TRADES_SQL = """
SELECT t.id, t.uid, t.parent_id, p.uid, t.structure, t.underlying, t.quantity, t.multiplier,
       t.mode, t.source, t.opened_at, t.entry_price, t.entry_effect, t.max_loss_cents,
       t.max_profit_cents, t.open_fees_cents, t.setup, t.profit_target_cents, t.stop_loss_cents,
       t.time_exit_at, t.closed_at, t.exit_price, t.exit_effect, t.fees_cents, t.net_pnl_cents,
       t.close_reason, t.followed_plan
FROM trades t LEFT JOIN trades p ON p.id = t.parent_id
WHERE ((:want_open AND t.closed_at IS NULL) OR (:want_closed AND t.closed_at IS NOT NULL))
  AND instr(:modes, ',' || t.mode || ',') > 0
ORDER BY t.id
"""
TRADES_OF_IDS_SQL = """
SELECT t.id, t.uid, t.parent_id, p.uid, t.structure, t.underlying, t.quantity, t.multiplier,
       t.mode, t.source, t.opened_at, t.entry_price, t.entry_effect, t.max_loss_cents,
       t.max_profit_cents, t.open_fees_cents, t.setup, t.profit_target_cents, t.stop_loss_cents,
       t.time_exit_at, t.closed_at, t.exit_price, t.exit_effect, t.fees_cents, t.net_pnl_cents,
       t.close_reason, t.followed_plan
FROM trades t LEFT JOIN trades p ON p.id = t.parent_id
WHERE t.id IN (SELECT value FROM json_each(:ids))
ORDER BY t.id
"""
CHILD_SQL = {
    "legs": "SELECT trade_id, occ_symbol, option_type, strike, expiration, action, quantity "
    "FROM trade_legs ORDER BY trade_id, position",
    "orders": "SELECT trade_id, broker_order_id FROM trade_orders ORDER BY trade_id, position",
    "tags": "SELECT trade_id, tag FROM trade_tags ORDER BY trade_id, position",
    "mistakes": "SELECT trade_id, mistake FROM trade_mistakes "
    "ORDER BY trade_id, noted_at, mistake",
    "notes": "SELECT trade_id, noted_at, body FROM trade_notes ORDER BY trade_id, id",
    "exit_plans": EXIT_PLANS_SQL,
}
CHILD_OF_IDS_SQL = {
    "legs": "SELECT trade_id, occ_symbol, option_type, strike, expiration, action, quantity "
    "FROM trade_legs WHERE trade_id IN (SELECT value FROM json_each(:ids)) "
    "ORDER BY trade_id, position",
    "orders": "SELECT trade_id, broker_order_id FROM trade_orders "
    "WHERE trade_id IN (SELECT value FROM json_each(:ids)) ORDER BY trade_id, position",
    "tags": "SELECT trade_id, tag FROM trade_tags "
    "WHERE trade_id IN (SELECT value FROM json_each(:ids)) ORDER BY trade_id, position",
    "mistakes": "SELECT trade_id, mistake FROM trade_mistakes "
    "WHERE trade_id IN (SELECT value FROM json_each(:ids)) ORDER BY trade_id, noted_at, mistake",
    "notes": "SELECT trade_id, noted_at, body FROM trade_notes "
    "WHERE trade_id IN (SELECT value FROM json_each(:ids)) ORDER BY trade_id, id",
    "exit_plans": EXIT_PLANS_OF_IDS_SQL,
}
FLAGGED_IDS_SQL = "SELECT trade_id FROM trade_risk_flags"
FLAGGED_OF_IDS_SQL = (
    "SELECT trade_id FROM trade_risk_flags WHERE trade_id IN (SELECT value FROM json_each(:ids))"
)

# Stored enum values -> members (a dict lookup instead of an Enum call per value).
_STRUCTURES = {member.value: member for member in Structure}
_MODES = {member.value: member for member in Mode}
_EFFECTS = {member.value: member for member in PriceEffect}
_CLOSE_REASONS = {member.value: member for member in CloseReason}
_OPTION_TYPES = {member.value: member for member in OptionType}
_LEG_ACTIONS = {member.value: member for member in LegAction}

# Columns of a `TRADES_SQL` row holding cents, and holding decimal prices.
_CENTS_COLUMNS = (13, 14, 15, 17, 18, 23, 24)
_PRICE_COLUMNS = (11, 21)

KeyT = TypeVar("KeyT", bound=Hashable)
ValueT = TypeVar("ValueT")


def _table(convert: Callable[[KeyT], ValueT], values: Iterable[KeyT | None]) -> dict:
    """`convert` of each distinct value, by value (None stays None): a lookup per use."""
    table: dict[KeyT | None, ValueT | None] = {None: None}
    for value in set(values):
        if value is not None:
            table[value] = convert(value)
    return table


def _moment(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _group(rows: list[tuple]) -> dict[int, list[tuple]]:
    grouped: dict[int, list[tuple]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


def load_trades(conn: sqlite3.Connection, params: dict[str, Any]) -> list[Trade]:
    """The trades the filter (`store._filter_params`) selects, in id order."""
    return _assemble(conn, TRADES_SQL, CHILD_SQL, FLAGGED_IDS_SQL, params)


def load_trades_of_ids(conn: sqlite3.Connection, ids: Iterable[int]) -> list[Trade]:
    """The trades of the given ids that exist, in id order, each once (one query per table)."""
    params = {"ids": _ids_param(ids)}
    return _assemble(conn, TRADES_OF_IDS_SQL, CHILD_OF_IDS_SQL, FLAGGED_OF_IDS_SQL, params)


def _ids_param(ids: Iterable[int]) -> str:
    """Trade ids as the JSON list `json_each(:ids)` reads (integers only, sorted, each once)."""
    return json.dumps(sorted({operator.index(trade_id) for trade_id in ids}))


def _assemble(
    conn: sqlite3.Connection,
    trades_sql: str,
    child_sql: dict[str, str],
    flagged_sql: str,
    params: dict[str, Any],
) -> list[Trade]:
    rows = conn.execute(trades_sql, params).fetchall()
    children = {
        name: _group(conn.execute(sql, params).fetchall()) for name, sql in child_sql.items()
    }
    flagged = {trade_id for (trade_id,) in conn.execute(flagged_sql, params)}
    return unprove_flagged(TradeAssembler().trades(rows, children), flagged)


class TradeAssembler:
    """Builds `Trade` models from trade rows and their child rows (one instance per read)."""

    def __init__(self) -> None:
        self.decimal: dict = {}
        self.usd: dict = {}
        self.day: dict = {}
        self.trade_fields = field_names(Trade)
        self.leg_fields = field_names(TradeLeg)
        self.note_fields = field_names(Note)
        self.legs: dict[tuple, TradeLeg] = {}

    def trades(self, rows: list[tuple], children: dict[str, dict[int, list[tuple]]]) -> list[Trade]:
        """One `Trade` per row, with its legs, order ids, tags, mistakes, notes and plans."""
        legs, orders, tags = children["legs"], children["orders"], children["tags"]
        mistakes, notes = children["mistakes"], children["notes"]
        plans = children["exit_plans"]
        leg_rows = [leg for group in legs.values() for leg in group]
        self.usd = _table(from_cents, (row[i] for row in rows for i in _CENTS_COLUMNS))
        self.decimal = _table(
            Decimal,
            [*(row[i] for row in rows for i in _PRICE_COLUMNS), *(leg[3] for leg in leg_rows)],
        )
        self.day = _table(date.fromisoformat, (leg[4] for leg in leg_rows))
        empty: list[tuple] = []
        return [
            self.trade(
                row,
                legs.get(row[0], empty),
                tuple(order[1] for order in orders.get(row[0], empty)),
                tuple(tag[1] for tag in tags.get(row[0], empty)),
                tuple(mistake[1] for mistake in mistakes.get(row[0], empty)),
                tuple(self.note(note) for note in notes.get(row[0], empty)),
                tuple(plan_declaration(plan) for plan in plans.get(row[0], empty)),
            )
            for row in rows
        ]

    def leg(self, row: tuple) -> TradeLeg:
        """One leg from (trade_id, occ_symbol, option_type, strike, expiration, action, qty),
        shared with the read's earlier legs of the same facts."""
        facts = row[1:]
        found = self.legs.get(facts)
        if found is None:
            found = self.legs[facts] = self._new_leg(row)
        return found

    def _new_leg(self, row: tuple) -> TradeLeg:
        return build_validated(
            TradeLeg,
            {
                "occ_symbol": row[1],
                "option_type": _OPTION_TYPES[row[2]],
                "strike": self.decimal[row[3]],
                "expiration": self.day[row[4]],
                "action": _LEG_ACTIONS[row[5]],
                "quantity": row[6],
            },
            self.leg_fields,
        )

    def note(self, row: tuple) -> Note:
        """One note from (trade_id, noted_at, body)."""
        return build_validated(
            Note, {"at": datetime.fromisoformat(row[1]), "text": row[2]}, self.note_fields
        )

    def trade(
        self,
        row: tuple,
        leg_rows: list[tuple],
        order_ids: tuple[str, ...],
        tags: tuple[str, ...],
        mistakes: tuple[str, ...],
        notes: tuple[Note, ...],
        exit_plans: tuple[PlanDeclaration, ...] = (),
    ) -> Trade:
        """One trade from a `TRADES_SQL` row and its children."""
        (
            trade_id,
            uid,
            parent_id,
            parent_uid,
            structure,
            underlying,
            quantity,
            multiplier,
            mode,
            source,
            opened_at,
            entry_price,
            entry_effect,
            max_loss_cents,
            max_profit_cents,
            open_fees_cents,
            setup,
            profit_target_cents,
            stop_loss_cents,
            time_exit_at,
            closed_at,
            exit_price,
            exit_effect,
            fees_cents,
            net_pnl_cents,
            close_reason,
            followed_plan,
        ) = row
        usd, decimal = self.usd, self.decimal
        # Field order is Trade's declaration order (`build_validated` keeps it as __dict__).
        return Trade.from_journal(
            {
                "uid": uid,
                "structure": _STRUCTURES[structure],
                "underlying": underlying,
                "legs": tuple(self.leg(leg) for leg in leg_rows),
                "quantity": quantity,
                "multiplier": multiplier,
                "opened_at": datetime.fromisoformat(opened_at),
                "entry_price": decimal[entry_price],
                "entry_effect": _EFFECTS[entry_effect],
                "max_loss_usd": usd[max_loss_cents],
                "max_profit_usd": usd[max_profit_cents],
                "open_fees_usd": usd[open_fees_cents],
                "mode": _MODES[mode],
                "broker_order_ids": order_ids,
                "parent_id": parent_id,
                "setup": setup,
                "profit_target_usd": usd[profit_target_cents],
                "stop_loss_usd": usd[stop_loss_cents],
                "time_exit_at": _moment(time_exit_at),
                "tags": tags,
                "source": source,
                "id": trade_id,
                "parent_uid": parent_uid,
                "closed_at": _moment(closed_at),
                "exit_price": decimal[exit_price],
                "exit_effect": None if exit_effect is None else _EFFECTS[exit_effect],
                "fees_usd": usd[fees_cents],
                "net_pnl_usd": usd[net_pnl_cents],
                "close_reason": None if close_reason is None else _CLOSE_REASONS[close_reason],
                "followed_plan": None if followed_plan is None else bool(followed_plan),
                "mistakes": mistakes,
                "notes": notes,
                "exit_plans": exit_plans,
            },
            self.trade_fields,
        )
