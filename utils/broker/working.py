"""Opening orders still working at a broker, read from the audit log so a restart forgets none.

An opening order counts as an open spread (for concurrency and the per-underlying risk) from its
`submit_attempt` until the audit log shows its end: a fill (journaled, it counts as an open
trade instead), a broker error to its POST, or a terminal status seen by the POST's answer, a
cancel or a reconcile. An order whose outcome is unknown keeps counting (fail closed).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from utils.broker.fills import ENDED_STATUSES
from utils.broker.order_intent import OpenPosition, OrderIntent
from utils.records.audit import AuditEntry, AuditKind
from utils.spreads.fees import FeeSchedule, fee_aware_max_loss_usd, order_fees
from utils.spreads.legs import PositionEffect

TERMINAL_STATUSES = ENDED_STATUSES | {"Rejected"}
ORDER_ENDED_STAGE = "order_ended"


def order_max_loss_usd(intent: OrderIntent) -> Decimal | None:
    """The order's fee-aware max loss, as the pre-trade checks count it."""
    fees = order_fees(intent.spread, FeeSchedule(), intent.dry_run)
    return fee_aware_max_loss_usd(intent.spread, fees)


def _ends_order(entry: AuditEntry) -> bool:
    body = entry.body
    if entry.kind == AuditKind.FILL:
        return True
    if entry.kind == AuditKind.BROKER_ANSWER:
        return body.get("outcome") == "error" or body.get("status") in TERMINAL_STATUSES
    if entry.kind == AuditKind.CANCEL:
        return body.get("stage") == "answered" and body.get("status") in TERMINAL_STATUSES
    return entry.kind == AuditKind.GUARD_DECISION and body.get("stage") == ORDER_ENDED_STAGE


def _working_position(entry: AuditEntry) -> OpenPosition | None:
    body = entry.body
    if body.get("position_effect") != PositionEffect.OPENING.value:
        return None
    try:
        max_loss = Decimal(str(body["max_loss_usd"]))
    except (KeyError, InvalidOperation):
        return None
    client_id = body.get("client_order_id") or body.get("external_identifier") or "unknown"
    return OpenPosition(
        position_id=f"working order {client_id}",
        underlying=str(body.get("underlying", "")),
        max_loss_usd=max_loss,
    )


def working_openings(entries: Iterable[AuditEntry], target: str | None) -> tuple[OpenPosition, ...]:
    """The opening orders sent to `target` (any target when None) that have not ended yet."""
    submitted: dict[str, OpenPosition] = {}
    ended: set[str] = set()
    for entry in entries:
        if entry.kind == AuditKind.SUBMIT_ATTEMPT:
            if target is not None and entry.body.get("target") != target:
                continue
            position = _working_position(entry)
            if position is not None:
                submitted[entry.correlation_id] = position
        elif _ends_order(entry):
            ended.add(entry.correlation_id)
    return tuple(p for cid, p in submitted.items() if cid not in ended)
