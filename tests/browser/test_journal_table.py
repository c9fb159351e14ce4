"""Journal table in Chromium: an empty journal says what to do; the selected trade is
highlighted and detailed; selecting another trade resets the close fields; a saved note shows in
the detail and leaves the box empty."""

from __future__ import annotations

import pytest

from components.cards.journal import Ids as JournalIds
from tests.support.browser import screenshot
from tests.support.live_server import cockpit_settings, serve_cockpit
from utils.core.config import PROJECT_ROOT

TABLE_ROWS = f"#{JournalIds.TABLE} .ag-center-cols-container .ag-row"
SELECTED_BACKGROUND = "el => getComputedStyle(el).backgroundColor"


def journal_as_opened(page, count: int) -> None:
    for number in range(1, count + 1):
        page.click(f"#{JournalIds.OPEN_BUTTON}")
        page.locator(f"#{JournalIds.ACTION_OK}", has_text=f"Trade {number} journaled").wait_for()


@pytest.mark.viewport(height=2400)
def test_selection_is_visible_resets_close_fields_and_shows_notes(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        page.goto(url + "/")
        empty = page.locator(f"#{JournalIds.TABLE_EMPTY}")
        empty.wait_for()
        empty_text = empty.inner_text()
        journal_as_opened(page, 2)
        empty.wait_for(state="detached")
        first = page.locator(f"{TABLE_ROWS}[row-id='1']")
        first.locator("[col-id=underlying]").click()
        page.locator(f"#{JournalIds.DETAIL}", has_text="Trade 1:").wait_for()
        highlighted = first.evaluate(SELECTED_BACKGROUND)
        page.fill(f"#{JournalIds.CLOSE_PRICE}", "0.40")
        page.select_option(f"#{JournalIds.CLOSE_REASON}", "stop_loss")
        page.locator(f"{TABLE_ROWS}[row-id='2'] [col-id=underlying]").click()
        page.locator(f"#{JournalIds.DETAIL}", has_text="Trade 2:").wait_for()
        page.wait_for_function(f"document.getElementById('{JournalIds.CLOSE_PRICE}').value === ''")
        reason = page.input_value(f"#{JournalIds.CLOSE_REASON}")
        page.fill(f"#{JournalIds.REVIEW_TEXT}", "waited for the open")
        page.click(f"#{JournalIds.NOTE_BUTTON}")
        page.locator(f"#{JournalIds.DETAIL}", has_text="waited for the open").wait_for()
        box = page.input_value(f"#{JournalIds.REVIEW_TEXT}")
        structure = page.locator(f"{TABLE_ROWS}[row-id='2'] [col-id=structure]").inner_text()
        screenshot(page, "journal_selected_trade")
    assert "No trades yet" in empty_text and "import a CSV" in empty_text
    assert highlighted == "rgb(207, 226, 255)"
    assert reason == "closing_order", "the close reason went back to its default"
    assert box == "", "the note box is cleared after saving"
    assert structure == "Vertical", "structures read as words, never iron_condor"
