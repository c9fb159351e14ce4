"""Order ticket in Chromium: built from the simulator's chain for every structure, previewed and
placed in SIM (a resting one is in the Broker card's order book and cancelled from there); a
dry-run preview says each thing once and why Place is disabled; any change clears a preview and
its confirmation; the confirmation counts down and expires; impossible prices and undefined-risk
legs are flagged as typed; an order that never filled is not journaled.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from components.cards.broker import Ids as BrokerIds
from components.cards.ticket import Ids as TicketIds
from components.cards.ticket_preview import ALWAYS_DRY_RUN_WHY
from components.formatting import usd
from components.order_book_panel import Ids as BookIds
from tests.support.browser import screenshot
from tests.support.live_server import cockpit_settings, serve_cockpit
from tests.support.tastytrade_support import START, SteppingClock
from tests.support.ticket_form import CHAIN_WAIT_MS
from utils.core.config import PROJECT_ROOT
from utils.journal.store import Journal
from utils.records.audit import AuditLog
from utils.sim import market
from utils.spreads.chain import LegQuote, ListedExpiration, OptionChain, TickSize, price_legs
from utils.spreads.strike_picker import pick_strikes
from utils.spreads.ticket import STRUCTURES, build_ticket_spread, ticket_legs
from utils.spreads.ticket_odds import ODDS_FORMULA

TODAY = START.date()  # Wednesday 2026-03-04
EXPIRATION = date(2026, 4, 17)  # the listed expiration nearest a month out: 44 DTE
SPY_CHAIN = OptionChain(
    underlying="SPY",
    spot=market.spot_price("SPY", TODAY),
    tick_sizes=(TickSize(value=market.CENT),),
    expirations=(
        ListedExpiration(
            expiration=EXPIRATION,
            days_to_expiration=44,
            root="SPY",
            strikes=tuple(market.strikes("SPY", TODAY)),
        ),
    ),
)


def sim_quotes() -> dict[str, LegQuote]:
    """The simulator's quotes of every listed SPY option of the expiration (what it serves)."""
    listed = SPY_CHAIN.expirations[0]
    found = {}
    for strike in listed.strikes:
        for kind in ("C", "P"):
            symbol = listed.symbol(kind, strike)
            quote = market.quote(symbol, TODAY)
            found[symbol] = LegQuote(
                bid=quote.bid, ask=quote.ask, delta=quote.delta, volatility=quote.volatility
            )
    return found


QUOTES = sim_quotes()


def expected(structure: str) -> tuple[str, str]:
    """(strikes text, limit) the ticket should show for a structure, from the sim's own market;
    the limit is blank where the mid is on the other side (a credit for a debit structure)."""
    pick = pick_strikes(structure, SPY_CHAIN.expirations[0], SPY_CHAIN.spot, QUOTES)
    legs = ticket_legs(
        underlying="SPY", structure=structure, expiration=EXPIRATION, strikes=pick.text
    )
    price = price_legs(legs, QUOTES, SPY_CHAIN)
    wanted = STRUCTURES[structure][0].price_effect
    return pick.text, str(price.limit) if price.price_effect.value == wanted else ""


def field(page: Page, name: str):
    return page.locator(f"#{name}")


def open_ticket(page: Page, url: str, structure: str = "bull_put") -> None:
    """Load the page and wait until the chain has filled the ticket for `structure`."""
    page.goto(url + "/")
    page.locator(f"#{BrokerIds.EFFECTIVE_MODE}").wait_for()
    if structure != "bull_put":
        page.select_option(f"#{TicketIds.STRUCTURE}", structure)
    strikes, limit = expected(structure)
    expect(field(page, TicketIds.STRIKES)).to_have_value(strikes, timeout=CHAIN_WAIT_MS)
    expect(field(page, TicketIds.PRICE)).to_have_value(limit, timeout=CHAIN_WAIT_MS)


