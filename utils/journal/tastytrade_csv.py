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

Each cell is read by `utils.journal.tastytrade_cells`. A trade row's SHAPE (`SHAPE_COLUMNS`: its
contract, action, quantity, fees...) is read in full once per export (`_parse_row`); a later row
of that shape reads only its own time, order, value and average price (by position, no dict of
its cells built), and any problem there sends it to the full read, so every bad cell is named
exactly as before (`RowReader`).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

from utils.core.money import CENT
from utils.core.sessions import session_of
from utils.journal.cockpit_csv_cells import SessionMemo
from utils.journal.import_report import ImportIssue
from utils.journal.import_text import (
    csv_rows,
    plain_csv_header,
    plain_csv_lines,
    plain_csv_rows,
)
from utils.journal.tastytrade_cells import (
    NO_AMOUNT,
    CellError,
    Cells,
    RowError,
    action_cell,
    check_average,
    debit_cell,
    number_cell,
    open_date_problem,
    option_cell,
    order_id_cell,
    timestamp_cell,
    value_cell,
    whole_cell,
)
from utils.spreads.legs import LegAction
from utils.spreads.symbols import OptionSymbol, underlying_for_root

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
SOURCE = "tastytrade_csv"
# A trade row's cells besides its own time, order, value and average price: its shape
SHAPE_COLUMNS = (
    "Type",
    "Sub Type",
    "Action",
    "Symbol",
    "Instrument Type",
    "Quantity",
    "Commissions",
    "Fees",
    "Multiplier",
    "Underlying Symbol",
)
# A shaped row's own cells (`RowReader.shaped_row`)
OWN_COLUMNS = ("Date", "Value", "Average Price", "Order #")


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


class TastyRow(NamedTuple):
    """One parsed row that matters to the journal (others are only counted): a named tuple of
    values read and checked cell by cell (`tastytrade_cells`), one per row of an export. Its
    own cells first, then its shape's (`_RowShape`)."""

    line: int
    key: str
    executed_at: datetime
    value: Decimal
    order_id: str | None
    kind: RowKind
    sub_type: str
    action: LegAction | None
    symbol: str
    underlying: str
    quantity: int
    fees: Decimal  # commissions + fees as a positive cost
    multiplier: int
    option: OptionSymbol | None


_executed_at = attrgetter("executed_at")


@dataclass(frozen=True)
class TastyCsv:
    """A parsed export: relevant rows oldest first, problems by line, and the ignored count."""

    header: str
    rows: tuple[TastyRow, ...] = ()
    errors: tuple[ImportIssue, ...] = ()
    fatal: bool = False
    ignored_rows: int = 0
    bad_orders: frozenset[str] = frozenset()  # Order # cells of bad rows: skipped whole


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


@dataclass(frozen=True, slots=True)
class _RowShape:
    """What a row's SHAPE cells (`SHAPE_COLUMNS`) say, read and checked once."""

    kind: RowKind
    sub_type: str
    action: LegAction | None
    symbol: str
    underlying: str
    quantity: int
    fees: Decimal
    multiplier: int
    option: OptionSymbol | None

    @property
    def key_middle(self) -> str:
        """The row key's text between the order and the value (`_row_key`)."""
        return f"|{self.symbol}|{self.sub_type}|{self.quantity}|"

    @property
    def cells(self) -> tuple[Any, ...]:
        """A row's values that its shape gives, in `TastyRow`'s order (after its own five)."""
        return (
            self.kind,
            self.sub_type,
            self.action,
            self.symbol,
            self.underlying,
            self.quantity,
            self.fees,
            self.multiplier,
            self.option,
        )


