"""Every write to the journal's tables, one statement group each, inside the caller's transaction.

The only code that writes journal tables: `Journal` (utils.journal.store) and the importers
(utils.journal.importer) call these on the journal's connection, within one transaction. Money
is stored as integer cents, timestamps as fixed-width UTC text, sessions as New York dates.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from utils.core.money import from_cents, to_cents
from utils.core.sessions import session_of, to_utc
from utils.journal.errors import JournalError
from utils.journal.fields import clean_label
from utils.journal.import_report import ImportReport
from utils.journal.trade import NewTrade, Note, TradeClose, net_pnl_usd
from utils.journal.undefined_risk import NOT_DEFINED_RISK, RiskFlag
from utils.spreads.legs import PriceEffect

if TYPE_CHECKING:  # the planner imports the session memo, which imports these writes
    from utils.journal.tastytrade_plan import PlannedFill


_STAMP = "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00"  # `stamp`'s spelling of a UTC time


def stamp(moment: datetime) -> str:
    """A UTC timestamp as fixed-width ISO-8601 text, so text order equals time order:
    `isoformat(timespec="microseconds")` of the UTC time (2025-01-17T14:30:00.000000+00:00),
    spelled by one format (faster than `isoformat` with an offset; `to_utc` keeps the years
    four digits wide)."""
    utc = to_utc(moment)
    return _STAMP % (
        utc.year,
        utc.month,
        utc.day,
        utc.hour,
        utc.minute,
        utc.second,
        utc.microsecond,
    )


def insert_trade(
    conn: sqlite3.Connection,
    new: NewTrade,
    uid: str,
    *,
    created_at: datetime,
    parent_id: int | None = None,
) -> int:
    """Insert an opened spread with its legs, order ids, open event and tags; return its id."""
    parent = new.parent_id if new.parent_id is not None else parent_id
    if parent is not None:
        require_trade(conn, parent)
    if conn.execute("SELECT 1 FROM trades WHERE uid = ?", (uid,)).fetchone():
        raise JournalError(f"a trade with uid {uid!r} is already in the journal")
    cursor = conn.execute(
        "INSERT INTO trades (uid, parent_id, structure, underlying, quantity, multiplier, "
        "mode, source, opened_at, session, entry_price, entry_effect, max_loss_cents, "
        "max_profit_cents, open_fees_cents, setup, profit_target_cents, stop_loss_cents, "
        "time_exit_at, fees_cents, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            uid,
            parent,
            new.structure.value,
            new.underlying,
            new.quantity,
            new.multiplier,
            new.mode.value,
            new.source,
            stamp(new.opened_at),
            new.session.isoformat(),
            str(new.entry_price),
            new.entry_effect.value,
            to_cents(new.max_loss_usd),
            _optional_cents(new.max_profit_usd),
            to_cents(new.open_fees_usd),
            new.setup,
            _optional_cents(new.profit_target_usd),
            _optional_cents(new.stop_loss_usd),
            stamp(new.time_exit_at) if new.time_exit_at else None,
            to_cents(new.open_fees_usd),
            stamp(created_at),
        ),
    )
    trade_id = int(cursor.lastrowid or 0)
    conn.executemany(
        "INSERT INTO trade_legs (trade_id, position, occ_symbol, option_type, strike, "
        "expiration, action, quantity) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
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
        ],
    )
    add_order_ids(conn, trade_id, new.broker_order_ids, "open")
    add_event(conn, trade_id, "open", new.opened_at)
    add_labels(conn, trade_id, "tag", new.tags, new.opened_at, event=False)
    return trade_id


def _optional_cents(amount_usd: Decimal | None) -> int | None:
    return None if amount_usd is None else to_cents(amount_usd)


def close_trade(conn: sqlite3.Connection, trade_id: int, close: TradeClose) -> None:
    """Record the close of an open spread: its net P&L from the prices, fees, reason, review."""
    row = require_trade(conn, trade_id)
    if row["closed_at"] is not None:
        raise JournalError(f"trade {trade_id} is already closed at {row['closed_at']}")
    opened_at = datetime.fromisoformat(row["opened_at"])
    if close.closed_at < opened_at:
        raise JournalError(
            f"trade {trade_id} cannot close at {close.closed_at.isoformat()}, "
            f"before it opened at {opened_at.isoformat()}"
        )
    fees = from_cents(row["fees_cents"]) + close.close_fees_usd
    computed = net_pnl_usd(
        multiplier=row["multiplier"],
        quantity=row["quantity"],
        entry_price=Decimal(row["entry_price"]),
        entry_effect=PriceEffect(row["entry_effect"]),
        exit_price=close.exit_price,
        exit_effect=close.exit_effect,
        fees_usd=fees,
    )
    conn.execute(
        "UPDATE trades SET closed_at = ?, close_session = ?, exit_price = ?, "
        "exit_effect = ?, fees_cents = ?, net_pnl_cents = ?, close_reason = ? WHERE id = ?",
        (
            stamp(close.closed_at),
            session_of(close.closed_at).isoformat(),
            str(close.exit_price),
            close.exit_effect.value,
            to_cents(fees),
            to_cents(computed),
            close.close_reason.value,
            trade_id,
        ),
    )
    add_order_ids(conn, trade_id, close.broker_order_ids, "close")
    add_event(conn, trade_id, "close", close.closed_at)
    if close.followed_plan is not None:
        conn.execute(
            "UPDATE trades SET followed_plan = ? WHERE id = ?",
            (int(close.followed_plan), trade_id),
        )
        add_event(conn, trade_id, "review", close.closed_at)


def add_labels(
    conn: sqlite3.Connection,
    trade_id: int,
    kind: str,
    labels: Iterable[str],
    at: datetime,
    event: bool = True,
) -> None:
    """Attach tags or mistakes (`kind`); a label already there is kept once, without an event."""
    for label in labels:
        try:
            cleaned = clean_label(label)
        except ValueError as error:
            raise JournalError(f"trade {trade_id} {kind}: {error}") from None
        if kind == "tag":
            inserted = conn.execute(
                "INSERT OR IGNORE INTO trade_tags (trade_id, tag, position) VALUES "
                "(?, ?, (SELECT COUNT(*) FROM trade_tags WHERE trade_id = ?))",
                (trade_id, cleaned, trade_id),
            ).rowcount
        else:
            inserted = conn.execute(
                "INSERT OR IGNORE INTO trade_mistakes (trade_id, mistake, noted_at) "
                "VALUES (?, ?, ?)",
                (trade_id, cleaned, stamp(at)),
            ).rowcount
        if inserted and event:
            add_event(conn, trade_id, kind, at)


def insert_note(conn: sqlite3.Connection, trade_id: int, note: Note) -> None:
    """Append a note to a trade, with its event."""
    conn.execute(
        "INSERT INTO trade_notes (trade_id, noted_at, body) VALUES (?, ?, ?)",
        (trade_id, stamp(note.at), note.text),
    )
    add_event(conn, trade_id, "note", note.at)


INSERT_FILL_SQL = (
    "INSERT INTO trade_fills (trade_id, fill_key, broker_order_id, symbol, kind, quantity, "
    "value_cents, fees_cents, executed_at, source_line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def fill_row(
    trade_id: int, fill: PlannedFill, stamp_of: Callable[[datetime], str] = stamp
) -> tuple:
    """`INSERT_FILL_SQL`'s values for an imported broker fill (or its share) of a spread."""
    return (
        trade_id,
        fill.fill_key,
        fill.order_id,
        fill.symbol,
        fill.kind,
        fill.quantity,
        fill.value_cents,
        fill.fees_cents,
        stamp_of(fill.executed_at),
        fill.line,
    )


