"""Money: cents both ways, half-up rounding to the cent, and the three ways an amount is written."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils.core.money import (
    MoneyFormatError,
    parse_usd_text,
    cents_as_float_usd,
    exact_usd,
    from_cents,
    plain_usd,
    round_to_cent,
    to_cents,
    usd,
)


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("1.005", "1.01"),
        ("-1.005", "-1.01"),
        ("2.675", "2.68"),
        ("0.004", "0.00"),
        ("1234.5649", "1234.56"),
        ("7", "7.00"),
    ],
)
def test_rounding_to_the_cent_is_half_up(amount, rounded):
    assert str(round_to_cent(Decimal(amount))) == rounded


def test_cents_both_ways():
    assert to_cents(Decimal("-123.45")) == -12345
    assert to_cents(Decimal("-1.235")) == -124
    assert to_cents(Decimal("0.125")) == 13
    assert from_cents(-12345) == Decimal("-123.45")
    assert str(from_cents(5)) == "0.05"


def test_float_dollars_for_statistics_come_from_cents_alone():
    assert cents_as_float_usd(-12345) == -123.45
    column = cents_as_float_usd(pd.Series([100, -250, 1], dtype="float64"))
    assert column.tolist() == [1.0, -2.5, 0.01]


@settings(deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_every_whole_cent_amount_round_trips(cents):
    assert to_cents(from_cents(cents)) == cents


@settings(deadline=None)
@given(st.decimals(min_value=-(10**9), max_value=10**9, places=6, allow_nan=False))
def test_cents_of_any_amount_are_its_rounded_amount(amount):
    assert from_cents(to_cents(amount)) == round_to_cent(amount)
    assert abs(from_cents(to_cents(amount)) - amount) <= Decimal("0.005")


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        ("-1234.56", "-$1,234.56"),
        ("1234567.891", "$1,234,567.89"),
        ("0", "$0.00"),
        ("-0.004", "$0.00"),
        ("-0.005", "-$0.01"),
        ("50", "$50.00"),
    ],
)
def test_usd_is_what_a_person_reads(amount, shown):
    assert usd(Decimal(amount)) == shown


@pytest.mark.parametrize(
    ("amount", "written"),
    [
        ("-150", "-150.00"),
        ("1234.5", "1234.50"),
        ("50.004", "50.00"),
        ("0.004", "0.004"),
        ("-0.0001", "-0.0001"),
        ("0", "0.00"),
    ],
)
def test_plain_usd_never_writes_a_tiny_edge_as_none(amount, written):
    assert plain_usd(Decimal(amount)) == written


@pytest.mark.parametrize(
    ("amount", "written"),
    [("102.302", "102.302"), ("102.3", "102.30"), ("-5", "-5.00"), ("0.0049", "0.0049")],
)
def test_exact_usd_keeps_every_digit_that_rounding_would_hide(amount, written):
    assert exact_usd(Decimal(amount)) == written


# --- the one number format a file or a person writes: -1,234.56 ----------------------------


@pytest.mark.parametrize(
    "text, amount",
    [
        ("47.44", "47.44"),
        ("-1,234.56", "-1234.56"),
        ("$1,234,567.00", "1234567.00"),
        ("-$80.00", "-80.00"),
        ("  12  ", "12"),
        (".95", "0.95"),
        ("0", "0"),
        ("999,999,999,999.999999", "999999999999.999999"),
    ],
)
def test_the_documented_number_format_reads_exactly(text, amount):
    assert parse_usd_text(text) == Decimal(amount)


@pytest.mark.parametrize(
    "text, why",
    [
        ("80,00", "groups of three digits"),
        ("1,2345.00", "groups of three digits"),
        ("12,34,567", "groups of three digits"),
        ("1_000.00", "underscores"),
        ("2_2.28", "underscores"),
        ("1e400", "exponent"),
        ("1E3", "exponent"),
        ("(5.00)", "parentheses"),
        ("+5", "the format -1,234.56"),
        ("$-5", "the format -1,234.56"),
        ("1.2.3", "the format -1,234.56"),
        ("NaN", "the format -1,234.56"),
        ("Infinity", "the format -1,234.56"),
        ("lots", "the format -1,234.56"),
        ("", "empty"),
        ("1234567890123.00", "at most 12 digits"),
        ("1.1234567", "at most 6 decimals"),
    ],
)
def test_an_ambiguous_or_foreign_number_is_refused_saying_why(text, why):
    with pytest.raises(MoneyFormatError) as refused:
        parse_usd_text(text)
    assert why in refused.value.why
    assert refused.value.text == text
