"""The gate decides, the executor sends: `PlaceStage.clear` runs every check and sends nothing;
`PlaceStage.submit` is the one POST to `/orders`. Stages wired over a rig's real stores and two
simulated brokers; the live broker's request log is the proof of what was sent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.broker_support import LIVE_ACCOUNT, GuardRig, order_posts
from utils.broker.attempt import Attempt, Refused, new_correlation_id
from utils.broker.confirmation import RefusalCode
from utils.broker.decisions import Anomaly, Verdict
from utils.broker.guard import GuardStages
from utils.broker.models import GuardCode, PlacementOutcome, reason
from utils.broker.order_intent import OrderIntent
from utils.broker.pretrade_context import ReasonCode
from utils.records.latch import TriggerCode
from utils.judge.mode import BrokerTarget
from utils.records.alerts import AlertRule
from utils.records.audit import AuditKind
from utils.spreads.spread import Spread


@pytest.fixture
def live_rig(tmp_path):
    """USE_LIVE=true, ALWAYS_DRY_RUN=false, every gate passing, sandbox validated."""
    rig = GuardRig(tmp_path, use_live=True, always_dry_run=False)
    rig.graduate()
    yield rig
    rig.close()


def wire(rig: GuardRig) -> GuardStages:
    return GuardStages.wire(
        rig.settings,
        audit=rig.audit,
        alerts=rig.alerts,
        latch=rig.latch,
        evidence=rig.evidence,
        clients=rig.clients,
        journal=rig.journal,
        clock=rig.clock,
    )


def attempt(rig: GuardRig, correlation_id: str | None = None) -> Attempt:
    return Attempt(correlation_id=correlation_id or new_correlation_id(), now=rig.clock())


def previewed(rig: GuardRig, stages: GuardStages, intent: OrderIntent) -> tuple[str, str]:
    """(correlation id, token) of a clean preview in LIVE."""
    preview = stages.preview.preview(attempt(rig), intent, None, None, rig.plan())
    assert preview.outcome.ready, preview.message
    return preview.correlation_id, preview.confirmation_token.get_secret_value()


def audit_kinds(rig: GuardRig) -> list[AuditKind]:
    return [entry.kind for entry in rig.audit.entries()]


def test_clearing_a_confirmed_order_sends_nothing_until_submit(live_rig):
    stages = wire(live_rig)
    intent = live_rig.intent()
    correlation_id, token = previewed(live_rig, stages, intent)
    placing = attempt(live_rig, correlation_id)
    cleared = stages.place.clear(placing, token, intent, True, None)
    assert cleared.decision.target is BrokerTarget.LIVE
    assert cleared.account_number == LIVE_ACCOUNT
    assert cleared.order.price == intent.limit_price
    assert order_posts(live_rig.live, dry_run=False) == []
    assert len(order_posts(live_rig.live, dry_run=True)) == 1
    assert AuditKind.SUBMIT_ATTEMPT not in audit_kinds(live_rig)

    placement = stages.place.submit(placing, cleared)
    assert placement.outcome is PlacementOutcome.FILLED, placement.message
    assert order_posts(live_rig.live, dry_run=False) == [f"/accounts/{LIVE_ACCOUNT}/orders"]
    assert audit_kinds(live_rig).count(AuditKind.SUBMIT_ATTEMPT) == 1


def _cheaper(intent: OrderIntent) -> OrderIntent:
    spread = intent.spread
    changed = Spread(
        legs=spread.legs, price=spread.price - Decimal("0.05"), price_effect=spread.price_effect
    )
    return OrderIntent(spread=changed, client_order_id=intent.client_order_id)


@pytest.mark.parametrize(
    "confirmed, change, code",
    [
        (False, None, GuardCode.NOT_CONFIRMED_BY_PERSON),
        (True, _cheaper, RefusalCode.ORDER_CHANGED),
    ],
    ids=["not-confirmed", "order-changed"],
)
def test_clearing_refuses_with_its_reasons_and_sends_nothing(live_rig, confirmed, change, code):
    stages = wire(live_rig)
    intent = live_rig.intent()
    correlation_id, token = previewed(live_rig, stages, intent)
    presented = change(intent) if change else intent
    with pytest.raises(Refused) as refused:
        stages.place.clear(attempt(live_rig, correlation_id), token, presented, confirmed, None)
    assert [r.code for r in refused.value.reasons] == [code]
    assert order_posts(live_rig.live, dry_run=False) == []
    assert AuditKind.SUBMIT_ATTEMPT not in audit_kinds(live_rig)


def test_clearing_a_duplicate_raises_the_anomaly_and_sends_nothing_again(live_rig):
    stages = wire(live_rig)
    intent = live_rig.intent()
    correlation_id, token = previewed(live_rig, stages, intent)
    placing = attempt(live_rig, correlation_id)
    stages.place.submit(placing, stages.place.clear(placing, token, intent, True, None))
    with pytest.raises(Refused) as refused:
        stages.place.clear(attempt(live_rig, correlation_id), token, intent, True, None)
    assert [r.code for r in refused.value.reasons] == [RefusalCode.CONFIRMATION_REPLAYED]
    assert [a.code for a in refused.value.anomalies] == [GuardCode.DUPLICATE_SUBMIT]
    assert [a.rule for a in live_rig.alerts.alerts()] == [AlertRule.ORDER_ANOMALY]
    assert len(order_posts(live_rig.live, dry_run=False)) == 1


def test_recorder_enforces_a_passing_verdict_without_writing(live_rig):
    stages = wire(live_rig)
    before = audit_kinds(live_rig)
    stages.recorder.enforce(attempt(live_rig), Verdict())
    assert audit_kinds(live_rig) == before
    assert live_rig.alerts.alerts() == [] and not live_rig.latch.state().active


def test_recorder_refuses_a_verdict_raising_its_anomaly_alert_and_latch(live_rig):
    stages = wire(live_rig)
    refused_for = reason(ReasonCode.HALTED, "New entries are halted.")
    odd = reason(GuardCode.ORDER_MISMATCH, "The echo differs.")
    verdict = Verdict(refusals=(refused_for,), anomalies=(Anomaly(finding=odd),))
    with pytest.raises(Refused) as refused:
        stages.recorder.enforce(attempt(live_rig), verdict)
    assert refused.value.reasons == (refused_for,)
    (anomaly,) = refused.value.anomalies
    (alert,) = live_rig.alerts.alerts()
    assert anomaly.code is GuardCode.ORDER_MISMATCH
    assert anomaly.evidence == {"alert_id": str(alert.id)}
    assert alert.rule is AlertRule.ORDER_ANOMALY
    assert live_rig.latch.state().codes == (TriggerCode.ORDER_ANOMALY,)
    assert audit_kinds(live_rig)[-2:] == [AuditKind.HALT, AuditKind.LATCH]
    assert order_posts(live_rig.live) == []


def test_an_entry_placed_during_a_halt_raises_one_alert_naming_the_halt_not_quoting_it(live_rig):
    stages = wire(live_rig)
    intent = live_rig.intent()
    correlation_id, token = previewed(live_rig, stages, intent)
    live_rig.alerts.raise_alert(AlertRule.AUTH_ANOMALY, "401 in LIVE")
    with pytest.raises(Refused) as refused:
        stages.place.clear(attempt(live_rig, correlation_id), token, intent, True, None)
    assert [r.code for r in refused.value.reasons] == [ReasonCode.HALTED]
    first, second = live_rig.alerts.alerts()
    assert (first.rule, second.rule) == (AlertRule.AUTH_ANOMALY, AlertRule.ENTRY_DURING_HALT)
    assert f"HIGH alert {first.id} AUTH_ANOMALY" in second.message
    assert "401 in LIVE" not in second.message
    assert order_posts(live_rig.live, dry_run=False) == []
