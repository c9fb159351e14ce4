"""Money: dollars as `Decimal`, stored as integer cents, rounded half-up to the cent, and written.

One place for each money habit: `to_cents`/`from_cents` (the journal stores cents),
`cents_as_float_usd` (float dollars for statistics and charts only, never for a decision),
`round_to_cent` (half-up: 0.005 -> 0.01, -0.005 -> -0.01), and three ways to write an amount:
`usd` for a person (`-$1,234.56`), `plain_usd` for a CSV cell or evidence (`-1234.56`), and
`exact_usd` where rounding could hide a breach of a cap (`102.302`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")


def round_to_cent(amount_usd: Decimal) -> Decimal:
    """The amount rounded half-up (away from zero at exactly half a cent) to whole cents."""
    return amount_usd.quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount_usd: Decimal) -> int:
    """Integer cents of a dollar amount, rounded half-up: Decimal("-1.235") -> -124."""
    return int(round_to_cent(amount_usd).scaleb(2))


def from_cents(cents: int) -> Decimal:
    """Dollars with two decimals from integer cents: -12345 -> Decimal("-123.45")."""
    return Decimal(cents).scaleb(-2)


def cents_as_float_usd(cents: Any) -> Any:
    """Float dollars from integer cents (an int or a pandas/numpy column): cents / 100.

    For statistics and charts over many trades, where floats are fine; decisions use Decimal.
    """
    return cents / 100


def usd(amount_usd: Decimal) -> str:
    """For a person: sign, dollar sign, thousands separators and cents (`-$1,234.56`)."""
    cents = round_to_cent(amount_usd)
    return f"{'-' if cents < 0 else ''}${abs(cents):,.2f}"


def plain_usd(amount_usd: Decimal) -> str:
    """For a CSV cell or evidence: `-1234.56`; a nonzero amount that would read 0.00 keeps
    every digit (`0.004`), so a tiny edge is never written as none."""
    cents = round_to_cent(amount_usd)
    if cents == 0 and amount_usd != 0:
        return f"{amount_usd.normalize():f}"
    return f"{cents:f}"


def exact_usd(amount_usd: Decimal) -> str:
    """Cents when the amount is whole cents (`102.30`), otherwise every digit (`102.302`), for
    an amount compared with a cap, where rounding could make a breach look like a tie."""
    cents = round_to_cent(amount_usd)
    return f"{cents:f}" if cents == amount_usd else f"{amount_usd.normalize():f}"
