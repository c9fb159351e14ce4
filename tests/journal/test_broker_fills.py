"""Fills of the cockpit's orders in the journal: a batch is written once, whoever writes it
first; the account a trade lives in is recorded once and never changes."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from utils.journal.broker_fills import FillsAlreadyJournaled
from utils.journal.risk import TradeLeg
from utils.journal.store import Journal
from utils.journal.tastytrade_plan import PlannedFill
from utils.journal.tastytrade_api_rows import rows_from_transactions
from utils.journal.trade import Mode, NewTrade, TradeClose
from utils.tastytrade.transactions import Transaction

AT = datetime(2026, 3, 4, 15, 0, tzinfo=timezone.utc)
SHORT, LONG = "SPY   260417P00525000", "SPY   260417P00520000"


def batch(uid: str) -> tuple[NewTrade, list[PlannedFill]]:
    trade = NewTrade(
        uid=uid,
        underlying="SPY",
        legs=(
            TradeLeg(occ_symbol=SHORT, action="Sell to Open", quantity=1),
            TradeLeg(occ_symbol=LONG, action="Buy to Open", quantity=1),
        ),
        quantity=1,
        opened_at=AT,
        entry_price=Decimal("1.05"),
        entry_effect="Credit",
        mode=Mode.SIM,
        broker_order_ids=("7",),
        source="broker",
    )
    fills = [
        PlannedFill("", f"order-7-{symbol[-9:]}", "7", symbol, "open", q, v, 0, AT, 0)
        for symbol, q, v in ((SHORT, -1, 21000), (LONG, 1, -10500))
    ]
    return trade, fills


def test_the_same_fills_are_journaled_once_whoever_writes_first(tmp_path):
    first, second = Journal.open(tmp_path), Journal.open(tmp_path)  # two readers, one file
    try:
        trade = first.open_order_batch(*batch("order-a"), account_number="5X01")
        with pytest.raises(FillsAlreadyJournaled):
            second.open_order_batch(*batch("order-a-2"), account_number="5X01")
        assert [t.uid for t in second.list_trades()] == ["order-a"]
        assert second.order_fill_keys("7") == {f"order-7-{SHORT[-9:]}", f"order-7-{LONG[-9:]}"}
        assert second.trade_account(trade.id) == "5X01"
    finally:
        first.close()
        second.close()


def test_a_trades_account_never_changes(tmp_path):
    with Journal.open(tmp_path) as journal:
        trade = journal.open_order_batch(*batch("order-a"), account_number="5X01")
        journal.record_account(trade.id, "5X02")  # a second record is ignored
        assert journal.trade_account(trade.id) == "5X01"
        with pytest.raises(sqlite3.DatabaseError, match="never changes"):
            journal.connect().execute(
                "UPDATE trade_accounts SET account_number = '5X02' WHERE trade_id = ?",
                (trade.id,),
            )


def leg_transaction(tid, order_id, action, symbol, price, hour):
    buys = action.startswith("Buy")
    return Transaction.model_validate(
        {
            "id": tid,
            "account-number": "5X01",
            "transaction-type": "Trade",
            "transaction-sub-type": action,
            "action": action,
            "symbol": symbol,
            "underlying-symbol": "SPY",
            "instrument-type": "Equity Option",
            "executed-at": f"2026-03-04T{hour:02d}:00:00.000+00:00",
            "transaction-date": "2026-03-04",
            "quantity": "1.0",
            "price": price,
            "value": str(Decimal(price) * 100),
            "value-effect": "Debit" if buys else "Credit",
            "net-value": str(Decimal(price) * 100),
            "net-value-effect": "Debit" if buys else "Credit",
            "order-id": order_id,
        }
    )


def test_a_sync_leaves_a_close_ticket_part_of_a_synced_spread_alone(tmp_path):
    opening = [
        leg_transaction(1, 100, "Sell to Open", SHORT, "2.10", 15),
        leg_transaction(2, 100, "Sell to Open", SHORT, "2.10", 15),
        leg_transaction(3, 100, "Buy to Open", LONG, "1.05", 15),
        leg_transaction(4, 100, "Buy to Open", LONG, "1.04", 15),
    ]
    opening[1] = opening[1].model_copy(update={"price": Decimal("2.11"), "value": Decimal(211)})
    closing = [  # the close ticket's order 200 for one of the two units
        leg_transaction(5, 200, "Buy to Close", SHORT, "0.50", 17),
        leg_transaction(6, 200, "Sell to Close", LONG, "0.20", 17),
    ]
    with Journal.open(tmp_path) as journal:
        synced = journal.import_broker_transactions(
            rows_from_transactions(opening), mode=Mode.SIM, account_number="5X01", name="s1"
        )
        (trade,) = journal.list_trades()
        assert synced.added == 1 and trade.quantity == 2
        close = TradeClose(
            closed_at=datetime(2026, 3, 4, 17, 0, tzinfo=timezone.utc),
            exit_price=Decimal("0.30"),
            exit_effect="Debit",
            broker_order_ids=("200",),
        )
        journal.close_units(trade.id, 1, close)

        again = journal.import_broker_transactions(
            rows_from_transactions(opening + closing),
            mode=Mode.SIM,
            account_number="5X01",
            name="s2",
        )

        assert (again.added, again.closed) == (0, 0)
        assert journal.open_units(trade.id) == 1, "the part is closed once, by the ticket"
        assert journal.order_fill_keys("200") == frozenset(), "not booked again as fills"
