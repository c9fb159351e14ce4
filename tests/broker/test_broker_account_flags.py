"""The account's trading-status flags reach the broker guard through the real client over HTTP.

The live SimBroker reports frozen / closing-only / margin call / closed on
`GET /accounts/{n}/trading-status`; the guard reads them with `TastytradeClient.trading_status`
(no client subclass) and refuses. For every refusal the live broker's request log shows zero POSTs
to `/orders`. Closing orders still go through on a closing-only account or in a margin call
(broker_checks' documented rules), never on a frozen or closed one.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.broker_support import LIVE_ACCOUNT, GuardRig, order_posts
from tests.support.tastytrade_support import fixture
from utils.broker.checks import TradingStatus as GuardTradingStatus
from utils.broker.clients import read_trading_status
from utils.broker.models import GuardCode, PlacementOutcome, PreviewOutcome
from utils.judge.mode import EffectiveMode
from utils.broker.order_intent import OpenPosition, OrderIntent
from utils.spreads.legs import PriceEffect
from utils.spreads.spread import Spread
from utils.tastytrade.accounts import TradingStatus
from utils.tastytrade.accounts import Balance

STATUS_PATH = f"/accounts/{LIVE_ACCOUNT}/trading-status"
OPENING_REFUSALS = [
    ({"is_frozen": True}, GuardCode.ACCOUNT_FROZEN),
    ({"is_closing_only": True}, GuardCode.ACCOUNT_CLOSING_ONLY),
    ({"is_in_margin_call": True}, GuardCode.ACCOUNT_MARGIN_CALL),
    ({"is_closed": True}, GuardCode.ACCOUNT_CLOSED),
]
FLAG_IDS = ["frozen", "closing-only", "margin-call", "closed"]


@pytest.fixture
def live_rig(tmp_path):
    """USE_LIVE=true, ALWAYS_DRY_RUN=false, every gate passing, sandbox validated."""
    rig = GuardRig(tmp_path, use_live=True, always_dry_run=False)
    rig.graduate()
    yield rig
    rig.close()


def confirmed(rig: GuardRig, intent: OrderIntent, **kwargs) -> str:
    """The confirmation token of a ready preview (the person saw it and said yes)."""
    preview = rig.guard.preview(intent, plan=rig.plan(), **kwargs)
    assert preview.outcome.ready, preview.message
    assert preview.mode.mode is EffectiveMode.LIVE
    return preview.confirmation_token.get_secret_value()


def status_reads(rig: GuardRig) -> int:
    """How many times the live broker was asked for the account's trading status."""
    return sum(1 for r in rig.live.requests if r.method == "GET" and r.path == STATUS_PATH)


def closing_intent(intent: OrderIntent) -> OrderIntent:
    spread = Spread(
        legs=intent.spread.closing_legs(), price=Decimal("2.50"), price_effect=PriceEffect.DEBIT
    )
    return OrderIntent(spread=spread, client_order_id="close-1")


def open_one_spread(rig: GuardRig) -> tuple[OrderIntent, int]:
    """A filled live entry the journal and the evidence know as open; returns it and its trade."""
    intent = rig.intent()
    opened = rig.guard.place(confirmed(rig, intent), intent=intent, confirmed_by_person=True)
    assert opened.outcome is PlacementOutcome.FILLED, opened.message
    rig.evidence.open_positions = (
        OpenPosition.from_spread(str(opened.journal_trade_id), intent.spread),
    )
    rig.clock.advance(minutes=5)
    return intent, opened.journal_trade_id


# --- the documented shape -------------------------------------------------------------------


def test_trading_status_example_parses_and_the_guard_reads_it():
    status = TradingStatus.model_validate(fixture("trading_status.json")["data"])
    assert (status.is_frozen, status.is_closing_only, status.is_in_margin_call) == (
        False,
        False,
        False,
    )

    class ExampleClient:
        def trading_status(self, account_number: str) -> TradingStatus:
            return status

    read = read_trading_status(ExampleClient(), "5WT00000")
    assert read == GuardTradingStatus(
        account_number="5WT00000",
        is_frozen=False,
        is_closed=False,
        is_closing_only=False,
        is_in_margin_call=False,
    )


def test_simulator_serves_the_example_keys_the_client_reads_with_their_kinds(live_rig):
    example = fixture("trading_status.json")["data"]
    served = live_rig.live.book.trading_status(LIVE_ACCOUNT)
    read = {field.alias for field in TradingStatus.model_fields.values()}
    assert read <= set(example) and read <= set(served)
    assert {key for key in read if type(served[key]) is not type(example[key])} == set()


