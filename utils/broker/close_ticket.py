"""The closing ticket of a journaled trade: exactly its spread reversed, a quantity up to what is
open, a limit prefilled at the mid of live quotes (rounded to the tick toward a fill), and the
payoff of what remains; then an `OrderIntent` the guard previews and places like any order.

    ticket = close_ticket(trade, open_units, market)              # prefilled at the mid
    ticket = close_ticket(trade, open_units, market, quantity=1, price="0.45", effect="Debit")
    ticket = close_ticket(trade, open_units, market, at_profit_target=True)   # GTC, plan's price
    intent = close_intent(ticket)                                 # -> guard.preview(...,
                                                                  #    plan=close_plan(ticket))

Every figure is Decimal; a bad quantity or price raises `CloseTicketError` naming the field.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict

from utils.broker.models import TradePlan
from utils.broker.order_intent import OrderIntent
from utils.broker.position_market import PositionMarket
from utils.journal.risk import journal_spread
from utils.journal.roll_chain import RollChain
from utils.journal.trade import CloseReason, Mode, Trade
from utils.spreads.closing import (
    ClosingPrice,
    closing_price,
    closing_spread,
    net_mid_per_unit,
    profit_target_price,
    remaining_spread,
)
from utils.spreads.legs import PriceEffect, SpreadError
from utils.spreads.spread import Spread


class CloseTicketError(ValueError):
    """A closing ticket field a trader must fix; the message names it."""


class CloseTicket(BaseModel):
    """One trade's closing order as the ticket shows it, before the guard sees it."""

    model_config = ConfigDict(frozen=True)

    trade_id: int
    mode: Mode
    opened: Spread  # the spread as opened (all units, entry price)
    open_units: int
    order: Spread  # the closing order: reversed legs, quantity, limit
    mid: ClosingPrice | None  # the prefill, when every leg has a quote
    market_problem: str | None = None
    remaining: Spread | None  # what stays open after this order fills
    profit_target: ClosingPrice | None = None  # the exit plan's target as a closing limit
    at_profit_target: bool = False  # this order is that target, resting GTC
    chain: RollChain | None = None  # the spreads this one was rolled from, when read

    @property
    def quantity(self) -> int:
        """Units this order closes."""
        return self.order.quantity

    @property
    def time_in_force(self) -> str:
        """GTC for the profit-target order (it rests at the broker), Day otherwise."""
        return "GTC" if self.at_profit_target else "Day"


def opened_spread(trade: Trade) -> Spread:
    """The journaled trade as a `Spread`: its legs as opened, at its entry price."""
    return journal_spread(
        trade.legs,
        underlying=trade.underlying,
        multiplier=trade.multiplier,
        entry_price=trade.entry_price,
        entry_effect=trade.entry_effect,
    )


def _quantity(value: object, open_units: int) -> int:
    if value is None or value == "":
        return open_units
    try:
        quantity = int(str(value).strip())
    except ValueError:
        raise CloseTicketError(f"quantity {value!r} is not a whole number of spreads") from None
    if not 1 <= quantity <= open_units:
        raise CloseTicketError(f"quantity {quantity} must be between 1 and {open_units} (open)")
    return quantity


def _price(value: object) -> Decimal:
    try:
        price = Decimal(str(value).strip().removeprefix("$"))
    except InvalidOperation:
        raise CloseTicketError(f"limit price {value!r} is not a number") from None
    if not price.is_finite() or price < 0:
        raise CloseTicketError(f"limit price {value!r} must be 0 or more per share")
    return price


def close_ticket(
    trade: Trade,
    open_units: int,
    market: PositionMarket,
    *,
    quantity: object = None,
    price: object = None,
    effect: object = None,
    at_profit_target: bool = False,
) -> CloseTicket:
    """The closing ticket of an open `trade` with `open_units` left: the typed quantity and
    limit, or (when none is typed) all open units at the mid of `market`'s quotes; with
    `at_profit_target`, at the exit plan's profit target, to rest as a GTC order."""
    if trade.closed_at is not None or open_units < 1:
        raise CloseTicketError(f"trade {trade.id} is closed: there is nothing to close")
    opened = opened_spread(trade)
    if open_units < opened.quantity:
        opened_left = opened.with_quantity(open_units)
    else:
        opened_left = opened
    units = _quantity(quantity, open_units)
    at_entry = closing_spread(opened_left, units, Decimal(0), PriceEffect.DEBIT)
    net_mid = net_mid_per_unit(at_entry, market.quotes)
    mid = None if net_mid is None else closing_price(net_mid, market.tick_sizes)
    target = (
        None
        if trade.profit_target_usd is None
        else profit_target_price(opened, trade.profit_target_usd, market.tick_sizes)
    )
    if at_profit_target:
        if target is None:
            raise CloseTicketError(
                f"trade {trade.id} has no profit target in its exit plan that a closing limit "
                "can reach (none, or at or beyond its max profit)"
            )
        limit, limit_effect = target.price, target.price_effect
    elif price is None or price == "":
        if mid is None:
            why = market.problem or "the legs have no quotes"
            raise CloseTicketError(f"type a limit price: {why}")
        limit, limit_effect = mid.price, mid.price_effect
    else:
        limit = _price(price)
        try:
            limit_effect = PriceEffect(effect or PriceEffect.DEBIT)
        except ValueError:
            raise CloseTicketError(f"price effect {effect!r} is not Credit or Debit") from None
    try:
        order = closing_spread(opened_left, units, limit, limit_effect)
    except SpreadError as error:
        raise CloseTicketError(str(error)) from None
    return CloseTicket(
        trade_id=trade.id,
        mode=trade.mode,
        opened=opened,
        open_units=open_units,
        order=order,
        mid=mid,
        market_problem=market.problem,
        remaining=remaining_spread(opened_left, units),
        profit_target=target,
        at_profit_target=at_profit_target,
    )


def close_intent(ticket: CloseTicket) -> OrderIntent:
    """The ticket's order for the guard, with a fresh client order id."""
    return OrderIntent(
        spread=ticket.order,
        client_order_id=f"close-{ticket.trade_id}-{uuid.uuid4().hex[:12]}",
        time_in_force=ticket.time_in_force,
    )


def close_plan(ticket: CloseTicket) -> TradePlan | None:
    """Why the order closes, for the journal: the profit target when it is that order."""
    return TradePlan(close_reason=CloseReason.PROFIT_TARGET) if ticket.at_profit_target else None
