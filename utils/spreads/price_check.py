"""Prices no real market offers: a credit at or beyond the width (nothing left to lose) or a
debit at or beyond it (nothing left to win). A stale or crossed quote, or a typo; the ticket
flags it as it is typed and the guard refuses it (PRICE_ANOMALY)."""

from __future__ import annotations

from utils.core.money import usd
from utils.spreads.spread import Spread


def price_anomaly(spread: Spread) -> str | None:
    """Why the spread's price is impossible, or None when it leaves both a loss and a profit."""
    max_loss, max_profit = spread.max_loss_usd, spread.max_profit_usd
    if max_loss is not None and max_loss <= 0:
        return (
            f"The {spread.price_effect.value.lower()} of {spread.price} leaves a max loss of "
            f"{usd(max_loss)}: the price is at or beyond the width, a stale or crossed quote."
        )
    if max_profit is not None and max_profit <= 0:
        return (
            f"The {spread.price_effect.value.lower()} of {spread.price} leaves a max profit of "
            f"{usd(max_profit)}: the order cannot make money at expiration."
        )
    return None
