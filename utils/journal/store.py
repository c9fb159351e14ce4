"""The trade journal: a SQLite store where one trade is one spread.

Open it with `Journal.open(settings.data_dir)` (the file is `data_dir/journal.sqlite3`). Every
write runs in one transaction; nothing outside this module writes the journal's tables. Other
stores keep their own tables in the same file: they open it with `connect(journal_path(dir))`
(or `journal.connect()`) and create their tables with
`ensure_schema(conn, "alerts", ALERT_MIGRATIONS)` from `utils.core.sqlite_store`.

Typical use:
    journal = Journal.open(settings.data_dir)
    trade = journal.open_trade(NewTrade(underlying="SPY", legs=..., quantity=1, opened_at=...,
                                        entry_price=Decimal("1.20"), entry_effect="Credit",
                                        mode=Mode.SANDBOX))      # 1R and structure from the legs
    journal.close_trade(trade.id, TradeClose(closed_at=..., exit_price=Decimal("0.40"),
                                             exit_effect="Debit", close_fees_usd=Decimal("1.04")))
    frame = journal.trades_frame()               # -> utils.judge.metrics.summarize(frame)

Its command line is `python -m utils.journal` (`utils.journal.cli`).
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from utils.journal import cockpit_csv as journal_csv
from utils.journal import tastytrade_csv as tasty_csv
from utils.journal.import_text import DEFAULT_MAX_IMPORT_BYTES, read_import_text
from utils.journal.models import (
    CloseReason,
    ImportIssue,
    ImportReport,
    JournalError,
    Mode,
    NewTrade,
    Note,
    Structure,
    Trade,
    TradeClose,
    TradeLeg,
    TradeStatus,
    clean_label,
    net_pnl_usd,
)
from utils.journal.frames import (
    FRAME_SQL,
    TRADES_FRAME_COLUMNS,
    build_sessions_frame,
    build_trades_frame,
)
from utils.journal.rows import load_trades
from utils.journal.schema import JOURNAL_COMPONENT, JOURNAL_MIGRATIONS
from utils.core.money import from_cents, to_cents
from utils.core.sessions import Clock, session_of, to_utc, utc_now
from utils.spreads.legs import PriceEffect
from utils.core.sqlite_store import connect, ensure_schema, journal_path, transaction

__all__ = [
    "DEFAULT_MAX_IMPORT_BYTES",
    "TRADES_FRAME_COLUMNS",
    "CloseReason",
    "ImportIssue",
    "ImportReport",
    "Journal",
    "JournalError",
    "Mode",
    "NewTrade",
    "Note",
    "Structure",
    "Trade",
    "TradeClose",
    "TradeLeg",
    "TradeStatus",
    "connect",
    "ensure_schema",
    "journal_path",
]

SOURCE_JOURNAL_CSV = "journal_csv"
SOURCE_TASTYTRADE_CSV = tasty_csv.SOURCE


def stamp(moment: datetime) -> str:
    """A UTC timestamp as fixed-width ISO-8601 text, so text order equals time order."""
    return to_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


class Journal:
    """The journal store. Safe to share between threads of one process (calls are serialised)."""

    def __init__(self, path: Path, *, now: Clock = utc_now) -> None:
        self.path = Path(path)
        self._now = now
        self._lock = threading.RLock()
        self._conn = connect(self.path)
        try:
            ensure_schema(self._conn, JOURNAL_COMPONENT, JOURNAL_MIGRATIONS, now=now)
        except BaseException:
            self._conn.close()
            raise

    @classmethod
    def open(cls, data_dir: Path, *, now: Clock = utc_now) -> Journal:
        """Open (creating folders and tables) `data_dir/journal.sqlite3`."""
        return cls(journal_path(data_dir), now=now)

    def connect(self) -> sqlite3.Connection:
        """A new connection to the same file, for stores that add their own tables."""
        return connect(self.path)

    def close(self) -> None:
        """Close the connection; the object cannot be used afterwards."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------ writes

    def open_trade(self, new: NewTrade) -> Trade:
        """Journal a newly opened spread; return it with its id."""
        with self._lock, transaction(self._conn):
            trade_id = self._insert_trade(new, new.uid or f"manual-{uuid.uuid4().hex}")
        return self.get_trade(trade_id)

    def close_trade(self, trade_id: int, close: TradeClose) -> Trade:
        """Record the close of an open spread; the net P&L is computed from the prices."""
        with self._lock, transaction(self._conn):
            self._close(trade_id, close)
        return self.get_trade(trade_id)

    def add_tag(self, trade_id: int, tag: str, *, at: datetime | None = None) -> Trade:
        """Attach a tag (e.g. a setup variant) to a trade."""
        with self._lock, transaction(self._conn):
            self._require_trade(trade_id)
            self._add_labels(trade_id, "tag", [tag], at or self._now())
        return self.get_trade(trade_id)

    def add_mistake(self, trade_id: int, mistake: str, *, at: datetime | None = None) -> Trade:
        """Record a mistake (rule break) on a trade; the same mistake is recorded once."""
        with self._lock, transaction(self._conn):
            self._require_trade(trade_id)
            self._add_labels(trade_id, "mistake", [mistake], at or self._now())
        return self.get_trade(trade_id)

    def add_note(self, trade_id: int, text: str, *, at: datetime | None = None) -> Trade:
        """Append a free-text note to a trade."""
        try:
            note = Note(at=at or self._now(), text=text)
        except ValidationError as error:
            problems = "; ".join(e["msg"] for e in error.errors(include_url=False))
            raise JournalError(f"trade {trade_id} note: {problems}") from None
        with self._lock, transaction(self._conn):
            self._require_trade(trade_id)
            self._insert_note(trade_id, note)
        return self.get_trade(trade_id)

    def set_followed_plan(self, trade_id: int, followed: bool) -> Trade:
        """Answer "did this trade follow its plan?" (once; the answer is never rewritten)."""
        with self._lock, transaction(self._conn):
            current = self._require_trade(trade_id)["followed_plan"]
            if current is not None and bool(current) != followed:
                raise JournalError(
                    f"trade {trade_id} already answered followed_plan={bool(current)}; "
                    "the answer is not rewritten, add a note instead"
                )
            self._set_followed_plan(trade_id, followed, self._now())
        return self.get_trade(trade_id)

    # ------------------------------------------------------------ reads

    def get_trade(self, trade_id: int) -> Trade:
        """One trade by id (JournalError if there is none)."""
        trades = self._load_trades({"id": trade_id}, one=True)
        if not trades:
            raise JournalError(f"there is no trade {trade_id} in the journal")
        return trades[0]

    def list_trades(
        self, *, status: TradeStatus | None = None, modes: Iterable[Mode] | None = None
    ) -> list[Trade]:
        """Trades in opening order, optionally only open or closed ones, or some modes."""
        return self._load_trades(_filter_params(status, modes))

    def trades_frame(
        self, *, status: TradeStatus | None = None, modes: Iterable[Mode] | None = None
    ) -> pd.DataFrame:
        """One row per spread for statistics (money as float dollars and exact integer cents).

        Rows are ordered by close time (then id); open trades come last. Columns: see
        `TRADES_FRAME_COLUMNS` and docs/METRICS.md.
        """
        with self._lock:
            rows = self._conn.execute(FRAME_SQL, _filter_params(status, modes)).fetchall()
            labels = {
                "tags": self._conn.execute(
                    "SELECT trade_id, tag FROM trade_tags ORDER BY trade_id, position"
                ).fetchall(),
                "mistakes": self._conn.execute(
                    "SELECT trade_id, mistake FROM trade_mistakes "
                    "ORDER BY trade_id, noted_at, mistake"
                ).fetchall(),
            }
        return build_trades_frame(rows, labels)

    def sessions_frame(self) -> pd.DataFrame:
        """Sessions (New York days) with at least one journaled action, oldest first.

        Columns: session, actions, opened, closed, tags, mistakes, notes, reviews,
        net_pnl_usd (closed trades that session), trade_ids (touched that session).
        """
        with self._lock:
            events = self._conn.execute(
                "SELECT session, kind, trade_id FROM journal_events ORDER BY session, id"
            ).fetchall()
            pnl = dict(
                self._conn.execute(
                    "SELECT close_session, SUM(net_pnl_cents) FROM trades "
                    "WHERE closed_at IS NOT NULL GROUP BY close_session"
                ).fetchall()
            )
        return build_sessions_frame(events, pnl)

    def journaled_sessions(self) -> list[date]:
        """Sessions with at least one journaled action, oldest first: `sessions_frame()`'s
        `session` column without counting the actions."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT DISTINCT session FROM journal_events ORDER BY session"
            ).fetchall()
        return [date.fromisoformat(session) for (session,) in rows]

    # ------------------------------------------------------------ imports and export

    def import_journal_csv(
        self, path: Path, *, skip_bad: bool = False, max_bytes: int = DEFAULT_MAX_IMPORT_BYTES
    ) -> ImportReport:
        """Import the cockpit's journal CSV: all or nothing, idempotent by trade uid.

        With errors nothing is imported and every bad row is reported, unless `skip_bad` (the
        good rows are imported and the bad ones listed in `errors`). A trade already in the
        journal is skipped, except that an open one is closed when the file has its close.
        """
        path = Path(path)
        text, issue, digest = read_import_text(path, max_bytes)
        if issue is not None:
            return _refused(SOURCE_JOURNAL_CSV, path, [issue])
        records, errors = journal_csv.read_journal_csv(text)
        if errors and (not skip_bad or not records):
            return _refused(SOURCE_JOURNAL_CSV, path, errors)
        try:
            with self._lock, transaction(self._conn):
                report = self._apply_journal_records(records, errors, path, skip_bad)
                self._record_import(report, digest)
        except _ImportRefused as refusal:
            return _refused(SOURCE_JOURNAL_CSV, path, refusal.issues)
        return report

    def import_tastytrade_csv(
        self,
        path: Path,
        *,
        mode: Mode,
        skip_bad: bool = False,
        max_bytes: int = DEFAULT_MAX_IMPORT_BYTES,
    ) -> ImportReport:
        """Import tastytrade's transaction-history CSV as spreads, all or nothing, idempotent.

        The legs of one order become one spread; expirations, assignments and exercises close
        legs. `mode` says which account the file came from (LIVE or SANDBOX).
        """
        if Mode(mode) is Mode.SIM:
            raise JournalError("a tastytrade export comes from a LIVE or SANDBOX account, not SIM")
        path = Path(path)
        text, issue, digest = read_import_text(path, max_bytes)
        if issue is not None:
            return _refused(SOURCE_TASTYTRADE_CSV, path, [issue])
        parsed = tasty_csv.parse_tasty_csv(text)
        if parsed.errors and (not skip_bad or parsed.fatal):
            return _refused(SOURCE_TASTYTRADE_CSV, path, parsed.errors)
        try:
            with self._lock, transaction(self._conn):
                plan = tasty_csv.plan_import(parsed, self._tasty_book(), mode=mode)
                if plan.errors and not skip_bad:
                    raise _ImportRefused([*parsed.errors, *plan.errors])
                report = self._apply_tasty_plan(plan, parsed, path)
                self._record_import(report, digest)
        except _ImportRefused as refusal:
            return _refused(SOURCE_TASTYTRADE_CSV, path, refusal.issues)
        return report

    def export_journal_csv(self, path: Path) -> int:
        """Write every trade to a journal CSV (atomically replaced); return the row count."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        with partial.open("w", encoding="utf-8", newline="") as stream:
            count = journal_csv.write_journal_csv(self.list_trades(), stream)
        partial.replace(path)
        return count

    # ------------------------------------------------------------ internals: writing

    def _insert_trade(self, new: NewTrade, uid: str, parent_id: int | None = None) -> int:
        conn = self._conn
        parent = new.parent_id if new.parent_id is not None else parent_id
        if parent is not None:
            self._require_trade(parent)
        if conn.execute("SELECT 1 FROM trades WHERE uid = ?", (uid,)).fetchone():
            raise JournalError(f"a trade with uid {uid!r} is already in the journal")
        opened = stamp(new.opened_at)
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
                opened,
                new.session.isoformat(),
                str(new.entry_price),
                new.entry_effect.value,
                to_cents(new.max_loss_usd),
                None if new.max_profit_usd is None else to_cents(new.max_profit_usd),
                to_cents(new.open_fees_usd),
                new.setup,
                None if new.profit_target_usd is None else to_cents(new.profit_target_usd),
                None if new.stop_loss_usd is None else to_cents(new.stop_loss_usd),
                stamp(new.time_exit_at) if new.time_exit_at else None,
                to_cents(new.open_fees_usd),
                stamp(self._now()),
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
        self._add_order_ids(trade_id, new.broker_order_ids, "open")
        self._add_event(trade_id, "open", new.opened_at)
        self._add_labels(trade_id, "tag", new.tags, new.opened_at, event=False)
        return trade_id

    def _close(self, trade_id: int, close: TradeClose) -> None:
        row = self._require_trade(trade_id)
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
        self._conn.execute(
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
        self._add_order_ids(trade_id, close.broker_order_ids, "close")
        self._add_event(trade_id, "close", close.closed_at)
        if close.followed_plan is not None:
            self._set_followed_plan(trade_id, close.followed_plan, close.closed_at)

    def _set_followed_plan(self, trade_id: int, followed: bool, at: datetime) -> None:
        self._conn.execute(
            "UPDATE trades SET followed_plan = ? WHERE id = ?", (int(followed), trade_id)
        )
        self._add_event(trade_id, "review", at)

    def _add_labels(
        self, trade_id: int, kind: str, labels: Iterable[str], at: datetime, event: bool = True
    ) -> None:
        for label in labels:
            try:
                cleaned = clean_label(label)
            except ValueError as error:
                raise JournalError(f"trade {trade_id} {kind}: {error}") from None
            if kind == "tag":
                inserted = self._conn.execute(
                    "INSERT OR IGNORE INTO trade_tags (trade_id, tag, position) VALUES "
                    "(?, ?, (SELECT COUNT(*) FROM trade_tags WHERE trade_id = ?))",
                    (trade_id, cleaned, trade_id),
                ).rowcount
            else:
                inserted = self._conn.execute(
                    "INSERT OR IGNORE INTO trade_mistakes (trade_id, mistake, noted_at) "
                    "VALUES (?, ?, ?)",
                    (trade_id, cleaned, stamp(at)),
                ).rowcount
            if inserted and event:
                self._add_event(trade_id, kind, at)

    def _insert_note(self, trade_id: int, note: Note) -> None:
        self._conn.execute(
            "INSERT INTO trade_notes (trade_id, noted_at, body) VALUES (?, ?, ?)",
            (trade_id, stamp(note.at), note.text),
        )
        self._add_event(trade_id, "note", note.at)

    def _add_order_ids(self, trade_id: int, order_ids: Sequence[str], role: str) -> None:
        for order_id in order_ids:
            self._conn.execute(
                "INSERT OR IGNORE INTO trade_orders (trade_id, broker_order_id, role, position) "
                "VALUES (?, ?, ?, (SELECT COUNT(*) FROM trade_orders WHERE trade_id = ?))",
                (trade_id, order_id, role, trade_id),
            )

    def _add_event(self, trade_id: int, kind: str, at: datetime) -> None:
        self._conn.execute(
            "INSERT INTO journal_events (trade_id, kind, at, session) VALUES (?, ?, ?, ?)",
            (trade_id, kind, stamp(at), session_of(at).isoformat()),
        )

    def _require_trade(self, trade_id: int) -> sqlite3.Row:
        self._conn.row_factory = sqlite3.Row
        try:
            row = self._conn.execute("SELECT * FROM trades WHERE id = ?", (trade_id,)).fetchone()
        finally:
            self._conn.row_factory = None
        if row is None:
            raise JournalError(f"there is no trade {trade_id} in the journal")
        return row

    def _record_import(self, report: ImportReport, digest: str) -> None:
        self._conn.execute(
            "INSERT INTO imports (source, file_name, file_sha256, imported_at, added, closed, "
            "skipped_duplicates, skipped_bad) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                report.source,
                report.file_name,
                digest,
                stamp(self._now()),
                report.added,
                report.closed,
                report.skipped_duplicates,
                report.skipped_bad,
            ),
        )

    def _apply_journal_records(
        self,
        records: list[journal_csv.JournalCsvRecord],
        errors: list[ImportIssue],
        path: Path,
        skip_bad: bool,
    ) -> ImportReport:
        """Insert new trades (parents before children) and closes of open ones; one transaction."""
        known = dict(self._conn.execute("SELECT uid, id FROM trades").fetchall())
        open_ids = {
            trade_id
            for (trade_id,) in self._conn.execute("SELECT id FROM trades WHERE closed_at IS NULL")
        }
        in_file = {record.trade.uid for record in records}
        bad = list(errors)
        added = closed = duplicates = 0
        pending = []
        for record in records:
            trade_id = known.get(record.trade.uid or "")
            if trade_id is None:
                pending.append(record)
            elif record.close is not None and trade_id in open_ids:
                close = record.close
                closed += self._record_step(record.line, bad, lambda: self._close(trade_id, close))
            else:
                duplicates += 1
        while pending:
            ready = [r for r in pending if r.parent_uid is None or r.parent_uid in known]
            if not ready:
                for record in pending:
                    reason = (
                        "is part of a loop of parent links"
                        if record.parent_uid in in_file
                        else "names a parent trade that is neither in the file nor the journal"
                    )
                    bad.append(ImportIssue(line=record.line, field="parent_uid", message=reason))
                break
            for record in ready:
                added += self._record_step(
                    record.line, bad, lambda: self._insert_record(record, known)
                )
            inserted = {id(record) for record in ready}
            pending = [record for record in pending if id(record) not in inserted]
        if len(bad) > len(errors) and not skip_bad:
            raise _ImportRefused(bad)
        return ImportReport(
            source=SOURCE_JOURNAL_CSV,
            file_name=path.name,
            committed=True,
            added=added,
            closed=closed,
            skipped_duplicates=duplicates,
            skipped_bad=len({e.line for e in bad}),
            errors=tuple(bad),
        )

    def _record_step(self, line: int, bad: list[ImportIssue], step: Callable[[], None]) -> int:
        """Run one record's writes inside a savepoint; a JournalError becomes a listed issue."""
        self._conn.execute("SAVEPOINT journal_record")
        try:
            step()
        except JournalError as error:
            self._conn.execute("ROLLBACK TO journal_record")
            bad.append(ImportIssue(line=line, field=None, message=str(error)))
            return 0
        finally:
            self._conn.execute("RELEASE journal_record")
        return 1

    def _insert_record(self, record: journal_csv.JournalCsvRecord, known: dict[str, int]) -> None:
        parent_id = known.get(record.parent_uid) if record.parent_uid else None
        trade_id = self._insert_trade(record.trade, record.trade.uid or "", parent_id)
        for note in record.notes:
            self._insert_note(trade_id, note)
        at = record.close.closed_at if record.close else record.trade.opened_at
        self._add_labels(trade_id, "mistake", record.mistakes, at)
        if record.close is not None:
            self._close(trade_id, record.close)
        known[record.trade.uid or ""] = trade_id

    # ------------------------------------------------------------ internals: tastytrade

    def _tasty_book(self) -> tasty_csv.JournalBook:
        """What the tastytrade importer needs to know of the journal: fills and open spreads."""
        conn = self._conn
        known_fills = frozenset(key for (key,) in conn.execute("SELECT fill_key FROM trade_fills"))
        known_uids = frozenset(uid for (uid,) in conn.execute("SELECT uid FROM trades"))
        open_rows = conn.execute(
            "SELECT t.id, t.uid, t.multiplier, t.quantity, t.underlying, f.symbol, "
            "f.quantity, f.value_cents, f.fees_cents, f.kind, f.broker_order_id "
            "FROM trades t JOIN trade_fills f ON f.trade_id = t.id "
            "WHERE t.closed_at IS NULL ORDER BY t.id, f.id"
        ).fetchall()
        return tasty_csv.JournalBook.from_rows(known_fills, known_uids, open_rows)

    def _apply_tasty_plan(
        self, plan: tasty_csv.ImportPlan, parsed: tasty_csv.TastyCsv, path: Path
    ) -> ImportReport:
        ids_by_uid: dict[str, int] = {
            uid: trade_id for uid, trade_id in self._conn.execute("SELECT uid, id FROM trades")
        }
        for opening in plan.openings:
            parent_id = ids_by_uid.get(opening.parent_uid) if opening.parent_uid else None
            trade_id = self._insert_trade(opening.trade, opening.trade.uid or "", parent_id)
            ids_by_uid[opening.trade.uid or ""] = trade_id
            for warning in opening.notes:
                self._insert_note(trade_id, Note(at=opening.trade.opened_at, text=warning))
        for fill in plan.fills:
            self._conn.execute(
                "INSERT INTO trade_fills (trade_id, fill_key, broker_order_id, symbol, kind, "
                "quantity, value_cents, fees_cents, executed_at, source_line) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    ids_by_uid[fill.trade_uid],
                    fill.fill_key,
                    fill.order_id,
                    fill.symbol,
                    fill.kind,
                    fill.quantity,
                    fill.value_cents,
                    fill.fees_cents,
                    stamp(fill.executed_at),
                    fill.line,
                ),
            )
        for closing in plan.closings:
            trade_id = ids_by_uid[closing.trade_uid]
            self._close(trade_id, closing.close)
        for note in plan.notes:
            self._insert_note(ids_by_uid[note.trade_uid], Note(at=note.at, text=note.text))
        return ImportReport(
            source=SOURCE_TASTYTRADE_CSV,
            file_name=path.name,
            committed=True,
            added=len(plan.openings),
            closed=len(plan.closings),
            skipped_duplicates=plan.skipped_duplicates,
            skipped_bad=len({e.line for e in [*parsed.errors, *plan.errors]}),
            ignored_rows=plan.ignored_rows,
            errors=(*parsed.errors, *plan.errors),
            warnings=plan.warnings,
        )

    # ------------------------------------------------------------ internals: reading

    def _load_trades(self, params: dict[str, Any], one: bool = False) -> list[Trade]:
        with self._lock:
            return load_trades(self._conn, params, one)


def _filter_params(status: TradeStatus | None, modes: Iterable[Mode] | None) -> dict[str, Any]:
    """Bound values for the fixed trade filter of `_TRADES_SQL` and `_FRAME_SQL`."""
    chosen = list(Mode) if modes is None else [Mode(m) for m in modes]
    return {
        "want_open": int(status in (None, TradeStatus.OPEN)),
        "want_closed": int(status in (None, TradeStatus.CLOSED)),
        "modes": "," + ",".join(m.value for m in chosen) + ",",
    }


class _ImportRefused(Exception):
    def __init__(self, issues: list[ImportIssue]) -> None:
        super().__init__("import refused")
        self.issues = issues


def _refused(source: str, path: Path, errors: Sequence[ImportIssue]) -> ImportReport:
    return ImportReport(
        source=source, file_name=Path(path).name, committed=False, errors=tuple(errors)
    )


def detect_format(path: Path) -> str:
    """`journal` or `tastytrade`, from the file's header line."""
    with Path(path).open("rb") as stream:
        first = stream.readline(4096).decode("utf-8-sig", errors="replace").strip()
    if first.startswith(("Date,Type,", "Date/Time,Transaction Code")):
        return "tastytrade"
    return "journal"
