"""The trade journal: a SQLite store where one trade is one spread.

Open it with `Journal.open(settings.data_dir)` (the file is `data_dir/journal.sqlite3`). Every
write runs in one transaction through `utils.journal.writes`; nothing outside the journal package
writes its tables. Other stores keep their own tables in the same file: they open it with
`connect(journal_path(dir))` (or `journal.connect()`) and create their tables with
`ensure_schema(conn, "alerts", ALERT_MIGRATIONS)` from `utils.core.sqlite_store`.

Typical use:
    journal = Journal.open(settings.data_dir)
    trade = journal.open_trade(NewTrade(underlying="SPY", legs=..., quantity=1, opened_at=...,
                                        entry_price=Decimal("1.20"), entry_effect="Credit",
                                        mode=Mode.SANDBOX))      # 1R and structure from the legs
    journal.close_trade(trade.id, TradeClose(closed_at=..., exit_price=Decimal("0.40"),
                                             exit_effect="Debit", close_fees_usd=Decimal("1.04"),
                                             followed_plan=True))
    frame = journal.trades_frame()               # -> utils.judge.metrics.summarize(frame)

Its command line is `python -m utils.journal` (`utils.journal.cli`).
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from utils.core.files import atomic_output
from utils.core.sessions import Clock, utc_now
from utils.core.checkpoint_behind import CheckpointBehind
from utils.core.sqlite_store import (
    BUSY_TIMEOUT_MS,
    connect,
    ensure_schema,
    journal_path,
    larger_cache,
    transaction,
)
from utils.journal import (
    broker_fills,
    exit_plan_rows,
    importer,
    judging_read,
    partial_closes,
    writes,
)
from utils.journal.cockpit_csv import write_journal_csv
from utils.journal.errors import JournalError
from utils.journal.frames import FRAME_SQL, build_sessions_frame, build_trades_frame
from utils.journal.exit_plans import ExitPlan, Playbook, PlaybookDraft
from utils.journal.import_report import ImportIssue, ImportReport
from utils.journal.tastytrade_csv import SOURCE as SOURCE_TASTYTRADE_CSV
from utils.journal.import_text import DEFAULT_MAX_IMPORT_BYTES
from utils.journal.judging_delta import read_judging_since
from utils.journal.judging_read import JudgingRead
from utils.journal.rows import load_trades, load_trades_of_ids
from utils.journal.schema import JOURNAL_COMPONENT, JOURNAL_MIGRATIONS
from utils.journal.tastytrade_csv import TastyCsv
from utils.journal.tastytrade_plan import PlannedFill
from utils.journal.trade import Mode, NewTrade, Note, Trade, TradeClose, TradeStatus
from utils.journal.undefined_risk import FLAGGED_SQL, FlaggedTrade, flagged_from_rows

# The distinct sessions of the journal's events, oldest first, by one index seek per session
# (a `SELECT DISTINCT` walks every event: years of history are hundreds of thousands).
DISTINCT_SESSIONS_SQL = """
WITH RECURSIVE seen(session) AS (
    SELECT MIN(session) FROM journal_events
    UNION ALL
    SELECT (SELECT MIN(session) FROM journal_events WHERE session > seen.session)
    FROM seen WHERE seen.session IS NOT NULL
)
SELECT session FROM seen WHERE session IS NOT NULL
"""


class Journal:
    """The journal store. Safe to share between threads of one process (calls are serialised)."""

    def __init__(
        self, path: Path, *, clock: Clock = utc_now, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> None:
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.RLock()
        self._conn = connect(self.path, busy_timeout_ms=busy_timeout_ms)
        self._checkpoints = CheckpointBehind(self.path)  # an import's log copied behind it
        self._identity = uuid.uuid4().hex  # names this object's judging reads
        try:
            ensure_schema(self._conn, JOURNAL_COMPONENT, JOURNAL_MIGRATIONS, clock=clock)
        except BaseException:
            self._conn.close()
            raise

    @classmethod
    def open(
        cls, data_dir: Path, *, clock: Clock = utc_now, busy_timeout_ms: int = BUSY_TIMEOUT_MS
    ) -> Journal:
        """Open (creating folders and tables) `data_dir/journal.sqlite3`.

        A write waits up to `busy_timeout_ms` for another writer, then raises `JournalBusy`.
        """
        return cls(journal_path(data_dir), clock=clock, busy_timeout_ms=busy_timeout_ms)

    def connect(self) -> sqlite3.Connection:
        """A new connection to the same file, for stores that add their own tables."""
        return connect(self.path)

    def close(self) -> None:
        """Close the connection; the object cannot be used afterwards."""
        with self._lock:
            self._checkpoints.wait()
            self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # ------------------------------------------------------------ writes

    def open_trade(self, new: NewTrade) -> Trade:
        """Journal a newly opened spread; return it with its id."""
        with self._lock, transaction(self._conn):
            trade_id = writes.insert_trade(
                self._conn,
                new,
                new.uid or f"manual-{uuid.uuid4().hex}",
                created_at=self._clock(),
            )
        return self.get_trade(trade_id)

    def close_trade(self, trade_id: int, close: TradeClose) -> Trade:
        """Record the close of an open spread (of its units still open, after partial closes);
        the net P&L is computed from the prices."""
        return self.close_units(trade_id, None, close)

    def close_units(self, trade_id: int, quantity: int | None, close: TradeClose) -> Trade:
        """Close `quantity` of a spread's open units (all when None): a part is kept until the
        last unit closes the trade at the weighted exit (`utils.journal.partial_closes`)."""
        with self._lock, transaction(self._conn):
            partial_closes.close_units(self._conn, trade_id, quantity, close, self._clock())
        return self.get_trade(trade_id)

    def open_units(self, trade_id: int) -> int:
        """Units of a spread still open (0 when closed)."""
        with self._lock:
            return partial_closes.open_units(self._conn, trade_id)

    def add_tag(self, trade_id: int, tag: str, *, at: datetime | None = None) -> Trade:
        """Attach a tag (e.g. a setup variant) to a trade."""
        with self._lock, transaction(self._conn):
            writes.require_trade(self._conn, trade_id)
            writes.add_labels(self._conn, trade_id, "tag", [tag], at or self._clock())
        return self.get_trade(trade_id)

    def add_mistake(self, trade_id: int, mistake: str, *, at: datetime | None = None) -> Trade:
        """Record a mistake (rule break) on a trade; the same mistake is recorded once."""
        with self._lock, transaction(self._conn):
            writes.require_trade(self._conn, trade_id)
            writes.add_labels(self._conn, trade_id, "mistake", [mistake], at or self._clock())
        return self.get_trade(trade_id)

    def add_note(self, trade_id: int, text: str, *, at: datetime | None = None) -> Trade:
        """Append a free-text note to a trade."""
        try:
            note = Note(at=at or self._clock(), text=text)
        except ValidationError as error:
            problems = "; ".join(e["msg"] for e in error.errors(include_url=False))
            raise JournalError(f"trade {trade_id} note: {problems}") from None
        with self._lock, transaction(self._conn):
            writes.require_trade(self._conn, trade_id)
            writes.insert_note(self._conn, trade_id, note)
        return self.get_trade(trade_id)

    # ------------------------------------------------------------ reads

    def get_trade(self, trade_id: int) -> Trade:
        """One trade by id (JournalError if there is none)."""
        return self.trades_by_ids([trade_id])[0]

    def trades_by_ids(self, ids: Iterable[int]) -> list[Trade]:
        """The trades of these ids, in id order, each once (JournalError naming any id the
        journal does not hold): the models a judgement shows, without reading the rest."""
        wanted = set(ids)
        with self._lock:
            trades = load_trades_of_ids(self._conn, wanted)
        missing = sorted(wanted - {trade.id for trade in trades})
        if missing:
            named = ", ".join(str(trade_id) for trade_id in missing)
            which = "are no trades" if len(missing) > 1 else "is no trade"
            raise JournalError(f"there {which} {named} in the journal")
        return trades

    def list_trades(
        self, *, status: TradeStatus | None = None, modes: Iterable[Mode] | None = None
    ) -> list[Trade]:
        """Trades in opening order, optionally only open or closed ones, or some modes."""
        with self._lock:
            return load_trades(self._conn, _filter_params(status, modes))

    def judging_frame(self) -> pd.DataFrame:
        """Every trade as THE JUDGING FRAME (`utils.journal.judging_frame`), read straight from
        SQLite without building a model per trade; equal to `frame_from_trades(list_trades())`."""
        return self.judging_read().frame

    def judging_read(self, previous: JudgingRead | None = None) -> JudgingRead:
        """The judging frame and where the read stood; given this journal's previous read, only
        the trades changed or added since are read (`utils.journal.judging_delta`), with the
        same answer as a whole read."""
        with self._lock:
            if previous is None:
                return judging_read.read_judging(self._conn, self._identity)
            return read_judging_since(self._conn, previous, self._identity)

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

    def data_version(self) -> tuple[int, int]:
        """A cheap stamp of the whole journal file (trades, alerts, latch, sandbox records): it
        changes whenever any connection, in this process or another, commits to the file."""
        with self._lock:
            (others,) = self._conn.execute("PRAGMA data_version").fetchone()
            return int(others), self._conn.total_changes

    def journaled_sessions(self) -> list[date]:
        """Sessions with at least one journaled action, oldest first: `sessions_frame()`'s
        `session` column without counting the actions."""
        with self._lock:
            rows = self._conn.execute(DISTINCT_SESSIONS_SQL).fetchall()
        return [date.fromisoformat(session) for (session,) in rows]

    def flagged_trades(self) -> list[FlaggedTrade]:
        """Trades journaled as the broker opened them that are not defined-risk spreads."""
        with self._lock:
            return flagged_from_rows(self._conn.execute(FLAGGED_SQL).fetchall())

    # ------------------------------------------------------------ imports and export

    def import_journal_csv(
        self,
        path: Path,
        *,
        skip_bad: bool = False,
        max_bytes: int = DEFAULT_MAX_IMPORT_BYTES,
        file_name: str | None = None,
    ) -> ImportReport:
        """Import the cockpit's journal CSV: all or nothing, idempotent by trade uid.

        With errors nothing is imported and every bad row is reported, unless `skip_bad` (the
        good rows are imported and the bad ones listed in `errors`). A trade already in the
        journal is skipped, except that an open one is closed when the file has its close.
        `file_name` is the name shown in the report (default: the path's).
        """
        with self._lock, self._checkpoints.around(self._conn), larger_cache(self._conn):
            return importer.import_journal_csv(
                self._conn,
                path,
                skip_bad=skip_bad,
                max_bytes=max_bytes,
                clock=self._clock,
                file_name=file_name,
            )

    def import_tastytrade_csv(
        self,
        path: Path,
        *,
        mode: Mode,
        skip_bad: bool = False,
        max_bytes: int = DEFAULT_MAX_IMPORT_BYTES,
        playbook: str | None = None,
        file_name: str | None = None,
    ) -> ImportReport:
        """Import tastytrade's transaction-history CSV as spreads, all or nothing, idempotent.

        The legs of one order become one spread; expirations, assignments and exercises close
        legs; a position that is not a defined-risk spread is journaled flagged. Any bad row or
        order refuses the file unless `skip_bad` (import the good orders: bad orders are skipped
        whole and listed). `mode` says which account the file came from (LIVE or SANDBOX).
        `playbook` names the playbook the file's trades followed: their plan is declared at this
        import.
        """
        with self._lock, self._checkpoints.around(self._conn), larger_cache(self._conn):
            chosen = None
            if playbook:
                try:
                    chosen = exit_plan_rows.find_playbook(self._conn, playbook)
                except JournalError as error:
                    issue = ImportIssue(line=None, field="playbook", message=str(error))
                    return ImportReport(
                        source=SOURCE_TASTYTRADE_CSV,
                        file_name=file_name or Path(path).name,
                        committed=False,
                        errors=(issue,),
                    )
            return importer.import_tastytrade_csv(
                self._conn,
                path,
                mode=mode,
                skip_bad=skip_bad,
                max_bytes=max_bytes,
                clock=self._clock,
                playbook=chosen,
                file_name=file_name,
            )

    # ------------------------------------------------------------ exit plans and playbooks

    def declare_exit_plan(
        self, trade_id: int, plan: ExitPlan, *, at: datetime | None = None
    ) -> Trade:
        """Record a plan set or changed after entry (kept with its time; see
        `utils.journal.exit_plans` for what it counts for)."""
        with self._lock, transaction(self._conn):
            exit_plan_rows.declare_after_entry(self._conn, trade_id, plan, at or self._clock())
        return self.get_trade(trade_id)

    def save_playbook(self, draft: PlaybookDraft) -> Playbook:
        """Create a playbook, or save a new version of it when its rules changed."""
        with self._lock, transaction(self._conn):
            return exit_plan_rows.save_playbook(self._conn, draft, self._clock())

    def playbooks(self) -> list[Playbook]:
        """The latest version of every playbook, by name."""
        with self._lock:
            return exit_plan_rows.latest_playbooks(self._conn)

    def playbook(self, name: str) -> Playbook:
        """The latest version of one playbook (JournalError if there is none)."""
        with self._lock:
            return exit_plan_rows.find_playbook(self._conn, name)

    def export_journal_csv(self, path: Path) -> int:
        """Write every trade to a journal CSV (whole or not at all); return the row count.

        StorageError (disk full, read-only folder) leaves no partial file.
        """
        with atomic_output(Path(path)) as stream:
            return write_journal_csv(self.list_trades(), stream)

    # ------------------------------------------------------------ fills from the broker

    def order_fill_keys(self, order_id: str) -> frozenset[str]:
        """The fill keys journaled for one broker order (`utils.journal.broker_fills`)."""
        with self._lock:
            return broker_fills.order_fill_keys(self._conn, order_id)

    def order_fees_cents(self, order_id: str) -> int:
        """The fees journaled so far with one broker order's fills, in cents."""
        with self._lock:
            return broker_fills.order_fees_cents(self._conn, order_id)

    def order_trade_count(self, order_id: str) -> int:
        """How many journaled trades one broker order opened (one per fill batch)."""
        with self._lock:
            return broker_fills.order_trade_count(self._conn, order_id)

    def open_order_batch(
        self, new: NewTrade, fills: list[PlannedFill], account_number: str | None
    ) -> Trade:
        """Journal fills of one of the cockpit's orders as a new spread, exactly once (a fill
        already journaled raises FillsAlreadyJournaled and writes nothing)."""
        with self._lock:
            trade_id = broker_fills.open_order_batch(
                self._conn, new, fills, account_number, self._clock
            )
        return self.get_trade(trade_id)

    def record_account(self, trade_id: int, account_number: str) -> None:
        """Remember the broker account of a trade journaled elsewhere (e.g. a close ticket's)."""
        with self._lock, transaction(self._conn):
            broker_fills.record_account(self._conn, trade_id, account_number)

    def trade_account(self, trade_id: int) -> str | None:
        """The broker account a trade lives in (None when unknown, e.g. entered by hand)."""
        with self._lock:
            return broker_fills.trade_account(self._conn, trade_id)

    def last_sync(self, account_number: str, mode: Mode) -> datetime | None:
        """When the account's transactions were last synced (None: never)."""
        with self._lock:
            return broker_fills.last_sync(self._conn, account_number, mode)

    def import_broker_transactions(
        self, parsed: TastyCsv, *, mode: Mode, account_number: str, name: str
    ) -> ImportReport:
        """Journal an account's transactions through the tastytrade import's assembly,
        idempotent with CSV imports of the same history (`utils.journal.broker_fills`)."""
        with self._lock:
            return broker_fills.import_transactions(
                self._conn,
                parsed,
                mode=mode,
                account_number=account_number,
                name=name,
                clock=self._clock,
            )


def _filter_params(status: TradeStatus | None, modes: Iterable[Mode] | None) -> dict[str, Any]:
    """Bound values for the fixed trade filter of `_TRADES_SQL` and `_FRAME_SQL`."""
    chosen = list(Mode) if modes is None else [Mode(m) for m in modes]
    return {
        "want_open": int(status in (None, TradeStatus.OPEN)),
        "want_closed": int(status in (None, TradeStatus.CLOSED)),
        "modes": "," + ",".join(m.value for m in chosen) + ",",
    }
