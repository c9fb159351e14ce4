"""A card whose data cannot be read says what failed and what to do; the page never goes blank."""

from __future__ import annotations

import sqlite3

from components.cards.graduation import Ids as GraduationIds
from components.cards.journal import Ids as JournalIds
from tests.support.browser import screenshot
from tests.support.live_server import cockpit_settings, serve_cockpit
from utils.core.config import PROJECT_ROOT


def test_unreadable_journal_shows_the_failure_on_the_cards(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        raw = sqlite3.connect(settings.data_dir / "journal.sqlite3")
        raw.execute("ALTER TABLE trades RENAME TO trades_moved_away")
        raw.commit()
        raw.close()
        page.goto(url + "/")
        page.locator(f"#{GraduationIds.CARD} .alert-danger").wait_for()
        graduation = page.locator(f"#{GraduationIds.CARD}").inner_text()
        page.locator(f"#{JournalIds.TABLE_ERROR} .alert-danger").wait_for()
        journal = page.locator(f"#{JournalIds.CARD}").inner_text()
        titles = page.locator(".card-title").all_inner_texts()
        screenshot(page, "error_unreadable_journal")
    assert "Could not read the journal and the gates" in graduation
    assert "reload the page" in graduation and "Traceback" not in graduation
    assert "Could not read the journal" in journal
    assert "Broker" in titles and "Export" in titles
