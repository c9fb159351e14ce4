"""tastytrade's transaction-history CSV (the web platform's export), parsed into typed rows.

Formats accepted (research tastytrade_api.md section 8.2): the 21-column header (with `Total`),
the 20-column one, and the 2023-era 18-column one (no `Sub Type`). The legacy 15-column
tastyworks export is refused with a hint. Dates carry an offset (`+0200`), Value is signed
(credit positive), Commissions and Fees are negative costs (`--` means none), Quantity is
unsigned, Symbol is the padded OCC symbol. Every row has a key (UTC time, order, symbol, sub
type, quantity, value), so overlapping exports import each fill once
(`utils.journal.tastytrade_plan` turns the rows into spreads).
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from utils.core.money import MoneyFormatError, parse_usd_text
from utils.core.sessions import to_utc
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


class RowKind(StrEnum):
    """What a CSV row means to the journal."""

    OPTION_TRADE = "option_trade"
    EXPIRATION = "expiration"
    ASSIGNMENT = "assignment"
    EXERCISE = "exercise"
    CASH_SETTLEMENT = "cash_settlement"
    STOCK_DELIVERY = "stock_delivery"
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


class TastyCsv(BaseModel):
    """A parsed export: relevant rows oldest first, problems by line, and the ignored count."""

    model_config = ConfigDict(frozen=True)

    header: str
    rows: tuple[TastyRow, ...] = ()
    errors: tuple[ImportIssue, ...] = ()
    fatal: bool = False
    ignored_rows: int = 0


class _CellError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _number(column: str, text: str, *, required: bool = True) -> Decimal:
    value = text.strip()
    if value in ("", NO_AMOUNT):
        if required and value == "":
            raise _CellError(column, "is empty")
        return Decimal(0)
    try:
        return parse_usd_text(value)
    except MoneyFormatError as error:
        raise _CellError(column, str(error)) from None


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
            return kind or RowKind.IGNORED
    if instrument in STOCK_INSTRUMENTS and row_type == "Receive Deliver":
        return RowKind.STOCK_DELIVERY
    return RowKind.IGNORED


def _parse_row(line: int, cells: dict[str, str]) -> TastyRow | None:
    """A relevant row, None for an ignored one; raises _CellError naming the column."""
    executed_at = _timestamp(cells["Date"])
    kind = _classify(cells)
    if kind == RowKind.IGNORED:
        return None
    option = None
    symbol = cells["Symbol"].strip()
    if kind != RowKind.STOCK_DELIVERY:
        try:
            option = parse_occ(symbol.upper())
        except SymbolError as error:
            raise _CellError("Symbol", str(error)) from None
        symbol = option.occ
    action = None
    if cells["Action"].strip():
        try:
            action = LegAction.parse(cells["Action"])
        except SpreadError as error:
            raise _CellError("Action", str(error)) from None
    if kind == RowKind.OPTION_TRADE and action is None:
        raise _CellError("Action", "is empty on a trade row (expected e.g. SELL_TO_OPEN)")
    order_id = cells["Order #"].strip() or None
    if kind == RowKind.OPTION_TRADE and order_id is None:
        raise _CellError("Order #", "is empty: the legs of a spread are grouped by order")
    quantity = _whole("Quantity", cells["Quantity"])
    if quantity == 0:
        raise _CellError("Quantity", "is 0")
    multiplier_text = cells["Multiplier"].strip()
    multiplier = _whole("Multiplier", multiplier_text) if multiplier_text else 100
    if multiplier < 1:
        raise _CellError("Multiplier", "must be at least 1")
    value = _number("Value", cells["Value"])
    fees = -(_debit("Commissions", cells["Commissions"]) + _debit("Fees", cells["Fees"]))
    underlying = cells["Underlying Symbol"].strip().upper()
    if not underlying:
        underlying = symbol.upper() if option is None else _underlying_of(option)
    sub_type = cells.get("Sub Type", "").strip() or (action.value if action else kind)
    key_text = "|".join(
        (executed_at.isoformat(), order_id or "", symbol, sub_type, str(quantity), str(value))
    )
    return TastyRow(
        line=line,
        key=hashlib.sha256(key_text.encode()).hexdigest()[:32],
        kind=kind,
        executed_at=executed_at,
        sub_type=sub_type,
        action=action,
        symbol=symbol,
        underlying=underlying,
        value=value,
        quantity=quantity,
        fees=fees,
        multiplier=multiplier,
        order_id=order_id,
        option=option,
    )


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
    for start, cells in csv_records(reader, names, errors):
        try:
            row = _parse_row(start, cells)
        except _CellError as error:
            errors.append(ImportIssue(line=start, field=error.column, message=error.message))
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
    rows.sort(key=lambda r: (r.executed_at, r.line))  # the export is newest first
    return TastyCsv(header=label, rows=tuple(rows), errors=tuple(errors), ignored_rows=ignored)
