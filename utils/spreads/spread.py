"""The spread: one multi-leg order or open position on one underlying, with its price per unit.

Its dollar figures (premium, max loss and profit, breakevens, buying power) come from the
expiration payoff (`utils.spreads.payoff`) and its verdict from the defined-risk proof
(`utils.spreads.proof`). Formulas: shared/research/options_math.md sections 2, 3, 5 and 6.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from functools import cached_property, reduce
from math import gcd
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from utils.spreads.families import underlying_family
from utils.spreads.legs import (
    Leg,
    PositionEffect,
    PriceEffect,
    SpreadError,
    exact_decimal,
)
from utils.spreads.payoff import ExpirationProfile, PayoffPoint, expiration_profile
from utils.spreads.proof import DefinedRiskProof, prove_defined_risk
from utils.spreads.structures import Structure, recognize_structure

ZERO = Decimal(0)


class Spread(BaseModel):
    """One multi-leg order or open position on one underlying, with its price per unit.

    `price` is per share for one unit of the ratio (tastytrade's order price); `quantity` is the
    number of units (the gcd of the leg quantities). Dollar figures cover the whole order.
    """

    model_config = ConfigDict(frozen=True)

    legs: tuple[Leg, ...] = Field(min_length=1)
    price: Decimal = Field(ge=0)
    price_effect: PriceEffect

    @model_validator(mode="after")
    def _one_underlying_distinct_symbols(self) -> Spread:
        underlyings = {leg.underlying for leg in self.legs}
        if len(underlyings) > 1:
            raise SpreadError(
                f"legs span underlyings {sorted(underlyings)}: a spread has one underlying"
            )
        multipliers = {leg.multiplier for leg in self.legs}
        if len(multipliers) > 1:
            raise SpreadError(
                f"legs have multipliers {sorted(multipliers)}: a spread has one deliverable"
            )
        symbols = [leg.occ for leg in self.legs]
        repeated = sorted({s for s in symbols if symbols.count(s) > 1})
        if repeated:
            raise SpreadError(
                f"symbol {repeated[0]!r} appears in more than one leg: merge fills with "
                "merge_legs() first (tastytrade requires distinct leg symbols)"
            )
        return self

    @classmethod
    def from_legs(
        cls,
        legs: Iterable[Leg],
        price: Decimal | None = None,
        price_effect: PriceEffect | str | None = None,
    ) -> Spread:
        """Build a spread from legs; without `price`, derive it from every leg's own price."""
        legs = tuple(legs)
        if not legs:
            raise SpreadError("a spread needs at least one leg")
        if price is None:
            missing = [leg.describe() for leg in legs if leg.price is None]
            if missing:
                raise SpreadError(
                    f"no spread price given and leg '{missing[0]}' has no price to derive it from"
                )
            unit = reduce(gcd, (leg.quantity for leg in legs))
            net = sum((-leg.signed_quantity * leg.price for leg in legs), ZERO)  # type: ignore
            per_unit = net / unit
            derived_effect = PriceEffect.CREDIT if per_unit >= 0 else PriceEffect.DEBIT
            return cls(legs=legs, price=abs(per_unit), price_effect=derived_effect)
        if price_effect is None:
            raise SpreadError(f"price {price} given without a price effect (Credit or Debit)")
        return cls(legs=legs, price=exact_decimal(price, "price"), price_effect=price_effect)

    @property
    def quantity(self) -> int:
        """Number of spread units: the gcd of the leg quantities."""
        return reduce(gcd, (leg.quantity for leg in self.legs))

    @property
    def ratios(self) -> tuple[int, ...]:
        """Signed contracts per unit for each leg, in leg order (+1 long, -2 short...)."""
        unit = self.quantity
        return tuple(leg.signed_quantity // unit for leg in self.legs)

    @property
    def underlying(self) -> str:
        """The one underlying symbol."""
        return self.legs[0].underlying

    @property
    def family(self) -> str:
        """The underlying family (`S&P 500` for SPY/SPX/XSP), or the underlying itself."""
        return underlying_family(self.underlying)

    @property
    def multiplier(self) -> int:
        """Shares per contract (100 for standard equity options)."""
        return self.legs[0].multiplier

    @property
    def expirations(self) -> tuple[date, ...]:
        """Distinct expirations, earliest first."""
        return tuple(sorted({leg.expiration for leg in self.legs}))

    @property
    def expiration(self) -> date:
        """The earliest expiration (the only one for same-expiration spreads)."""
        return self.expirations[0]

    @property
    def net_premium_per_share(self) -> Decimal:
        """Signed premium per unit per share (C0): credit positive, debit negative."""
        return self.price if self.price_effect is PriceEffect.CREDIT else -self.price

    @property
    def premium_usd(self) -> Decimal:
        """Signed premium of the whole order in dollars: multiplier x quantity x C0."""
        return self.net_premium_per_share * self.multiplier * self.quantity

    @property
    def position_effect(self) -> PositionEffect:
        """Opening, closing, or mixed (a roll), from the leg actions."""
        opening = {leg.action.is_opening for leg in self.legs}
        if opening == {True}:
            return PositionEffect.OPENING
        return PositionEffect.CLOSING if opening == {False} else PositionEffect.MIXED

    @cached_property
    def structure(self) -> Structure:
        """The recognised shape (see `recognize_structure`)."""
        return recognize_structure(self.legs)

    @cached_property
    def proof(self) -> DefinedRiskProof:
        """The defined-risk proof with its evidence."""
        return prove_defined_risk(self.legs, self.premium_usd, profile=self.profile)

    @property
    def is_defined_risk(self) -> bool:
        """True when `proof` holds: covered structurally and bounded by the payoff."""
        return self.proof.defined_risk

    @cached_property
    def profile(self) -> ExpirationProfile | None:
        """The expiration payoff; None when the legs have more than one expiration."""
        if len(self.expirations) > 1:
            return None
        return expiration_profile(self.legs, self.premium_usd)

    @property
    def max_loss_usd(self) -> Decimal | None:
        """Worst loss at expiration before fees (1R); None if unbounded or multi-expiration.

        Zero or negative means the price is at or beyond the width: a data anomaly to refuse.
        """
        return None if self.profile is None else self.profile.max_loss_usd

    @property
    def max_profit_usd(self) -> Decimal | None:
        """Best profit at expiration before fees; None if unbounded or multi-expiration."""
        return None if self.profile is None else self.profile.max_profit_usd

    @property
    def breakevens(self) -> tuple[Decimal, ...]:
        """Expiration breakevens before fees (as tastytrade publishes them)."""
        return () if self.profile is None else self.profile.breakevens

    @property
    def requirement_usd(self) -> Decimal | None:
        """Margin requirement before premium: the worst intrinsic-value loss (CBOE universal
        spread rule); None when unbounded or multi-expiration."""
        if self.profile is None:
            return None
        intrinsic_only = expiration_profile(self.legs, ZERO).max_loss_usd
        return None if intrinsic_only is None else max(intrinsic_only, ZERO)

    def buying_power_usd(self, fees_open_usd: Decimal = ZERO) -> Decimal | None:
        """tastytrade's buying-power effect: requirement - premium + opening fees.

        For every same-expiration defined-risk structure this equals max loss + opening fees
        (uneven iron condors: wider wing minus the full credit). None when not defined-risk.
        The broker's dry-run stays the authority.
        """
        requirement = self.requirement_usd
        if not self.is_defined_risk or requirement is None:
            return None
        return requirement - self.premium_usd + fees_open_usd

    @property
    def risk_width(self) -> Decimal | None:
        """Per-share width at risk of one credit unit: max loss per unit per share + the credit.

        A credit vertical's strike width; an iron condor's wider wing. Used by the credit/width
        filter; None for debit spreads and for unbounded or multi-expiration legs.
        """
        if self.max_loss_usd is None or self.price_effect is PriceEffect.DEBIT:
            return None
        per_unit_share = self.max_loss_usd / (self.multiplier * self.quantity)
        return per_unit_share + self.net_premium_per_share

    def payoff_curve(
        self,
        fees_usd: Decimal = ZERO,
        lower: Decimal | None = None,
        upper: Decimal | None = None,
    ) -> tuple[PayoffPoint, ...]:
        """Points for the expiration P/L chart, net of `fees_usd`, from `lower` to `upper`.

        Defaults span half the lowest strike to 1.5 x the highest; strikes and breakevens inside
        the range are included so the line is exact between points.
        """
        if self.profile is None:
            raise SpreadError("a multi-expiration spread has no expiration payoff to chart")
        strikes = sorted({leg.strike for leg in self.legs})
        low = strikes[0] / 2 if lower is None else lower
        high = strikes[-1] * Decimal("1.5") if upper is None else upper
        if low < 0 or high <= low:
            raise SpreadError(f"chart range {low}..{high} must be increasing and not negative")
        xs = sorted({low, high, *(x for x in (*strikes, *self.breakevens) if low < x < high)})
        return tuple(
            PayoffPoint(underlying_price=x, pl_usd=self.profile.pl_at(x) - fees_usd) for x in xs
        )

    def to_order_legs(self) -> list[dict[str, Any]]:
        """Legs in tastytrade's order JSON shape (`instrument-type`, `symbol`, `quantity`,
        `action`); the order's `price` and `price-effect` are `price` and `price_effect`."""
        return [leg.to_order_leg() for leg in self.legs]

    def with_quantity(self, quantity: int) -> Spread:
        """The same spread scaled to `quantity` units."""
        if quantity <= 0:
            raise SpreadError(f"quantity {quantity} must be a positive number of spreads")
        legs = tuple(
            leg.model_copy(update={"quantity": abs(ratio) * quantity})
            for leg, ratio in zip(self.legs, self.ratios)
        )
        # A new instance, never model_copy: that would carry the cached payoff of the old legs.
        return Spread(legs=legs, price=self.price, price_effect=self.price_effect)

    def with_price(self, price: Decimal, price_effect: PriceEffect | str) -> Spread:
        """The same legs at another price per unit."""
        return Spread(legs=self.legs, price=price, price_effect=price_effect)

    def closing_legs(self) -> tuple[Leg, ...]:
        """The legs of the order that would close this opened spread (prices dropped)."""
        return tuple(
            leg.model_copy(update={"action": leg.action.closing_counterpart, "price": None})
            for leg in self.legs
        )
