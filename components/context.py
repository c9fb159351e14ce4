"""What every card needs from the running app: settings, stores and the job runner."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from components.jobs import JobRunner
from utils.alerts import AlertStore
from utils.audit import AuditLog
from utils.config import Settings
from utils.evidence import CockpitEvidence, EvidenceStores, gather_evidence
from utils.gates import RollbackLatchStore
from utils.journal import Journal
from utils.sandbox_record import SandboxValidationStore
from utils.sessions import Clock, utc_now


@dataclass(frozen=True)
class CockpitContext:
    """Read-only wiring handed to each card's layout() and callbacks."""

    settings: Settings
    root: Path
    clock: Clock
    jobs: JobRunner
    stores: EvidenceStores
    audit: AuditLog

    @property
    def alerts(self) -> AlertStore:
        """The HIGH alert and halt store."""
        return self.stores.alerts

    @property
    def journal(self) -> Journal:
        """The trade journal."""
        return self.stores.journal

    def evidence(self) -> CockpitEvidence:
        """Everything the gates decide on, read now."""
        return gather_evidence(
            self.stores, settings=self.settings, root=self.root, now=self.clock()
        )


def build_context(settings: Settings, root: Path, clock: Clock = utc_now) -> CockpitContext:
    """Open the stores under the settings' data folder and wire them together."""
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    return CockpitContext(
        settings=settings,
        root=root,
        clock=clock,
        jobs=JobRunner(),
        stores=EvidenceStores(
            journal=Journal.open(data_dir, now=clock),
            alerts=AlertStore.open(data_dir, halt_hours=settings.halt_hours, clock=clock),
            latch=RollbackLatchStore.open(data_dir, clock=clock),
            sandbox=SandboxValidationStore.open(data_dir, clock=clock),
        ),
        audit=AuditLog.open(data_dir, clock=clock, secret_values=settings.secret_values()),
    )
