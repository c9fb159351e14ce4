"""The order ticket's form: from what a trader types to a `Spread`, with errors that name a field.

Strikes are typed in increasing order; each structure says which strikes it needs:

| key | structure | strikes (increasing) | price |
|---|---|---|---|
| bull_put | bull put credit vertical | long put, short put | credit |
| bear_call | bear call credit vertical | short call, long call | credit |
| bull_call | bull call debit vertical | long call, short call | debit |
| bear_put | bear put debit vertical | short put, long put | debit |
| iron_condor | iron condor | long put, short put, short call, long call | credit |
| iron_butterfly | iron butterfly | long put, center, long call | credit |
| call_butterfly / put_butterfly | long butterfly | lower, middle, upper | debit |
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from utils.core.money import MoneyFormatError, parse_usd_text
from utils.spreads.builders import (
    bear_call_credit,
    bear_put_debit,
    bull_call_debit,
    bull_put_credit,
    iron_butterfly,
    iron_condor,
    long_butterfly,
)
from utils.spreads.legs import SpreadError
from utils.spreads.spread import Spread
from utils.spreads.symbols import OptionType

# A ticket's quantity above this is a typing slip, not an order (the ladder caps are far lower).
MAX_TICKET_CONTRACTS = 1_000


class TicketError(ValueError):
    """A ticket field a trader must fix; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class StructureChoice(BaseModel):
    """One entry of the ticket's structure menu."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    strikes: tuple[str, ...]
    price_effect: str


def _vertical(builder: Callable[..., Spread], swap: bool) -> Callable[..., Spread]:
    def build(underlying, expiration, strikes, price, quantity):
        low, high = strikes
        first, second = (high, low) if swap else (low, high)
        return builder(underlying, expiration, first, second, price, quantity)

    return build


def _butterfly(option_type: OptionType) -> Callable[..., Spread]:
    def build(underlying, expiration, strikes, price, quantity):
        return long_butterfly(underlying, expiration, option_type, *strikes, price, quantity)

    return build


STRUCTURES: dict[str, tuple[StructureChoice, Callable[..., Spread]]] = {
    choice.key: (choice, builder)
    for choice, builder in (
        (
            StructureChoice(
                key="bull_put",
                label="Bull put credit spread",
                strikes=("long put", "short put"),
                price_effect="Credit",
            ),
            _vertical(bull_put_credit, swap=True),
        ),
        (
            StructureChoice(
                key="bear_call",
                label="Bear call credit spread",
                strikes=("short call", "long call"),
                price_effect="Credit",
            ),
            _vertical(bear_call_credit, swap=False),
        ),
        (
            StructureChoice(
                key="bull_call",
                label="Bull call debit spread",
                strikes=("long call", "short call"),
                price_effect="Debit",
            ),
            _vertical(bull_call_debit, swap=False),
        ),
        (
            StructureChoice(
                key="bear_put",
                label="Bear put debit spread",
                strikes=("short put", "long put"),
                price_effect="Debit",
            ),
            _vertical(bear_put_debit, swap=True),
        ),
        (
            StructureChoice(
                key="iron_condor",
                label="Iron condor",
                strikes=("long put", "short put", "short call", "long call"),
                price_effect="Credit",
            ),
            lambda u, e, s, p, q: iron_condor(u, e, *s, p, q),
        ),
        (
            StructureChoice(
                key="iron_butterfly",
                label="Iron butterfly",
                strikes=("long put", "center", "long call"),
                price_effect="Credit",
            ),
            lambda u, e, s, p, q: iron_butterfly(u, e, *s, p, q),
        ),
        (
            StructureChoice(
                key="call_butterfly",
                label="Long call butterfly",
                strikes=("lower", "middle", "upper"),
                price_effect="Debit",
            ),
            _butterfly(OptionType.CALL),
        ),
        (
            StructureChoice(
                key="put_butterfly",
                label="Long put butterfly",
                strikes=("lower", "middle", "upper"),
                price_effect="Debit",
            ),
            _butterfly(OptionType.PUT),
        ),
    )
}


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
    symbol = str(underlying or "").strip().upper()
    if not symbol:
        raise TicketError("underlying", "enter a symbol such as SPY")
    if structure not in STRUCTURES:
        raise TicketError("structure", f"unknown structure {structure!r}")
    choice, builder = STRUCTURES[structure]
    try:
        expiry = expiration if isinstance(expiration, date) else date.fromisoformat(str(expiration))
    except ValueError:
        raise TicketError("expiration", f"{expiration!r} is not a date (YYYY-MM-DD)") from None
    try:
        contracts = int(str(quantity))
    except ValueError:
        raise TicketError("quantity", f"{quantity!r} is not a whole number") from None
    if contracts < 1:
        raise TicketError("quantity", "must be at least 1")
    if contracts > MAX_TICKET_CONTRACTS:
        raise TicketError(
            "quantity", f"{contracts:,} is above {MAX_TICKET_CONTRACTS:,} contracts per ticket"
        )
    price = _decimal("limit price", limit_price)
    parsed = parse_strikes(strikes, len(choice.strikes))
    try:
        return builder(symbol, expiry, parsed, price, contracts)
    except SpreadError as error:
        raise TicketError("strikes", str(error)) from None
