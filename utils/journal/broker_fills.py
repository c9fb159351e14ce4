"""Fills that come from the broker, journaled exactly once: the cockpit's own orders (by broker
order id and fill id) and the account's transactions (by the CSV importer's row key).

Two ways in, one journal:
- `open_order_batch`: the fills of one of the cockpit's orders not journaled yet become one
  spread (the first batch of an order, then one per later partial fill), with a fill row per
  broker fill keyed `order-<order id>-<fill id>`: a fill key is UNIQUE, so a batch is written
  once even when two readers race or the cockpit restarts.
- `import_transactions`: a sync from the broker, through the tastytrade CSV import's plan
  (`utils.journal.tastytrade_plan`). Rows already journaled (by key) are skipped; rows of an
  order the cockpit journaled from its own fills are skipped too (it is one order); later
  opening fills of an order an earlier sync journaled open their own spread
  (`tastytrade-<order>:<n>`), since a journaled spread's quantity never changes.
Every trade opened here records the account it lives in (`trade_accounts`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime

from utils.core.sessions import Clock
from utils.core.sqlite_store import transaction
from utils.journal import importer
from utils.journal.errors import JournalError
from utils.journal.import_report import ImportReport
from utils.journal.tastytrade_csv import TastyCsv, TastyRow
from utils.journal.tastytrade_plan import ImportPlan, PlannedFill, plan_import
from utils.journal.trade import Mode, NewTrade
from utils.journal.writes import insert_fill, insert_trade, stamp

SOURCE_BROKER_SYNC = "tastytrade_api"


class FillsAlreadyJournaled(JournalError):
    """Another reader journaled these fills first: nothing was written, nothing is lost."""


SYNC_UID_PREFIX = "tastytrade-"
BATCH_SEPARATOR = ":"  # a broker order id may hold it; tastytrade's are numbers


def record_account(conn: sqlite3.Connection, trade_id: int, account_number: str | None) -> None:
    """Remember the broker account a trade lives in (once; unknown accounts are not written)."""
    if account_number:
        conn.execute(
            "INSERT OR IGNORE INTO trade_accounts (trade_id, account_number) VALUES (?, ?)",
            (trade_id, account_number),
        )


def trade_account(conn: sqlite3.Connection, trade_id: int) -> str | None:
    """The account a trade was journaled in, or None when it is not known (hand entries)."""
    row = conn.execute(
        "SELECT account_number FROM trade_accounts WHERE trade_id = ?", (trade_id,)
    ).fetchone()
    return None if row is None else str(row[0])


def order_fill_keys(conn: sqlite3.Connection, order_id: str) -> frozenset[str]:
    """The fill keys already journaled for one broker order."""
    rows = conn.execute(
        "SELECT fill_key FROM trade_fills WHERE broker_order_id = ?", (order_id,)
    ).fetchall()
    return frozenset(key for (key,) in rows)


def order_fees_cents(conn: sqlite3.Connection, order_id: str) -> int:
    """The fees journaled so far with one broker order's fills, in cents."""
    row = conn.execute(
        "SELECT COALESCE(SUM(fees_cents), 0) FROM trade_fills WHERE broker_order_id = ?",
        (order_id,),
    ).fetchone()
    return int(row[0])


def order_trade_count(conn: sqlite3.Connection, order_id: str) -> int:
    """How many journaled trades that order opened."""
    row = conn.execute(
        "SELECT COUNT(*) FROM trade_orders WHERE broker_order_id = ? AND role = 'open'",
        (order_id,),
    ).fetchone()
    return int(row[0])


def open_order_batch(
    conn: sqlite3.Connection,
    new: NewTrade,
    fills: list[PlannedFill],
    account_number: str | None,
    clock: Clock,
) -> int:
    """Journal a batch of an order's fills as one new spread, in one transaction; fills
    journaled already raise FillsAlreadyJournaled and nothing is written (the UNIQUE fill key
    backs this up)."""
    with transaction(conn):
        for fill in fills:
            if conn.execute(
                "SELECT 1 FROM trade_fills WHERE fill_key = ?", (fill.fill_key,)
            ).fetchone():
                raise FillsAlreadyJournaled(f"fill {fill.fill_key} is journaled already")
        trade_id = insert_trade(conn, new, new.uid or "", created_at=clock())
        for fill in fills:
            insert_fill(conn, trade_id, fill)
        record_account(conn, trade_id, account_number)
    return trade_id


