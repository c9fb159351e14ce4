"""Many rows per INSERT statement (`bulk_writes.insert_rows`) store exactly what one statement
per row (`executemany`, the literal way) stores: the same rows, the same ids, in the same order,
and a row a CHECK refuses refuses the batch the same way."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils.core.sqlite_store import transaction
from utils.journal.bulk_writes import insert_rows

SCHEMA = (
    "CREATE TABLE events (id INTEGER PRIMARY KEY, trade_id INTEGER NOT NULL, "
    "kind TEXT NOT NULL CHECK (kind IN ('open', 'close', 'tag', 'mistake', 'note', 'review')), "
    "at TEXT, cents INTEGER)"
)
STATEMENT = "INSERT INTO events (trade_id, kind, at, cents) VALUES (?, ?, ?, ?)"
KINDS = st.sampled_from(["open", "close", "note", "review"])
ROWS = st.lists(
    st.tuples(
        st.integers(1, 10**6),
        KINDS,
        st.none() | st.text(max_size=20),
        st.none() | st.integers(-(2**62), 2**62),
    ),
    min_size=1,
    max_size=40,
)


def table(rows: list[tuple], write) -> list[tuple]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute(SCHEMA)
    conn.execute("INSERT INTO events VALUES (7, 1, 'open', 'before', 0)")  # ids continue from 7
    with transaction(conn):
        write(conn, rows)
    return conn.execute("SELECT * FROM events ORDER BY id").fetchall()


@settings(max_examples=200, deadline=None)
@given(rows=ROWS, per_statement=st.integers(1, 9))
def test_any_rows_in_any_batches_store_what_one_statement_per_row_stores(rows, per_statement):
    literal = table(rows, lambda conn, batch: conn.executemany(STATEMENT, batch))
    batched = table(rows, lambda conn, batch: insert_rows(conn, STATEMENT, batch, per_statement))
    assert batched == literal


def test_sqlites_parameter_limit_splits_the_rows_further():
    rows = [(n, "open", f"at {n}", n) for n in range(25)]

    def limited(conn, batch):
        conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 10)  # two rows of four per statement
        insert_rows(conn, STATEMENT, batch)

    assert table(rows, limited) == table(rows, lambda c, b: c.executemany(STATEMENT, b))


def test_a_refused_row_refuses_its_transaction_as_one_statement_per_row_does():
    rows = [(1, "open", None, 1), (2, "bogus", None, 2), (3, "close", None, 3)]
    for write in (
        lambda conn, batch: conn.executemany(STATEMENT, batch),
        lambda conn, batch: insert_rows(conn, STATEMENT, batch, 2),
    ):
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.execute(SCHEMA)
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
            with transaction(conn):
                write(conn, rows)
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone() == (0,)
