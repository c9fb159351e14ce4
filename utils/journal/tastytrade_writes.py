"""A tastytrade import plan written in bulk: many rows a statement, not five statements a row.

Writes exactly the rows the one-at-a-time writes (`writes.insert_trade`, `insert_risk_flag`,
`insert_note`, `insert_fill`, `close_trade`) write for the plan, in the same order (openings,
then fills, then closings, then notes), so every table, every id and the events' order read the
same. New trades go through `bulk_writes.BulkTrades`; a closing of a trade opened by this
plan is computed from its validated facts and stored with the trade's row, as its UPDATE would
leave it (a new trade's close is not logged in `trade_changes`: a judging read finds a new trade
by its id, `judging_delta`). Anything those functions could refuse (a roll whose parent opens in
the same batch, a close before its opening, a trade journaled earlier) takes the one-at-a-time
path, which names the problem as before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

from utils.core.money import from_cents, to_cents
from utils.core.sessions import Clock
from utils.journal.bulk_writes import (
    GATHER_SLICE,
    BulkTrades,
    CloseCells,
    Record,
    TradeCopy,
    bulk_ready,
)
from utils.journal.cockpit_csv_cells import SessionMemo
from utils.journal.cockpit_csv_reader import JournalCsvRecord
from utils.journal.tastytrade_plan import (
    ImportPlan,
    PlannedClosing,
    PlannedFill,
    PlannedOpening,
)
from utils.journal.tastytrade_shapes import ShapeCopy
from utils.journal.trade import NewTrade, Note, TradeClose, net_pnl_usd
from utils.journal.undefined_risk import FlaggedNewTrade
from utils.journal.writes import (
    INSERT_FILL_SQL,
    close_trade,
    fill_row,
    insert_note,
    insert_risk_flag,
    insert_trade,
    stamp,
)
from utils.journal.write_behind import WriteBehind

_ORDER = "INSERT INTO trade_orders (trade_id, broker_order_id, role, position) VALUES (?, ?, ?, ?)"
_EVENT = "INSERT INTO journal_events (trade_id, kind, at, session) VALUES (?, ?, ?, ?)"
_UIDS_PER_QUERY = 500


def write_tasty_plan(conn: sqlite3.Connection, plan: ImportPlan, clock: Clock) -> None:
    """Write the plan's openings, fills, closings and notes inside the caller's transaction
    (the bulk rows written behind the gathering of the next ones, `utils.journal.write_behind`)."""
    with WriteBehind(conn) as behind:
        ids_by_uid = _journaled_ids(behind.conn, plan)
        sessions = SessionMemo()
        stamp_of = lru_cache(maxsize=None)(stamp)  # one memo: a trade's moments are its fills'
        closes = _ClosesOnInsert(plan, sessions, stamp_of)
        fills = _Fills(plan.fills, ids_by_uid, stamp_of)
        opened: dict[str, PlannedOpening] = {}
        _insert_openings(behind, plan.openings, ids_by_uid, opened, clock, closes, fills, stamp_of)
        fills.hand_over(behind, every=True)
        _close(behind, plan.closings, ids_by_uid, opened, closes)
        for note in plan.notes:
            insert_note(behind.conn, ids_by_uid[note.trade_uid], Note(at=note.at, text=note.text))


def _journaled_ids(conn: sqlite3.Connection, plan: ImportPlan) -> dict[str, int]:
    """The journal's trade id of each trade the plan names (opens, closes, fills, notes) that
    the journal holds, by uid."""
    uids = {opening.uid for opening in plan.openings}
    uids.update(opening.parent_uid for opening in plan.openings if opening.parent_uid)
    uids.update(fill.trade_uid for fill in plan.fills)
    uids.update(closing.trade_uid for closing in plan.closings)
    uids.update(note.trade_uid for note in plan.notes)
    ids: dict[str, int] = {}
    named = list(uids)
    for start in range(0, len(named), _UIDS_PER_QUERY):
        part = named[start : start + _UIDS_PER_QUERY]
        marks = ", ".join("?" * len(part))
        # the SQL is constant text and placeholders: the uids are bound parameters
        query = f"SELECT uid, id FROM trades WHERE uid IN ({marks})"  # nosec B608
        ids.update(conn.execute(query, part).fetchall())
    return ids


def _record(opening: PlannedOpening) -> JournalCsvRecord:
    trade = opening.trade
    notes = tuple(Note(at=trade.opened_at, text=text) for text in opening.notes)
    return JournalCsvRecord(line=0, trade=trade, parent_uid=opening.parent_uid, notes=notes)


def _bulk_record(
    opening: PlannedOpening, templates: dict[int, JournalCsvRecord]
) -> JournalCsvRecord | TradeCopy:
    """The opening as the bulk writes take it: for a copy of an earlier order's trade, the
    template's rows with its own cells (its trade is never made)."""
    copy = opening.opened
    if not isinstance(copy, ShapeCopy):
        return _record(opening)
    template = templates.get(id(copy.of))
    if template is None:
        template = templates[id(copy.of)] = JournalCsvRecord(line=0, trade=copy.of)
    notes = tuple(Note(at=copy.opened_at, text=text) for text in opening.notes)
    return TradeCopy(
        copy.uid, copy.opened_at, copy.broker_order_ids, template, opening.parent_uid, notes
    )


