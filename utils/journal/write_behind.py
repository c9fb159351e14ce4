"""An import's bulk INSERTs written behind its reading: one worker thread, in order, one commit.

An import spends most of its time in Python (reading rows, planning spreads, gathering the rows
to store) and a large part in SQLite's inserts, which run with the interpreter lock released.
`with WriteBehind(conn) as behind:` hands those inserts (`behind.insert`, the statements of
`utils.journal.bulk_insert.insert_rows`) to one worker thread that runs them in the order given,
on the import's own connection inside the import's open transaction, while the import reads on.

The connection is never used by two threads at once: the import reaches it only through
`WriteBehind.conn`, which first waits until every batch handed over is written. A batch that
fails is raised there (or at `drain`, or at the block's end) and the rest are not run, so the
caller's transaction rolls back exactly as it would have with the inserts run in its own
thread. Leaving the block by an exception stops the worker before the exception goes on (the
rollback never meets a running insert). Nothing is read before it is written.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from utils.journal.bulk_insert import insert_statements

_STOP = None  # the worker's last item
# A thread switch interval for a process that imports (the command line sets it): each time
# SQLite finishes a statement the worker needs the interpreter lock back, and at Python's
# default of 5 ms it would wait for it longer than the statement took. The import's own thread
# gives the lock up only when the worker asks, so a short interval costs it little (20k
# tastytrade spreads: the writes took 1.25 s at 0.5 ms, 1.15 s at 0.1 ms, no less below).
IMPORT_SWITCH_INTERVAL_S = 0.0001


class WriteBehind:
    """The import's connection and the inserts waiting for it; a context manager whose block
    runs the worker."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._parameter_limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        self._batches: queue.Queue[tuple[str, list[Any]] | None] = queue.Queue()
        self._failure: BaseException | None = None
        self._worker = threading.Thread(target=self._write, name="import-write-behind")

    def insert(self, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Write `rows` with the one-row `statement` as `insert_rows` does, after every batch
        before them (the statements are built here, in the caller's thread: the worker only
        runs them)."""
        for batch in insert_statements(statement, rows, self._parameter_limit):
            self._batches.put(batch)

    def drain(self) -> None:
        """Wait until every batch handed over is written; raise the first one that failed."""
        self._batches.join()
        if self._failure is not None:
            raise self._failure

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection, once every batch handed over is written (`drain`)."""
        self.drain()
        return self._conn

    def _write(self) -> None:
        while (batch := self._batches.get()) is not _STOP:
            try:
                if self._failure is None:
                    self._conn.execute(*batch)
            except BaseException as failure:  # raised in the import's thread (`drain`)
                self._failure = failure
            finally:
                self._batches.task_done()
        self._batches.task_done()

    def __enter__(self) -> WriteBehind:
        self._worker.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """Every batch written (the first failure raised); leaving by an exception, the batches
        still waiting are skipped and the exception goes on."""
        if kind is not None and self._failure is None:
            self._failure = _Skipped()
        self._batches.put(_STOP)
        self._worker.join()
        if kind is None:
            self.drain()


class _Skipped(Exception):
    """The import failed before its waiting writes (they are never run)."""
