"""Close card in Chromium: with dry-run off in SIM, a spread opened from the ticket fills, is
closed from its journal row at the prefilled mid, and its P&L on the journal and the Expectancy
card is the broker's cash: 100 x (credit - debit) - every fee the simulator charged. Close all
lists the open spread; a roll closes it and opens its replacement, linked."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from components.cards.broker import Ids as BrokerIds
from components.cards.close_ticket import Ids as CloseIds
from components.cards.expectancy import Ids as ExpectancyIds
from components.cards.journal import Ids as JournalIds
from components.cards.ticket import Ids as TicketIds
from components.roll_panel import Ids as RollIds
from components.formatting import usd
from tests.support.broker_support import put_credit_spread
from tests.support.browser import screenshot
from tests.support.live_server import cockpit_settings, serve_cockpit
from tests.support.tastytrade_support import START, SteppingClock
from tests.support.ticket_form import wait_for_the_chain
from utils.core.config import PROJECT_ROOT
from utils.core.money import round_to_cent
from utils.core.sessions import session_of
from utils.journal.store import Journal
from utils.journal.trade import CloseReason, TradeStatus
from utils.records.audit import AuditKind, AuditLog

TABLE_ROWS = f"#{JournalIds.TABLE} .ag-center-cols-container .ag-row"


def fill_ticket(page, spread) -> None:
    """Type a SPY bull put the simulator fills at its mid into the order ticket."""
    wait_for_the_chain(page)  # typed after the chain's prefill, so nothing overwrites it
    long_leg, short_leg = sorted(spread.legs, key=lambda leg: leg.strike)
    page.fill(f"#{TicketIds.UNDERLYING}", "SPY")
    page.fill(f"#{TicketIds.EXPIRATION}", spread.expiration.isoformat())
    page.fill(f"#{TicketIds.STRIKES}", f"{long_leg.strike:f}, {short_leg.strike:f}")
    page.fill(f"#{TicketIds.PRICE}", f"{spread.price:f}")
    page.fill(f"#{TicketIds.TARGET}", "50")
    page.fill(f"#{TicketIds.STOP}", "200")


def confirm_and_place(page, ids) -> str:
    """Preview, confirm and place with one card's buttons; the placement's outcome."""
    page.click(f"#{ids.PREVIEW}")
    page.locator(f"#{ids.OUTCOME}", has_text="READY TO CONFIRM").wait_for()
    page.locator(f"#{ids.CONFIRM}").check()
    page.locator(f"#{ids.PLACE}:not([disabled])").wait_for()
    page.click(f"#{ids.PLACE}")
    placement = page.locator(f"#{ids.PLACEMENT}", has_text=re.compile("[A-Z]"))
    return placement.text_content()


def broker_fees(settings) -> Decimal:
    """Every fee the broker reported on the dry-runs of the two orders placed (each order's
    fees in whole cents, as the journal keeps them)."""
    audit = AuditLog.open(settings.data_dir)
    try:
        results = [e.body for e in audit.entries() if e.kind == AuditKind.PREFLIGHT_RESULT]
    finally:
        audit.close()
    fees = (round_to_cent(Decimal(body["what_if"]["fees_usd"])) for body in results)
    return sum(fees, Decimal(0))


@pytest.mark.viewport(height=3200)
def test_a_filled_spread_is_closed_from_its_journal_row_with_the_right_pnl(tmp_path, page):
    settings = cockpit_settings(tmp_path, always_dry_run=False)
    spread = put_credit_spread(session_of(START))
    with serve_cockpit(settings, PROJECT_ROOT, clock=SteppingClock(START)) as url:
        page.goto(url + "/")
        page.locator(f"#{BrokerIds.EFFECTIVE_MODE}", has_text="SIM").wait_for()
        fill_ticket(page, spread)
        opened = confirm_and_place(page, TicketIds)
        page.locator(f"{TABLE_ROWS} [col-id=status]", has_text="open").wait_for()
        page.locator(f"{TABLE_ROWS} .ag-selection-checkbox input").first.check()
        page.locator(f"#{JournalIds.DETAIL}", has_text="Trade 1:").wait_for()  # selection seen
        page.click(f"#{JournalIds.CLOSE_TICKET_BUTTON}")
        page.locator(f"#{CloseIds.SUMMARY}", has_text="Mid of live quotes").wait_for()
        prefilled = page.locator(f"#{CloseIds.PRICE}").input_value()
        effect = page.locator(f"#{CloseIds.EFFECT}").input_value()
        closing = page.locator(f"#{CloseIds.SUMMARY}").inner_text()
        closed = confirm_and_place(page, CloseIds)
        page.locator(f"{TABLE_ROWS} [col-id=status]", has_text="closed").wait_for()
        pnl_cell = page.locator(f"{TABLE_ROWS} [col-id=net_pnl_usd]", has_text=re.compile("[0-9]"))
        shown_pnl = pnl_cell.first.inner_text()
        expected = 100 * (spread.price - Decimal(prefilled)) - broker_fees(settings)
        page.locator(f"#{ExpectancyIds.EXPECTANCY}", has_text=usd(expected)).wait_for()
        screenshot(page, "close_ticket_closed_from_journal_row")
    assert opened == "FILLED" and closed == "FILLED"
    assert effect == "Debit"
    assert "Buy to Close 1" in closing and "Sell to Close 1" in closing
    assert "Nothing remains open" in closing
    journal = Journal.open(settings.data_dir)
    (trade,) = journal.list_trades()
    journal.close()
    assert trade.status is TradeStatus.CLOSED
    assert trade.entry_price == spread.price and trade.exit_price == Decimal(prefilled)
    assert broker_fees(settings) > 0
    assert trade.net_pnl_usd == expected
    assert Decimal(shown_pnl.replace("$", "").replace(",", "")) == expected


@pytest.mark.viewport(height=3200)
def test_close_all_lists_the_open_spread_and_a_roll_replaces_it_linked(tmp_path, page):
    settings = cockpit_settings(tmp_path, always_dry_run=False)
    spread = put_credit_spread(session_of(START))
    clock = SteppingClock(START)
    with serve_cockpit(settings, PROJECT_ROOT, clock=clock) as url:
        page.goto(url + "/")
        page.locator(f"#{BrokerIds.EFFECTIVE_MODE}", has_text="SIM").wait_for()
        fill_ticket(page, spread)
        opened = confirm_and_place(page, TicketIds)
        # a day later the spread has lost value: the roll's close is a win, so the revenge
        # guard (no entry within 30 minutes of a loss) leaves the replacement alone
        clock.advance(days=1)
        page.click(f"#{CloseIds.CLOSE_ALL}")
        listed = page.locator(f"#{CloseIds.OPEN_LIST} tbody tr")
        listed.first.wait_for()
        rows = listed.count()
        listed.first.locator("button", has_text="Close").click()
        page.locator(f"#{CloseIds.SUMMARY}", has_text="Trade 1").wait_for()
        # the replacement: today's fillable bull put (a day later: another order than the first)
        replacement = put_credit_spread(session_of(clock()))
        fill_ticket(page, replacement)
        page.click(f"#{RollIds.PREVIEW}")
        page.locator(f"#{RollIds.OUTCOME}", has_text="READY TO CONFIRM").wait_for()
        page.locator(f"#{RollIds.CONFIRM}").check()
        page.locator(f"#{RollIds.PLACE}:not([disabled])").wait_for()
        page.click(f"#{RollIds.PLACE}")
        page.locator(f"#{RollIds.RESULT}", has_text="the replacement is filled").wait_for()
        # the list is re-read after the roll: wait for the replacement's row (trade 2), since
        # the old list also reads "vertical SPY"
        first_cells = page.locator(f"#{CloseIds.OPEN_LIST} tbody tr td:first-child")
        first_cells.filter(has_text=re.compile(r"^2$")).wait_for()
        after = first_cells.all_text_contents()
        screenshot(page, "close_ticket_rolled")
    assert opened == "FILLED" and rows == 1
    assert after == ["2"], "Close all now lists the replacement only"
    journal = Journal.open(settings.data_dir)
    old, new = journal.list_trades()
    journal.close()
    assert old.close_reason is CloseReason.ROLLED and old.status is TradeStatus.CLOSED
    assert new.parent_id == old.id and new.status is TradeStatus.OPEN
    assert new.entry_price == replacement.price
    assert old.net_pnl_usd > 0
