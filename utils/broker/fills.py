"""What a filled closing order does to the journal, and how an order's broker status reads as an
outcome of the guard.

    trade = journal_close_fill(journal, fill=ClosingFill(...))   # closes the trade's units

A closing order closes its units of the journaled trade it names (all of them, or a part), at
the average net fill per unit, with the dry-run's fees rounded to cents. Opening fills become
trades in `utils.broker.order_fills` (each broker fill once, partial fills included).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from utils.broker.checks import filled_units
from utils.judge.mode import BrokerTarget
from utils.broker.models import PlacementOutcome, TradePlan
from utils.journal.trade import CloseReason, Mode, Trade, TradeClose
from utils.core.money import round_to_cent
from utils.records.working_orders import ENDED_STATUSES
from utils.spreads.legs import PriceEffect
from utils.spreads.spread import Spread
from utils.tastytrade.orders import Order

MODE_OF_TARGET = {
    BrokerTarget.SIM: Mode.SIM,
    BrokerTarget.SANDBOX: Mode.SANDBOX,
    BrokerTarget.LIVE: Mode.LIVE,
}
WORKING_STATUSES = frozenset(
    {"Received", "Routed", "In Flight", "Contingent", "Live", "Cancel Requested"}
)


class ClosingFill(BaseModel):
    """A completely filled closing order, with what the journal needs about it."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    spread: Spread
    net_fill_per_unit: Decimal
    filled_at: datetime
    fees_usd: Decimal | None
    order_id: int | None
    closes_trade_id: int
    plan: TradePlan | None = None


def journal_close_fill(journal: Any, fill: ClosingFill) -> Trade:
    """Close the named trade's units at the fill's price and fees."""
    effect = PriceEffect.CREDIT if fill.net_fill_per_unit >= 0 else PriceEffect.DEBIT
    fees = fill.fees_usd
    fees_usd = round_to_cent(fees) if fees is not None and fees > 0 else Decimal("0.00")
    close = TradeClose(
        closed_at=fill.filled_at,
        exit_price=abs(fill.net_fill_per_unit),
        exit_effect=effect,
        close_fees_usd=fees_usd,
        close_reason=(fill.plan and fill.plan.close_reason) or CloseReason.CLOSING_ORDER,
        broker_order_ids=(str(fill.order_id),) if fill.order_id is not None else (),
    )
    return journal.close_units(fill.closes_trade_id, fill.spread.quantity, close)


def placement_outcome(order: Order) -> PlacementOutcome:
    """The guard's outcome for an order as the broker states it (fills decide FILLED)."""
    filled, units = filled_units(order)
    if order.status == "Filled" and units and filled >= units:
        return PlacementOutcome.FILLED
    if order.status == "Filled":
        return PlacementOutcome.PARTIALLY_FILLED  # fills may arrive a moment after the status
    if order.status == "Rejected":
        return PlacementOutcome.REJECTED
    if order.status in ENDED_STATUSES:
        return PlacementOutcome.CANCELLED
    if filled > 0:
        return PlacementOutcome.PARTIALLY_FILLED
    if order.status in WORKING_STATUSES:
        return PlacementOutcome.WORKING
    return PlacementOutcome.UNKNOWN
