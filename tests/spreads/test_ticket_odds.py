"""The ticket's odds estimate: the model's POP and EV from the typed underlying price and IV."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from utils.spreads.probability import (
    DEFAULT_VOLATILITY,
    expected_value_usd,
    probability_of_profit,
)
from utils.spreads.ticket import build_ticket_spread
from utils.spreads.ticket_odds import OddsEstimate, OddsGap, OddsGapCode, estimate_ticket_odds

NOW = datetime(2025, 1, 22, 21, 0, tzinfo=timezone.utc)  # 30 days before 16:00 NY on Feb 21
BULL_PUT = build_ticket_spread(
    underlying="SPY",
    structure="bull_put",
    expiration="2025-02-21",
    strikes="520, 525",
    quantity=1,
    limit_price="1.00",
)


def test_blank_iv_uses_the_documented_default_and_says_so():
    odds = estimate_ticket_odds(
        BULL_PUT, underlying_price="530", implied_volatility_pct="", now=NOW
    )
    model = {"spot": 530, "volatility": DEFAULT_VOLATILITY, "days": 30}
    assert odds == OddsEstimate(
        probability_of_profit=probability_of_profit(BULL_PUT, **model),
        expected_value_usd=expected_value_usd(BULL_PUT, **model),
        underlying_price=530.0,
        volatility=0.20,
        volatility_assumed=True,
        days=30.0,
        one_sd_move=530.0 * 0.20 * (30.0 / 365) ** 0.5,
    )
    assert odds.one_sd_move == pytest.approx(30.39, abs=0.01)
    assert odds.probability_of_profit == pytest.approx(0.567454, abs=1e-6)
    assert odds.expected_value_usd == pytest.approx(-106.5256, abs=1e-4)


@pytest.mark.parametrize("typed", ["18", "18%", "18 %", 18])
def test_typed_iv_is_a_percentage(typed):
    odds = estimate_ticket_odds(
        BULL_PUT, underlying_price=530, implied_volatility_pct=typed, now=NOW
    )
    assert isinstance(odds, OddsEstimate)
    assert odds.volatility == pytest.approx(0.18) and not odds.volatility_assumed
    assert odds.probability_of_profit == pytest.approx(0.577235, abs=1e-6)


def test_without_an_underlying_price_there_is_no_estimate():
    odds = estimate_ticket_odds(BULL_PUT, underlying_price=None, implied_volatility_pct="", now=NOW)
    assert odds == OddsGap(
        code=OddsGapCode.NO_UNDERLYING_PRICE,
        sentence="Enter the underlying's price to estimate the odds.",
    )


@pytest.mark.parametrize(
    ("price", "iv", "sentence"),
    [
        (
            "abc",
            "",
            "underlying price: 'abc' is not a number: numbers are written in the format -1,234.56",
        ),
        ("-1", "", "underlying price: must be a number above 0"),
        ("530", "0", "implied volatility: must be a number above 0"),
        (
            "530",
            "high",
            "implied volatility: 'high' is not a number: "
            "numbers are written in the format -1,234.56",
        ),
    ],
)
def test_unreadable_inputs_name_the_field(price, iv, sentence):
    odds = estimate_ticket_odds(
        BULL_PUT, underlying_price=price, implied_volatility_pct=iv, now=NOW
    )
    assert odds == OddsGap(code=OddsGapCode.UNREADABLE_INPUT, sentence=sentence)


def test_an_expired_spread_has_no_odds():
    after_close = datetime(2025, 2, 21, 21, 0, tzinfo=timezone.utc)
    odds = estimate_ticket_odds(
        BULL_PUT, underlying_price="530", implied_volatility_pct="", now=after_close
    )
    assert odds == OddsGap(
        code=OddsGapCode.EXPIRED,
        sentence="The expiration has passed: no odds to estimate.",
        evidence={"expiration": "2025-02-21"},
    )