def preview(page: Page) -> str:
    page.click(f"#{TicketIds.PREVIEW}")
    page.locator(f"#{TicketIds.OUTCOME}").wait_for()
    return page.locator(f"#{TicketIds.OUTCOME}").inner_text()


@pytest.mark.viewport(height=2400)
def test_every_structure_is_built_from_the_chain_at_its_mid(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT, clock=SteppingClock(START)) as url:
        open_ticket(page, url)
        picked = field(page, TicketIds.EXPIRATION_PICK).input_value()
        typed = field(page, TicketIds.EXPIRATION).input_value()
        labels = page.locator(f"#{TicketIds.EXPIRATION_PICK} option").all_inner_texts()
        legs_table = field(page, TicketIds.LEG_QUOTES).inner_text()
        screenshot(page, "ticket_from_the_chain")
        shown = {}
        for structure in STRUCTURES:
            page.select_option(f"#{TicketIds.STRUCTURE}", structure)
            strikes, limit = expected(structure)
            expect(field(page, TicketIds.STRIKES)).to_have_value(strikes, timeout=CHAIN_WAIT_MS)
            expect(field(page, TicketIds.PRICE)).to_have_value(limit, timeout=CHAIN_WAIT_MS)
            summary = field(page, TicketIds.SUMMARY)
            if not limit:
                expect(field(page, TicketIds.QUOTE_STATUS)).to_contain_text(
                    "At the mid these legs are a credit", timeout=CHAIN_WAIT_MS
                )
                shown[structure] = "wrong way"
                continue
            spread = build_ticket_spread(
                underlying="SPY",
                structure=structure,
                expiration=EXPIRATION,
                strikes=strikes,
                quantity=1,
                limit_price=limit,
            )
            expect(summary).to_contain_text(spread.legs[0].describe(), timeout=CHAIN_WAIT_MS)
            max_profit = summary.locator("tr", has_text="Max profit")
            expect(max_profit).to_contain_text(usd(spread.max_profit_usd), timeout=CHAIN_WAIT_MS)
            expect(summary.locator("tr", has_text="Defined risk")).to_contain_text(
                "yes", timeout=CHAIN_WAIT_MS
            )
            shown[structure] = summary.inner_text()
            assert page.locator(f"#{TicketIds.PAYOFF} .scatterlayer .trace").count() == 1
    assert picked == typed == "2026-04-17"
    assert "2026-04-17 · 44 DTE · Regular" in labels
    assert "Bid" in legs_table and "Delta" in legs_table and "limit $" in legs_table
    assert all("Impossible price" not in text for text in shown.values())
    assert "Broken wing butterfly" in shown["bwb_put_credit"]
    assert shown["bwb_put_debit"] == shown["bwb_call_debit"] == "wrong way"


@pytest.mark.viewport(height=2400)
def test_preview_in_dry_run_says_each_thing_once_and_why_place_is_disabled(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT, clock=SteppingClock(START)) as url:
        open_ticket(page, url)
        mode = page.locator(f"#{BrokerIds.EFFECTIVE_MODE}").inner_text()
        before = field(page, TicketIds.PLACE_WHY).inner_text()
        page.fill(f"#{TicketIds.TARGET}", "50")
        page.fill(f"#{TicketIds.STOP}", "200")
        outcome = preview(page)
        result = field(page, TicketIds.RESULT).inner_text()
        page.locator(f"#{TicketIds.CONFIRM}").check()
        expect(field(page, TicketIds.PLACE_WHY)).to_have_text(
            ALWAYS_DRY_RUN_WHY, timeout=CHAIN_WAIT_MS
        )
        place_disabled = field(page, TicketIds.PLACE).is_disabled()
        screenshot(page, "ticket_blocked_by_dry_run")
    assert mode == "SIM (dry-run)" and before == "Preview first"
    assert outcome == "BLOCKED BY DRY-RUN"
    assert result.lower().count("blocked by dry-run") == 1
    assert result.lower().count("buying power") == 1
    assert result.count("ALWAYS_DRY_RUN=true") == 1
    assert place_disabled
    audit = AuditLog.open(settings.data_dir)
    kinds = [entry.kind for entry in audit.entries()]
    assert "preflight_request" in kinds and "submit_attempt" not in kinds
    assert audit.verify().ok
    audit.close()


