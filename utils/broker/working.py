"""Opening orders still working at a broker, read from the audit log so a restart forgets none.

An opening order counts as an open spread (for concurrency and the per-underlying risk) from its
`submit_attempt` until the audit log shows its end: a fill (journaled, it counts as an open
trade instead), a broker error to its POST, or a terminal status seen by the POST's answer, a
cancel or a reconcile. An order whose outcome is unknown keeps counting (fail closed).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict

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


class AuditedOrder(BaseModel):
    """An order the cockpit sent and the audit log does not show ended: what the order book
    needs to show it, reconcile it and cancel it after a restart."""

    model_config = ConfigDict(frozen=True)

    correlation_id: str
    submitted_at: datetime
    target: str
    mode_label: str
    order_id: int | None
    external_identifier: str
    position_effect: str
    underlying: str
    order: dict[str, Any]
    plan: dict[str, Any] | None = None
    estimated_fees_usd: str | None = None


def _order_id_of(entry: AuditEntry) -> int | None:
    if entry.kind != AuditKind.BROKER_ANSWER:
        return None
    value = entry.body.get("order_id")
    return value if isinstance(value, int) else None


def audited_orders(entries: Iterable[AuditEntry]) -> tuple[AuditedOrder, ...]:
    """Every order submitted (opening or closing) whose end the audit log does not show,
    oldest first, with the broker's order id once its answer was audited."""
    submitted: dict[str, AuditEntry] = {}
    order_ids: dict[str, int] = {}
    ended: set[str] = set()
    for entry in entries:
        if entry.kind == AuditKind.SUBMIT_ATTEMPT and entry.body.get("target"):
            submitted[entry.correlation_id] = entry  # sandbox validation orders have none
        elif _ends_order(entry):
            ended.add(entry.correlation_id)
        order_id = _order_id_of(entry)
        if order_id is not None:
            order_ids[entry.correlation_id] = order_id
    found = []
    for cid, entry in submitted.items():
        if cid in ended:
            continue
        body = entry.body
        found.append(
            AuditedOrder(
                correlation_id=cid,
                submitted_at=entry.at,
                target=str(body.get("target", "")),
                mode_label=entry.effective_mode,
                order_id=order_ids.get(cid),
                external_identifier=str(
                    body.get("external_identifier") or body.get("client_order_id") or cid
                ),
                position_effect=str(body.get("position_effect", "")),
                underlying=str(body.get("underlying", "")),
                order=body.get("order") if isinstance(body.get("order"), dict) else {},
                plan=body.get("plan") if isinstance(body.get("plan"), dict) else None,
                estimated_fees_usd=body.get("estimated_fees_usd"),
            )
        )
    return tuple(sorted(found, key=lambda o: o.submitted_at))


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
