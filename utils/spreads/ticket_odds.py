"""The ticket's odds estimate: probability of profit and expected value beside max loss.

A model estimate, never a gate: the lognormal model of `utils.spreads.probability` with the
underlying price the trader types, the implied volatility they type (else the module's
`DEFAULT_VOLATILITY`, said to be assumed), r = 0 and T from now to the expiration's close.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from utils.core.reasons import Reason, as_evidence
from utils.spreads.expirations import days_to_expiration
from utils.spreads.legs import SpreadError
from utils.spreads.spread import Spread
from utils.spreads.probability import (
    DEFAULT_VOLATILITY,
    expected_value_usd,
    one_sd_move,
    probability_of_profit,
)
from utils.spreads.ticket import TicketError, parse_amount

ODDS_FORMULA = (
    "Lognormal (Black-Scholes) model at expiration, before fees: "
    "POP = sum over the price ranges (a, b) where the spread profits of N(d2(a)) - N(d2(b)); "
    "EV = credit - sum(contracts x 100 x E[intrinsic value]); "
    "d2(X) = [ln(S/X) - s^2 T / 2] / (s sqrt(T)), S = underlying price, s = implied "
    "volatility, T = days / 365, r = 0. "
    "1-SD move by expiration = S s sqrt(T)."
)


class OddsGapCode(StrEnum):
    """Why the ticket shows no odds estimate."""

    NO_UNDERLYING_PRICE = "NO_UNDERLYING_PRICE"
    UNREADABLE_INPUT = "UNREADABLE_INPUT"
    EXPIRED = "EXPIRED"
    NO_EXPIRATION_PAYOFF = "NO_EXPIRATION_PAYOFF"


class OddsGap(Reason[OddsGapCode]):
    """The ticket cannot estimate the odds, and what to do about it."""


class OddsEstimate(BaseModel):
    """POP and EV of a spread under the lognormal model, with the inputs that produced them.

    Floats: model statistics, not money movements (see `utils.spreads.probability`).
    """

    model_config = ConfigDict(frozen=True)

    probability_of_profit: float
    expected_value_usd: float
    underlying_price: float
    volatility: float
    volatility_assumed: bool
    days: float
    one_sd_move: float


def _positive(field: str, text: str | float | None) -> float | None:
    value = parse_amount(field, text)
    if value is not None and value <= 0:
        raise TicketError(field, "must be a number above 0")
    return None if value is None else float(value)


def estimate_ticket_odds(
    spread: Spread,
    *,
    underlying_price: str | float | None,
    implied_volatility_pct: str | float | None,
    now: datetime,
) -> OddsEstimate | OddsGap:
    """The odds of `spread` from the ticket's typed underlying price and IV (in %, blank for the
    default), or the gap that keeps the ticket from estimating them."""
    try:
        spot = _positive("underlying price", underlying_price)
        typed_pct = _positive("implied volatility", str(implied_volatility_pct or "").rstrip("% "))
    except TicketError as error:
        return OddsGap(code=OddsGapCode.UNREADABLE_INPUT, sentence=str(error))
    if spot is None:
        return OddsGap(
            code=OddsGapCode.NO_UNDERLYING_PRICE,
            sentence="Enter the underlying's price to estimate the odds.",
        )
    days = days_to_expiration(spread.expiration, now)
    if days <= 0:
        return OddsGap(
            code=OddsGapCode.EXPIRED,
            sentence="The expiration has passed: no odds to estimate.",
            evidence=as_evidence(expiration=spread.expiration),
        )
    volatility = DEFAULT_VOLATILITY if typed_pct is None else typed_pct / 100
    model = {"spot": spot, "volatility": volatility, "days": days}
    try:
        pop = probability_of_profit(spread, **model)
        ev = expected_value_usd(spread, **model)
    except SpreadError as error:
        return OddsGap(code=OddsGapCode.NO_EXPIRATION_PAYOFF, sentence=str(error))
    return OddsEstimate(
        probability_of_profit=pop,
        expected_value_usd=ev,
        underlying_price=spot,
        volatility=volatility,
        volatility_assumed=typed_pct is None,
        days=days,
        one_sd_move=one_sd_move(**model),
    )
