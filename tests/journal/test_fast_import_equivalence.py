"""The fast journal CSV import (chunks, shapes proven once, rows written from their shape) stores
exactly what the reference stores (every row validated by the models, written one trade at a
time) and refuses a file with exactly the reference's errors."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.journal.test_bulk_writes import fixed_clock, table_rows
from tests.journal.test_cockpit_csv import export_text, rich_journal
from tests.support.journal_factory import START, close_for_pnl, new_trade
from utils.core.sessions import session_of, to_utc
from utils.core.sqlite_store import transaction
from utils.journal.cockpit_csv import JOURNAL_CSV_COLUMNS
from utils.journal.cockpit_csv_cells import SessionMemo
from utils.journal.cockpit_csv_chunks import CHUNK_ROWS, ShapedRow, read_journal_csv_chunks
from utils.journal.cockpit_csv_reader import read_journal_csv
from utils.journal.errors import JournalError
from utils.journal.importer import _insert_record
from utils.journal.store import Journal
from utils.journal.writes import close_trade

# Spellings of the per-trade cells: plain ones, and ones only the reference may judge.
TIMES = st.sampled_from(
    [
        "{at}",
        "{at_z}",
        "{at_ny}",
        "{at_space}",
        "{at_fraction}",
        "{at_naive}",
        "{at_date}",
        " {at} ",
        "2025-02-30T15:00:00+00:00",
        "1969-12-31T23:00:00+00:00",
        "3000-01-01T00:00:00+00:00",
        "{at_late}",
        "{at_weekend}",
        "",
        "yesterday",
    ]
)
PRICES = st.sampled_from(["4.00", "4", "0.5", "04.00", "$4.00", "-1.00", "1e2", "4.12345", ""])
ORDER_IDS = st.sampled_from(["", "A1", "A1;A1", "A1; B2", "bad id!", "'A1", ";"])
CLOSE_CELLS = (
    "closed_at",
    "exit_price",
    "exit_effect",
    "close_fees_usd",
    "net_pnl_usd",
    "close_reason",
    "followed_plan",
)
UIDS = st.sampled_from(["t{n}", " t{n} ", "'t{n}", "", "x" * 81, "t0", "=t{n}"])


def base_rows(tmp_path: Path) -> list[dict[str, str]]:
    """Exported rows of several shapes: closed with notes, tags and mistakes, a child, open,
    a plain closed vertical."""
    with Journal.open(tmp_path / "source") as source:
        rich_journal(source)
        plain = source.open_trade(new_trade(uid="plain", opened_at=START + timedelta(days=1)))
        source.close_trade(plain.id, close_for_pnl(plain, "120.00", START + timedelta(days=2)))
        source.open_trade(new_trade(uid="open", opened_at=START + timedelta(days=4)))
        text = export_text(source, tmp_path)
    return list(csv.DictReader(io.StringIO(text)))


def csv_text(rows: list[dict[str, str]]) -> str:
    stream = io.StringIO(newline="")
    writer = csv.DictWriter(stream, fieldnames=JOURNAL_CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return stream.getvalue()


def reference_import(text: str, folder: Path) -> tuple[list, dict | None]:
    """The reference: every row validated by the models, then written one trade at a time,
    parents before children; (errors, rows of every table)."""
    records, errors = read_journal_csv(text)
    if errors:
        return errors, None
    with Journal.open(folder, clock=fixed_clock) as journal:
        conn = journal.connect()
        known: dict[str, int] = {}
        try:
            with transaction(conn):
                pending = records
                while pending:
                    ready = [r for r in pending if r.parent_uid is None or r.parent_uid in known]
                    assert ready, "no parent loops in these files"
                    for record in ready:
                        _insert_record(conn, record, known, fixed_clock)
                    pending = [r for r in pending if r not in ready]
        except JournalError as error:
            return [str(error)], None
        return [], table_rows(conn)


def fast_import(text: str, folder: Path) -> tuple[list, dict | None]:
    """The import under test, through the journal's public method."""
    path = folder.with_suffix(".csv")
    path.write_text(text, encoding="utf-8", newline="")
    with Journal.open(folder, clock=fixed_clock) as journal:
        report = journal.import_journal_csv(path)
        if not report.committed:
            return list(report.errors), None
        return [], table_rows(journal.connect())


