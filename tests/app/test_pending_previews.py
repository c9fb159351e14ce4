"""Confirmation tokens stay on the server: the page holds a reference, good for one placement."""

from __future__ import annotations

from pydantic import SecretStr

from components.context import PendingPreviews
from utils.broker.models import Preview, PreviewOutcome
from utils.broker.order_intent import OrderIntent
from utils.spreads.ticket import build_ticket_spread

BULL_PUT = build_ticket_spread(
    underlying="SPY",
    structure="bull_put",
    expiration="2025-02-21",
    strikes="520, 525",
    quantity=1,
    limit_price="1.00",
)

INTENT = OrderIntent(spread=BULL_PUT, client_order_id="ticket-0001")


def preview(outcome: PreviewOutcome, token: str | None = "tok-secret") -> Preview:
    return Preview(
        outcome=outcome,
        correlation_id="c1",
        mode=None,
        confirmation_token=None if token is None else SecretStr(token),
        confirmation_ref="ref-1",
        message="",
    )


def test_a_ready_preview_is_kept_and_taken_once():
    previews = PendingPreviews()
    reference = previews.keep(preview(PreviewOutcome.READY_TO_CONFIRM), INTENT)
    assert reference == "ref-1"
    assert previews.take(reference) == ("tok-secret", INTENT)
    assert previews.take(reference) is None, "a confirmation is good once"


def test_a_blocked_or_tokenless_preview_gives_the_page_nothing():
    previews = PendingPreviews()
    assert previews.keep(preview(PreviewOutcome.BLOCKED_BY_DRY_RUN), INTENT) is None
    assert previews.keep(preview(PreviewOutcome.READY_TO_CONFIRM, token=None), INTENT) is None
    assert previews.take("ref-1") is None
