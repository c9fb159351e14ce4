"""A working opening order counts as an open spread (concurrency, per-underlying risk) until it
is filled, cancelled or rejected, across a guard restart: real HTTP against the simulator."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.broker_support import GuardRig, order_posts
from tests.support.tastytrade_support import SleepRecorder
from utils.broker.clients import BrokerClients
from utils.broker.guard import BrokerGuard
from utils.broker.models import PlacementOutcome
from utils.broker.order_intent import OpenPosition
from utils.broker.pretrade_context import ReasonCode
from utils.sim.orders import FillBehavior


@pytest.fixture
def rig(tmp_path):
    rig = GuardRig(tmp_path, use_live=True, always_dry_run=False)
    rig.graduate()
    yield rig
    rig.close()


def place(rig: GuardRig, client_order_id: str, offset: str, fill: FillBehavior):
    """Preview and place a SPY put credit spread (price offset by `offset`), filled per `fill`."""
    intent = rig.intent(client_order_id, credit_offset=Decimal(offset))
    preview = rig.guard.preview(intent)
    assert preview.confirmation_token is not None, preview.message
    rig.live.next_order_fill(fill)
    placement = rig.guard.place(
        preview.confirmation_token.get_secret_value(), intent=intent, confirmed_by_person=True
    )
    return intent, placement


def concurrency_sentence(preview) -> str:
    (check,) = [c for c in preview.pretrade.checks if c.code is ReasonCode.TOO_MANY_CONCURRENT]
    return check.sentence


def test_one_filled_and_one_working_refuse_a_third_opening(rig):
    filled, first = place(rig, "filled-1", "0", FillBehavior.IMMEDIATE)
    assert first.outcome is PlacementOutcome.FILLED
    rig.evidence.open_positions = (OpenPosition.from_spread("trade-1", filled.spread),)
    _, second = place(rig, "working-2", "-0.01", FillBehavior.NEVER)
    assert second.outcome is PlacementOutcome.WORKING
    posts_before = order_posts(rig.live, dry_run=False)

    third = rig.guard.preview(rig.intent("third-3", credit_offset=Decimal("-0.02")))

    assert ReasonCode.TOO_MANY_CONCURRENT in third.pretrade.codes
    assert concurrency_sentence(third) == (
        "1 spread(s) already open and 1 opening order(s) working: at most 2 may be open at "
        "once (live week 1); close one first, or cancel a working order."
    )
    assert third.confirmation_token is None
    assert order_posts(rig.live, dry_run=False) == posts_before


def test_the_20pct_rule_counts_a_working_orders_max_loss(tmp_path):
    rig = GuardRig(tmp_path, use_live=True, always_dry_run=False, risk_budget_usd=Decimal(3000))
    rig.graduate()
    try:
        _, working = place(rig, "working-1", "0", FillBehavior.NEVER)
        assert working.outcome is PlacementOutcome.WORKING

        second = rig.guard.preview(rig.intent("second-2", credit_offset=Decimal("-0.01")))

        assert second.pretrade.codes == (ReasonCode.SYMBOL_RISK_OVER_20PCT,)
        (check,) = [c for c in second.pretrade.denials]
        assert check.evidence["working_orders"] == "1"
        order_risk = Decimal(check.evidence["order_risk_usd"])
        assert Decimal(check.evidence["open_family_risk_usd"]) > 0
        assert Decimal(check.evidence["after_order_usd"]) == (
            Decimal(check.evidence["open_family_risk_usd"]) + order_risk
        )
    finally:
        rig.close()


def test_a_cancelled_working_order_frees_its_slot(rig):
    _, first = place(rig, "working-1", "0", FillBehavior.NEVER)
    _, second = place(rig, "working-2", "-0.01", FillBehavior.NEVER)
    assert ReasonCode.TOO_MANY_CONCURRENT in rig.guard.preview(rig.intent("third-3")).pretrade.codes

    rig.guard.cancel(second.order_id, correlation_id=second.correlation_id)
    assert rig.guard.reconcile(second.correlation_id).outcome is PlacementOutcome.CANCELLED

    third = rig.guard.preview(rig.intent("third-4", credit_offset=Decimal("-0.02")))
    assert third.confirmation_token is not None, third.message
    assert concurrency_sentence(third) == (
        "0 spread(s) open and 1 opening order(s) working; this one makes 2 of at most 2."
    )


def test_a_working_order_still_counts_after_a_guard_restart(rig):
    place(rig, "working-1", "0", FillBehavior.NEVER)
    place(rig, "working-2", "-0.01", FillBehavior.NEVER)
    clients = BrokerClients(rig.settings, clock=rig.clock, sleep=SleepRecorder(), timeout_s=5.0)
    restarted = BrokerGuard(
        rig.settings,
        audit=rig.audit,
        alerts=rig.alerts,
        latch=rig.latch,
        evidence=rig.evidence,
        clients=clients,
        journal=rig.journal,
        sandbox_store=rig.sandbox_store,
        clock=rig.clock,
    )
    try:
        third = restarted.preview(rig.intent("third-3", credit_offset=Decimal("-0.02")))
    finally:
        clients.close()
    assert ReasonCode.TOO_MANY_CONCURRENT in third.pretrade.codes
    assert concurrency_sentence(third).startswith(
        "0 spread(s) already open and 2 opening order(s) working"
    )


def test_a_rejected_order_does_not_count(rig):
    _, rejected = place(rig, "rejected-1", "0", FillBehavior.REJECT)
    assert rejected.outcome is PlacementOutcome.REJECTED

    next_one = rig.guard.preview(rig.intent("next-2", credit_offset=Decimal("-0.01")))

    assert concurrency_sentence(next_one) == "0 spread(s) open; this one makes 1 of at most 2."
