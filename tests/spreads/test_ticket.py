"""The order ticket's form: each structure builds the right spread; bad fields are named."""

from __future__ import annotations

from decimal import Decimal

import pytest

from utils.spreads.ticket import STRUCTURES, TicketError, build_ticket_spread

BASE = dict(underlying="spy", expiration="2026-12-18", quantity=1)


@pytest.mark.parametrize(
    "structure, strikes, price, max_loss, max_profit",
    [
        ("bull_put", "445, 450", "1.20", "380.00", "120.00"),
        ("bear_call", "470, 475", "1.00", "400.00", "100.00"),
        ("bull_call", "450, 455", "2.00", "200.00", "300.00"),
        ("bear_put", "445, 450", "2.00", "200.00", "300.00"),
        ("iron_condor", "440, 445, 465, 470", "1.50", "350.00", "150.00"),
        ("iron_butterfly", "440, 450, 460", "6.00", "400.00", "600.00"),
        ("call_butterfly", "440, 450, 460", "2.00", "200.00", "800.00"),
        ("put_butterfly", "440, 450, 460", "2.00", "200.00", "800.00"),
        ("short_call_butterfly", "440, 450, 460", "3.00", "700.00", "300.00"),
        ("short_put_butterfly", "440, 450, 460", "3.00", "700.00", "300.00"),
        # research options_math.md 12: +1 P100, -2 P95, +1 P85 for 0.50 credit, max loss $450
        ("bwb_put_credit", "85, 95, 100", "0.50", "450.00", "550.00"),
        ("bwb_call_debit", "440, 445, 455", "0.40", "540.00", "460.00"),
        ("custom_credit", "+1 P 440, -1 P 445, -1 C 465, +1 C 475", "1.50", "850.00", "150.00"),
        ("custom_debit", "+1 C 450, -2 C 455, +1 C 460", "1.00", "100.00", "400.00"),
    ],
)
def test_each_structure_builds_its_spread(structure, strikes, price, max_loss, max_profit):
    spread = build_ticket_spread(structure=structure, strikes=strikes, limit_price=price, **BASE)
    assert spread.is_defined_risk
    assert spread.underlying == "SPY"
    assert spread.max_loss_usd == Decimal(max_loss)
    assert spread.max_profit_usd == Decimal(max_profit)


def test_quantity_scales_the_risk():
    spread = build_ticket_spread(
        structure="bull_put", strikes="445 450", limit_price="1.20", **{**BASE, "quantity": "3"}
    )
    assert spread.quantity == 3 and spread.max_loss_usd == Decimal("1140.00")


@pytest.mark.parametrize(
    "change, field",
    [
        ({"underlying": " "}, "underlying"),
        ({"structure": "naked_put"}, "structure"),
        ({"expiration": "next friday"}, "expiration"),
        ({"quantity": "two"}, "quantity"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": None}, "quantity"),
        ({"quantity": "1.5"}, "quantity"),
        ({"limit_price": "abc"}, "limit price"),
        ({"limit_price": "-1"}, "limit price"),
        ({"strikes": "445"}, "strikes"),
        ({"strikes": "450, 445"}, "strikes"),
        ({"strikes": "445, 445"}, "strikes"),
    ],
)
def test_bad_field_is_named(change, field):
    values = {**BASE, "structure": "bull_put", "strikes": "445, 450", "limit_price": "1.20"}
    with pytest.raises(TicketError) as raised:
        build_ticket_spread(**{**values, **change})
    assert raised.value.field == field and str(raised.value).startswith(field)


def test_every_menu_entry_names_its_strikes():
    assert all(choice.strikes and choice.label for choice, _ in STRUCTURES.values())


def test_parse_amount_blank_is_none_unless_required():
    from utils.spreads.ticket import parse_amount

    assert parse_amount("stop loss", "  ") is None
    assert parse_amount("stop loss", "200") == Decimal("200")
    with pytest.raises(TicketError, match="exit price: enter an amount"):
        parse_amount("exit price", "", required=True)
    with pytest.raises(TicketError, match="profit target: 'lots' is not a number"):
        parse_amount("profit target", "lots")
    with pytest.raises(TicketError, match="is not a number"):
        parse_amount("fees", "NaN")


@pytest.mark.parametrize("quantity", [0, None, "", "1.5", "-2", "two"])
def test_a_quantity_below_one_or_not_whole_says_what_it_must_be(quantity):
    values = {**BASE, "structure": "bull_put", "strikes": "445, 450", "limit_price": "1.20"}
    with pytest.raises(TicketError) as raised:
        build_ticket_spread(**{**values, "quantity": quantity})
    assert str(raised.value) == "quantity: must be a whole number of at least 1"


def test_unequal_wings_on_a_long_butterfly_name_the_structure_to_pick_not_a_function():
    with pytest.raises(TicketError) as raised:
        build_ticket_spread(
            **BASE, structure="call_butterfly", strikes="440, 450, 465", limit_price="2.00"
        )
    assert "broken-wing butterfly" in str(raised.value) and "()" not in str(raised.value)


def test_custom_legs_that_leave_a_short_uncovered_build_and_carry_the_proofs_reason():
    spread = build_ticket_spread(
        **BASE, structure="custom_credit", strikes="+1 P 440, -2 P 445", limit_price="1.00"
    )
    assert not spread.is_defined_risk
    assert "Uncovered short" in spread.proof.sentence


@pytest.mark.parametrize(
    "legs, problem",
    [
        ("", "enter 1 to 4 legs"),
        ("+1 P 440, -1 P 445, -1 C 465, +1 C 470, +1 C 480", "enter 1 to 4 legs"),
        ("buy 440 put", "is not a leg"),
        ("+0 P 440", "the ratio must be at least 1"),
        ("+1 P 440, -1 P 440", "each option may appear in one leg only"),
        ("+1 P abc", "is not a number"),
    ],
)
def test_bad_custom_legs_say_what_is_wrong(legs, problem):
    with pytest.raises(TicketError) as raised:
        build_ticket_spread(**BASE, structure="custom_debit", strikes=legs, limit_price="1.00")
    assert raised.value.field == "legs" and problem in str(raised.value)


@pytest.mark.parametrize(
    "change, field, fragment",
    [
        ({"limit_price": "1_20"}, "limit price", "underscores"),
        ({"limit_price": "1e0"}, "limit price", "exponent"),
        ({"limit_price": "1,20"}, "limit price", "groups of three digits"),
        ({"strikes": "4_45, 450"}, "strikes", "underscores"),
        ({"strikes": "445, 4.5e2"}, "strikes", "exponent"),
        ({"quantity": "1001"}, "quantity", "above 1,000 contracts per ticket"),
        ({"quantity": "9" * 40}, "quantity", "contracts per ticket"),
    ],
)
def test_ticket_numbers_follow_the_one_format_and_quantity_is_bounded(change, field, fragment):
    values = {**BASE, "structure": "bull_put", "strikes": "445, 450", "limit_price": "1.20"}
    with pytest.raises(TicketError) as raised:
        build_ticket_spread(**{**values, **change})
    assert raised.value.field == field and fragment in str(raised.value)


def test_a_thousand_contracts_is_still_a_ticket():
    values = {**BASE, "structure": "bull_put", "strikes": "445, 450", "limit_price": "$1.20"}
    assert build_ticket_spread(**{**values, "quantity": "1000"}).quantity == 1000
