"""Rolls over real HTTP against the simulated broker: the close goes first, the replacement
only after the close filled; the journal links the replacement to the spread it replaced, and the
roll chain sums their P&L."""

from __future__ import annotations

from decimal import Decimal

from tests.broker.test_close_ticket import live_rig, open_lots  # noqa: F401
from tests.support.broker_support import LIVE_ACCOUNT, order_posts
from utils.broker.close_ticket import close_intent
from utils.broker.closing_desk import prepare_close
from utils.broker.models import PlacementOutcome
from utils.broker.roll import place_roll, preview_roll
from utils.journal.roll_chain import roll_chain
from utils.journal.trade import CloseReason, TradeStatus

LIVE_ORDERS = f"/accounts/{LIVE_ACCOUNT}/orders"


def roll(rig, trade_id, **typed):
    """Preview the roll of `trade_id` into a fresh 1-lot spread, confirm both, place it."""
    close = close_intent(prepare_close(rig.journal, rig.guard, trade_id, **typed))
    replacement = rig.intent("roll-1")
    previewed = preview_roll(rig.guard, close, trade_id, replacement, rig.plan())
    assert previewed.ready, (previewed.close.message, previewed.replacement)
    return place_roll(
        rig.guard,
        previewed.close.confirmation_token.get_secret_value(),
        close,
        previewed.replacement.confirmation_token.get_secret_value(),
        replacement,
    )


def test_a_roll_closes_first_then_opens_the_replacement_linked_to_it(live_rig):  # noqa: F811
    _, old_id = open_lots(live_rig, 1)
    placed = roll(live_rig, old_id)
    assert placed.close.outcome is PlacementOutcome.FILLED, placed.message
    assert placed.replacement.outcome is PlacementOutcome.FILLED, placed.message
    submits = [r.body["legs"][0]["action"] for r in live_rig.live.requests if r.path == LIVE_ORDERS]
    assert [action.endswith("to Close") for action in submits] == [False, True, False]
    old = live_rig.journal.get_trade(old_id)
    new = live_rig.journal.get_trade(placed.replacement.journal_trade_id)
    assert old.status is TradeStatus.CLOSED and old.close_reason is CloseReason.ROLLED
    assert new.parent_id == old_id and new.status is TradeStatus.OPEN
    chain = roll_chain(live_rig.journal.list_trades(), new.id)
    assert chain.trade_ids == (old_id, new.id) and chain.rolled
    assert chain.open_trades == 1 and chain.net_pnl_usd == old.net_pnl_usd
    assert prepare_close(live_rig.journal, live_rig.guard, new.id).chain == chain


def test_a_close_that_does_not_fill_sends_no_replacement(live_rig):  # noqa: F811
    _, old_id = open_lots(live_rig, 1)
    placed = roll(live_rig, old_id, price="0.01", effect="Debit")  # far below the mid: it rests
    assert placed.close.outcome is PlacementOutcome.WORKING, placed.message
    assert placed.replacement is None
    assert "replacement was not sent" in placed.message
    assert order_posts(live_rig.live, dry_run=False) == [LIVE_ORDERS, LIVE_ORDERS]
    assert live_rig.journal.get_trade(old_id).status is TradeStatus.OPEN
    assert len(live_rig.journal.list_trades()) == 1
    assert Decimal(0) == roll_chain(live_rig.journal.list_trades(), old_id).net_pnl_usd
