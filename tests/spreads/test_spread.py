"""The spread against the known answers in tests/fixtures/spread_vectors.json; its construction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.support.spread_vectors import money, spread_from_vector, vectors
from utils.spreads.builders import bull_call_debit, bull_put_credit, iron_condor, long_butterfly
from utils.spreads.legs import Leg, LegAction, PositionEffect, PriceEffect, SpreadError
from utils.spreads.spread import Spread
from utils.spreads.structures import Structure

JAN = date(2025, 1, 17)
SPREAD_VECTORS = vectors()["spreads"]


def _id(vector: dict) -> str:
    return f"{vector['id']}-{vector['name']}"


@pytest.mark.parametrize("vector", SPREAD_VECTORS, ids=_id)
def test_known_answer_structure_and_proof(vector):
    spread = spread_from_vector(vector)
    assert spread.structure == Structure(vector["structure"])
    assert spread.is_defined_risk is vector["defined_risk"]
    assert [code.value for code in spread.proof.codes] == vector["proof_codes"]


@pytest.mark.parametrize("vector", SPREAD_VECTORS, ids=_id)
def test_known_answer_max_profit_max_loss_breakevens(vector):
    spread = spread_from_vector(vector)
    assert spread.max_profit_usd == money(vector["max_profit_usd"])
    assert spread.max_loss_usd == money(vector["max_loss_usd"])
    assert spread.breakevens == tuple(Decimal(b) for b in vector["breakevens"])
    for price, pl in vector.get("pl_at", {}).items():
        assert spread.profile.pl_at(Decimal(price)) == Decimal(pl)


@pytest.mark.parametrize("vector", SPREAD_VECTORS, ids=_id)
def test_known_answer_requirement_and_buying_power(vector):
    spread = spread_from_vector(vector)
    if vector["requirement_usd"] is not None:
        assert spread.requirement_usd == Decimal(vector["requirement_usd"])
    assert spread.buying_power_usd() == money(vector["buying_power_usd"])


def test_dry_run_example_buying_power_is_max_loss_plus_opening_fees():
    vector = next(v for v in SPREAD_VECTORS if v["id"] == 15)
    spread = spread_from_vector(vector)
    bp = spread.buying_power_usd(Decimal(vector["fees_open_usd"]))
    assert bp == Decimal(vector["buying_power_with_fees_usd"]) == Decimal("102.302")


def test_defined_risk_buying_power_equals_max_loss_for_every_defined_risk_vector():
    for vector in SPREAD_VECTORS:
        spread = spread_from_vector(vector)
        if spread.is_defined_risk:
            assert spread.buying_power_usd() == spread.max_loss_usd, vector["name"]


def test_from_legs_derives_a_debit_from_leg_prices():
    spread = Spread.from_legs(
        [
            Leg.from_occ("SPY   250117C00450000", "Buy to Open", 2, price=Decimal("5.10")),
            Leg.from_occ("SPY   250117C00455000", "Sell to Open", 2, price=Decimal("3.00")),
        ]
    )
    assert (spread.price, spread.price_effect) == (Decimal("2.10"), PriceEffect.DEBIT)
    assert spread.max_loss_usd == Decimal(420)


def test_from_legs_without_any_price_names_the_leg():
    legs = [Leg.from_occ("SPY   250117P00450000", "Sell to Open", 1)]
    with pytest.raises(SpreadError, match="Sell to Open 1 SPY 2025-01-17 450 P"):
        Spread.from_legs(legs)


def test_from_legs_with_price_but_no_effect_is_refused():
    legs = [Leg.from_occ("SPY   250117P00450000", "Sell to Open", 1)]
    with pytest.raises(SpreadError, match="price effect"):
        Spread.from_legs(legs, Decimal("1.00"))


def test_from_legs_without_legs_is_refused():
    with pytest.raises(SpreadError, match="at least one leg"):
        Spread.from_legs([])


def test_spread_refuses_two_underlyings():
    legs = (
        Leg.from_occ("SPY   250117P00450000", "Sell to Open", 1),
        Leg.from_occ("QQQ   250117P00400000", "Buy to Open", 1),
    )
    with pytest.raises(SpreadError, match="underlyings"):
        Spread(legs=legs, price=Decimal(1), price_effect="Credit")


def test_spread_refuses_repeated_symbol():
    legs = (
        Leg.from_occ("SPY   250117P00450000", "Sell to Open", 1),
        Leg.from_occ("SPY   250117P00450000", "Sell to Open", 1),
    )
    with pytest.raises(SpreadError, match="merge_legs"):
        Spread(legs=legs, price=Decimal(1), price_effect="Credit")


def test_spread_refuses_mixed_multipliers():
    legs = (
        Leg.from_occ("XYZ   250117P00050000", "Sell to Open", 1),
        Leg.from_occ("XYZ1  250117P00045000", "Buy to Open", 1, underlying="XYZ", multiplier=50),
    )
    with pytest.raises(SpreadError, match="deliverable"):
        Spread(legs=legs, price=Decimal(1), price_effect="Credit")


def test_quantity_is_the_gcd_and_ratios_are_per_unit():
    fly = long_butterfly("SPY", JAN, "C", 440, 450, 460, "2.50", quantity=3)
    assert fly.quantity == 3
    assert fly.ratios == (1, -2, 1)


def test_with_quantity_scales_dollars_but_not_breakevens():
    one = iron_condor("SPY", JAN, 445, 450, 485, 490, "2.40")
    five = one.with_quantity(5)
    assert five.max_loss_usd == one.max_loss_usd * 5
    assert five.max_profit_usd == one.max_profit_usd * 5
    assert five.breakevens == one.breakevens
    with pytest.raises(SpreadError):
        one.with_quantity(0)


def test_with_quantity_after_reading_figures_recomputes_them():
    one = bull_put_credit("SPY", JAN, 450, 445, "1.20")
    assert (one.max_loss_usd, one.structure) == (Decimal(380), Structure.BULL_PUT_CREDIT)
    assert one.with_quantity(3).max_loss_usd == Decimal(1140)
    assert one.with_quantity(3).proof.coverage[0].short_contracts == 3


def test_with_price_reprices_the_same_legs():
    spread = bull_put_credit("SPY", JAN, 450, 445, "1.20").with_price(Decimal("0.90"), "Credit")
    assert spread.max_loss_usd == Decimal(410)


def test_credit_at_the_width_leaves_zero_max_loss():
    spread = bull_put_credit("SPY", JAN, 450, 445, "5.00")
    assert spread.max_loss_usd == 0
    assert spread.is_defined_risk


def test_position_effect_and_closing_legs():
    opening = bull_put_credit("SPY", JAN, 450, 445, "1.20", quantity=2)
    assert opening.position_effect is PositionEffect.OPENING
    closing = Spread(legs=opening.closing_legs(), price=Decimal("0.40"), price_effect="Debit")
    assert closing.position_effect is PositionEffect.CLOSING
    assert [leg.action for leg in closing.legs] == [LegAction.BUY_TO_CLOSE, LegAction.SELL_TO_CLOSE]
    mixed = Spread(
        legs=(closing.legs[0], opening.legs[1]), price=Decimal("1"), price_effect="Debit"
    )
    assert mixed.position_effect is PositionEffect.MIXED


def test_risk_width_is_vertical_width_or_wider_condor_wing_and_none_for_debits():
    assert bull_put_credit("SPY", JAN, 450, 445, "1.20").risk_width == Decimal(5)
    assert iron_condor("SPY", JAN, 440, 450, 480, 485, "2.00").risk_width == Decimal(10)
    assert bull_call_debit("SPY", JAN, 450, 455, "2.10").risk_width is None