class RowReader:
    """Reads the rows of one export: a trade row whose shape cells were read without a problem
    before is read from that shape plus its own cells (time, order, value, average price);
    any other row, and any problem, goes through the full read, which names every bad cell.

    A shaped row's own cells recur (a spread's legs share a time, amounts repeat): each
    distinct time, and each distinct value and average price of a shape, is read once."""

    def __init__(self, columns: Sequence[str] = ()) -> None:
        """`columns`: the export's column names, when known (the shape cells read at once, and
        a row's cells in column order read by position, `read`)."""
        self.sessions = SessionMemo()
        self.columns = list(columns)
        self.shape_cells: Callable[[dict[str, str]], tuple[str | None, ...]] = _shape_cells
        # a row's SHAPE cells and its own cells (OWN_COLUMNS), by position (`read`)
        self.by_position: tuple[Callable[[Sequence[str]], tuple[str, ...]], ...] | None = None
        if set(SHAPE_COLUMNS) <= set(columns):
            self.shape_cells = itemgetter(*SHAPE_COLUMNS)
            if set(OWN_COLUMNS) <= set(columns) and len(set(columns)) == len(self.columns):
                self.by_position = (
                    itemgetter(*map(self.columns.index, SHAPE_COLUMNS)),
                    itemgetter(*map(self.columns.index, OWN_COLUMNS)),
                )
        # shape cells -> the shape, its key's middle text, whether it opens, its rows' cells
        # (`shaped_row`)
        self.shapes: dict[tuple[str | None, ...], tuple[_RowShape, str, bool, tuple]] = {}
        self.moments: dict[str, tuple[datetime, str] | None] = {}
        self.amounts: dict[tuple[str, str, int], tuple[Decimal, str] | None] = {}
        self.open_problems: dict[tuple[int, str], bool] = {}
        self.order_ids: dict[str, str | None] = {}

    def read(self, line: int, values: Sequence[str]) -> TastyRow | None:
        """`self(line, cells)` of a row given as its cells in column order: a row of a proven
        shape is read by position, any other (and any problem) through `self` by column."""
        if self.by_position is not None:
            shape_of, own_of = self.by_position
            known = self.shapes.get(shape_of(values))
            if known is not None:
                row = self.shaped_row(line, own_of(values), *known)
                if row is not None:
                    return row
        return self(line, dict(zip(self.columns, values)))

    def __call__(self, line: int, cells: dict[str, str]) -> TastyRow | None:
        """A relevant row, None for an ignored one; raises RowError naming every bad cell."""
        key = self.shape_cells(cells)
        known = self.shapes.get(key)
        if known is not None:
            own = (cells["Date"], cells["Value"], cells.get("Average Price", ""), cells["Order #"])
            row = self.shaped_row(line, own, *known)
            if row is not None:
                return row
        row = _parse_row(line, cells, self.sessions)
        if (
            row is not None
            and row.kind == RowKind.OPTION_TRADE
            and row.option is not None
            and row.action is not None
        ):
            shape = _RowShape(
                row.kind,
                row.sub_type,
                row.action,
                row.symbol,
                row.underlying,
                row.quantity,
                row.fees,
                row.multiplier,
                row.option,
            )
            self.shapes[key] = (shape, shape.key_middle, row.action.is_opening, shape.cells)
        return row

    def shaped_row(
        self,
        line: int,
        own: tuple[str, ...],
        shape: _RowShape,
        key_middle: str,
        opens: bool,
        cells: tuple[Any, ...],
    ) -> TastyRow | None:
        """The row from its proven shape (with its `key_middle`, whether it `opens`, its
        `cells`) and its own cells (`OWN_COLUMNS`: Date, Value, Average Price, Order #); None
        when those need the full read."""
        date_text, value_text, average_text, order_text = own
        moment = self.moment(date_text)
        amount = self.amount(value_text, average_text, shape)
        order_id = self.order_id(order_text)
        if moment is None or amount is None or order_id is None:
            return None
        executed_at, iso = moment
        if opens and self.opens_late(shape, executed_at):
            return None
        value, value_text = amount
        key = _row_key(iso + "|" + order_id + key_middle + value_text)
        return _new_row((line, key, executed_at, value, order_id, *cells))

    def order_id(self, text: str) -> str | None:
        """An Order # cell's order id; None when refused or empty (the full read says which)."""
        if text not in self.order_ids:
            try:
                self.order_ids[text] = order_id_cell(text)
            except CellError:
                self.order_ids[text] = None
        return self.order_ids[text]

    def moment(self, text: str) -> tuple[datetime, str] | None:
        """A Date cell in UTC with its ISO text; None when refused."""
        if text not in self.moments:
            try:
                executed_at = timestamp_cell(text)
            except CellError:
                self.moments[text] = None
            else:
                self.moments[text] = (executed_at, executed_at.isoformat())
        return self.moments[text]

    def amount(self, text: str, average_text: str, shape: _RowShape) -> tuple[Decimal, str] | None:
        """A Value cell agreeing with the shape's action and its Average Price, with its text in
        the key; None when refused."""
        key = (text, average_text, id(shape))
        if key in self.amounts:
            return self.amounts[key]
        amount = None
        try:
            value = value_cell(text, shape.action)
            average = average_text.strip()
            if average in ("", NO_AMOUNT):
                amount = (value, str(value))
            elif abs(number_cell("Average Price", average) * shape.quantity - value) <= CENT:
                amount = (value, str(value))
        except CellError:
            pass
        self.amounts[key] = amount
        return amount

    def opens_late(self, shape: _RowShape, executed_at: datetime) -> bool:
        """True when opening the shape's option (a shape's option is read) at `executed_at` is
        refused (its dates)."""
        session = self.sessions(executed_at)
        key = (id(shape), session)
        if key not in self.open_problems:
            opened = date.fromisoformat(session)
            self.open_problems[key] = open_date_problem(shape.option, opened) is not None
        return self.open_problems[key]


