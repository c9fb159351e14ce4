"""The audit log: append-only, hash-chained, redacted, verified; a failed write is loud."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta, timezone

import pytest

from utils.records.audit import (
    GENESIS_HASH,
    REDACTED,
    AuditKind,
    AuditLog,
    AuditWriteError,
    entry_hash,
    redact,
)

CANARY = "canary-token-5d1e"


class StepClock:
    def __init__(self):
        self.now = datetime(2026, 11, 24, 14, 30, tzinfo=timezone.utc)

    def __call__(self):
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def log(tmp_path):
    audit = AuditLog.open(tmp_path, clock=StepClock(), secret_values=[CANARY])
    yield audit
    audit.close()


def write_three(log):
    for kind in (AuditKind.INTENT, AuditKind.GUARD_DECISION, AuditKind.PREFLIGHT_REQUEST):
        log.append(kind, correlation_id="order-1", effective_mode="SIM", body={"qty": 1})


def test_entries_chain_from_genesis(log):
    write_three(log)
    entries = log.entries()
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS_HASH
    assert entries[1].prev_hash == entries[0].entry_hash
    assert entries[2].prev_hash == entries[1].entry_hash
    assert log.head_hash() == entries[2].entry_hash
    assert log.verify().ok and log.verify().checked == 3


def test_entry_hash_is_sha256_of_canonical_json_plus_prev(log):
    entry = log.append(AuditKind.INTENT, correlation_id="c", effective_mode="SIM", body={"b": 1})
    fields = {
        "seq": 1,
        "at": entry.at.isoformat(),
        "correlation_id": "c",
        "kind": "intent",
        "effective_mode": "SIM",
        "target_host": None,
        "body": {"b": 1},
    }
    assert entry.entry_hash == entry_hash(fields, GENESIS_HASH)


def test_update_is_refused_by_the_database(log, tmp_path):
    write_three(log)
    raw = sqlite3.connect(log.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute("UPDATE audit_log SET body = '{}' WHERE seq = 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute("DELETE FROM audit_log WHERE seq = 2")
    raw.close()
    assert log.verify().ok


def test_tampered_row_is_named_by_verify(log):
    write_three(log)
    raw = sqlite3.connect(log.path)
    raw.execute("DROP TRIGGER audit_log_no_update")
    raw.execute("""UPDATE audit_log SET body = '{"qty":5}' WHERE seq = 2""")
    raw.commit()
    raw.close()
    result = log.verify()
    assert not result.ok
    assert result.first_broken_seq == 2
    assert "entry 2" in result.message and "edited" in result.message


def test_deleted_row_is_named_by_verify(log):
    write_three(log)
    raw = sqlite3.connect(log.path)
    raw.execute("DROP TRIGGER audit_log_no_delete")
    raw.execute("DELETE FROM audit_log WHERE seq = 2")
    raw.commit()
    raw.close()
    result = log.verify()
    assert not result.ok and result.first_broken_seq == 3
    assert "sequence jumps" in result.message


def test_secrets_are_redacted_before_hashing_and_storage(log):
    log.append(
        AuditKind.SUBMIT_ATTEMPT,
        correlation_id="c",
        effective_mode="LIVE",
        target_host="api.tastyworks.com",
        body={
            "Authorization": "Bearer abc",
            "nested": {"refresh_token": "r", "note": f"token was {CANARY}"},
            "legs": [{"symbol": "SPY   261218P00450000", "client_secret": "x"}],
        },
    )
    stored = log.path.read_bytes()
    (entry,) = log.entries()
    assert entry.body["Authorization"] == REDACTED
    assert entry.body["nested"] == {"refresh_token": REDACTED, "note": f"token was {REDACTED}"}
    assert entry.body["legs"][0] == {"symbol": "SPY   261218P00450000", "client_secret": REDACTED}
    assert CANARY.encode() not in stored and b"Bearer abc" not in stored
    assert log.verify().ok


def test_redact_keeps_plain_values():
    assert redact({"qty": 2, "price": "1.20", "ok": True, "n": None}) == {
        "qty": 2,
        "price": "1.20",
        "ok": True,
        "n": None,
    }


def test_failed_write_raises_audit_write_error(log):
    raw = sqlite3.connect(log.path)
    raw.execute(
        "CREATE TRIGGER full_disk BEFORE INSERT ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )
    raw.commit()
    raw.close()
    with pytest.raises(AuditWriteError, match="refused"):
        log.append(AuditKind.INTENT, correlation_id="c", effective_mode="SIM")
    assert log.entries() == []


def test_write_on_a_closed_log_raises(tmp_path):
    audit = AuditLog.open(tmp_path)
    audit.close()
    with pytest.raises(AuditWriteError):
        audit.append(AuditKind.INTENT, correlation_id="c", effective_mode="SIM")


def test_chain_survives_reopen(tmp_path):
    first = AuditLog.open(tmp_path)
    write_three(first)
    head = first.head_hash()
    first.close()
    second = AuditLog.open(tmp_path)
    entry = second.append(AuditKind.CANCEL, correlation_id="order-1", effective_mode="SIM")
    assert entry.seq == 4 and entry.prev_hash == head
    assert second.verify().ok
    second.close()


def test_concurrent_appends_keep_one_chain(log):
    def writer(n):
        for i in range(25):
            log.append(AuditKind.INTENT, correlation_id=f"t{n}-{i}", effective_mode="SIM")

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = log.verify()
    assert result.ok and result.checked == 100


def test_entries_filter_by_correlation_id(log):
    write_three(log)
    log.append(AuditKind.INTENT, correlation_id="order-2", effective_mode="SIM")
    assert [e.seq for e in log.entries(correlation_id="order-2")] == [4]
    assert [e.seq for e in log.entries(limit=2)] == [3, 4]


def test_a_full_disk_is_named_in_the_refusal(log):
    write_three(log)
    pages = log._conn.execute("PRAGMA page_count").fetchone()[0]
    log._conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own SQLITE_FULL
    with pytest.raises(AuditWriteError, match="the disk is full or the data folder is read-only"):
        for _ in range(200):
            log.append(
                AuditKind.INTENT, correlation_id="c", effective_mode="SIM", body={"x": "y" * 900}
            )
    assert log.verify().ok
