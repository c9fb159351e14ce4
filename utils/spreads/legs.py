"""Option legs and the order vocabulary around them: actions, price effects, opening/closing.

Pure Python; strikes and prices are `Decimal` per share (multiply by the leg's multiplier, 100 for
equity options). `SpreadError` is the spreads package's one error for legs and prices that do not
make a spread.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from utils.spreads.symbols import (
    OptionSymbol,
    OptionType,
    parse_occ,
    parse_streamer,
    underlying_for_root,
)

EQUITY_OPTION = "Equity Option"
ZERO = Decimal(0)


class SpreadError(Exception):
    """Legs or prices that do not make a spread; the message names the leg and the field.

    Not a ValueError on purpose: raised inside a pydantic validator it reaches the caller as is.
    """


class LegAction(StrEnum):
    """tastytrade's order-leg actions."""

    BUY_TO_OPEN = "Buy to Open"
    SELL_TO_OPEN = "Sell to Open"
    BUY_TO_CLOSE = "Buy to Close"
    SELL_TO_CLOSE = "Sell to Close"

    @classmethod
    def _missing_(cls, value: object) -> LegAction | None:
        wanted = str(value).strip().replace("_", " ").lower()
        return next((action for action in cls if action.value.lower() == wanted), None)

    @classmethod
    def parse(cls, text: str) -> LegAction:
        """Accept `Sell to Open`, `SELL_TO_OPEN` or `sell to open`."""
        try:
            return cls(text)
        except ValueError:
            raise SpreadError(
                f"leg action {text!r} is not one of {[a.value for a in cls]}"
            ) from None

    @property
    def is_buy(self) -> bool:
        """True for Buy to Open / Buy to Close."""
        return self in (LegAction.BUY_TO_OPEN, LegAction.BUY_TO_CLOSE)

    @property
    def is_opening(self) -> bool:
        """True for the two `to Open` actions."""
        return self in (LegAction.BUY_TO_OPEN, LegAction.SELL_TO_OPEN)

    @property
    def closing_counterpart(self) -> LegAction:
        """The action that closes what this one opened (Sell to Open -> Buy to Close)."""
        return {
            LegAction.BUY_TO_OPEN: LegAction.SELL_TO_CLOSE,
            LegAction.SELL_TO_OPEN: LegAction.BUY_TO_CLOSE,
            LegAction.BUY_TO_CLOSE: LegAction.SELL_TO_OPEN,
            LegAction.SELL_TO_CLOSE: LegAction.BUY_TO_OPEN,
        }[self]


class PriceEffect(StrEnum):
    """Whether the order's price is received (Credit) or paid (Debit), as tastytrade spells it."""

    CREDIT = "Credit"
    DEBIT = "Debit"

    @classmethod
    def _missing_(cls, value: object) -> PriceEffect | None:
        wanted = str(value).strip().lower()
        return next((effect for effect in cls if effect.value.lower() == wanted), None)


class PositionEffect(StrEnum):
    """Whether an order only opens, only closes, or does both (a roll)."""

    OPENING = "opening"
    CLOSING = "closing"
    MIXED = "mixed"


def exact_decimal(value: Decimal | int | str, name: str) -> Decimal:
    """An exact Decimal from a Decimal, int or str; a float or a non-finite number is refused."""
    if isinstance(value, float):
        raise SpreadError(f"{name} must be a Decimal, int or str, not the float {value!r}")
    try:
        result = Decimal(value)
    except ArithmeticError:
        raise SpreadError(f"{name} {value!r} is not a number") from None
    if not result.is_finite():
        raise SpreadError(f"{name} {value!r} is not a finite number")
    return result


class Leg(BaseModel):
    """One option leg of an order or position: contract, action and total contracts."""

    model_config = ConfigDict(frozen=True)

    symbol: OptionSymbol
    action: LegAction
    quantity: int = Field(gt=0)
    underlying: str = ""
    multiplier: int = Field(default=100, gt=0)
    price: Decimal | None = Field(default=None, ge=0)

    @field_validator("symbol", mode="before")
    @classmethod
    def _parse_symbol(cls, value: Any) -> Any:
        if isinstance(value, str):
            return parse_streamer(value) if value.startswith(".") else parse_occ(value)
        return value

    @field_validator("action", mode="before")
    @classmethod
    def _parse_action(cls, value: Any) -> Any:
        return LegAction.parse(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _default_underlying(self) -> Leg:
        if not self.underlying:
            # The model is frozen; this fills a derived default once, during validation.
            object.__setattr__(self, "underlying", underlying_for_root(self.symbol.root))
        return self

    @classmethod
    def from_occ(
        cls,
        occ: str,
        action: LegAction | str,
        quantity: int,
        *,
        underlying: str = "",
        multiplier: int = 100,
        price: Decimal | None = None,
    ) -> Leg:
        """Build a leg from an OCC or streamer symbol string."""
        return cls(
            symbol=occ,
            action=action,
            quantity=quantity,
            underlying=underlying,
            multiplier=multiplier,
            price=price,
        )

    @property
    def occ(self) -> str:
        """The padded 21-character OCC symbol."""
        return self.symbol.occ

    @property
    def option_type(self) -> OptionType:
        """Call or put."""
        return self.symbol.option_type

    @property
    def strike(self) -> Decimal:
        """Strike per share."""
        return self.symbol.strike

    @property
    def expiration(self) -> date:
        """Expiration date."""
        return self.symbol.expiration

    @property
    def sign(self) -> int:
        """+1 for a bought (long) leg, -1 for a sold (short) leg."""
        return 1 if self.action.is_buy else -1

    @property
    def signed_quantity(self) -> int:
        """Contracts, positive when bought and negative when sold."""
        return self.sign * self.quantity

    def intrinsic(self, underlying_price: Decimal) -> Decimal:
        """Intrinsic value per share at expiration: max(S - K, 0) or max(K - S, 0)."""
        if self.option_type is OptionType.CALL:
            return max(underlying_price - self.strike, ZERO)
        return max(self.strike - underlying_price, ZERO)

    def to_order_leg(self) -> dict[str, Any]:
        """The leg as tastytrade's order JSON expects it."""
        return {
            "instrument-type": EQUITY_OPTION,
            "symbol": self.occ,
            "quantity": self.quantity,
            "action": self.action.value,
        }

    def describe(self) -> str:
        """`Sell to Open 1 SPY 2025-01-17 450 P`."""
        return (
            f"{self.action.value} {self.quantity} {self.underlying} {self.expiration} "
            f"{self.strike.normalize():f} {self.option_type.value}"
        )


def merge_legs(legs: Iterable[Leg]) -> tuple[Leg, ...]:
    """Combine fills of the same symbol and action, pricing the result at the weighted average."""
    grouped: dict[tuple[str, LegAction], list[Leg]] = defaultdict(list)
    for leg in legs:
        grouped[(leg.occ, leg.action)].append(leg)
    merged = []
    for group in grouped.values():
        quantity = sum(leg.quantity for leg in group)
        priced = all(leg.price is not None for leg in group)
        price = (
            sum((leg.price * leg.quantity for leg in group), ZERO) / quantity  # type: ignore
            if priced
            else None
        )
        merged.append(group[0].model_copy(update={"quantity": quantity, "price": price}))
    return tuple(merged)
