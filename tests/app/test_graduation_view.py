"""Graduation card rendered without a browser: the verdict, each gate's row, the Action Plan."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from components.cards.graduation import Ids, render, shown_evidence
from tests.app.dash_tree import find, text
from tests.support.judging_fast_paths_reference import literal_shown_evidence
from utils.judge.gates import GateCode


def test_empty_journal_is_not_yet_with_every_gate_and_the_plan(empty_ctx):
    body = render(empty_ctx.evidence())
    assert text(find(body, Ids.VERDICT)) == "NOT YET"
    assert text(body[0]) == ("NOT YET  - 5 of 7 gates fail. Sandbox validation: not passed (none)")
    assert text(find(body, Ids.SANDBOX)) == "Sandbox validation: not passed (none)"
    rows = [find(body, Ids.gate(code)) for code in GateCode]
    assert all(row is not None for row in rows), "one row per gate"
    assert text(find(body, Ids.gate(GateCode.MIN_TRADES))) == (
        "FAIL Trades journaled evidence Trade ids: - 0 trades ≥ 25 25 more needed"
    )
    assert text(body[2]) == "Action Plan"
    steps = [text(item) for item in body[3].children]
    assert len(steps) == 5, "one next step per failing gate"
    assert steps[0] == "Journal 25 more closed trades (0 of 25)."
    assert steps[2] == "Close your first trades: expectancy needs at least one closed trade."
    assert steps[4].startswith("Pass the sandbox validation")


def test_seeded_journal_passes_the_journal_gates(seeded_ctx):
    body = render(seeded_ctx.evidence())
    assert text(body[0]) == ("NOT YET  - 2 of 7 gates fail. Sandbox validation: not passed (none)")
    assert text(find(body, Ids.gate(GateCode.POSITIVE_EXPECTANCY))) == (
        "PASS Expectancy evidence Trades: 30 Net P&L: $451.50 Trade ids: "
        + ", ".join(str(n) for n in range(1, 31))
        + " $15.05 per trade > $0.00 per trade +$15.05"
    )
    assert text(find(body, Ids.gate(GateCode.CI_GREEN))).startswith(
        "FAIL CI green for the current commit evidence Reason: NOT_A_GIT_CHECKOUT"
    )
    steps = [text(item) for item in body[3].children]
    assert steps[0].startswith("Make CI green for this commit")
    assert steps[1].startswith("Pass the sandbox validation")
    assert steps[2] == (
        "Let winners reach your 50 % target: place the closing order at the target when you open."
    )


@settings(max_examples=80, deadline=None)
@given(count=st.integers(0, 120), width=st.integers(1, 7))
def test_a_long_evidence_list_is_shortened_as_before(count, width):
    value = ", ".join(str(10**width + i) for i in range(count))
    assert shown_evidence(value) == literal_shown_evidence(value)
    assert shown_evidence(Decimal("1.5")) == literal_shown_evidence(Decimal("1.5"))
