"""Append-only, hash-chained audit log of every order attempt and every mode change.

Each entry carries `entry_hash = sha256(canonical JSON of the entry + prev_hash)`, so editing or
deleting any row breaks the chain at that row, and `verify()` names it. SQLite triggers refuse
UPDATE and DELETE. Bodies are redacted before they are hashed and stored: no secret is written.
A failed write raises `AuditWriteError`; the broker guard refuses the order when it does.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from utils.sessions import Clock, utc_now
from utils.sqlite_store import connect, ensure_schema, transaction

AUDIT_FILENAME = "audit.sqlite3"
GENESIS_HASH = "0" * 64
REDACTED = "[REDACTED]"
SECRET_KEY_PATTERN = re.compile(
    r"(pass(word)?|secret|token|authori[sz]ation|cookie|session|api[-_]?key|credential)", re.I
)

MIGRATIONS = (
    """
    CREATE TABLE audit_log (
        seq            INTEGER PRIMARY KEY,
        at             TEXT NOT NULL,
        correlation_id TEXT NOT NULL,
        kind           TEXT NOT NULL,
        effective_mode TEXT NOT NULL,
        target_host    TEXT,
        body           TEXT NOT NULL,
        prev_hash      TEXT NOT NULL,
        entry_hash     TEXT NOT NULL UNIQUE
    );
    CREATE INDEX audit_log_correlation ON audit_log (correlation_id);
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END;
    """,
)


class AuditKind(StrEnum):
    """What an audit entry records."""

    INTENT = "intent"
    GUARD_DECISION = "guard_decision"
    PREFLIGHT_REQUEST = "preflight_request"
    PREFLIGHT_RESULT = "preflight_result"
    CONFIRMATION = "confirmation"
    SUBMIT_ATTEMPT = "submit_attempt"
    BROKER_ANSWER = "broker_answer"
    FILL = "fill"
    CANCEL = "cancel"
    MODE_CHANGE = "mode_change"
    HALT = "halt"
    LATCH = "latch"
    SANDBOX_VALIDATION = "sandbox_validation"
    EXPORT = "export"


class AuditWriteError(Exception):
    """The audit entry could not be written; whatever it was recording must not happen."""


class AuditEntry(BaseModel):
    """One stored, hash-chained audit record."""

    model_config = ConfigDict(frozen=True)

    seq: int
    at: datetime
    correlation_id: str
    kind: str
    effective_mode: str
    target_host: str | None
    body: dict[str, Any]
    prev_hash: str
    entry_hash: str


class AuditVerification(BaseModel):
    """The result of recomputing the chain: ok, or the first entry that does not hold."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    checked: int
    first_broken_seq: int | None = None
    message: str


def redact(value: Any, secret_values: Iterable[str] = ()) -> Any:
    """Copy `value` with secret-looking keys masked and known secret strings blanked out."""
    secrets = [s for s in secret_values if s]

    def scrub(item: Any) -> Any:
        if isinstance(item, Mapping):
            return {
                str(k): REDACTED if SECRET_KEY_PATTERN.search(str(k)) else scrub(v)
                for k, v in item.items()
            }
        if isinstance(item, (list, tuple)):
            return [scrub(v) for v in item]
        if isinstance(item, str):
            for secret in secrets:
                item = item.replace(secret, REDACTED)
            return item
        if item is None or isinstance(item, (bool, int, float)):
            return item
        return scrub(str(item))

    return scrub(value)


def canonical_json(payload: Mapping[str, Any]) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    """sha256(canonical JSON of the entry's fields + prev_hash), hex."""
    return hashlib.sha256((canonical_json(fields) + prev_hash).encode("utf-8")).hexdigest()


def _hashed_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("seq", "at", "correlation_id", "kind", "effective_mode", "target_host", "body")
    return {key: row[key] for key in keys}


