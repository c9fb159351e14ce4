"""Graduation, Expectancy and Discipline in Chromium, on an empty and on a seeded journal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.browser import screenshot
from tests.support.journal_factory import SEEDED_PNLS, seed_journal
from tests.support.live_server import cockpit_settings, serve_cockpit
from utils.core.config import PROJECT_ROOT


def test_empty_journal_says_not_yet_with_reasons(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        page.goto(url + "/")
        page.locator("#graduation-verdict").wait_for()
        verdict = page.locator("#graduation-verdict").inner_text()
        trades_gate = page.locator("#gate-MIN_TRADES").inner_text()
        expectancy = page.locator("#card-expectancy").inner_text()
        plan = page.locator("#card-graduation").inner_text()
        screenshot(page, "cockpit_empty_journal")
    assert verdict == "NOT YET"
    assert "FAIL" in trades_gate and "25" in trades_gate
    assert "No closed trade yet" in expectancy
    assert "Journal 25 more trades" in plan


@pytest.mark.viewport(height=1600)
def test_seeded_journal_shows_edge_gates_and_charts(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    seed_journal(settings.data_dir)
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        page.goto(url + "/")
        page.locator("#stat-expectancy").wait_for()
        page.locator("#card-expectancy .js-plotly-plot").nth(2).wait_for()
        trades_gate = page.locator("#gate-MIN_TRADES").inner_text()
        expectancy_gate = page.locator("#gate-POSITIVE_EXPECTANCY").inner_text()
        expectancy = page.locator("#stat-expectancy").inner_text()
        score = page.locator("#discipline-score").inner_text()
        charts = page.locator("#card-expectancy .js-plotly-plot").count()
        page.locator("#expectancy-unit").get_by_text("R", exact=True).click()
        page.locator("#card-expectancy :text('cumulative R')").first.wait_for()
        screenshot(page, "cockpit_seeded_journal")
    expected = sum(Decimal(str(p)) for p in SEEDED_PNLS) / len(SEEDED_PNLS)
    assert expectancy == f"${expected:,.2f}"
    assert "PASS" in trades_gate and "30" in trades_gate
    assert "PASS" in expectancy_gate
    assert score == "100"  # thirty planned trades: no violation
    assert charts == 3
