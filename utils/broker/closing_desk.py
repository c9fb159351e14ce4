"""What the Close card asks: the open spreads (the rollback protocol's "Close all" list) and the
closing ticket of one of them, priced from the broker holding it.

    prepare_close(journal, guard, trade_id)                        # all open units at the mid
    prepare_close(journal, guard, trade_id, quantity=1, price="0.45", effect="Debit")
    open_spreads(journal)                                          # every open trade, oldest first

Each close is still its own order: previewed, confirmed and placed one at a time by the guard.
"""

from __future__ import annotations

from typing import Any

from utils.broker.close_ticket import CloseTicket, CloseTicketError, close_ticket
from utils.journal.errors import JournalError
from utils.journal.trade import Trade, TradeStatus


def prepare_close(
    journal: Any,
    guard: Any,
    trade_id: int | None,
    *,
    quantity: object = None,
    price: object = None,
    effect: object = None,
) -> CloseTicket:
    """The closing ticket of journaled trade `trade_id` (CloseTicketError says what to fix)."""
    if trade_id is None:
        raise CloseTicketError("choose an open trade: Close on its journal row, or Close all")
    try:
        trade = journal.get_trade(int(trade_id))
    except JournalError as error:
        raise CloseTicketError(str(error)) from None
    market = guard.position_market(
        trade.mode, trade.underlying, [leg.occ_symbol for leg in trade.legs]
    )
    return close_ticket(
        trade,
        journal.open_units(trade.id),
        market,
        quantity=quantity,
        price=price,
        effect=effect,
    )


def open_spreads(journal: Any) -> list[Trade]:
    """Every open journaled spread, oldest first: each one is closed with its own order."""
    trades = journal.list_trades(status=TradeStatus.OPEN)
    return sorted(trades, key=lambda trade: (trade.opened_at, trade.id))
