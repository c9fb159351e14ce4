"""The spread model against the known answers in tests/fixtures/spread_vectors.json."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.support.spread_vectors import money, spread_from_vector, vectors
from utils.spreads.model import (
    Leg,
    LegAction,
    PositionEffect,
    PriceEffect,
    ProofCode,
    Spread,
    SpreadError,
    Structure,
    bear_call_credit,
    bear_put_debit,
    broken_wing_butterfly,
    bull_call_debit,
    bull_put_credit,
    from_legs,
    iron_butterfly,
    iron_condor,
    long_butterfly,
    merge_legs,
    prove_defined_risk,
    recognize_structure,
    underlying_family,
)
from utils.spreads.symbols import (
    OptionSymbol,
    SymbolError,
    format_occ,
    occ_to_streamer,
    parse_occ,
    parse_streamer,
    streamer_to_occ,
)

JAN = date(2025, 1, 17)
SPREAD_VECTORS = vectors()["spreads"]
SYMBOLS = vectors()["symbols"]


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


def test_naked_put_has_finite_worst_case_and_is_still_refused():
    spread = spread_from_vector(next(v for v in SPREAD_VECTORS if v["id"] == 16))
    assert spread.max_loss_usd == Decimal(44700)
    assert not spread.is_defined_risk
    assert "finite" in spread.proof.sentence and "Uncovered short" in spread.proof.sentence


def test_uncovered_call_ratio_reports_unbounded_loss_slope():
    spread = spread_from_vector(next(v for v in SPREAD_VECTORS if v["id"] == 18))
    assert spread.proof.right_slope_usd == Decimal(-100)
    assert spread.max_loss_usd is None


def test_calendar_is_refused_as_multi_expiration_and_has_no_payoff():
    spread = spread_from_vector(next(v for v in SPREAD_VECTORS if v["id"] == 19))
    # Grouped per expiration, the March short has no March long: uncovered as well.
    assert spread.proof.codes == (ProofCode.MULTI_EXPIRATION, ProofCode.UNCOVERED_SHORT)
    assert spread.profile is None
    assert spread.expiration == date(2025, 3, 21)
    assert spread.expirations == (date(2025, 3, 21), date(2025, 6, 20))
    with pytest.raises(SpreadError, match="multi-expiration"):
        spread.payoff_curve()


# Builders -----------------------------------------------------------------------------------


def test_builders_match_the_known_answer_vectors():
    by_id = {v["id"]: spread_from_vector(v) for v in SPREAD_VECTORS}
    built = {
        1: bull_put_credit("SPY", JAN, 450, 445, "1.20"),
        2: bull_put_credit("SPY", JAN, 450, 445, "1.20", quantity=2),
        3: bear_call_credit("SPY", JAN, 480, 485, "1.10"),
        4: bull_call_debit("SPY", JAN, 450, 455, "2.10"),
        5: bear_put_debit("SPY", JAN, 450, 445, "1.90"),
        6: iron_condor("SPY", JAN, 445, 450, 485, 490, "2.40"),
        7: iron_condor("SPY", JAN, 440, 450, 480, 485, "2.00"),
        8: iron_butterfly("SPY", JAN, 440, 450, 460, "6.00"),
        9: long_butterfly("SPY", JAN, "C", 440, 450, 460, "2.50"),
        10: broken_wing_butterfly("XYZ", JAN, "P", 85, 95, 100, "0.50", "Credit"),
        14: long_butterfly("ABC", date(2025, 3, 21), "C", 40, 50, 60, "2.00", quantity=4),
    }
    for vector_id, spread in built.items():
        expected = by_id[vector_id]
        assert {leg.model_dump_json() for leg in spread.legs} == {
            leg.model_dump_json() for leg in expected.legs
        }, vector_id
        assert (spread.price, spread.price_effect) == (expected.price, expected.price_effect)


@pytest.mark.parametrize(
    "build",
    [
        lambda: bull_put_credit("SPY", JAN, 445, 450, "1.20"),
        lambda: bear_call_credit("SPY", JAN, 485, 480, "1.10"),
        lambda: bull_call_debit("SPY", JAN, 455, 450, "2.10"),
        lambda: bear_put_debit("SPY", JAN, 445, 450, "1.90"),
        lambda: iron_condor("SPY", JAN, 450, 445, 485, 490, "2.40"),
        lambda: iron_butterfly("SPY", JAN, 450, 450, 460, "6.00"),
        lambda: long_butterfly("SPY", JAN, "C", 440, 450, 465, "2.50"),
    ],
    ids=["bull-put", "bear-call", "bull-call", "bear-put", "condor", "iron-fly", "fly-wings"],
)
def test_builders_refuse_strikes_in_the_wrong_order(build):
    with pytest.raises(SpreadError):
        build()


def test_builder_refuses_a_float_price():
    with pytest.raises(SpreadError, match="float"):
        bull_put_credit("SPY", JAN, 450, 445, 1.2)


def test_builder_refuses_zero_quantity():
    with pytest.raises(SpreadError, match="quantity 0"):
        bull_put_credit("SPY", JAN, 450, 445, "1.20", quantity=0)


def test_builder_uses_weekly_root_with_index_underlying():
    spread = iron_condor("SPX", JAN, 5800, 5850, 6100, 6150, "10.00", root="SPXW")
    assert spread.legs[0].occ == "SPXW  250117P05800000"
    assert spread.underlying == "SPX"
    assert spread.family == "S&P 500"


# Symbols ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", SYMBOLS["format"], ids=lambda c: c["occ"])
def test_occ_format_known_answers(case):
    text = format_occ(
        case["root"], date.fromisoformat(case["expiration"]), case["type"], Decimal(case["strike"])
    )
    assert text == case["occ"] and len(text) == 21


@pytest.mark.parametrize("case", SYMBOLS["parse"], ids=lambda c: c["text"])
def test_occ_parse_known_answers_and_re_emit_padded(case):
    symbol = parse_occ(case["text"])
    assert symbol.root == case["root"]
    assert symbol.expiration == date.fromisoformat(case["expiration"])
    assert symbol.option_type.value == case["type"]
    assert symbol.strike == Decimal(case["strike"])
    assert symbol.occ == case["occ"]


@pytest.mark.parametrize("case", SYMBOLS["streamer"], ids=lambda c: c["streamer"])
def test_streamer_round_trip_exact_including_sdk_failures(case):
    assert occ_to_streamer(case["occ"]) == case["streamer"]
    assert streamer_to_occ(case["streamer"]) == case["occ"]
    assert len(streamer_to_occ(case["streamer"])) == 21


@pytest.mark.parametrize("text", SYMBOLS["reject"])
def test_occ_parse_rejects_malformed_symbols(text):
    with pytest.raises(SymbolError):
        parse_occ(text)


@pytest.mark.parametrize("text", SYMBOLS["reject_streamer"])
def test_streamer_parse_rejects_malformed_symbols(text):
    with pytest.raises(SymbolError):
        parse_streamer(text)


def test_format_refuses_strike_with_four_decimals_and_bad_root():
    with pytest.raises(SymbolError, match="8 digits"):
        format_occ("SPY", JAN, "P", Decimal("450.0001"))
    with pytest.raises(SymbolError, match="root"):
        format_occ("SPYSPYS", JAN, "P", Decimal(450))


def test_two_digit_years_are_2000_to_2099():
    assert parse_occ("SPY   690117P00450000").expiration == date(2069, 1, 17)
    with pytest.raises(SymbolError, match="2000-2099"):
        format_occ("SPY", date(1999, 1, 15), "P", Decimal(450))


def test_option_symbol_str_is_the_occ_symbol():
    symbol = OptionSymbol(root="SPY", expiration=JAN, option_type="P", strike=Decimal(450))
    assert str(symbol) == "SPY   250117P00450000"


# Legs ---------------------------------------------------------------------------------------


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
    spread = from_legs(merged)
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


# Spread construction ------------------------------------------------------------------------


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


# Recognition --------------------------------------------------------------------------------


def _legs(*specs: tuple[str, str, int]) -> list[Leg]:
    return [Leg.from_occ(occ, action, quantity) for occ, action, quantity in specs]


def test_recognition_ignores_leg_order():
    legs = _legs(
        ("SPY   250117C00490000", "Buy to Open", 1),
        ("SPY   250117P00450000", "Sell to Open", 1),
        ("SPY   250117C00485000", "Sell to Open", 1),
        ("SPY   250117P00445000", "Buy to Open", 1),
    )
    assert recognize_structure(legs) is Structure.IRON_CONDOR


def test_recognition_reads_a_closing_order_by_its_signs():
    legs = _legs(
        ("SPY   250117P00450000", "Buy to Close", 1),
        ("SPY   250117P00445000", "Sell to Close", 1),
    )
    assert recognize_structure(legs) is Structure.BEAR_PUT_DEBIT


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        ((("SPY   250117C00450000", "Buy to Open", 1),), Structure.LONG_CALL),
        ((("SPY   250117P00450000", "Buy to Open", 1),), Structure.LONG_PUT),
        ((("SPY   250117C00450000", "Sell to Open", 1),), Structure.SHORT_CALL),
        (
            (("SPY   250117C00450000", "Buy to Open", 1), ("SPY   250321C00455000", "Sell", 1)),
            Structure.DIAGONAL,
        ),
        (
            (
                ("SPY   250117C00450000", "Sell to Open", 1),
                ("SPY   250117P00450000", "Sell to Open", 1),
            ),
            Structure.CUSTOM,
        ),
        (
            (
                ("SPY   250117C00440000", "Sell to Open", 1),
                ("SPY   250117C00450000", "Buy to Open", 2),
                ("SPY   250117C00460000", "Sell to Open", 1),
            ),
            Structure.SHORT_BUTTERFLY,
        ),
        (
            (
                ("SPY   250117C00440000", "Buy to Open", 1),
                ("SPY   250117C00450000", "Sell to Open", 3),
                ("SPY   250117C00460000", "Buy to Open", 1),
            ),
            Structure.CUSTOM,
        ),
        (
            (
                ("SPY   250117P00455000", "Buy to Open", 1),
                ("SPY   250117P00460000", "Sell to Open", 1),
                ("SPY   250117C00450000", "Sell to Open", 1),
                ("SPY   250117C00465000", "Buy to Open", 1),
            ),
            Structure.CUSTOM,
        ),
        (
            (
                ("SPY   250117P00445000", "Buy to Open", 1),
                ("SPY   250117P00450000", "Sell to Open", 1),
                ("SPY   250117P00455000", "Sell to Open", 1),
                ("SPY   250117P00460000", "Buy to Open", 1),
            ),
            Structure.CUSTOM,
        ),
    ],
    ids=[
        "long-call",
        "long-put",
        "short-call",
        "diagonal",
        "short-strangle",
        "short-fly",
        "uneven-ratio-fly",
        "inverted-condor",
        "four-puts",
    ],
)
def test_recognition_of_other_shapes(specs, expected):
    legs = [
        Leg.from_occ(occ, "Sell to Open" if action == "Sell" else action, q)
        for occ, action, q in specs
    ]
    assert recognize_structure(legs) is expected


def test_recognition_of_mixed_underlyings_is_custom():
    legs = _legs(
        ("SPY   250117P00450000", "Sell to Open", 1), ("QQQ   250117P00400000", "Buy to Open", 1)
    )
    assert recognize_structure(legs) is Structure.CUSTOM
    assert recognize_structure([]) is Structure.CUSTOM


def test_structure_label_is_human():
    assert Structure.BULL_PUT_CREDIT.label == "Bull put credit"


# Proof on arbitrary legs --------------------------------------------------------------------


def test_proof_refuses_mixed_underlyings_and_multipliers():
    legs = [
        Leg.from_occ("SPY   250117P00450000", "Sell to Open", 1),
        Leg.from_occ("QQQ   250117P00400000", "Buy to Open", 1, multiplier=10),
    ]
    proof = prove_defined_risk(legs)
    assert ProofCode.MIXED_UNDERLYING in proof.codes
    assert ProofCode.MIXED_DELIVERABLE in proof.codes
    assert not proof.defined_risk


def test_proof_counts_longs_of_another_strike_as_cover():
    proof = bull_put_credit("SPY", JAN, 450, 445, "1.20", quantity=3).proof
    assert proof.defined_risk
    assert [(g.long_contracts, g.short_contracts) for g in proof.coverage] == [(3, 3)]
    assert "Defined risk" in proof.sentence


def test_proof_of_no_legs_is_not_defined_risk():
    assert not prove_defined_risk([]).defined_risk


# Payoff curve and families ------------------------------------------------------------------


def test_payoff_curve_includes_strikes_and_breakevens_net_of_fees():
    spread = bull_put_credit("SPY", JAN, 450, 445, "1.20")
    points = spread.payoff_curve(fees_usd=Decimal("2.60"))
    prices = [p.underlying_price for p in points]
    assert prices == [Decimal("222.5"), Decimal(445), Decimal("448.8"), Decimal(450), Decimal(675)]
    assert points[0].pl_usd == Decimal("-382.60")
    assert points[-1].pl_usd == Decimal("117.40")


def test_payoff_curve_with_explicit_range_and_bad_range():
    spread = bull_put_credit("SPY", JAN, 450, 445, "1.20")
    points = spread.payoff_curve(lower=Decimal(440), upper=Decimal(447))
    assert [p.underlying_price for p in points] == [Decimal(440), Decimal(445), Decimal(447)]
    with pytest.raises(SpreadError, match="increasing"):
        spread.payoff_curve(lower=Decimal(450), upper=Decimal(440))


def test_pl_at_refuses_a_negative_price():
    with pytest.raises(SpreadError, match="negative"):
        bull_put_credit("SPY", JAN, 450, 445, "1.20").profile.pl_at(Decimal(-1))


@pytest.mark.parametrize(
    ("symbol", "family"),
    [
        ("SPY", "S&P 500"),
        ("SPX", "S&P 500"),
        ("XSP", "S&P 500"),
        ("QQQ", "Nasdaq-100"),
        ("NDX", "Nasdaq-100"),
        ("XND", "Nasdaq-100"),
        ("IWM", "Russell 2000"),
        ("RUT", "Russell 2000"),
        ("aapl", "AAPL"),
    ],
)
def test_index_families_count_as_one_underlying(symbol, family):
    assert underlying_family(symbol) == family
