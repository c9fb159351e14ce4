"""Graduation card rendered without a browser: the verdict, each gate's row, the Action Plan."""

from __future__ import annotations

from components.cards.graduation import Ids, render
from tests.app.dash_tree import find, text
from utils.judge.gates import GateCode


def test_empty_journal_is_not_yet_with_every_gate_and_the_plan(empty_ctx):
    body = render(empty_ctx.evidence())
    assert text(find(body, Ids.VERDICT)) == "NOT YET"
    assert text(body[0]) == ("NOT YET  - 5 of 7 gates fail. Sandbox validation: not passed (none)")
    assert text(find(body, Ids.SANDBOX)) == "Sandbox validation: not passed (none)"
    rows = [find(body, Ids.gate(code)) for code in GateCode]
    assert all(row is not None for row in rows), "one row per gate"
    assert text(find(body, Ids.gate(GateCode.MIN_TRADES))) == (
        "FAIL Trades journaled evidence trade_ids:  0 >= 25 -25"
    )
    assert text(body[2]) == "Action Plan"
    assert text(body[3]) == "Journal 25 more trades and 15 more clean sessions to reach the gates."


def test_seeded_journal_passes_the_journal_gates(seeded_ctx):
    body = render(seeded_ctx.evidence())
    assert text(body[0]) == ("NOT YET  - 2 of 7 gates fail. Sandbox validation: not passed (none)")
    assert text(find(body, Ids.gate(GateCode.POSITIVE_EXPECTANCY))) == (
        "PASS Expectancy evidence trades: 30 net_pnl_usd: 451.50 trade_ids: "
        + ", ".join(str(n) for n in range(1, 31))
        + " 15.05 > 0.00 15.05"
    )
    assert text(find(body, Ids.gate(GateCode.CI_GREEN))).startswith(
        "FAIL CI green for the current commit evidence reason: NOT_A_GIT_CHECKOUT"
    )
    assert text(body[3]) == (
        "Let winners reach your 50 % target: place the closing order at the target when you open."
    )
