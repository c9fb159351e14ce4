"""Sync fills from the broker: the account's transactions since the last sync, journaled through
the same spread assembly as the tastytrade CSV import (`utils.journal.tastytrade_api_rows`).

A sync reads `GET /accounts/{n}/transactions` (every page) from the day before the last sync of
that account and mode (everything the first time), turns them into the CSV's rows and journals
them in one transaction: idempotent with itself and with CSV imports of the same history. Reads
only; every sync is audited (GUARD_DECISION, stage `broker_sync`) with its counts or its error.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from utils.broker.attempt import Attempt, Refused
from utils.broker.fills import MODE_OF_TARGET
from utils.broker.gatekeeper import Gatekeeper
from utils.broker.mode_reader import ModeReader
from utils.broker.recorder import Recorder
from utils.core.sessions import session_of
from utils.journal.errors import JournalError
from utils.journal.import_report import ImportIssue
from utils.journal.tastytrade_api_rows import rows_from_transactions
from utils.records.audit import AuditKind, AuditWriteError
from utils.records.sandbox import mask_account
from utils.tastytrade.errors import TastytradeError

SYNC_STAGE = "broker_sync"
SYNC_OVERLAP = timedelta(days=1)

Progress = Callable[[str], None]


def _ignore(_line: str) -> None:
    """A progress callback that shows nothing."""


class SyncReport(BaseModel):
    """What a sync read and journaled, or why it stopped."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    account: str  # masked
    target: str
    since: datetime | None = None
    read: int = 0
    added: int = 0
    closed: int = 0
    already_journaled: int = 0
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    message: str


def _issue_text(issue: ImportIssue) -> str:
    where = f"transaction #{issue.line}" if issue.line is not None else "sync"
    return f"{where}{f' ({issue.field})' if issue.field else ''}: {issue.message}"


class SyncStage:
    """Runs a sync for the current mode's broker and the chosen account."""

    def __init__(
        self, *, modes: ModeReader, gate: Gatekeeper, recorder: Recorder, journal: Any
    ) -> None:
        self._modes = modes
        self._gate = gate
        self._recorder = recorder
        self._journal = journal

    def answer(
        self, attempt: Attempt, account_number: str | None, progress: Progress | None
    ) -> SyncReport:
        """A sync, or the reason it did not start (named, nothing journaled)."""
        target = self._modes.read(attempt, audit=False).decision.target.value
        try:
            return self.sync(attempt, account_number, progress or _ignore)
        except Refused as refused:
            why = f"{refused.reasons[0].code}: {refused.reasons[0].sentence}"
        except AuditWriteError as error:
            why = self._recorder.audit_failed(attempt, error).sentence
        return SyncReport(
            ok=False, account="", target=target, errors=(why,), message=f"Sync stopped: {why}"
        )

    def sync(self, attempt: Attempt, account_number: str | None, progress: Progress) -> SyncReport:
        """Read the account's transactions since the last sync and journal them."""
        decision = self._modes.read(attempt, audit=False).decision
        target = decision.target
        client = self._gate.client(attempt, target)
        number = self._gate.choose_account(
            attempt, client, account_number, target
        ).account.account_number
        masked = mask_account(number)
        attempt.account = masked
        mode = MODE_OF_TARGET[target]
        last = self._journal.last_sync(number, mode)
        start = None if last is None else session_of(last - SYNC_OVERLAP)
        since_text = "the account's whole history" if start is None else f"{start}"
        progress(f"reading {masked}'s transactions since {since_text} ({target})...")
        try:
            transactions = client.transactions(number, start_date=start)
        except TastytradeError as error:
            return self._stopped(attempt, masked, target, f"the broker refused: {error}")
        progress(f"{len(transactions)} transaction(s) read; journaling...")
        parsed = rows_from_transactions(transactions)
        if parsed.errors:
            named = tuple(_issue_text(i) for i in parsed.errors)
            return self._stopped(
                attempt, masked, target, f"{len(named)} transaction(s) unreadable", named
            )
        try:
            report = self._journal.import_broker_transactions(
                parsed, mode=mode, account_number=number, name=f"sync of {masked}"
            )
        except JournalError as error:
            return self._stopped(attempt, masked, target, f"the journal refused: {error}")
        answer = SyncReport(
            ok=True,
            account=masked,
            target=target.value,
            since=None if start is None else datetime.combine(start, datetime.min.time()),
            read=len(transactions),
            added=report.added,
            closed=report.closed,
            already_journaled=report.skipped_duplicates,
            warnings=tuple(_issue_text(i) for i in report.warnings),
            message=(
                f"Synced {masked} ({target}): {len(transactions)} transaction(s) read, "
                f"{report.added} trade(s) added, {report.closed} closed, "
                f"{report.skipped_duplicates} fill(s) already journaled."
            ),
        )
        progress(answer.message)
        self._audit(attempt, answer)
        return answer

    def _stopped(
        self, attempt: Attempt, masked: str, target: Any, why: str, named: tuple[str, ...] = ()
    ) -> SyncReport:
        answer = SyncReport(
            ok=False,
            account=masked,
            target=str(target),
            errors=named or (why,),
            message=f"Sync of {masked} stopped: {why}. Nothing was journaled.",
        )
        self._audit(attempt, answer)
        return answer

    def _audit(self, attempt: Attempt, answer: SyncReport) -> None:
        self._recorder.write(
            attempt,
            AuditKind.GUARD_DECISION,
            {
                "stage": SYNC_STAGE,
                "ok": answer.ok,
                "read": answer.read,
                "added": answer.added,
                "closed": answer.closed,
                "errors": list(answer.errors),
            },
        )
