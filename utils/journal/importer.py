"""Imports into the journal: the cockpit's journal CSV and tastytrade's transaction history.

Each import is all or nothing (one transaction) and idempotent: trades already journaled (by uid)
or fills already imported (by row key) are skipped. With errors nothing is imported and every bad
row is reported, unless `skip_bad`. Called by `Journal.import_journal_csv` and
`Journal.import_tastytrade_csv`, which hold the journal's lock.
"""

from __future__ import annotations

import gc
import io
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from utils.core.sessions import Clock
from utils.core.sqlite_store import transaction
from utils.journal import tastytrade_plan
from utils.journal.bulk_writes import BulkTrades, bulk_ready
from utils.journal.cockpit_csv_chunks import JournalCsvChunk, ShapedRow, read_journal_csv_chunks
from utils.journal.cockpit_csv_reader import JournalCsvRecord
from utils.journal.errors import JournalError
from utils.journal.exit_plan_rows import declare_playbook_at_import, trades_of_fills
from utils.journal.exit_plans import Playbook
from utils.journal.import_report import ImportIssue, ImportReport
from utils.journal.import_text import read_import_text
from utils.journal.tastytrade_book import JournalBook
from utils.journal.tastytrade_csv import SOURCE as SOURCE_TASTYTRADE_CSV
from utils.journal.tastytrade_csv import TastyCsv, parse_tasty_csv
from utils.journal.tastytrade_writes import write_tasty_plan
from utils.journal.trade import Mode
from utils.journal.undefined_risk import FlaggedNewTrade
from utils.journal.write_behind import WriteBehind
from utils.journal.writes import (
    add_labels,
    close_trade,
    insert_note,
    insert_risk_flag,
    insert_trade,
    record_import,
)

SOURCE_JOURNAL_CSV = "journal_csv"


class _ImportRefused(Exception):
    def __init__(self, issues: list[ImportIssue]) -> None:
        super().__init__("import refused")
        self.issues = issues


def _refused(source: str, name: str, errors: Sequence[ImportIssue]) -> ImportReport:
    return ImportReport(source=source, file_name=name, committed=False, errors=tuple(errors))


def detect_format(path: Path) -> str:
    """`journal` or `tastytrade`, from the file's header line."""
    with Path(path).open("rb") as stream:
        first = stream.readline(4096).decode("utf-8-sig", errors="replace").strip()
    if first.startswith(("Date,Type,", "Date/Time,Transaction Code")):
        return "tastytrade"
    return "journal"


# ---------------------------------------------------------------- the cockpit's journal CSV


def import_journal_csv(
    conn: sqlite3.Connection,
    path: Path,
    *,
    skip_bad: bool,
    max_bytes: int,
    clock: Clock,
    file_name: str | None = None,
) -> ImportReport:
    """Import the cockpit's journal CSV: new trades (parents first), and closes of open ones.

    The file is read and written a chunk at a time inside one transaction (opened at the first
    chunk to write); a refusal rolls it all back, so nothing of a refused file stays.
    """
    path = Path(path)
    name = file_name or path.name
    text, issue, digest = read_import_text(path, max_bytes)
    if issue is not None:
        return _refused(SOURCE_JOURNAL_CSV, name, [issue])
    try:
        with _without_cyclic_gc(), ExitStack() as writing:
            # The text checked whole (size, UTF-8, digest) is the text imported: never re-read.
            encoded = io.BytesIO(text.encode("utf-8"))
            del text
            stream = io.TextIOWrapper(encoded, encoding="utf-8", newline="")
            applying = _JournalCsvImport(clock, skip_bad)
            for chunk in read_journal_csv_chunks(stream):
                if applying.read(chunk) and applying.writes is None:
                    writing.enter_context(transaction(conn))
                    applying.start(writing.enter_context(WriteBehind(conn)))
                if applying.writes is not None:
                    applying.write(chunk.records)
            if applying.writes is None:
                applying.refuse_if_bad()
                writing.enter_context(transaction(conn))
                applying.start(writing.enter_context(WriteBehind(conn)))
            report = applying.finish(name)
            record_import(applying.behind.conn, report, digest, clock())
    except _ImportRefused as refusal:
        return _refused(SOURCE_JOURNAL_CSV, name, refusal.issues)
    return report


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: a large file makes millions of small objects and no
    cycles worth finding, and each collection would rescan every record read so far."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _uid(record: JournalCsvRecord | ShapedRow) -> str:
    return record.uid if isinstance(record, ShapedRow) else record.trade.uid or ""


