"""Probability of profit and expected value of a spread under a lognormal (Black-Scholes) model.

Floats on purpose: these are model statistics, not money movements, and nothing here gates an
order. N is `statistics.NormalDist` from the standard library (research options_math.md 8.1):

    d2(X) = [ln(S0/X) + (r - q - s^2/2) T] / (s sqrt T),  d1 = d2 + s sqrt T,  P(S_T > X) = N(d2)
    E[(S_T - K)+] = F N(d1) - K N(d2),  E[(K - S_T)+] = K N(-d2) - F N(-d1),  F = S0 e^((r-q)T)

T = calendar days / 365. Label results "lognormal, s, r, T": tastytrade's exact inputs are not
published, so the numbers will not match its ticket to the digit. Without an implied volatility
for the underlying, use `DEFAULT_VOLATILITY` (20 % a year, about the long-run level of the S&P
500's implied volatility, the VIX) and say that it is assumed.
"""

from __future__ import annotations

from decimal import Decimal
from math import exp, log, sqrt
from statistics import NormalDist

from utils.spreads.legs import SpreadError
from utils.spreads.payoff import ExpirationProfile
from utils.spreads.spread import Spread
from utils.spreads.symbols import OptionType

_N = NormalDist()
DAYS_PER_YEAR = 365
DEFAULT_VOLATILITY = 0.20


class LognormalInputs:
    """Validated model inputs: spot, annual volatility, days to expiration, rate, yield."""

    __slots__ = ("spot", "volatility", "years", "rate", "dividend_yield")

    def __init__(
        self,
        spot: float,
        volatility: float,
        days: float,
        rate: float = 0.0,
        dividend_yield: float = 0.0,
    ) -> None:
        if not spot > 0 or not volatility > 0 or not days > 0:
            raise SpreadError(
                f"probability inputs need spot > 0, volatility > 0 and days > 0 "
                f"(got spot={spot}, volatility={volatility}, days={days})"
            )
        self.spot = float(spot)
        self.volatility = float(volatility)
        self.years = float(days) / DAYS_PER_YEAR
        self.rate = float(rate)
        self.dividend_yield = float(dividend_yield)

    @property
    def forward(self) -> float:
        """F = S0 e^((r - q) T)."""
        return self.spot * exp((self.rate - self.dividend_yield) * self.years)

    def d2(self, level: float) -> float:
        """d2 at a strike or price level (> 0)."""
        drift = (self.rate - self.dividend_yield - self.volatility**2 / 2) * self.years
        return (log(self.spot / level) + drift) / (self.volatility * sqrt(self.years))

    def prob_above(self, level: float) -> float:
        """P(S_T > level); 1 at level 0."""
        return 1.0 if level <= 0 else _N.cdf(self.d2(level))

    def expected_intrinsic(self, option_type: OptionType, strike: float) -> float:
        """E[intrinsic value at expiration] per share under the model (undiscounted)."""
        d2 = self.d2(strike)
        d1 = d2 + self.volatility * sqrt(self.years)
        if option_type is OptionType.CALL:
            return self.forward * _N.cdf(d1) - strike * _N.cdf(d2)
        return strike * _N.cdf(-d2) - self.forward * _N.cdf(-d1)


def _profile(spread: Spread) -> ExpirationProfile:
    if spread.profile is None:
        raise SpreadError("a multi-expiration spread has no expiration payoff to take odds on")
    return spread.profile


def probability_of_profit(
    spread: Spread,
    *,
    spot: float,
    volatility: float,
    days: float,
    rate: float = 0.0,
    dividend_yield: float = 0.0,
) -> float:
    """P(P/L > 0 at expiration, before fees): the sum over profitable price intervals (a, b) of
    N(d2(a)) - N(d2(b))."""
    model = LognormalInputs(spot, volatility, days, rate, dividend_yield)
    profile = _profile(spread)
    edges = sorted({Decimal(0), *(p.underlying_price for p in profile.points), *spread.breakevens})
    probability = 0.0
    for left, right in zip(edges, [*edges[1:], None]):
        probe = left + 1 if right is None else (left + right) / 2
        if profile.pl_at(probe) > 0:
            upper = 0.0 if right is None else model.prob_above(float(right))
            probability += model.prob_above(float(left)) - upper
    return probability


def probability_above(
    level: Decimal, *, spot: float, volatility: float, days: float, rate: float = 0.0
) -> float:
    """P(S_T > level): e.g. P(max profit) of a bull put is P(S_T > short strike)."""
    return LognormalInputs(spot, volatility, days, rate).prob_above(float(level))


def expected_value_usd(
    spread: Spread,
    *,
    spot: float,
    volatility: float,
    days: float,
    rate: float = 0.0,
    dividend_yield: float = 0.0,
    fees_usd: float = 0.0,
) -> float:
    """EV = m q C0 + sum(signed contracts x m x E[intrinsic]) - fees, exact in closed form.

    Under the model's own volatility this is the fill's edge over the model price minus fees: a
    high POP does not mean a positive EV.
    """
    model = LognormalInputs(spot, volatility, days, rate, dividend_yield)
    _profile(spread)
    legs_value = sum(
        leg.signed_quantity
        * leg.multiplier
        * model.expected_intrinsic(leg.option_type, float(leg.strike))
        for leg in spread.legs
    )
    return float(spread.premium_usd) + legs_value - fees_usd


def one_sd_move(*, spot: float, volatility: float, days: float) -> float:
    """The expected one-standard-deviation move S0 s sqrt(T), for chart shading."""
    model = LognormalInputs(spot, volatility, days)
    return model.spot * model.volatility * sqrt(model.years)
