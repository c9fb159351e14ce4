"""The order book: working orders read from the broker and the audit log, reconciled so every
fill (also a partial one) is journaled once with its real prices and fees, across restarts;
cancels of older orders. Real HTTP against the simulator, real SQLite files."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.broker_support import LIVE_ACCOUNT, GuardRig
from tests.support.tastytrade_support import SleepRecorder
from utils.broker.clients import BrokerClients
from utils.broker.guard import BrokerGuard
from utils.broker.models import CancelOutcome, PlacementOutcome
from utils.broker.working import audited_orders
from utils.journal.trade import Mode, TradeStatus
from utils.judge.gates import GateCode
from utils.judge.ramp import RampStage
from utils.sim.orders import FillBehavior

# the simulator's fees: $1.00 commission, $0.10 clearing and $0.051 regulatory per contract
FEES_PER_CONTRACT = Decimal("1.151")


@pytest.fixture
def rig(tmp_path):
    rig = GuardRig(tmp_path, use_live=True, always_dry_run=False)
    rig.graduate()
    yield rig
    rig.close()


def place(rig: GuardRig, client_order_id: str, fill: FillBehavior, **kwargs):
    intent = rig.intent(client_order_id, **kwargs)
    preview = rig.guard.preview(intent, plan=rig.plan())
    assert preview.confirmation_token is not None, preview.message
    rig.live.next_order_fill(fill)
    return rig.guard.place(
        preview.confirmation_token.get_secret_value(), intent=intent, confirmed_by_person=True
    )


def restarted(rig: GuardRig) -> tuple[BrokerGuard, BrokerClients]:
    """A new guard over the same stores and brokers: what a restart of the cockpit builds."""
    clients = BrokerClients(rig.settings, clock=rig.clock, sleep=SleepRecorder(), timeout_s=5.0)
    guard = BrokerGuard(
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
    return guard, clients


def test_the_book_lists_working_orders_with_legs_price_age_and_mode(rig):
    first = place(rig, "working-1", FillBehavior.NEVER)
    rig.clock.advance(minutes=5)
    second = place(rig, "working-2", FillBehavior.NEVER, credit_offset=Decimal("-0.01"))

    book = rig.guard.order_book()

    assert [o.order_id for o in book.orders] == [first.order_id, second.order_id]
    oldest = book.orders[0]
    assert oldest.source == "cockpit" and oldest.mode == "LIVE" and oldest.cancellable
    assert oldest.age_s == 300
    assert len(oldest.legs) == 2 and oldest.legs[0].startswith("Sell to Open 1 SPY")
    assert oldest.price_text.endswith("Credit")
    assert book.account == "*******01"


def test_a_working_orders_fill_is_journaled_after_a_restart_once(rig):
    working = place(rig, "working-1", FillBehavior.NEVER)
    assert working.outcome is PlacementOutcome.WORKING
    assert rig.journal.list_trades() == []
    guard, clients = restarted(rig)
    try:
        rig.live.fill_rest(working.order_id)
        book = guard.order_book()
        assert book.orders == () and len(book.journaled_trade_ids) == 1, book.message
        (trade,) = rig.journal.list_trades()
        assert trade.broker_order_ids == (str(working.order_id),)
        assert trade.mode is Mode.LIVE and trade.status is TradeStatus.OPEN
        assert trade.entry_price == rig.intent("x").limit_price  # the fills' net: the limit
        assert trade.open_fees_usd == (2 * FEES_PER_CONTRACT).quantize(Decimal("0.01"))
        assert trade.profit_target_usd == Decimal("90.00")  # the ticket's plan survived
        assert rig.journal.trade_account(trade.id) == "5LIVE0001"

        again = guard.order_book()
    finally:
        clients.close()
    second_guard, second_clients = restarted(rig)
    try:
        third = second_guard.order_book()
    finally:
        second_clients.close()
    assert again.journaled_trade_ids == () and third.journaled_trade_ids == ()
    assert len(rig.journal.list_trades()) == 1
    assert audited_orders(rig.audit.entries()) == ()  # it no longer counts as working


def test_a_partial_fill_is_journaled_once_then_the_rest(rig):
    rig.evidence.ladder_level, rig.evidence.ramp_stage = 2, RampStage.LIVE_STEADY
    placement = place(rig, "partial-1", FillBehavior.PARTIAL, quantity=2)
    assert placement.outcome is PlacementOutcome.PARTIALLY_FILLED
    (first,) = rig.journal.list_trades()
    assert first.quantity == 1 and first.uid == "order-partial-1"
    assert first.profit_target_usd == Decimal("45.00")  # the plan, for half the order

    assert rig.guard.order_book().journaled_trade_ids == ()
    assert [o.filled_units for o in rig.guard.order_book().orders] == [1]
    rig.live.fill_rest(placement.order_id)
    guard, clients = restarted(rig)
    try:
        book = guard.order_book()
        again = guard.order_book()
    finally:
        clients.close()

    assert book.orders == () and again.journaled_trade_ids == ()
    trades = rig.journal.list_trades()
    assert [(t.uid, t.quantity) for t in trades] == [
        ("order-partial-1", 1),
        ("order-partial-1-2", 1),
    ]
    assert all(t.broker_order_ids == (str(placement.order_id),) for t in trades)
    fees = [t.open_fees_usd for t in trades]
    assert fees == [(2 * FEES_PER_CONTRACT).quantize(Decimal("0.01"))] * 2


def test_an_older_working_order_is_cancelled_from_the_book_after_a_restart(rig):
    older = place(rig, "older-1", FillBehavior.NEVER)
    newer = place(rig, "newer-2", FillBehavior.NEVER, credit_offset=Decimal("-0.01"))
    guard, clients = restarted(rig)
    try:
        row, _ = guard.order_book().orders
        assert row.order_id == older.order_id
        cancel = guard.cancel(row.order_id, correlation_id=row.correlation_id)
        assert cancel.outcome is CancelOutcome.CANCEL_REQUESTED, cancel.message
        book = guard.order_book()
    finally:
        clients.close()
    assert [o.order_id for o in book.orders] == [newer.order_id]
    assert (book.open_spreads, book.working_openings) == (0, 1)
    assert [o.correlation_id for o in audited_orders(rig.audit.entries())] == [newer.correlation_id]
    assert rig.journal.list_trades() == []


def test_two_accounts_refuse_naming_the_key_until_one_is_picked(rig):
    rig.live.add_account("5LIVE0002")
    intent = rig.intent("two-1")

    refused = rig.guard.preview(intent)

    assert refused.confirmation_token is None
    assert "ACCOUNT_AMBIGUOUS" in refused.codes
    assert "set TT_LIVE_ACCOUNT_NUMBER in .env" in refused.message
    choice = rig.guard.accounts()
    assert choice.used_ref is None and len(choice.accounts) == 2
    picked = rig.guard.choose_account(choice.accounts[1].ref)
    assert picked.used_number == "5LIVE0002"
    placement = place(rig, "two-2", FillBehavior.IMMEDIATE)
    assert placement.outcome is PlacementOutcome.FILLED
    assert rig.live.book.positions("5LIVE0002") and not rig.live.book.positions("5LIVE0001")
    (trade,) = rig.journal.list_trades()
    assert rig.journal.trade_account(trade.id) == "5LIVE0002"


def test_the_env_key_picks_the_account(tmp_path):
    rig = GuardRig(
        tmp_path, use_live=True, always_dry_run=False, tt_live_account_number="5LIVE0002"
    )
    rig.graduate()
    try:
        rig.live.add_account("5LIVE0002")
        placement = place(rig, "env-1", FillBehavior.IMMEDIATE)
        assert placement.outcome is PlacementOutcome.FILLED, placement.message
        assert rig.live.book.positions("5LIVE0002")
        assert rig.guard.accounts().used_number == "5LIVE0002"
    finally:
        rig.close()


def test_a_live_working_order_stays_in_the_book_and_cancellable_when_entries_go_to_sandbox(rig):
    live_order = place(rig, "live-1", FillBehavior.NEVER)
    rig.evidence.failing_gates = {GateCode.MIN_DISCIPLINE}  # entries are forced to SANDBOX now

    book = rig.guard.order_book()

    assert book.target == "SANDBOX"
    (row,) = book.orders
    assert (row.order_id, row.status, row.mode) == (live_order.order_id, "working at LIVE", "LIVE")
    assert row.cancellable
    cancel = rig.guard.cancel(row.order_id, correlation_id=row.correlation_id)
    assert cancel.outcome is CancelOutcome.CANCEL_REQUESTED, cancel.message
    assert "(LIVE, " in cancel.message
    assert rig.guard.order_book().orders == ()
    assert rig.live.book.order(LIVE_ACCOUNT, live_order.order_id)["status"] == "Cancelled"