class AuditLog:
    """The audit log in `data/audit.sqlite3`; safe to share between threads."""

    def __init__(
        self, path: Path, *, clock: Clock = utc_now, secret_values: Iterable[str] = ()
    ) -> None:
        self.path = path
        self._clock = clock
        self._secret_values = tuple(s for s in secret_values if s)
        self._lock = threading.Lock()
        self._conn = connect(path)
        self._conn.row_factory = sqlite3.Row
        ensure_schema(self._conn, "audit", MIGRATIONS, now=clock)

    @classmethod
    def open(cls, data_dir: Path, **kwargs: Any) -> AuditLog:
        """Open (creating if needed) the audit log under `data_dir`."""
        return cls(data_dir / AUDIT_FILENAME, **kwargs)

    def close(self) -> None:
        """Close the underlying connection."""
        self._conn.close()

    def append(
        self,
        kind: AuditKind | str,
        *,
        correlation_id: str,
        effective_mode: str,
        target_host: str | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Write one entry at the head of the chain; raises AuditWriteError on any failure."""
        try:
            clean_body = redact(dict(body or {}), self._secret_values)
            with self._lock, transaction(self._conn):
                last = self._conn.execute(
                    "SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1"
                ).fetchone()
                seq = last["seq"] + 1 if last else 1
                prev = last["entry_hash"] if last else GENESIS_HASH
                fields = {
                    "seq": seq,
                    "at": self._clock().isoformat(),
                    "correlation_id": correlation_id,
                    "kind": str(kind),
                    "effective_mode": effective_mode,
                    "target_host": target_host,
                    "body": clean_body,
                }
                digest = entry_hash(fields, prev)
                self._conn.execute(
                    "INSERT INTO audit_log (seq, at, correlation_id, kind, effective_mode, "
                    "target_host, body, prev_hash, entry_hash) VALUES (?,?,?,?,?,?,?,?,?)",
                    (
                        seq,
                        fields["at"],
                        correlation_id,
                        fields["kind"],
                        effective_mode,
                        target_host,
                        canonical_json(clean_body),
                        prev,
                        digest,
                    ),
                )
        except (sqlite3.Error, OSError, TypeError, ValueError) as error:
            raise AuditWriteError(
                f"audit log write failed ({error.__class__.__name__}): the action was refused"
            ) from None
        return AuditEntry(**fields, prev_hash=prev, entry_hash=digest)

    def entries(
        self, correlation_id: str | None = None, limit: int | None = None
    ) -> list[AuditEntry]:
        """Stored entries, oldest first (optionally of one correlation id, or the last `limit`)."""
        sql, params = "SELECT * FROM audit_log", []
        if correlation_id is not None:
            sql += " WHERE correlation_id = ?"
            params.append(correlation_id)
        sql += " ORDER BY seq DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self._lock:
            rows = self._conn.execute(sql, params).fetchall()
        return [self._row_to_entry(row) for row in reversed(rows)]

    def head_hash(self) -> str:
        """The hash of the newest entry (the genesis hash when the log is empty)."""
        with self._lock:
            row = self._conn.execute(
                "SELECT entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1"
            ).fetchone()
        return row["entry_hash"] if row else GENESIS_HASH

    def verify(self) -> AuditVerification:
        """Recompute the whole chain; name the first entry whose link or hash does not hold."""
        with self._lock:
            rows = self._conn.execute("SELECT * FROM audit_log ORDER BY seq").fetchall()
        prev, expected_seq = GENESIS_HASH, 1
        for row in rows:
            problem = None
            if row["seq"] != expected_seq:
                problem = f"sequence jumps from {expected_seq - 1} to {row['seq']}"
            elif row["prev_hash"] != prev:
                problem = "its prev_hash does not match the entry before it"
            else:
                try:
                    fields = _hashed_fields({**dict(row), "body": json.loads(row["body"])})
                except json.JSONDecodeError:
                    problem = "its body is not valid JSON"
                else:
                    if entry_hash(fields, prev) != row["entry_hash"]:
                        problem = "its content does not match its entry_hash (edited)"
            if problem:
                return AuditVerification(
                    ok=False,
                    checked=len(rows),
                    first_broken_seq=row["seq"],
                    message=f"audit entry {row['seq']} is broken: {problem}",
                )
            prev, expected_seq = row["entry_hash"], expected_seq + 1
        return AuditVerification(
            ok=True, checked=len(rows), message=f"{len(rows)} audit entries verified"
        )

    @staticmethod
    def _row_to_entry(row: sqlite3.Row) -> AuditEntry:
        return AuditEntry(**{**dict(row), "body": json.loads(row["body"])})
