"""Closes always reach the position: a closing order goes to the broker holding the journaled
trade, whatever refuses entries (halt, latch, forced SANDBOX, stale gates), and only when that
broker confirms the position. Real HTTP against two simulated brokers ("sandbox" and "live")."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.support.broker_support import LIVE_ACCOUNT, SANDBOX_ACCOUNT, GuardRig, order_posts
from tests.support.tastytrade_support import fixture
from utils.broker.close_route import unheld_legs
from utils.broker.guard import BrokerGuard
from utils.broker.models import GuardCode, PlacementOutcome, PreviewOutcome
from utils.broker.order_intent import OpenPosition, OrderIntent
from utils.journal.trade import TradeStatus
from utils.judge.gates import GateCode
from utils.judge.mode import BrokerTarget, EffectiveMode
from utils.records.alerts import AlertRule
from utils.records.audit import AuditKind
from utils.records.latch import RollbackTrigger, TriggerCode
from utils.spreads.legs import Leg, PositionEffect, PriceEffect
from utils.spreads.spread import Spread
from utils.tastytrade.accounts import Position
from utils.tastytrade.orders import build_spread_order

LIVE_ORDERS = f"/accounts/{LIVE_ACCOUNT}/orders"
SANDBOX_ORDERS = f"/accounts/{SANDBOX_ACCOUNT}/orders"
STRICT = {"strict-position-effect-validation": True}


@pytest.fixture
def live_rig(tmp_path):
    """USE_LIVE=true, ALWAYS_DRY_RUN=false, every gate passing, sandbox validated."""
    rig = GuardRig(tmp_path, use_live=True, always_dry_run=False)
    rig.graduate()
    yield rig
    rig.close()


def closing(intent: OrderIntent, client_order_id: str = "close-1") -> OrderIntent:
    """The order that closes `intent`'s legs, at a debit the simulator fills."""
    spread = Spread(
        legs=intent.spread.closing_legs(), price=Decimal("2.50"), price_effect=PriceEffect.DEBIT
    )
    return OrderIntent(spread=spread, client_order_id=client_order_id)


def open_spread(rig: GuardRig, guard: BrokerGuard | None = None) -> tuple[OrderIntent, int]:
    """A filled entry the journal and the evidence know as open; returns it and its trade id."""
    guard = guard or rig.guard
    intent = rig.intent()
    preview = guard.preview(intent, plan=rig.plan())
    assert preview.outcome.ready, preview.message
    token = preview.confirmation_token.get_secret_value()
    opened = guard.place(token, intent=intent, confirmed_by_person=True)
    assert opened.outcome is PlacementOutcome.FILLED, opened.message
    rig.evidence.open_positions = (
        OpenPosition.from_spread(str(opened.journal_trade_id), intent.spread),
    )
    rig.clock.advance(minutes=5)
    return intent, opened.journal_trade_id


def close_through(guard: BrokerGuard, close: OrderIntent, trade_id: int):
    """Preview the close, confirm it as the person, place it; returns preview and placement."""
    preview = guard.preview(close, closes_trade_id=trade_id)
    assert preview.outcome.ready, preview.message
    token = preview.confirmation_token.get_secret_value()
    return preview, guard.place(token, intent=close, confirmed_by_person=True)


def audited(rig: GuardRig, stage: str) -> list[dict]:
    """Bodies of the guard-decision audit entries of `stage`, oldest first."""
    return [
        entry.body
        for entry in rig.audit.entries()
        if entry.kind == AuditKind.GUARD_DECISION and entry.body.get("stage") == stage
    ]


def halt(rig: GuardRig) -> EffectiveMode:
    rig.alerts.raise_alert(AlertRule.OVER_CONCURRENCY, "an entry refused during a halt")
    return EffectiveMode.LIVE_DRY_RUN


def high_alert_fails_the_gate(rig: GuardRig) -> EffectiveMode:
    rig.alerts.raise_alert(AlertRule.OVER_CONCURRENCY, "an entry refused during a halt")
    rig.evidence.failing_gates = {GateCode.NO_HIGH_ALERT_LAST_SESSION}
    return EffectiveMode.FORCED_SANDBOX


def latch(rig: GuardRig) -> EffectiveMode:
    rig.latch.set(
        [RollbackTrigger(code=TriggerCode.ORDER_ANOMALY, sentence="an order anomaly", evidence={})]
    )
    return EffectiveMode.LIVE_DRY_RUN


def stale_gates(rig: GuardRig) -> EffectiveMode:
    rig.evidence.gates_age = timedelta(minutes=10)
    return EffectiveMode.FORCED_SANDBOX


@pytest.mark.parametrize(
    "refuse_entries",
    [halt, high_alert_fails_the_gate, latch, stale_gates],
    ids=lambda f: f.__name__,
)
def test_every_state_that_refuses_entries_lets_a_live_close_reach_the_live_broker(
    live_rig, refuse_entries
):
    intent, trade_id = open_spread(live_rig)
    entry_mode = refuse_entries(live_rig)
    assert live_rig.guard.mode().mode is entry_mode
    assert not live_rig.guard.mode().submits(PositionEffect.OPENING)
    preview, placement = close_through(live_rig.guard, closing(intent), trade_id)
    assert preview.mode.target is BrokerTarget.LIVE
    assert placement.outcome is PlacementOutcome.FILLED, placement.message
    assert live_rig.journal.get_trade(trade_id).status is TradeStatus.CLOSED
    assert order_posts(live_rig.live, dry_run=False) == [LIVE_ORDERS, LIVE_ORDERS]
    assert order_posts(live_rig.sandbox) == []
    assert live_rig.live.book.positions(LIVE_ACCOUNT) == []
    close_bodies = [r.body for r in live_rig.live.requests if r.path == LIVE_ORDERS][1:]
    assert [body["advanced-instructions"] for body in close_bodies] == [STRICT]
    routes = audited(live_rig, "close_route")
    assert [(r["position_mode"], r["target"], r["submits"]) for r in routes] == [
        ("LIVE", "LIVE", True),
        ("LIVE", "LIVE", True),
    ]
    assert [c["unheld_legs"] for c in audited(live_rig, "position_check")] == [[], []]


