"""Journal card in Chromium: import with a bad row, a good import, manual entry and close."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import screenshot
from tests.support.live_server import cockpit_settings, serve_cockpit
from utils.core.config import PROJECT_ROOT
from utils.journal.store import Journal

TASTY_FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "journal" / "tasty_history.csv"


def with_bad_row(tmp_path: Path) -> Path:
    lines = TASTY_FIXTURE.read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[0] = "yesterday afternoon"
    bad = tmp_path / "history_bad.csv"
    bad.write_text("\n".join([lines[0], lines[1], ",".join(cells), *lines[3:]]) + "\n")
    return bad


def upload(page, path: Path) -> None:
    page.locator("#journal-upload input[type=file]").set_input_files(str(path))


@pytest.mark.viewport(height=2400)
def test_bad_row_is_named_and_nothing_is_imported(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        page.goto(url + "/")
        page.locator("#journal-table").wait_for()
        upload(page, with_bad_row(tmp_path))
        errors = page.locator("#journal-import-errors")
        errors.wait_for()
        error_text = errors.inner_text()
        report = page.locator("#journal-import-report").inner_text()
        screenshot(page, "journal_import_bad_row")
    assert "line 3" in error_text and "Date" in error_text
    assert "nothing imported" in report
    journal = Journal.open(settings.data_dir)
    assert journal.list_trades() == []
    journal.close()


@pytest.mark.viewport(height=2400)
def test_good_import_fills_the_table(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        page.goto(url + "/")
        page.locator("#journal-table").wait_for()
        upload(page, TASTY_FIXTURE)
        page.locator("#journal-import-report #journal-ok").wait_for()
        page.locator("#journal-table td[data-dash-column=underlying]").first.wait_for()
        rows = page.locator("#journal-table tbody tr").count()
        report = page.locator("#journal-import-report").inner_text()
    journal = Journal.open(settings.data_dir)
    trades = journal.list_trades()
    journal.close()
    summary = "tasty_history.csv: 7 added, 6 closed, 0 already in the journal, 2 warning(s)"
    assert summary in report and len(trades) == 7
    assert rows - 1 == 7  # the header row is a tr too


@pytest.mark.viewport(height=2400)
def test_manual_entry_then_close_from_the_table(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        page.goto(url + "/")
        page.locator("#journal-table").wait_for()
        page.fill("#journal-open-target", "60")
        page.fill("#journal-open-stop", "240")
        page.click("#journal-open-button")
        page.locator("#journal-action-message #journal-ok").wait_for()
        opened = page.locator("#journal-action-message").inner_text()
        page.locator("#journal-table input[type=radio]").first.check()
        page.fill("#journal-close-price", "0.40")
        page.click("#journal-close-button")
        page.locator("#journal-action-message :text('closed')").wait_for()
        closed = page.locator("#journal-action-message").inner_text()
        screenshot(page, "journal_manual_entry_closed")
    assert "Trade 1 journaled" in opened and "1R $400.00" in opened
    assert "net P&L $60.00" in closed
