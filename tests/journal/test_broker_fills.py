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
from utils.journal.trade import Mode, NewTrade

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
