"""The exact, piecewise-linear expiration payoff of a single-expiration leg set (before fees).

Formula (shared/research/options_math.md section 3):
    PL(S) = premium_usd + sum(sign * contracts * multiplier * intrinsic(S))
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from utils.spreads.legs import Leg, SpreadError
from utils.spreads.symbols import OptionType

ZERO = Decimal(0)


class PayoffPoint(BaseModel):
    """Profit or loss in dollars at one underlying price at expiration."""

    model_config = ConfigDict(frozen=True)

    underlying_price: Decimal
    pl_usd: Decimal


class ExpirationProfile(BaseModel):
    """The exact, piecewise-linear expiration P/L of a single-expiration leg set (before fees).

    `points` holds S = 0 and every strike; above the highest strike the P/L moves by
    `right_slope_usd` per $1 of the underlying. Max loss = -min(points) unless the right slope is
    negative (unbounded, None); max profit = max(points) unless it is positive (None).
    """

    model_config = ConfigDict(frozen=True)

    points: tuple[PayoffPoint, ...]
    right_slope_usd: Decimal

    @property
    def max_loss_usd(self) -> Decimal | None:
        """The worst expiration loss as a positive number; None when it is unbounded."""
        if self.right_slope_usd < 0:
            return None
        return -min(point.pl_usd for point in self.points)

    @property
    def max_profit_usd(self) -> Decimal | None:
        """The best expiration profit; None when it is unbounded."""
        if self.right_slope_usd > 0:
            return None
        return max(point.pl_usd for point in self.points)

    def pl_at(self, underlying_price: Decimal) -> Decimal:
        """P/L at any price: linear between breakpoints, `right_slope_usd` above the last."""
        if underlying_price < 0:
            raise SpreadError(f"underlying price {underlying_price} is negative")
        points = self.points
        for left, right in zip(points, points[1:]):
            if underlying_price <= right.underlying_price:
                span = right.underlying_price - left.underlying_price
                step = (right.pl_usd - left.pl_usd) * (underlying_price - left.underlying_price)
                return left.pl_usd + step / span
        last = points[-1]
        return last.pl_usd + self.right_slope_usd * (underlying_price - last.underlying_price)

    @property
    def breakevens(self) -> tuple[Decimal, ...]:
        """Prices where the P/L crosses or touches zero, by exact linear interpolation.

        Where a whole segment sits at exactly zero both of its ends are listed.
        """
        found: list[Decimal] = []
        points = self.points
        for index, point in enumerate(points):
            if point.pl_usd == 0 and index > 0:
                found.append(point.underlying_price)
        for left, right in zip(points, points[1:]):
            if left.pl_usd * right.pl_usd < 0:
                span = right.underlying_price - left.underlying_price
                found.append(
                    left.underlying_price + span * (-left.pl_usd) / (right.pl_usd - left.pl_usd)
                )
        last = points[-1]
        if self.right_slope_usd != 0 and last.pl_usd * self.right_slope_usd < 0:
            found.append(last.underlying_price - last.pl_usd / self.right_slope_usd)
        return tuple(sorted(set(found)))


def expiration_profile(legs: Sequence[Leg], premium_usd: Decimal) -> ExpirationProfile:
    """PL(S) = premium_usd + sum(sign * contracts * multiplier * intrinsic(S)) at S = 0 and strikes.

    `premium_usd` is the whole order's signed premium in dollars (credit positive). The legs must
    share one expiration (a calendar has no single expiration payoff).
    """
    if not legs:
        raise SpreadError("a payoff needs at least one leg")
    if len({leg.expiration for leg in legs}) > 1:
        raise SpreadError("legs expire on different dates: no single expiration payoff exists")
    prices = sorted({ZERO, *(leg.strike for leg in legs)})

    def pl(price: Decimal) -> Decimal:
        legs_value = sum(
            (leg.signed_quantity * leg.multiplier * leg.intrinsic(price) for leg in legs), ZERO
        )
        return premium_usd + legs_value

    right_slope = Decimal(
        sum(
            leg.signed_quantity * leg.multiplier
            for leg in legs
            if leg.option_type is OptionType.CALL
        )
    )
    return ExpirationProfile(
        points=tuple(PayoffPoint(underlying_price=p, pl_usd=pl(p)) for p in prices),
        right_slope_usd=right_slope,
    )
