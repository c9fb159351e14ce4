"""The order ticket's form: from what a trader types to a `Spread`, with errors that name a field.

The structure menu (which strikes each structure needs, and its price effect) is
`utils.spreads.ticket_structures`. A custom spread takes its legs as text: "+1 P 520, -2 P 525,
+1 P 535" (signed ratio, C or P, strike; up to 4 legs).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from utils.core.money import MoneyFormatError, parse_usd_text
from utils.spreads.builders import LegSpec
from utils.spreads.legs import Leg, SpreadError
from utils.spreads.spread import Spread
from utils.spreads.symbols import OptionType
from utils.spreads.ticket_structures import MAX_CUSTOM_LEGS, STRUCTURES, StructureChoice

__all__ = ["STRUCTURES", "StructureChoice", "TicketError", "build_ticket_spread", "parse_amount"]
QUANTITY_RULE = "must be a whole number of at least 1"
_LEG = re.compile(r"^([+-])\s*(\d*)\s*(C|P|CALL|PUT)\s*(\S+)$", re.IGNORECASE)
_WHOLE = re.compile(r"^[0-9]+(\.0*)?$")
PLACEHOLDER_PRICE = Decimal("0.01")

# A ticket's quantity above this is a typing slip, not an order (the ladder caps are far lower).
MAX_TICKET_CONTRACTS = 1_000


class TicketError(ValueError):
    """A ticket field a trader must fix; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def _decimal(field: str, text: str | float | int | None) -> Decimal:
    """A strike or price in the one number format (`parse_usd_text`), above 0."""
    try:
        value = parse_usd_text(str(text))
    except MoneyFormatError as error:
        raise TicketError(field, str(error)) from None
    if value <= 0:
        raise TicketError(field, "must be a number above 0")
    return value


def parse_amount(field: str, text: str | float | None, *, required: bool = False) -> Decimal | None:
    """An amount a trader typed ("1.20", "-$1,234.56"), None when left blank; TicketError naming
    the field and why (`parse_usd_text`'s one format)."""
    if text is None or str(text).strip() == "":
        if required:
            raise TicketError(field, "enter an amount")
        return None
    try:
        return parse_usd_text(str(text))
    except MoneyFormatError as error:
        raise TicketError(field, str(error)) from None


def parse_strikes(text: str, expected: int) -> list[Decimal]:
    """Strikes typed as "445, 450" (increasing), exactly `expected` of them."""
    parts = [p for p in str(text or "").replace(";", ",").replace(" ", ",").split(",") if p]
    if len(parts) != expected:
        raise TicketError("strikes", f"expected {expected} strikes, got {len(parts)}")
    strikes = [_decimal("strikes", part) for part in parts]
    if strikes != sorted(set(strikes)):
        raise TicketError("strikes", "strikes must be distinct and in increasing order")
    return strikes


def parse_legs(text: str) -> list[LegSpec]:
    """Custom legs typed as "+1 P 520, -2 P 525, +1 P 535": signed ratio, C or P, strike."""
    parts = [p.strip() for p in str(text or "").replace(";", ",").split(",") if p.strip()]
    if not 1 <= len(parts) <= MAX_CUSTOM_LEGS:
        raise TicketError("legs", f"enter 1 to {MAX_CUSTOM_LEGS} legs such as +1 P 520, -1 P 525")
    legs: list[LegSpec] = []
    for part in parts:
        found = _LEG.match(part)
        if found is None:
            raise TicketError(
                "legs", f"{part!r} is not a leg: write the sign, ratio, C or P and the strike"
            )
        sign, count, kind, strike = found.groups()
        ratio = int(count or 1) * (1 if sign == "+" else -1)
        if ratio == 0:
            raise TicketError("legs", f"{part!r}: the ratio must be at least 1")
        legs.append((OptionType(kind[0].upper()), _decimal("legs", strike), ratio))
    contracts = [(kind, strike) for kind, strike, _ in legs]
    if len(set(contracts)) != len(contracts):
        raise TicketError("legs", "each option may appear in one leg only")
    return legs


def _quantity(quantity: int | str | None) -> int:
    """A whole number of spreads from 1 to MAX_TICKET_CONTRACTS ("2", 2 or 2.0; never "1e3")."""
    text = "" if quantity is None else str(quantity).strip()
    if not _WHOLE.match(text) or int(text.split(".")[0]) < 1:
        raise TicketError("quantity", QUANTITY_RULE)
    contracts = int(text.split(".")[0])
    if contracts > MAX_TICKET_CONTRACTS:
        raise TicketError(
            "quantity", f"{contracts:,} is above {MAX_TICKET_CONTRACTS:,} contracts per ticket"
        )
    return contracts


def _expiration(expiration: date | str | None) -> date:
    if isinstance(expiration, date):
        return expiration
    try:
        return date.fromisoformat(str(expiration))
    except ValueError:
        raise TicketError("expiration", f"{expiration!r} is not a date (YYYY-MM-DD)") from None


def _build(
    choice: StructureChoice, builder, symbol: str, expiry: date, strikes: str, price, contracts
) -> Spread:
    shape = parse_legs(strikes) if choice.custom else parse_strikes(strikes, len(choice.strikes))
    try:
        return builder(symbol, expiry, shape, price, contracts)
    except SpreadError as error:
        raise TicketError("legs" if choice.custom else "strikes", str(error)) from None


def _structure(structure: str | None) -> tuple[StructureChoice, object]:
    if structure not in STRUCTURES:
        raise TicketError("structure", f"unknown structure {structure!r}")
    return STRUCTURES[structure]


def _symbol(underlying: str | None) -> str:
    symbol = str(underlying or "").strip().upper()
    if not symbol:
        raise TicketError("underlying", "enter a symbol such as SPY")
    return symbol


def ticket_legs(
    *, underlying: str, structure: str, expiration: date | str | None, strikes: str
) -> tuple[Leg, ...]:
    """The legs (one unit) a ticket describes, before any price: what the quotes are read for."""
    choice, builder = _structure(structure)
    spread = _build(
        choice,
        builder,
        _symbol(underlying),
        _expiration(expiration),
        strikes,
        PLACEHOLDER_PRICE,
        1,
    )
    return spread.legs


def build_ticket_spread(
    *,
    underlying: str,
    structure: str,
    expiration: date | str | None,
    strikes: str,
    quantity: int | str | None,
    limit_price: str | float | None,
) -> Spread:
    """Build the spread a ticket describes; raises TicketError naming the field to fix."""
    symbol = _symbol(underlying)
    choice, builder = _structure(structure)
    expiry = _expiration(expiration)
    contracts = _quantity(quantity)
    price = _decimal("limit price", limit_price)
    return _build(choice, builder, symbol, expiry, strikes, price, contracts)
