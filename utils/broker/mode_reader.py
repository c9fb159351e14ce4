"""The first step of every guard call: read the evidence, the halt and the latch, and decide the
effective mode (`utils.judge.mode.resolve_mode`, a pure function) at the attempt's moment.

Rollback triggers holding now set the persisted latch first (a read-only call counts the latch
as set without writing it). An evidence provider that raises locks LIVE: the decision is taken
without gates or sandbox record, and the order path refuses with EVIDENCE_UNAVAILABLE. A change
of mode is audited once (MODE_CHANGE).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from utils.broker.attempt import Attempt
from utils.broker.clients import BrokerUnavailable, ClientFactory, host_of
from utils.broker.models import EvidenceProvider, GuardEvidence
from utils.broker.recorder import Recorder
from utils.records.latch import LatchState
from utils.judge.mode import ModeDecision, ModeIntent, resolve_mode
from utils.records.alerts import HaltState
from utils.records.audit import AuditKind

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reading:
    """The mode decided for an attempt, with the evidence and halt it was decided on."""

    decision: ModeDecision
    evidence: GuardEvidence | None
    halt: HaltState | None


class ModeReader:
    """Decides the effective mode of each attempt and audits a change of mode."""

    def __init__(
        self,
        intent: ModeIntent,
        *,
        evidence: EvidenceProvider,
        recorder: Recorder,
        clients: ClientFactory,
    ) -> None:
        self.intent = intent
        self._evidence = evidence
        self._recorder = recorder
        self._clients = clients
        self._last_mode: tuple[str, str] | None = None

    def read(self, attempt: Attempt, *, audit: bool = True) -> Reading:
        """Read the evidence, halt and latch; resolve the mode; audit a change of mode.

        Sets the attempt's decision, and its client and host when the target's client exists.
        """
        now = attempt.now
        evidence: GuardEvidence | None
        try:
            evidence = self._evidence(now)
        except Exception as error:  # the evidence provider is the app's; any failure locks LIVE
            logger.exception("the guard's evidence could not be read")
            attempt.evidence_error = f"{type(error).__name__}: {error}"
            evidence = None
        halt = self._recorder.read_halt()
        latch = self._recorder.read_latch()
        triggers = () if evidence is None else evidence.rollback_triggers
        if triggers:
            if audit:
                self._recorder.set_latch(attempt, triggers)
                latch = self._recorder.read_latch()
            if latch is not None and not latch.active:
                # Not yet persisted (a read-only call): the decision counts the latch as set.
                latch = LatchState(active=True, set_at=now, triggers=tuple(triggers))
        decision = resolve_mode(
            self.intent,
            gates=None if evidence is None else evidence.gates,
            sandbox=None if evidence is None else evidence.sandbox,
            halt=halt,
            latch=latch,
            now=now,
        )
        attempt.decision = decision
        try:
            attempt.client = self._clients(decision.target)
            attempt.host = host_of(attempt.client)
        except BrokerUnavailable:
            attempt.client = None  # the order path refuses with BROKER_UNAVAILABLE
        if audit:
            self._note_change(attempt, decision)
        return Reading(decision=decision, evidence=evidence, halt=halt)

    def _note_change(self, attempt: Attempt, decision: ModeDecision) -> None:
        current = (decision.label, decision.target.value)
        if current == self._last_mode:
            return
        self._recorder.write(
            attempt,
            AuditKind.MODE_CHANGE,
            {
                "from": None if self._last_mode is None else self._last_mode[0],
                "to": decision.label,
                "target": decision.target.value,
                "requested": decision.requested,
                "codes": list(decision.codes),
            },
        )
        self._last_mode = current
