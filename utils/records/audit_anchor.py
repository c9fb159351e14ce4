"""The audit log's head anchor: the newest audit entry's seq and hash, kept outside the audit file.

It lives in `data/journal.sqlite3` (component `audit_anchor`, one row), so deleting the newest
rows of `data/audit.sqlite3` (which the hash chain alone cannot see) leaves the anchor pointing
past the head, or at a row whose hash differs. `audit.AuditLog` writes it after each append
commits and compares it in `check_chain()`; this module only stores it.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from utils.core.sessions import Clock, to_utc, utc_now
from utils.core.sqlite_store import connect, ensure_schema, journal_path, transaction

ANCHOR_COMPONENT = "audit_anchor"
MIGRATIONS = (
    """
    CREATE TABLE audit_anchor (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        seq         INTEGER NOT NULL CHECK (seq >= 1),
        entry_hash  TEXT NOT NULL,
        anchored_at TEXT NOT NULL
    );
    """,
)


class AuditAnchor(BaseModel):
    """The audit entry recorded as the head: its seq and hash, and when."""

    model_config = ConfigDict(frozen=True)

    seq: int
    entry_hash: str
    anchored_at: datetime


class AuditAnchorStore:
    """The one-row anchor table in the journal's SQLite file."""

    def __init__(self, path: Path, *, clock: Clock = utc_now) -> None:
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._conn = connect(path)
        self._conn.row_factory = sqlite3.Row
        ensure_schema(self._conn, ANCHOR_COMPONENT, MIGRATIONS, clock=clock)

    @classmethod
    def open(cls, data_dir: Path, *, clock: Clock = utc_now) -> AuditAnchorStore:
        """Open the anchor in `data_dir/journal.sqlite3`."""
        return cls(journal_path(data_dir), clock=clock)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def read(self) -> AuditAnchor | None:
        """The anchored head (None when nothing was ever anchored)."""
        with self._lock:
            row = self._conn.execute("SELECT * FROM audit_anchor WHERE id = 1").fetchone()
        if row is None:
            return None
        return AuditAnchor(
            seq=row["seq"],
            entry_hash=row["entry_hash"],
            anchored_at=datetime.fromisoformat(row["anchored_at"]),
        )

    def others_version(self) -> int:
        """A stamp of the journal file that moves on every commit to it but this store's own
        anchor writes (SQLite's `PRAGMA data_version` on its connection)."""
        with self._lock:
            (others,) = self._conn.execute("PRAGMA data_version").fetchone()
        return int(others)

    def record(self, seq: int, entry_hash: str) -> None:
        """Anchor the head at (seq, entry_hash); the caller decides whether it may move there."""
        at = to_utc(self._clock()).isoformat()
        with self._lock, transaction(self._conn):
            self._conn.execute(
                "INSERT INTO audit_anchor (id, seq, entry_hash, anchored_at) VALUES (1, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, "
                "entry_hash = excluded.entry_hash, anchored_at = excluded.anchored_at",
                (seq, entry_hash, at),
            )
