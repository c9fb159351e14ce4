"""Many rows per INSERT statement, a value the same in every row of a statement bound once.

`insert_rows(conn, "INSERT INTO t (a, b) VALUES (?, ?)", rows)` stores exactly what
`conn.executemany` of that statement stores, in the same order, in one statement per
`ROWS_PER_STATEMENT` rows: run once per row, a statement redoes its per-run work each time (the
schema's CHECK ... IN (...) lists build their lookup table once per run), and a column whose
value is the same in every row of a statement (the structure, legs, fees of one shape of trade)
is bound once as a numbered parameter (`?1`) that every row names.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from typing import Any

ROWS_PER_STATEMENT = 500
_SHAREABLE = (str, int, type(None))  # compared by value, never 1 == 1.0 == True


def insert_rows(
    conn: sqlite3.Connection,
    statement: str,
    rows: Sequence[tuple[Any, ...]],
    rows_per_statement: int = ROWS_PER_STATEMENT,
) -> None:
    """Run a one-row `INSERT ... VALUES (?, ...)` for every row, in order, up to
    `rows_per_statement` rows (and SQLite's parameter limit) per statement."""
    limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    for sql, cells in insert_statements(statement, rows, limit, rows_per_statement):
        conn.execute(sql, cells)


def insert_statements(
    statement: str,
    rows: Sequence[tuple[Any, ...]],
    parameter_limit: int,
    rows_per_statement: int = ROWS_PER_STATEMENT,
) -> Iterator[tuple[str, list[Any]]]:
    """The statements and parameters `insert_rows` runs for `rows` (at most `parameter_limit`
    parameters a statement): many rows each, shared values bound once."""
    if not rows:
        return
    head = statement.split(" VALUES ")[0]
    width = len(rows[0])
    per_statement = max(1, min(rows_per_statement, parameter_limit // width))
    for start in range(0, len(rows), per_statement):
        part = rows[start : start + per_statement]
        shared = _shared_columns(part)
        varying = [column for column in range(width) if column not in shared]
        cells = [part[0][column] for column in shared]
        if len(varying) == 1:
            cells.extend(map(itemgetter(varying[0]), part))
        elif varying:
            cells.extend(chain.from_iterable(map(itemgetter(*varying), part)))
        values = _values(width, tuple(shared), len(part))
        # the SQL is a constant statement's head and numbered parameters: no input in it
        yield f"{head} VALUES {values}", cells


def _shared_columns(part: Sequence[tuple[Any, ...]]) -> list[int]:
    """The columns with one value, of one type (text, integer or NULL), in every row."""
    shared = []
    for column, values in enumerate(zip(*part)):
        first = values[0]
        if (
            type(first) in _SHAREABLE
            and values.count(first) == len(values)
            and len(set(map(type, values))) == 1
        ):
            shared.append(column)
    return shared


@lru_cache(maxsize=64)
def _values(width: int, shared: tuple[int, ...], rows: int) -> str:
    """The VALUES list of `rows` rows of `width` columns: the shared columns are `?1`, `?2`...
    in every row, the other cells numbered after them, row after row."""
    number = {column: index for index, column in enumerate(shared, start=1)}
    last = len(shared)
    tuples = []
    for _ in range(rows):
        names = []
        for column in range(width):
            if column in number:
                names.append(f"?{number[column]}")
            else:
                last += 1
                names.append(f"?{last}")
        tuples.append(f"({', '.join(names)})")
    return ", ".join(tuples)
