"""Build journal trades with a chosen outcome, for the journal and metrics tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from utils.core.trading_calendar import next_session
from utils.journal.risk import Structure, TradeLeg
from utils.journal.trade import Mode, NewTrade, TradeClose
from utils.journal.store import Journal
from utils.spreads.symbols import format_occ
from utils.spreads.legs import PriceEffect

UTC = timezone.utc
START = datetime(2025, 1, 6, 15, 0, tzinfo=UTC)  # a Monday, 10:00 in New York


def legs_for(structure: str, underlying: str, expires: datetime, quantity: int = 1) -> tuple:
    """A 10-wide bull put, or a 10-wide iron condor, around strike 100."""
    day = expires.date()
    shape = {
        "vertical": (("P", 100, "Sell to Open"), ("P", 90, "Buy to Open")),
        "iron_condor": (
            ("P", 90, "Buy to Open"),
            ("P", 100, "Sell to Open"),
            ("C", 110, "Sell to Open"),
            ("C", 120, "Buy to Open"),
        ),
    }[structure]
    return tuple(
        TradeLeg(
            occ_symbol=format_occ(underlying, day, kind, Decimal(strike)),
            action=action,
            quantity=quantity,
        )
        for kind, strike, action in shape
    )


def new_trade(
    *,
    opened_at: datetime = START,
    structure: str = "vertical",
    underlying: str = "SPY",
    quantity: int = 1,
    mode: Mode = Mode.SIM,
    **extra,
) -> NewTrade:
    """A credit spread taken for 5.00 on a 10-wide wing: 1R = $500 per unit."""
    return NewTrade(
        structure=Structure(structure),
        underlying=underlying,
        legs=legs_for(structure, underlying, opened_at + timedelta(days=30), quantity),
        quantity=quantity,
        opened_at=opened_at,
        entry_price=Decimal("5.00"),
        entry_effect=PriceEffect.CREDIT,
        mode=mode,
        **extra,
    )


def close_for_pnl(
    trade: NewTrade, pnl_usd: Decimal | float | str, closed_at: datetime, fees_usd: str = "0"
) -> TradeClose:
    """The close that gives exactly `pnl_usd` net: exit = (pnl + fees) / (m q) - entry."""
    fees = Decimal(fees_usd)
    units = trade.multiplier * trade.quantity
    signed_exit = (Decimal(str(pnl_usd)) + trade.open_fees_usd + fees) / units - trade.entry_price
    return TradeClose(
        closed_at=closed_at,
        exit_price=abs(signed_exit),
        exit_effect=PriceEffect.CREDIT if signed_exit > 0 else PriceEffect.DEBIT,
        close_fees_usd=fees,
    )


def journal_trades(journal, pnls, *, start: datetime = START, step=timedelta(days=1), **kwargs):
    """Open and close one trade per P&L, a day apart; returns the closed trades."""
    trades = []
    for index, pnl in enumerate(pnls):
        opened = start + index * step
        trade = journal.open_trade(new_trade(opened_at=opened, **kwargs))
        trades.append(journal.close_trade(trade.id, close_for_pnl(trade, pnl, opened + step / 2)))
    return trades


SEEDED_PNLS = [120, -380, 95, 110, 60, -200, 130, 0.5, 125, 90] * 3


def seed_journal(data_dir) -> None:
    """Thirty planned trades with a positive edge, one per NYSE session from START, in a
    journal under `data_dir`."""
    journal = Journal.open(data_dir)
    day = START.date()
    for pnl in SEEDED_PNLS:
        opened = datetime.combine(day, START.timetz())
        journal_trades(
            journal,
            [pnl],
            start=opened,
            profit_target_usd=Decimal("250.00"),
            stop_loss_usd=Decimal("500.00"),
        )
        day = next_session(day + timedelta(days=1))
    journal.close()
