"""tastytrade's transaction-history CSV (the web platform's export), parsed into typed rows.

Formats accepted (research tastytrade_api.md section 8.2): the 21-column header (with `Total`),
the 20-column one, and the 2023-era 18-column one (no `Sub Type`). The legacy 15-column
tastyworks export is refused with a hint. Dates carry an offset (`+0200`), Value is signed
(credit positive), Commissions and Fees are negative costs (`--` means none), Quantity is
unsigned, Symbol is the padded OCC symbol. Every row has a key (UTC time, order, symbol, sub
type, quantity, value), so overlapping exports import each fill once
(`utils.journal.tastytrade_plan` turns the rows into spreads).

Every bad cell of every row is named (line, column, value, why), never only the first, and
nothing is guessed: Value `--`, a Value whose sign contradicts the action or that is not
Quantity x Average Price within a cent, an `Order #` that is no order number (`=1+1`), one
`Order #` on two sessions, an opening after the option's expiration or more than
MAX_YEARS_BEFORE_EXPIRATION years before it are errors. The `Order #` of a bad row is kept
(`TastyCsv.bad_orders`) so importing the good orders skips that order whole.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

from utils.core.money import CENT, MoneyFormatError, parse_usd_text
from utils.core.prevalidated import build_validated, field_names
from utils.core.sessions import session_of, to_utc
from utils.journal.cockpit_csv_cells import SessionMemo
from utils.journal.import_report import ImportIssue
from utils.journal.import_text import csv_records
from utils.spreads.legs import LegAction, SpreadError
from utils.spreads.symbols import OptionSymbol, SymbolError, parse_occ, underlying_for_root

HEADER_21 = (
    "Date,Type,Sub Type,Action,Symbol,Instrument Type,Description,Value,Quantity,Average Price,"
    "Commissions,Fees,Multiplier,Root Symbol,Underlying Symbol,Expiration Date,Strike Price,"
    "Call or Put,Order #,Total,Currency"
).split(",")
HEADER_20 = [name for name in HEADER_21 if name != "Total"]
HEADER_18 = [name for name in HEADER_20 if name not in ("Sub Type", "Currency")]
LEGACY_TASTYWORKS_HEADER = (
    "Date/Time,Transaction Code,Transaction Subcode,Symbol,Buy/Sell,Open/Close,Quantity,"
    "Expiration Date,Strike,Call/Put,Price,Fees,Amount,Description,Account Reference"
).split(",")
KNOWN_HEADERS = {"21-column": HEADER_21, "20-column": HEADER_20, "18-column": HEADER_18}
OPTION_INSTRUMENTS = frozenset({"Equity Option", "Index Option"})
STOCK_INSTRUMENTS = frozenset({"Equity"})
NO_AMOUNT = "--"
SOURCE = "tastytrade_csv"
# An opening is refused more than this many years before the option's expiration (LEAPS run
# to about 3 years; a 1970 open of a 2025 option is a broken date, not a trade) or after it.
MAX_YEARS_BEFORE_EXPIRATION = 4
ORDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")
# Cells repeat across an export (a spread's legs share a time, a contract recurs, fees and
# prices recur): each distinct cell text is parsed once. The parsers are pure and their results
# immutable; a refused cell raises again each time (errors are not cached).
CELL_CACHE = 65_536


class RowKind(StrEnum):
    """What a CSV row means to the journal."""

    OPTION_TRADE = "option_trade"
    EXPIRATION = "expiration"
    ASSIGNMENT = "assignment"
    EXERCISE = "exercise"
    CASH_SETTLEMENT = "cash_settlement"
    STOCK_DELIVERY = "stock_delivery"
    UNKNOWN_EVENT = "unknown_event"  # a Receive Deliver of an option with a sub type not known
    IGNORED = "ignored"


class TastyRow(BaseModel):
    """One parsed row that matters to the journal (others are only counted)."""

    model_config = ConfigDict(frozen=True)

    line: int
    key: str
    kind: RowKind
    executed_at: datetime
    sub_type: str
    action: LegAction | None
    symbol: str
    underlying: str
    value: Decimal
    quantity: int
    fees: Decimal  # commissions + fees as a positive cost
    multiplier: int
    order_id: str | None
    option: OptionSymbol | None


_ROW_FIELDS = field_names(TastyRow)  # shared by every row (`utils.core.prevalidated`)


class TastyCsv(BaseModel):
    """A parsed export: relevant rows oldest first, problems by line, and the ignored count."""

    model_config = ConfigDict(frozen=True)

    header: str
    rows: tuple[TastyRow, ...] = ()
    errors: tuple[ImportIssue, ...] = ()
    fatal: bool = False
    ignored_rows: int = 0
    bad_orders: frozenset[str] = frozenset()  # Order # cells of bad rows: skipped whole


class _CellError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


class _RowError(Exception):
    """Every bad cell of one row, and the row's Order # cell (to skip its whole order)."""

    def __init__(self, errors: list[_CellError], order_text: str) -> None:
        super().__init__("bad row")
        self.errors = errors
        self.order_text = order_text.strip()


