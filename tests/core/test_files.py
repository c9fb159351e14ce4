"""Finding 10: a full disk or a read-only folder gives a clear message and no partial file."""

from __future__ import annotations

import errno
import os
import sqlite3

import pytest

from utils.core.files import StorageError, atomic_output, write_bytes_atomically
from utils.core.sqlite_store import StoreUnwritable, connect, transaction

ROOT = os.geteuid() == 0


class FillingDisk:
    """The one file-writing adapter (`os.fdopen`) with a disk that fills after `room` bytes:
    the bytes before are really written, then the OS's ENOSPC, as a full disk answers."""

    def __init__(self, room: int, code: int = errno.ENOSPC) -> None:
        self.room = room
        self.code = code

    def __call__(self, descriptor, mode, **kwargs):
        stream = os.fdopen(descriptor, mode, **kwargs)
        room, code = self.room, self.code
        real_write = stream.write

        def write(data):
            if len(data) > room:
                real_write(data[:room])
                stream.flush()
                raise OSError(code, os.strerror(code))
            return real_write(data)

        stream.write = write
        return stream


def test_a_full_disk_leaves_no_partial_file_and_says_so(tmp_path):
    target = tmp_path / "out" / "export.csv"
    with pytest.raises(StorageError, match="the disk is full; free some space"):
        write_bytes_atomically(target, b"x" * 10_000, opener=FillingDisk(4096))
    assert list((tmp_path / "out").iterdir()) == []


def test_a_full_disk_keeps_the_previous_file_whole(tmp_path):
    target = tmp_path / "export.csv"
    target.write_bytes(b"previous")
    with pytest.raises(StorageError):
        write_bytes_atomically(target, b"y" * 10_000, opener=FillingDisk(100))
    assert target.read_bytes() == b"previous" and list(tmp_path.iterdir()) == [target]


def test_a_read_only_error_names_the_folder(tmp_path):
    with pytest.raises(StorageError, match="the folder is read-only"):
        write_bytes_atomically(tmp_path / "a.csv", b"z" * 10, opener=FillingDisk(0, errno.EROFS))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(ROOT, reason="root writes through chmod; the EROFS case above covers it")
def test_a_really_read_only_folder_is_refused_with_a_message(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StorageError, match="read-only"):
            write_bytes_atomically(folder / "a.csv", b"z")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_an_error_inside_the_block_removes_the_temporary_file(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_output(tmp_path / "a.csv") as stream:
            stream.write("half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_a_database_that_fills_up_is_a_clear_refusal_and_nothing_changes(tmp_path):
    conn = connect(tmp_path / "j.sqlite3")
    with transaction(conn):
        conn.execute("CREATE TABLE t (x TEXT)")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own SQLITE_FULL, for real
    with pytest.raises(StoreUnwritable, match="the disk is full or the data folder is read-only"):
        with transaction(conn):
            conn.executemany("INSERT INTO t VALUES (?)", [("x" * 4000,)] * 50)
    assert conn.execute("SELECT COUNT(*) FROM t").fetchone() == (0,)
    assert isinstance(StoreUnwritable("x"), sqlite3.OperationalError)


def test_a_read_only_database_is_a_clear_refusal(tmp_path):
    conn = connect(tmp_path / "j.sqlite3")
    with transaction(conn):
        conn.execute("CREATE TABLE t (x TEXT)")
    conn.execute("PRAGMA query_only = 1")  # SQLite's own SQLITE_READONLY
    with pytest.raises(StoreUnwritable, match="nothing was changed"):
        with transaction(conn):
            conn.execute("INSERT INTO t VALUES ('a')")
