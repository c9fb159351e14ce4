"""A roll: close one spread and open its replacement as one linked action, close first.

    rolled = preview_roll(guard, close, trade_id, replacement, plan)   # both previewed
    placed = place_roll(guard, close_token, close, open_token, replacement)

Both orders are previewed (each with the broker's dry-run and its own confirmation token) and
confirmed together by the person. The close is placed first; the replacement is placed only once
the close is FILLED (a close that is refused, rejected, still working or of unknown outcome sends
no opening: holding both spreads is never the roll's result). The close is journaled with the
reason `rolled`; the replacement's trade has the closed one as its parent, so the roll chain's
combined P&L can be read (`utils.journal.roll_chain`).

While the old spread is still open, the replacement's preview counts it for the concurrency cap
and the 20 % rule; at placement the checks run again, after the close.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from utils.broker.models import Placement, PlacementOutcome, Preview, TradePlan
from utils.broker.order_intent import OrderIntent
from utils.journal.trade import CloseReason

ROLLED = TradePlan(close_reason=CloseReason.ROLLED)


class RollPreview(BaseModel):
    """The close's preview and, when it is ready, the replacement's."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    close: Preview
    replacement: Preview | None = None

    @property
    def ready(self) -> bool:
        """Both orders are ready for the person's confirmation."""
        return self.close.outcome.ready and bool(
            self.replacement and self.replacement.outcome.ready
        )


class RollPlacement(BaseModel):
    """What the close did, and the replacement's placement when it was sent."""

    model_config = ConfigDict(frozen=True)

    close: Placement
    replacement: Placement | None = None
    message: str


def rolled_from(plan: TradePlan | None, trade_id: int) -> TradePlan:
    """The replacement's plan, linked to the trade it rolls from."""
    return (plan or TradePlan()).model_copy(update={"rolled_from_trade_id": trade_id})


def preview_roll(
    guard: Any,
    close: OrderIntent,
    trade_id: int,
    replacement: OrderIntent,
    plan: TradePlan | None = None,
) -> RollPreview:
    """Preview the close, then (only when it is ready) the replacement, linked to the trade."""
    closing = guard.preview(close, closes_trade_id=trade_id, plan=ROLLED)
    if not closing.outcome.ready:
        return RollPreview(close=closing)
    opening = guard.preview(replacement, plan=rolled_from(plan, trade_id))
    return RollPreview(close=closing, replacement=opening)


def place_roll(
    guard: Any,
    close_token: str,
    close: OrderIntent,
    open_token: str,
    replacement: OrderIntent,
) -> RollPlacement:
    """Place the confirmed close; place the confirmed replacement only once the close filled."""
    closed = guard.place(close_token, intent=close, confirmed_by_person=True)
    if closed.outcome is not PlacementOutcome.FILLED:
        return RollPlacement(
            close=closed,
            message=(
                f"The close is {closed.outcome.value}: the replacement was not sent (a roll "
                "opens only after its close fills). Check the close, then roll again."
            ),
        )
    opened = guard.place(open_token, intent=replacement, confirmed_by_person=True)
    return RollPlacement(
        close=closed,
        replacement=opened,
        message=f"Closed trade {closed.journal_trade_id}; the replacement is "
        f"{opened.outcome.value}.",
    )
