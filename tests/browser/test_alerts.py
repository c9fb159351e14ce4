"""Alerts card in Chromium: the halt banner counts down and an alert can be acknowledged."""

from __future__ import annotations

from components.cards.alerts import Ids as AlertsIds
from tests.support.browser import screenshot
from datetime import timedelta

from tests.support.live_server import cockpit_settings, serve_cockpit
from tests.support.tastytrade_support import START, SteppingClock
from utils.records.alerts import AlertRule, AlertStore
from utils.core.config import PROJECT_ROOT

SHOWN_AT = START + timedelta(seconds=30)


def test_high_alert_shows_halt_and_can_be_acknowledged(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    store = AlertStore.open(settings.data_dir, clock=SteppingClock(START))
    store.raise_alert(AlertRule.OVER_LADDER_CAP, "3 contracts against a 1-contract cap")
    store.close()
    with serve_cockpit(settings, PROJECT_ROOT, clock=SteppingClock(SHOWN_AT)) as url:
        page.goto(url + "/")
        banner = page.locator(f"#{AlertsIds.HALT_BANNER}")
        banner.wait_for()
        # the first callbacks re-render the card (and close an opened alert) until they settle
        page.wait_for_load_state("networkidle")
        assert "New entries halted" in banner.inner_text()
        assert "23 h 59 m left" in banner.inner_text()
        card = page.locator(f"#{AlertsIds.CARD}")
        assert "Order refused: over the ladder cap" in card.inner_text(), "a short reason"
        card.get_by_text("Order refused: over the ladder cap").click()
        card.get_by_text("3 contracts against a 1-contract cap", exact=True).wait_for()
        assert "ORDER_DENIED_OVER_LADDER_CAP" in card.inner_text()
        card.get_by_role("button", name="Acknowledge").click()
        page.locator(f"#{AlertsIds.CARD} :text('acknowledged')").wait_for()
        screenshot(page, "alerts_acknowledged")
    reopened = AlertStore.open(settings.data_dir, clock=SteppingClock(SHOWN_AT))
    (alert,) = reopened.alerts()
    assert alert.acknowledged_at == SHOWN_AT
    assert reopened.halt_state().active, "acknowledging does not lift the halt"
    reopened.close()
