"""No card widens the page at 1280, 1440 or 1920 px: long tokens wrap, tables scroll inside
their card (a seeded journal, HIGH alerts with long unbroken text, the latch set, every
details box open)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from components.cards.alerts import Ids as AlertsIds
from components.cards.expectancy import Ids as ExpectancyIds
from components.cards.graduation import Ids as GraduationIds
from tests.support.browser import screenshot
from tests.support.journal_factory import seed_journal
from tests.support.live_server import cockpit_settings, serve_cockpit
from tests.support.tastytrade_support import START, SteppingClock
from utils.core.config import PROJECT_ROOT
from utils.records.alerts import AlertRule, AlertStore
from utils.records.latch import RollbackLatchStore, RollbackTrigger, TriggerCode

WIDTHS = (1280, 1440, 1920)
LONG_TOKEN = (
    "2026-12-02T10:23:49.123456+00:00/ORDER_DENIED_OVER_20PCT_SYMBOL_RISK/"
    "SPY___261218P00590000,SPY___261218P00580000,SPY___261218C00610000"
)
OPEN_EVERY_DETAILS = "document.querySelectorAll('details').forEach(d => d.open = true)"
PAGE_WIDTH = "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def seed_alerts_and_latch(data_dir) -> None:
    """Two HIGH alerts whose messages hold long unbroken tokens, and a set rollback latch."""
    alerts = AlertStore.open(data_dir, clock=SteppingClock(START))
    alerts.raise_alert(AlertRule.OVER_SYMBOL_RISK, f"refused {LONG_TOKEN}")
    alerts.raise_alert(AlertRule.ORDER_ANOMALY, LONG_TOKEN * 2)
    alerts.close()
    latch = RollbackLatchStore.open(data_dir, clock=SteppingClock(START))
    trigger = RollbackTrigger(code=TriggerCode.ORDER_ANOMALY, sentence=f"Anomaly {LONG_TOKEN}")
    latch.set([trigger])
    latch.close()


@pytest.mark.viewport(width=1280, height=1200)
def test_no_card_widens_the_page_from_1280_to_1920_px(tmp_path, page):
    settings = cockpit_settings(tmp_path, display_timezone="America/New_York")
    seed_journal(settings.data_dir)
    seed_alerts_and_latch(settings.data_dir)
    clock = SteppingClock(START + timedelta(minutes=5))
    widths = {}
    with serve_cockpit(settings, PROJECT_ROOT, clock=clock) as url:
        page.goto(url + "/")
        page.locator(f"#{GraduationIds.VERDICT}").wait_for()
        page.locator(f"#{AlertsIds.LATCH}").wait_for()
        page.locator(f"#{ExpectancyIds.CARD} .js-plotly-plot").nth(2).wait_for()
        page.evaluate(OPEN_EVERY_DETAILS)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 1200})
            widths[width] = page.evaluate(PAGE_WIDTH)
            screenshot(page, f"layout_{width}")
    assert widths == {width: [width, width] for width in WIDTHS}