def test_a_close_the_broker_holds_no_position_for_is_refused_and_sends_nothing(live_rig):
    intent, trade_id = open_spread(live_rig)
    outside = build_spread_order(
        closing(intent).spread.to_order_legs(), price=Decimal("2.50"), price_effect="Debit"
    )
    live_rig.clients(BrokerTarget.LIVE).place_order(LIVE_ACCOUNT, outside)  # closed at tastytrade
    live_rig.live.book.work()
    assert live_rig.live.book.positions(LIVE_ACCOUNT) == []
    posts_before = order_posts(live_rig.live)
    preview = live_rig.guard.preview(closing(intent), closes_trade_id=trade_id)
    assert preview.outcome is PreviewOutcome.REFUSED
    assert preview.codes == (GuardCode.CLOSE_NOT_HELD_AT_BROKER,)
    assert order_posts(live_rig.live) == posts_before
    assert order_posts(live_rig.sandbox) == []
    assert live_rig.journal.get_trade(trade_id).status is TradeStatus.OPEN


def test_an_unjournaled_close_without_a_position_is_refused(tmp_path):
    rig = GuardRig(tmp_path, use_live=True, always_dry_run=False, with_journal=False)
    try:
        rig.graduate()
        preview = rig.guard.preview(closing(rig.intent()))
        assert preview.codes == (GuardCode.CLOSE_NOT_HELD_AT_BROKER,)
        assert order_posts(rig.live) == [] and order_posts(rig.sandbox) == []
    finally:
        rig.close()


def restarted(rig: GuardRig, **settings) -> BrokerGuard:
    """The guard after the trader changed `.env` and restarted (same stores and brokers)."""
    return BrokerGuard(
        rig.settings.model_copy(update=settings),
        audit=rig.audit,
        alerts=rig.alerts,
        latch=rig.latch,
        evidence=rig.evidence,
        clients=rig.clients,
        journal=rig.journal,
        sandbox_store=rig.sandbox_store,
        clock=rig.clock,
    )


def test_a_sandbox_close_goes_to_the_sandbox_when_entries_go_live(tmp_path):
    rig = GuardRig(tmp_path, use_live=False, always_dry_run=False)
    try:
        rig.graduate()
        intent, trade_id = open_spread(rig)
        live_guard = restarted(rig, use_live=True)
        assert live_guard.mode().mode is EffectiveMode.LIVE
        preview, placement = close_through(live_guard, closing(intent), trade_id)
        assert preview.mode.target is BrokerTarget.SANDBOX
        assert placement.outcome is PlacementOutcome.FILLED, placement.message
        assert order_posts(rig.sandbox, dry_run=False) == [SANDBOX_ORDERS, SANDBOX_ORDERS]
        assert order_posts(rig.live) == []
    finally:
        rig.close()


def test_always_dry_run_stops_a_live_close_at_the_live_brokers_dry_run(live_rig):
    intent, trade_id = open_spread(live_rig)
    dry_guard = restarted(live_rig, always_dry_run=True)
    preview = dry_guard.preview(closing(intent), closes_trade_id=trade_id)
    assert preview.outcome is PreviewOutcome.BLOCKED_BY_DRY_RUN, preview.message
    assert preview.mode.mode is EffectiveMode.LIVE_DRY_RUN
    assert order_posts(live_rig.live) == [f"{LIVE_ORDERS}/dry-run", LIVE_ORDERS] + [
        f"{LIVE_ORDERS}/dry-run"
    ]
    assert order_posts(live_rig.sandbox) == []
    assert len(live_rig.live.book.positions(LIVE_ACCOUNT)) == 2


def test_a_live_close_without_a_live_login_is_refused_not_sent_elsewhere(live_rig):
    intent, trade_id = open_spread(live_rig)
    no_login = restarted(live_rig, tt_live_refresh_token=None)
    posts_before = order_posts(live_rig.live)
    preview = no_login.preview(closing(intent), closes_trade_id=trade_id)
    assert preview.codes == (GuardCode.BROKER_UNAVAILABLE,)
    assert "no live login is configured" in preview.message
    assert order_posts(live_rig.live) == posts_before
    assert order_posts(live_rig.sandbox) == []


def test_a_close_must_reduce_a_held_position_on_the_opposite_side_by_no_more_than_held():
    short_put = Position.model_validate(fixture("position_option_short_put.json"))
    occ = "SPY   250117P00450000"
    assert unheld_legs([Leg.from_occ(occ, "Buy to Close", 1)], [short_put]) == []
    assert unheld_legs([Leg.from_occ(occ, "Buy to Close", 2)], [short_put]) == [
        "Buy to Close 2 SPY   250117P00450000 (held: -1)"
    ]
    assert unheld_legs([Leg.from_occ(occ, "Sell to Close", 1)], [short_put]) == [
        "Sell to Close 1 SPY   250117P00450000 (held: -1)"
    ]
    assert unheld_legs([Leg.from_occ(occ, "Buy to Close", 1)], []) == [
        "Buy to Close 1 SPY   250117P00450000 (held: 0)"
    ]