def _shape_cells(cells: dict[str, str]) -> tuple[str | None, ...]:
    """A row's SHAPE cells, None for a column the export lacks."""
    return tuple(map(cells.get, SHAPE_COLUMNS))


def _row_key(text: str) -> str:
    """A row's key: the hash of its time, order, symbol, sub type, quantity and value."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


_new_row = TastyRow._make  # a row of values read and checked already, in field order


def _parse_row(line: int, cells: dict[str, str], sessions: SessionMemo) -> TastyRow | None:
    """A relevant row, None for an ignored one; raises RowError naming every bad cell."""
    read = Cells(cells)
    executed_at = read.read(timestamp_cell, cells["Date"])
    kind = _classify(cells)
    if kind == RowKind.IGNORED:
        if read.errors:
            raise RowError(read.errors, cells.get("Order #", ""))
        return None
    option = None
    symbol = cells["Symbol"].strip()
    if kind != RowKind.STOCK_DELIVERY:
        option = read.read(option_cell, symbol)
        symbol = option.occ if option is not None else symbol
    action = read.read(action_cell, cells["Action"])
    if kind == RowKind.OPTION_TRADE and action is None and cells["Action"].strip() == "":
        read.fail("Action", "is empty on a trade row (expected e.g. SELL_TO_OPEN)")
    order_id = read.read(order_id_cell, cells["Order #"])
    if kind == RowKind.OPTION_TRADE and cells["Order #"].strip() == "":
        read.fail("Order #", "is empty: the legs of a spread are grouped by order")
    quantity = read.read(whole_cell, "Quantity", cells["Quantity"])
    if quantity is not None and quantity == 0:
        read.fail("Quantity", "is 0")
    multiplier_text = cells["Multiplier"].strip()
    multiplier = read.read(whole_cell, "Multiplier", multiplier_text) if multiplier_text else 100
    if multiplier is not None and multiplier < 1:
        read.fail("Multiplier", "must be at least 1")
    value = read.read(value_cell, cells["Value"], action)
    commissions = read.read(debit_cell, "Commissions", cells["Commissions"])
    fee_cell = read.read(debit_cell, "Fees", cells["Fees"])
    if value is not None and quantity:
        check_average(read, value, quantity)
    if option is not None and executed_at is not None and action and action.is_opening:
        problem = open_date_problem(option, date.fromisoformat(sessions(executed_at)))
        if problem:
            read.fail("Date", problem)
    if read.errors:  # every value below was read (none is None)
        raise RowError(read.errors, cells["Order #"])
    underlying = cells["Underlying Symbol"].strip().upper()
    if not underlying:
        underlying = symbol.upper() if option is None else _underlying_of(option)
    sub_type = cells.get("Sub Type", "").strip() or (action.value if action else kind.value)
    shape = _RowShape(
        kind,
        sub_type,
        action,
        symbol,
        underlying,
        quantity,
        -(commissions + fee_cell),
        multiplier,
        option,
    )
    key = _row_key(f"{executed_at.isoformat()}|{order_id or ''}{shape.key_middle}{value!s}")
    return _new_row((line, key, executed_at, value, order_id, *shape.cells))


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
    """Parse an export: every relevant row, and every bad one by line and column.

    A text without quotes is split at its line ends and commas (`plain_csv_lines`), never
    copied into a `csv.reader`'s buffer (four bytes a character); any other is read by one."""
    lines = plain_csv_lines(text)
    reader = None
    if lines is not None:
        header = plain_csv_header(lines)
    else:
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
    read_row = RowReader(names)
    records = (
        plain_csv_rows(lines, len(names), errors)
        if lines is not None
        else csv_rows(reader, len(names), errors)  # type: ignore[arg-type]  # set: no lines
    )
    for start, values in records:
        try:
            row = read_row.read(start, values)
        except RowError as error:
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
    errors.extend(_orders_on_two_days(rows, bad_orders, read_row.sessions))
    rows.sort(key=_executed_at)  # the export is newest first; a stable sort keeps line order
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
        if row.kind is not RowKind.OPTION_TRADE or row.order_id is None:
            continue
        seen = first.setdefault(row.order_id, row)
        if seen is row or seen.executed_at == row.executed_at:  # a spread's legs share a time
            continue
        if sessions(seen.executed_at) != sessions(row.executed_at):
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
