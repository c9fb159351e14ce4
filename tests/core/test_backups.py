"""Backups of real SQLite files: consistent while another connection writes, rotated, 0600."""

from __future__ import annotations

import sqlite3
import stat
from datetime import datetime, timedelta, timezone

import pytest

from utils.core.backups import (
    BackupError,
    back_up,
    back_up_if_due,
    check_backup,
    last_backup_at,
    list_backups,
    restore,
)
from utils.core.sqlite_store import connect, ensure_schema, transaction

START = datetime(2026, 12, 2, 8, 0, 5, tzinfo=timezone.utc)
SCHEMA = ["CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)"]


class SteppingClock:
    """A clock the test moves by hand."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def make_store(path, names):
    """A store file with the `items` component holding `names`."""
    conn = connect(path)
    ensure_schema(conn, "items", SCHEMA)
    with transaction(conn):
        conn.executemany("INSERT INTO items (name) VALUES (?)", [(n,) for n in names])
    return conn


def names_in(path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [name for (name,) in conn.execute("SELECT name FROM items ORDER BY id")]
    finally:
        conn.close()


def test_a_backup_is_a_consistent_copy_while_another_connection_writes(tmp_path):
    source = tmp_path / "journal.sqlite3"
    writer = make_store(source, ["committed"])
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO items (name) VALUES ('uncommitted')")
    try:
        made = back_up(source, tmp_path / "backups", clock=SteppingClock(START))
    finally:
        writer.execute("COMMIT")
        writer.close()
    assert made == tmp_path / "backups" / "journal-20261202T080005Z.sqlite3"
    assert names_in(made) == ["committed"], "the committed rows (in the WAL), nothing half-done"
    assert names_in(source) == ["committed", "uncommitted"]
    check_backup(made, component="items")


def test_a_backup_file_is_readable_only_by_its_owner(tmp_path):
    make_store(tmp_path / "audit.sqlite3", ["a"]).close()
    made = back_up(tmp_path / "audit.sqlite3", tmp_path / "backups", clock=SteppingClock(START))
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [made.name], "no partial left"


def test_rotation_keeps_the_newest_n_of_each_store(tmp_path):
    make_store(tmp_path / "journal.sqlite3", ["j"]).close()
    make_store(tmp_path / "audit.sqlite3", ["a"]).close()
    directory, clock = tmp_path / "backups", SteppingClock(START)
    for day in range(9):
        clock.at = START + timedelta(days=day)
        back_up(tmp_path / "journal.sqlite3", directory, clock=clock, keep=3)
    back_up(tmp_path / "audit.sqlite3", directory, clock=clock, keep=3)
    assert [p.name for p in list_backups(directory, "journal")] == [
        "journal-20261208T080005Z.sqlite3",
        "journal-20261209T080005Z.sqlite3",
        "journal-20261210T080005Z.sqlite3",
    ]
    assert [p.name for p in list_backups(directory, "audit")] == ["audit-20261210T080005Z.sqlite3"]


def test_start_up_backs_up_only_when_the_newest_backup_is_a_day_old(tmp_path):
    make_store(tmp_path / "journal.sqlite3", ["j"]).close()
    sources = [tmp_path / "journal.sqlite3", tmp_path / "audit.sqlite3"]  # audit not created yet
    directory, clock = tmp_path / "backups", SteppingClock(START)
    assert last_backup_at(directory) is None
    assert [p.name for p in back_up_if_due(sources, directory, clock=clock)] == [
        "journal-20261202T080005Z.sqlite3"
    ]
    clock.at = START + timedelta(hours=23, minutes=59)
    assert back_up_if_due(sources, directory, clock=clock) == []
    clock.at = START + timedelta(days=1)
    assert [p.name for p in back_up_if_due(sources, directory, clock=clock)] == [
        "journal-20261203T080005Z.sqlite3"
    ]
    assert last_backup_at(directory) == START + timedelta(days=1)


def test_restore_refuses_to_overwrite_without_confirmation_and_restores_with_it(tmp_path):
    live = tmp_path / "journal.sqlite3"
    conn = make_store(live, ["kept"])
    made = back_up(live, tmp_path / "backups", clock=SteppingClock(START))
    with transaction(conn):
        conn.execute("INSERT INTO items (name) VALUES ('after the backup')")
    conn.close()
    with pytest.raises(BackupError, match=r"exists; confirm replacing it with --yes$"):
        restore(made, live, component="items", overwrite=False)
    assert names_in(live) == ["kept", "after the backup"]
    restore(made, live, component="items", overwrite=True)
    assert names_in(live) == ["kept"]


def test_a_corrupt_or_foreign_file_is_refused(tmp_path):
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database " * 100)
    with pytest.raises(
        BackupError, match=r"is not a valid items backup \(file is not a database\)$"
    ):
        check_backup(garbage, component="items")
    foreign = tmp_path / "foreign.sqlite3"
    make_store(foreign, ["x"]).close()
    with pytest.raises(BackupError, match=r"is not a journal backup \(no journal schema\)$"):
        restore(foreign, tmp_path / "journal.sqlite3", component="journal", overwrite=True)
    assert not (tmp_path / "journal.sqlite3").exists()


def test_a_backup_with_a_damaged_page_is_refused(tmp_path):
    conn = make_store(tmp_path / "journal.sqlite3", [f"row {i}" * 40 for i in range(200)])
    conn.close()
    made = back_up(tmp_path / "journal.sqlite3", tmp_path / "backups", clock=SteppingClock(START))
    data = bytearray(made.read_bytes())
    page = 4096
    data[3 * page : 4 * page] = b"\xff" * page  # one page of the items table's b-tree
    made.write_bytes(bytes(data))
    with pytest.raises(BackupError) as refused:
        check_backup(made, component="items")
    assert (
        str(refused.value)
        == f"{made} is not a valid items backup (database disk image is malformed)"
    )
