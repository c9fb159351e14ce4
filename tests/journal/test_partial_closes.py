"""Partial closes: a spread closed in parts stays open until its last unit closes, then closes
once at the weighted exit, its P&L the sum of every part's cash minus every fee."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.support.journal_factory import START, new_trade
from utils.journal.errors import JournalError
from utils.journal.store import Journal
from utils.journal.trade import TradeClose, TradeStatus
from utils.spreads.legs import PriceEffect


@pytest.fixture
def journal(tmp_path):
    with Journal.open(tmp_path) as opened:
        yield opened


def debit(price: str, fees: str, minutes: int, order: str = "") -> TradeClose:
    return TradeClose(
        closed_at=START + timedelta(minutes=minutes),
        exit_price=Decimal(price),
        exit_effect=PriceEffect.DEBIT,
        close_fees_usd=Decimal(fees),
        broker_order_ids=(order,) if order else (),
    )


def test_three_units_closed_in_two_parts_sum_the_cash_of_both(journal):
    trade = journal.open_trade(new_trade(quantity=3, open_fees_usd=Decimal("3.00")))
    part = journal.close_units(trade.id, 1, debit("2.00", "1.00", 5, "7001"))
    assert part.status is TradeStatus.OPEN and journal.open_units(trade.id) == 2
    assert part.notes[-1].text == ("Partial close: 1 unit(s) at 2.00 debit, fees 1.00, order 7001.")
    closed = journal.close_units(trade.id, 2, debit("2.51", "2.00", 9, "7002"))
    assert closed.status is TradeStatus.CLOSED and journal.open_units(trade.id) == 0
    # 100 x (3 x 5.00 - 1 x 2.00 - 2 x 2.51) - (3.00 + 1.00 + 2.00)
    assert closed.net_pnl_usd == Decimal("792.00")
    assert closed.fees_usd == Decimal("6.00")
    assert set(closed.broker_order_ids) >= {"7001", "7002"}


def test_a_manual_close_after_a_part_closes_the_rest_at_the_weighted_exit(journal):
    trade = journal.open_trade(new_trade(quantity=2))
    journal.close_units(trade.id, 1, debit("1.00", "0", 5))
    closed = journal.close_trade(trade.id, debit("3.00", "0", 9))
    assert closed.exit_price == Decimal("2") and closed.exit_effect is PriceEffect.DEBIT
    assert closed.net_pnl_usd == Decimal("600.00")  # 100 x (2 x 5.00 - 1.00 - 3.00)


def test_closing_more_units_than_open_is_refused_and_writes_nothing(journal):
    trade = journal.open_trade(new_trade(quantity=2))
    journal.close_units(trade.id, 1, debit("1.00", "0", 5))
    with pytest.raises(JournalError, match="cannot close 2 unit"):
        journal.close_units(trade.id, 2, debit("1.00", "0", 6))
    assert journal.open_units(trade.id) == 1
    assert len(journal.get_trade(trade.id).notes) == 1


def test_a_closed_trade_has_no_units_to_close(journal):
    trade = journal.open_trade(new_trade())
    journal.close_trade(trade.id, debit("1.00", "0", 5))
    with pytest.raises(JournalError, match="already closed"):
        journal.close_units(trade.id, 1, debit("1.00", "0", 6))


def test_a_partial_close_is_never_rewritten_or_deleted(journal):
    trade = journal.open_trade(new_trade(quantity=2))
    journal.close_units(trade.id, 1, debit("1.00", "0", 5))
    conn = journal.connect()
    try:
        for statement in (
            "UPDATE trade_partial_closes SET exit_price = '0.01'",
            "DELETE FROM trade_partial_closes",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="partial close is never"):
                conn.execute(statement)
    finally:
        conn.close()
