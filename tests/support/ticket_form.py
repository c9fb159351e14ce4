"""Typing a spread into the Order ticket in Chromium once the chain has filled it (the chain's
prefill would otherwise land after what the test typed)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from components.cards.ticket import Ids as TicketIds

CHAIN_WAIT_MS = 60_000  # a loaded 2-core machine: the chain, the pick and the quotes in turn


def wait_for_the_chain(page: Page) -> None:
    """Until the chain has picked the ticket's strikes and prefilled its limit."""
    expect(page.locator(f"#{TicketIds.PRICE}")).not_to_have_value("", timeout=CHAIN_WAIT_MS)


def type_ticket(page: Page, strikes: str, price: str) -> None:
    """Wait for the chain's limit, type `strikes`, wait for their quotes, then type `price`."""
    wait_for_the_chain(page)
    page.fill(f"#{TicketIds.STRIKES}", strikes)
    page.press(f"#{TicketIds.STRIKES}", "Enter")
    first_strike = strikes.split(",")[0].strip()
    expect(page.locator(f"#{TicketIds.LEG_QUOTES}")).to_contain_text(
        f" {first_strike} P", timeout=CHAIN_WAIT_MS
    )
    page.fill(f"#{TicketIds.PRICE}", price)
    page.press(f"#{TicketIds.PRICE}", "Enter")
