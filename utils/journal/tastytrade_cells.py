"""The cells of tastytrade's transaction-history CSV, each read and checked (`tastytrade_csv`).

Each reader raises `CellError` naming the column and why; `Cells` collects every bad cell of a
row instead of stopping at the first. Cells repeat across an export (a spread's legs share a
time, a contract recurs, fees and prices recur), so the pure readers parse each distinct text
once.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from utils.core.money import CENT, MoneyFormatError, parse_usd_text
from utils.core.sessions import to_utc
from utils.spreads.legs import LegAction, SpreadError
from utils.spreads.symbols import OptionSymbol, SymbolError, parse_occ

NO_AMOUNT = "--"
# An opening is refused more than this many years before the option's expiration (LEAPS run
# to about 3 years; a 1970 open of a 2025 option is a broken date, not a trade) or after it.
MAX_YEARS_BEFORE_EXPIRATION = 4
ORDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")
# Cells repeat across an export (a spread's legs share a time, a contract recurs, fees and
# prices recur): each distinct cell text is parsed once. The parsers are pure and their results
# immutable; a refused cell raises again each time (errors are not cached).
CELL_CACHE = 65_536


class CellError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


class RowError(Exception):
    """Every bad cell of one row, and the row's Order # cell (to skip its whole order)."""

    def __init__(self, errors: list[CellError], order_text: str) -> None:
        super().__init__("bad row")
        self.errors = errors
        self.order_text = order_text.strip()


def number_cell(column: str, text: str, *, required: bool = True) -> Decimal:
    value = text.strip()
    if value in ("", NO_AMOUNT):
        if required and value == "":
            raise CellError(column, "is empty")
        return Decimal(0)
    try:
        return _usd(value)
    except MoneyFormatError as error:
        raise CellError(column, str(error)) from None


@lru_cache(maxsize=CELL_CACHE)
def _usd(text: str) -> Decimal:
    return parse_usd_text(text)


def debit_cell(column: str, text: str) -> Decimal:
    """A Commissions or Fees cell: a debit, so negative or zero (`--` for none)."""
    number = number_cell(column, text, required=False)
    if number > 0:
        raise CellError(
            column,
            f"{text.strip()[:40]!r} is positive: fees are debits (negative or zero) in this "
            "export, and a positive fee would add to P&L",
        )
    return number


def whole_cell(column: str, text: str) -> int:
    number = number_cell(column, text)
    if number != number.to_integral_value() or number < 0:
        raise CellError(column, f"{text.strip()[:40]!r} is not a whole number of contracts")
    return int(number)


@lru_cache(maxsize=CELL_CACHE)
def timestamp_cell(text: str) -> datetime:
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CellError(
            "Date", f"{value[:40]!r} is not a date like 2024-08-16T15:57:13+0200"
        ) from None
    if moment.utcoffset() is None:
        raise CellError("Date", f"{value[:40]!r} has no UTC offset")
    try:
        return to_utc(moment)
    except ValueError as error:
        raise CellError("Date", str(error)) from None


class Cells:
    """Reads one row's cells, collecting every bad cell instead of stopping at the first."""

    def __init__(self, cells: dict[str, str]) -> None:
        self.cells = cells
        self.errors: list[CellError] = []

    def read(self, parse, *args):  # type: ignore[no-untyped-def]
        """`parse(*args)`, or None with the cell's error kept."""
        try:
            return parse(*args)
        except CellError as error:
            self.errors.append(error)
            return None

    def fail(self, column: str, message: str) -> None:
        """Keep one more bad cell."""
        self.errors.append(CellError(column, message))


@lru_cache(maxsize=CELL_CACHE)
def option_cell(symbol: str) -> OptionSymbol:
    try:
        return parse_occ(symbol.upper())
    except SymbolError as error:
        raise CellError("Symbol", str(error)) from None


@lru_cache(maxsize=CELL_CACHE)
def action_cell(text: str) -> LegAction | None:
    if not text.strip():
        return None
    try:
        return LegAction.parse(text)
    except SpreadError as error:
        raise CellError("Action", str(error)) from None


def order_id_cell(text: str) -> str | None:
    value = text.strip()
    if not value:
        return None
    if not ORDER_ID.fullmatch(value):
        raise CellError(
            "Order #",
            f"{value[:40]!r} is not a broker order number (letters, digits and '-', at most 40)",
        )
    return value


def value_cell(text: str, action: LegAction | None) -> Decimal:
    """The Value cell: required (`--` is no amount, refused), its sign agreeing with the action."""
    if text.strip() == NO_AMOUNT:
        raise CellError("Value", "is '--' (no amount): a row's Value is never guessed as $0")
    value = number_cell("Value", text)
    if action is not None and value != 0 and (value < 0) != action.is_buy:
        side = "a debit (negative)" if action.is_buy else "a credit (positive)"
        raise CellError(
            "Value", f"{text.strip()[:40]!r} contradicts {action.value}, which is {side}"
        )
    return value


def check_average(cells: Cells, value: Decimal, quantity: int) -> None:
    """Value = Quantity x Average Price (per contract, multiplier included) within a cent."""
    text = cells.cells.get("Average Price", "").strip()
    if text in ("", NO_AMOUNT):
        return
    average = cells.read(number_cell, "Average Price", text)
    if average is None:
        return
    expected = average * quantity
    if abs(expected - value) > CENT:
        cells.fail(
            "Value",
            f"{value} is not Quantity x Average Price ({quantity} x {average} = {expected}, "
            "within a cent)",
        )


def open_date_problem(option: OptionSymbol, opened: date) -> str | None:
    """Why an opening in session `opened` is refused, or None: an opening trade happens on or
    before the option's expiration, at most MAX_YEARS_BEFORE_EXPIRATION years before it."""
    earliest = option.expiration.replace(year=option.expiration.year - MAX_YEARS_BEFORE_EXPIRATION)
    if opened > option.expiration:
        return f"opens {option.occ.strip()} on {opened}, after it expired"
    if opened < earliest:
        return (
            f"opens {option.occ.strip()} on {opened}, more than {MAX_YEARS_BEFORE_EXPIRATION} "
            f"years before its {option.expiration} expiration"
        )
    return None
