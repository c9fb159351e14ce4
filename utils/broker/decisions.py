"""The guard's decisions as pure functions: a check's result or a broker's answer in, a `Verdict`
out. Nothing here reads a store, writes the audit log or talks to a broker.

A `Verdict` names what a step refuses (`refusals`), the anomalies it found (each with the HIGH
alert it raises; the rollback latch follows) and the risk alerts a denial raises. The stages
(`preview`, `place`, `reconcile`) ask for a verdict and hand it to the `Recorder`, which raises
the alerts and refuses; only `place` sends an order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from utils.broker.checks import dry_run_findings, what_if
from utils.broker.confirmation import ConfirmationRefused, RefusalCode
from utils.broker.fills import MODE_OF_TARGET
from utils.broker.models import GuardCode, GuardReason, PlacementOutcome, WhatIf, reason
from utils.broker.pretrade import PretradeDecision
from utils.broker.order_intent import OrderIntent
from utils.broker.pretrade_context import ReasonCode
from utils.judge.mode import BrokerTarget, ModeDecision
from utils.records.alerts import AlertRule, HaltState
from utils.records.audit import AuditVerification
from utils.spreads.legs import PositionEffect
from utils.tastytrade.errors import (
    AuthenticationError,
    MalformedResponse,
    PreflightRejected,
    RateLimited,
    ServerError,
    TastytradeApiError,
    TastytradeError,
    TransportError,
)
from utils.tastytrade.orders import NewOrder, OrderResponse

# Account flags that are anomalies (a HIGH alert and the latch), not only refusals.
ACCOUNT_FLAG_ANOMALIES = frozenset(
    {
        GuardCode.ACCOUNT_CLOSED,
        GuardCode.ACCOUNT_FROZEN,
        GuardCode.ACCOUNT_CLOSING_ONLY,
        GuardCode.ACCOUNT_MARGIN_CALL,
    }
)


class Anomaly(BaseModel):
    """An anomaly found: its reason and the HIGH alert it raises (the rollback latch follows)."""

    model_config = ConfigDict(frozen=True)

    finding: GuardReason
    rule: Literal[AlertRule.AUTH_ANOMALY, AlertRule.ORDER_ANOMALY] = AlertRule.ORDER_ANOMALY


class RiskAlert(BaseModel):
    """A HIGH alert that an order refused for risk raises."""

    model_config = ConfigDict(frozen=True)

    rule: AlertRule
    message: str


class Verdict(BaseModel):
    """What one step decided: what it refuses, the anomalies and risk alerts it found."""

    model_config = ConfigDict(frozen=True)

    refusals: tuple[GuardReason, ...] = ()
    anomalies: tuple[Anomaly, ...] = ()
    risk_alerts: tuple[RiskAlert, ...] = ()

    @property
    def passed(self) -> bool:
        """True when the step found nothing to refuse and no anomaly."""
        return not self.refusals and not self.anomalies

    @property
    def findings(self) -> tuple[GuardReason, ...]:
        """Every refusal, then every anomaly's reason."""
        return (*self.refusals, *(a.finding for a in self.anomalies))


def refuse(code: GuardCode, sentence: str, **evidence: object) -> Verdict:
    """A verdict with one refusal."""
    return Verdict(refusals=(reason(code, sentence, **evidence),))


def chain_verdict(check: AuditVerification, position_effect: PositionEffect) -> Verdict:
    """An opening order needs an intact audit chain; a closing order passes whatever its state."""
    if check.ok or position_effect is PositionEffect.CLOSING:
        return Verdict()
    return refuse(
        GuardCode.AUDIT_CHAIN_BROKEN,
        f"The audit log cannot be trusted: {check.message}. Opening orders are refused "
        "until it is restored; closing orders and cancels still pass.",
        first_broken_seq=check.first_broken_seq,
        problem=check.problem,
    )


