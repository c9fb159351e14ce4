"""Structure recognition names the shape of arbitrary legs."""

from __future__ import annotations


import pytest

from utils.spreads.legs import Leg
from utils.spreads.structures import Structure, recognize_structure


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