def last_sync(conn: sqlite3.Connection, account_number: str, mode: Mode) -> datetime | None:
    """When the account's transactions were last synced into the journal (None: never)."""
    row = conn.execute(
        "SELECT MAX(synced_at) FROM broker_syncs WHERE account_number = ? AND mode = ?",
        (account_number, Mode(mode).value),
    ).fetchone()
    return None if row is None or row[0] is None else datetime.fromisoformat(row[0])


def _cockpit_orders(conn: sqlite3.Connection) -> frozenset[str]:
    """Orders the journal holds already, whose rows a sync must not assemble again: every
    closing order (a close ticket's, whole or partial, even of a synced spread; a synced close
    is linked only once its spread is flat) and every opening order not journaled by a sync or
    import (the cockpit's own fills, hand entries). A synced opening order stays open to its
    later fills (a partial fill's rest)."""
    rows = conn.execute(
        "SELECT o.broker_order_id FROM trade_orders o JOIN trades t ON t.id = o.trade_id "
        "WHERE o.role = 'close' OR substr(t.uid, 1, ?) <> ?",
        (len(SYNC_UID_PREFIX), SYNC_UID_PREFIX),
    ).fetchall()
    return frozenset(order_id for (order_id,) in rows)


def _later_batches(
    rows: list[TastyRow], known_uids: frozenset[str]
) -> tuple[list[TastyRow], dict[str, str]]:
    """Opening rows of an order a sync journaled already get a batch label, so the plan opens
    them as a spread of their own (`<order>:<n>`); returns the rows and label -> order id (the
    label is removed from order ids before writing; the uid keeps it)."""
    labels: dict[str, str] = {}
    result = []
    for row in rows:
        order_id = row.order_id
        opening = row.action is not None and row.action.is_opening
        if not opening or not order_id or f"{SYNC_UID_PREFIX}{order_id}" not in known_uids:
            result.append(row)
            continue
        if order_id not in labels:
            number = 2
            while f"{SYNC_UID_PREFIX}{order_id}{BATCH_SEPARATOR}{number}" in known_uids:
                number += 1
            labels[order_id] = f"{order_id}{BATCH_SEPARATOR}{number}"
        result.append(row._replace(order_id=labels[order_id]))
    return result, {label: order_id for order_id, label in labels.items()}


def _unlabelled(plan: ImportPlan, real: dict[str, str]) -> ImportPlan:
    """The plan with batch labels removed from broker order ids (uids keep them)."""

    def _real_order_id(order_id: str | None) -> str | None:
        return None if order_id is None else real.get(order_id, order_id)

    openings = tuple(
        replace(
            opening,
            opened=opening.trade.model_copy(
                update={
                    "broker_order_ids": tuple(
                        str(_real_order_id(o)) for o in opening.trade.broker_order_ids
                    )
                }
            ),
        )
        for opening in plan.openings
    )
    fills = tuple(fill._replace(order_id=_real_order_id(fill.order_id)) for fill in plan.fills)
    return replace(plan, openings=openings, fills=fills)


def import_transactions(
    conn: sqlite3.Connection,
    parsed: TastyCsv,
    *,
    mode: Mode,
    account_number: str,
    name: str,
    clock: Clock,
) -> ImportReport:
    """Journal the account's transactions (rows from `tastytrade_api_rows`) in one
    transaction: new spreads, closes, fills; the sync itself is recorded."""
    with transaction(conn):
        book = importer._tasty_book(conn)
        cockpit = _cockpit_orders(conn)
        fresh = [row for row in parsed.rows if row.key not in book.known_row_keys]
        mine = [row for row in fresh if row.order_id not in cockpit]
        rows, real = _later_batches(mine, book.known_uids)
        planned = plan_import(replace(parsed, rows=tuple(rows)), book, mode=mode)
        plan = _unlabelled(planned, real)
        report = importer._apply_tasty_plan(conn, plan, parsed, name, clock)
        uids = [opening.trade.uid for opening in plan.openings]
        for uid in uids:
            (trade_id,) = conn.execute("SELECT id FROM trades WHERE uid = ?", (uid,)).fetchone()
            record_account(conn, trade_id, account_number)
        report = report.model_copy(
            update={
                "source": SOURCE_BROKER_SYNC,
                "skipped_duplicates": len(parsed.rows) - len(mine),
            }
        )
        conn.execute(
            "INSERT INTO broker_syncs (account_number, mode, synced_at, read, added, closed) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                account_number,
                Mode(mode).value,
                stamp(clock()),
                len(parsed.rows) + parsed.ignored_rows + len(parsed.errors),
                report.added,
                report.closed,
            ),
        )
    return report
