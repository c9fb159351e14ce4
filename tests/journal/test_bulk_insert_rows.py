"""Many rows per INSERT statement, shared values bound once (`bulk_insert.insert_rows`), store
exactly what one statement per row (`executemany`, the literal way) stores: the same rows and
types, the same ids, in the same order, and a row a CHECK refuses refuses the batch the same
way."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils.core.sqlite_store import transaction
from utils.journal.bulk_insert import insert_rows

SCHEMA = (
    "CREATE TABLE events (id INTEGER PRIMARY KEY, trade_id INTEGER NOT NULL, "
    "kind TEXT NOT NULL CHECK (kind IN ('open', 'close', 'tag', 'mistake', 'note', 'review')), "
    "at, cents)"  # no type: each value kept as given, 1 apart from 1.0
)
STATEMENT = "INSERT INTO events (trade_id, kind, at, cents) VALUES (?, ?, ?, ?)"
KINDS = st.sampled_from(["open", "close", "note", "review"])
# Few values per column, so columns are often the same in every row of a statement, and
# values equal across types (1, 1.0, True) that must keep their own type.
CELLS = st.sampled_from([None, 0, 1, True, 1.0, "1", "", "a"]) | st.text(max_size=3)
ROWS = st.lists(
    st.tuples(st.integers(1, 3) | st.sampled_from([True, 2.0]), KINDS, CELLS, CELLS),
    min_size=1,
    max_size=40,
)


def table(rows: list[tuple], write) -> list[tuple]:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute(SCHEMA)
    conn.execute("INSERT INTO events VALUES (7, 1, 'open', 'before', 0)")  # ids continue from 7
    with transaction(conn):
        write(conn, rows)
    stored = conn.execute("SELECT * FROM events ORDER BY id").fetchall()
    return [tuple((type(cell), cell) for cell in row) for row in stored]


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


def test_values_equal_across_types_are_not_shared():
    rows = [(1, "open", 1, 1), (1, "open", 1.0, True), (1, "open", 1, 1.0)]
    literal = table(rows, lambda conn, batch: conn.executemany(STATEMENT, batch))
    assert table(rows, lambda conn, batch: insert_rows(conn, STATEMENT, batch, 3)) == literal
