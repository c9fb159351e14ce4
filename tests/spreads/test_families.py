"""Underlyings that move as one count as one family."""

from __future__ import annotations


import pytest

from utils.spreads.families import underlying_family


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
