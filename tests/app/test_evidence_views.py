"""Discipline and Expectancy cards rendered without a browser, from one real reading of the
seeded journal's evidence (figures pinned against docs/METRICS.md's definitions)."""

from __future__ import annotations

import pytest
from dash import dcc

from components.cards import discipline, expectancy
from components.context import build_context
from tests.app.conftest import NOW, close_context
from tests.app.dash_tree import find, text
from tests.support.journal_factory import journal_trades
from tests.support.live_server import cockpit_settings
from utils.journal.store import Journal
from utils.judge.metrics import closed_trades


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
        expectancy.Ids.WIN_RATE: "70 %",
        expectancy.Ids.WIN_RATE_EXCL_BREAKEVEN: "78 %",
        expectancy.Ids.PROFIT_FACTOR: "1.26",
        expectancy.Ids.MAX_DRAWDOWN: "$380.00",
        expectancy.Ids.SQN: "0.50",  # 30 trades: no small-sample mark
    }


def test_expectancy_draws_three_charts_in_dollars_or_r(seeded_evidence):
    for unit, axis in (("USD", "equity ($)"), ("R", "cumulative R")):
        body = expectancy.render(seeded_evidence, unit)
        graphs = all_graphs(body)
        assert len(graphs) == 3
        assert graphs[0].figure["layout"]["yaxis"]["title"]["text"] == axis


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


def test_the_calendar_spans_the_seeded_weeks_not_six_months(seeded_evidence):
    figure = expectancy.calendar_figure(seeded_evidence.closed)
    weeks = figure["data"][0]["x"]
    sessions = sorted(seeded_evidence.closed["close_session"])
    # 30 daily closes from Monday 2025-01-06; weekend closes count on the next NYSE session.
    assert (str(sessions[0]), str(sessions[-1])) == ("2025-01-06", "2025-02-19")
    assert [str(week) for week in (weeks[0], weeks[-1])] == ["2025-01-06", "2025-02-17"]
    assert len(weeks) == 7, "the weeks of the closes, not 26"
    assert figure["layout"]["xaxis"]["ticktext"][:2] == ["Jan 6", "Jan 13"]


def test_a_short_journal_gets_at_least_four_calendar_weeks(tmp_path):
    settings = cockpit_settings(tmp_path)
    journal = Journal.open(settings.data_dir)
    journal_trades(journal, [120])
    frame = closed_trades(journal.trades_frame())
    journal.close()
    weeks = expectancy.calendar_figure(frame)["data"][0]["x"]
    assert len(weeks) == 4 and str(weeks[-1]) == "2025-01-06"


def test_one_trade_says_why_the_charts_are_sparse(tmp_path):
    settings = cockpit_settings(tmp_path, display_timezone="America/New_York")
    journal = Journal.open(settings.data_dir)
    journal_trades(journal, [120])
    journal.close()
    ctx = build_context(settings, tmp_path, clock=lambda: NOW)
    try:
        body = expectancy.render(ctx.evidence(), "USD")
    finally:
        close_context(ctx)
    assert text(find(body, expectancy.Ids.SPARSE_NOTE)) == (
        "1 closed trade: the curve and the distribution take shape from 5 closed trades."
    )


def test_thirty_trades_need_no_sparse_note(seeded_evidence):
    assert find(expectancy.render(seeded_evidence, "USD"), expectancy.Ids.SPARSE_NOTE) is None