def _bulk_ready(opening: PlannedOpening, record: Record, known: dict[str, int]) -> bool:
    """The bulk writes store the trade's own flag: the planned one must be that flag."""
    facts = opening.facts  # a copy's flag is its template's
    flagged = isinstance(facts, FlaggedNewTrade)
    if flagged != (opening.risk_flag is not None):
        return False
    if flagged and facts.risk_flag != opening.risk_flag:
        return False
    return bulk_ready(record, known)


def _insert_openings(
    behind: WriteBehind,
    openings: Iterable[PlannedOpening],
    ids_by_uid: dict[str, int],
    opened: dict[str, PlannedOpening],
    clock: Clock,
    closes: _ClosesOnInsert,
    fills: _Fills,
    stamp_of: Callable[[datetime], str],
) -> None:
    """New trades in plan order: in bulk (closed when `closes` has their close), any other
    one at a time; `opened` gets the trades written in bulk. The fills of the trades written
    so far follow each slice of trades (`_Fills`), so the writer has work from the start."""
    templates: dict[int, JournalCsvRecord] = {}
    bulk = BulkTrades(behind, ids_by_uid, clock, closes.cells, stamp_of)
    handed = len(ids_by_uid)  # trades with ids when the fills were last handed over
    for opening in openings:
        record = _bulk_record(opening, templates)
        if _bulk_ready(opening, record, ids_by_uid):
            bulk.add(record)
            opened[opening.uid] = opening
        else:
            _insert_one(bulk.one_at_a_time(), opening, ids_by_uid, clock)
        if len(ids_by_uid) - handed >= GATHER_SLICE:
            fills.hand_over(behind)
            handed = len(ids_by_uid)
    bulk.flush()


def _insert_one(
    conn: sqlite3.Connection, opening: PlannedOpening, ids_by_uid: dict[str, int], clock: Clock
) -> None:
    trade = opening.trade
    parent_id = ids_by_uid.get(opening.parent_uid) if opening.parent_uid else None
    trade_id = insert_trade(conn, trade, trade.uid or "", created_at=clock(), parent_id=parent_id)
    ids_by_uid[trade.uid or ""] = trade_id
    if opening.risk_flag is not None:
        insert_risk_flag(conn, trade_id, opening.risk_flag, clock())
    for text in opening.notes:
        insert_note(conn, trade_id, Note(at=trade.opened_at, text=text))


class _InsertedClose(NamedTuple):
    """A closing whose trade this plan opens: stored with the trade row when that row is
    written in bulk (`bulk_writes.BulkTrades`), its orders and event written in its turn (a
    named tuple: one is made per closing)."""

    closing: PlannedClosing
    cells: CloseCells


