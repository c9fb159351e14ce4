"""The journal CSV's new trades written in bulk: one statement per table, not eight per trade.

Writes exactly the rows `writes.insert_trade` + `writes.close_trade` (and the notes, mistakes
and risk flag of `importer`) would write one trade at a time, in the same order, so the
journal reads the same; only records that cannot fail those functions' checks come here
(`bulk_ready`), the rest keep the one-at-a-time path and its named error. (The one difference: the
clock is read once per slice of trades gathered, not once per trade, for their `created_at`.)

Each table's rows go in through `utils.journal.bulk_insert` (many rows per statement), written
behind the gathering by `utils.journal.write_behind`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from utils.core.money import from_cents, to_cents
from utils.core.sessions import Clock
from utils.journal.cockpit_csv_cells import SessionMemo
from utils.journal.cockpit_csv_chunks import Shape, ShapedRow
from utils.journal.cockpit_csv_reader import JournalCsvRecord
from utils.journal.fields import clean_label
from utils.journal.trade import Note, net_pnl_usd
from utils.journal.undefined_risk import NOT_DEFINED_RISK, FlaggedNewTrade
from utils.journal.write_behind import WriteBehind
from utils.journal.writes import stamp

GATHER_SLICE = 1_000  # records whose rows are gathered while the slice before is written


def _labels_clean(labels: Iterable[str]) -> bool:
    try:
        for label in labels:
            clean_label(label)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class TradeCopy:
    """A new trade whose trade is `template`'s (validated once) but for its uid, opening time
    and broker order ids, with its own parent and notes, no close and no mistakes (the
    tastytrade import's orders of one proven shape): its rows are the template's rows, with its
    own cells (`_gather_copy`)."""

    uid: str
    opened_at: datetime
    broker_order_ids: tuple[str, ...]
    template: JournalCsvRecord
    parent_uid: str | None = None
    notes: tuple[Note, ...] = ()


Record = JournalCsvRecord | ShapedRow | TradeCopy


def bulk_ready(record: Record, known: dict[str, int]) -> bool:
    """True when the one-at-a-time writes could not refuse this record (so bulk is the same)."""
    if isinstance(record, ShapedRow):
        return record.uid not in known  # its shape's record is bulk ready, its times in order
    if isinstance(record, TradeCopy):
        template = record.template.trade
        return (
            template.parent_id is None
            and (record.parent_uid is None or record.parent_uid in known)
            and record.uid not in known
            and _labels_clean(template.tags)
        )
    trade, close = record.trade, record.close
    return (
        trade.parent_id is None
        and (record.parent_uid is None or record.parent_uid in known)
        and (trade.uid or "") not in known
        and (close is None or close.closed_at >= trade.opened_at)
        and _labels_clean(trade.tags)
        and _labels_clean(record.mistakes)
    )


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


class _Rows:
    """The rows of every table, gathered in the order the one-at-a-time writes insert them."""

    def __init__(
        self,
        session_of: SessionMemo | None = None,
        stamp_of: Callable[[datetime], str] = stamp,
    ) -> None:
        self.trades: list[tuple[Any, ...]] = []
        self.legs: list[tuple[Any, ...]] = []
        self.orders: list[tuple[Any, ...]] = []
        self.tags: list[tuple[Any, ...]] = []
        self.mistakes: list[tuple[Any, ...]] = []
        self.notes: list[tuple[Any, ...]] = []
        self.events: list[tuple[Any, ...]] = []
        self.flags: list[tuple[Any, ...]] = []
        self.session_of = session_of or SessionMemo()
        self.stamp_of = stamp_of  # `stamp`, or a memo of it shared with the caller

    def event(self, trade_id: int, kind: str, at: datetime) -> None:
        self.events.append((trade_id, kind, self.stamp_of(at), self.session_of(at)))


def _optional_cents(amount: Any) -> int | None:
    return None if amount is None else to_cents(amount)


def _gather(
    rows: _Rows,
    trade_id: int,
    record: JournalCsvRecord,
    parent: int | None,
    created_at: str,
) -> None:
    new, close = record.trade, record.close
    closing: tuple[Any, ...] = (None,) * 7
    if close is not None:
        fees = from_cents(to_cents(new.open_fees_usd)) + close.close_fees_usd
        pnl = net_pnl_usd(
            multiplier=new.multiplier,
            quantity=new.quantity,
            entry_price=new.entry_price,
            entry_effect=new.entry_effect,
            exit_price=close.exit_price,
            exit_effect=close.exit_effect,
            fees_usd=fees,
        )
        closing = (
            rows.stamp_of(close.closed_at),
            rows.session_of(close.closed_at),
            str(close.exit_price),
            close.exit_effect.value,
            to_cents(pnl),
            close.close_reason.value,
            None if close.followed_plan is None else int(close.followed_plan),
        )
        fees_cents = to_cents(fees)
    else:
        fees_cents = to_cents(new.open_fees_usd)
    rows.trades.append(
        (
            trade_id,
            new.uid or "",
            parent,
            new.structure.value,
            new.underlying,
            new.quantity,
            new.multiplier,
            new.mode.value,
            new.source,
            rows.stamp_of(new.opened_at),
            rows.session_of(new.opened_at),
            str(new.entry_price),
            new.entry_effect.value,
            to_cents(new.max_loss_usd),
            _optional_cents(new.max_profit_usd),
            to_cents(new.open_fees_usd),
            new.setup,
            _optional_cents(new.profit_target_usd),
            _optional_cents(new.stop_loss_usd),
            rows.stamp_of(new.time_exit_at) if new.time_exit_at else None,
            fees_cents,
            created_at,
            *closing,
        )
    )
    rows.legs.extend(
        (
            trade_id,
            position,
            leg.occ_symbol,
            leg.option_type.value,
            str(leg.strike),
            leg.expiration.isoformat(),
            leg.action.value,
            leg.quantity,
        )
        for position, leg in enumerate(new.legs)
    )
    open_orders = _unique(new.broker_order_ids)
    rows.orders.extend(
        (trade_id, order_id, "open", position) for position, order_id in enumerate(open_orders)
    )
    rows.event(trade_id, "open", new.opened_at)
    tags = _unique(clean_label(label) for label in new.tags)
    rows.tags.extend((trade_id, tag, position) for position, tag in enumerate(tags))
    if isinstance(new, FlaggedNewTrade):
        flag = new.risk_flag
        rows.flags.append(
            (trade_id, NOT_DEFINED_RISK, flag.shape, flag.reason, flag.one_r_basis, created_at)
        )
    for note in record.notes:
        rows.notes.append((trade_id, rows.stamp_of(note.at), note.text))
        rows.event(trade_id, "note", note.at)
    at = close.closed_at if close else new.opened_at
    for mistake in _unique(clean_label(label) for label in record.mistakes):
        rows.mistakes.append((trade_id, mistake, rows.stamp_of(at)))
        rows.event(trade_id, "mistake", at)
    if close is not None:
        close_orders = [o for o in _unique(close.broker_order_ids) if o not in open_orders]
        rows.orders.extend(
            (trade_id, order_id, "close", len(open_orders) + position)
            for position, order_id in enumerate(close_orders)
        )
        rows.event(trade_id, "close", close.closed_at)
        if close.followed_plan is not None:
            rows.event(trade_id, "review", close.closed_at)


def _template(shape: Shape) -> _Rows:
    """The rows the one-at-a-time writes store for the shape's own record (trade id 0)."""
    rows = _Rows()
    _gather(rows, 0, shape.record, None, stamp(shape.record.trade.opened_at))
    return rows


def _copied(template: JournalCsvRecord) -> _Rows:
    """The rows the one-at-a-time writes store for a copied trade's template (trade id 0)."""
    rows = _Rows()
    _gather(rows, 0, template, None, stamp(template.trade.opened_at))
    return rows


def _gather_shaped(
    rows: _Rows, trade_id: int, row: ShapedRow, template: _Rows, created_at: str
) -> None:
    """The rows `_gather` makes for the record of `row`: its shape's, with its own cells."""
    trade = template.trades[0]
    closing = trade[22:29]
    if row.closed_at is not None:
        closing = (row.closed_at, row.close_session, row.exit_price, trade[25])
        closing += (row.net_pnl_cents, trade[27], trade[28])
    rows.trades.append(
        (trade_id, row.uid, None, *trade[3:9], row.opened_at, row.session, *trade[11:19])
        + (row.time_exit_at, trade[20], created_at, *closing)
    )
    rows.legs.extend([(trade_id, *leg[1:]) for leg in template.legs])
    if row.order_ids:
        rows.orders.extend(
            (trade_id, order_id, "open", n) for n, order_id in enumerate(row.order_ids)
        )
    if template.tags:
        rows.tags.extend((trade_id, *tag[1:]) for tag in template.tags)
    if template.notes:
        rows.notes.extend((trade_id, *note[1:]) for note in template.notes)
    at, session = row.opened_at, row.session
    if row.closed_at is not None:
        at, session = row.closed_at, row.close_session
    if template.mistakes:
        rows.mistakes.extend((trade_id, mistake[1], at) for mistake in template.mistakes)
    for _, kind, noted_at, noted_session in template.events:
        if kind == "open":
            rows.events.append((trade_id, kind, row.opened_at, row.session))
        elif kind == "note":
            rows.events.append((trade_id, kind, noted_at, noted_session))
        else:  # a mistake at the close (or open), the close, the review
            rows.events.append((trade_id, kind, at, session))


def _gather_copy(
    rows: _Rows,
    trade_id: int,
    copy: TradeCopy,
    template: _Rows,
    parent: int | None,
    created_at: str,
) -> None:
    """The rows `_gather` makes for the trade `copy` stands for: its template's, with its own
    cells."""
    trade = template.trades[0]
    opened_at, session = rows.stamp_of(copy.opened_at), rows.session_of(copy.opened_at)
    rows.trades.append(
        (trade_id, copy.uid, parent, *trade[3:9], opened_at, session, *trade[11:21])
        + (created_at, *trade[22:])
    )
    rows.legs.extend([(trade_id, *leg[1:]) for leg in template.legs])
    rows.orders.extend(
        (trade_id, order_id, "open", n) for n, order_id in enumerate(_unique(copy.broker_order_ids))
    )
    rows.events.append((trade_id, "open", opened_at, session))
    rows.tags.extend((trade_id, *tag[1:]) for tag in template.tags)
    rows.flags.extend((trade_id, *flag[1:5], created_at) for flag in template.flags)
    for note in copy.notes:
        rows.notes.append((trade_id, rows.stamp_of(note.at), note.text))
        rows.event(trade_id, "note", note.at)


# A close's cells of a trade row: fees_cents, then closed_at, close_session, exit_price,
# exit_effect, net_pnl_cents and close_reason (the columns a close's UPDATE sets)
CloseCells = tuple[int, str, str, str, str, int, str]


def _with_close(row: tuple[Any, ...], close: CloseCells | None) -> tuple[Any, ...]:
    """A trades row (in `_STATEMENTS` column order) with `close`'s cells, as a close's
    `UPDATE` leaves it; the row itself when `close` is None."""
    if close is None:
        return row
    return (*row[:20], close[0], row[21], *close[1:], *row[28:])


_STATEMENTS = {
    "trades": "INSERT INTO trades (id, uid, parent_id, structure, underlying, quantity, "
    "multiplier, mode, source, opened_at, session, entry_price, entry_effect, max_loss_cents, "
    "max_profit_cents, open_fees_cents, setup, profit_target_cents, stop_loss_cents, "
    "time_exit_at, fees_cents, created_at, closed_at, close_session, exit_price, exit_effect, "
    "net_pnl_cents, close_reason, followed_plan) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "legs": "INSERT INTO trade_legs (trade_id, position, occ_symbol, option_type, strike, "
    "expiration, action, quantity) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "orders": "INSERT INTO trade_orders (trade_id, broker_order_id, role, position) "
    "VALUES (?, ?, ?, ?)",
    "tags": "INSERT INTO trade_tags (trade_id, tag, position) VALUES (?, ?, ?)",
    "flags": "INSERT INTO trade_risk_flags (trade_id, flag, shape, reason, one_r_basis, "
    "flagged_at) VALUES (?, ?, ?, ?, ?, ?)",
    "notes": "INSERT INTO trade_notes (trade_id, noted_at, body) VALUES (?, ?, ?)",
    "mistakes": "INSERT INTO trade_mistakes (trade_id, mistake, noted_at) VALUES (?, ?, ?)",
    "events": "INSERT INTO journal_events (trade_id, kind, at, session) VALUES (?, ?, ?, ?)",
}


class BulkTrades:
    """New trades written in bulk inside the caller's transaction: `add` takes `bulk_ready`
    records in order, and each `GATHER_SLICE` of them has its rows gathered and handed to the
    writer (`flush`), so the rows of one slice are written while the next slice is taken.

    Ids follow the journal's last one, in the order added, and each new trade's id is added to
    `known` by uid when its slice is gathered. `close_cells`: the trade row's close cells of a
    new trade to store closed, by uid (None: stored open), as the `UPDATE` of a close that
    follows in the same transaction would leave the row (`_with_close`); the caller writes that
    close's orders and event in their place. `stamp_of`: `stamp`, or the caller's memo of it
    (a tastytrade trade's moments are its fills' too). A write of the caller's own between two
    records goes through `one_at_a_time()`."""

    def __init__(
        self,
        behind: WriteBehind,
        known: dict[str, int],
        clock: Clock,
        close_cells: Callable[[str], CloseCells | None] | None = None,
        stamp_of: Callable[[datetime], str] = stamp,
    ) -> None:
        self.behind, self.known, self.clock = behind, known, clock
        self.close_cells, self.stamp_of = close_cells, stamp_of
        self.added = 0
        self._pending: list[Record] = []
        self._next_id: int | None = None  # read at the first slice, and after a write of its own
        self._session_of = SessionMemo()
        self._templates: dict[int, _Rows] = {}
        self._copies: dict[int, _Rows] = {}

    def add(self, record: Record) -> None:
        """Take a `bulk_ready` record; a full slice is gathered and handed to the writer."""
        self._pending.append(record)
        if len(self._pending) >= GATHER_SLICE:
            self.flush()

    def one_at_a_time(self) -> sqlite3.Connection:
        """The connection for a write of the caller's own, after every record taken (the next
        slice reads the journal's last id anew)."""
        self.flush()
        self._next_id = None
        return self.behind.conn

    def flush(self) -> None:
        """Gather the rows of the records taken and hand them to the writer."""
        records, self._pending = self._pending, []
        if not records:
            return
        if self._next_id is None:
            (last,) = self.behind.conn.execute("SELECT COALESCE(MAX(id), 0) FROM trades").fetchone()
            self._next_id = last + 1
        rows = _Rows(self._session_of, self.stamp_of)
        created_at = stamp(self.clock())  # the moment the slice is gathered: its created_at
        known = self.known
        for trade_id, record in enumerate(records, start=self._next_id):
            if isinstance(record, ShapedRow):
                template = self._templates.get(id(record.shape))
                if template is None:
                    template = self._templates[id(record.shape)] = _template(record.shape)
                _gather_shaped(rows, trade_id, record, template, created_at)
                known[record.uid] = trade_id
                continue
            if isinstance(record, TradeCopy):
                copied = self._copies.get(id(record.template))
                if copied is None:
                    copied = self._copies[id(record.template)] = _copied(record.template)
                parent = known.get(record.parent_uid) if record.parent_uid else None
                _gather_copy(rows, trade_id, record, copied, parent, created_at)
                known[record.uid] = trade_id
                continue
            parent = known.get(record.parent_uid) if record.parent_uid else None
            _gather(rows, trade_id, record, parent, created_at)
            known[record.trade.uid or ""] = trade_id
        self._next_id += len(records)
        self.added += len(records)
        if self.close_cells is not None:
            cells = self.close_cells
            rows.trades = [_with_close(row, cells(row[1])) for row in rows.trades]
        for table, statement in _STATEMENTS.items():
            self.behind.insert(statement, getattr(rows, table))
