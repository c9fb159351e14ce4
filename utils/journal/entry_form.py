"""The Journal card's hand-typed entries, from the form's text to the journal's models.

Amounts are read like the ticket's (`parse_amount`: blank means none, a TicketError names the
field); times are typed in New York. Pydantic checks the rest when the model is built.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from utils.core.sessions import NEW_YORK
from utils.journal.trade import NewTrade, TradeClose, new_trade_from_spread
from utils.spreads.spread import Spread
from utils.spreads.ticket import parse_amount

# The "Followed the plan?" answers; anything else is "not answered".
FOLLOWED_PLAN_ANSWERS = {"yes": True, "no": False}


def new_york_time(field: str, text: str | None) -> datetime | None:
    """A `YYYY-MM-DDTHH:MM` typed in New York, None when blank; ValueError naming the field."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=NEW_YORK)
    except ValueError:
        raise ValueError(f"{field}: {text!r} is not a date and time") from None


def close_from_form(
    *,
    exit_price: str | None,
    exit_effect: str,
    fees: str | None,
    reason: str,
    followed: str | None,
    now: datetime,
) -> TradeClose:
    """The close the "Selected trade" panel describes, closed now."""
    return TradeClose(
        closed_at=now,
        exit_price=parse_amount("exit price", exit_price, required=True),
        exit_effect=exit_effect,
        close_fees_usd=parse_amount("closing fees", fees) or Decimal("0"),
        close_reason=reason,
        followed_plan=FOLLOWED_PLAN_ANSWERS.get(followed or ""),
    )


def opened_from_form(
    spread: Spread,
    *,
    opened_at: str | None,
    mode: str,
    fees: str | None,
    profit_target: str | None,
    stop_loss: str | None,
    time_exit: str | None,
    setup: str | None,
    now: datetime,
) -> NewTrade:
    """The journal entry for the ticket's `spread` opened as the manual-entry panel says
    (opened now when no time is typed)."""
    return new_trade_from_spread(
        spread,
        opened_at=new_york_time("opened at", opened_at) or now,
        mode=mode,
        open_fees_usd=parse_amount("opening fees", fees) or Decimal("0"),
        profit_target_usd=parse_amount("profit target", profit_target),
        stop_loss_usd=parse_amount("stop loss", stop_loss),
        time_exit_at=new_york_time("time exit", time_exit),
        setup=(setup or "").strip() or None,
    )
