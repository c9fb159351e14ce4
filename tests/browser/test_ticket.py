"""Order ticket in Chromium: a dry-run preview is blocked and says what would have happened;
with dry-run off in SIM, only a confirmed order is placed; resting, it can be cancelled, and an
order that never filled is not journaled."""

from __future__ import annotations

import pytest

from tests.support.browser import screenshot
from tests.support.live_server import cockpit_settings, serve_cockpit
from tests.support.tastytrade_support import START, SteppingClock
from utils.records.audit import AuditLog
from utils.core.config import PROJECT_ROOT
from utils.journal.store import Journal


@pytest.mark.viewport(height=2400)
def test_preview_in_dry_run_is_blocked_and_place_stays_disabled(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT, clock=SteppingClock(START)) as url:
        page.goto(url + "/")
        page.locator("#broker-effective-mode").wait_for()
        mode = page.locator("#broker-effective-mode").inner_text()
        page.fill("#ticket-target", "50")
        page.fill("#ticket-stop", "200")
        page.click("#ticket-preview")
        page.locator("#ticket-outcome").wait_for()
        outcome = page.locator("#ticket-outcome").inner_text()
        message = page.locator("#ticket-message").inner_text()
        what_if = page.locator("#ticket-what-if").inner_text()
        page.locator("#ticket-confirm").check()
        place_disabled = page.locator("#ticket-place").is_disabled()
        screenshot(page, "ticket_blocked_by_dry_run")
    assert mode == "SIM (dry-run)"
    assert outcome == "BLOCKED BY DRY-RUN"
    assert "dry-run" in message.lower()
    assert "buying power" in what_if.lower()
    assert place_disabled
    audit = AuditLog.open(settings.data_dir)
    kinds = [entry.kind for entry in audit.entries()]
    assert "preflight_request" in kinds and "submit_attempt" not in kinds
    assert audit.verify().ok
    audit.close()


@pytest.mark.viewport(height=2400)
def test_confirmed_order_in_sim_is_placed_once_then_cancelled(tmp_path, page):
    settings = cockpit_settings(tmp_path, always_dry_run=False)
    with serve_cockpit(settings, PROJECT_ROOT, clock=SteppingClock(START)) as url:
        page.goto(url + "/")
        page.locator("#broker-effective-mode").wait_for()
        mode = page.locator("#broker-effective-mode").inner_text()
        page.fill("#ticket-target", "50")
        page.fill("#ticket-stop", "200")
        page.click("#ticket-preview")
        page.locator("#ticket-outcome").wait_for()
        outcome = page.locator("#ticket-outcome").inner_text()
        disabled_before_confirming = page.locator("#ticket-place").is_disabled()
        page.locator("#ticket-confirm").check()
        page.locator("#ticket-place:not([disabled])").wait_for()
        page.click("#ticket-place")
        page.locator("#ticket-placement").wait_for()
        placement = page.locator("#ticket-placement").inner_text()
        screenshot(page, "ticket_placed_in_sim")
        page.click("#ticket-cancel")
        page.locator("#ticket-result :text('ancel')").first.wait_for()
        after_cancel = page.locator("#ticket-result").inner_text()
    assert mode == "SIM"
    assert outcome == "READY TO CONFIRM" and disabled_before_confirming
    assert placement == "WORKING"
    assert after_cancel.startswith("Order 100001: Cancel Requested (SIM, 127.0.0.1:")
    audit = AuditLog.open(settings.data_dir)
    kinds = [entry.kind for entry in audit.entries()]
    audit.close()
    assert kinds.count("submit_attempt") == 1 and "confirmation" in kinds
    placed_on = kinds.index("submit_attempt")
    assert kinds[placed_on:] == ["submit_attempt", "broker_answer", "cancel", "cancel"]
    journal = Journal.open(settings.data_dir)
    assert journal.list_trades() == [], "an order that never filled is no trade"
    journal.close()