def assert_same_import(text: str, folder: Path) -> None:
    errors, rows = reference_import(text, folder / "reference")
    fast_errors, fast_rows = fast_import(text, folder / "fast")
    assert fast_errors == errors
    assert fast_rows == rows


def assert_same_reading(text: str, chunk_rows: int) -> list:
    """The chunked reader finds the reference's records (by line) and issues, in order."""
    records, errors = read_journal_csv(text)
    chunks = list(read_journal_csv_chunks(io.StringIO(text, newline=""), chunk_rows))
    found = [record for chunk in chunks for record in chunk.records]
    assert [issue for chunk in chunks for issue in chunk.issues] == errors
    assert [record.line for record in found] == [record.line for record in records]
    return found


def test_the_exported_fixtures_import_the_same(tmp_path):
    rows = base_rows(tmp_path)
    many = []
    for copy in range(4):
        for row in rows:
            uid = f"{row['uid']}-{copy}"
            parent = f"{row['parent_uid']}-{copy}" if row["parent_uid"] else ""
            many.append({**row, "uid": uid, "parent_uid": parent})
    text = csv_text(many)
    found = assert_same_reading(text, chunk_rows=3)
    assert any(isinstance(record, ShapedRow) for record in found)  # the fast way was taken
    assert_same_import(text, tmp_path)


def test_a_shaped_row_with_a_wrong_net_pnl_is_named_as_the_reference_names_it(tmp_path):
    rows = base_rows(tmp_path)
    plain = next(row for row in rows if row["uid"] == "plain")
    second = {**plain, "uid": "plain-2", "net_pnl_usd": str(Decimal(plain["net_pnl_usd"]) + 1)}
    text = csv_text([plain, second])
    assert_same_reading(text, chunk_rows=1)
    errors, _ = fast_import(text, tmp_path / "fast")
    assert [(e.line, e.field) for e in errors] == [(3, "net_pnl_usd")]
    assert_same_import(text, tmp_path)


def _moments(row: dict[str, str], column: str) -> dict[str, str]:
    """Spellings of a time 3 hours after the exported row's `column` (or its open)."""
    at = datetime.fromisoformat(row[column] or row["opened_at"])
    later = at + timedelta(hours=3)
    return {
        "at": later.isoformat(),
        "at_z": later.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
        "at_ny": later.astimezone(ZoneInfo("America/New_York")).isoformat(),
        "at_space": later.isoformat(sep=" "),
        "at_fraction": (later + timedelta(microseconds=500_000)).isoformat(),
        "at_naive": later.replace(tzinfo=None).isoformat(),
        "at_date": later.date().isoformat(),
        "at_late": (at + timedelta(days=400)).isoformat(),
        "at_weekend": (at + timedelta(days=(5 - at.weekday()) % 7)).isoformat(),
    }


