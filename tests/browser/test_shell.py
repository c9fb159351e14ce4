"""The cockpit page in a real headless Chromium: the six cards are there."""

from __future__ import annotations

from components.cards.export import Ids as ExportIds
from tests.support.browser import screenshot
from tests.support.live_server import cockpit_settings, serve_cockpit
from utils.core.config import PROJECT_ROOT

CARD_TITLES = ("Graduation", "Expectancy", "Discipline", "Alerts", "Broker", "Export")


def test_chromium_shows_the_six_cards(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        page.goto(url + "/")
        page.wait_for_selector(f"#{ExportIds.CARD}")
        titles = page.locator(".card-title").all_inner_texts()
        path = screenshot(page, "shell_empty_journal")
    assert [t for t in CARD_TITLES if t in titles] == list(CARD_TITLES)
    assert path.stat().st_size > 10_000