def confirm_and_place(page: Page) -> str:
    """Confirm the previewed order and place it; the placement's outcome."""
    page.locator(f"#{TicketIds.CONFIRM}").check()
    page.locator(f"#{TicketIds.PLACE}:not([disabled])").wait_for()
    page.click(f"#{TicketIds.PLACE}")
    page.locator(f"#{TicketIds.PLACEMENT}").wait_for()
    return page.locator(f"#{TicketIds.PLACEMENT}").inner_text()


@pytest.mark.viewport(height=2400)
def test_a_chain_built_iron_condor_fills_at_its_mid_in_sim_and_a_richer_one_rests(tmp_path, page):
    settings = cockpit_settings(tmp_path, always_dry_run=False)
    with serve_cockpit(settings, PROJECT_ROOT, clock=SteppingClock(START)) as url:
        open_ticket(page, url, "iron_condor")
        mode = page.locator(f"#{BrokerIds.EFFECTIVE_MODE}").inner_text()
        page.fill(f"#{TicketIds.TARGET}", "50")
        page.fill(f"#{TicketIds.STOP}", "200")
        outcome = preview(page)
        why_unconfirmed = field(page, TicketIds.PLACE_WHY).inner_text()
        disabled_before_confirming = field(page, TicketIds.PLACE).is_disabled()
        at_the_mid = confirm_and_place(page)
        screenshot(page, "ticket_placed_in_sim")
        page.fill(f"#{TicketIds.PRICE}", "2.50")  # far above the mid: it rests
        page.press(f"#{TicketIds.PRICE}", "Enter")
        expect(field(page, TicketIds.RESULT)).to_have_text("", timeout=CHAIN_WAIT_MS)
        resting_outcome = preview(page)
        resting = confirm_and_place(page)
        page.click(f"#{BookIds.REFRESH}")
        page.locator(f"#{BookIds.BODY} :text('1 working order(s)')").wait_for()
        in_book = page.locator(f"#{BookIds.BODY}").text_content()
        page.locator(f"#{BookIds.BODY} button:has-text('Cancel')").first.click()
        page.locator(f"#{BookIds.CANCEL_MESSAGE} :text('ancel')").first.wait_for()
        after_cancel = page.locator(f"#{BookIds.CANCEL_MESSAGE}").inner_text()
        page.locator(f"#{BookIds.BODY} :text('0 working order(s)')").wait_for()
    assert mode == "SIM"
    assert outcome == "READY TO CONFIRM" and disabled_before_confirming
    assert why_unconfirmed == "Confirm the order"
    assert resting_outcome == "READY TO CONFIRM"
    assert at_the_mid == "FILLED" and resting == "WORKING"
    assert "100002" in in_book and "SIM (cockpit)" in in_book
    assert after_cancel.startswith("Order 100002: Cancel Requested (SIM, 127.0.0.1:")
    audit = AuditLog.open(settings.data_dir)
    kinds = [entry.kind for entry in audit.entries()]
    audit.close()
    assert kinds.count("submit_attempt") == 2 and "confirmation" in kinds
    journal = Journal.open(settings.data_dir)
    trades = journal.list_trades()
    journal.close()
    assert [(t.structure.value, t.underlying) for t in trades] == [("iron_condor", "SPY")]


