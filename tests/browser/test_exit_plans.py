"""Exit plans and playbooks in Chromium (issue 13, finding 7): a playbook saved on the page,
chosen for a tastytrade upload, and a plan declared after entry on a selected trade."""

from __future__ import annotations

import pytest

from components.cards.exit_plan import Ids as PlanIds
from components.cards.journal import Ids as JournalIds
from tests.support.live_server import cockpit_settings, serve_cockpit
from tests.support.tasty_spreads_factory import write_spread_history
from utils.core.config import PROJECT_ROOT
from utils.journal.exit_plans import PlanDeclared
from utils.journal.store import Journal

TABLE_ROWS = f"#{JournalIds.TABLE} .ag-center-cols-container .ag-row"


@pytest.mark.viewport(height=2600)
def test_a_playbook_chosen_at_upload_then_a_plan_declared_after_entry(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    history = write_spread_history(tmp_path / "history.csv", spreads=3)
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        page.goto(url + "/")
        page.fill(f"#{PlanIds.PLAYBOOK_NAME}", "50/2x/21")
        page.fill(f"#{PlanIds.PLAYBOOK_TARGET}", "50")
        page.fill(f"#{PlanIds.PLAYBOOK_STOP}", "2")
        page.fill(f"#{PlanIds.PLAYBOOK_DTE}", "21")
        page.click(f"#{PlanIds.PLAYBOOK_SAVE}")
        page.locator(f"#{PlanIds.PLAYBOOK_OK}").wait_for()
        page.locator(f"#{PlanIds.IMPORT_PLAYBOOK} option[value='50/2x/21']").wait_for(
            state="attached"
        )
        page.select_option(f"#{PlanIds.IMPORT_PLAYBOOK}", "50/2x/21")
        page.select_option(f"#{JournalIds.IMPORT_MODE}", "LIVE")
        page.locator(f"#{JournalIds.UPLOAD} input[type=file]").set_input_files(str(history))
        page.locator(f"#{JournalIds.IMPORT_OK}").wait_for()
        report = page.locator(f"#{JournalIds.IMPORT_REPORT}").inner_text()
        page.locator(f"{TABLE_ROWS}[row-index='2'] [col-id=underlying]").wait_for()  # all 3 shown
        page.locator(f"{TABLE_ROWS} .ag-selection-checkbox input").first.check()
        page.locator(f"#{PlanIds.CURRENT}", has_text="declared at import").wait_for()
        current = page.locator(f"#{PlanIds.CURRENT}").inner_text()
        page.fill(f"#{PlanIds.STOP}", "150")
        page.click(f"#{PlanIds.DECLARE}")
        page.locator(f"#{PlanIds.MESSAGE_OK}").wait_for()
        declared = page.locator(f"#{PlanIds.MESSAGE}").inner_text()
    assert "playbook 50/2x/21 (v1) declared at import for 3 trade(s) without a plan" in report
    assert "target $50.00, stop $200.00" in current
    assert "stop $150.00 declared after entry at" in declared
    with Journal.open(settings.data_dir) as journal:
        kinds = [[d.declared for d in t.exit_plans] for t in journal.list_trades()]
    assert sorted(kinds) == sorted(
        [[PlanDeclared.PLAYBOOK_AT_IMPORT]] * 2
        + [[PlanDeclared.PLAYBOOK_AT_IMPORT, PlanDeclared.AFTER_ENTRY]]
    )
