"""The closing order of an opened spread: reversed legs, a quantity up to what is open, a limit
at the net mid rounded to the tick toward a fill, and what remains."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from utils.spreads.closing import (
    BidAsk,
    closing_price,
    closing_spread,
    net_mid_per_unit,
    profit_target_price,
    remaining_spread,
    tick_for,
)
from utils.spreads.legs import Leg, LegAction, PriceEffect, SpreadError
from utils.spreads.spread import Spread
from utils.spreads.symbols import OptionSymbol, OptionType

SPX_TICKS = ((Decimal(3), Decimal("0.05")), (None, Decimal("0.10")))


def put(strike: int) -> str:
    return OptionSymbol(
        root="SPY", expiration=date(2026, 4, 17), option_type=OptionType.PUT, strike=strike
    ).occ


def bull_put(quantity: int = 3) -> Spread:
    return Spread(
        legs=(
            Leg.from_occ(put(540), "Sell to Open", quantity),
            Leg.from_occ(put(535), "Buy to Open", quantity),
        ),
        price=Decimal("1.20"),
        price_effect=PriceEffect.CREDIT,
    )


def test_the_closing_order_reverses_every_leg_for_the_quantity_asked():
    order = closing_spread(bull_put(), 2, Decimal("0.80"), "Debit")
    assert [(leg.occ, leg.action, leg.quantity) for leg in order.legs] == [
        (put(540), LegAction.BUY_TO_CLOSE, 2),
        (put(535), LegAction.SELL_TO_CLOSE, 2),
    ]
    assert order.price == Decimal("0.80") and order.price_effect is PriceEffect.DEBIT


@pytest.mark.parametrize("quantity", [0, 4])
def test_a_quantity_outside_one_to_open_is_refused(quantity):
    with pytest.raises(SpreadError, match="between 1 and the 3 unit"):
        closing_spread(bull_put(), quantity, Decimal("0.80"), "Debit")


def test_the_net_mid_pays_the_short_legs_mid_and_receives_the_long_legs():
    order = closing_spread(bull_put(), 3, Decimal(0), "Debit")
    quotes = {
        put(540): BidAsk(bid=Decimal("2.00"), ask=Decimal("2.10")),
        put(535): BidAsk(bid=Decimal("1.20"), ask=Decimal("1.23")),
    }
    assert net_mid_per_unit(order, quotes) == Decimal("-0.835")
    assert net_mid_per_unit(order, {put(540): quotes[put(540)]}) is None


def test_a_debit_rounds_up_and_a_credit_rounds_down_to_the_tick():
    assert closing_price(Decimal("-0.835")).price == Decimal("0.84")
    assert closing_price(Decimal("-0.835")).price_effect is PriceEffect.DEBIT
    assert closing_price(Decimal("0.835")).price == Decimal("0.83")
    assert closing_price(Decimal("0.835")).price_effect is PriceEffect.CREDIT
    assert closing_price(Decimal("-2.91"), SPX_TICKS).price == Decimal("2.95")
    assert closing_price(Decimal("-3.01"), SPX_TICKS).price == Decimal("3.10")


def test_the_tick_follows_the_chains_thresholds():
    assert tick_for(Decimal("2.99"), SPX_TICKS) == Decimal("0.05")
    assert tick_for(Decimal("3.00"), SPX_TICKS) == Decimal("0.10")
    assert tick_for(Decimal("9"), ()) == Decimal("0.01")


def test_what_remains_is_the_opened_spread_at_the_units_left():
    left = remaining_spread(bull_put(), 1)
    assert left is not None and left.quantity == 2 and left.price == Decimal("1.20")
    assert left.max_loss_usd == bull_put().max_loss_usd * 2 / 3
    assert remaining_spread(bull_put(), 3) is None


def test_the_profit_target_is_the_price_that_makes_it_on_the_whole_spread():
    one = bull_put(1)  # 1.20 credit, 5 wide: max profit $120
    assert profit_target_price(one, Decimal(50)).price == Decimal("0.70")
    assert profit_target_price(one, Decimal(50)).price_effect is PriceEffect.DEBIT
    three = bull_put(3)
    assert profit_target_price(three, Decimal(33)).price == Decimal("1.09")
    # a debit rounds down so the target is met: 1.09 -> 1.05 on a 0.05 tick
    assert profit_target_price(three, Decimal(33), SPX_TICKS).price == Decimal("1.05")
    assert profit_target_price(one, Decimal(120)) is None  # the max profit: no closing limit
    assert profit_target_price(one, Decimal(0)) is None


def test_a_debit_spreads_target_is_a_closing_credit_rounded_up():
    def call(strike: int) -> str:
        return OptionSymbol(
            root="SPY", expiration=date(2026, 4, 17), option_type=OptionType.CALL, strike=strike
        ).occ

    bull_call = Spread(
        legs=(
            Leg.from_occ(call(540), "Buy to Open", 1),
            Leg.from_occ(call(545), "Sell to Open", 1),
        ),
        price=Decimal("2.00"),
        price_effect=PriceEffect.DEBIT,
    )
    target = profit_target_price(bull_call, Decimal("100.50"))
    assert target.price == Decimal("3.01") and target.price_effect is PriceEffect.CREDIT
