"""The ticket's preview as a person reads it, from a real guard in SIM: each sentence once, and
Place disabled with the reason why."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from components.cards.ticket_preview import (
    ALWAYS_DRY_RUN_WHY,
    place_blocker,
    sentences,
    show_preview,
    unsaid,
)
from tests.app.dash_tree import text
from utils.broker.models import TradePlan
from utils.broker.order_intent import OrderIntent
from utils.sim import market
from utils.spreads.ticket import build_ticket_spread

TODAY = date(2025, 3, 3)  # the app fixtures' clock


def intent() -> OrderIntent:
    expiration = next(d for d in market.expirations("SPY", TODAY) if (d - TODAY).days >= 30)
    spot = market.spot_price("SPY", TODAY)
    short = (spot * Decimal("0.97")).to_integral_value()
    spread = build_ticket_spread(
        underlying="SPY",
        structure="bull_put",
        expiration=expiration,
        strikes=f"{short - 5}, {short}",
        quantity=1,
        limit_price="1.20",
    )
    return OrderIntent(spread=spread, client_order_id="ticket-view-0001")


def test_a_dry_run_preview_says_blocked_once_and_the_broker_figures_once(empty_ctx):
    answer = empty_ctx.guard.preview(
        intent(), plan=TradePlan(profit_target_usd=Decimal(50), stop_loss_usd=Decimal(200))
    )
    shown = text(show_preview(answer))
    assert shown.lower().count("blocked by dry-run") == 1
    assert shown.lower().count("buying power") == 1
    assert shown.count("ALWAYS_DRY_RUN=true") == 1
    assert shown.count("othing was placed") == 1
    assert place_blocker(answer) == ALWAYS_DRY_RUN_WHY


def test_unsaid_keeps_only_sentences_not_said_before():
    said: list[str] = []
    assert unsaid("Nothing was placed. Fees $2.30.", said) == "Nothing was placed. Fees $2.30."
    assert unsaid("Fees $2.30. Buying power $100.00.", said) == "Buying power $100.00."
    assert sentences("A (to $1.50), b. C? D!") == ["A (to $1.50), b.", "C?", "D!"]


def test_the_cockpits_ticket_reads_the_embedded_simulator_through_the_guard(empty_ctx):
    from utils.broker.ticket_market import TicketMarket

    desk = TicketMarket(empty_ctx.guard.market_client)
    chain = desk.chain("SPY")
    expiration = chain.proposed(TODAY)
    pick = desk.pick("iron_condor", chain, expiration.expiration)
    quoted = desk.quote_ticket(
        underlying="SPY",
        structure="iron_condor",
        expiration=expiration.expiration,
        strikes=pick.text,
        chain=chain,
    )
    assert chain.spot == market.spot_price("SPY", TODAY) == quoted.spot
    assert pick.by_delta and len(pick.text.split(", ")) == 4
    assert quoted.gap is None and quoted.price.price_effect.value == "Credit"
    assert len(quoted.price.legs) == 4 and quoted.price.limit > 0