def broker_error_verdict(
    error: TastytradeError, target: BrokerTarget | None, what: str = ""
) -> Verdict:
    """A broker error on a read: an auth failure against LIVE is an anomaly, else a refusal.

    `what` names the step ("Reading the account") at the head of the sentence.
    """
    anomaly = False
    if isinstance(error, AuthenticationError):
        found = reason(
            GuardCode.BROKER_AUTH_FAILED,
            f"The {target or 'target'} broker refused the login: {error}",
        )
        anomaly = target is BrokerTarget.LIVE
    elif isinstance(error, TransportError):
        found = reason(GuardCode.BROKER_UNREACHABLE, str(error))
    elif isinstance(error, RateLimited):
        found = reason(GuardCode.BROKER_RATE_LIMITED, str(error))
    else:
        found = reason(GuardCode.BROKER_ERROR, str(error))
    if what:
        found = found.model_copy(update={"sentence": f"{what}: {found.sentence}"})
    if anomaly:
        return Verdict(anomalies=(Anomaly(finding=found, rule=AlertRule.AUTH_ANOMALY),))
    return Verdict(refusals=(found,))


def account_verdict(flags: Sequence[GuardReason]) -> Verdict:
    """Account flags as a verdict: closed, frozen, closing-only and a margin call are anomalies."""
    return Verdict(
        refusals=tuple(f for f in flags if f.code not in ACCOUNT_FLAG_ANOMALIES),
        anomalies=tuple(Anomaly(finding=f) for f in flags if f.code in ACCOUNT_FLAG_ANOMALIES),
    )