def _number(column: str, text: str, *, required: bool = True) -> Decimal:
    value = text.strip()
    if value in ("", NO_AMOUNT):
        if required and value == "":
            raise _CellError(column, "is empty")
        return Decimal(0)
    try:
        return _usd(value)
    except MoneyFormatError as error:
        raise _CellError(column, str(error)) from None


@lru_cache(maxsize=CELL_CACHE)
def _usd(text: str) -> Decimal:
    return parse_usd_text(text)


def _debit(column: str, text: str) -> Decimal:
    """A Commissions or Fees cell: a debit, so negative or zero (`--` for none)."""
    number = _number(column, text, required=False)
    if number > 0:
        raise _CellError(
            column,
            f"{text.strip()[:40]!r} is positive: fees are debits (negative or zero) in this "
            "export, and a positive fee would add to P&L",
        )
    return number


def _whole(column: str, text: str) -> int:
    number = _number(column, text)
    if number != number.to_integral_value() or number < 0:
        raise _CellError(column, f"{text.strip()[:40]!r} is not a whole number of contracts")
    return int(number)


@lru_cache(maxsize=CELL_CACHE)
def _timestamp(text: str) -> datetime:
    value = text.strip()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _CellError(
            "Date", f"{value[:40]!r} is not a date like 2024-08-16T15:57:13+0200"
        ) from None
    if moment.utcoffset() is None:
        raise _CellError("Date", f"{value[:40]!r} has no UTC offset")
    try:
        return to_utc(moment)
    except ValueError as error:
        raise _CellError("Date", str(error)) from None


def _event_kind(sub_type: str, description: str) -> RowKind | None:
    text = f"{sub_type} {description}".lower()
    if "cash settled" in text:
        return RowKind.CASH_SETTLEMENT
    for word, kind in (
        ("expiration", RowKind.EXPIRATION),
        ("assignment", RowKind.ASSIGNMENT),
        ("exercise", RowKind.EXERCISE),
    ):
        if word in text:
            return kind
    return None


def _classify(cells: dict[str, str]) -> RowKind:
    row_type = cells.get("Type", "").strip()
    instrument = cells.get("Instrument Type", "").strip()
    if instrument in OPTION_INSTRUMENTS:
        if row_type == "Trade":
            return RowKind.OPTION_TRADE
        if row_type == "Receive Deliver":
            kind = _event_kind(cells.get("Sub Type", ""), cells.get("Description", ""))
            return kind or RowKind.UNKNOWN_EVENT
    if instrument in STOCK_INSTRUMENTS and row_type == "Receive Deliver":
        return RowKind.STOCK_DELIVERY
    return RowKind.IGNORED


class _Cells:
    """Reads one row's cells, collecting every bad cell instead of stopping at the first."""

    def __init__(self, cells: dict[str, str]) -> None:
        self.cells = cells
        self.errors: list[_CellError] = []

    def read(self, parse, *args):  # type: ignore[no-untyped-def]
        """`parse(*args)`, or None with the cell's error kept."""
        try:
            return parse(*args)
        except _CellError as error:
            self.errors.append(error)
            return None

    def fail(self, column: str, message: str) -> None:
        """Keep one more bad cell."""
        self.errors.append(_CellError(column, message))


@lru_cache(maxsize=CELL_CACHE)
def _option(symbol: str) -> OptionSymbol:
    try:
        return parse_occ(symbol.upper())
    except SymbolError as error:
        raise _CellError("Symbol", str(error)) from None


@lru_cache(maxsize=CELL_CACHE)
def _action(text: str) -> LegAction | None:
    if not text.strip():
        return None
    try:
        return LegAction.parse(text)
    except SpreadError as error:
        raise _CellError("Action", str(error)) from None


