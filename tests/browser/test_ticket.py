"""Order ticket in Chromium: a dry-run preview is blocked and says what would have happened;
with dry-run off in SIM, only a confirmed order is placed, and it is journaled."""

from __future__ import annotations

from components.cards.broker import Ids as BrokerIds
from components.cards.ticket import Ids as TicketIds
from tests.support.browser import chromium_page, screenshot
from tests.support.live_server import cockpit_settings, serve_cockpit
from utils.records.audit import AuditLog
from utils.core.config import PROJECT_ROOT
from utils.spreads.ticket_odds import ODDS_FORMULA


def test_preview_in_dry_run_is_blocked_and_place_stays_disabled(tmp_path):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT) as url, chromium_page(height=2400) as page:
        page.goto(url + "/")
        page.locator(f"#{BrokerIds.EFFECTIVE_MODE}").wait_for()
        mode = page.locator(f"#{BrokerIds.EFFECTIVE_MODE}").inner_text()
        page.fill(f"#{TicketIds.TARGET}", "50")
        page.fill(f"#{TicketIds.STOP}", "200")
        page.click(f"#{TicketIds.PREVIEW}")
        page.locator(f"#{TicketIds.OUTCOME}").wait_for()
        outcome = page.locator(f"#{TicketIds.OUTCOME}").inner_text()
        message = page.locator(f"#{TicketIds.MESSAGE}").inner_text()
        what_if = page.locator(f"#{TicketIds.WHAT_IF}").inner_text()
        page.locator(f"#{TicketIds.CONFIRM}").check()
        place_disabled = page.locator(f"#{TicketIds.PLACE}").is_disabled()
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


def test_confirmed_order_in_sim_is_placed_once_and_journaled(tmp_path):
    settings = cockpit_settings(tmp_path, always_dry_run=False)
    with serve_cockpit(settings, PROJECT_ROOT) as url, chromium_page(height=2400) as page:
        page.goto(url + "/")
        page.locator(f"#{BrokerIds.EFFECTIVE_MODE}").wait_for()
        mode = page.locator(f"#{BrokerIds.EFFECTIVE_MODE}").inner_text()
        page.fill(f"#{TicketIds.TARGET}", "50")
        page.fill(f"#{TicketIds.STOP}", "200")
        page.click(f"#{TicketIds.PREVIEW}")
        page.locator(f"#{TicketIds.OUTCOME}").wait_for()
        outcome = page.locator(f"#{TicketIds.OUTCOME}").inner_text()
        disabled_before_confirming = page.locator(f"#{TicketIds.PLACE}").is_disabled()
        page.locator(f"#{TicketIds.CONFIRM}").check()
        page.locator(f"#{TicketIds.PLACE}" + ":not([disabled])").wait_for()
        page.click(f"#{TicketIds.PLACE}")
        page.locator(f"#{TicketIds.PLACEMENT}").wait_for()
        placement = page.locator(f"#{TicketIds.PLACEMENT}").inner_text()
        screenshot(page, "ticket_placed_in_sim")
        if placement == "WORKING":
            page.click(f"#{TicketIds.CANCEL}")
            page.locator(f"#{TicketIds.RESULT}" + " :text('ancel')").first.wait_for()
            after_cancel = page.locator(f"#{TicketIds.RESULT}").inner_text()
            assert "cancel" in after_cancel.lower()
    assert mode == "SIM"
    assert outcome == "READY TO CONFIRM" and disabled_before_confirming
    assert placement in ("FILLED", "WORKING")
    audit = AuditLog.open(settings.data_dir)
    kinds = [entry.kind for entry in audit.entries()]
    audit.close()
    assert kinds.count("submit_attempt") == 1 and "confirmation" in kinds
    assert placement == "FILLED" or "cancel" in kinds


def test_odds_are_estimates_with_their_formula_and_the_assumed_volatility(tmp_path):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT) as url, chromium_page(height=2400) as page:
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url + "/")
        odds = page.locator(f"#{TicketIds.ODDS}")
        odds.get_by_text("Enter the underlying's price").wait_for()
        before = odds.inner_text()
        page.fill(f"#{TicketIds.UNDERLYING_PRICE}", "530")
        page.press(f"#{TicketIds.UNDERLYING_PRICE}", "Enter")
        odds.get_by_text("assumed").wait_for()
        assumed = odds.inner_text()
        tooltip = odds.locator("abbr").first.get_attribute("title")
        page.fill(f"#{TicketIds.IMPLIED_VOLATILITY}", "18")
        page.press(f"#{TicketIds.IMPLIED_VOLATILITY}", "Enter")
        odds.get_by_text("IV 18.0%").wait_for()
        typed = odds.inner_text()
        screenshot(page, "ticket_odds_estimate")
    assert before == "Enter the underlying's price to estimate the odds."
    assert "Probability of profit (estimate)" in assumed and "Expected value (estimate)" in assumed
    assert "IV 20.0% (assumed: no IV entered; the model's default)" in assumed
    assert "assumed" not in typed
    assert tooltip == ODDS_FORMULA
    assert errors == []
