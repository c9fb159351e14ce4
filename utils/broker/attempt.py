"""One call to the broker guard, and how a step refuses it.

An `Attempt` carries what every audit entry of one call needs (correlation id, the moment, the
mode decided, the broker host, the masked account). A step that refuses raises `Refused` with its
reasons and anomalies; the facade turns it into the answer a card shows. `Refused` never leaves
the guard's modules.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from utils.broker.clients import BrokerPort
from utils.broker.models import GuardReason, GuardReasonCode, WhatIf, reason
from utils.broker.pretrade import PretradeDecision
from utils.judge.mode import BrokerTarget, ModeDecision
from utils.records.sandbox import mask_account

UNDECIDED = "UNDECIDED"


@dataclass
class Attempt:
    """One call's context: correlation id, moment, decision and where it goes."""

    correlation_id: str
    now: datetime
    decision: ModeDecision | None = None
    host: str | None = None
    account: str = ""
    order_text: str = ""
    mode_text: str | None = None
    submitted: bool = False
    client: BrokerPort | None = None
    evidence_error: str = ""

    @property
    def mode_label(self) -> str:
        """The mode every audit entry of this call records (UNDECIDED before a decision)."""
        if self.decision is not None:
            return self.decision.label
        return self.mode_text or UNDECIDED

    @property
    def target(self) -> BrokerTarget | None:
        """The broker the decided mode sends to (None before a decision)."""
        return None if self.decision is None else self.decision.target


class Refused(Exception):
    """Unwinds an attempt with its reasons and anomalies (the anomalies' alerts are raised)."""

    def __init__(
        self,
        reasons: Sequence[GuardReason],
        anomalies: Sequence[GuardReason] = (),
        *,
        what_if: WhatIf | None = None,
        pretrade: PretradeDecision | None = None,
    ) -> None:
        super().__init__("; ".join(r.code for r in (*reasons, *anomalies)))
        self.reasons = tuple(reasons)
        self.anomalies = tuple(anomalies)
        self.what_if = what_if
        self.pretrade = pretrade

    @property
    def sentences(self) -> str:
        """Every reason's and anomaly's sentence, in order, as one text."""
        return " ".join(r.sentence for r in (*self.reasons, *self.anomalies))


def refusal(code: GuardReasonCode, sentence: str, **evidence: object) -> Refused:
    """A refusal with one reason."""
    return Refused([reason(code, sentence, **evidence)])


def unique(reasons: Sequence[GuardReason]) -> tuple[GuardReason, ...]:
    """Reasons without repeats (same code and sentence), first seen first."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for item in reasons:
        if (item.code, item.sentence) not in seen:
            seen.add((item.code, item.sentence))
            kept.append(item)
    return tuple(kept)


def new_correlation_id() -> str:
    """A fresh correlation id for a call that has none yet."""
    return uuid.uuid4().hex


def masked_path(account_number: str, order_id: int | None = None, *, dry_run: bool = False) -> str:
    """The orders path of an account as the audit log records it (account number masked)."""
    path = f"/accounts/{mask_account(account_number)}/orders"
    if dry_run:
        return path + "/dry-run"
    return path if order_id is None else f"{path}/{order_id}"
