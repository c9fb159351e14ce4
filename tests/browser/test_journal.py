"""Journal card in Chromium: import with a bad row, a good import, manual entry and close."""

from __future__ import annotations

import re
from pathlib import Path

from components.cards.journal import Ids as JournalIds
from tests.support.browser import screenshot
from tests.support.journal_factory import SEEDED_PNLS, seed_journal
import pytest

from tests.support.live_server import cockpit_settings, serve_cockpit
from tests.support.ticket_form import type_ticket
from utils.core.config import PROJECT_ROOT
from utils.core.display import usd
from utils.journal.store import Journal
from utils.journal.table_view import PAGE_SIZE

TASTY_FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "journal" / "tasty_history.csv"


def with_bad_row(tmp_path: Path) -> Path:
    lines = TASTY_FIXTURE.read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[0] = "yesterday afternoon"
    bad = tmp_path / "history_bad.csv"
    bad.write_text("\n".join([lines[0], lines[1], ",".join(cells), *lines[3:]]) + "\n")
    return bad


TABLE = f"#{JournalIds.TABLE}"
TABLE_ROWS = f"{TABLE} .ag-center-cols-container .ag-row"


def upload(page, path: Path) -> None:
    page.locator(f"#{JournalIds.UPLOAD} input[type=file]").set_input_files(str(path))


@pytest.mark.viewport(height=2400)
def test_bad_row_is_named_and_nothing_is_imported(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        page.goto(url + "/")
        page.locator(TABLE).wait_for()
        upload(page, with_bad_row(tmp_path))
        errors = page.locator(f"#{JournalIds.IMPORT_ERRORS}")
        errors.wait_for()
        error_text = errors.inner_text()
        report = page.locator(f"#{JournalIds.IMPORT_REPORT}").inner_text()
        screenshot(page, "journal_import_bad_row")
    assert "line 3" in error_text and "Date" in error_text
    assert "nothing imported" in report
    journal = Journal.open(settings.data_dir)
    assert journal.list_trades() == []
    journal.close()


@pytest.mark.viewport(height=2400)
def test_import_the_good_orders_is_offered_only_after_a_refusal(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    good = f"#{JournalIds.IMPORT_GOOD}"
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        page.goto(url + "/")
        page.locator(TABLE).wait_for()
        hidden_before = page.locator(good).is_hidden()
        upload(page, with_bad_row(tmp_path))
        page.locator(f"#{JournalIds.IMPORT_REFUSED}").wait_for()
        page.locator(good).wait_for(state="visible")
        page.locator(good).click()
        page.locator(f"#{JournalIds.IMPORT_OK}").wait_for()
        report = page.locator(f"#{JournalIds.IMPORT_REPORT}").inner_text()
        page.locator(good).wait_for(state="hidden")
    assert hidden_before
    assert "2 row(s) skipped" in report and "line 3 (Date)" in report
    assert "line 2: skipped with its order 5003" in report
    with Journal.open(settings.data_dir) as journal:
        assert len(journal.list_trades()) == 7


@pytest.mark.viewport(height=2400)
def test_good_import_fills_the_table(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        page.goto(url + "/")
        page.locator(TABLE).wait_for()
        upload(page, TASTY_FIXTURE)
        page.locator(f"#{JournalIds.IMPORT_OK}").wait_for()
        journal = Journal.open(settings.data_dir)
        trades = journal.list_trades()
        journal.close()
        shown = min(len(trades), PAGE_SIZE)
        paging = f"1 to {shown} of {len(trades)}"
        page.locator(f"{TABLE} .ag-paging-panel", has_text=paging).wait_for()
        page.locator(f"{TABLE_ROWS}[row-index='{shown - 1}'] [col-id=underlying]").wait_for()
        rows = page.locator(TABLE_ROWS).count()
        report = page.locator(f"#{JournalIds.IMPORT_REPORT}").inner_text()
    summary = "tasty_history.csv: 7 added, 6 closed, 0 already in the journal, 2 warning(s)"
    assert summary in report and len(trades) == 7
    assert rows == shown == 7


@pytest.mark.viewport(height=2400)
def test_manual_entry_then_close_from_the_table(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        page.goto(url + "/")
        page.locator(TABLE).wait_for()
        type_ticket(page, "520, 525", "1.00")
        page.fill(f"#{JournalIds.OPEN_TARGET}", "60")
        page.fill(f"#{JournalIds.OPEN_STOP}", "240")
        page.click(f"#{JournalIds.OPEN_BUTTON}")
        page.locator(f"#{JournalIds.ACTION_OK}").wait_for()
        opened = page.locator(f"#{JournalIds.ACTION_MESSAGE}").inner_text()
        page.locator(f"{TABLE_ROWS} [col-id=status]", has_text="open").wait_for()
        page.locator(f"{TABLE_ROWS} .ag-selection-checkbox input").first.check()
        page.fill(f"#{JournalIds.CLOSE_PRICE}", "0.40")
        page.click(f"#{JournalIds.CLOSE_BUTTON}")
        page.locator(f"#{JournalIds.ACTION_MESSAGE} :text('closed')").wait_for()
        closed = page.locator(f"#{JournalIds.ACTION_MESSAGE}").inner_text()
        page.locator(f"{TABLE_ROWS} [col-id=status]", has_text="closed").wait_for()
        screenshot(page, "journal_manual_entry_closed")
    assert "Trade 1 journaled" in opened and "1R $400.00" in opened
    assert "net P&L $60.00" in closed


def ids_on_page(page, first_row: int) -> list[str]:
    """The Id column of one full page of the grid, top to bottom, once every row has loaded."""
    rows = [f"{TABLE_ROWS}[row-index='{first_row + n}'] [col-id=id]" for n in range(PAGE_SIZE)]
    for row in rows:
        page.locator(row, has_text=re.compile("[0-9]")).wait_for()
    return [page.locator(row).inner_text() for row in rows]


@pytest.mark.viewport(height=2400)
def test_table_pages_sorts_and_filters_on_the_server(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    seed_journal(settings.data_dir)
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        page.goto(url + "/")
        newest = ids_on_page(page, 0)
        page.locator(f"{TABLE} .ag-paging-button[aria-label='Next Page']").click()
        page.locator(f"{TABLE} .ag-paging-panel", has_text="16 to 30 of 30").wait_for()
        second_page = ids_on_page(page, PAGE_SIZE)
        page.locator(f"{TABLE} .ag-header-cell[col-id=net_pnl_usd] .ag-header-cell-label").click()
        page.locator(f"{TABLE} .ag-paging-panel", has_text="1 to 15 of 30").wait_for()
        page.locator(f"{TABLE} .ag-header-cell[col-id=net_pnl_usd][aria-sort=ascending]").wait_for()
        worst = page.locator(f"{TABLE_ROWS}[row-index='0'] [col-id=net_pnl_usd]").inner_text()
        page.fill(f"#{JournalIds.FILTER_UNDERLYING}", "qqq")
        page.press(f"#{JournalIds.FILTER_UNDERLYING}", "Enter")
        page.locator(f"{TABLE} .ag-paging-panel", has_text="0 to 0 of 0").wait_for()
        screenshot(page, "journal_table_filtered")
    assert newest == [str(n) for n in range(30, 15, -1)]
    assert second_page == [str(n) for n in range(15, 0, -1)]
    assert worst == usd(min(SEEDED_PNLS))
