"""The journal CSV read in chunks, each shape of row proved once: the import's fast reader.

`read_journal_csv_chunks` yields the same records and the same issues, in the same order, as
`utils.journal.cockpit_csv_reader.read_journal_csv` (the reference, which validates every row
with the models), a few thousand rows at a time so a large file never sits in memory as models.

A row's cells split in two. The cells that make each trade unique (uid, times, exit price, net
P&L, order ids) are parsed a column at a time (`utils.journal.cockpit_csv_columns`) and checked
per row by the rules the models apply (leg not expired at the open's session, close not before
open, net P&L by the journal's formula). Every other cell (legs, entry price, effects, 1R, fees,
labels, notes...) forms the row's shape: the first row of a shape is validated by the reference
(`parse_journal_row`, which runs the defined-risk proof) and a later row of that shape becomes a
`ShapedRow`: the proven record's facts plus its own unique cells, in the form the journal stores,
no model built. Anything unusual (a cell not in the journal's plain spelling, an expired leg, a
parent link, a flagged position, a close before the open, a wrong net P&L) sends the row to the
reference, so every problem is named exactly as before.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter

from utils.core.money import to_cents
from utils.journal.cockpit_csv import JOURNAL_CSV_COLUMNS, LIST_SEPARATOR
from utils.journal.cockpit_csv_cells import (
    PRICE_UNITS_PER_DOLLAR,
    SessionMemo,
    cents,
    price_units,
    utc_stamp,
)
from utils.journal.cockpit_csv_reader import (
    JournalCsvRecord,
    check_header,
    parse_journal_row,
)
from utils.journal.fields import BROKER_ORDER_ID_PATTERN
from utils.journal.import_report import ImportIssue
from utils.journal.import_text import csv_records
from utils.journal.trade import NewTrade
from utils.spreads.legs import PriceEffect

CHUNK_ROWS = 5_000
# The cells that make one trade unique, checked per row; the rest is the row's shape.
UNIQUE_COLUMNS = (
    "uid",
    "opened_at",
    "closed_at",
    "exit_price",
    "net_pnl_usd",
    "time_exit_at",
    "broker_order_ids",
)
SHAPE_COLUMNS = tuple(c for c in JOURNAL_CSV_COLUMNS if c not in UNIQUE_COLUMNS)
UID_MAX_CHARS = 80


@dataclass(frozen=True)
class Shape:
    """A record the reference validated, standing for every later row with the same shape."""

    record: JournalCsvRecord
    last_session: str  # the first leg expiration (ISO): an opening in a later session is not valid
    entry_units: int  # the signed entry price in 1/10,000 dollar (credit positive)
    exit_sign: int  # +1 when the exit is a credit, -1 a debit
    units: int  # multiplier x quantity
    fees_cents: int


@dataclass(slots=True)
class ShapedRow:
    """A row of a proven shape with its own unique cells, already checked and in stored form:
    the bulk writes' input (`utils.journal.bulk_writes`), no model built for it."""

    line: int
    uid: str
    shape: Shape
    cells: dict[str, str]
    opened_at: str
    session: str
    time_exit_at: str | None
    order_ids: tuple[str, ...]
    closed_at: str | None = None
    close_session: str | None = None
    exit_price: str | None = None
    net_pnl_cents: int | None = None
    parent_uid = None  # a shaped row never has a parent (those rows take the reference's way)

    def record(self) -> JournalCsvRecord:
        """The record the reference makes of this row (to close a trade the journal holds)."""
        record = parse_journal_row(self.line, self.cells)
        assert not isinstance(record, list)  # nosec B101  # its shape was proven valid
        return record


def _shape_of(record: JournalCsvRecord) -> Shape | None:
    """The record as a shape for later rows, or None when it must stay one of a kind."""
    trade, close = record.trade, record.close
    entry = trade.entry_price * PRICE_UNITS_PER_DOLLAR
    if (
        record.parent_uid is not None
        or type(trade) is not NewTrade
        or entry != entry.to_integral_value()
        or (close is not None and close.broker_order_ids)
    ):
        return None
    fees = trade.open_fees_usd + (close.close_fees_usd if close else 0)
    return Shape(
        record,
        last_session=min(leg.expiration for leg in trade.legs).isoformat(),
        entry_units=int(entry) * (1 if trade.entry_effect is PriceEffect.CREDIT else -1),
        exit_sign=1 if close is None or close.exit_effect is PriceEffect.CREDIT else -1,
        units=trade.multiplier * trade.quantity,
        fees_cents=to_cents(fees),
    )


def _half_up_cents(units: int) -> int:
    """1/10,000 dollar units rounded half away from zero to cents (`round_to_cent`)."""
    rounded = (abs(units) + 50) // 100
    return rounded if units >= 0 else -rounded


def _order_ids(cell: str) -> tuple[str, ...] | None:
    if not cell:
        return ()
    parts = [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]
    if cell.startswith("'") or not all(BROKER_ORDER_ID_PATTERN.match(p) for p in parts):
        return None
    return tuple(dict.fromkeys(parts))


_shape_cells = itemgetter(*SHAPE_COLUMNS)


