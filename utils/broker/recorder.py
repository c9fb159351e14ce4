"""The guard's trail: every step into the audit log, anomalies into HIGH alerts and the rollback
latch, and a `Verdict` into a refusal.

A failed audit write raises `AuditWriteError` (the order stops there); a failed alert or latch
write is logged and the order path goes on (the refusal itself stands). The audit chain is
checked here too: in full when the guard is built, cheaply before every order; a broken chain
raises one HIGH alert per cause and session.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from utils.broker.attempt import Attempt, Refused
from utils.broker.decisions import Verdict, chain_verdict
from utils.broker.models import GuardCode, GuardReason, WhatIf, reason
from utils.broker.pretrade import PretradeDecision
from utils.judge.rollback import ANOMALY_TRIGGERS
from utils.records.latch import LatchState, RollbackLatchStore, RollbackTrigger
from utils.judge.mode import ModeDecision
from utils.records.alerts import AlertRule, AlertStore, HaltState
from utils.records.audit import AuditKind, AuditLog, AuditVerification, AuditWriteError
from utils.core.sessions import session_of
from utils.spreads.legs import PositionEffect

logger = logging.getLogger(__name__)


class Recorder:
    """Writes an attempt's steps to the audit log and raises its alerts and latch."""

    def __init__(self, audit: AuditLog, alerts: AlertStore, latch: RollbackLatchStore) -> None:
        self.audit = audit
        self._alerts = alerts
        self._latch = latch
        self._chain_alert_lock = threading.Lock()

    # -- the audit log ---------------------------------------------------------------------

    def write(self, attempt: Attempt, kind: AuditKind, body: dict[str, Any]) -> None:
        """One audit entry of this attempt; AuditWriteError propagates (the order stops)."""
        self.audit.append(
            kind,
            correlation_id=attempt.correlation_id,
            effective_mode=attempt.mode_label,
            target_host=attempt.host,
            body=body,
        )

    def write_decision(self, attempt: Attempt, decision: ModeDecision) -> None:
        """The mode an order runs in, with its reasons."""
        self.write(
            attempt,
            AuditKind.GUARD_DECISION,
            {
                "stage": "mode",
                "mode": decision.label,
                "target": decision.target.value,
                "dry_run": decision.dry_run,
                "closing_orders_submit": decision.closing_orders_submit,
                "codes": list(decision.codes),
                "reasons": [r.sentence for r in decision.reasons],
            },
        )

    def write_pretrade(self, attempt: Attempt, stage: str, decision: PretradeDecision) -> None:
        """The pre-trade checks' decision at one stage of the order."""
        self.write(
            attempt,
            AuditKind.GUARD_DECISION,
            {
                "stage": stage,
                "allowed": decision.allowed,
                "codes": [str(c) for c in decision.codes],
                "reasons": [c.sentence for c in decision.denials],
            },
        )

    def write_preflight(
        self,
        attempt: Attempt,
        outcome: str,
        findings: Sequence[GuardReason],
        figures: WhatIf | None,
    ) -> None:
        """What the broker's dry-run answered, and what the guard found in it."""
        self.write(
            attempt,
            AuditKind.PREFLIGHT_RESULT,
            {
                "outcome": outcome,
                "codes": [f.code for f in findings],
                "findings": [f.sentence for f in findings],
                "what_if": None if figures is None else figures.model_dump(mode="json"),
            },
        )

    def write_answer(self, attempt: Attempt, outcome: str, body: dict[str, Any]) -> bool:
        """Audit the broker's answer to an order POST; the order exists by then, so a failed
        write is raised as an alert and reported (False), never used to hide the order."""
        try:
            self.write(attempt, AuditKind.BROKER_ANSWER, {"outcome": outcome, **body})
            return True
        except AuditWriteError as error:
            self.audit_failed(attempt, error)
            return False

    def audit_failed(self, attempt: Attempt, error: AuditWriteError) -> GuardReason:
        """The reason for a failed audit write, its HIGH alert stored (not audited: it failed)."""
        found = reason(
            GuardCode.AUDIT_WRITE_FAILED,
            f"The audit log could not record this step ({error}); nothing more was sent.",
        )
        self.store_alert(AlertRule.AUDIT_WRITE_FAILURE, found.sentence, attempt.correlation_id)
        return found

    # -- alerts, latch, anomalies ----------------------------------------------------------

    def store_alert(self, rule: AlertRule, message: str, order_ref: str) -> int | None:
        """Store a HIGH alert (and its halt) without an audit entry; None when the store failed."""
        try:
            return self._alerts.raise_alert(rule, message, order_ref=order_ref).id
        except sqlite3.Error as error:
            logger.error("HIGH alert %s could not be stored: %s", rule, error)
            return None

    def raise_alert(self, attempt: Attempt, rule: AlertRule, message: str) -> int | None:
        """Store a HIGH alert (and its halt) and audit it; None when the store failed."""
        alert_id = self.store_alert(rule, message, attempt.correlation_id)
        if alert_id is None:
            return None
        halt = self.read_halt()
        self.write(
            attempt,
            AuditKind.HALT,
            {
                "alert_id": alert_id,
                "rule": str(rule),
                "message": message,
                "halt_until": (
                    None if halt is None or halt.until is None else halt.until.isoformat()
                ),
            },
        )
        return alert_id

    def set_latch(self, attempt: Attempt, triggers: Sequence[RollbackTrigger]) -> None:
        """Set the rollback latch for these triggers; audit it when it changed."""
        try:
            before = self._latch.state()
            after = self._latch.set(triggers)
        except sqlite3.Error as error:
            logger.error("the rollback latch could not be set: %s", error)
            return
        if set(after.codes) != set(before.codes) or before.active != after.active:
            self.write(
                attempt,
                AuditKind.LATCH,
                {"active": after.active, "codes": [str(c) for c in after.codes]},
            )

    def anomaly(self, attempt: Attempt, found: GuardReason, rule: AlertRule) -> GuardReason:
        """Raise the HIGH alert and set the rollback latch for an anomaly; return it with the
        alert's id in its evidence."""
        alert_id = self.raise_alert(attempt, rule, found.sentence)
        trigger = RollbackTrigger(
            code=ANOMALY_TRIGGERS[rule],
            sentence=found.sentence,
            evidence={"alert_id": str(alert_id), "reason": found.code},
        )
        self.set_latch(attempt, [trigger])
        return found.model_copy(update={"evidence": {**found.evidence, "alert_id": str(alert_id)}})

    def record(
        self, attempt: Attempt, verdict: Verdict
    ) -> tuple[tuple[GuardReason, ...], tuple[GuardReason, ...]]:
        """Raise a verdict's anomalies, then its risk alerts; (refusals, anomalies) recorded."""
        anomalies = tuple(self.anomaly(attempt, a.finding, a.rule) for a in verdict.anomalies)
        for alert in verdict.risk_alerts:
            self.raise_alert(attempt, alert.rule, alert.message)
        return verdict.refusals, anomalies

    def refusal(
        self,
        attempt: Attempt,
        verdict: Verdict,
        *,
        what_if: WhatIf | None = None,
        pretrade: PretradeDecision | None = None,
    ) -> Refused:
        """Record a verdict that refuses; the refusal to raise."""
        refusals, anomalies = self.record(attempt, verdict)
        return Refused(refusals, anomalies, what_if=what_if, pretrade=pretrade)

    def enforce(
        self,
        attempt: Attempt,
        verdict: Verdict,
        *,
        what_if: WhatIf | None = None,
        pretrade: PretradeDecision | None = None,
    ) -> None:
        """Nothing when the verdict passed; otherwise record it and refuse."""
        if not verdict.passed:
            raise self.refusal(attempt, verdict, what_if=what_if, pretrade=pretrade)

    # -- halt and latch as the mode reads them ---------------------------------------------

    def read_halt(self) -> HaltState | None:
        """The entry halt now; None when it cannot be read (it then counts as in force)."""
        try:
            return self._alerts.halt_state()
        except sqlite3.Error as error:
            logger.error("the entry halt could not be read: %s", error)
            return None

    def read_latch(self) -> LatchState | None:
        """The rollback latch; None when it cannot be read (it then counts as set)."""
        try:
            return self._latch.state()
        except sqlite3.Error as error:
            logger.error("the rollback latch could not be read: %s", error)
            return None

    # -- the audit chain -------------------------------------------------------------------

    def require_intact_chain(self, attempt: Attempt, position_effect: PositionEffect) -> None:
        """An opening order needs an intact audit chain; a closing order passes (audited)."""
        check = self.audit.check_chain(full=False)
        self.alert_broken_chain(attempt, check)
        verdict = chain_verdict(check, position_effect)
        if verdict.passed:
            return
        self.write(
            attempt,
            AuditKind.GUARD_DECISION,
            {"stage": "audit_chain", "allowed": False, "codes": [r.code for r in verdict.refusals]},
        )
        self.enforce(attempt, verdict)

    def alert_broken_chain(self, attempt: Attempt, check: AuditVerification) -> None:
        """One HIGH alert per cause (its message) and session for a broken chain."""
        if check.ok:
            return
        with self._chain_alert_lock:
            try:
                seen = any(
                    alert.rule is AlertRule.AUDIT_CHAIN_BROKEN and alert.message == check.message
                    for alert in self._alerts.alerts(session_of(attempt.now))
                )
            except sqlite3.Error as error:
                logger.error("HIGH alerts could not be read: %s", error)
                seen = False
            if not seen:
                logger.error("the audit chain is broken: %s", check.message)
                self.raise_alert(attempt, AlertRule.AUDIT_CHAIN_BROKEN, check.message)
