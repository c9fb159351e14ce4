"""The cockpit's SQLite file: one way to connect, explicit transactions, versioned schemas.

Every store that lives in `data/journal.sqlite3` (journal, alerts, halt, latch, audit) opens it
with `connect()` and creates its tables with `ensure_schema(conn, component, migrations)`. Each
component keeps its own version number in the shared `schema_version` table, so the journal's
migrations and, say, the audit log's migrations never collide. A migration is a SQL script (split
into statements with `sqlite3.complete_statement`); it runs inside one transaction together with
the version bump, so a crash half-way leaves the previous version intact.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from utils.core.sessions import Clock, utc_now

COMPONENT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
BUSY_TIMEOUT_MS = 10_000

SCHEMA_VERSION_DDL = """
CREATE TABLE IF NOT EXISTS schema_version (
    component  TEXT PRIMARY KEY,
    version    INTEGER NOT NULL CHECK (version >= 0),
    applied_at TEXT NOT NULL
)
"""


JOURNAL_BUSY_MESSAGE = "the journal is busy with an import; try again"


class JournalBusy(sqlite3.OperationalError):
    """Another connection (e.g. a large import) held the write lock past the busy timeout.

    A `sqlite3.OperationalError`, so every handler that fails closed on a database error still
    catches it."""

    def __init__(self) -> None:
        super().__init__(JOURNAL_BUSY_MESSAGE)


def is_busy(error: sqlite3.Error) -> bool:
    """Whether SQLite refused because another connection holds the lock (SQLITE_BUSY)."""
    return getattr(error, "sqlite_errorcode", None) is not None and (
        error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
    )


class StoreUnwritable(sqlite3.OperationalError):
    """SQLite could not write: the disk is full or the data folder is read-only.

    The transaction was rolled back (nothing half-written); a `sqlite3.OperationalError`, so
    handlers that fail closed on a database error still catch it."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"the database could not be written: the disk is full or the data folder is read-only "
            f"({detail}); nothing was changed: free some space or make the folder writable, "
            "then try again"
        )


_UNWRITABLE = ("disk is full", "readonly", "read-only", "unable to open database file")


def is_unwritable(error: sqlite3.Error) -> bool:
    """Whether SQLite refused a write for lack of space or permission (SQLITE_FULL/READONLY)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY):
        return True
    return any(text in str(error).lower() for text in _UNWRITABLE)


def _refusal(error: sqlite3.OperationalError) -> sqlite3.OperationalError | None:
    """The typed refusal for a busy or unwritable database, None for any other error."""
    if is_busy(error):
        return JournalBusy()
    if is_unwritable(error):
        return StoreUnwritable(str(error))
    return None


class SchemaError(Exception):
    """The database file holds a schema this code cannot use (e.g. written by a newer version)."""


# What opening a damaged, foreign or unreadable SQLite file can raise.
DATABASE_ERRORS = (sqlite3.Error, SchemaError)


JOURNAL_FILE_NAME = "journal.sqlite3"


def journal_path(data_dir: Path) -> Path:
    """The journal's SQLite file, which the other stores share (`data_dir/journal.sqlite3`)."""
    return Path(data_dir) / JOURNAL_FILE_NAME


def connect(path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    """Open (creating parent folders) a SQLite file in WAL mode with foreign keys on.

    A write waits up to `busy_timeout_ms` for another connection's write lock; past it,
    `transaction()` raises `JournalBusy`; a full disk or read-only folder raises
    `StoreUnwritable`.

    The connection is in autocommit mode: writes go through `transaction()`, which issues
    BEGIN IMMEDIATE / COMMIT explicitly. `synchronous=FULL` so a committed trade survives a
    crash of the process and of the machine. `check_same_thread=False` lets one owner object
    serialise access from several threads (the owner holds the lock).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=busy_timeout_ms / 1000
    )
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    except sqlite3.DatabaseError:
        conn.close()
        raise
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run a block as one write transaction: commit on success, roll back on any error.

    A write lock held by another connection past the busy timeout raises `JournalBusy`.
    """
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        refusal = _refusal(error)
        if refusal is not None:
            raise refusal from None
        raise
    try:
        yield conn
        conn.execute("COMMIT")
    except sqlite3.OperationalError as error:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        refusal = _refusal(error)
        if refusal is not None:
            raise refusal from None
        raise
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


# An import's page cache (KiB; SQLite's default is 2,000): a large import inserts into indexes
# whose keys are hashes (the fills' keys), at random places, and a cache the size of those
# indexes writes each of their pages once instead of spilling it mid-import and reading it back.
IMPORT_CACHE_KIB = 16_000


@contextmanager
def larger_cache(conn: sqlite3.Connection, kib: int = IMPORT_CACHE_KIB) -> Iterator[None]:
    """Run the block with a page cache of `kib` KiB on `conn`; its own size is restored after."""
    (before,) = conn.execute("PRAGMA cache_size").fetchone()
    conn.execute(f"PRAGMA cache_size={-int(kib)}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size={int(before)}")


def schema_version(conn: sqlite3.Connection, component: str) -> int:
    """The migration count applied for one component (0 when it has never been created)."""
    conn.execute(SCHEMA_VERSION_DDL)
    row = conn.execute(
        "SELECT version FROM schema_version WHERE component = ?", (component,)
    ).fetchone()
    return int(row[0]) if row else 0


def ensure_schema(
    conn: sqlite3.Connection,
    component: str,
    migrations: Sequence[str],
    clock: Clock = utc_now,
) -> int:
    """Apply the component's missing forward migrations, one transaction each; return its version.

    `migrations[i]` is the SQL script that takes the component from version i to i + 1. Append
    new scripts at the end; never edit one that has shipped. A file written by newer code (a
    version above `len(migrations)`) is refused rather than guessed at.
    """
    if not COMPONENT_NAME.match(component):
        raise ValueError(f"schema component name {component!r} must match {COMPONENT_NAME.pattern}")
    conn.execute(SCHEMA_VERSION_DDL)
    current = schema_version(conn, component)
    if current > len(migrations):
        raise SchemaError(
            f"the {component!r} tables are at schema version {current} but this code knows only "
            f"{len(migrations)}; upgrade the cockpit before opening this data folder"
        )
    for target, script in enumerate(migrations[current:], start=current + 1):
        _apply_migration(conn, component, target, script, clock())
    return len(migrations)


def split_statements(script: str) -> list[str]:
    """Split a SQL script into complete statements (trigger bodies stay whole)."""
    statements, pending = [], ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\r\n;"):
                statements.append(pending.strip())
            pending = ""
    if pending.strip(" \t\r\n;"):
        raise SchemaError(f"migration script ends with an incomplete statement: {pending[:80]!r}")
    return statements


def _apply_migration(
    conn: sqlite3.Connection, component: str, target: int, script: str, at: datetime
) -> None:
    statements = split_statements(script)
    with transaction(conn):
        # Re-read under the write lock: another process may have migrated meanwhile.
        if schema_version(conn, component) >= target:
            return
        for statement in statements:
            conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_version (component, version, applied_at) VALUES (?, ?, ?) "
            "ON CONFLICT(component) DO UPDATE SET version = excluded.version, "
            "applied_at = excluded.applied_at",
            (component, target, at.isoformat()),
        )
