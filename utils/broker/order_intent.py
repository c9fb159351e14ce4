"""An order the trader wants to send, and the account state it is checked against.

`OrderIntent` is the spread (legs, quantity, limit price, effect) with a client order id and,
once the broker priced it, the dry-run's answer; `OpenPosition`, `RecentOrder` and `Quote` are
what is open, what was sent lately and the market, as the pre-trade checks read them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from utils.spreads.families import underlying_family
from utils.spreads.legs import Leg, PositionEffect
from utils.spreads.spread import Spread


class Quote(BaseModel):
    """A leg's current bid and ask per share."""

    model_config = ConfigDict(frozen=True)

    bid: Decimal = Field(ge=0)
    ask: Decimal = Field(ge=0)

    @model_validator(mode="after")
    def _not_crossed(self) -> Quote:
        if self.ask < self.bid:
            raise ValueError(f"quote is crossed: ask {self.ask} is below bid {self.bid}")
        return self

    @property
    def width(self) -> Decimal:
        """Ask minus bid."""
        return self.ask - self.bid


class OpenPosition(BaseModel):
    """One open spread: its underlying, its max loss (1R, ideally fee-aware) and its legs.

    The legs are needed only to verify closing orders against what is really open.
    """

    model_config = ConfigDict(frozen=True)

    position_id: str
    underlying: str
    max_loss_usd: Decimal = Field(ge=0)
    legs: tuple[Leg, ...] = ()

    @classmethod
    def from_spread(
        cls, position_id: str, spread: Spread, max_loss_usd: Decimal | None = None
    ) -> OpenPosition:
        """An open position from the spread that opened it (max loss defaults to the spread's)."""
        risk = spread.max_loss_usd if max_loss_usd is None else max_loss_usd
        if risk is None:
            raise ValueError(f"position {position_id} has no finite max loss: pass max_loss_usd")
        return cls(
            position_id=position_id,
            underlying=spread.underlying,
            max_loss_usd=risk,
            legs=spread.legs,
        )

    @property
    def family(self) -> str:
        """The underlying family it counts in."""
        return underlying_family(self.underlying)


class RecentOrder(BaseModel):
    """An order already sent (or attempted): for the duplicate and rate-limit checks."""

    model_config = ConfigDict(frozen=True)

    client_order_id: str
    submitted_at: datetime
    fingerprint: str = ""


class OrderIntent(BaseModel):
    """What the trader wants to send: the spread (legs, quantity, limit price and effect), a
    client order id and its time in force; optionally the broker dry-run's `data` object, whose
    fees are preferred."""

    model_config = ConfigDict(frozen=True)

    spread: Spread
    client_order_id: str = Field(min_length=1)
    dry_run: dict[str, Any] | None = None
    time_in_force: Literal["Day", "GTC"] = "Day"  # GTC: a resting exit such as a profit target

    @property
    def quantity(self) -> int:
        """Spread units."""
        return self.spread.quantity

    @property
    def limit_price(self) -> Decimal:
        """Limit price per share per unit."""
        return self.spread.price

    @property
    def position_effect(self) -> PositionEffect:
        """Opening, closing or mixed, from the leg actions."""
        return self.spread.position_effect

    @property
    def fingerprint(self) -> str:
        """The order's content (legs, price, effect), independent of the client order id."""
        legs = sorted(f"{leg.action.value} {leg.quantity} {leg.occ}" for leg in self.spread.legs)
        until = "" if self.time_in_force == "Day" else f" {self.time_in_force}"
        return (
            f"{' | '.join(legs)} @ {self.spread.price.normalize():f} "
            f"{self.spread.price_effect}{until}"
        )

    def recorded(self, submitted_at: datetime) -> RecentOrder:
        """This intent as a `RecentOrder`, for the next order's checks."""
        return RecentOrder(
            client_order_id=self.client_order_id,
            submitted_at=submitted_at,
            fingerprint=self.fingerprint,
        )
