"""Consistent backups of the cockpit's SQLite files, their rotation, and restoring one.

A backup is SQLite's online backup API (`sqlite3.Connection.backup`) copying a store in one
step, so it is a consistent snapshot even while another connection writes (WAL). Backups live
in `data/backups/` as `<store>-<UTC timestamp>.sqlite3` (mode 0600); the newest `KEEP_PER_STORE`
of each store are kept. The cockpit backs every store up at start-up when its newest backup is
older than `BACKUP_EVERY`.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from utils.core.sessions import Clock
from utils.core.sqlite_store import connect

BACKUPS_DIR_NAME = "backups"
KEEP_PER_STORE = 7
BACKUP_EVERY = timedelta(days=1)
BACKUP_FILE_MODE = 0o600
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_BACKUP_NAME = re.compile(r"^(?P<store>[a-z][a-z0-9_]*)-(?P<at>\d{8}T\d{6}Z)\.sqlite3$")


class BackupError(Exception):
    """A backup cannot be made or restored; the message says which file and why."""


def backups_dir(data_dir: Path) -> Path:
    """Where the backups of the stores under `data_dir` live (`data_dir/backups`)."""
    return Path(data_dir) / BACKUPS_DIR_NAME


def _store_name(source: Path) -> str:
    """The store a file holds, as backup names spell it (`journal.sqlite3` -> `journal`)."""
    return source.name.removesuffix(".sqlite3")


def _taken_at(backup: Path) -> datetime | None:
    """When a backup was taken, read from its name (None for a file that is not a backup)."""
    match = _BACKUP_NAME.match(backup.name)
    if match is None:
        return None
    return datetime.strptime(match["at"], TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)


def list_backups(directory: Path, store: str | None = None) -> list[Path]:
    """The backups in `directory` (of one store, or all), oldest first."""
    if not directory.is_dir():
        return []
    found = [
        path
        for path in directory.iterdir()
        if (match := _BACKUP_NAME.match(path.name)) and store in (None, match["store"])
    ]
    return sorted(found, key=lambda path: (_taken_at(path), path.name))


def last_backup_at(directory: Path) -> datetime | None:
    """When the newest backup of any store was taken (None when there is none)."""
    times = [_taken_at(path) for path in list_backups(directory)]
    return max((t for t in times if t is not None), default=None)


def back_up(source: Path, directory: Path, *, clock: Clock, keep: int = KEEP_PER_STORE) -> Path:
    """Copy one store consistently into `directory` (mode 0600), keep its newest `keep`; return
    the new file."""
    at = clock().astimezone(timezone.utc)
    target = directory / f"{_store_name(source)}-{at.strftime(TIMESTAMP_FORMAT)}.sqlite3"
    partial = target.with_name(target.name + ".partial")
    directory.mkdir(parents=True, exist_ok=True)
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, BACKUP_FILE_MODE))
    try:
        _copy(source, partial)
        os.chmod(partial, BACKUP_FILE_MODE)
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    rotate(directory, _store_name(source), keep=keep)
    return target


def _copy(source: Path, target: Path) -> None:
    """SQLite's online backup of `source` into `target`, in one step (a consistent snapshot)."""
    reading = connect(source)
    try:
        writing = sqlite3.connect(target)
        try:
            reading.backup(writing)
        finally:
            writing.close()
    finally:
        reading.close()


def rotate(directory: Path, store: str, *, keep: int = KEEP_PER_STORE) -> list[Path]:
    """Delete all but the newest `keep` backups of one store; return the deleted files."""
    backups = list_backups(directory, store)
    stale = backups[: max(len(backups) - keep, 0)]
    for path in stale:
        path.unlink()
    return stale


def back_up_if_due(
    sources: Iterable[Path],
    directory: Path,
    *,
    clock: Clock,
    every: timedelta = BACKUP_EVERY,
    keep: int = KEEP_PER_STORE,
) -> list[Path]:
    """Back up each existing store whose newest backup is older than `every`; return the new
    files."""
    made = []
    for source in sources:
        if not source.is_file():
            continue
        newest = list_backups(directory, _store_name(source))
        taken = _taken_at(newest[-1]) if newest else None
        if taken is None or clock() - taken >= every:
            made.append(back_up(source, directory, clock=clock, keep=keep))
    return made


def _read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to a file that must already exist."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def check_backup(backup: Path, *, component: str) -> None:
    """Refuse (BackupError) a file that is not an intact SQLite file holding `component`'s
    tables (integrity_check and its row in `schema_version`)."""
    if not backup.is_file():
        raise BackupError(f"{backup} is not a file")
    try:
        conn = _read_only(backup)
        try:
            (integrity,) = conn.execute("PRAGMA integrity_check").fetchone()
            if integrity != "ok":
                raise BackupError(f"{backup} is damaged: {integrity}")
            row = conn.execute(
                "SELECT version FROM schema_version WHERE component = ?", (component,)
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error as error:
        raise BackupError(f"{backup} is not a valid {component} backup ({error})") from None
    if row is None:
        raise BackupError(f"{backup} is not a {component} backup (no {component} schema)")


def restore(backup: Path, target: Path, *, component: str, overwrite: bool) -> None:
    """Replace the store at `target` with a checked backup, consistently (SQLite's backup API).

    An existing `target` is overwritten only when `overwrite` (the user confirmed)."""
    check_backup(backup, component=component)
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists; confirm replacing it with --yes")
    reading = _read_only(backup)
    try:
        writing = connect(target)
        try:
            reading.backup(writing)
        finally:
            writing.close()
    finally:
        reading.close()
