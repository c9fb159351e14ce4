"""POP and expected value under the lognormal model, against research section 8.4."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.support.spread_vectors import spread_from_vector, vectors
from utils.spreads import builders
from utils.spreads.probability import (
    expected_value_usd,
    one_sd_move,
    probability_above,
    probability_of_profit,
)
from utils.spreads.legs import SpreadError
from utils.spreads.spread import Spread

JAN = date(2025, 1, 17)
ODDS = vectors()["probabilities"]
INPUTS = ODDS["inputs"]


def _spread(case: dict) -> Spread:
    build = getattr(builders, case["builder"])
    return build("SPY", JAN, *case["strikes"], case["price"])


def _model(case: dict) -> dict:
    return {
        "spot": INPUTS["spot"],
        "volatility": INPUTS["volatility"],
        "days": INPUTS["days"],
        "rate": case.get("rate", INPUTS["rate"]),
    }


@pytest.mark.parametrize("case", ODDS["cases"], ids=lambda c: c["name"])
def test_pop_known_answers(case):
    pop = probability_of_profit(_spread(case), **_model(case))
    assert pop == pytest.approx(case["pop"], abs=ODDS["tolerance"])


@pytest.mark.parametrize("case", ODDS["cases"], ids=lambda c: c["name"])
def test_expected_value_known_answers(case):
    ev = expected_value_usd(_spread(case), **_model(case))
    tolerance = case.get("ev_tolerance_usd", ODDS["ev_tolerance_usd"])
    assert ev == pytest.approx(case["ev_usd"], abs=tolerance)


def test_probability_of_max_profit_for_bull_put():
    case = ODDS["cases"][0]
    p = probability_above(Decimal(case["p_max_profit_above"]), **_model(case))
    assert p == pytest.approx(case["p_max_profit"], abs=ODDS["tolerance"])


def test_one_standard_deviation_move():
    move = one_sd_move(spot=INPUTS["spot"], volatility=INPUTS["volatility"], days=INPUTS["days"])
    assert move == pytest.approx(ODDS["one_sd_move"], abs=1e-4)


def test_fees_lower_expected_value_one_for_one():
    spread = _spread(ODDS["cases"][0])
    model = _model(ODDS["cases"][0])
    gross = expected_value_usd(spread, **model)
    assert expected_value_usd(spread, **model, fees_usd=2.6) == pytest.approx(gross - 2.6)


def test_high_pop_does_not_mean_positive_ev():
    case = ODDS["cases"][0]
    assert probability_of_profit(_spread(case), **_model(case)) > 0.7
    assert expected_value_usd(_spread(case), **_model(case)) < 0


def test_calendar_has_no_odds():
    calendar = spread_from_vector(next(v for v in vectors()["spreads"] if v["id"] == 19))
    with pytest.raises(SpreadError, match="multi-expiration"):
        probability_of_profit(calendar, spot=43, volatility=0.3, days=30)
    with pytest.raises(SpreadError, match="multi-expiration"):
        expected_value_usd(calendar, spot=43, volatility=0.3, days=30)


@pytest.mark.parametrize(("spot", "vol", "days"), [(0, 0.2, 30), (100, 0, 30), (100, 0.2, 0)])
def test_model_inputs_must_be_positive(spot, vol, days):
    spread = _spread(ODDS["cases"][0])
    with pytest.raises(SpreadError, match="probability inputs"):
        probability_of_profit(spread, spot=spot, volatility=vol, days=days)
