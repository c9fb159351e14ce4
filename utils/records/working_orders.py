"""Opening orders still working at a broker, read from the audit log (pure: entries in, orders out).

An opening order counts as an open spread (for concurrency and the per-underlying risk, before an
order and in discipline) from its `submit_attempt` until the audit log shows its end: a fill
(journaled, it counts as an open trade instead), a broker error to its POST, or a terminal
status seen by the POST's answer, a cancel or a reconcile. An order whose outcome is unknown
keeps counting (fail closed). A partially filled order counts only its unfilled remainder: its
filled units are journaled trades already (`PARTIAL_FILL_STAGE` records how many).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict, Field

from utils.records.audit import AuditEntry, AuditKind
from utils.spreads.families import underlying_family
from utils.tastytrade.orders import OrderStatus

ENDED_STATUSES = frozenset(
    {
        OrderStatus.CANCELLED.value,
        OrderStatus.EXPIRED.value,
        OrderStatus.REMOVED.value,
        OrderStatus.PARTIALLY_REMOVED.value,
    }
)
TERMINAL_STATUSES = ENDED_STATUSES | {OrderStatus.REJECTED.value}
ORDER_ENDED_STAGE = "order_ended"
PARTIAL_FILL_STAGE = "partially_filled"
OPENING = "opening"


class WorkingOpening(BaseModel):
    """An opening order sent and not ended: when, where, on what, and the max loss (1R) of its
    unfilled units."""

    model_config = ConfigDict(frozen=True)

    correlation_id: str
    client_order_id: str
    submitted_at: datetime
    target: str
    underlying: str
    max_loss_usd: Decimal = Field(ge=0)
    units: int | None = None
    filled_units: int = 0

    @property
    def family(self) -> str:
        """The underlying family it counts in."""
        return underlying_family(self.underlying)

    @property
    def label(self) -> str:
        """`working order <client order id>`."""
        return f"working order {self.client_order_id}"


def order_ended(entry: AuditEntry) -> bool:
    """Whether the entry ends its order: a fill, an error or terminal status, an ended cancel."""
    body = entry.body
    if entry.kind == AuditKind.FILL:
        return True
    if entry.kind == AuditKind.BROKER_ANSWER:
        return body.get("outcome") == "error" or body.get("status") in TERMINAL_STATUSES
    if entry.kind == AuditKind.CANCEL:
        return body.get("stage") == "answered" and body.get("status") in TERMINAL_STATUSES
    return entry.kind == AuditKind.GUARD_DECISION and body.get("stage") == ORDER_ENDED_STAGE


def _partial_fill(entry: AuditEntry) -> tuple[int, int] | None:
    body = entry.body
    if entry.kind != AuditKind.GUARD_DECISION or body.get("stage") != PARTIAL_FILL_STAGE:
        return None
    filled, units = body.get("filled_units"), body.get("units")
    if isinstance(filled, int) and isinstance(units, int) and 0 <= filled <= units and units:
        return filled, units
    return None


def changes_working(entry: AuditEntry) -> bool:
    """Whether the entry can change `working_openings`: any submit attempt, an order's end, a
    partial fill (other entries, such as previews, refusals and exports, never do)."""
    return (
        entry.kind == AuditKind.SUBMIT_ATTEMPT
        or order_ended(entry)
        or _partial_fill(entry) is not None
    )


def _opening(entry: AuditEntry) -> WorkingOpening | None:
    body = entry.body
    if body.get("position_effect") != OPENING:
        return None
    try:
        max_loss = Decimal(str(body["max_loss_usd"]))
    except (KeyError, InvalidOperation):
        return None
    if not max_loss.is_finite() or max_loss < 0:
        return None
    client_id = body.get("client_order_id") or body.get("external_identifier") or "unknown"
    return WorkingOpening(
        correlation_id=entry.correlation_id,
        client_order_id=str(client_id),
        submitted_at=entry.at,
        target=str(body.get("target", "")),
        underlying=str(body.get("underlying", "")),
        max_loss_usd=max_loss,
    )


def _remainder(order: WorkingOpening, filled: int, units: int) -> WorkingOpening:
    """The order with only its unfilled units' share of the max loss."""
    share = order.max_loss_usd * (units - filled) / units
    return order.model_copy(update={"max_loss_usd": share, "units": units, "filled_units": filled})


def working_openings(
    entries: Iterable[AuditEntry], target: str | None = None
) -> tuple[WorkingOpening, ...]:
    """The opening orders sent to `target` (any target when None) that have not ended yet, in
    the order they were sent, each with the max loss of its unfilled remainder."""
    submitted: dict[str, WorkingOpening] = {}
    partial: dict[str, tuple[int, int]] = {}
    ended: set[str] = set()
    for entry in entries:
        if entry.kind == AuditKind.SUBMIT_ATTEMPT:
            if target is not None and entry.body.get("target") != target:
                continue
            opening = _opening(entry)
            if opening is not None:
                submitted[entry.correlation_id] = opening
        elif order_ended(entry):
            ended.add(entry.correlation_id)
        else:
            fill = _partial_fill(entry)
            if fill is not None:
                partial[entry.correlation_id] = fill
    found = []
    for cid, order in submitted.items():
        if cid in ended:
            continue
        found.append(_remainder(order, *partial[cid]) if cid in partial else order)
    return tuple(found)
