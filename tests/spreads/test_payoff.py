"""The expiration payoff curve and its price range."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from utils.spreads.builders import bull_put_credit
from utils.spreads.legs import SpreadError

JAN = date(2025, 1, 17)


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