class _ClosesOnInsert:
    """The first closing of each trade the plan opens, when `close_trade` could not refuse it
    (no plan answer, not before the opening), with the trade row's cells it writes: computed
    when the trade's row is gathered (`cells`), so the first rows reach the writer at once."""

    def __init__(
        self, plan: ImportPlan, sessions: SessionMemo, stamp_of: Callable[[datetime], str]
    ) -> None:
        self._sessions, self._stamp_of = sessions, stamp_of
        openings = {opening.uid: opening for opening in plan.openings}
        self._first: dict[str, tuple[PlannedOpening, PlannedClosing]] = {}
        for closing in plan.closings:
            opening = openings.get(closing.trade_uid)
            if opening is not None:
                self._first.setdefault(closing.trade_uid, (opening, closing))
        self._inserted: dict[str, _InsertedClose] = {}
        # closings recur (one shape, one exit): fees, P&L, exit and reason cells by their
        # amounts (values, not spellings)
        self._cells_of: dict[tuple, tuple[int, str, str, int, str]] = {}

    def cells(self, uid: str) -> CloseCells | None:
        """The trade row's close cells of the trade `uid` (None: it is written open)."""
        first = self._first.get(uid)
        if first is None:
            return None
        opening, closing = first
        close, closed_at = closing.facts, closing.closed_at  # a copy's amounts are its template's
        if close.followed_plan is not None or closed_at < opening.opened_at:
            return None
        new = opening.facts  # the opening's legs and amounts
        amounts = (new.multiplier, new.quantity, new.entry_price, new.entry_effect)
        amounts += (new.open_fees_usd, close.exit_price, close.exit_effect, close.close_fees_usd)
        amounts += (close.close_reason,)
        cells = self._cells_of.get(amounts)
        if cells is None:
            fees_cents, pnl_cents = _close_cents(new, close)
            exit_cells = (str(close.exit_price), close.exit_effect.value)
            cells = self._cells_of[amounts] = (
                fees_cents,
                *exit_cells,
                pnl_cents,
                close.close_reason.value,
            )
        at, session = self._stamp_of(closed_at), self._sessions(closed_at)
        inserted = _InsertedClose(closing, (cells[0], at, session, *cells[1:]))
        self._inserted[uid] = inserted
        return inserted.cells

    def inserted(self, uid: str) -> _InsertedClose | None:
        """The closing stored with the trade's row, once `cells` gave its cells."""
        return self._inserted.get(uid)


class _Fills:
    """The plan's fills, handed to the writer in plan order as soon as their trades have ids
    (a fill's row follows its trade's)."""

    def __init__(
        self,
        fills: tuple[PlannedFill, ...],
        ids_by_uid: dict[str, int],
        stamp_of: Callable[[datetime], str],
    ) -> None:
        self._fills, self._ids, self._stamp_of = fills, ids_by_uid, stamp_of
        self._next = 0  # the first fill not handed over

    def hand_over(self, behind: WriteBehind, *, every: bool = False) -> None:
        """Hand over the fills from the first not handed over to the first whose trade has
        no id yet; `every`: all of them (each trade has its id: a KeyError otherwise)."""
        fills, ids, stamp_of, rows = self._fills, self._ids, self._stamp_of, []
        for index in range(self._next, len(fills)):
            fill = fills[index]
            trade_id = ids[fill.trade_uid] if every else ids.get(fill.trade_uid)
            if trade_id is None:
                break
            rows.append(fill_row(trade_id, fill, stamp_of))
        self._next += len(rows)
        behind.insert(INSERT_FILL_SQL, rows)


class _Closes:
    """The rows `close_trade` writes besides its UPDATE, gathered in its order."""

    def __init__(self) -> None:
        self.orders: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []

    def flush(self, behind: WriteBehind) -> None:
        """Hand the gathered rows to the writer (many a statement) and gather anew."""
        behind.insert(_ORDER, self.orders)
        behind.insert(_EVENT, self.events)
        self.orders, self.events = [], []


def _close(
    behind: WriteBehind,
    closings: Iterable[PlannedClosing],
    ids_by_uid: dict[str, int],
    opened: dict[str, PlannedOpening],
    closes: _ClosesOnInsert,
) -> None:
    """Closings in plan order: one stored with its trade's row gets its orders and event, any
    other is written by `close_trade` (which refuses what it refuses)."""
    rows = _Closes()
    for closing in closings:
        trade_id = ids_by_uid[closing.trade_uid]
        new, inserted = opened.get(closing.trade_uid), closes.inserted(closing.trade_uid)
        if new is None or inserted is None or inserted.closing is not closing:
            rows.flush(behind)
            close_trade(behind.conn, trade_id, closing.close)
            continue
        open_orders = list(dict.fromkeys(new.broker_order_ids))
        close_orders = [o for o in dict.fromkeys(closing.broker_order_ids) if o not in open_orders]
        rows.orders.extend(
            (trade_id, order_id, "close", len(open_orders) + position)
            for position, order_id in enumerate(close_orders)
        )
        rows.events.append((trade_id, "close", *inserted.cells[1:3]))
    rows.flush(behind)


def _close_cents(new: NewTrade, close: TradeClose) -> tuple[int, int]:
    """A closed trade's fees and net P&L in cents, as `close_trade` computes them."""
    fees = from_cents(to_cents(new.open_fees_usd)) + close.close_fees_usd
    computed = net_pnl_usd(
        multiplier=new.multiplier,
        quantity=new.quantity,
        entry_price=Decimal(str(new.entry_price)),
        entry_effect=new.entry_effect,
        exit_price=close.exit_price,
        exit_effect=close.exit_effect,
        fees_usd=fees,
    )
    return to_cents(fees), to_cents(computed)
