"""Net prices from leg quotes: mid and natural signed credit-positive, the limit on the tick grid,
a missing quote named; strikes picked by delta, or by distance when quotes carry no greeks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from utils.spreads.chain import (
    LegQuote,
    ListedExpiration,
    MarketGap,
    OptionChain,
    TickSize,
    price_legs,
    round_to_tick,
)
from utils.spreads.market_events import UnderlyingEvents, events_inside
from utils.spreads.strike_picker import RECIPES, pick_strikes
from utils.spreads.ticket import STRUCTURES, ticket_legs

APRIL = date(2026, 4, 17)
STRIKES = tuple(Decimal(k) for k in range(90, 111))  # 90..110 by 1
LISTED = ListedExpiration(expiration=APRIL, days_to_expiration=44, root="XYZ", strikes=STRIKES)
CHAIN = OptionChain(
    underlying="XYZ",
    spot=Decimal("100.40"),
    tick_sizes=(
        TickSize(value=Decimal("0.01"), threshold=Decimal(3)),
        TickSize(value=Decimal("0.05")),
    ),
    expirations=(LISTED,),
)


def quotes_for(legs, bid_ask):
    return {leg.occ: LegQuote(bid=Decimal(b), ask=Decimal(a)) for leg, (b, a) in zip(legs, bid_ask)}


def bull_put_legs():
    return ticket_legs(underlying="XYZ", structure="bull_put", expiration=APRIL, strikes="95, 100")


def test_a_credit_vertical_nets_the_sold_mid_minus_the_bought_mid():
    legs = bull_put_legs()  # sold 100 P first, then bought 95 P
    price = price_legs(legs, quotes_for(legs, [("2.00", "2.10"), ("0.80", "0.86")]), CHAIN)
    assert price.mid == Decimal("2.05") - Decimal("0.83")  # 1.22 credit
    assert price.natural == Decimal("2.00") - Decimal("0.86")
    assert price.limit == Decimal("1.22") and price.tick == Decimal("0.01")
    assert price.price_effect.value == "Credit"


def test_a_butterfly_counts_its_middle_leg_twice_and_is_a_debit():
    legs = ticket_legs(
        underlying="XYZ", structure="call_butterfly", expiration=APRIL, strikes="95, 100, 105"
    )
    bid_ask = {95: ("6.00", "6.20"), 100: ("2.90", "3.00"), 105: ("1.00", "1.10")}
    quotes = {
        leg.occ: LegQuote(
            bid=Decimal(bid_ask[int(leg.strike)][0]), ask=Decimal(bid_ask[int(leg.strike)][1])
        )
        for leg in legs
    }
    price = price_legs(legs, quotes, CHAIN)
    assert price.mid == -(Decimal("6.10") - 2 * Decimal("2.95") + Decimal("1.05"))  # 1.25 debit
    assert price.price_effect.value == "Debit" and price.limit == Decimal("1.25")


def test_above_the_threshold_the_limit_rounds_to_a_nickel():
    assert CHAIN.tick(Decimal("3.12")) == Decimal("0.05")
    assert round_to_tick(Decimal("3.12"), Decimal("0.05")) == Decimal("3.10")
    assert round_to_tick(Decimal("3.125"), Decimal("0.05")) == Decimal("3.15")
    assert round_to_tick(Decimal("0.001"), Decimal("0.01")) == Decimal("0.01")  # never zero


def test_a_leg_without_a_two_sided_quote_is_named():
    legs = bull_put_legs()
    quotes = quotes_for(legs, [("2.00", "2.10"), ("0.90", "0.86")])  # crossed
    gap = price_legs(legs, quotes, CHAIN)
    assert isinstance(gap, MarketGap) and "95 P" in gap.sentence


def deltas(put_deltas: dict[int, float]) -> dict[str, LegQuote]:
    return {
        LISTED.symbol("P", Decimal(k)): LegQuote(bid=Decimal(1), ask=Decimal(1), delta=-d)
        for k, d in put_deltas.items()
    }


def test_the_short_put_is_the_strike_nearest_thirty_delta():
    pick = pick_strikes("bull_put", LISTED, CHAIN.spot, deltas({97: 0.25, 98: 0.31, 99: 0.38}))
    assert pick.by_delta and pick.text == "97, 98"  # 1 % of 100.40 -> wings 1 wide


def test_without_greeks_the_short_put_is_three_percent_below_the_price():
    pick = pick_strikes("bull_put", LISTED, CHAIN.spot, {})
    assert not pick.by_delta and pick.text == "96, 97"  # 100.40 x 0.97 = 97.39
    assert "distance" in pick.sentence


def test_a_broken_wing_put_butterfly_has_a_wing_twice_as_wide_below():
    pick = pick_strikes("bwb_put_credit", LISTED, CHAIN.spot, {})
    lower, middle, upper = (Decimal(k) for k in pick.text.split(", "))
    assert middle - lower == 2 * (upper - middle)


def test_every_structure_has_a_recipe_and_no_recipe_is_orphaned():
    assert set(RECIPES) == set(STRUCTURES)


def test_a_strike_beyond_the_listed_ones_is_a_gap_not_an_error():
    edge = LISTED.model_copy(update={"strikes": STRIKES[:3]})
    gap = pick_strikes("bull_put", edge, Decimal("91"), {})
    assert isinstance(gap, MarketGap) and "no strike below" in gap.sentence


def test_without_the_underlyings_price_the_chain_does_not_pick():
    gap = pick_strikes("bull_put", LISTED, None, {})
    assert gap.sentence == "The chain cannot pick strikes (no quote for the underlying): type them."


@pytest.mark.parametrize(
    "events, warned",
    [
        (UnderlyingEvents(symbol="XYZ", earnings=date(2026, 4, 17)), ["Earnings 2026-04-17"]),
        (UnderlyingEvents(symbol="XYZ", earnings=date(2026, 4, 18)), []),
        (UnderlyingEvents(symbol="XYZ", ex_dividend=date(2026, 3, 4)), ["Ex-dividend 2026-03-04"]),
        (UnderlyingEvents(symbol="XYZ", ex_dividend=date(2026, 3, 3)), []),
    ],
)
def test_events_inside_the_trades_life_are_warned_of(events, warned):
    found = events_inside(events, date(2026, 3, 4), APRIL)
    assert [text.split(" f")[0] for text in found] == warned
