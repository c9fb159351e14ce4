"""OCC and streamer symbols parse and format exactly (tests/fixtures/spread_vectors.json)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.support.spread_vectors import vectors
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
SYMBOLS = vectors()["symbols"]


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
