"""The import's inserts written behind its reading (`write_behind.WriteBehind`), on a real SQLite
file: the rows stored are those `insert_rows` stores in the caller's thread, in the same order
and ids; a batch SQLite refuses is raised in the caller's thread and the transaction keeps
nothing; leaving the block by an error never runs the batches still waiting."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from utils.core.sqlite_store import connect, transaction
from utils.journal.bulk_insert import insert_rows
from utils.journal.write_behind import WriteBehind

SCHEMA = (
    "CREATE TABLE events (id INTEGER PRIMARY KEY, trade_id INTEGER NOT NULL, "
    "kind TEXT NOT NULL CHECK (kind IN ('open', 'close')), at TEXT)"
)
STATEMENT = "INSERT INTO events (trade_id, kind, at) VALUES (?, ?, ?)"


def journal_file(path: Path) -> sqlite3.Connection:
    conn = connect(path / "journal.sqlite3")
    conn.execute(SCHEMA)
    return conn


def batches() -> list[list[tuple]]:
    return [
        [(n, "open" if n % 3 else "close", f"at {n}.{k}") for k in range(n)] for n in range(1, 9)
    ]


def stored(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute("SELECT * FROM events ORDER BY id").fetchall()


def test_rows_written_behind_are_the_rows_written_in_the_callers_thread(tmp_path: Path):
    direct = journal_file(tmp_path / "direct")
    with transaction(direct):
        for rows in batches():
            insert_rows(direct, STATEMENT, rows)
    behind_file = journal_file(tmp_path / "behind")
    with transaction(behind_file), WriteBehind(behind_file) as behind:
        for number, rows in enumerate(batches()):
            behind.insert(STATEMENT, rows)
            if number == 4:  # a read through `conn` sees every batch handed over before it
                assert behind.conn.execute("SELECT COUNT(*) FROM events").fetchone() == (15,)
    assert len(stored(direct)) == 36
    assert stored(behind_file) == stored(direct)


def on_insert(conn: sqlite3.Connection, name: str, function) -> None:
    """Call `function(trade_id)` in the thread that inserts each row (a temporary trigger)."""
    conn.create_function(name, 1, function)
    conn.execute(
        f"CREATE TEMP TRIGGER {name}_on_insert AFTER INSERT ON events "
        f"BEGIN SELECT {name}(NEW.trade_id); END"
    )


def test_the_inserts_run_on_one_other_thread_and_conn_waits_for_them(tmp_path: Path):
    conn = journal_file(tmp_path)
    threads: list[str] = []
    on_insert(conn, "thread_name", lambda _: threads.append(threading.current_thread().name))
    with transaction(conn), WriteBehind(conn) as behind:
        for rows in batches():
            behind.insert(STATEMENT, rows)
        assert behind.conn.execute("SELECT COUNT(*) FROM events").fetchone() == (36,)
    assert len(threads) == 36 and set(threads) == {"import-write-behind"}


def test_a_refused_batch_is_raised_to_the_caller_and_the_transaction_keeps_nothing(
    tmp_path: Path,
):
    conn = journal_file(tmp_path)
    written: list[int] = []
    on_insert(conn, "seen", written.append)
    after_refusal = [(99, "open", "never written")]
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        with transaction(conn), WriteBehind(conn) as behind:
            behind.insert(STATEMENT, [(1, "open", "a")])
            behind.insert(STATEMENT, [(2, "bogus", "b")])
            behind.insert(STATEMENT, after_refusal)
            behind.drain()
            pytest.fail("drain returned after a refused batch")
    assert written == [1] and stored(conn) == []  # the batch after the refusal never ran
    with transaction(conn):  # the connection is usable again: nothing half-written remains
        insert_rows(conn, STATEMENT, [(3, "close", "c")])
    assert [row[1:] for row in stored(conn)] == [(3, "close", "c")]


def test_a_refusal_at_the_last_batch_is_raised_at_the_blocks_end(tmp_path: Path):
    conn = journal_file(tmp_path)
    with pytest.raises(sqlite3.IntegrityError):
        with transaction(conn), WriteBehind(conn) as behind:
            behind.insert(STATEMENT, [(1, "open", "a")])
            behind.insert(STATEMENT, [(2, "bogus", "b")])
    assert stored(conn) == []


def test_an_error_in_the_block_goes_on_after_the_worker_stops_and_keeps_nothing(
    tmp_path: Path,
):
    conn = journal_file(tmp_path)
    inside, gate = threading.Event(), threading.Event()
    written: list[int] = []

    def seen(trade_id: int) -> None:
        if trade_id == 0:  # the worker holds in the first batch until the block has failed
            inside.set()
            gate.wait(timeout=60)
        written.append(trade_id)

    on_insert(conn, "seen", seen)
    with pytest.raises(ValueError, match="a bad row"):
        with transaction(conn), WriteBehind(conn) as behind:
            behind.insert(STATEMENT, [(0, "open", "first")])
            behind.insert(STATEMENT, [(1, "open", "waiting")])
            assert inside.wait(timeout=60)
            try:
                raise ValueError("a bad row")
            finally:
                gate.set()
    assert written[0] == 0 and stored(conn) == []
    assert not any(t.name == "import-write-behind" for t in threading.enumerate())


def test_nothing_handed_over_writes_nothing(tmp_path: Path):
    conn = journal_file(tmp_path)
    with transaction(conn), WriteBehind(conn) as behind:
        behind.insert(STATEMENT, [])
    assert stored(conn) == []