@pytest.mark.viewport(height=2400)
def test_any_change_clears_a_ready_preview_and_its_confirmation(tmp_path, page):
    settings = cockpit_settings(tmp_path, always_dry_run=False)
    with serve_cockpit(settings, PROJECT_ROOT, clock=SteppingClock(START)) as url:
        open_ticket(page, url)
        assert preview(page) == "READY TO CONFIRM"
        page.locator(f"#{TicketIds.CONFIRM}").check()
        page.locator(f"#{TicketIds.PLACE}:not([disabled])").wait_for()
        page.fill(f"#{TicketIds.PRICE}", "1.23")
        page.press(f"#{TicketIds.PRICE}", "Enter")
        expect(field(page, TicketIds.RESULT)).to_have_text("", timeout=CHAIN_WAIT_MS)
        expect(field(page, TicketIds.PLACE_WHY)).to_have_text(
            "Preview first", timeout=CHAIN_WAIT_MS
        )
        confirmed_after_price = page.locator(f"#{TicketIds.CONFIRM}").is_checked()
        assert preview(page) == "READY TO CONFIRM"
        page.select_option(f"#{TicketIds.STRUCTURE}", "iron_condor")
        expect(field(page, TicketIds.STRIKES)).to_have_value(
            expected("iron_condor")[0], timeout=CHAIN_WAIT_MS
        )
        expect(field(page, TicketIds.RESULT)).to_have_text("", timeout=CHAIN_WAIT_MS)
        expect(field(page, TicketIds.SUMMARY)).to_contain_text("Iron condor", timeout=CHAIN_WAIT_MS)
        expect(field(page, TicketIds.PRICE)).to_have_value(
            expected("iron_condor")[1], timeout=CHAIN_WAIT_MS
        )
        summary = field(page, TicketIds.SUMMARY).inner_text()
        traces = page.locator(f"#{TicketIds.PAYOFF} .scatterlayer .trace").count()
        place_disabled = field(page, TicketIds.PLACE).is_disabled()
    assert not confirmed_after_price
    assert "Iron condor" in summary and "expected" not in summary
    assert traces == 1 and place_disabled


@pytest.mark.viewport(height=2400)
def test_the_confirmation_counts_down_and_place_is_disabled_at_zero(tmp_path, page):
    settings = cockpit_settings(tmp_path, always_dry_run=False)
    page.clock.install()
    with serve_cockpit(settings, PROJECT_ROOT, clock=SteppingClock(START)) as url:
        open_ticket(page, url)
        assert preview(page) == "READY TO CONFIRM"
        page.locator(f"#{TicketIds.CONFIRM}").check()
        page.locator(f"#{TicketIds.PLACE}:not([disabled])").wait_for()
        counting = field(page, TicketIds.COUNTDOWN).inner_text()
        page.clock.fast_forward(30_000)
        expect(field(page, TicketIds.COUNTDOWN)).not_to_have_text(counting, timeout=CHAIN_WAIT_MS)
        halfway = field(page, TicketIds.COUNTDOWN).inner_text()
        page.clock.fast_forward(31_000)
        expect(field(page, TicketIds.COUNTDOWN)).to_have_text(
            "Confirmation expired", timeout=CHAIN_WAIT_MS
        )
        why = field(page, TicketIds.PLACE_WHY).inner_text()
        place_disabled = field(page, TicketIds.PLACE).is_disabled()
    first = int(re.fullmatch(r"Confirm within (\d+) s", counting).group(1))
    later = int(re.fullmatch(r"Confirm within (\d+) s", halfway).group(1))
    assert 50 <= first <= 59 and later <= first - 30
    assert why == "The confirmation expired: preview again" and place_disabled


