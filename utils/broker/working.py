"""Orders still working at a broker, read from the audit log so a restart forgets none.

Which orders have ended is read once, by `utils.records.working_orders` (the judge counts the
same working opening orders in discipline); here they become the guard's open positions and
the order book's audited orders.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from utils.broker.order_intent import OpenPosition, OrderIntent
from utils.records.audit import AuditEntry, AuditKind
from utils.records.working_orders import order_ended
from utils.records.working_orders import working_openings as audited_openings
from utils.spreads.fees import FeeSchedule, fee_aware_max_loss_usd, order_fees


def order_max_loss_usd(intent: OrderIntent) -> Decimal | None:
    """The order's fee-aware max loss, as the pre-trade checks count it."""
    fees = order_fees(intent.spread, FeeSchedule(), intent.dry_run)
    return fee_aware_max_loss_usd(intent.spread, fees)


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
    closes_trade_id: int | None = None

    @property
    def time_in_force(self) -> str:
        """The order's time in force as sent (`Day`, `GTC`, ...)."""
        return str(self.order.get("time-in-force", ""))

    @property
    def name(self) -> str:
        """`order 123` once the broker answered, else `order <external identifier>`."""
        return f"order {self.order_id if self.order_id is not None else self.external_identifier}"


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
    closes: dict[str, int] = {}
    ended: set[str] = set()
    for entry in entries:
        closed = entry.body.get("closes_trade_id") if entry.kind == AuditKind.INTENT else None
        if isinstance(closed, int):
            closes[entry.correlation_id] = closed
        if entry.kind == AuditKind.SUBMIT_ATTEMPT and entry.body.get("target"):
            submitted[entry.correlation_id] = entry  # sandbox validation orders have none
        elif order_ended(entry):
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
                closes_trade_id=closes.get(cid),
            )
        )
    return tuple(sorted(found, key=lambda o: o.submitted_at))


def working_gtc_closes(entries: Iterable[AuditEntry], trade_id: int) -> tuple[AuditedOrder, ...]:
    """The GTC closing orders of journaled trade `trade_id` still working (or of unknown
    outcome), e.g. its profit target resting at the broker."""
    return tuple(
        order
        for order in audited_orders(entries)
        if order.closes_trade_id == trade_id and order.time_in_force == "GTC"
    )


def working_openings(entries: Iterable[AuditEntry], target: str | None) -> tuple[OpenPosition, ...]:
    """The opening orders sent to `target` (any target when None) that have not ended yet, as
    open spreads (a partially filled one with the max loss of its unfilled remainder)."""
    return tuple(
        OpenPosition(
            position_id=order.label, underlying=order.underlying, max_loss_usd=order.max_loss_usd
        )
        for order in audited_openings(entries, target)
    )
