"""Alerts card in Chromium: the halt banner counts down and an alert can be acknowledged."""

from __future__ import annotations

from components.cards.alerts import Ids as AlertsIds
from tests.support.browser import chromium_page, screenshot
from tests.support.live_server import cockpit_settings, serve_cockpit
from utils.records.alerts import AlertRule, AlertStore
from utils.core.config import PROJECT_ROOT


def test_high_alert_shows_halt_and_can_be_acknowledged(tmp_path):
    settings = cockpit_settings(tmp_path)
    store = AlertStore.open(settings.data_dir)
    store.raise_alert(AlertRule.OVER_LADDER_CAP, "3 contracts against a 1-contract cap")
    store.close()
    with serve_cockpit(settings, PROJECT_ROOT) as url, chromium_page() as page:
        page.goto(url + "/")
        banner = page.locator(f"#{AlertsIds.HALT_BANNER}")
        banner.wait_for()
        assert "New entries halted" in banner.inner_text()
        assert "23 h 59 m left" in banner.inner_text() or "24 h 00 m left" in banner.inner_text()
        card = page.locator(f"#{AlertsIds.CARD}")
        assert "ORDER_DENIED_OVER_LADDER_CAP" in card.inner_text()
        card.get_by_role("button", name="Acknowledge").click()
        page.locator(f"#{AlertsIds.CARD} :text('acknowledged')").wait_for()
        screenshot(page, "alerts_acknowledged")
    reopened = AlertStore.open(settings.data_dir)
    (alert,) = reopened.alerts()
    assert alert.acknowledged_at is not None
    assert reopened.halt_state().active, "acknowledging does not lift the halt"
    reopened.close()