@pytest.mark.viewport(height=2400)
def test_impossible_prices_bad_quantities_and_undefined_risk_are_flagged_as_typed(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT, clock=SteppingClock(START)) as url:
        open_ticket(page, url)
        summary = field(page, TicketIds.SUMMARY)
        page.fill(f"#{TicketIds.PRICE}", "5.00")
        page.press(f"#{TicketIds.PRICE}", "Enter")
        expect(summary).to_contain_text("Impossible price", timeout=CHAIN_WAIT_MS)
        credit_at_width = summary.inner_text()
        page.fill(f"#{TicketIds.QUANTITY}", "0")
        expect(summary).to_contain_text("quantity", timeout=CHAIN_WAIT_MS)
        quantity_zero = summary.inner_text()
        page.fill(f"#{TicketIds.QUANTITY}", "1")
        page.select_option(f"#{TicketIds.STRUCTURE}", "custom_credit")
        expect(field(page, TicketIds.STRIKES)).to_have_value(
            expected("custom_credit")[0], timeout=CHAIN_WAIT_MS
        )
        page.fill(f"#{TicketIds.STRIKES}", "+1 P 520, -2 P 530")
        page.press(f"#{TicketIds.STRIKES}", "Enter")
        expect(summary).to_contain_text("Not defined risk", timeout=CHAIN_WAIT_MS)
        undefined = summary.inner_text()
        page.fill(f"#{TicketIds.UNDERLYING}", "XYZ")
        page.press(f"#{TicketIds.UNDERLYING}", "Enter")
        expect(field(page, TicketIds.CHAIN_STATUS)).to_contain_text(
            "No option chain for XYZ", timeout=CHAIN_WAIT_MS
        )
        expect(field(page, TicketIds.UNDERLYING_PRICE)).to_have_value("", timeout=CHAIN_WAIT_MS)
        expect(field(page, TicketIds.LEG_QUOTES)).to_have_text("", timeout=CHAIN_WAIT_MS)
        quotes_status = field(page, TicketIds.QUOTE_STATUS).inner_text()
        screenshot(page, "ticket_flags")
    assert "leaves a max loss of $0.00" in credit_at_width
    assert "Max loss (1R)\tnone: see above" in credit_at_width
    assert quantity_zero == "quantity: must be a whole number of at least 1"
    assert "Uncovered short" in undefined
    assert "No two-sided quote for Buy to Open 1 XYZ" in quotes_status


@pytest.mark.viewport(height=2400)
def test_odds_use_the_legs_iv_show_iv_rank_and_warn_of_an_ex_dividend_date(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT, clock=SteppingClock(START)) as url:
        open_ticket(page, url)
        odds = field(page, TicketIds.ODDS)
        odds.get_by_text("Probability of profit").wait_for()
        shown = odds.inner_text()
        tooltip = odds.locator("abbr").first.get_attribute("title")
        iv = field(page, TicketIds.IMPLIED_VOLATILITY).input_value()
        spot = field(page, TicketIds.UNDERLYING_PRICE).input_value()
    assert spot == str(market.spot_price("SPY", TODAY)) and float(iv) > 10
    assert "1-SD move by expiration (estimate)\t±$" in shown and "IV rank" in shown
    assert "Ex-dividend 2026-03-20 falls before the 2026-04-17 expiration" in shown
    assert "assumed" not in shown and tooltip == ODDS_FORMULA


@pytest.mark.viewport(height=2400)
def test_typed_strikes_keep_the_typed_price_until_refresh_quotes_sets_their_mid(tmp_path, page):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT, clock=SteppingClock(START)) as url:
        open_ticket(page, url)
        page.fill(f"#{TicketIds.PRICE}", "1.23")
        page.press(f"#{TicketIds.PRICE}", "Enter")
        page.fill(f"#{TicketIds.STRIKES}", "520, 525")
        page.press(f"#{TicketIds.STRIKES}", "Enter")
        status = field(page, TicketIds.QUOTE_STATUS)
        expect(status).to_contain_text("Refresh quotes sets the limit", timeout=CHAIN_WAIT_MS)
        kept = field(page, TicketIds.PRICE).input_value()
        legs = ticket_legs(
            underlying="SPY", structure="bull_put", expiration=EXPIRATION, strikes="520, 525"
        )
        mid = str(price_legs(legs, QUOTES, SPY_CHAIN).limit)
        page.click(f"#{TicketIds.REFRESH_QUOTES}")
        expect(field(page, TicketIds.PRICE)).to_have_value(mid, timeout=CHAIN_WAIT_MS)
        refreshed = status.inner_text()
    assert kept == "1.23"
    assert refreshed.startswith(f"Limit prefilled at the net mid {mid} (credit, tick 0.01)")