class _JournalCsvImport:
    """One journal CSV import, chunk by chunk: closes of open trades, then new trades (parents
    before children), in file order; the report at the end."""

    behind: WriteBehind  # the journal's connection and the rows written behind (`start`)

    def __init__(self, clock: Clock, skip_bad: bool) -> None:
        self.clock, self.skip_bad = clock, skip_bad
        self.errors: list[ImportIssue] = []  # the file's problems
        self.bad: list[ImportIssue] = []  # the writes' refusals
        self.writes: dict[str, int] | None = None  # uid -> id, once writing has started
        self.seen_records = False
        self.in_file: set[str] = set()
        self.flagged: set[str] = set()
        self.pending: list[JournalCsvRecord | ShapedRow] = []
        self.added = self.closed = self.duplicates = 0

    def read(self, chunk: JournalCsvChunk) -> bool:
        """Take a chunk's problems; True when its records are to be written."""
        self.errors.extend(chunk.issues)
        self.seen_records = self.seen_records or bool(chunk.records)
        self.in_file.update(_uid(record) for record in chunk.records)
        self.flagged.update(
            _uid(record)
            for record in chunk.records
            if not isinstance(record, ShapedRow) and isinstance(record.trade, FlaggedNewTrade)
        )
        return bool(chunk.records) and (self.skip_bad or not self.errors)

    def start(self, behind: WriteBehind) -> None:
        """Read what the journal holds, inside the import's transaction; the new trades' rows
        are written behind the reading of the next chunk (`behind`)."""
        self.behind = behind
        self.writes = dict(behind.conn.execute("SELECT uid, id FROM trades").fetchall())
        self.journaled_before = frozenset(self.writes)
        self.open_ids = {
            trade_id
            for (trade_id,) in behind.conn.execute("SELECT id FROM trades WHERE closed_at IS NULL")
        }

    def write(self, records: list[JournalCsvRecord | ShapedRow]) -> None:
        """Close open trades the chunk closes; insert its new trades whose parent the journal
        held before the import (the others wait for the end)."""
        if self.errors and not self.skip_bad:
            return  # refused: the rest of the file is only read for its problems
        known = self.writes
        assert known is not None  # nosec B101  # start() ran first
        ready = []
        for record in records:
            trade_id = known.get(_uid(record))
            if trade_id is not None and isinstance(record, ShapedRow):
                record = record.record()  # a trade the journal holds: closed, or a duplicate
            if trade_id is None:
                if record.parent_uid is None or record.parent_uid in self.journaled_before:
                    ready.append(record)
                else:
                    self.pending.append(record)
            elif record.close is not None and trade_id in self.open_ids:
                close = record.close
                conn = self.behind.conn
                self.closed += _record_step(
                    conn, record.line, self.bad, lambda: close_trade(conn, trade_id, close)
                )
            else:
                self.duplicates += 1
        self.added += _insert_ready(self.behind, ready, known, self.bad, self.clock)

    def refuse_if_bad(self) -> None:
        """Refuse a file with problems (or, skipping bad rows, with no good one)."""
        if self.errors and (not self.skip_bad or not self.seen_records):
            raise _ImportRefused(self.errors)

    def finish(self, name: str) -> ImportReport:
        """Insert the children of the file's trades, then report (or refuse)."""
        self.refuse_if_bad()
        known = self.writes
        assert known is not None  # nosec B101  # start() ran first
        pending = self.pending
        while pending:
            ready = [r for r in pending if r.parent_uid is None or r.parent_uid in known]
            if not ready:
                for record in pending:
                    reason = (
                        "is part of a loop of parent links"
                        if record.parent_uid in self.in_file
                        else "names a parent trade that is neither in the file nor the journal"
                    )
                    self.bad.append(
                        ImportIssue(line=record.line, field="parent_uid", message=reason)
                    )
                break
            self.added += _insert_ready(self.behind, ready, known, self.bad, self.clock)
            inserted = {id(record) for record in ready}
            pending = [record for record in pending if id(record) not in inserted]
        if self.bad and not self.skip_bad:
            raise _ImportRefused([*self.errors, *self.bad])
        bad = [*self.errors, *self.bad]
        return ImportReport(
            source=SOURCE_JOURNAL_CSV,
            file_name=name,
            committed=True,
            added=self.added,
            flagged=len((self.flagged & known.keys()) - self.journaled_before),
            closed=self.closed,
            skipped_duplicates=self.duplicates,
            skipped_bad=len({e.line for e in bad}),
            errors=tuple(bad),
        )