@st.composite
def journal_files(draw, rows: list[dict[str, str]]) -> str:
    """A file of rows drawn from the exported shapes, each unique cell kept or respelled."""
    childless = [row for row in rows if not row["parent_uid"]]
    out = []
    for n in range(draw(st.integers(1, 12))):
        base = draw(st.sampled_from(childless))
        row = {**base, "uid": draw(UIDS).format(n=n)}
        if draw(st.booleans()):
            row["opened_at"] = draw(TIMES).format(**_moments(base, "opened_at"))
        if row["closed_at"] and draw(st.booleans()):
            row["closed_at"] = draw(TIMES).format(**_moments(base, "closed_at"))
        if row["exit_price"] and draw(st.booleans()):
            row["exit_price"] = draw(PRICES)
        if row["net_pnl_usd"] and draw(st.booleans()):
            row["net_pnl_usd"] = draw(st.sampled_from(["", "0.00", "-0.00", "1,000.00", "x"]))
        if draw(st.booleans()):
            row["time_exit_at"] = draw(TIMES).format(**_moments(base, "opened_at"))
        if draw(st.booleans()):
            row["broker_order_ids"] = draw(ORDER_IDS)
        out.append(row)
    return csv_text(out)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_mix_of_plain_and_odd_cells_reads_and_imports_as_the_reference(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("mix")
    rows = base_rows(folder)
    text = data.draw(journal_files(rows))
    assert_same_reading(text, chunk_rows=data.draw(st.integers(1, 5)))
    assert_same_import(text, folder)


@settings(max_examples=300, deadline=None)
@given(
    moments=st.lists(
        st.datetimes(
            min_value=datetime(1990, 1, 1),
            max_value=datetime(2099, 12, 1),
            timezones=st.sampled_from(
                [timezone.utc, ZoneInfo("America/New_York"), timezone(timedelta(hours=5.5))]
            ),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_the_import_session_memo_is_session_of(moments):
    memo = SessionMemo()
    for moment in moments:
        assert memo(moment) == session_of(moment).isoformat()
        assert memo(to_utc(moment)) == session_of(moment).isoformat()


def test_a_bad_row_after_the_first_chunk_refuses_the_whole_file(tmp_path):
    rows = base_rows(tmp_path)
    plain = next(row for row in rows if row["uid"] == "plain")
    many = [{**plain, "uid": f"p{n}"} for n in range(CHUNK_ROWS + 2)]
    many[-1] = {**many[-1], "exit_price": "-1.00"}
    path = tmp_path / "many.csv"
    path.write_text(csv_text(many), encoding="utf-8", newline="")
    with Journal.open(tmp_path / "data", clock=fixed_clock) as journal:
        refused = journal.import_journal_csv(path)
        assert not refused.committed
        assert refused.errors == tuple(read_journal_csv(csv_text(many))[1])
        assert [(e.line, e.field) for e in refused.errors] == [(CHUNK_ROWS + 3, "exit_price")]
        assert journal.list_trades() == []  # the first chunk's writes were rolled back
        good = journal.import_journal_csv(path, skip_bad=True)
        assert good.committed and good.added == CHUNK_ROWS + 1 and good.skipped_bad == 1


def test_a_later_file_closing_open_trades_closes_them_as_the_reference(tmp_path):
    plain = next(row for row in base_rows(tmp_path) if row["uid"] == "plain")
    unclosed = {column: "" for column in CLOSE_CELLS} | {"fees_usd": plain["open_fees_usd"]}
    opened = csv_text([{**plain, **unclosed, "uid": f"c{n}"} for n in range(4)])
    closed = csv_text([{**plain, "uid": f"c{n}"} for n in range(4)])
    assert_same_reading(closed, chunk_rows=2)
    fast_errors, _ = fast_import(opened, tmp_path / "fast")
    assert not fast_errors
    with Journal.open(tmp_path / "fast", clock=fixed_clock) as journal:
        path = tmp_path / "closed.csv"
        path.write_text(closed, encoding="utf-8", newline="")
        report = journal.import_journal_csv(path)
        assert report.committed and report.closed == 4, report.errors
        fast_rows = table_rows(journal.connect())
    reference_import(opened, tmp_path / "reference")
    records, errors = read_journal_csv(closed)
    assert not errors
    with Journal.open(tmp_path / "reference", clock=fixed_clock) as journal:
        conn = journal.connect()
        ids = dict(conn.execute("SELECT uid, id FROM trades").fetchall())
        with transaction(conn):
            for record in records:
                close_trade(conn, ids[record.trade.uid], record.close)
        assert table_rows(conn) == fast_rows
