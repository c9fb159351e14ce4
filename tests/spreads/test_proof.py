"""The defined-risk proof: finite worst cases, unbounded slopes, calendars and arbitrary legs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.support.spread_vectors import spread_from_vector, vectors
from utils.core.reasons import Reason
from utils.spreads.builders import bull_put_credit
from utils.spreads.legs import Leg, SpreadError
from utils.spreads.proof import ProofCode, prove_defined_risk

JAN = date(2025, 1, 17)
SPREAD_VECTORS = vectors()["spreads"]


def test_naked_put_has_finite_worst_case_and_is_still_refused():
    spread = spread_from_vector(next(v for v in SPREAD_VECTORS if v["id"] == 16))
    assert spread.max_loss_usd == Decimal(44700)
    assert not spread.is_defined_risk
    assert "finite" in spread.proof.sentence and "Uncovered short" in spread.proof.sentence


def test_uncovered_call_ratio_reports_unbounded_loss_slope():
    spread = spread_from_vector(next(v for v in SPREAD_VECTORS if v["id"] == 18))
    assert spread.proof.right_slope_usd == Decimal(-100)
    assert spread.max_loss_usd is None


def test_each_finding_is_a_typed_reason_with_its_evidence():
    spread = spread_from_vector(next(v for v in SPREAD_VECTORS if v["id"] == 18))
    assert [(f.code, f.evidence) for f in spread.proof.findings] == [
        (ProofCode.UNCOVERED_SHORT, {"group": "XYZ 2025-01-17 calls (x100): 1 long, 2 short"}),
        (ProofCode.UNBOUNDED_LOSS, {"right_slope_usd": "-100"}),
    ]
    assert all(isinstance(f, Reason) for f in spread.proof.findings)


def test_calendar_is_refused_as_multi_expiration_and_has_no_payoff():
    spread = spread_from_vector(next(v for v in SPREAD_VECTORS if v["id"] == 19))
    # Grouped per expiration, the March short has no March long: uncovered as well.
    assert spread.proof.codes == (ProofCode.MULTI_EXPIRATION, ProofCode.UNCOVERED_SHORT)
    assert spread.profile is None
    assert spread.expiration == date(2025, 3, 21)
    assert spread.expirations == (date(2025, 3, 21), date(2025, 6, 20))
    with pytest.raises(SpreadError, match="multi-expiration"):
        spread.payoff_curve()


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