def _insert_ready(
    behind: WriteBehind,
    ready: list[JournalCsvRecord | ShapedRow],
    known: dict[str, int],
    bad: list[ImportIssue],
    clock: Clock,
) -> int:
    """Insert new records in file order: those that cannot be refused in bulk, any other one at
    a time (its refusal named on its line); returns how many were added."""
    bulk = BulkTrades(behind, known, clock)
    added = 0
    for record in ready:
        if bulk_ready(record, known):
            bulk.add(record)
            continue
        conn = bulk.one_at_a_time()
        if isinstance(record, ShapedRow):
            record = record.record()
        added += _record_step(
            conn, record.line, bad, lambda: _insert_record(conn, record, known, clock)
        )
    bulk.flush()
    return added + bulk.added


def _record_step(
    conn: sqlite3.Connection, line: int, bad: list[ImportIssue], step: Callable[[], None]
) -> int:
    """Run one record's writes inside a savepoint; a JournalError becomes a listed issue."""
    conn.execute("SAVEPOINT journal_record")
    try:
        step()
    except JournalError as error:
        conn.execute("ROLLBACK TO journal_record")
        bad.append(ImportIssue(line=line, field=None, message=str(error)))
        return 0
    finally:
        conn.execute("RELEASE journal_record")
    return 1


def _insert_record(
    conn: sqlite3.Connection, record: JournalCsvRecord, known: dict[str, int], clock: Clock
) -> None:
    parent_id = known.get(record.parent_uid) if record.parent_uid else None
    trade_id = insert_trade(
        conn, record.trade, record.trade.uid or "", created_at=clock(), parent_id=parent_id
    )
    if isinstance(record.trade, FlaggedNewTrade):
        insert_risk_flag(conn, trade_id, record.trade.risk_flag, clock())
    for note in record.notes:
        insert_note(conn, trade_id, note)
    at = record.close.closed_at if record.close else record.trade.opened_at
    add_labels(conn, trade_id, "mistake", record.mistakes, at)
    if record.close is not None:
        close_trade(conn, trade_id, record.close)
    known[record.trade.uid or ""] = trade_id


# ---------------------------------------------------------------- tastytrade's transaction history


def import_tastytrade_csv(
    conn: sqlite3.Connection,
    path: Path,
    *,
    mode: Mode,
    skip_bad: bool,
    max_bytes: int,
    clock: Clock,
    file_name: str | None = None,
    playbook: Playbook | None = None,
) -> ImportReport:
    """Import tastytrade's transaction history as spreads (see utils.journal.tastytrade_plan).

    With a `playbook`, the trader declares that the file's trades followed it: each trade of
    the file without a plan at entry gets the playbook's plan, declared at this import.
    """
    if Mode(mode) is Mode.SIM:
        raise JournalError("a tastytrade export comes from a LIVE or SANDBOX account, not SIM")
    path = Path(path)
    # The collector waits until the rows, the plan and their writes are gone (they leave by
    # reference count when `_import_tasty_file` returns), so it never scans them.
    with _without_cyclic_gc():
        return _import_tasty_file(
            conn, path, file_name or path.name, mode, skip_bad, max_bytes, clock, playbook
        )


