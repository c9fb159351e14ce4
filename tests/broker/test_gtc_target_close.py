"""A trade with a working GTC profit-target order cannot be closed a second way until that order
is cancelled: the refusal names the order. Real HTTP against the simulator, real SQLite files."""

from __future__ import annotations

from tests.broker.test_close_ticket import live_rig, open_lots, place_target  # noqa: F401
from utils.broker.closing_desk import prepare_close, preview_close
from utils.broker.models import CancelOutcome, GuardCode, PlacementOutcome


def test_a_second_close_is_refused_naming_the_working_gtc_target_until_it_is_cancelled(
    live_rig,  # noqa: F811
):
    _, trade_id = open_lots(live_rig, 1)
    _, target = place_target(live_rig, trade_id)
    assert target.outcome is PlacementOutcome.WORKING, target.message

    ticket = prepare_close(live_rig.journal, live_rig.guard, trade_id)
    refused, _ = preview_close(live_rig.guard, ticket)

    assert not refused.outcome.ready
    assert GuardCode.CLOSE_ORDER_WORKING in refused.codes
    assert f"order {target.order_id}" in refused.message and "GTC" in refused.message
    assert "cancel" in refused.message.lower()

    cancelled = live_rig.guard.cancel(target.order_id, correlation_id=target.correlation_id)
    assert cancelled.outcome is CancelOutcome.CANCEL_REQUESTED, cancelled.message
    still, _ = preview_close(
        live_rig.guard, prepare_close(live_rig.journal, live_rig.guard, trade_id)
    )
    assert GuardCode.CLOSE_ORDER_WORKING in still.codes  # it may still fill until it ended
    assert live_rig.guard.order_book().orders == ()  # the broker confirms it ended
    again, _ = preview_close(
        live_rig.guard, prepare_close(live_rig.journal, live_rig.guard, trade_id)
    )
    assert again.outcome.ready, again.message
