"""A large write's log copied into the database file on another thread, after its commit.

In WAL mode SQLite copies the write-ahead log into the database file (a checkpoint) when a
commit leaves the log past 1,000 pages: after an import of years of history that is tens of
megabytes, copied in the importer's thread before it can go on (to judge what the import
changed, say). `CheckpointBehind.around(conn)` turns that off for the block on `conn` and, once
the block is done, runs the same passive checkpoint on a connection of its own in a worker
thread while the caller goes on; readers never wait for a checkpoint in WAL mode.

Nothing can be lost: a checkpoint only copies committed pages, and one that stops short (a
reader in the way, an error) leaves the rest in the log, which SQLite reads as before and the
next commit's own checkpoint copies. `wait()` joins the worker (before the file is closed).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from utils.core.sqlite_store import connect

AUTOCHECKPOINT_PAGES = 1_000  # SQLite's default, restored after the block


class CheckpointBehind:
    """Checkpoints of one database file run behind the writes that filled its log."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._worker: threading.Thread | None = None

    @contextmanager
    def around(self, conn: sqlite3.Connection) -> Iterator[None]:
        """Run the block on `conn` without its automatic checkpoint; after a block that ended
        without an error, checkpoint in the worker thread."""
        self.wait()
        conn.execute("PRAGMA wal_autocheckpoint=0")
        try:
            yield
        finally:
            conn.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        self._worker = threading.Thread(target=self._checkpoint, name="journal-checkpoint")
        self._worker.start()

    def wait(self) -> None:
        """Wait for the checkpoint running behind, if any."""
        if self._worker is not None:
            self._worker.join()
            self._worker = None

    def _checkpoint(self) -> None:
        try:
            conn = connect(self._path)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                conn.close()
        except sqlite3.Error:
            return  # the rest stays in the log: the next commit's own checkpoint copies it
