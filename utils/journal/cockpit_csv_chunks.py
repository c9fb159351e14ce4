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
import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from utils.core.money import to_cents
from utils.core.sessions import new_york_day
from utils.core.trading_calendar import next_session
from utils.journal.cockpit_csv import JOURNAL_CSV_COLUMNS, LIST_SEPARATOR
from utils.journal.cockpit_csv_columns import (
    PRICE_UNITS_PER_DOLLAR,
    dollars,
    prices,
    sessions,
    times,
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


class SessionMemo:
    """`session_of` for many moments of one import: the next session of each New York day is
    looked up once."""

    def __init__(self) -> None:
        self._by_day: dict[date, date] = {}

    def __call__(self, moment: datetime) -> date:
        """The NYSE session `moment` belongs to (as `utils.core.sessions.session_of`)."""
        day = new_york_day(moment)
        session = self._by_day.get(day)
        if session is None:
            session = self._by_day[day] = next_session(day)
        return session


@dataclass(frozen=True)
class Shape:
    """A record the reference validated, standing for every later row with the same shape."""

    record: JournalCsvRecord
    last_session: int  # ordinal of the first leg expiration: no later opening is valid
    entry_units: int  # the signed entry price in 1/10,000 dollar (credit positive)
    exit_sign: int  # +1 when the exit is a credit, -1 a debit
    units: int  # multiplier x quantity
    fees_cents: int


@dataclass(frozen=True, slots=True)
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


def _shape_key(cells: dict[str, str]) -> tuple[object, ...]:
    shape = tuple(cells[c] for c in SHAPE_COLUMNS)
    present = tuple(bool(cells[c].strip()) for c in UNIQUE_COLUMNS)
    return shape + present


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
        last_session=min(leg.expiration for leg in trade.legs).toordinal(),
        entry_units=int(entry) * (1 if trade.entry_effect is PriceEffect.CREDIT else -1),
        exit_sign=1 if close is None or close.exit_effect is PriceEffect.CREDIT else -1,
        units=trade.multiplier * trade.quantity,
        fees_cents=to_cents(fees),
    )


def _half_up_cents(units: int) -> int:
    """1/10,000 dollar units rounded half away from zero to cents (`round_to_cent`)."""
    cents = (abs(units) + 50) // 100
    return cents if units >= 0 else -cents


def _order_ids(cell: str) -> tuple[str, ...] | None:
    parts = [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]
    if cell.startswith("'") or not all(BROKER_ORDER_ID_PATTERN.match(p) for p in parts):
        return None
    return tuple(dict.fromkeys(parts))


class _Columns:
    """One chunk's unique cells, parsed a column at a time."""

    def __init__(self, rows: list[tuple[int, dict[str, str]]], session_of: SessionMemo) -> None:
        def column(name: str) -> list[str]:
            return [cells[name] for _, cells in rows]

        self.opened = times(column("opened_at"))
        self.closed = times(column("closed_at"))
        self.time_exit = times(column("time_exit_at"))
        self.exit_price = prices(column("exit_price"))
        self.net_pnl = dollars(column("net_pnl_usd"))
        self.session, self.session_text = sessions(
            self.opened.micros, self.opened.plain, session_of
        )
        self.close_session_text = sessions(self.closed.micros, self.closed.plain, session_of)[1]
        self.opened_stamps = self.opened.stamps.tolist()
        self.closed_stamps = self.closed.stamps.tolist()
        self.time_exit_stamps = self.time_exit.stamps.tolist()
        self.exit_text = [cell.strip() for cell in column("exit_price")]

    def shaped(
        self, index: int, line: int, cells: dict[str, str], shape: Shape
    ) -> ShapedRow | None:
        """Row `index` as a row of `shape`, or None when a cell is not plain or a rule the
        reference applies per row (expired leg, close before open, net P&L) does not hold."""
        uid = cells["uid"].strip()
        order_ids = _order_ids(cells["broker_order_ids"])
        if (
            cells["uid"].startswith("'")
            or not 0 < len(uid) <= UID_MAX_CHARS
            or order_ids is None
            or not self.opened.plain[index]
            or self.session[index] > shape.last_session
            or (self.time_exit.given[index] and not self.time_exit.plain[index])
        ):
            return None
        row = ShapedRow(
            line=line,
            uid=uid,
            shape=shape,
            cells=cells,
            opened_at=self.opened_stamps[index],
            session=self.session_text[index],
            time_exit_at=self.time_exit_stamps[index] if self.time_exit.given[index] else None,
            order_ids=order_ids,
        )
        if shape.record.close is None:
            return row
        if not (self.closed.plain[index] and self.exit_price.plain[index]):
            return None
        if self.closed.micros[index] < self.opened.micros[index]:
            return None
        gross = shape.units * (
            shape.entry_units + shape.exit_sign * int(self.exit_price.value[index])
        )
        pnl = _half_up_cents(gross - shape.fees_cents * 100)
        if self.net_pnl.given[index] and (
            not self.net_pnl.plain[index] or int(self.net_pnl.value[index]) != pnl
        ):
            return None
        return dataclasses.replace(
            row,
            closed_at=self.closed_stamps[index],
            close_session=self.close_session_text[index],
            exit_price=self.exit_text[index],
            net_pnl_cents=pnl,
        )


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

    def chunk(self, rows: list[tuple[int, dict[str, str]]], chunk: JournalCsvChunk) -> None:
        """Parse some rows into the chunk, in order."""
        columns = _Columns(rows, self.session_of) if rows else None
        for index, (line, cells) in enumerate(rows):
            key = _shape_key(cells)
            shape = self.shapes.get(key)
            parsed: JournalCsvRecord | ShapedRow | list[ImportIssue] | None = None
            if shape is not None and columns is not None:
                parsed = columns.shaped(index, line, cells, shape)
            if parsed is None:
                parsed = parse_journal_row(line, cells)
                if shape is None and not isinstance(parsed, list):
                    proven = _shape_of(parsed)
                    if proven is not None:
                        self.shapes[key] = proven
            self.add(chunk, line, parsed)

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
    chunk, rows = JournalCsvChunk(), []
    for line, cells in csv_records(reader, [name.strip() for name in header], found):
        if found:  # problems met before this row: they come first, in file order
            state.chunk(rows, chunk)
            chunk.issues.extend(found)
            found.clear()
            rows = []
        rows.append((line, cells))
        if len(rows) == chunk_rows:
            state.chunk(rows, chunk)
            yield chunk
            chunk, rows = JournalCsvChunk(), []
    state.chunk(rows, chunk)
    chunk.issues.extend(found)
    yield chunk
