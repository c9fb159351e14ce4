"""Sync fills from the broker: the account's transactions journaled through the tastytrade CSV
import's assembly, idempotent with itself and with a CSV import of the same history (either
order). Real HTTP against the simulator, real SQLite files."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.broker_support import LIVE_ACCOUNT, GuardRig
from tests.support.tasty_export import export_csv
from tests.support.tastytrade_support import credit_order, make_client, put_credit_spread
from utils.broker.models import PlacementOutcome
from utils.journal.trade import Mode, TradeStatus
from utils.sim.orders import FillBehavior
from utils.tastytrade.orders import build_spread_order


@pytest.fixture
def rig(tmp_path):
    rig = GuardRig(tmp_path, use_live=True, always_dry_run=False)
    rig.graduate()
    yield rig
    rig.close()


def trade_elsewhere(rig: GuardRig, tmp_path):
    """A put credit spread opened then closed from another platform (not the cockpit)."""
    client = make_client(rig.live, tmp_path / "elsewhere", rig.clock)
    legs, credit = put_credit_spread(client)
    rig.live.next_order_fill(FillBehavior.IMMEDIATE)
    opened = client.place_order(LIVE_ACCOUNT, credit_order(legs, credit)).order
    rig.live.book.work()  # the exchange fills it now, before the clock moves
    rig.clock.advance(hours=2)
    closing = [
        (
            {**leg, "action": leg["action"].replace("Sell", "Buy").replace("to Open", "to Close")}
            if leg["action"] == "Sell to Open"
            else {**leg, "action": "Sell to Close"}
        )
        for leg in legs
    ]
    rig.live.next_order_fill(FillBehavior.IMMEDIATE)
    order = build_spread_order(closing, price=Decimal("0.05"), price_effect="Debit")
    closed = client.place_order(LIVE_ACCOUNT, order).order
    rig.live.book.work()
    return opened, closed, client.transactions(LIVE_ACCOUNT)


def test_sync_journals_a_trade_made_elsewhere_once(rig, tmp_path):
    opened, closed, _ = trade_elsewhere(rig, tmp_path)
    lines: list[str] = []

    first = rig.guard.sync_fills(progress=lines.append)
    second = rig.guard.sync_fills()

    assert first.ok and (first.added, first.closed) == (1, 1), first.message
    assert lines[0].startswith("reading *******01's transactions since the account's whole")
    assert lines[-1] == first.message
    assert (second.added, second.closed) == (0, 0) and second.already_journaled == 4
    (trade,) = rig.journal.list_trades()
    assert trade.status is TradeStatus.CLOSED and trade.mode is Mode.LIVE
    assert trade.broker_order_ids == (str(opened.id), str(closed.id))
    assert rig.journal.trade_account(trade.id) == LIVE_ACCOUNT
    # open: 2 contracts x $1.151; close: 2 x $0.151 (no commission to close)
    assert trade.fees_usd == Decimal("2.30") + Decimal("0.30")


def test_sync_then_csv_import_of_the_same_history_adds_nothing(rig, tmp_path):
    _, _, history = trade_elsewhere(rig, tmp_path)
    export = tmp_path / "tastytrade.csv"
    export.write_text(export_csv(history), encoding="utf-8")
    rig.guard.sync_fills()

    report = rig.journal.import_tastytrade_csv(export, mode=Mode.LIVE)

    assert report.committed, report.errors
    assert (report.added, report.closed, report.skipped_duplicates) == (0, 0, 4)
    assert len(rig.journal.list_trades()) == 1


def test_csv_import_then_sync_of_the_same_history_adds_nothing(rig, tmp_path):
    _, _, history = trade_elsewhere(rig, tmp_path)
    export = tmp_path / "tastytrade.csv"
    export.write_text(export_csv(history), encoding="utf-8")
    imported = rig.journal.import_tastytrade_csv(export, mode=Mode.LIVE)
    assert (imported.added, imported.closed) == (1, 1), imported.errors

    synced = rig.guard.sync_fills()

    assert synced.ok and (synced.added, synced.closed) == (0, 0), synced.message
    assert synced.already_journaled == 4
    assert len(rig.journal.list_trades()) == 1


def test_a_cockpit_order_is_not_journaled_again_by_the_sync_or_the_csv(rig, tmp_path):
    intent = rig.intent("cockpit-1")
    preview = rig.guard.preview(intent)
    rig.live.next_order_fill(FillBehavior.IMMEDIATE)
    placement = rig.guard.place(
        preview.confirmation_token.get_secret_value(), intent=intent, confirmed_by_person=True
    )
    assert placement.outcome is PlacementOutcome.FILLED

    synced = rig.guard.sync_fills()
    export = tmp_path / "tastytrade.csv"
    client = make_client(rig.live, tmp_path / "reader", rig.clock)
    export.write_text(export_csv(client.transactions(LIVE_ACCOUNT)), encoding="utf-8")
    imported = rig.journal.import_tastytrade_csv(export, mode=Mode.LIVE)

    assert synced.added == 0 and imported.added == 0
    assert len(rig.journal.list_trades()) == 1


def test_an_unreadable_transaction_is_named_and_nothing_is_journaled(rig, tmp_path):
    trade_elsewhere(rig, tmp_path)
    rig.live.answer_next(
        {
            "data": {
                "items": [
                    {
                        "id": 7,
                        "account-number": LIVE_ACCOUNT,
                        "transaction-type": "Trade",
                        "transaction-sub-type": "Sell to Open",
                        "action": "Sell to Open",
                        "symbol": "NOT AN OPTION",
                        "instrument-type": "Equity Option",
                        "executed-at": "2026-03-04T15:00:00.000+00:00",
                        "transaction-date": "2026-03-04",
                        "quantity": "1.0",
                        "value": "10.0",
                        "value-effect": "Credit",
                        "net-value": "10.0",
                        "net-value-effect": "Credit",
                        "order-id": 5,
                    }
                ]
            }
        },
        method="GET",
        path=r"/transactions",
    )

    report = rig.guard.sync_fills()

    assert not report.ok and report.added == 0
    assert report.errors[0].startswith("transaction #1 (Symbol): transaction 7:")
    assert rig.journal.list_trades() == []


def test_a_refused_read_is_named(rig):
    rig.live.fail_next(500, times=10, method="GET", path=r"/transactions")
    report = rig.guard.sync_fills()
    assert not report.ok and "the broker refused" in report.message, report.message
    assert rig.journal.list_trades() == []


def test_a_partial_fill_made_elsewhere_is_synced_once_then_the_rest(rig, tmp_path):
    client = make_client(rig.live, tmp_path / "elsewhere", rig.clock)
    legs, credit = put_credit_spread(client, quantity=2)
    rig.live.next_order_fill(FillBehavior.PARTIAL)
    order = client.place_order(LIVE_ACCOUNT, credit_order(legs, credit)).order
    rig.live.book.work()

    first = rig.guard.sync_fills()
    rig.clock.advance(minutes=20)
    rig.live.fill_rest(order.id)
    second = rig.guard.sync_fills()
    third = rig.guard.sync_fills()

    assert (first.added, second.added, third.added) == (1, 1, 0)
    trades = rig.journal.list_trades()
    assert [(t.uid, t.quantity) for t in trades] == [
        (f"tastytrade-{order.id}", 1),
        (f"tastytrade-{order.id}:2", 1),
    ]
    assert all(t.broker_order_ids == (str(order.id),) for t in trades)
    export = tmp_path / "tastytrade.csv"
    export.write_text(export_csv(client.transactions(LIVE_ACCOUNT)), encoding="utf-8")
    imported = rig.journal.import_tastytrade_csv(export, mode=Mode.LIVE)
    assert (imported.added, imported.skipped_duplicates) == (0, 4)
    assert len(rig.journal.list_trades()) == 2
