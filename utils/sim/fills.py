"""The simulated fill model: at what net price an order fills now, and each leg's price.

`quote` fills a Limit order at its limit once that is at or better than the net mid of the day's
simulated quotes; `legacy-cert` is the old documented sandbox table (Market at $1, Limits at or
below $3 at their limit); `immediate` fills at the limit whatever the quotes. Leg prices are the
legs' mids shifted on the most expensive leg so that they add up to the order's net price.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from utils.core.money import CENT
from utils.sim import market
from utils.sim.orders import FillBehavior, SimOrder

LEGACY_CERT_MARKET_PRICE = Decimal(1)
LEGACY_CERT_FILL_LIMIT = Decimal(3)
# Behaviours whose Live orders are checked against the quotes again on every request.
RECHECKED = frozenset({FillBehavior.QUOTE, FillBehavior.LEGACY_CERT})


def fill_price(order: SimOrder, today: date) -> Decimal | None:
    """The net price the order fills at now, or None if it does not fill."""
    if order.behavior is FillBehavior.LEGACY_CERT and order.order_type == "Market":
        return LEGACY_CERT_MARKET_PRICE
    if order.behavior is FillBehavior.IMMEDIATE or order.price is None:
        return limit_or_natural(order, today)
    if order.behavior is FillBehavior.LEGACY_CERT:
        return order.price if order.price <= LEGACY_CERT_FILL_LIMIT else None
    net_mid = net_credit(order, today, "mid")
    if net_mid is None:
        return None
    at_or_better = (
        order.price <= net_mid if order.price_effect == "Credit" else order.price >= -net_mid
    )
    return order.price if at_or_better else None


def limit_or_natural(order: SimOrder, today: date) -> Decimal:
    """The limit price, or for a Market order the natural price from the quotes."""
    if order.price is not None:
        return order.price
    natural = net_credit(order, today, "natural") or Decimal(0)
    return abs(natural)


def net_credit(order: SimOrder, today: date, side: str) -> Decimal | None:
    """Net credit per unit from the quotes (negative = debit); natural = bid/ask side."""
    total = Decimal(0)
    for leg in order.legs:
        quote = market.quote(leg.symbol, today)
        if quote is None:
            return None
        if side == "mid":
            price = quote.mid
        else:
            price = quote.ask if leg.is_buy else quote.bid
        ratio = leg.quantity / order.size
        total += -price * ratio if leg.is_buy else price * ratio
    return total


def leg_prices(order: SimOrder, net_price: Decimal, today: date) -> list[Decimal]:
    """Per-leg fill prices: the legs' mids, shifted on the priciest leg to hit the net."""
    mids = []
    for leg in order.legs:
        quote = market.quote(leg.symbol, today)
        mids.append(quote.mid.quantize(CENT) if quote else net_price)
    if len(order.legs) == 1:
        return [net_price]
    target = net_price if order.price_effect == "Credit" else -net_price
    natural = sum(
        (-m if leg.is_buy else m) * leg.quantity / order.size
        for leg, m in zip(order.legs, mids, strict=True)
    )
    pivot = max(range(len(mids)), key=lambda i: mids[i])
    leg = order.legs[pivot]
    shift = (target - natural) * order.size / leg.quantity
    adjusted = mids[pivot] - shift if leg.is_buy else mids[pivot] + shift
    mids[pivot] = max(adjusted.quantize(CENT), CENT)
    return mids