def _order_id(text: str) -> str | None:
    value = text.strip()
    if not value:
        return None
    if not ORDER_ID.fullmatch(value):
        raise _CellError(
            "Order #",
            f"{value[:40]!r} is not a broker order number (letters, digits and '-', at most 40)",
        )
    return value


def _value(text: str, action: LegAction | None) -> Decimal:
    """The Value cell: required (`--` is no amount, refused), its sign agreeing with the action."""
    if text.strip() == NO_AMOUNT:
        raise _CellError("Value", "is '--' (no amount): a row's Value is never guessed as $0")
    value = _number("Value", text)
    if action is not None and value != 0 and (value < 0) != action.is_buy:
        side = "a debit (negative)" if action.is_buy else "a credit (positive)"
        raise _CellError(
            "Value", f"{text.strip()[:40]!r} contradicts {action.value}, which is {side}"
        )
    return value


def _check_average(cells: _Cells, value: Decimal, quantity: int) -> None:
    """Value = Quantity x Average Price (per contract, multiplier included) within a cent."""
    text = cells.cells.get("Average Price", "").strip()
    if text in ("", NO_AMOUNT):
        return
    average = cells.read(_number, "Average Price", text)
    if average is None:
        return
    expected = average * quantity
    if abs(expected - value) > CENT:
        cells.fail(
            "Value",
            f"{value} is not Quantity x Average Price ({quantity} x {average} = {expected}, "
            "within a cent)",
        )


def _check_open_date(cells: _Cells, option: OptionSymbol, opened: date) -> None:
    """An opening trade (in session `opened`) happens on or before the option's expiration, at
    most MAX_YEARS_BEFORE_EXPIRATION years before it."""
    earliest = option.expiration.replace(year=option.expiration.year - MAX_YEARS_BEFORE_EXPIRATION)
    if opened > option.expiration:
        cells.fail("Date", f"opens {option.occ.strip()} on {opened}, after it expired")
    elif opened < earliest:
        cells.fail(
            "Date",
            f"opens {option.occ.strip()} on {opened}, more than {MAX_YEARS_BEFORE_EXPIRATION} "
            f"years before its {option.expiration} expiration",
        )


def _parse_row(line: int, cells: dict[str, str], sessions: SessionMemo) -> TastyRow | None:
    """A relevant row, None for an ignored one; raises _RowError naming every bad cell."""
    read = _Cells(cells)
    executed_at = read.read(_timestamp, cells["Date"])
    kind = _classify(cells)
    if kind == RowKind.IGNORED:
        if read.errors:
            raise _RowError(read.errors, cells.get("Order #", ""))
        return None
    option = None
    symbol = cells["Symbol"].strip()
    if kind != RowKind.STOCK_DELIVERY:
        option = read.read(_option, symbol)
        symbol = option.occ if option is not None else symbol
    action = read.read(_action, cells["Action"])
    if kind == RowKind.OPTION_TRADE and action is None and cells["Action"].strip() == "":
        read.fail("Action", "is empty on a trade row (expected e.g. SELL_TO_OPEN)")
    order_id = read.read(_order_id, cells["Order #"])
    if kind == RowKind.OPTION_TRADE and cells["Order #"].strip() == "":
        read.fail("Order #", "is empty: the legs of a spread are grouped by order")
    quantity = read.read(_whole, "Quantity", cells["Quantity"])
    if quantity is not None and quantity == 0:
        read.fail("Quantity", "is 0")
    multiplier_text = cells["Multiplier"].strip()
    multiplier = read.read(_whole, "Multiplier", multiplier_text) if multiplier_text else 100
    if multiplier is not None and multiplier < 1:
        read.fail("Multiplier", "must be at least 1")
    value = read.read(_value, cells["Value"], action)
    commissions = read.read(_debit, "Commissions", cells["Commissions"])
    fee_cell = read.read(_debit, "Fees", cells["Fees"])
    if value is not None and quantity:
        _check_average(read, value, quantity)
    if option is not None and executed_at is not None and action and action.is_opening:
        _check_open_date(read, option, date.fromisoformat(sessions(executed_at)))
    if read.errors:  # every value below was read (none is None)
        raise _RowError(read.errors, cells["Order #"])
    fees = -(commissions + fee_cell)
    underlying = cells["Underlying Symbol"].strip().upper()
    if not underlying:
        underlying = symbol.upper() if option is None else _underlying_of(option)
    sub_type = cells.get("Sub Type", "").strip() or (action.value if action else kind.value)
    key_text = "|".join(
        (executed_at.isoformat(), order_id or "", symbol, sub_type, str(quantity), str(value))
    )
    # every value is of its field's type already (read and checked above): no second validation
    fields = {
        "line": line,
        "key": hashlib.sha256(key_text.encode()).hexdigest()[:32],
        "kind": kind,
        "executed_at": executed_at,
        "sub_type": sub_type,
        "action": action,
        "symbol": symbol,
        "underlying": underlying,
        "value": value,
        "quantity": quantity,
        "fees": fees,
        "multiplier": multiplier,
        "order_id": order_id,
        "option": option,
    }
    return build_validated(TastyRow, fields, _ROW_FIELDS)