def insert_fill(conn: sqlite3.Connection, trade_id: int, fill: PlannedFill) -> None:
    """Keep an imported broker fill (or its share) with the spread it belongs to."""
    conn.execute(INSERT_FILL_SQL, fill_row(trade_id, fill))


def add_order_ids(
    conn: sqlite3.Connection, trade_id: int, order_ids: Sequence[str], role: str
) -> None:
    """Link broker order ids to a trade as its `open` or `close` orders, in order."""
    for order_id in order_ids:
        conn.execute(
            "INSERT OR IGNORE INTO trade_orders (trade_id, broker_order_id, role, position) "
            "VALUES (?, ?, ?, (SELECT COUNT(*) FROM trade_orders WHERE trade_id = ?))",
            (trade_id, order_id, role, trade_id),
        )


def add_event(conn: sqlite3.Connection, trade_id: int, kind: str, at: datetime) -> None:
    """Append a journaled action (open, close, tag, note...) in the session of `at`."""
    conn.execute(
        "INSERT INTO journal_events (trade_id, kind, at, session) VALUES (?, ?, ?, ?)",
        (trade_id, kind, stamp(at), session_of(at).isoformat()),
    )


def require_trade(conn: sqlite3.Connection, trade_id: int) -> sqlite3.Row:
    """The stored row of a trade; JournalError when there is none."""
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute("SELECT * FROM trades WHERE id = ?", (trade_id,)).fetchone()
    finally:
        conn.row_factory = None
    if row is None:
        raise JournalError(f"there is no trade {trade_id} in the journal")
    return row


def record_import(
    conn: sqlite3.Connection, report: ImportReport, digest: str, imported_at: datetime
) -> None:
    """Remember a committed import: its file, digest and counts, and every row it skipped
    (`report.errors` of a committed import: the trader chose to import the good orders)."""
    cursor = conn.execute(
        "INSERT INTO imports (source, file_name, file_sha256, imported_at, added, closed, "
        "skipped_duplicates, skipped_bad) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            report.source,
            report.file_name,
            digest,
            stamp(imported_at),
            report.added,
            report.closed,
            report.skipped_duplicates,
            report.skipped_bad,
        ),
    )
    conn.executemany(
        "INSERT INTO import_skips (import_id, position, line, field, message) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (cursor.lastrowid, position, issue.line, issue.field, issue.message)
            for position, issue in enumerate(report.errors)
        ],
    )


def insert_risk_flag(
    conn: sqlite3.Connection, trade_id: int, flag: RiskFlag, flagged_at: datetime
) -> None:
    """Flag a journaled trade as not a defined-risk spread (utils.journal.undefined_risk)."""
    conn.execute(
        "INSERT INTO trade_risk_flags (trade_id, flag, shape, reason, one_r_basis, flagged_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (trade_id, NOT_DEFINED_RISK, flag.shape, flag.reason, flag.one_r_basis, stamp(flagged_at)),
    )
