"""The order that closes an opened spread: the same legs with reversed actions (Buy to Close /
Sell to Close), a quantity up to what is open, and a limit at the mid of live quotes.

    net mid per unit = sum over closing legs of (+mid if the leg sells, -mid if it buys) x ratio
    (credit positive). The limit is that mid rounded to the tick toward the side that fills:
    a debit up, a credit down (a mid between ticks would otherwise rest unfilled).

The exit plan's profit target as a closing limit: the price at which the whole spread makes the
target (before fees), to rest at the broker as a GTC order.

What remains after a partial close is the opened spread at `open - closed` units, at its entry
price: its expiration payoff is what the trader still carries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from pydantic import BaseModel, ConfigDict

from utils.core.money import CENT
from utils.spreads.legs import PriceEffect, SpreadError
from utils.spreads.spread import Spread

DEFAULT_TICK = CENT


class BidAsk(BaseModel):
    """One leg's live bid and ask per share."""

    model_config = ConfigDict(frozen=True)

    bid: Decimal
    ask: Decimal

    @property
    def mid(self) -> Decimal:
        """(bid + ask) / 2."""
        return (self.bid + self.ask) / 2


class ClosingPrice(BaseModel):
    """A closing limit per share and per unit, its effect, and the net mid it came from."""

    model_config = ConfigDict(frozen=True)

    price: Decimal
    price_effect: PriceEffect
    net_mid: Decimal  # the signed price it was rounded from (credit positive)
    tick: Decimal


def closing_spread(
    opened: Spread, quantity: int, price: Decimal, price_effect: PriceEffect | str
) -> Spread:
    """The order closing `quantity` units of `opened` (1 <= quantity <= units open) at `price`."""
    if not 1 <= quantity <= opened.quantity:
        raise SpreadError(
            f"quantity {quantity} must be between 1 and the {opened.quantity} unit(s) open"
        )
    legs = Spread(legs=opened.closing_legs(), price=price, price_effect=price_effect)
    return legs.with_quantity(quantity) if quantity != opened.quantity else legs


def net_mid_per_unit(closing: Spread, quotes: Mapping[str, BidAsk]) -> Decimal | None:
    """Net mid per unit of a closing order (credit positive); None when a leg has no quote."""
    total = Decimal(0)
    for leg, ratio in zip(closing.legs, closing.ratios, strict=True):
        quote = quotes.get(leg.occ)
        if quote is None:
            return None
        total += -quote.mid * abs(ratio) if leg.action.is_buy else quote.mid * abs(ratio)
    return total


def tick_for(price: Decimal, tick_sizes: Sequence[tuple[Decimal | None, Decimal]]) -> Decimal:
    """The price increment at `price` from the chain's (threshold, tick) pairs ($0.01 if none):
    a tick with a threshold applies below it, one without applies everywhere else."""
    for threshold, tick in tick_sizes:
        if threshold is None or price < threshold:
            return tick
    return DEFAULT_TICK


def closing_price(
    net_mid: Decimal, tick_sizes: Sequence[tuple[Decimal | None, Decimal]] = ()
) -> ClosingPrice:
    """The limit for a net mid: a debit rounded up to the tick, a credit rounded down."""
    effect = PriceEffect.CREDIT if net_mid > 0 else PriceEffect.DEBIT
    size = abs(net_mid)
    tick = tick_for(size, tick_sizes)
    rounding = ROUND_FLOOR if effect is PriceEffect.CREDIT else ROUND_CEILING
    price = (size / tick).to_integral_value(rounding=rounding) * tick
    return ClosingPrice(price=price, price_effect=effect, net_mid=net_mid, tick=tick)


def remaining_spread(opened: Spread, closed_quantity: int) -> Spread | None:
    """What stays open after closing `closed_quantity` units (None when nothing does)."""
    left = opened.quantity - closed_quantity
    return opened.with_quantity(left) if left > 0 else None


def profit_target_price(
    opened: Spread,
    target_usd: Decimal,
    tick_sizes: Sequence[tuple[Decimal | None, Decimal]] = (),
) -> ClosingPrice | None:
    """The closing limit per share that makes `target_usd` on the whole spread, before fees:

        multiplier x units x (signed entry + signed exit) = target
        => signed exit = target / (multiplier x units) - signed entry

    rounded to the tick so the target is met (a debit down, a credit up). None when the target
    is at or beyond the spread's max profit, or the price rounds to nothing.
    """
    units = opened.multiplier * opened.quantity
    entry = opened.price if opened.price_effect is PriceEffect.CREDIT else -opened.price
    signed_exit = target_usd / units - entry
    best = opened.max_profit_usd
    if target_usd <= 0 or (best is not None and target_usd >= best):
        return None
    effect = PriceEffect.CREDIT if signed_exit > 0 else PriceEffect.DEBIT
    size = abs(signed_exit)
    tick = tick_for(size, tick_sizes)
    rounding = ROUND_CEILING if effect is PriceEffect.CREDIT else ROUND_FLOOR
    price = (size / tick).to_integral_value(rounding=rounding) * tick
    if price <= 0:
        return None
    return ClosingPrice(price=price, price_effect=effect, net_mid=signed_exit, tick=tick)
