"""The journal CSV read in chunks, each shape of row proved once: the import's fast reader.

`read_journal_csv_chunks` yields the same records and the same issues, in the same order, as
`utils.journal.cockpit_csv_reader.read_journal_csv` (the reference, which validates every row
with the models), a few thousand rows at a time so a large file never sits in memory as models.

A row's cells split in two. The cells that make each trade unique (uid, times, exit price, net
P&L, order ids) are checked per row by the same parsers and rules the models apply. Every other
cell (legs, prices, effects, 1R, fees, labels, notes...) forms the row's shape: the first row of
a shape is validated by the reference (`parse_journal_row`, which runs the defined-risk proof),
and a later row of a proven shape is that record with its own unique cells put in. Anything
unusual (a cell that does not parse, an expired leg, a parent link, a flagged position, a close
before the open) sends the row to the reference, so every problem is named exactly as before.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from utils.core.money import MoneyFormatError, parse_usd_text
from utils.core.sessions import new_york_day, to_utc
from utils.core.trading_calendar import next_session
from utils.journal.cockpit_csv import JOURNAL_CSV_COLUMNS, LIST_SEPARATOR
from utils.journal.cockpit_csv_reader import (
    JournalCsvRecord,
    check_header,
    parse_journal_row,
)
from utils.journal.fields import BROKER_ORDER_ID_PATTERN
from utils.journal.import_report import ImportIssue
from utils.journal.import_text import csv_records
from utils.journal.trade import NewTrade, net_pnl_usd

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


class _NotPlain(Exception):
    """A unique cell the fast path does not vouch for: the row goes to the reference."""


def _moment(cell: str) -> datetime | None:
    """A time cell as the models hold it (UTC), None when empty; _NotPlain when refused."""
    value = cell.strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
        if moment.utcoffset() is None:
            raise _NotPlain
        return to_utc(moment)
    except ValueError:
        raise _NotPlain from None


def _amount(cell: str) -> Decimal | None:
    value = cell.strip()
    if not value:
        return None
    try:
        return parse_usd_text(value)
    except MoneyFormatError:
        raise _NotPlain from None


def _order_ids(cell: str) -> tuple[str, ...]:
    parts = [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]
    if cell.startswith("'") or not all(BROKER_ORDER_ID_PATTERN.match(p) for p in parts):
        raise _NotPlain
    return tuple(dict.fromkeys(parts))


@dataclass(frozen=True)
class _Shape:
    """A record the reference validated, standing for every row with the same shape."""

    record: JournalCsvRecord
    first_expiration: date


def _shape_key(cells: dict[str, str]) -> tuple[object, ...]:
    shape = tuple(cells[c] for c in SHAPE_COLUMNS)
    present = tuple(bool(cells[c].strip()) for c in UNIQUE_COLUMNS)
    return shape + present


def _shape_of(record: JournalCsvRecord) -> _Shape | None:
    """The record as a shape for later rows, or None when it must stay one of a kind."""
    if record.parent_uid is not None or type(record.trade) is not NewTrade:
        return None
    return _Shape(record, min(leg.expiration for leg in record.trade.legs))


def _from_shape(
    shape: _Shape, line: int, cells: dict[str, str], session_of: SessionMemo
) -> JournalCsvRecord:
    """This row as the record the reference would make: the shape's, with its unique cells."""
    uid = cells["uid"].strip()
    if cells["uid"].startswith("'") or not 0 < len(uid) <= UID_MAX_CHARS:
        raise _NotPlain
    opened_at = _moment(cells["opened_at"])
    if opened_at is None or session_of(opened_at) > shape.first_expiration:
        raise _NotPlain  # an expired leg: the reference names it
    template = shape.record
    trade = template.trade.model_copy(
        update={
            "uid": uid,
            "opened_at": opened_at,
            "time_exit_at": _moment(cells["time_exit_at"]),
            "broker_order_ids": _order_ids(cells["broker_order_ids"]),
        }
    )
    close = template.close
    if close is not None:
        closed_at, exit_price = _moment(cells["closed_at"]), _amount(cells["exit_price"])
        if closed_at is None or exit_price is None or exit_price < 0 or closed_at < opened_at:
            raise _NotPlain
        close = close.model_copy(update={"closed_at": closed_at, "exit_price": exit_price})
        given = _amount(cells["net_pnl_usd"])
        expected = net_pnl_usd(
            multiplier=trade.multiplier,
            quantity=trade.quantity,
            entry_price=trade.entry_price,
            entry_effect=trade.entry_effect,
            exit_price=exit_price,
            exit_effect=close.exit_effect,
            fees_usd=trade.open_fees_usd + close.close_fees_usd,
        )
        if given is not None and given != expected:
            raise _NotPlain
    return JournalCsvRecord(
        line=line,
        trade=trade,
        close=close,
        mistakes=template.mistakes,
        notes=template.notes,
    )


@dataclass
class JournalCsvChunk:
    """Some consecutive rows of the file: their good records and their problems, in order."""

    records: list[JournalCsvRecord] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)


class _Reader:
    """The state one file's chunks share: proven shapes, sessions, the first line of each uid."""

    def __init__(self) -> None:
        self.shapes: dict[tuple[object, ...], _Shape] = {}
        self.session_of = SessionMemo()
        self.first_line_of: dict[str, int] = {}

    def parse(self, line: int, cells: dict[str, str]) -> JournalCsvRecord | list[ImportIssue]:
        """The row's record, or its problems: from its proven shape, else from the reference."""
        key = _shape_key(cells)
        shape = self.shapes.get(key)
        if shape is not None:
            try:
                return _from_shape(shape, line, cells, self.session_of)
            except _NotPlain:
                pass
        parsed = parse_journal_row(line, cells)
        if shape is None and not isinstance(parsed, list):
            proven = _shape_of(parsed)
            if proven is not None:
                self.shapes[key] = proven
        return parsed

    def add(self, chunk: JournalCsvChunk, line: int, parsed: JournalCsvRecord | list) -> None:
        """Add a parsed row to the chunk; a uid seen on an earlier line is reported here."""
        if isinstance(parsed, list):
            chunk.issues.extend(parsed)
            return
        uid = parsed.trade.uid or ""
        if uid in self.first_line_of:
            message = f"duplicates the trade on line {self.first_line_of[uid]} ({uid[:40]!r})"
            chunk.issues.append(ImportIssue(line=line, field="uid", message=message))
            return
        self.first_line_of[uid] = line
        chunk.records.append(parsed)


def read_journal_csv_chunks(
    lines: Iterable[str], chunk_rows: int = CHUNK_ROWS
) -> Iterator[JournalCsvChunk]:
    """The records and problems of a journal CSV, `chunk_rows` rows at a time (see the module).

    `lines` is the file opened as text with `newline=""` (or `io.StringIO(text, newline="")`).
    """
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        yield JournalCsvChunk(
            issues=[ImportIssue(line=1, field=None, message=f"unreadable CSV: {error}")]
        )
        return
    header_issues = check_header(header)
    if header_issues or header is None:
        yield JournalCsvChunk(issues=header_issues)
        return
    state = _Reader()
    found: list[ImportIssue] = []  # the CSV-level problems, as csv_records meets them
    chunk, rows = JournalCsvChunk(), 0
    for line, cells in csv_records(reader, [name.strip() for name in header], found):
        chunk.issues.extend(found)
        found.clear()
        state.add(chunk, line, state.parse(line, cells))
        rows += 1
        if rows == chunk_rows:
            yield chunk
            chunk, rows = JournalCsvChunk(), 0
    chunk.issues.extend(found)
    yield chunk
