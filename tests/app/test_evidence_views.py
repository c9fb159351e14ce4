"""Discipline and Expectancy cards rendered without a browser, from one real reading of the
seeded journal's evidence (figures pinned against docs/METRICS.md's definitions)."""

from __future__ import annotations

import pytest
from dash import dcc

from components.cards import discipline, expectancy
from tests.app.dash_tree import find, text


@pytest.fixture
def seeded_evidence(seeded_ctx):
    return seeded_ctx.evidence()


def test_discipline_shows_the_score_its_window_and_the_coach(seeded_evidence):
    body = discipline.render(seeded_evidence, gate=70, ramp=80)
    assert text(find(body, discipline.Ids.SCORE)) == "100"
    assert text(body[0]) == "100 / 100 gate >= 70, ramp >= 80"
    assert body[0].children[2].color == "success"
    assert text(body[1]) == (
        "Window: the last 20 trade(s), sessions 2025-01-22 to 2025-03-03. "
        "Score = 100 - the points of every violation in the window."
    )
    assert text(body[2]) == "No violation in the window."
    assert text(body[3]) == "Clean sessions: 30 of 30 journaled."
    assert body[4] is None, "no violations: no list"
    assert text(body[6]) == (
        "watch   You closed winners at 19 % of max profit against a 50 % plan (last 10 winners). "
        "info   30 clean sessions in a row: keep the same routine."
    )


@pytest.mark.parametrize(("gate", "ramp", "color"), [(70, 80, "success"), (70, 101, "warning")])
def test_discipline_badge_color_follows_the_gate_and_ramp(seeded_evidence, gate, ramp, color):
    assert discipline.render(seeded_evidence, gate, ramp)[0].children[2].color == color


def test_expectancy_headline_figures(seeded_evidence):
    stats = expectancy.stats(seeded_evidence)
    shown = {
        stat_id: text(find(stats, stat_id))
        for stat_id in (
            expectancy.Ids.EXPECTANCY,
            expectancy.Ids.R_EXPECTANCY,
            expectancy.Ids.LAST_10,
            expectancy.Ids.WIN_RATE,
            expectancy.Ids.WIN_RATE_EXCL_BREAKEVEN,
            expectancy.Ids.PROFIT_FACTOR,
            expectancy.Ids.MAX_DRAWDOWN,
            expectancy.Ids.SQN,
        )
    }
    assert shown == {
        expectancy.Ids.EXPECTANCY: "$15.05",
        expectancy.Ids.R_EXPECTANCY: "+0.03 R",
        expectancy.Ids.LAST_10: "$15.05",
        expectancy.Ids.WIN_RATE: "70%",
        expectancy.Ids.WIN_RATE_EXCL_BREAKEVEN: "78%",
        expectancy.Ids.PROFIT_FACTOR: "1.26",
        expectancy.Ids.MAX_DRAWDOWN: "-$380.00",
        expectancy.Ids.SQN: "0.50",  # 30 trades: no small-sample mark
    }


def test_expectancy_draws_three_charts_in_dollars_or_r(seeded_evidence):
    for unit, axis in (("USD", "equity ($)"), ("R", "cumulative R")):
        body = expectancy.render(seeded_evidence, unit)
        graphs = all_graphs(body)
        assert len(graphs) == 3
        assert graphs[0].figure.layout.yaxis.title.text == axis


def all_graphs(component) -> list:
    """Every dcc.Graph in a tree, depth first."""
    if isinstance(component, dcc.Graph):
        return [component]
    children = getattr(component, "children", component)
    if isinstance(children, (list, tuple)):
        return [graph for child in children for graph in all_graphs(child)]
    if children is not None and not isinstance(children, str) and children is not component:
        return all_graphs(children)
    return []


def test_expectancy_on_an_empty_journal_says_how_to_start(empty_ctx):
    body = expectancy.render(empty_ctx.evidence(), "USD")
    assert text(body[1]) == (
        "No closed trade yet: journal trades (or import a CSV) to see your edge."
    )
    assert text(find(body, expectancy.Ids.EXPECTANCY)) == "-"
