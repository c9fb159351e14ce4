"""What the Close card asks: the open spreads (the rollback protocol's "Close all" list) and the
closing ticket of one of them, priced from the broker holding it.

    prepare_close(journal, guard, trade_id)                        # all open units at the mid
    prepare_close(journal, guard, trade_id, quantity=1, price="0.45", effect="Debit")
    open_spreads(journal)                                          # every open trade, oldest first
    prepare_roll(journal, guard, trade_id, replacement, plan)      # close + replacement previewed
    preview_close(guard, ticket)                                   # the guard's preview, the order

Each close is still its own order: previewed, confirmed and placed one at a time by the guard.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict

from utils.broker.close_ticket import (
    CloseTicket,
    CloseTicketError,
    close_intent,
    close_plan,
    close_ticket,
)
from utils.broker.models import Preview, TradePlan
from utils.broker.order_intent import OrderIntent
from utils.broker.roll import RollPreview, preview_roll
from utils.journal.errors import JournalError
from utils.journal.roll_chain import roll_chain
from utils.journal.trade import Trade, TradeStatus
from utils.spreads.spread import Spread


def prepare_close(
    journal: Any,
    guard: Any,
    trade_id: int | None,
    *,
    quantity: object = None,
    price: object = None,
    effect: object = None,
    at_profit_target: bool = False,
) -> CloseTicket:
    """The closing ticket of journaled trade `trade_id` (CloseTicketError says what to fix);
    `at_profit_target`: the exit plan's profit target as a GTC closing order."""
    if trade_id is None:
        raise CloseTicketError("choose an open trade: Close on its journal row, or Close all")
    try:
        trade = journal.get_trade(int(trade_id))
    except JournalError as error:
        raise CloseTicketError(str(error)) from None
    market = guard.position_market(
        trade.mode, trade.underlying, [leg.occ_symbol for leg in trade.legs]
    )
    ticket = close_ticket(
        trade,
        journal.open_units(trade.id),
        market,
        quantity=quantity,
        price=price,
        effect=effect,
        at_profit_target=at_profit_target,
    )
    return ticket.model_copy(update={"chain": roll_chain(rolled_from(journal, trade), trade.id)})


def rolled_from(journal: Any, trade: Trade) -> list[Trade]:
    """The trade and every spread it was rolled from, through the parent links (an open trade
    has no replacement yet: a roll closes the spread it replaces)."""
    chain, seen = [trade], {trade.id}
    while chain[-1].parent_id is not None and chain[-1].parent_id not in seen:
        parent = journal.get_trade(chain[-1].parent_id)
        seen.add(parent.id)
        chain.append(parent)
    return chain


def preview_close(guard: Any, ticket: CloseTicket) -> tuple[Preview, OrderIntent]:
    """The guard's preview of the ticket's closing order (linked to its trade), and the order."""
    intent = close_intent(ticket)
    plan = close_plan(ticket)
    return guard.preview(intent, closes_trade_id=ticket.trade_id, plan=plan), intent


def open_spreads(journal: Any) -> list[Trade]:
    """Every open journaled spread, oldest first: each one is closed with its own order."""
    trades = journal.list_trades(status=TradeStatus.OPEN)
    return sorted(trades, key=lambda trade: (trade.opened_at, trade.id))


class RollOrders(BaseModel):
    """A roll's two previewed orders, as the person confirms them together."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    preview: RollPreview
    close: OrderIntent
    replacement: OrderIntent


def prepare_roll(
    journal: Any,
    guard: Any,
    trade_id: int | None,
    replacement: Spread,
    plan: TradePlan | None = None,
    *,
    quantity: object = None,
    price: object = None,
    effect: object = None,
) -> RollOrders:
    """Preview the roll of a journaled trade into `replacement` (the close as its ticket says)."""
    ticket = prepare_close(journal, guard, trade_id, quantity=quantity, price=price, effect=effect)
    close = close_intent(ticket)
    opening = OrderIntent(spread=replacement, client_order_id=f"roll-{uuid.uuid4().hex[:16]}")
    return RollOrders(
        preview=preview_roll(guard, close, ticket.trade_id, opening, plan),
        close=close,
        replacement=opening,
    )
