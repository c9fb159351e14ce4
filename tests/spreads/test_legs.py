"""Legs: actions, symbols, underlyings, the order JSON, and merged fills."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from utils.spreads.builders import bull_put_credit
from utils.spreads.legs import Leg, LegAction, PriceEffect, SpreadError, merge_legs
from utils.spreads.spread import Spread
from utils.spreads.symbols import SymbolError

JAN = date(2025, 1, 17)


def test_leg_accepts_csv_action_and_streamer_symbol():
    leg = Leg(symbol=".SPY250117P450", action="SELL_TO_OPEN", quantity=1)
    assert leg.action is LegAction.SELL_TO_OPEN
    assert leg.occ == "SPY   250117P00450000"
    assert leg.signed_quantity == -1


def test_leg_refuses_unknown_action_with_its_name():
    with pytest.raises(SpreadError, match="'Hold'"):
        Leg.from_occ("SPY   250117P00450000", "Hold", 1)


def test_leg_refuses_invalid_symbol_with_the_symbol_quoted():
    with pytest.raises(SymbolError, match="250230"):
        Leg.from_occ("SPY   250230P00450000", LegAction.BUY_TO_OPEN, 1)


def test_leg_underlying_defaults_from_weekly_root_and_can_be_given():
    assert Leg.from_occ("SPXW  250117P05800000", "Buy to Open", 1).underlying == "SPX"
    adjusted = Leg.from_occ("BRKB1 250117C00400000", "Buy to Open", 1, underlying="BRK/B")
    assert adjusted.underlying == "BRK/B"


def test_order_legs_have_tastytrade_json_shape_with_padded_symbols():
    assert bull_put_credit("SPY", JAN, 450, 445, "1.20", quantity=3).to_order_legs() == [
        {
            "instrument-type": "Equity Option",
            "symbol": "SPY   250117P00450000",
            "quantity": 3,
            "action": "Sell to Open",
        },
        {
            "instrument-type": "Equity Option",
            "symbol": "SPY   250117P00445000",
            "quantity": 3,
            "action": "Buy to Open",
        },
    ]


def test_merge_legs_sums_fills_at_the_weighted_price():
    fills = [
        Leg.from_occ("SPY   250117P00450000", "Sell to Open", 1, price=Decimal("3.00")),
        Leg.from_occ("SPY   250117P00450000", "Sell to Open", 3, price=Decimal("3.40")),
        Leg.from_occ("SPY   250117P00445000", "Buy to Open", 4, price=Decimal("2.00")),
    ]
    merged = merge_legs(fills)
    assert [(leg.quantity, leg.price) for leg in merged] == [(4, Decimal("3.30")), (4, Decimal(2))]
    spread = Spread.from_legs(merged)
    assert (spread.quantity, spread.price, spread.price_effect) == (
        4,
        Decimal("1.30"),
        PriceEffect.CREDIT,
    )


def test_merge_legs_leaves_price_empty_when_a_fill_has_none():
    fills = [
        Leg.from_occ("SPY   250117P00450000", "Sell to Open", 1, price=Decimal("3.00")),
        Leg.from_occ("SPY   250117P00450000", "Sell to Open", 1),
    ]
    assert merge_legs(fills)[0].price is None
