"""A roll chain: a spread, the spreads it was rolled into (each one's parent is the spread it
replaced), and their combined result.

    combined net P&L = sum of the net P&L of the chain's closed trades (open ones add nothing yet)
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from utils.journal.trade import Trade


class RollChain(BaseModel):
    """The trades of one roll chain, oldest first, and their combined closed P&L."""

    model_config = ConfigDict(frozen=True)

    trade_ids: tuple[int, ...]
    open_trades: int
    net_pnl_usd: Decimal

    @property
    def rolled(self) -> bool:
        """True when the chain holds more than one spread."""
        return len(self.trade_ids) > 1


def roll_chain(trades: Sequence[Trade], trade_id: int) -> RollChain:
    """The chain holding `trade_id`: up to its first spread through the parents, then every
    spread rolled from it; KeyError when the trade is not in `trades`."""
    by_id = {trade.id: trade for trade in trades}
    root = by_id[trade_id]
    seen = {root.id}
    while root.parent_id is not None and root.parent_id in by_id and root.parent_id not in seen:
        root = by_id[root.parent_id]
        seen.add(root.id)
    children: dict[int, list[Trade]] = {}
    for trade in trades:
        if trade.parent_id is not None:
            children.setdefault(trade.parent_id, []).append(trade)
    chain, todo, visited = [], [root], {root.id}
    while todo:
        trade = todo.pop()
        chain.append(trade)
        for child in children.get(trade.id, ()):
            if child.id not in visited:
                visited.add(child.id)
                todo.append(child)
    chain.sort(key=lambda trade: (trade.opened_at, trade.id))
    closed = [trade.net_pnl_usd for trade in chain if trade.net_pnl_usd is not None]
    return RollChain(
        trade_ids=tuple(trade.id for trade in chain),
        open_trades=len(chain) - len(closed),
        net_pnl_usd=sum(closed, Decimal("0.00")),
    )
