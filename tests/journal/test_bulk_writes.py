"""The journal CSV's bulk writes store exactly what the one-at-a-time writes store."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.journal.test_cockpit_csv import export_text, rich_journal
from utils.journal import bulk_writes
from utils.core.sqlite_store import transaction
from utils.journal.cockpit_csv_reader import read_journal_csv
from utils.journal.importer import _insert_record
from utils.journal.store import Journal

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
TABLES = (
    "trades",
    "trade_legs",
    "trade_orders",
    "trade_tags",
    "trade_mistakes",
    "trade_notes",
    "trade_risk_flags",
    "journal_events",
)


def fixed_clock() -> datetime:
    return NOW


def table_rows(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    """Every row of every table a trade writes (ids included), in one order."""
    # the table names are the constants above, never input
    select = "SELECT * FROM {}"
    return {t: sorted(conn.execute(select.format(t)).fetchall(), key=repr) for t in TABLES}


def three_trade_csv(tmp_path: Path) -> tuple[str, Path]:
    """A journal CSV of three trades (a parent with notes, tags and a mistake, its child, and a
    plain one), as text and as a file."""
    with Journal.open(tmp_path / "source") as source:
        rich_journal(source)
        source.open_trade(source.list_trades()[0].model_copy(update={"uid": "plain"}))
        text = export_text(source, tmp_path)
    path = tmp_path / "journal.csv"
    path.write_text(text, encoding="utf-8", newline="")
    return text, path


@pytest.mark.parametrize("gather_slice", [bulk_writes.GATHER_SLICE, 1, 2])
def test_bulk_import_writes_the_same_rows_as_one_trade_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gather_slice: int
):
    """Whatever the slices the rows are gathered and written behind in (one trade a slice, a
    slice across the parent and its child), the journal holds the same rows."""
    monkeypatch.setattr(bulk_writes, "GATHER_SLICE", gather_slice)
    text, path = three_trade_csv(tmp_path)
    with Journal.open(tmp_path / "bulk", clock=fixed_clock) as bulk:
        report = bulk.import_journal_csv(path)
        assert report.committed and report.added == 3, report.errors
        bulk_rows = table_rows(bulk.connect())
    records, errors = read_journal_csv(text)
    assert not errors
    with Journal.open(tmp_path / "single", clock=fixed_clock) as single:
        conn = single.connect()
        known: dict[str, int] = {}
        with transaction(conn):
            # parents first, as the importer orders them (the child is one level deep here)
            for record in sorted(records, key=lambda r: r.parent_uid is not None):
                _insert_record(conn, record, known, fixed_clock)
        single_rows = table_rows(conn)
    assert bulk_rows["trade_mistakes"] and bulk_rows["trade_notes"] and bulk_rows["trade_tags"]
    assert bulk_rows == single_rows


def test_the_clock_is_read_once_per_slice_for_the_trades_created_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The trades of one slice share the moment it was gathered; a later slice, a later one."""
    monkeypatch.setattr(bulk_writes, "GATHER_SLICE", 2)
    _, path = three_trade_csv(tmp_path)
    seconds = iter(range(10**6))

    def ticking() -> datetime:  # each reading a second after the one before
        return datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc) + timedelta(seconds=next(seconds))

    with Journal.open(tmp_path / "bulk", clock=ticking) as bulk:
        report = bulk.import_journal_csv(path)
        assert report.committed and report.added == 3, report.errors
        created = [
            at for (at,) in bulk.connect().execute("SELECT created_at FROM trades ORDER BY id")
        ]
    assert created[0] == created[1] < created[2]
