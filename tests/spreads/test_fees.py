"""Fees: tastytrade's schedule as the cockpit's estimate, the dry-run's breakdown preferred."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.support.spread_vectors import vectors
from utils.spreads.fees import (
    FeeBreakdown,
    FeeError,
    FeeSchedule,
    FeeSource,
    estimate_fees,
    fee_aware_max_loss_usd,
    order_fees,
)
from utils.spreads.builders import bull_put_credit, iron_condor
from utils.spreads.legs import Leg
from utils.spreads.spread import Spread

JAN = date(2025, 1, 17)
FEES = vectors()["fees"]


def _structure(name: str, underlying: str, quantity: int) -> Spread:
    if name == "vertical":
        return bull_put_credit(underlying, JAN, 450, 445, "1.20", quantity=quantity)
    return iron_condor(underlying, JAN, 440, 450, 480, 490, "3.00", quantity=quantity)


@pytest.mark.parametrize("case", FEES["schedule_cases"], ids=lambda c: c["name"])
def test_schedule_commission_and_clearing_known_answers(case):
    spread = _structure(case["structure"], case["underlying"], case["quantity"])
    legs = spread.closing_legs() if case["closing"] else spread.legs
    fees = estimate_fees(legs, FeeSchedule())
    assert fees.commission_usd == Decimal(case["commission_usd"])
    assert fees.clearing_usd == Decimal(case["clearing_usd"])
    assert fees.source is FeeSource.SCHEDULE


def test_regulatory_estimate_is_orf_on_every_contract_and_taf_on_sells():
    fees = estimate_fees(bull_put_credit("SPY", JAN, 450, 445, "1.20").legs, FeeSchedule())
    assert fees.regulatory_usd == Decimal("0.0388") * 2 + Decimal("0.002")
    assert fees.total_usd == Decimal("2.2796")


def test_sec_fee_applies_to_sale_proceeds_when_the_leg_has_a_price():
    schedule = FeeSchedule(
        orf_per_contract=0, taf_per_sold_contract=0, sec_rate_per_dollar_sold="0.0000278"
    )
    legs = [
        Leg.from_occ("SPY   250117P00450000", "Sell to Open", 2, price=Decimal("3.00")),
        Leg.from_occ("SPY   250117P00445000", "Buy to Open", 2, price=Decimal("1.80")),
    ]
    assert estimate_fees(legs, schedule).regulatory_usd == Decimal("0.0000278") * 600


def test_index_option_fee_only_on_broad_based_indexes():
    schedule = FeeSchedule(index_option_fee_per_contract=Decimal("0.65"))
    spx = estimate_fees(_structure("iron_condor", "SPX", 1).legs, schedule)
    spy = estimate_fees(_structure("iron_condor", "SPY", 1).legs, schedule)
    assert spx.index_option_fees_usd == Decimal("2.60")
    assert spy.index_option_fees_usd == 0


def test_dry_run_fee_breakdown_is_read_exactly():
    fees = FeeBreakdown.from_dry_run(FEES["dry_run_fee_calculation"])
    expected = FEES["dry_run_expected"]
    assert fees.commission_usd == Decimal(expected["commission_usd"])
    assert fees.clearing_usd == Decimal(expected["clearing_usd"])
    assert fees.regulatory_usd == Decimal(expected["regulatory_usd"])
    assert fees.total_usd == Decimal(expected["total_usd"])
    assert fees.source is FeeSource.DRY_RUN


def test_dry_run_credit_effect_is_money_received():
    fees = FeeBreakdown.from_dry_run(
        {
            "total-fees": "0.50",
            "total-fees-effect": "Credit",
            "rebates": "0.60",
            "rebates-effect": "Credit",
        }
    )
    assert fees.total_usd == Decimal("-0.50")
    assert fees.rebates_usd == Decimal("0.60")


def test_dry_run_without_total_names_the_field():
    with pytest.raises(FeeError, match="'total-fees'"):
        FeeBreakdown.from_dry_run({"commission": "1.0"})


@pytest.mark.parametrize("bad", ["abc", "NaN"])
def test_dry_run_with_a_non_number_names_the_field(bad):
    with pytest.raises(FeeError, match="'commission' is not a number"):
        FeeBreakdown.from_dry_run({"commission": bad, "total-fees": "1"})


def test_order_fees_prefer_the_dry_run_and_its_closing_estimate():
    spread = bull_put_credit("SPY", JAN, 450, 445, "1.20")
    dry_run = {
        "fee-calculation": FEES["dry_run_fee_calculation"],
        "closing-fee-calculation": {"total-fees": "0.30", "total-fees-effect": "Debit"},
    }
    fees = order_fees(spread, FeeSchedule(), dry_run)
    assert fees.order.source is FeeSource.DRY_RUN and fees.to_close.source is FeeSource.DRY_RUN
    assert fees.total_usd == Decimal("2.602")
    assert fee_aware_max_loss_usd(spread, fees) == Decimal("382.602")


def test_order_fees_fall_back_to_the_schedule_without_a_dry_run():
    spread = bull_put_credit("SPY", JAN, 450, 445, "1.20")
    fees = order_fees(spread, FeeSchedule())
    assert fees.order.total_usd == Decimal("2.2796")
    assert fees.to_close.total_usd == Decimal("0.2796")
    assert fee_aware_max_loss_usd(spread, fees) == Decimal("382.5592")


def test_closing_order_has_no_later_closing_fees():
    opening = bull_put_credit("SPY", JAN, 450, 445, "1.20")
    closing = Spread(legs=opening.closing_legs(), price=Decimal("0.40"), price_effect="Debit")
    fees = order_fees(closing, FeeSchedule())
    assert fees.to_close is None
    assert fees.order.commission_usd == 0


def test_fee_aware_max_loss_is_none_when_unbounded():
    legs = [Leg.from_occ("SPY   250117C00450000", "Sell to Open", 1)]
    naked_call = Spread(legs=tuple(legs), price=Decimal(3), price_effect="Credit")
    assert fee_aware_max_loss_usd(naked_call, order_fees(naked_call, FeeSchedule())) is None
