"""Order ticket in Chromium: a dry-run preview is blocked and says what would have happened;
with dry-run off in SIM, only a confirmed order is placed; resting, it is in the Broker card's
order book and cancelled from there, and an order that never filled is not journaled."""

from __future__ import annotations

from components.cards.broker import Ids as BrokerIds
from components.cards.ticket import Ids as TicketIds
from components.order_book_panel import Ids as BookIds
from tests.support.browser import screenshot
import pytest

from tests.support.live_server import cockpit_settings, serve_cockpit
from tests.support.tastytrade_support import START, SteppingClock
from utils.records.audit import AuditLog
from utils.core.config import PROJECT_ROOT
from utils.spreads.ticket_odds import ODDS_FORMULA
from utils.journal.store import Journal


@pytest.mark.viewport(height=2400)
def test_preview_in_dry_run_is_blocked_and_place_stays_disabled(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT, clock=SteppingClock(START)) as url:
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


@pytest.mark.viewport(height=2400)
def test_confirmed_order_in_sim_is_placed_once_then_cancelled(tmp_path, page):
    settings = cockpit_settings(tmp_path, always_dry_run=False)
    with serve_cockpit(settings, PROJECT_ROOT, clock=SteppingClock(START)) as url:
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
        page.click(f"#{BookIds.REFRESH}")
        cancel = page.locator(f"#{BookIds.BODY} button:has-text('Cancel')")
        page.locator(f"#{BookIds.BODY} :text('1 working order(s)')").wait_for()
        in_book = page.locator(f"#{BookIds.BODY}").text_content()
        screenshot(page, "order_book_working_order")
        cancel.first.click()
        page.locator(f"#{BookIds.CANCEL_MESSAGE}" + " :text('ancel')").first.wait_for()
        after_cancel = page.locator(f"#{BookIds.CANCEL_MESSAGE}").inner_text()
        page.locator(f"#{BookIds.BODY} :text('0 working order(s)')").wait_for()
    assert mode == "SIM"
    assert outcome == "READY TO CONFIRM" and disabled_before_confirming
    assert placement == "WORKING"
    assert "1 working order(s)" in in_book and "100001" in in_book and "SIM (cockpit)" in in_book
    assert after_cancel.startswith("Order 100001: Cancel Requested (SIM, 127.0.0.1:")
    audit = AuditLog.open(settings.data_dir)
    kinds = [entry.kind for entry in audit.entries()]
    audit.close()
    assert kinds.count("submit_attempt") == 1 and "confirmation" in kinds
    placed_on = kinds.index("submit_attempt")
    assert kinds[placed_on:] == [
        "submit_attempt",
        "broker_answer",
        "cancel",
        "cancel",
        "guard_decision",  # the book saw it Cancelled: it no longer counts as working
    ]
    journal = Journal.open(settings.data_dir)
    assert journal.list_trades() == [], "an order that never filled is no trade"
    journal.close()


@pytest.mark.viewport(height=2400)
def test_odds_are_estimates_with_their_formula_and_the_assumed_volatility(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT) as url:
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
