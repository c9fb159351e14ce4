"""Adversarial tests of the broker guard over real HTTP (in the style of tastytrade's MCP server).

Two simulated brokers run on loopback: one configured as the sandbox, one as live, on different
ports. For every refusal path the live broker's request log shows zero order POSTs (neither
`/orders` nor, where the path stops before it, `/orders/dry-run`); only the fully graduated,
confirmed, non-dry-run order reaches the live `/orders`, exactly once.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests.support.broker_support import LIVE_ACCOUNT, GuardRig, order_posts, put_credit_spread
from tests.support.tastytrade_support import USER_AGENT, SleepRecorder
from utils.records.alerts import AlertRule
from utils.records.audit import AuditKind
from utils.broker.clients import BrokerClients
from utils.broker.guard import BrokerGuard
from utils.broker.checks import TradingStatus
from utils.judge.mode import BrokerTarget, EffectiveMode
from utils.broker.models import CancelOutcome, GuardCode, PlacementOutcome, PreviewOutcome
from utils.core.config import Environment
from utils.broker.confirmation import RefusalCode
from utils.judge.gates import GateCode
from utils.records.latch import RollbackTrigger, TriggerCode
from utils.journal.trade import Mode, TradeStatus
from utils.broker.order_intent import OpenPosition, OrderIntent
from utils.broker.pretrade_context import ReasonCode
from utils.sim.orders import FillBehavior
from utils.spreads.legs import Leg, PriceEffect
from utils.spreads.spread import Spread
from utils.tastytrade.client import TastytradeClient
from utils.tastytrade.orders import build_spread_order

ORDERS_PATH = r"/orders$"
DRY_RUN_PATH = r"/orders/dry-run$"


@pytest.fixture
def make_rig(tmp_path):
    rigs: list[GuardRig] = []

    def build(**kwargs) -> GuardRig:
        rig = GuardRig(tmp_path / f"rig{len(rigs)}", **kwargs)
        rigs.append(rig)
        return rig

    yield build
    for rig in rigs:
        rig.close()


@pytest.fixture
def live_rig(make_rig) -> GuardRig:
    """USE_LIVE=true, ALWAYS_DRY_RUN=false, every gate passing, sandbox validated."""
    rig = make_rig(use_live=True, always_dry_run=False)
    rig.graduate()
    return rig


def confirm(rig: GuardRig, intent: OrderIntent, **kwargs):
    preview = rig.guard.preview(intent, plan=rig.plan(), **kwargs)
    assert preview.outcome.ready, preview.message
    token = preview.confirmation_token.get_secret_value()
    return preview, token


def no_live_orders(rig: GuardRig, *, dry_runs_too: bool) -> None:
    assert order_posts(rig.live, dry_run=False) == []
    if dry_runs_too:
        assert order_posts(rig.live) == []


# --- the one path that reaches live /orders -------------------------------------------------


def test_graduated_confirmed_order_reaches_live_orders_exactly_once(live_rig):
    intent = live_rig.intent()
    preview, token = confirm(live_rig, intent)
    assert preview.mode.mode is EffectiveMode.LIVE
    assert preview.what_if.fees_usd == Decimal("2.302")
    placement = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert placement.outcome is PlacementOutcome.FILLED, placement.message
    assert order_posts(live_rig.live, dry_run=False) == [f"/accounts/{LIVE_ACCOUNT}/orders"]
    assert order_posts(live_rig.live, dry_run=True) == [f"/accounts/{LIVE_ACCOUNT}/orders/dry-run"]
    assert order_posts(live_rig.sandbox) == []
    trade = live_rig.journal.get_trade(placement.journal_trade_id)
    assert trade.mode is Mode.LIVE and trade.status is TradeStatus.OPEN
    assert trade.broker_order_ids == (str(placement.order_id),)
    assert trade.entry_price == intent.limit_price and trade.entry_effect is PriceEffect.CREDIT
    assert trade.profit_target_usd == Decimal("90.00")
    assert live_rig.alerts.alerts() == [] and not live_rig.latch.state().active


# --- refused before anything reaches live ---------------------------------------------------


@pytest.mark.parametrize("gate", list(GateCode))
def test_live_order_refused_when_one_gate_fails(make_rig, gate):
    rig = make_rig(use_live=True, always_dry_run=False)
    rig.graduate()
    rig.evidence.failing_gates = {gate}
    preview = rig.guard.preview(rig.intent())
    assert preview.mode.mode is EffectiveMode.FORCED_SANDBOX
    assert preview.outcome is PreviewOutcome.BLOCKED_BY_DRY_RUN
    assert f"GATE_{gate}" in preview.mode.codes
    assert rig.live.requests == []  # the live broker is not even read
    assert order_posts(rig.sandbox, dry_run=False) == []
    assert len(order_posts(rig.sandbox, dry_run=True)) == 1


@pytest.mark.parametrize("state", ["none", "failed", "sim"])
def test_live_order_refused_without_a_passed_sandbox_validation(make_rig, state):
    rig = make_rig(use_live=True, always_dry_run=False)
    rig.graduate()
    rig.evidence.sandbox = state
    preview = rig.guard.preview(rig.intent())
    assert preview.mode.mode is EffectiveMode.FORCED_SANDBOX
    assert "SANDBOX_NOT_VALIDATED" in preview.mode.codes
    assert rig.live.requests == []


def test_live_order_refused_without_live_credentials(make_rig):
    rig = make_rig(use_live=True, always_dry_run=False, live_creds=False)
    rig.graduate()
    preview = rig.guard.preview(rig.intent())
    assert preview.mode.mode is EffectiveMode.FORCED_SANDBOX
    assert "LIVE_CREDENTIALS_MISSING" in preview.mode.codes
    assert rig.live.requests == []


def test_forced_to_sandbox_without_sandbox_credentials_uses_the_simulator(make_rig):
    rig = make_rig(use_live=True, always_dry_run=False, sandbox_creds=False)
    rig.evidence.failing_gates = {GateCode.MIN_TRADES}
    preview = rig.guard.preview(rig.intent())
    assert preview.mode.target is BrokerTarget.SIM
    assert preview.outcome is PreviewOutcome.BLOCKED_BY_DRY_RUN
    assert rig.live.requests == [] and rig.sandbox.requests == []
    assert len(order_posts(rig.clients.sim.broker, dry_run=True)) == 1


def test_live_dry_run_stops_after_the_preflight_and_says_what_would_have_happened(make_rig):
    rig = make_rig(use_live=True, always_dry_run=True)
    rig.graduate()
    intent = rig.intent()
    preview = rig.guard.preview(intent)
    assert preview.mode.mode is EffectiveMode.LIVE_DRY_RUN
    assert preview.outcome is PreviewOutcome.BLOCKED_BY_DRY_RUN
    assert preview.confirmation_token is None
    assert preview.message.startswith("Blocked by dry-run (LIVE (dry-run))")
    assert "Buying power -$316.30" in preview.message and "fees $2.30" in preview.message
    assert GuardCode.BLOCKED_BY_DRY_RUN in preview.codes
    assert len(order_posts(rig.live, dry_run=True)) == 1
    no_live_orders(rig, dry_runs_too=False)


def test_live_read_path_works_with_no_order(make_rig):
    rig = make_rig(use_live=True, always_dry_run=True)
    rig.graduate()
    status = rig.guard.status()
    assert status.mode.mode is EffectiveMode.LIVE_DRY_RUN
    assert status.error is None
    assert [a.account_number for a in status.accounts] == [LIVE_ACCOUNT]
    assert status.balances[0].net_liquidating_value_usd == Decimal(100000)
    assert status.target_host == rig.live.url.split("//")[1]
    assert [r.method for r in rig.live.requests] == ["POST"] + ["GET"] * 4  # token, then reads
    assert rig.live.requests[0].path == "/oauth/token"
    no_live_orders(rig, dry_runs_too=True)


def test_entry_refused_during_halt_with_no_live_order(live_rig):
    live_rig.alerts.raise_alert(AlertRule.OVER_LADDER_CAP, "earlier refusal")
    preview = live_rig.guard.preview(live_rig.intent())
    assert preview.mode.mode is EffectiveMode.LIVE_DRY_RUN
    assert preview.outcome is PreviewOutcome.REFUSED
    assert ReasonCode.HALTED in preview.codes
    no_live_orders(live_rig, dry_runs_too=True)
    assert [a.rule for a in live_rig.alerts.alerts()] == [AlertRule.OVER_LADDER_CAP]


def test_entry_blocked_by_rollback_latch(live_rig):
    live_rig.evidence.rollback_triggers = (
        RollbackTrigger(code=TriggerCode.DISCIPLINE_BELOW_MIN, sentence="Discipline 65/100."),
    )
    preview = live_rig.guard.preview(live_rig.intent())
    assert live_rig.latch.state().active
    assert preview.mode.mode is EffectiveMode.LIVE_DRY_RUN
    assert preview.outcome is PreviewOutcome.BLOCKED_BY_DRY_RUN
    no_live_orders(live_rig, dry_runs_too=False)


def test_order_over_the_ladder_cap_never_reaches_the_broker(live_rig):
    preview = live_rig.guard.preview(live_rig.intent(quantity=3))
    assert preview.outcome is PreviewOutcome.REFUSED
    assert ReasonCode.EXCEEDS_LADDER_CAP in preview.codes
    no_live_orders(live_rig, dry_runs_too=True)


def test_a_refused_preview_is_audited_but_raises_no_alert_and_no_halt(live_rig):
    for attempt in range(5):
        preview = live_rig.guard.preview(live_rig.intent(quantity=3))
        assert preview.outcome is PreviewOutcome.REFUSED, attempt
        assert ReasonCode.EXCEEDS_LADDER_CAP in preview.codes
    assert live_rig.alerts.alerts() == []
    assert not live_rig.alerts.halt_state().active
    refused = [
        entry
        for entry in live_rig.audit.entries(limit=500)
        if entry.kind == AuditKind.GUARD_DECISION and entry.body.get("stage") == "pretrade"
    ]
    assert [entry.body["allowed"] for entry in refused] == [False] * 5


def test_naked_short_refused_as_not_defined_risk(live_rig):
    spread = put_credit_spread(live_rig.today)
    naked = Spread(legs=spread.legs[:1], price=Decimal("1.00"), price_effect=PriceEffect.CREDIT)
    preview = live_rig.guard.preview(OrderIntent(spread=naked, client_order_id="naked-1"))
    assert ReasonCode.NOT_DEFINED_RISK in preview.codes
    no_live_orders(live_rig, dry_runs_too=True)
    assert live_rig.alerts.alerts() == []  # a preview is a question: refused, not alerted


def test_order_refused_when_evidence_cannot_be_read(live_rig):
    live_rig.evidence.broken = True
    preview = live_rig.guard.preview(live_rig.intent())
    assert preview.outcome is PreviewOutcome.REFUSED
    assert preview.mode.mode is EffectiveMode.FORCED_SANDBOX
    assert GuardCode.EVIDENCE_UNAVAILABLE in preview.codes
    assert live_rig.live.requests == []


def test_unknown_account_refused(live_rig):
    preview = live_rig.guard.preview(live_rig.intent(), account_number="5OTHER001")
    assert GuardCode.ACCOUNT_NOT_FOUND in preview.codes
    no_live_orders(live_rig, dry_runs_too=True)


# --- the confirmation ---------------------------------------------------------------------


def test_not_confirmed_by_a_person_is_refused(live_rig):
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    placement = live_rig.guard.place(token, intent=intent, confirmed_by_person=False)
    assert GuardCode.NOT_CONFIRMED_BY_PERSON in placement.codes
    no_live_orders(live_rig, dry_runs_too=False)


def test_expired_confirmation_refused(live_rig):
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    live_rig.clock.advance(seconds=60, microseconds=1)
    placement = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert RefusalCode.CONFIRMATION_EXPIRED in placement.codes
    no_live_orders(live_rig, dry_runs_too=False)


def test_confirmation_accepted_at_exactly_60_seconds(live_rig):
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    live_rig.clock.advance(seconds=60)
    placement = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert placement.outcome is PlacementOutcome.FILLED, placement.message
    assert len(order_posts(live_rig.live, dry_run=False)) == 1


def test_replayed_confirmation_refused_and_flagged_as_duplicate(live_rig):
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    first = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    second = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert first.outcome is PlacementOutcome.FILLED
    assert second.outcome is PlacementOutcome.REFUSED
    assert RefusalCode.CONFIRMATION_REPLAYED in second.codes
    assert GuardCode.DUPLICATE_SUBMIT in second.codes
    assert len(order_posts(live_rig.live, dry_run=False)) == 1
    assert [a.rule for a in live_rig.alerts.alerts()] == [AlertRule.ORDER_ANOMALY]
    assert TriggerCode.ORDER_ANOMALY in live_rig.latch.state().codes


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.with_price(s.price - Decimal("0.01"), s.price_effect),
        lambda s: s.with_quantity(2),
        lambda s: Spread(
            legs=(
                s.legs[0],
                Leg.from_occ(s.legs[1].occ.replace("538000", "533000"), "Buy to Open", 1),
            ),
            price=s.price,
            price_effect=s.price_effect,
        ),
    ],
    ids=["price", "quantity", "leg"],
)
def test_changed_order_refused(live_rig, change):
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    changed = OrderIntent(spread=change(intent.spread), client_order_id=intent.client_order_id)
    placement = live_rig.guard.place(token, intent=changed, confirmed_by_person=True)
    assert RefusalCode.ORDER_CHANGED in placement.codes
    no_live_orders(live_rig, dry_runs_too=False)


def test_changed_account_refused(live_rig):
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    placement = live_rig.guard.place(
        token, intent=intent, confirmed_by_person=True, account_number="5OTHER001"
    )
    assert placement.outcome is PlacementOutcome.REFUSED
    assert RefusalCode.ACCOUNT_CHANGED in placement.codes
    no_live_orders(live_rig, dry_runs_too=False)


def test_token_from_before_a_gate_failed_refused(live_rig):
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    live_rig.evidence.failing_gates = {GateCode.MIN_DISCIPLINE}
    placement = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert RefusalCode.MODE_CHANGED in placement.codes
    no_live_orders(live_rig, dry_runs_too=False)
    assert order_posts(live_rig.sandbox, dry_run=False) == []


def test_token_from_before_a_halt_refused(live_rig):
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    live_rig.alerts.raise_alert(AlertRule.AUTH_ANOMALY, "token refused elsewhere")
    placement = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert placement.codes == (ReasonCode.HALTED,)  # an entry attempted during a halt: an event
    assert [a.rule for a in live_rig.alerts.alerts()] == [
        AlertRule.AUTH_ANOMALY,
        AlertRule.ENTRY_DURING_HALT,
    ]
    no_live_orders(live_rig, dry_runs_too=False)


def test_token_from_a_sandbox_guard_refused_by_a_live_guard(make_rig):
    sandbox_rig = make_rig(use_live=False, always_dry_run=False)
    intent = sandbox_rig.intent()
    _, token = confirm(sandbox_rig, intent)
    live_rig = make_rig(use_live=True, always_dry_run=False)
    live_rig.graduate()
    placement = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert RefusalCode.CONFIRMATION_UNKNOWN in placement.codes
    no_live_orders(live_rig, dry_runs_too=True)


def test_same_order_again_within_a_minute_refused_as_duplicate(live_rig):
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    again = live_rig.guard.preview(live_rig.intent(client_order_id="order-2"))
    assert ReasonCode.DUPLICATE_ORDER in again.codes
    assert len(order_posts(live_rig.live, dry_run=False)) == 1
    assert len(order_posts(live_rig.live, dry_run=True)) == 1


# --- the broker's own answers -------------------------------------------------------------


def test_live_auth_failure_is_an_anomaly(make_rig):
    wrong = "wrong-token"
    rig = make_rig(use_live=True, always_dry_run=False, tt_live_refresh_token=wrong)
    rig.graduate()
    preview = rig.guard.preview(rig.intent())
    assert preview.outcome is PreviewOutcome.REFUSED
    assert [a.code for a in preview.anomalies] == [GuardCode.BROKER_AUTH_FAILED]
    assert [a.rule for a in rig.alerts.alerts()] == [AlertRule.AUTH_ANOMALY]
    assert TriggerCode.AUTH_ANOMALY in rig.latch.state().codes
    assert rig.guard.mode().mode is EffectiveMode.LIVE_DRY_RUN
    no_live_orders(rig, dry_runs_too=True)
    assert "wrong-token" not in preview.message


def test_sandbox_auth_failure_is_refused_without_an_alert(make_rig):
    wrong = "nope"
    rig = make_rig(use_live=False, always_dry_run=False, tt_sandbox_refresh_token=wrong)
    preview = rig.guard.preview(rig.intent())
    assert GuardCode.BROKER_AUTH_FAILED in preview.codes
    assert rig.alerts.alerts() == []


@pytest.mark.parametrize(
    ("account_patch", "code"),
    [
        ({"is-closed": True}, GuardCode.ACCOUNT_CLOSED),
        ({"is-firm-error": True}, GuardCode.ACCOUNT_FROZEN),
    ],
)
def test_account_flags_refuse_and_latch(live_rig, account_patch, code):
    account = live_rig.live.book.customer_accounts()[0]
    account["account"] |= account_patch
    live_rig.live.answer_next(
        {"data": {"items": [account]}}, method="GET", path="/customers/me/accounts$"
    )
    preview = live_rig.guard.preview(live_rig.intent())
    assert code in preview.codes
    assert live_rig.latch.state().active
    no_live_orders(live_rig, dry_runs_too=True)


def test_read_only_authority_refused(live_rig):
    account = live_rig.live.book.customer_accounts()[0] | {"authority-level": "read-only"}
    live_rig.live.answer_next(
        {"data": {"items": [account]}}, method="GET", path="/customers/me/accounts$"
    )
    preview = live_rig.guard.preview(live_rig.intent())
    assert GuardCode.ACCOUNT_READ_ONLY in preview.codes
    no_live_orders(live_rig, dry_runs_too=True)


def test_margin_call_refuses_opening_orders(live_rig):
    balance = live_rig.live.book.balance(LIVE_ACCOUNT) | {"maintenance-excess": "-1250.00"}
    live_rig.live.answer_next({"data": balance}, method="GET", path="/balances/USD$")
    preview = live_rig.guard.preview(live_rig.intent())
    assert GuardCode.ACCOUNT_MARGIN_CALL in preview.codes
    assert [a.rule for a in live_rig.alerts.alerts()] == [AlertRule.ORDER_ANOMALY]
    no_live_orders(live_rig, dry_runs_too=True)


class StatusClient(TastytradeClient):
    """A client whose broker reports a trading status (tastytrade's trading-status endpoint)."""

    flags: dict = {}

    def trading_status(self, account_number: str) -> TradingStatus:
        return TradingStatus.model_validate(
            {"account-number": account_number, "is-frozen": False, "is-closing-only": False}
            | self.flags
        )


@pytest.mark.parametrize(
    ("flags", "code"),
    [
        ({"is-frozen": True}, GuardCode.ACCOUNT_FROZEN),
        ({"is-closing-only": True}, GuardCode.ACCOUNT_CLOSING_ONLY),
        ({"is-in-margin-call": True}, GuardCode.ACCOUNT_MARGIN_CALL),
        ({"is-frozen": None}, GuardCode.ACCOUNT_FLAGS_UNREADABLE),
    ],
)
def test_trading_status_flags_refuse(live_rig, flags, code):
    def factory(target: BrokerTarget):
        status_client = StatusClient(
            live_rig.settings.credentials(Environment(target.value.lower())),
            data_dir=live_rig.tmp_path,
            user_agent=USER_AGENT,
            clock=live_rig.clock,
            sleep=SleepRecorder(),
        )
        status_client.flags = flags
        return status_client

    guard = BrokerGuard(
        live_rig.settings,
        audit=live_rig.audit,
        alerts=live_rig.alerts,
        latch=live_rig.latch,
        evidence=live_rig.evidence,
        clients=factory,
        journal=live_rig.journal,
        clock=live_rig.clock,
    )
    preview = guard.preview(live_rig.intent())
    assert preview.outcome is PreviewOutcome.REFUSED
    assert code in preview.codes
    no_live_orders(live_rig, dry_runs_too=True)


def test_unreadable_dry_run_is_an_anomaly(live_rig):
    live_rig.live.malformed_next(method="POST", path=DRY_RUN_PATH)
    preview = live_rig.guard.preview(live_rig.intent())
    assert [a.code for a in preview.anomalies] == [GuardCode.DRY_RUN_UNREADABLE]
    assert TriggerCode.ORDER_ANOMALY in live_rig.latch.state().codes
    no_live_orders(live_rig, dry_runs_too=False)


def test_missing_dry_run_answer_is_an_anomaly(live_rig):
    live_rig.live.drop_next(method="POST", path=DRY_RUN_PATH, times=4)
    preview = live_rig.guard.preview(live_rig.intent())
    assert [a.code for a in preview.anomalies] == [GuardCode.DRY_RUN_MISSING]
    assert live_rig.latch.state().active
    no_live_orders(live_rig, dry_runs_too=False)


def test_dry_run_without_fees_is_an_anomaly(live_rig):
    intent = live_rig.intent()
    answer = live_rig.live.book.dry_run(LIVE_ACCOUNT, _body(intent))
    answer.pop("fee-calculation")
    live_rig.live.answer_next({"data": answer}, status=201, method="POST", path=DRY_RUN_PATH)
    preview = live_rig.guard.preview(intent)
    assert GuardCode.DRY_RUN_UNREADABLE in preview.codes
    no_live_orders(live_rig, dry_runs_too=False)


def _body(intent: OrderIntent) -> dict:
    order = build_spread_order(
        intent.spread.to_order_legs(),
        price=intent.spread.price,
        price_effect=intent.spread.price_effect.value,
        external_identifier=intent.client_order_id,
    )
    return order.to_body()


def test_dry_run_of_another_order_is_an_anomaly(live_rig):
    intent = live_rig.intent()
    body = _body(intent) | {"price": str(intent.limit_price + Decimal("1.00"))}
    answer = live_rig.live.book.dry_run(LIVE_ACCOUNT, body)
    live_rig.live.answer_next({"data": answer}, status=201, method="POST", path=DRY_RUN_PATH)
    preview = live_rig.guard.preview(intent)
    assert GuardCode.DRY_RUN_MISMATCH in preview.codes
    no_live_orders(live_rig, dry_runs_too=False)


def test_dry_run_warning_refuses(live_rig):
    intent = live_rig.intent()
    answer = live_rig.live.book.dry_run(LIVE_ACCOUNT, _body(intent))
    answer["warnings"] = [{"code": "closing_with_no_position", "message": "No position."}]
    live_rig.live.answer_next({"data": answer}, status=201, method="POST", path=DRY_RUN_PATH)
    preview = live_rig.guard.preview(intent)
    assert GuardCode.DRY_RUN_WARNING in preview.codes
    no_live_orders(live_rig, dry_runs_too=False)


def test_next_session_notice_is_not_a_blocking_warning(live_rig):
    intent = live_rig.intent()
    answer = live_rig.live.book.dry_run(LIVE_ACCOUNT, _body(intent))
    answer["warnings"] = [{"code": "tif.next_valid_session", "message": "Next session."}]
    live_rig.live.answer_next({"data": answer}, status=201, method="POST", path=DRY_RUN_PATH)
    preview = live_rig.guard.preview(intent)
    assert preview.outcome.ready
    assert "tif.next_valid_session" in preview.message


def test_dry_run_rejection_refuses(live_rig):
    live_rig.live.answer_next(
        {
            "error": {
                "code": "preflight_check_failure",
                "message": "One or more preflight checks failed",
                "errors": [{"code": "margin_check_failed", "message": "Not enough buying power."}],
            }
        },
        status=422,
        method="POST",
        path=DRY_RUN_PATH,
    )
    preview = live_rig.guard.preview(live_rig.intent())
    assert GuardCode.DRY_RUN_REJECTED in preview.codes
    assert "Not enough buying power" in preview.message
    assert live_rig.alerts.alerts() == []
    no_live_orders(live_rig, dry_runs_too=False)


# --- after the one POST ------------------------------------------------------------------


def test_accepted_then_rejected_order_is_an_anomaly(live_rig):
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    live_rig.live.next_order_fill(FillBehavior.REJECT)
    placement = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert placement.outcome is PlacementOutcome.REJECTED
    assert GuardCode.ORDER_REJECTED in placement.codes
    assert TriggerCode.ORDER_ANOMALY in live_rig.latch.state().codes
    assert len(order_posts(live_rig.live, dry_run=False)) == 1
    assert live_rig.journal.list_trades() == []


def test_order_rejected_on_submit_is_an_anomaly(live_rig):
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    live_rig.live.answer_next(
        {"error": {"code": "preflight_check_failure", "message": "rejected"}},
        status=422,
        method="POST",
        path=ORDERS_PATH,
    )
    placement = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert placement.outcome is PlacementOutcome.REJECTED
    assert live_rig.latch.state().active
    assert len(order_posts(live_rig.live, dry_run=False)) == 1


def test_lost_answer_is_looked_up_never_resent(live_rig):
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    live_rig.live.drop_next(method="POST", path=ORDERS_PATH)
    placement = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert placement.outcome is PlacementOutcome.FILLED, placement.message
    assert len(order_posts(live_rig.live, dry_run=False)) == 1


def test_unknown_order_fate_is_an_anomaly_and_not_resent(live_rig):
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    live_rig.live.drop_next(method="POST", path=ORDERS_PATH)
    live_rig.live.fail_next(500, method="GET", path=r"/orders/live$", times=4)
    placement = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert placement.outcome is PlacementOutcome.UNKNOWN
    assert GuardCode.ORDER_OUTCOME_UNKNOWN in placement.codes
    assert "do not resend" in placement.message
    assert live_rig.latch.state().active
    assert len(order_posts(live_rig.live, dry_run=False)) == 1


def test_server_error_to_the_order_post_is_an_anomaly(live_rig):
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    live_rig.live.fail_next(500, method="POST", path=ORDERS_PATH)
    placement = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert placement.outcome is PlacementOutcome.UNKNOWN
    assert live_rig.latch.state().active
    assert len(order_posts(live_rig.live, dry_run=False)) == 1


def test_broker_copy_of_another_order_is_an_anomaly(live_rig):
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    body = _body(intent) | {"price": str(intent.limit_price - Decimal("0.50"))}
    answer = live_rig.live.book.submit(LIVE_ACCOUNT, body)
    live_rig.live.answer_next({"data": answer}, status=201, method="POST", path=ORDERS_PATH)
    placement = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert GuardCode.ORDER_MISMATCH in placement.codes
    assert live_rig.latch.state().active


def _filled_order_json(rig: GuardRig, intent: OrderIntent, order_id: int, fill: dict) -> dict:
    legs = []
    for leg in intent.spread.legs:
        legs.append(
            {
                "instrument-type": "Equity Option",
                "symbol": leg.occ,
                "quantity": leg.quantity,
                "remaining-quantity": 0,
                "action": leg.action.value,
                "fills": [
                    {
                        "fill-id": f"f{order_id}-{leg.occ.replace(' ', '')}",
                        "quantity": leg.quantity,
                        "fill-price": str(fill[leg.action.value]),
                        "filled-at": rig.clock().isoformat(),
                    }
                ],
            }
        )
    return {
        "data": {
            "id": order_id,
            "account-number": LIVE_ACCOUNT,
            "time-in-force": "Day",
            "order-type": "Limit",
            "size": 1,
            "underlying-symbol": "SPY",
            "price": str(intent.limit_price),
            "price-effect": "Credit",
            "status": "Filled",
            "external-identifier": intent.client_order_id,
            "legs": legs,
        }
    }


@pytest.mark.parametrize(
    ("sell", "buy"),
    [("3.00", "2.00"), ("6.00", "3.00")],
    ids=["worse-than-limit", "far-better-than-limit"],
)
def test_fill_far_from_the_limit_is_an_anomaly(live_rig, sell, buy):
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    canned = _filled_order_json(
        live_rig, intent, 100001, {"Sell to Open": sell, "Buy to Open": buy}
    )
    live_rig.live.answer_next(canned, method="GET", path=r"/orders/100001$")
    placement = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert placement.outcome is PlacementOutcome.FILLED
    assert GuardCode.FILL_FAR_FROM_LIMIT in placement.codes
    assert live_rig.latch.state().active
    assert placement.journal_trade_id is not None  # the fill is real: it is journaled anyway


def test_partial_fill_is_journaled_only_when_complete(live_rig):
    intent = live_rig.intent(quantity=1)
    _, token = confirm(live_rig, intent)
    live_rig.live.next_order_fill(FillBehavior.NEVER)
    placement = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert placement.outcome is PlacementOutcome.WORKING
    assert live_rig.journal.list_trades() == []
    cancel = live_rig.guard.cancel(placement.order_id, correlation_id=placement.correlation_id)
    assert cancel.outcome is CancelOutcome.CANCEL_REQUESTED
    later = live_rig.guard.reconcile(placement.correlation_id)
    assert later.outcome is PlacementOutcome.CANCELLED
    assert live_rig.journal.list_trades() == []
    assert len(order_posts(live_rig.live, dry_run=False)) == 1


def test_closing_order_passes_during_a_halt_and_closes_the_journaled_trade(live_rig):
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    opened = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    live_rig.evidence.open_positions = (
        OpenPosition.from_spread(str(opened.journal_trade_id), intent.spread),
    )
    live_rig.alerts.raise_alert(AlertRule.OVER_CONCURRENCY, "a refused entry")
    live_rig.clock.advance(minutes=5)
    closing_legs = intent.spread.closing_legs()
    close = OrderIntent(
        spread=Spread(legs=closing_legs, price=Decimal("2.50"), price_effect=PriceEffect.DEBIT),
        client_order_id="close-1",
    )
    preview = live_rig.guard.preview(close, closes_trade_id=opened.journal_trade_id)
    assert preview.mode.mode is EffectiveMode.LIVE_DRY_RUN
    assert preview.outcome.ready, preview.message
    token = preview.confirmation_token.get_secret_value()
    placement = live_rig.guard.place(token, intent=close, confirmed_by_person=True)
    assert placement.outcome is PlacementOutcome.FILLED, placement.message
    trade = live_rig.journal.get_trade(opened.journal_trade_id)
    assert trade.status is TradeStatus.CLOSED and trade.exit_effect is PriceEffect.DEBIT
    assert len(order_posts(live_rig.live, dry_run=False)) == 2


def test_closing_order_must_name_its_trade(live_rig):
    intent = live_rig.intent()
    close = OrderIntent(
        spread=Spread(
            legs=intent.spread.closing_legs(), price=Decimal("2.50"), price_effect="Debit"
        ),
        client_order_id="close-1",
    )
    preview = live_rig.guard.preview(close)
    assert GuardCode.CLOSE_NOT_LINKED in preview.codes
    no_live_orders(live_rig, dry_runs_too=True)


def test_sandbox_mode_places_in_the_sandbox_only(make_rig):
    rig = make_rig(use_live=False, always_dry_run=False)
    intent = rig.intent()
    _, token = confirm(rig, intent)
    placement = rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert placement.outcome is PlacementOutcome.FILLED
    assert placement.mode == "SANDBOX"
    assert rig.journal.get_trade(placement.journal_trade_id).mode is Mode.SANDBOX
    assert len(order_posts(rig.sandbox, dry_run=False)) == 1
    assert rig.live.requests == []


def test_sim_mode_places_in_the_simulator(make_rig):
    rig = make_rig(use_live=False, always_dry_run=False, sandbox_creds=False)
    intent = rig.intent()
    _, token = confirm(rig, intent)
    placement = rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert placement.outcome is PlacementOutcome.FILLED
    assert rig.journal.get_trade(placement.journal_trade_id).mode is Mode.SIM
    assert rig.live.requests == [] and rig.sandbox.requests == []


def test_cancel_of_an_unknown_order_is_refused_by_the_broker(live_rig):
    result = live_rig.guard.cancel(999999)
    assert result.outcome is CancelOutcome.REFUSED
    assert [r.code for r in result.reasons] == [GuardCode.CANCEL_REFUSED]


def test_quotes_missing_refuse_an_entry(live_rig):
    live_rig.live.fail_next(500, method="GET", path="/market-data/by-type", times=4)
    preview = live_rig.guard.preview(live_rig.intent())
    assert GuardCode.QUOTES_UNAVAILABLE in preview.codes
    no_live_orders(live_rig, dry_runs_too=True)


def test_time_moves_the_token_but_not_the_gate(live_rig):
    """A preview, then 61 s: the expired token never reaches /orders, a fresh preview does."""
    intent = live_rig.intent()
    _, token = confirm(live_rig, intent)
    live_rig.clock.advance(seconds=61)
    assert live_rig.guard.place(token, intent=intent, confirmed_by_person=True).outcome is (
        PlacementOutcome.REFUSED
    )
    live_rig.clock.advance(seconds=timedelta(minutes=2).total_seconds())
    _, fresh = confirm(live_rig, intent)
    assert live_rig.guard.place(fresh, intent=intent, confirmed_by_person=True).outcome is (
        PlacementOutcome.FILLED
    )
    assert len(order_posts(live_rig.live, dry_run=False)) == 1


def test_sandbox_url_pointing_at_the_live_server_never_reaches_it(make_rig):
    rig = make_rig(use_live=False, always_dry_run=False)
    rig.settings = rig.settings.model_copy(update={"tasty_base_url_sandbox": rig.live.url})
    guard = BrokerGuard(
        rig.settings,
        audit=rig.audit,
        alerts=rig.alerts,
        latch=rig.latch,
        evidence=rig.evidence,
        clients=BrokerClients(rig.settings, clock=rig.clock, sleep=SleepRecorder()),
        journal=rig.journal,
        clock=rig.clock,
    )
    intent = rig.intent()
    preview = guard.preview(intent)
    assert preview.mode.target is BrokerTarget.SIM
    assert "SANDBOX_URL_IS_LIVE" in preview.mode.codes
    placement = guard.place(
        preview.confirmation_token.get_secret_value(), intent=intent, confirmed_by_person=True
    )
    assert placement.outcome is PlacementOutcome.FILLED
    assert rig.live.requests == [] and rig.sandbox.requests == []
    guard._clients.close()


def _other_spreads(rig: GuardRig) -> tuple[OpenPosition, ...]:
    return tuple(
        OpenPosition(position_id=f"p{i}", underlying=symbol, max_loss_usd=Decimal(300))
        for i, symbol in enumerate(("AAPL", "MSFT"))
    )


def test_live_concurrency_counts_the_live_book(live_rig):
    live_rig.evidence.open_positions_by_mode = {Mode.LIVE: _other_spreads(live_rig)}
    preview = live_rig.guard.preview(live_rig.intent())
    assert ReasonCode.TOO_MANY_CONCURRENT in preview.codes
    no_live_orders(live_rig, dry_runs_too=True)


def test_practice_spreads_do_not_fill_the_live_book(live_rig):
    live_rig.evidence.open_positions_by_mode = {Mode.SIM: _other_spreads(live_rig)}
    assert live_rig.guard.preview(live_rig.intent()).outcome.ready