def test_balance_reads_the_maintenance_call_value():
    balance = fixture("balances.json")["data"] | {"maintenance-call-value": "1250.50"}
    assert Balance.model_validate(balance).maintenance_call_value == Decimal("1250.50")


# --- opening orders are refused, nothing reaches live /orders -------------------------------


@pytest.mark.parametrize(("flags", "code"), OPENING_REFUSALS, ids=FLAG_IDS)
def test_flag_set_after_confirmation_refuses_the_live_opening_order(live_rig, flags, code):
    intent = live_rig.intent()
    token = confirmed(live_rig, intent)
    reads_before = status_reads(live_rig)
    live_rig.live.set_trading_status(**flags)
    placement = live_rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert placement.outcome is PlacementOutcome.REFUSED
    assert code in placement.codes
    assert status_reads(live_rig) == reads_before + 1
    assert live_rig.latch.state().active
    assert order_posts(live_rig.live, dry_run=False) == []


@pytest.mark.parametrize(("flags", "code"), OPENING_REFUSALS, ids=FLAG_IDS)
def test_flag_refuses_the_live_preview_before_any_dry_run(live_rig, flags, code):
    live_rig.live.set_trading_status(**flags)
    preview = live_rig.guard.preview(live_rig.intent(), plan=live_rig.plan())
    assert preview.outcome is PreviewOutcome.REFUSED
    assert code in preview.codes
    assert status_reads(live_rig) == 1
    assert order_posts(live_rig.live) == []


def test_a_flag_refusal_halts_entries_after_the_flag_clears(live_rig):
    live_rig.live.set_trading_status(is_frozen=True)
    assert not live_rig.guard.preview(live_rig.intent(), plan=live_rig.plan()).outcome.ready
    assert live_rig.latch.state().active
    live_rig.live.set_trading_status()
    preview = live_rig.guard.preview(live_rig.intent("order-2"), plan=live_rig.plan())
    assert preview.outcome is PreviewOutcome.REFUSED and "halted" in preview.message
    assert order_posts(live_rig.live) == []


def test_trading_status_without_its_flags_refuses_as_unreadable(live_rig):
    live_rig.live.answer_next(
        {"data": {"account-number": LIVE_ACCOUNT}}, method="GET", path="/trading-status$"
    )
    preview = live_rig.guard.preview(live_rig.intent(), plan=live_rig.plan())
    assert GuardCode.ACCOUNT_FLAGS_UNREADABLE in preview.codes
    assert order_posts(live_rig.live) == []


def test_trading_status_the_broker_cannot_answer_refuses(live_rig):
    live_rig.live.fail_next(503, times=4, method="GET", path="/trading-status$")
    preview = live_rig.guard.preview(live_rig.intent(), plan=live_rig.plan())
    assert preview.outcome is PreviewOutcome.REFUSED
    assert status_reads(live_rig) == 4
    assert order_posts(live_rig.live) == []


# --- closing orders: through when closing-only or in a margin call, not when frozen ----------


@pytest.mark.parametrize(
    "flags", [{"is_closing_only": True}, {"is_in_margin_call": True}], ids=FLAG_IDS[1:3]
)
def test_closing_order_goes_through_on_a_restricted_account(live_rig, flags):
    intent, trade_id = open_one_spread(live_rig)
    live_rig.live.set_trading_status(**flags)
    close = closing_intent(intent)
    token = confirmed(live_rig, close, closes_trade_id=trade_id)
    placement = live_rig.guard.place(token, intent=close, confirmed_by_person=True)
    assert placement.outcome is PlacementOutcome.FILLED, placement.message
    assert len(order_posts(live_rig.live, dry_run=False)) == 2


@pytest.mark.parametrize(
    ("flags", "code"), [OPENING_REFUSALS[0], OPENING_REFUSALS[3]], ids=["frozen", "closed"]
)
def test_closing_order_is_refused_on_a_frozen_or_closed_account(live_rig, flags, code):
    intent, trade_id = open_one_spread(live_rig)
    live_rig.live.set_trading_status(**flags)
    preview = live_rig.guard.preview(closing_intent(intent), closes_trade_id=trade_id)
    assert preview.outcome is PreviewOutcome.REFUSED
    assert code in preview.codes
    assert len(order_posts(live_rig.live, dry_run=False)) == 1
