"""Money: dollars as `Decimal`, stored as integer cents, rounded half-up to the cent, and written.

One place for each money habit: `to_cents`/`from_cents` (the journal stores cents),
`cents_as_float_usd` (float dollars for statistics and charts only, never for a decision),
`round_to_cent` (half-up: 0.005 -> 0.01, -0.005 -> -0.01), and three ways to write an amount:
`usd` for a person (`-$1,234.56`), `plain_usd` for a CSV cell or evidence (`-1234.56`), and
`exact_usd` where rounding could hide a breach of a cap (`102.302`); and one way to read an
amount a file or a person wrote, `parse_usd_text`, in one documented format (`-$1,234.56`).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")

# The one number format read from files and forms: an optional minus, an optional dollar sign,
# digits (thousands separators only as commas between groups of exactly three), an optional
# decimal point and decimals. `-1,234.56`, `$80`, `.95`. Anything else is refused, never guessed.
NUMBER_FORMAT = "-1,234.56"
MAX_INTEGER_DIGITS = 12  # below a trillion dollars: larger is a data error, not an amount
MAX_DECIMALS = 6
_USD_TEXT = re.compile(r"(-?)\$?(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d+))?")


class MoneyFormatError(ValueError):
    """A number not written in the one format (`-1,234.56`): the text and why it is refused."""

    def __init__(self, text: str, why: str) -> None:
        super().__init__(f"{text[:40]!r} is not a number: {why}")
        self.text = text
        self.why = why


def _why_not_a_number(value: str) -> str:
    """Why a cell is not in the format, naming the habit it looks like."""
    if not value:
        return "the cell is empty"
    if "_" in value:
        return f"underscores are not digit separators (write {NUMBER_FORMAT})"
    if "(" in value or ")" in value:
        return f"parentheses are not a sign (write {NUMBER_FORMAT})"
    if re.fullmatch(r"[-+$\d.,]*\d[eE][-+]?\d+", value):
        return f"exponent notation is not accepted (write {NUMBER_FORMAT})"
    if "," in value and re.fullmatch(r"-?\$?[\d,]+(\.\d+)?", value):
        return (
            "a comma only separates groups of three digits before the decimal point "
            f"(write {NUMBER_FORMAT})"
        )
    return f"numbers are written in the format {NUMBER_FORMAT}"


def parse_usd_text(text: str) -> Decimal:
    """The amount in `text`, written as `-1,234.56` (optional `$`, commas only between groups of
    three digits); MoneyFormatError saying why for anything else (`80,00`, `1_000`, `1e400`)."""
    value = text.strip()
    found = _USD_TEXT.fullmatch(value)
    if found is None or not (found.group(2) or found.group(3)):
        raise MoneyFormatError(text, _why_not_a_number(value))
    sign, whole, decimals = found.group(1), found.group(2).replace(",", ""), found.group(3)
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise MoneyFormatError(text, f"at most {MAX_INTEGER_DIGITS} digits before the point")
    if decimals is not None and len(decimals) > MAX_DECIMALS:
        raise MoneyFormatError(text, f"at most {MAX_DECIMALS} decimals")
    fraction = f".{decimals}" if decimals is not None else ""
    return Decimal(f"{sign}{whole or '0'}{fraction}")


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