def _import_tasty_file(
    conn: sqlite3.Connection,
    path: Path,
    name: str,
    mode: Mode,
    skip_bad: bool,
    max_bytes: int,
    clock: Clock,
    playbook: Playbook | None,
) -> ImportReport:
    text, issue, digest = read_import_text(path, max_bytes)
    if issue is not None:
        return _refused(SOURCE_TASTYTRADE_CSV, name, [issue])
    parsed = parse_tasty_csv(text)
    del text  # the rows are read: the text is not kept through the writes
    if parsed.errors and (not skip_bad or parsed.fatal):
        return _refused(SOURCE_TASTYTRADE_CSV, name, parsed.errors)
    try:
        with transaction(conn):
            plan = tastytrade_plan.plan_import(parsed, _tasty_book(conn), mode=mode)
            if plan.errors and not skip_bad:
                raise _ImportRefused([*parsed.errors, *plan.errors])
            report = _apply_tasty_plan(conn, plan, parsed, name, clock)
            if playbook is not None:
                report = _declare_playbook(conn, report, playbook, parsed, clock)
            record_import(conn, report, digest, clock())
    except _ImportRefused as refusal:
        return _refused(SOURCE_TASTYTRADE_CSV, name, refusal.issues)
    return report


def _declare_playbook(
    conn: sqlite3.Connection,
    report: ImportReport,
    playbook: Playbook,
    parsed: TastyCsv,
    clock: Clock,
) -> ImportReport:
    """Declare `playbook` for the file's trades (added now or journaled by an earlier import)."""
    trade_ids = trades_of_fills(conn, (row.key for row in parsed.rows))
    declared = declare_playbook_at_import(conn, playbook, trade_ids, clock())
    return report.model_copy(update={"playbook": playbook.title, "playbook_declared": declared})


def _tasty_book(conn: sqlite3.Connection) -> JournalBook:
    """What the tastytrade importer needs to know of the journal: fills and open spreads."""
    known_fills = frozenset(key for (key,) in conn.execute("SELECT fill_key FROM trade_fills"))
    known_uids = frozenset(uid for (uid,) in conn.execute("SELECT uid FROM trades"))
    # an order the cockpit journaled from its own fills is journaled: its rows open nothing
    known_uids |= frozenset(
        f"tastytrade-{order_id}"
        for (order_id,) in conn.execute(
            "SELECT broker_order_id FROM trade_orders WHERE role = 'open'"
        )
    )
    open_rows = conn.execute(
        "SELECT t.id, t.uid, t.multiplier, t.quantity, t.underlying, t.opened_at, f.symbol, "
        "f.quantity, f.value_cents, f.fees_cents, f.kind, f.broker_order_id "
        "FROM trades t JOIN trade_fills f ON f.trade_id = t.id "
        "WHERE t.closed_at IS NULL ORDER BY t.id, f.id"
    ).fetchall()
    return JournalBook.from_rows(known_fills, known_uids, open_rows)


def _apply_tasty_plan(
    conn: sqlite3.Connection,
    plan: tastytrade_plan.ImportPlan,
    parsed: TastyCsv,
    name: str,
    clock: Clock,
) -> ImportReport:
    write_tasty_plan(conn, plan, clock)
    return ImportReport(
        source=SOURCE_TASTYTRADE_CSV,
        file_name=name,
        committed=True,
        added=len(plan.openings),
        flagged=sum(1 for opening in plan.openings if opening.risk_flag is not None),
        closed=len(plan.closings),
        skipped_duplicates=plan.skipped_duplicates,
        skipped_bad=len({e.line for e in [*parsed.errors, *plan.errors]}),
        ignored_rows=plan.ignored_rows,
        errors=(*parsed.errors, *plan.errors),
        warnings=plan.warnings,
    )
