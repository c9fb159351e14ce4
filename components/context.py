"""What every card needs from the running app: settings, stores, the broker guard, jobs."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from components.jobs import JobRunner
from utils.alerts import AlertStore
from utils.audit import AuditLog
from utils.broker import BrokerGuard
from utils.broker_evidence import guard_evidence
from utils.config import Settings
from utils.evidence import CockpitEvidence, EvidenceStores, gather_evidence
from utils.gates import RollbackLatchStore
from utils.journal import Journal
from utils.pretrade import OrderIntent
from utils.sandbox_record import SandboxValidationStore
from utils.sessions import Clock, utc_now


@dataclass
class PendingPreviews:
    """Confirmation tokens stay on the server; the page holds only their reference."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pending: dict[str, tuple[str, OrderIntent]] = field(default_factory=dict)

    def keep(self, reference: str, token: str, intent: OrderIntent) -> None:
        """Remember a minted token and the exact intent it was minted for."""
        with self._lock:
            self._pending[reference] = (token, intent)

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
        """Everything the gates decide on, read now."""
        return gather_evidence(
            self.stores, settings=self.settings, root=self.root, now=self.clock()
        )


def build_context(settings: Settings, root: Path, clock: Clock = utc_now) -> CockpitContext:
    """Open the stores under the settings' data folder, start the guard, wire them together."""
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    stores = EvidenceStores(
        journal=Journal.open(data_dir, now=clock),
        alerts=AlertStore.open(data_dir, halt_hours=settings.halt_hours, clock=clock),
        latch=RollbackLatchStore.open(data_dir, clock=clock),
        sandbox=SandboxValidationStore.open(data_dir, clock=clock),
    )

    def provide_evidence(now):
        return guard_evidence(gather_evidence(stores, settings=settings, root=root, now=now))

    guard = BrokerGuard.open(
        settings,
        evidence=provide_evidence,
        journal=stores.journal,
        alerts=stores.alerts,
        latch=stores.latch,
        sandbox_store=stores.sandbox,
        clock=clock,
    )
    return CockpitContext(
        settings=settings,
        root=root,
        clock=clock,
        jobs=JobRunner(),
        stores=stores,
        guard=guard,
        previews=PendingPreviews(),
    )