def close_mismatch(
    trade: Any, intent: OrderIntent, target: BrokerTarget | None, open_units: int | None = None
) -> str | None:
    """Why a closing order does not close this journaled trade (None when it does): its legs
    reversed, scaled to a number of units from 1 to the `open_units` left (all by default)."""
    if trade.closed_at is not None:
        return "it is already closed"
    if target is None or trade.mode is not MODE_OF_TARGET[target]:
        return f"it ran in {trade.mode} and this order goes to {target}"
    left = trade.quantity if open_units is None else open_units
    units = intent.spread.quantity
    expected = sorted(
        (leg.occ_symbol, leg.action.closing_counterpart.value, leg.quantity // trade.quantity)
        for leg in trade.legs
    )
    given = sorted((leg.occ, leg.action.value, leg.quantity // units) for leg in intent.spread.legs)
    if expected != given or not 1 <= units <= left:
        return (
            f"its legs per unit are {'; '.join(f'{a} {q} {s}' for s, a, q in expected)}, "
            f"for 1 to {left} unit(s)"
        )
    return None


def pretrade_verdict(decision: PretradeDecision, *, at_placement: bool) -> Verdict:
    """The pre-trade checks' denials as refusals; at placement (right before a submit) also their
    risk alerts and a duplicate order as the anomaly of a duplicate submit.

    A preview is a question, not an attempt: its refusal is shown and audited, never alerted.
    """
    if decision.allowed:
        return Verdict()
    refusals, anomalies = [], []
    for check in decision.denials:
        if at_placement and check.code is ReasonCode.DUPLICATE_ORDER:
            duplicate = reason(
                GuardCode.DUPLICATE_SUBMIT, f"Duplicate submit refused: {check.sentence}"
            )
            anomalies.append(Anomaly(finding=duplicate))
            continue
        refusals.append(
            GuardReason(code=check.code, sentence=check.sentence, evidence=dict(check.evidence))
        )
    return Verdict(
        refusals=tuple(refusals),
        anomalies=tuple(anomalies),
        risk_alerts=tuple(
            RiskAlert(rule=rule, message=decision.sentence)
            for rule in (decision.refusal_alerts if at_placement else ())
        ),
    )


def entry_during_halt_verdict(intent: OrderIntent, halt: HaltState, now: datetime) -> Verdict:
    """An order that opens, confirmed at placement while a halt is in force: refused with the
    HIGH alert of an entry attempted during a halt (the halt is named, never quoted)."""
    if intent.position_effect is PositionEffect.CLOSING or not halt.in_force(now):
        return Verdict()
    until = f" until {halt.until.isoformat()}" if halt.until else ""
    cause = f" ({halt.cause})" if halt.cause else ""
    sentence = f"An entry was placed while entries are halted{until}{cause}; nothing was sent."
    return Verdict(
        refusals=(reason(ReasonCode.HALTED, sentence),),
        risk_alerts=(RiskAlert(rule=AlertRule.ENTRY_DURING_HALT, message=sentence),),
    )


class DryRunVerdict(BaseModel):
    """The broker's dry-run judged: how it ended (for the audit log), the verdict, the figures."""

    model_config = ConfigDict(frozen=True)

    outcome: str
    verdict: Verdict
    what_if: WhatIf | None = None


def dry_run_answer_verdict(response: OrderResponse, sent: NewOrder) -> DryRunVerdict:
    """A 2xx dry-run answer: clean, or refusals (errors, warnings) and anomalies (no echo,
    another order's echo, no buying-power effect or fees)."""
    refusals, anomalies = dry_run_findings(response, sent)
    return DryRunVerdict(
        outcome="answered",
        verdict=Verdict(
            refusals=tuple(refusals), anomalies=tuple(Anomaly(finding=a) for a in anomalies)
        ),
        what_if=what_if(response),
    )


def dry_run_error_verdict(error: TastytradeError, target: BrokerTarget | None) -> DryRunVerdict:
    """A dry-run that failed: a rejection refuses; no usable answer is an anomaly."""
    if isinstance(error, PreflightRejected):
        found = reason(
            GuardCode.DRY_RUN_REJECTED,
            "The broker's dry-run refused the order: "
            + ("; ".join(e.describe() for e in error.errors) or error.message)
            + ".",
        )
        figures = what_if(error.response) if error.response is not None else None
        return DryRunVerdict(
            outcome="rejected", verdict=Verdict(refusals=(found,)), what_if=figures
        )
    if isinstance(error, (MalformedResponse, TransportError, ServerError)):
        code = (
            GuardCode.DRY_RUN_UNREADABLE
            if isinstance(error, MalformedResponse)
            else GuardCode.DRY_RUN_MISSING
        )
        found = reason(code, f"The broker's dry-run gave no usable answer: {error}")
        return DryRunVerdict(
            outcome="missing", verdict=Verdict(anomalies=(Anomaly(finding=found),))
        )
    if isinstance(error, AuthenticationError):
        return DryRunVerdict(
            outcome="auth_failed", verdict=broker_error_verdict(error, target, "The dry-run")
        )
    if isinstance(error, TastytradeApiError):
        code = (
            GuardCode.BROKER_RATE_LIMITED
            if isinstance(error, RateLimited)
            else GuardCode.DRY_RUN_REJECTED
        )
        found = reason(code, f"The broker's dry-run refused the order: {error}")
        return DryRunVerdict(outcome="refused", verdict=Verdict(refusals=(found,)))
    found = reason(GuardCode.DRY_RUN_MISSING, f"The dry-run could not be sent: {error}")
    return DryRunVerdict(outcome="not_sent", verdict=Verdict(refusals=(found,)))


def blocked_by_dry_run(decision: ModeDecision) -> GuardReason:
    """Why a previewed order stops at the dry-run: the mode and the reasons it does not submit."""
    return reason(
        GuardCode.BLOCKED_BY_DRY_RUN,
        f"Blocked by dry-run ({decision.label}): nothing was placed. "
        + " ".join(r.sentence for r in decision.dry_run_reasons),
    )


def confirmation_verdict(refused: ConfirmationRefused) -> Verdict:
    """A refused confirmation refuses the order; a replayed one is also a duplicate submit."""
    found = reason(refused.code, refused.message)
    if refused.code is not RefusalCode.CONFIRMATION_REPLAYED:
        return Verdict(refusals=(found,))
    duplicate = reason(GuardCode.DUPLICATE_SUBMIT, f"Duplicate submit refused: {refused.message}")
    return Verdict(refusals=(found,), anomalies=(Anomaly(finding=duplicate),))


def submit_error_verdict(
    error: TastytradeError, target: BrokerTarget | None
) -> tuple[PlacementOutcome, Verdict]:
    """The broker answered the order POST with an error: how the placement ends, and why.

    A timeout (`OrderOutcomeUnknown`) and a 5xx (`ServerError`) are not decided here: the order
    may exist, so the place stage looks it up.
    """
    if isinstance(error, AuthenticationError):
        return PlacementOutcome.REFUSED, broker_error_verdict(error, target)
    if isinstance(error, RateLimited):
        return PlacementOutcome.REFUSED, refuse(
            GuardCode.BROKER_RATE_LIMITED, f"The order was not accepted: {error}"
        )
    if not isinstance(error, TastytradeApiError):
        # Raised before the POST left (login, transport, a request the client refused).
        return PlacementOutcome.REFUSED, refuse(
            GuardCode.BROKER_ERROR, f"The order was not sent: {error}"
        )
    found = reason(GuardCode.ORDER_REJECTED, f"The broker rejected the order: {error}")
    return PlacementOutcome.REJECTED, Verdict(anomalies=(Anomaly(finding=found),))