def _underlying_of(option: OptionSymbol) -> str:
    return underlying_for_root(option.root)


def _header_issue(header: list[str]) -> tuple[str, ImportIssue | None]:
    names = [name.strip() for name in header]
    for label, expected in KNOWN_HEADERS.items():
        if names == expected:
            return label, None
    if names == LEGACY_TASTYWORKS_HEADER:
        return "legacy", ImportIssue(
            line=1,
            field=None,
            message="this is the legacy tastyworks export (15 columns), which this importer "
            "does not read; export the transaction history again from tastytrade's web "
            "platform (History > Transactions > CSV)",
        )
    missing = [name for name in HEADER_18 if name not in names]
    detail = f"missing column(s): {', '.join(missing)}" if missing else "columns out of order"
    return "unknown", ImportIssue(
        line=1,
        field=None,
        message=f"not a tastytrade transaction-history header ({detail}); expected "
        + ",".join(HEADER_21),
    )


def parse_tasty_csv(text: str) -> TastyCsv:
    """Parse an export: every relevant row, and every bad one by line and column."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        issue = ImportIssue(line=1, field=None, message=f"unreadable CSV: {error}")
        return TastyCsv(header="unknown", errors=(issue,), fatal=True)
    if not header:
        issue = ImportIssue(line=1, field=None, message="the file is empty")
        return TastyCsv(header="unknown", errors=(issue,), fatal=True)
    label, issue = _header_issue(header)
    if issue is not None:
        return TastyCsv(header=label, errors=(issue,), fatal=True)
    names = [name.strip() for name in header]
    rows: list[TastyRow] = []
    errors: list[ImportIssue] = []
    ignored = 0
    first_line_of: dict[str, int] = {}
    bad_orders: set[str] = set()
    sessions = SessionMemo()
    for start, cells in csv_records(reader, names, errors):
        try:
            row = _parse_row(start, cells, sessions)
        except _RowError as error:
            errors.extend(
                ImportIssue(line=start, field=cell.column, message=cell.message)
                for cell in error.errors
            )
            if error.order_text:
                bad_orders.add(error.order_text)
            continue
        if row is None:
            ignored += 1
            continue
        if row.key in first_line_of:
            message = f"duplicates line {first_line_of[row.key]} (same time, order, symbol, value)"
            errors.append(ImportIssue(line=start, field=None, message=message))
            continue
        first_line_of[row.key] = start
        rows.append(row)
    errors.extend(_orders_on_two_days(rows, bad_orders, sessions))
    rows.sort(key=lambda r: (r.executed_at, r.line))  # the export is newest first
    return TastyCsv(
        header=label,
        rows=tuple(rows),
        errors=tuple(sorted(errors, key=lambda e: e.line or 0)),
        ignored_rows=ignored,
        bad_orders=frozenset(bad_orders),
    )


def _orders_on_two_days(
    rows: list[TastyRow], bad_orders: set[str], sessions: SessionMemo
) -> list[ImportIssue]:
    """One Order # on trade rows of two sessions is two orders sharing a number: refused (it would
    silently merge into one larger spread). Its order joins `bad_orders`."""
    first: dict[str, TastyRow] = {}
    issues = []
    for row in rows:  # in line order: the order they were read
        if row.kind != RowKind.OPTION_TRADE or row.order_id is None:
            continue
        seen = first.setdefault(row.order_id, row)
        if seen is not row and sessions(seen.executed_at) != sessions(row.executed_at):
            issues.append(
                ImportIssue(
                    line=row.line,
                    field="Order #",
                    message=f"order {row.order_id} is also on line {seen.line}, on another day "
                    f"({session_of(seen.executed_at)} and {session_of(row.executed_at)}); one "
                    "order number on two days is refused, not merged into one spread",
                )
            )
            bad_orders.add(row.order_id)
    return issues
