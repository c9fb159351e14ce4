"""How numbers, spans and names read to a person: one shape each, whatever the input type."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from utils.core.display import (
    duration,
    fall,
    label,
    number,
    percent,
    r_multiple,
    ratio,
    signed_usd,
    usd,
    utc_minute,
)
from utils.core.money import parse_usd_text

# The one money shape: optional minus, dollar sign, thousands separators, exactly two decimals.
MONEY = re.compile(r"-?\$\d{1,3}(,\d{3})*\.\d{2}")
AMOUNTS = st.one_of(
    st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False),
    st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(10**9), max_value=10**9),
)


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("-100"), "-$100.00"),
        (382.5816, "$382.58"),
        (10000, "$10,000.00"),
        (Decimal("-1234.56"), "-$1,234.56"),
        (-0.004, "$0.00"),
        (None, "-"),
        (math.nan, "-"),
    ],
)
def test_usd_has_one_shape(amount, shown):
    assert usd(amount) == shown


@given(AMOUNTS)
def test_usd_always_reads_back_as_the_amount_to_the_cent(amount):
    shown = usd(amount)
    assert MONEY.fullmatch(shown), shown
    assert "$-" not in shown
    exact = Decimal(str(amount))
    assert abs(parse_usd_text(shown) - exact) <= Decimal("0.005")


@given(AMOUNTS)
def test_signed_usd_says_the_sign_and_fall_never_does(amount):
    signed, fell = signed_usd(amount), fall(amount)
    assert re.fullmatch(r"[-+]?\$\d{1,3}(,\d{3})*\.\d{2}", signed), signed
    assert fell == usd(abs(Decimal(str(amount)))) and not fell.startswith("-")
    if signed.startswith("+"):
        assert Decimal(str(amount)) > 0


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.2, "+0.20 R"), (0.48, "+0.48 R"), (Decimal("-1"), "-1.00 R"), (-0.001, "0.00 R")],
)
def test_r_multiple_to_two_decimals(value, shown):
    assert r_multiple(value) == shown


@given(st.floats(min_value=-100, max_value=100, allow_nan=False))
def test_r_multiple_always_two_decimals(value):
    assert re.fullmatch(r"[-+]?\d+\.\d{2} R", r_multiple(value))


@pytest.mark.parametrize(
    ("fraction", "decimals", "shown"),
    [(0.625, 0, "63 %"), (0.625, 1, "62.5 %"), (Decimal("0.2301"), 2, "23.01 %"), (1, 0, "100 %")],
)
def test_percent(fraction, decimals, shown):
    assert percent(fraction, decimals) == shown


def test_number_has_separators_and_fixed_decimals():
    assert number(1234.5) == "1,234.50" and number(Decimal("-0.001")) == "0.00"


@pytest.mark.parametrize(
    ("value", "shown"),
    [(math.inf, "∞ (no losses)"), (1.8512, "1.85"), (None, "-"), (0.0, "0.00")],
)
def test_ratio_says_why_it_is_infinite(value, shown):
    assert ratio(value) == shown


@pytest.mark.parametrize(
    ("span", "shown"),
    [
        (timedelta(minutes=19547.5), "13 d 13 h"),
        (timedelta(days=13, hours=14, minutes=59), "13 d 14 h"),
        (timedelta(hours=2, minutes=5), "2 h 05 m"),
        (timedelta(minutes=4, seconds=59), "4 m"),
        (timedelta(seconds=45), "45 s"),
        (timedelta(minutes=-30), "30 m"),
    ],
)
def test_duration_in_its_two_largest_units(span, shown):
    assert duration(span) == shown


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3650)))
def test_duration_never_shows_fractions(span):
    assert re.fullmatch(r"\d+ d \d+ h|\d+ h \d{2} m|\d+ m|\d+ s", duration(span))


@given(st.datetimes(min_value=datetime(1970, 1, 1), timezones=st.just(timezone.utc)))
def test_utc_minute_has_no_seconds(moment):
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", utc_minute(moment))


def test_utc_minute_converts_to_utc():
    moment = datetime(2025, 3, 3, 10, 0, 30, 123456, tzinfo=timezone(timedelta(hours=-5)))
    assert utc_minute(moment) == "2025-03-03 15:00 UTC"


@pytest.mark.parametrize(
    ("value", "shown"),
    [("iron_condor", "Iron condor"), ("closing_order", "Closing order"), ("SIM", "Sim"), ("", "")],
)
def test_label_reads_as_words(value, shown):
    assert label(value) == shown
