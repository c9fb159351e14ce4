"""Hold a real SQLite file's write lock from a second connection, as a large import would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from utils.core.sqlite_store import connect


@contextmanager
def write_lock_held(path: Path) -> Iterator[None]:
    """Another connection to the same file holds the write lock (BEGIN IMMEDIATE) in the block."""
    holder = connect(path)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()
