"""What every card needs from the running app: settings, stores, the broker guard, jobs."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from components.jobs import JobRunner
from utils.records.alerts import AlertStore
from utils.records.audit import AUDIT_FILENAME, AuditLog
from utils.broker.guard import BrokerGuard
from utils.broker.evidence import guard_evidence
from utils.core.config import Settings
from utils.judge.evidence import CockpitEvidence, EvidenceStores
from utils.judge.evidence_cache import EvidenceCache, EvidenceSource, EvidenceVersion
from utils.records.latch import RollbackLatchStore
from utils.core.sqlite_store import journal_path
from utils.journal.store import Journal
from utils.journal.errors import JournalError
from utils.project.preflight import TOOLS, Tools
from utils.broker.models import Preview
from utils.broker.order_intent import OrderIntent
from utils.records.sandbox import SandboxValidationStore
from utils.core.sessions import Clock, utc_now
from utils.core.sqlite_store import DATABASE_ERRORS
from utils.core.backups import back_up_if_due, backups_dir

T = TypeVar("T")
log = logging.getLogger(__name__)


class DataFileError(Exception):
    """A state file the cockpit cannot open at start-up; the message names the file."""


_STORE_ERRORS = (*DATABASE_ERRORS, JournalError, OSError)


def _opened(path: Path, open_store: Callable[[], T], errors: tuple = _STORE_ERRORS) -> T:
    """Open one store; a damaged or foreign file becomes a DataFileError naming it."""
    try:
        return open_store()
    except errors as error:
        raise DataFileError(
            f"{path} cannot be opened ({error}). Move it aside (keep it: it is your record) "
            "and start again, or restore it from a backup."
        ) from None


@dataclass
class PendingPreviews:
    """Confirmation tokens stay on the server; the page holds only their reference."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pending: dict[str, tuple[str, OrderIntent]] = field(default_factory=dict)

    def keep(self, preview: Preview, intent: OrderIntent) -> str | None:
        """Remember the token a ready preview minted, with the exact intent it was minted for;
        return the reference the page holds (None when the preview is not ready to confirm)."""
        if not preview.outcome.ready or preview.confirmation_token is None:
            return None
        reference = preview.confirmation_ref or uuid.uuid4().hex
        with self._lock:
            self._pending[reference] = (preview.confirmation_token.get_secret_value(), intent)
        return reference

    def take(self, reference: str) -> tuple[str, OrderIntent] | None:
        """Hand out a token once (None when unknown or already used)."""
        with self._lock:
            return self._pending.pop(reference, None)


@dataclass(frozen=True)
class CockpitContext:
    """Read-only wiring handed to each card's layout() and callbacks."""

    settings: Settings
    root: Path
    clock: Clock
    jobs: JobRunner
    stores: EvidenceStores
    guard: BrokerGuard
    previews: PendingPreviews
    evidence_cache: EvidenceCache
    preflight_tools: Tools = TOOLS
    backup_warning: str | None = None

    @property
    def alerts(self) -> AlertStore:
        """The HIGH alert and halt store."""
        return self.stores.alerts

    @property
    def journal(self) -> Journal:
        """The trade journal."""
        return self.stores.journal

    @property
    def audit(self) -> AuditLog:
        """The audit log (the guard's, so one chain holds every entry)."""
        return self.guard.audit

    def evidence(self) -> CockpitEvidence:
        """Everything the gates decide on, as of now (one reading shared by every card and the
        export while nothing it depends on changed; the guard gathers it anew for each order)."""
        return self.evidence_cache.evidence(self._evidence_source, self.clock())

    def evidence_version(self) -> EvidenceVersion:
        """What the evidence shown now depends on: unchanged version, unchanged cards."""
        return self.evidence_cache.version(self._evidence_source, self.clock())

    @property
    def _evidence_source(self) -> EvidenceSource:
        return EvidenceSource(self.stores, self.settings, self.root)


def _backed_up(data_dir: Path, clock: Clock) -> str | None:
    """Back up the stores when a day has passed; a failure is a warning, never a failed start."""
    try:
        back_up_if_due(
            [journal_path(data_dir), data_dir / AUDIT_FILENAME], backups_dir(data_dir), clock=clock
        )
    except (*DATABASE_ERRORS, OSError) as error:
        warning = f"the start-up backup failed: {error}"
        log.warning(warning)
        return warning
    return None


def build_context(
    settings: Settings, root: Path, clock: Clock = utc_now, preflight_tools: Tools = TOOLS
) -> CockpitContext:
    """Open the stores under the settings' data folder, start the guard, wire them together.

    Raises DataFileError naming the file when a store's file cannot be opened.
    """
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    journal_file = journal_path(data_dir)
    stores = EvidenceStores(
        journal=_opened(journal_file, lambda: Journal.open(data_dir, clock=clock)),
        alerts=_opened(
            journal_file,
            lambda: AlertStore.open(data_dir, halt_hours=settings.halt_hours, clock=clock),
        ),
        latch=_opened(journal_file, lambda: RollbackLatchStore.open(data_dir, clock=clock)),
        sandbox=_opened(journal_file, lambda: SandboxValidationStore.open(data_dir, clock=clock)),
    )

    evidence_cache = EvidenceCache(clock)

    def provide_evidence(now):
        source = EvidenceSource(stores, settings, root)  # `stores` with the audit log, below
        return guard_evidence(evidence_cache.fresh(source, now))

    guard = _opened(
        data_dir / AUDIT_FILENAME,
        lambda: BrokerGuard.open(
            settings,
            evidence=provide_evidence,
            journal=stores.journal,
            alerts=stores.alerts,
            latch=stores.latch,
            sandbox_store=stores.sandbox,
            clock=clock,
        ),
        errors=DATABASE_ERRORS,  # the guard opens only the audit log's file
    )
    stores = replace(stores, audit=guard.audit)  # working orders count: provide_evidence too
    return CockpitContext(
        settings=settings,
        root=root,
        clock=clock,
        jobs=JobRunner(),
        stores=stores,
        guard=guard,
        previews=PendingPreviews(),
        evidence_cache=evidence_cache,
        preflight_tools=preflight_tools,
        backup_warning=_backed_up(data_dir, clock),
    )
