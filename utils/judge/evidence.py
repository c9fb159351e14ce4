"""All the evidence the cockpit judges by, gathered once: journal, metrics, discipline, gates.

The cards, the compliance export and the broker guard read the same `CockpitEvidence`, so they
can never disagree. Stores are read here and nowhere else on the way to a decision:

    evidence = gather_evidence(stores, settings=settings, root=PROJECT_ROOT, now=now)
    evidence.gates.eligible, evidence.discipline.score, evidence.metrics.expectancy_usd
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict

from utils.records.alerts import Alert, AlertStore, HaltState
from utils.judge.mode import ModeDecision, ModeIntent, resolve_mode
from utils.project.ci_status import CiStatus, ci_status
from utils.judge.coach import CoachReport, coach_report
from utils.core.config import Settings
from utils.judge.discipline import DisciplineReport, KeptDiscipline, evaluate_discipline
from utils.judge.gates import GateReport, evaluate_gates
from utils.judge.ramp import RampDecision, first_live_order_at, ramp_level
from utils.judge.risk import UnderlyingRisk, open_risk_by_underlying
from utils.judge.rollback import rollback_triggers
from utils.journal.store import Journal
from utils.judge.history import ids_of, trades_in_order
from utils.journal.trade import Trade
from utils.judge.metrics import (
    ROLLBACK_WINDOW_TRADES,
    MetricsSummary,
    WindowExpectancy,
    closed_from_judging,
    last_n_expectancy,
    summarize,
)
from utils.records.latch import LatchState, RollbackLatchStore, RollbackTrigger
from utils.records.audit import AuditLog
from utils.records.sandbox import SandboxValidationRecord, SandboxValidationStore
from utils.records.working_orders import WorkingOpening, working_openings
from utils.records.working_version import working_version_of

WORKING_AUDIT_ENTRIES = 5000  # the order book reads as many: older orders have ended


@dataclass(frozen=True)
class EvidenceStores:
    """The persisted stores the evidence is read from (all in the data folder); without an
    audit log no working order is known."""

    journal: Journal
    alerts: AlertStore
    latch: RollbackLatchStore
    sandbox: SandboxValidationStore
    audit: AuditLog | None = None

    def working_openings(self) -> tuple[WorkingOpening, ...]:
        """The opening orders still working (or of unknown outcome), at any broker target."""
        if self.audit is None:
            return ()
        return working_openings(self.audit.entries(limit=WORKING_AUDIT_ENTRIES))

    def data_version(self) -> tuple[int, ...]:
        """A cheap stamp of what the evidence reads: every commit to the journal file but the
        audit log's head anchors, and of the audit log only what the working orders read
        (`WorkingOrdersVersion`): a preview or an export does not move it, an order sent does."""
        if self.audit is None:
            return self.journal.data_version()
        journal = self.audit.journal_version(self.journal.path)
        stamp = working_version_of(self.audit, window=WORKING_AUDIT_ENTRIES).stamp()
        if journal is None:
            return (*self.journal.data_version(), stamp)
        return journal, stamp


class CockpitEvidence(BaseModel):
    """One consistent reading of everything the gates, cards and guard decide on."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    now: datetime
    frame: pd.DataFrame  # the judging frame: every trade, one row each (no model per trade)
    open_trades: tuple[Trade, ...]  # still open (legs for the guard), by id
    window_trades: tuple[Trade, ...]  # the discipline window, by entry
    planned_later: tuple[Trade, ...]  # an exit plan declared after entry (its instants)
    closed: pd.DataFrame
    metrics: MetricsSummary
    last_10: WindowExpectancy
    discipline: DisciplineReport
    gates: GateReport
    coach: CoachReport
    ramp: RampDecision
    triggers: tuple[RollbackTrigger, ...]
    alerts: tuple[Alert, ...]
    halt: HaltState
    latch: LatchState
    ci: CiStatus
    sandbox: SandboxValidationRecord | None
    open_risk: tuple[UnderlyingRisk, ...]
    mode: ModeDecision
    working: tuple[WorkingOpening, ...] = ()


def gather_evidence(
    stores: EvidenceStores,
    *,
    settings: Settings,
    root: Path,
    now: datetime,
    net_liquidating_value_usd: Decimal | None = None,
    ci: CiStatus | None = None,
    judging_frame: pd.DataFrame | None = None,
    closed: pd.DataFrame | None = None,
    read_on: tuple[KeptDiscipline, int] | None = None,
) -> CockpitEvidence:
    """Read every store once and judge: discipline, gates, coach, ramp and rollback triggers.

    `ci` is the CI status and `judging_frame` the journal's judging frame when the caller has
    just read them (e.g. `Journal.judging_read` on from its previous read), with `closed` its
    closed trades (`closed_from_judging`) when it has them, and `read_on` what the discipline
    keeps from the reading before (see `evaluate_discipline`); else they are read here (a
    reading with no reading before it)."""
    frame = stores.journal.judging_frame() if judging_frame is None else judging_frame
    load = stores.journal.trades_by_ids
    closed = closed_from_judging(frame) if closed is None else closed
    alerts = tuple(stores.alerts.alerts())
    working = stores.working_openings()
    discipline = evaluate_discipline(
        frame,
        load_trades=load,
        settings=settings,
        now=now,
        alerts=alerts,
        journaled_sessions=stores.journal.journaled_sessions(),
        working=working,
        read_on=read_on,
    )
    ci = ci_status(root, settings.data_dir) if ci is None else ci
    sandbox = stores.sandbox.latest()
    gates = evaluate_gates(
        trades=frame,
        discipline=discipline,
        alerts=alerts,
        ci=ci,
        sandbox=sandbox,
        settings=settings,
        now=now,
        closed=closed,
    )
    halt = stores.alerts.halt_state()
    latch = stores.latch.state()
    return CockpitEvidence(
        now=now,
        frame=frame,
        open_trades=trades_in_order(load, sorted(ids_of(frame[frame["closed_at"].isna()]))),
        window_trades=trades_in_order(load, discipline.window_trade_ids),
        planned_later=trades_in_order(load, ids_of(frame[frame["later_plans"]])),
        closed=closed,
        metrics=summarize(closed),
        last_10=last_n_expectancy(closed.tail(ROLLBACK_WINDOW_TRADES)),  # (in close order)
        discipline=discipline,
        gates=gates,
        coach=coach_report(
            frame,
            discipline=discipline,
            settings=settings,
            now=now,
            gates=gates,
            load_trades=load,
        ),
        ramp=ramp_level(
            settings=settings,
            now=now,
            first_live_order_at=first_live_order_at(frame),
            trades=frame,
            discipline_score=discipline.score,
            closed=closed,
        ),
        triggers=tuple(
            rollback_triggers(
                trades=frame,
                discipline_score=discipline.score,
                alerts=alerts,
                settings=settings,
                now=now,
            )
        ),
        alerts=alerts,
        halt=halt,
        latch=latch,
        ci=ci,
        sandbox=sandbox,
        open_risk=tuple(
            open_risk_by_underlying(
                frame,
                settings=settings,
                now=now,
                net_liquidating_value_usd=net_liquidating_value_usd,
            )
        ),
        mode=resolve_mode(
            ModeIntent.from_settings(settings),
            gates=gates,
            sandbox=sandbox,
            halt=halt,
            latch=latch,
            now=now,
        ),
        working=working,
    )
