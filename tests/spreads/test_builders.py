"""Builders for the named spreads match the known answers and refuse bad strikes."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.spread_vectors import spread_from_vector, vectors
from utils.spreads.builders import (
    bear_call_credit,
    bear_put_debit,
    broken_wing_butterfly,
    bull_call_debit,
    bull_put_credit,
    iron_butterfly,
    iron_condor,
    long_butterfly,
)
from utils.spreads.legs import SpreadError

JAN = date(2025, 1, 17)
SPREAD_VECTORS = vectors()["spreads"]


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
