"""What a journaled spread's legs imply: its structure, its legs as opened, 1R and max profit.

The journal's view of `utils.spreads`: the legs must pass the defined-risk proof
(`utils.spreads.proof`), and 1R is the exact expiration max loss before fees, rounded to the cent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from utils.core.money import round_to_cent
from utils.spreads.legs import Leg, LegAction, PriceEffect, SpreadError
from utils.spreads.spread import Spread
from utils.spreads.structures import Structure as ShapeName
from utils.spreads.symbols import OptionType, SymbolError, parse_occ, underlying_for_root


class Structure(StrEnum):
    """The defined-risk structures the journal knows."""

    VERTICAL = "vertical"
    IRON_CONDOR = "iron_condor"
    IRON_BUTTERFLY = "iron_butterfly"
    BUTTERFLY = "butterfly"
    OTHER = "other_defined_risk"


# The journal's coarse structure for each shape `utils.spreads.structures` recognises; shapes not
# listed (single legs, calendars, ratios with naked shorts...) are either refused by the
# defined-risk proof or journaled as `other_defined_risk`.
STRUCTURE_OF_SHAPE: dict[ShapeName, Structure] = {
    ShapeName.BULL_PUT_CREDIT: Structure.VERTICAL,
    ShapeName.BEAR_CALL_CREDIT: Structure.VERTICAL,
    ShapeName.BULL_CALL_DEBIT: Structure.VERTICAL,
    ShapeName.BEAR_PUT_DEBIT: Structure.VERTICAL,
    ShapeName.IRON_CONDOR: Structure.IRON_CONDOR,
    ShapeName.IRON_BUTTERFLY: Structure.IRON_BUTTERFLY,
    ShapeName.LONG_BUTTERFLY: Structure.BUTTERFLY,
    ShapeName.BROKEN_WING_BUTTERFLY: Structure.BUTTERFLY,
}


class TradeLeg(BaseModel):
    """One option leg of a spread: its OCC symbol, opening action and total contracts.

    `option_type`, `strike` and `expiration` are read from the OCC symbol when omitted, and
    must agree with it when given.
    """

    model_config = ConfigDict(frozen=True)

    occ_symbol: str
    option_type: OptionType
    strike: Decimal
    expiration: date
    action: LegAction
    quantity: int = Field(ge=1)

    @model_validator(mode="before")
    @classmethod
    def _read_occ_symbol(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("occ_symbol"), str):
            return data
        try:
            symbol = parse_occ(data["occ_symbol"].strip().upper())
        except SymbolError as error:
            raise ValueError(str(error)) from None
        filled = {**data, "occ_symbol": symbol.occ}
        from_symbol = {
            "option_type": symbol.option_type,
            "strike": symbol.strike,
            "expiration": symbol.expiration,
        }
        for name, value in from_symbol.items():
            given = data.get(name)
            if given is None or given == "":
                filled[name] = value
            elif str(given).strip().upper() != str(value).upper() and not _same_number(
                given, value
            ):
                raise ValueError(f"{name} {given!r} disagrees with the OCC symbol ({value})")
        if isinstance(data.get("action"), str):
            try:
                filled["action"] = LegAction.parse(data["action"])
            except SpreadError as error:
                raise ValueError(str(error)) from None
        return filled

    @model_validator(mode="after")
    def _opening_action(self) -> TradeLeg:
        if not self.action.is_opening:
            raise ValueError(
                f"leg {self.occ_symbol.strip()} action {self.action.value!r}: a journaled "
                "spread lists how each leg was opened (Buy to Open or Sell to Open)"
            )
        return self

    @property
    def signed_quantity(self) -> int:
        """Contracts held: positive long, negative short."""
        return self.quantity if self.action is LegAction.BUY_TO_OPEN else -self.quantity


def _same_number(given: Any, value: Any) -> bool:
    try:
        return Decimal(str(given)) == Decimal(str(value))
    except ArithmeticError:
        return False


class SpreadRisk(BaseModel):
    """What the legs and entry price imply: the structure, 1R and the max profit."""

    model_config = ConfigDict(frozen=True)

    shape: ShapeName
    structure: Structure
    max_loss_usd: Decimal
    max_profit_usd: Decimal | None


def leg_underlying(occ_symbol: str, trade_underlying: str) -> str:
    """The underlying a leg's own OCC root names (SPXW -> SPX), so each leg is checked.

    An adjusted root (`BRKB1`) names no underlying by itself: only the broker or the CSV does, so
    it is taken to be on `trade_underlying`.
    """
    root = parse_occ(occ_symbol).root
    if root[-1].isdigit():
        return trade_underlying
    return underlying_for_root(root)


def journal_spread(
    legs: tuple[TradeLeg, ...],
    *,
    underlying: str,
    multiplier: int,
    entry_price: Decimal,
    entry_effect: PriceEffect,
) -> Spread:
    """The legs as a `Spread`, each leg on the underlying its own OCC root names (`leg_underlying`);
    ValueError with the reason when they are no position on one underlying at all."""
    try:
        return Spread(
            legs=tuple(
                Leg(
                    symbol=leg.occ_symbol,
                    action=leg.action,
                    quantity=leg.quantity,
                    underlying=leg_underlying(leg.occ_symbol, underlying),
                    multiplier=multiplier,
                )
                for leg in legs
            ),
            price=entry_price,
            price_effect=entry_effect,
        )
    except (SpreadError, SymbolError) as error:
        raise ValueError(str(error)) from None


def spread_risk(
    legs: tuple[TradeLeg, ...],
    *,
    underlying: str,
    multiplier: int,
    entry_price: Decimal,
    entry_effect: PriceEffect,
) -> SpreadRisk:
    """Recognise the structure, prove it defined-risk and compute its max loss and profit.

    Uses `utils.spreads.spread` (the exact expiration payoff, before fees). Each leg is on the
    underlying its own OCC symbol names, so legs on two underlyings fail the proof. Raises
    ValueError with a sentence a trader can act on when the legs are not a defined-risk spread.
    """
    spread = journal_spread(
        legs,
        underlying=underlying,
        multiplier=multiplier,
        entry_price=entry_price,
        entry_effect=entry_effect,
    )
    try:
        proof = spread.proof
    except (SpreadError, SymbolError) as error:
        raise ValueError(str(error)) from None
    if not proof.defined_risk:
        raise ValueError(f"the legs are not a defined-risk spread: {proof.sentence}")
    if spread.underlying != underlying:
        raise ValueError(
            f"the legs are on {spread.underlying}, the trade's underlying is {underlying}"
        )
    max_loss = proof.max_loss_usd  # the proof's expiration payoff: one computation, not two
    if max_loss is None or max_loss <= 0:
        raise ValueError(
            f"an entry {entry_effect.value.lower()} of {entry_price} is at or beyond the "
            "spread's width (max loss <= 0): check the price, it looks like a data error"
        )
    shape = spread.structure
    max_profit = spread.max_profit_usd
    return SpreadRisk(
        shape=shape,
        structure=STRUCTURE_OF_SHAPE.get(shape, Structure.OTHER),
        max_loss_usd=round_to_cent(max_loss),
        max_profit_usd=round_to_cent(max_profit) if max_profit and max_profit > 0 else None,
    )