def _key(cells: dict[str, str]) -> tuple[object, ...]:
    """The row's shape: its shape cells, and which close cells it gives."""
    given = (bool(cells[c].strip()) for c in ("closed_at", "exit_price", "net_pnl_usd"))
    return (*_shape_cells(cells), *given)


def _shaped(
    line: int, cells: dict[str, str], shape: Shape, session_of: SessionMemo
) -> ShapedRow | None:
    """The row as a row of `shape`, or None when a cell is not plain or a rule the reference
    applies per row (leg expired at the open's session, close before open, net P&L) fails."""
    uid = cells["uid"].strip()
    if cells["uid"].startswith("'") or not 0 < len(uid) <= UID_MAX_CHARS:
        return None
    opened_at = utc_stamp(cells["opened_at"])
    order_ids = _order_ids(cells["broker_order_ids"])
    if opened_at is None or order_ids is None:
        return None
    session = session_of.of_stamp(opened_at)
    time_exit_at = None
    if cells["time_exit_at"].strip():
        time_exit_at = utc_stamp(cells["time_exit_at"])
        if time_exit_at is None:
            return None
    if session > shape.last_session:
        return None
    row = ShapedRow(line, uid, shape, cells, opened_at, session, time_exit_at, order_ids)
    if shape.record.close is None:
        return row
    closed_at, exit_units = utc_stamp(cells["closed_at"]), price_units(cells["exit_price"])
    # stamps are fixed-width UTC text: their text order is their time order
    if closed_at is None or exit_units is None or closed_at < opened_at:
        return None
    gross = shape.units * (shape.entry_units + shape.exit_sign * exit_units)
    pnl = _half_up_cents(gross - shape.fees_cents * 100)
    if cells["net_pnl_usd"].strip() and cents(cells["net_pnl_usd"]) != pnl:
        return None
    row.closed_at = closed_at
    row.close_session = session_of.of_stamp(closed_at)
    row.exit_price = cells["exit_price"].strip()
    row.net_pnl_cents = pnl
    return row


@dataclass
class JournalCsvChunk:
    """Some consecutive rows of the file: their good rows and their problems, in file order.

    A good row is a `JournalCsvRecord` (the reference's) or a `ShapedRow` (a proven shape's).
    """

    records: list[JournalCsvRecord | ShapedRow] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)


class _Reader:
    """The state one file's chunks share: proven shapes, sessions, the first line of each uid."""

    def __init__(self) -> None:
        self.shapes: dict[tuple[object, ...], Shape] = {}
        self.session_of = SessionMemo()
        self.first_line_of: dict[str, int] = {}

    def parse(self, line: int, cells: dict[str, str]) -> JournalCsvRecord | ShapedRow | list:
        """The row as a row of its proven shape, else the reference's record or problems."""
        key = _key(cells)
        shape = self.shapes.get(key)
        if shape is not None:
            shaped = _shaped(line, cells, shape, self.session_of)
            if shaped is not None:
                return shaped
        parsed = parse_journal_row(line, cells)
        if shape is None and not isinstance(parsed, list):
            proven = _shape_of(parsed)
            if proven is not None:
                self.shapes[key] = proven
        return parsed

    def add(
        self,
        chunk: JournalCsvChunk,
        line: int,
        parsed: JournalCsvRecord | ShapedRow | list[ImportIssue],
    ) -> None:
        """Add a parsed row to the chunk; a uid seen on an earlier line is reported here."""
        if isinstance(parsed, list):
            chunk.issues.extend(parsed)
            return
        uid = parsed.uid if isinstance(parsed, ShapedRow) else parsed.trade.uid or ""
        if uid in self.first_line_of:
            message = f"duplicates the trade on line {self.first_line_of[uid]} ({uid[:40]!r})"
            chunk.issues.append(ImportIssue(line=line, field="uid", message=message))
            return
        self.first_line_of[uid] = line
        chunk.records.append(parsed)


def read_journal_csv_chunks(
    lines: Iterable[str], chunk_rows: int = CHUNK_ROWS
) -> Iterator[JournalCsvChunk]:
    """The rows and problems of a journal CSV, `chunk_rows` rows at a time (see the module).

    `lines` is the file opened as text with `newline=""` (or `io.StringIO(text, newline="")`).
    """
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        unreadable = ImportIssue(line=1, field=None, message=f"unreadable CSV: {error}")
        yield JournalCsvChunk(issues=[unreadable])
        return
    header_issues = check_header(header)
    if header_issues or header is None:
        yield JournalCsvChunk(issues=header_issues)
        return
    state = _Reader()
    found: list[ImportIssue] = []  # the CSV-level problems, as csv_records meets them
    chunk = JournalCsvChunk()
    for line, cells in csv_records(reader, [name.strip() for name in header], found):
        chunk.issues.extend(found)  # problems met before this row come first, in file order
        found.clear()
        state.add(chunk, line, state.parse(line, cells))
        if len(chunk.records) + len(chunk.issues) >= chunk_rows:
            yield chunk
            chunk = JournalCsvChunk()
    chunk.issues.extend(found)
    yield chunk
