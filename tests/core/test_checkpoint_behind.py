"""A large write's log copied into the database file behind it (`CheckpointBehind`), on real
SQLite files: inside the block the commit leaves its pages in the log (no automatic checkpoint
on the writer's thread); after it, a worker copies them into the file; an error in the block
starts no worker; the automatic checkpoint is back on after the block either way."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from tests.journal.test_cockpit_csv import export_text, rich_journal
from utils.core.checkpoint_behind import AUTOCHECKPOINT_PAGES, CheckpointBehind
from utils.core.sqlite_store import connect, transaction
from utils.journal.store import Journal

ROWS = [(n, "x" * 200) for n in range(20_000)]  # about 5 MB: past the 1,000-page automatic point


def database(path: Path) -> sqlite3.Connection:
    conn = connect(path)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)")
    return conn


def autocheckpoint(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]


def test_the_commits_pages_reach_the_file_behind_the_block(tmp_path: Path):
    path = tmp_path / "j.sqlite3"
    conn = database(path)
    behind = CheckpointBehind(path)
    before = path.stat().st_size
    with behind.around(conn):
        assert autocheckpoint(conn) == 0
        with transaction(conn):
            conn.executemany("INSERT INTO t VALUES (?, ?)", ROWS)
        # committed, yet the file is as it was: the pages wait in the log
        assert path.stat().st_size == before
        assert conn.execute("SELECT COUNT(*) FROM t").fetchone() == (20_000,)
    behind.wait()
    assert path.stat().st_size > before + 4_000_000
    assert autocheckpoint(conn) == AUTOCHECKPOINT_PAGES
    reader = sqlite3.connect(path)  # a reader of the file alone sees every row
    assert reader.execute("SELECT COUNT(*) FROM t").fetchone() == (20_000,)


def test_an_error_in_the_block_starts_no_checkpoint_and_restores_the_automatic_one(
    tmp_path: Path,
):
    path = tmp_path / "j.sqlite3"
    conn = database(path)
    behind = CheckpointBehind(path)
    before = path.stat().st_size
    with pytest.raises(ValueError, match="refused"):
        with behind.around(conn):
            with transaction(conn):
                conn.executemany("INSERT INTO t VALUES (?, ?)", ROWS)
            raise ValueError("refused")
    behind.wait()
    assert path.stat().st_size == before  # no checkpoint ran behind
    assert autocheckpoint(conn) == AUTOCHECKPOINT_PAGES


def test_a_journal_import_checkpoints_behind_and_closing_the_journal_waits_for_it(
    tmp_path: Path,
):
    with Journal.open(tmp_path / "source") as source:
        rich_journal(source)
        text = export_text(source, tmp_path)
    path = tmp_path / "journal.csv"
    path.write_text(text, encoding="utf-8", newline="")
    journal = Journal.open(tmp_path / "imported")
    report = journal.import_journal_csv(path)
    assert report.committed and report.added == 2, report.errors
    journal.close()
    assert not any(thread.name == "journal-checkpoint" for thread in threading.enumerate())
    reader = sqlite3.connect(tmp_path / "imported" / "journal.sqlite3")
    assert reader.execute("SELECT COUNT(*) FROM trades").fetchone() == (2,)
