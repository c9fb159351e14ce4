"""An import's larger page cache (`larger_cache`), on a real SQLite file: the block runs with
the import's cache size, and the connection's own size is back after it, also after an error."""

from __future__ import annotations

import pytest

from utils.core.sqlite_store import IMPORT_CACHE_KIB, connect, larger_cache


def cache_size(conn) -> int:
    return conn.execute("PRAGMA cache_size").fetchone()[0]


def test_the_block_has_the_import_cache_and_the_connection_its_own_after(tmp_path):
    conn = connect(tmp_path / "j.sqlite3")
    conn.execute("PRAGMA cache_size=-3000")
    with larger_cache(conn):
        assert cache_size(conn) == -IMPORT_CACHE_KIB
    assert cache_size(conn) == -3000
    conn.close()


def test_an_error_in_the_block_restores_the_connections_cache(tmp_path):
    conn = connect(tmp_path / "j.sqlite3")
    own = cache_size(conn)
    with pytest.raises(RuntimeError), larger_cache(conn, kib=4_000):
        assert cache_size(conn) == -4_000
        raise RuntimeError("the import failed")
    assert cache_size(conn) == own != -4_000
    conn.close()
