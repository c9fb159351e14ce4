"""Graduation, Expectancy and Discipline in Chromium, on an empty and on a seeded journal."""

from __future__ import annotations

from decimal import Decimal

from components.cards.discipline import Ids as DisciplineIds
from components.cards.expectancy import Ids as ExpectancyIds
from components.cards.graduation import Ids as GraduationIds
from utils.judge.gates import GateCode
from tests.support.browser import screenshot
import pytest

from tests.support.journal_factory import SEEDED_PNLS, seed_journal
from tests.support.live_server import cockpit_settings, serve_cockpit
from utils.core.config import PROJECT_ROOT


def test_empty_journal_says_not_yet_with_reasons(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        page.goto(url + "/")
        page.locator(f"#{GraduationIds.VERDICT}").wait_for()
        verdict = page.locator(f"#{GraduationIds.VERDICT}").inner_text()
        trades_gate = page.locator(f"#{GraduationIds.gate(GateCode.MIN_TRADES)}").inner_text()
        expectancy = page.locator(f"#{ExpectancyIds.CARD}").inner_text()
        plan = page.locator(f"#{GraduationIds.CARD}").inner_text()
        screenshot(page, "cockpit_empty_journal")
    assert verdict == "NOT YET"
    assert "FAIL" in trades_gate and "25" in trades_gate
    assert "No closed trade yet" in expectancy
    assert "Journal 25 more closed trades" in plan


@pytest.mark.viewport(height=1600)
def test_seeded_journal_shows_edge_gates_and_charts(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    seed_journal(settings.data_dir)
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        page.goto(url + "/")
        page.locator(f"#{ExpectancyIds.EXPECTANCY}").wait_for()
        page.locator(f"#{ExpectancyIds.CARD} .js-plotly-plot").nth(2).wait_for()
        trades_gate = page.locator(f"#{GraduationIds.gate(GateCode.MIN_TRADES)}").inner_text()
        expectancy_gate = page.locator(
            f"#{GraduationIds.gate(GateCode.POSITIVE_EXPECTANCY)}"
        ).inner_text()
        expectancy = page.locator(f"#{ExpectancyIds.EXPECTANCY}").inner_text()
        score = page.locator(f"#{DisciplineIds.SCORE}").inner_text()
        charts = page.locator(f"#{ExpectancyIds.CARD} .js-plotly-plot").count()
        page.locator(f"#{ExpectancyIds.UNIT}").get_by_text("R", exact=True).click()
        page.locator(f"#{ExpectancyIds.CARD} :text('cumulative R')").first.wait_for()
        screenshot(page, "cockpit_seeded_journal")
    expected = sum(Decimal(str(p)) for p in SEEDED_PNLS) / len(SEEDED_PNLS)
    assert expectancy == f"${expected:,.2f}"
    assert "PASS" in trades_gate and "30" in trades_gate
    assert "PASS" in expectancy_gate
    assert score == "100"  # thirty planned trades: no violation
    assert charts == 3
