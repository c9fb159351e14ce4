"""How the guard words its answers: the `Preview`, `Placement`, `CancelResult` and status error a
card shows as they are. Pure: an attempt and what was decided in, a frozen model out.
"""

from __future__ import annotations

from collections.abc import Sequence

from utils.broker.attempt import Attempt, Refused, unique
from utils.broker.checks import filled_units, net_fill_per_unit
from utils.broker.confirmation import IssuedConfirmation
from utils.broker.in_flight import Placed
from utils.broker.models import (
    BrokerStatus,
    CancelOutcome,
    CancelResult,
    GuardReason,
    Placement,
    PlacementOutcome,
    Preview,
    PreviewOutcome,
    WhatIf,
)
from utils.broker.pretrade import PretradeDecision
from utils.judge.mode import ModeDecision
from utils.records.sandbox import mask_account
from utils.tastytrade.orders import Order


def ready_preview(
    attempt: Attempt,
    decision: ModeDecision,
    pretrade: PretradeDecision,
    figures: WhatIf,
    issued: IssuedConfirmation,
    ttl_s: int,
) -> Preview:
    """A clean dry-run in a submitting mode: the confirmation token, valid `ttl_s` seconds."""
    return Preview(
        outcome=PreviewOutcome.READY_TO_CONFIRM,
        correlation_id=attempt.correlation_id,
        mode=decision,
        target_host=attempt.host,
        account=attempt.account,
        order=attempt.order_text,
        pretrade=pretrade,
        what_if=figures,
        confirmation_token=issued.token,
        confirmation_ref=issued.reference,
        expires_at=issued.expires_at,
        message=f"Ready to place in {decision.label} on {attempt.host}: {figures.sentence} "
        f"Confirm within {ttl_s} s; the confirmation places this exact order once.",
    )


def blocked_preview(
    attempt: Attempt,
    decision: ModeDecision,
    why: GuardReason,
    pretrade: PretradeDecision,
    figures: WhatIf,
) -> Preview:
    """A clean dry-run in a dry-run mode: what would have happened, nothing placed."""
    return Preview(
        outcome=PreviewOutcome.BLOCKED_BY_DRY_RUN,
        correlation_id=attempt.correlation_id,
        mode=decision,
        target_host=attempt.host,
        account=attempt.account,
        order=attempt.order_text,
        reasons=(why,),
        pretrade=pretrade,
        what_if=figures,
        message=f"Blocked by dry-run ({decision.label}): nothing was placed. Had it been "
        f"sent, the broker says: {figures.sentence}",
    )


def refused_preview(attempt: Attempt, refused: Refused) -> Preview:
    """A preview a check, the dry-run or a failure refused."""
    return Preview(
        outcome=PreviewOutcome.REFUSED,
        correlation_id=attempt.correlation_id,
        mode=attempt.decision,
        target_host=attempt.host,
        account=attempt.account,
        order=attempt.order_text,
        reasons=refused.reasons,
        anomalies=refused.anomalies,
        pretrade=refused.pretrade,
        what_if=refused.what_if,
        message=f"Refused: {refused.sentences}",
    )


def placement(
    attempt: Attempt,
    placed: Placed,
    outcome: PlacementOutcome,
    reasons: Sequence[GuardReason],
    anomalies: Sequence[GuardReason],
    order: Order | None,
    *,
    journaling: bool,
) -> Placement:
    """An order that reached the broker, as it stands (`journaling`: the guard has a journal)."""
    all_anomalies = unique([*placed.anomalies, *anomalies])
    net = None if order is None else net_fill_per_unit(order)
    filled, units = (0, 0) if order is None else filled_units(order)
    status = None if order is None else order.status
    if placed.journal_trade_id:
        journaled = f"; journaled as trade {placed.journal_trade_id}."
    else:
        journaled = "; not journaled (see below)." if journaling else "."
    text = {
        PlacementOutcome.FILLED: f"Filled at {abs(net or 0):.2f} per spread{journaled}",
        PlacementOutcome.PARTIALLY_FILLED: f"Partially filled: {filled} of {units} unit(s); "
        "each fill is journaled as it comes (see the order book on the Broker card).",
        PlacementOutcome.WORKING: f"Working at the broker ({status}); follow or cancel it in "
        "the order book on the Broker card.",
        PlacementOutcome.CANCELLED: f"The order ended {status}.",
        PlacementOutcome.REJECTED: "Rejected by the broker.",
        PlacementOutcome.UNKNOWN: "Its fate is unknown: do not resend it; check the "
        "broker's live orders for this identifier.",
        PlacementOutcome.REFUSED: "Not accepted by the broker.",
    }.get(outcome, "")
    extra = " ".join(r.sentence for r in (*reasons, *all_anomalies))
    return Placement(
        outcome=outcome,
        correlation_id=attempt.correlation_id,
        mode=placed.mode_label,
        target_host=placed.host,
        account=mask_account(placed.pending.account_number),
        order_id=placed.order_id,
        external_identifier=placed.external_identifier,
        status=status,
        limit_price=placed.pending.intent.limit_price,
        fill_price=net,
        journal_trade_id=placed.journal_trade_id,
        reasons=tuple(reasons),
        anomalies=all_anomalies,
        message=f"Order {placed.order_id or placed.external_identifier} "
        f"({placed.mode_label}, {placed.host}): {text} {extra}".strip(),
    )


def refused_placement(attempt: Attempt, refused: Refused) -> Placement:
    """A placement refused before anything was sent."""
    return Placement(
        outcome=PlacementOutcome.REFUSED,
        correlation_id=attempt.correlation_id,
        mode=attempt.mode_label,
        target_host=attempt.host,
        account=attempt.account,
        reasons=refused.reasons,
        anomalies=refused.anomalies,
        message=f"Refused, nothing was sent: {refused.sentences}",
    )


def refused_cancel(attempt: Attempt, order_id: int, refused: Refused) -> CancelResult:
    """A cancel that was not sent, or that the broker refused."""
    return CancelResult(
        outcome=CancelOutcome.REFUSED,
        correlation_id=attempt.correlation_id,
        order_id=order_id,
        reasons=refused.reasons + refused.anomalies,
        message=f"Cancel not sent: {refused.sentences}",
    )


def status_error(decision: ModeDecision, attempt: Attempt, error: GuardReason) -> BrokerStatus:
    """The Broker card when the broker could not be read: the mode and why."""
    return BrokerStatus(
        requested=decision.requested,
        mode=decision,
        target_host=attempt.host,
        read_at=attempt.now,
        error=error,
        message=f"{decision.sentence} The broker could not be read: {error.sentence}",
    )
