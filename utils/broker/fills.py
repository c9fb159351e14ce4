"""What a filled order becomes in the journal, and how an order's broker status reads as an
outcome of the guard.

    trade = journal_fill(journal, fill=FilledOrder(...))   # opens a trade, or closes one

An opening order becomes a new trade (one spread, its legs and entry at the average net fill per
unit, fees from the broker's dry-run, the plan from the ticket, the mode it ran in, the broker
order id, uid `order-<external identifier>` so it is never journaled twice, and for a roll's
opening the trade it rolls from as its parent); a closing order
closes its units of the journaled trade it names (all of them, or a part). Money is Decimal;
fees are rounded to cents.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from utils.broker.checks import filled_units
from utils.judge.mode import BrokerTarget
from utils.broker.models import PlacementOutcome, TradePlan
from utils.journal.risk import TradeLeg
from utils.journal.trade import CloseReason, Mode, NewTrade, Trade, TradeClose
from utils.journal.risk import spread_risk
from utils.core.money import round_to_cent
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
ENDED_STATUSES = frozenset({"Cancelled", "Expired", "Removed", "Partially Removed"})


class FilledOrder(BaseModel):
    """A completely filled order, with what the journal needs about it."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    spread: Spread
    net_fill_per_unit: Decimal
    filled_at: datetime
    fees_usd: Decimal | None
    target: BrokerTarget
    order_id: int | None
    external_identifier: str
    closes_trade_id: int | None = None
    plan: TradePlan | None = None


def journal_fill(journal: Any, fill: FilledOrder) -> Trade:
    """Open a trade for an opening fill, or close the named trade for a closing one."""
    effect = PriceEffect.CREDIT if fill.net_fill_per_unit >= 0 else PriceEffect.DEBIT
    price = abs(fill.net_fill_per_unit)
    fees = fill.fees_usd
    fees_usd = round_to_cent(fees) if fees is not None and fees > 0 else Decimal("0.00")
    order_ids = (str(fill.order_id),) if fill.order_id is not None else ()
    if fill.closes_trade_id is not None:
        close = TradeClose(
            closed_at=fill.filled_at,
            exit_price=price,
            exit_effect=effect,
            close_fees_usd=fees_usd,
            close_reason=(fill.plan and fill.plan.close_reason) or CloseReason.CLOSING_ORDER,
            broker_order_ids=order_ids,
        )
        return journal.close_units(fill.closes_trade_id, fill.spread.quantity, close)
    spread = fill.spread
    legs = tuple(
        TradeLeg.model_validate(
            {"occ_symbol": leg.occ, "action": leg.action, "quantity": leg.quantity}
        )
        for leg in spread.legs
    )
    risk = spread_risk(
        legs,
        underlying=spread.underlying,
        multiplier=spread.multiplier,
        entry_price=price,
        entry_effect=effect,
    )
    plan = fill.plan or TradePlan()
    new = NewTrade(
        uid=f"order-{fill.external_identifier}",
        structure=risk.structure,
        underlying=spread.underlying,
        legs=legs,
        quantity=spread.quantity,
        multiplier=spread.multiplier,
        opened_at=fill.filled_at,
        entry_price=price,
        entry_effect=effect,
        open_fees_usd=fees_usd,
        mode=MODE_OF_TARGET[fill.target],
        broker_order_ids=order_ids,
        parent_id=plan.rolled_from_trade_id,
        setup=plan.setup,
        profit_target_usd=plan.profit_target_usd,
        stop_loss_usd=plan.stop_loss_usd,
        time_exit_at=plan.time_exit_at,
        tags=plan.tags,
        source="broker",
    )
    return journal.open_trade(new)


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
