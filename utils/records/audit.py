"""Append-only, hash-chained audit log of every order attempt and every mode change.

Each entry carries `entry_hash = sha256(canonical JSON of the entry + prev_hash)`, so editing or
deleting any row breaks the chain at that row, and `verify()` names it. SQLite triggers refuse
UPDATE and DELETE. Bodies are redacted before they are hashed and stored: no secret is written.
A failed write raises `AuditWriteError`; the broker guard refuses the order when it does.

Deleting the newest rows leaves a shorter chain that still verifies, so the head is anchored
outside the file (`audit_anchor`, in `data/journal.sqlite3`) after each append commits.
`check_chain()` is `verify()` plus the anchor: a head below the anchored seq, or an anchored
entry whose hash differs, is a truncation. An anchor behind the head is a crash between the two
commits and is fine; it catches up at the next append, and only moves forward from an anchored
entry that still holds, so later appends never heal a truncation. Entries with no anchor at all
(a new or replaced journal file) fail closed too: the file alone cannot tell whether its tail is
gone. `python -m utils.records.audit reanchor` is the trader's deliberate, audited way out. A file
written before anchoring existed (audit schema v1) is anchored at its verified head on its first
anchor-aware open, with an `anchor` entry saying so (an upgrade, not a replaced journal).

    python -m utils.records.audit [--data-dir DIR] verify|reanchor [--accept-loss]  (audit_cli)
"""

from __future__ import annotations

import hashlib
import os
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

from utils.records.audit_anchor import AuditAnchorStore
from utils.core.sessions import Clock, utc_now
from utils.core.sqlite_store import (
    StoreUnwritable,
    connect,
    ensure_schema,
    schema_version,
    transaction,
)

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
    # v2 changes no table: it marks a file whose head is anchored in journal.sqlite3, so the
    # first anchor-aware start anchors an older file's head (an upgrade) instead of failing.
    "SELECT 1;",
)
ANCHORED_SINCE_VERSION = 2


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
    ANCHOR = "anchor"


def _cause(error: Exception) -> str:
    """Why a write failed, in words when the disk is full or the folder read-only (these
    messages hold no secret); otherwise only the error's type."""
    if isinstance(error, StoreUnwritable):
        return str(error)
    if isinstance(error, OSError) and error.errno is not None:
        return f"{error.__class__.__name__}: {os.strerror(error.errno)}"
    return error.__class__.__name__


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


class ChainProblem(StrEnum):
    """Why the chain does not hold."""

    EDITED = "edited"  # an entry's content, link or sequence does not hold
    TRUNCATED = "truncated"  # the anchored entry is missing or differs
    ANCHOR_MISSING = "anchor_missing"  # entries, but no anchor to compare the head with
    UNREADABLE = "unreadable"


class AuditVerification(BaseModel):
    """The result of recomputing the chain: ok, or the first entry that does not hold."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    checked: int
    first_broken_seq: int | None = None
    message: str
    problem: ChainProblem | None = None
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    anchor_seq: int | None = None


class AuditChainBroken(Exception):
    """The audit chain or its anchor does not hold, so what it would vouch for is refused."""

    def __init__(self, check: AuditVerification, refused: str) -> None:
        super().__init__(f"{check.message}; {refused}")
        self.check = check


class ReanchorRefused(Exception):
    """The head cannot be re-anchored as things stand; the message says what to do."""


def redact(value: Any, secret_values: Iterable[str] = ()) -> Any:
    """Copy `value` with secret-looking keys masked and known secret strings blanked out."""
    secrets = [s for s in secret_values if s]

    def scrub(item: Any) -> Any:
        if isinstance(item, str):  # the common case first: no abstract Mapping check per cell
            for secret in secrets:
                item = item.replace(secret, REDACTED)
            return item
        if isinstance(item, (list, tuple)):
            return [scrub(v) for v in item]
        if isinstance(item, Mapping):
            return {
                str(k): REDACTED if SECRET_KEY_PATTERN.search(str(k)) else scrub(v)
                for k, v in item.items()
            }
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
    """The audit log in `data/audit.sqlite3`; safe to share between threads.

    With an `anchor` store (closed with the log) each append anchors the head and
    `check_chain()` compares it; without one, a truncation of the newest entries is not seen.
    """

    def __init__(
        self,
        path: Path,
        *,
        clock: Clock = utc_now,
        secret_values: Iterable[str] = (),
        anchor: AuditAnchorStore | None = None,
    ) -> None:
        self.path = path
        self._clock = clock
        self._secret_values = tuple(s for s in secret_values if s)
        self._anchor = anchor
        self._verified: tuple[int, str, int] | None = None  # seq, hash, others' stamp
        self._lock = threading.Lock()
        self._conn = connect(path)
        self._conn.row_factory = sqlite3.Row
        before = schema_version(self._conn, "audit")
        ensure_schema(self._conn, "audit", MIGRATIONS, clock=clock)
        if 0 < before < ANCHORED_SINCE_VERSION and anchor is not None and anchor.read() is None:
            check = self.check_chain()
            if check.problem is ChainProblem.ANCHOR_MISSING:
                self._anchor_head(anchor, check, "upgrade")

    @classmethod
    def open(cls, data_dir: Path, **kwargs: Any) -> AuditLog:
        """Open (creating if needed) the audit log under `data_dir`, anchored in its journal."""
        anchor = AuditAnchorStore.open(data_dir, clock=kwargs.get("clock", utc_now))
        try:
            return cls(data_dir / AUDIT_FILENAME, anchor=anchor, **kwargs)
        except BaseException:
            anchor.close()
            raise

    def close(self) -> None:
        """Close the underlying connections."""
        self._conn.close()
        if self._anchor is not None:
            self._anchor.close()

    def append(
        self,
        kind: AuditKind | str,
        *,
        correlation_id: str,
        effective_mode: str,
        target_host: str | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Write one entry at the head of the chain, then anchor it; raises AuditWriteError on
        any failure (also when the entry was written but its anchor was not)."""
        with self._lock:
            try:
                clean_body = redact(dict(body or {}), self._secret_values)
                with transaction(self._conn):
                    seq, prev = self._head()
                    seq += 1
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
                    f"audit log write failed ({_cause(error)}): the action was refused"
                ) from None
            try:
                self._advance_anchor(seq, digest)
            except (sqlite3.Error, OSError) as error:
                raise AuditWriteError(
                    f"audit entry {seq} was written but its head anchor was not "
                    f"({_cause(error)}): the action was refused"
                ) from None
        return AuditEntry(**fields, prev_hash=prev, entry_hash=digest)

    def _advance_anchor(self, seq: int, digest: str) -> None:
        """Anchor the new head if the anchor is on a new log's first entry or still holds;
        otherwise leave it where it is, so `check_chain()` keeps reporting why."""
        if self._anchor is None:
            return
        anchor = self._anchor.read()
        if anchor is None and seq != 1:
            return
        if anchor is not None and (
            anchor.seq >= seq or self._hash_at(anchor.seq) != anchor.entry_hash
        ):
            return
        self._anchor.record(seq, digest)

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

    def entries_between(self, after_seq: int, upto_seq: int) -> list[AuditEntry]:
        """The stored entries with `after_seq < seq <= upto_seq`, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT * FROM audit_log WHERE seq > ? AND seq <= ? ORDER BY seq",
                (after_seq, upto_seq),
            ).fetchall()
        return [self._row_to_entry(row) for row in rows]

    def others_version_and_head(self) -> tuple[int, int]:
        """A stamp of the commits of every other connection to the log (SQLite's
        `PRAGMA data_version`), and the head's seq: this connection itself only appends."""
        with self._lock:
            (others,) = self._conn.execute("PRAGMA data_version").fetchone()
            return int(others), self._head()[0]

    def journal_version(self, journal_file: Path) -> int | None:
        """A stamp of `journal_file` that moves on every commit to it but this log's own head
        anchors; None when the head is not anchored in that file (ask the journal then)."""
        if self._anchor is None or self._anchor.path.resolve() != Path(journal_file).resolve():
            return None
        return self._anchor.others_version()

    def head(self) -> tuple[int, str]:
        """The newest entry's seq and hash ((0, the genesis hash) when the log is empty)."""
        with self._lock:
            return self._head()

    def head_hash(self) -> str:
        """The hash of the newest entry (the genesis hash when the log is empty)."""
        return self.head()[1]

    def verify(self) -> AuditVerification:
        """Recompute the whole chain; name the first entry whose link or hash does not hold."""
        with self._lock:
            return self._verify_after(None)

    def check_chain(self, *, full: bool = True) -> AuditVerification:
        """`verify()` plus the head anchor: edited, truncated, or entries with no anchor.

        `full=False` re-verifies only the entries after the last verified one, and that this one
        is unchanged, while no other connection has committed to the file since that check
        (SQLite's `PRAGMA data_version`, which sees every other connection, in this process or
        another); otherwise the whole chain again. This connection only appends (the triggers
        refuse UPDATE and DELETE), so an older entry can change only through another connection,
        and then the cheap check is the full one: cheap enough for every order and export, and
        blind only to the file's bytes rewritten behind SQLite's back while it is open, which
        the full check (start-up, the CLI) reads afresh. A failed check forgets the verified
        prefix, so every later check, cheap or full, reports it again.
        """
        try:
            with self._lock:
                (others,) = self._conn.execute("PRAGMA data_version").fetchone()
                since = None if full else self._unchanged_prefix(others)
                result = self._verify_after(since)
                if result.ok:
                    result = self._compare_anchor(result)
                self._verified = (result.head_seq, result.head_hash, others) if result.ok else None
        except sqlite3.Error as error:
            self._verified = None
            return AuditVerification(
                ok=False,
                checked=0,
                problem=ChainProblem.UNREADABLE,
                message=f"the audit log or its anchor could not be read "
                f"({error.__class__.__name__}: {error})",
            )
        return result

    def reanchor(self, *, accept_loss: bool = False) -> AuditEntry | None:
        """Anchor the current head again (None when the chain already holds), after an entry
        that records why: for a new journal file, or with `accept_loss` after a truncation. An
        edited chain is refused: restore it from a backup."""
        check = self.check_chain(full=True)
        if check.ok:
            return None
        if self._anchor is None or check.problem in (ChainProblem.EDITED, ChainProblem.UNREADABLE):
            raise ReanchorRefused(
                f"{check.message}. It cannot be re-anchored: restore data/audit.sqlite3 from a "
                "backup, or move it aside to start a new chain and run reanchor --accept-loss."
            )
        if check.problem is ChainProblem.TRUNCATED and not accept_loss:
            raise ReanchorRefused(
                f"{check.message}. Restore data/audit.sqlite3 from a backup; to accept the loss "
                "and anchor the current head instead, run reanchor --accept-loss."
            )
        return self._anchor_head(self._anchor, check, "reanchor")

    def _anchor_head(
        self, anchor: AuditAnchorStore, check: AuditVerification, why: str
    ) -> AuditEntry:
        """Write an entry recording the head accepted and the anchor it replaces; anchor it."""
        previous = anchor.read()
        entry = self.append(
            AuditKind.ANCHOR,
            correlation_id=f"{why}-{self._clock():%Y%m%dT%H%M%S}",
            effective_mode="none",
            body={
                "why": why,
                "problem": str(check.problem),
                "accepted_head_seq": check.head_seq,
                "accepted_head_hash": check.head_hash,
                "previous_anchor_seq": None if previous is None else previous.seq,
                "previous_anchor_hash": None if previous is None else previous.entry_hash,
            },
        )
        anchor.record(entry.seq, entry.entry_hash)
        return entry

    def _head(self) -> tuple[int, str]:
        row = self._conn.execute(
            "SELECT seq, entry_hash FROM audit_log ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return (row["seq"], row["entry_hash"]) if row else (0, GENESIS_HASH)

    def _hash_at(self, seq: int) -> str | None:
        row = self._conn.execute(
            "SELECT entry_hash FROM audit_log WHERE seq = ?", (seq,)
        ).fetchone()
        return row["entry_hash"] if row else None

    def _unchanged_prefix(self, others: int) -> tuple[int, str] | None:
        """The last verified entry, when no other connection committed since it was verified
        and it still holds (None: check from genesis)."""
        if self._verified is None:
            return None
        seq, digest, seen = self._verified
        if seen != others or not self._still_holds(seq, digest):
            return None
        return seq, digest

    def _still_holds(self, seq: int, digest: str) -> bool:
        """The entry last verified is still there with the same hash and content."""
        row = self._conn.execute("SELECT * FROM audit_log WHERE seq = ?", (seq,)).fetchone()
        return (
            row is not None
            and row["entry_hash"] == digest
            and _link_problem(row, row["prev_hash"], seq) is None
        )

    def _verify_after(self, since: tuple[int, str] | None) -> AuditVerification:
        """Recompute the entries after `since` (a verified seq and hash; None: from genesis)."""
        last_seq, prev = since or (0, GENESIS_HASH)
        rows = self._conn.execute(
            "SELECT * FROM audit_log WHERE seq > ? ORDER BY seq", (last_seq,)
        ).fetchall()
        for row in rows:
            problem = _link_problem(row, prev, last_seq + 1)
            if problem:
                head_seq, head_hash = self._head()
                return AuditVerification(
                    ok=False,
                    checked=len(rows),
                    first_broken_seq=row["seq"],
                    message=f"audit entry {row['seq']} is broken: {problem}",
                    problem=ChainProblem.EDITED,
                    head_seq=head_seq,
                    head_hash=head_hash,
                )
            last_seq, prev = row["seq"], row["entry_hash"]
        return AuditVerification(
            ok=True,
            checked=len(rows),
            message=f"{last_seq} audit entries verified",
            head_seq=last_seq,
            head_hash=prev,
        )

    def _compare_anchor(self, result: AuditVerification) -> AuditVerification:
        """The verified chain against its anchor (see the module docstring)."""
        if self._anchor is None:
            return result
        anchor = self._anchor.read()
        if anchor is None:
            if result.head_seq == 0:
                return result
            return result.model_copy(
                update={
                    "ok": False,
                    "problem": ChainProblem.ANCHOR_MISSING,
                    "message": "the audit log has entries but its head anchor in "
                    "journal.sqlite3 is missing (a new or replaced journal file?), so a lost "
                    "tail cannot be ruled out: restore data/journal.sqlite3, or run "
                    "`python -m utils.records.audit reanchor` to anchor the current head (audited)",
                }
            )
        update: dict[str, Any] = {"anchor_seq": anchor.seq}
        if anchor.seq > result.head_seq or self._hash_at(anchor.seq) != anchor.entry_hash:
            update |= {
                "ok": False,
                "problem": ChainProblem.TRUNCATED,
                "first_broken_seq": anchor.seq,
                "message": f"audit entry {anchor.seq} is missing or differs from the head "
                f"anchored in journal.sqlite3 (hash {anchor.entry_hash[:16]}...): the log was "
                "truncated or rewritten; restore data/audit.sqlite3 from a backup",
            }
        return result.model_copy(update=update)

    @staticmethod
    def _row_to_entry(row: sqlite3.Row) -> AuditEntry:
        return AuditEntry(**{**dict(row), "body": json.loads(row["body"])})


def _link_problem(row: sqlite3.Row, prev: str, expected_seq: int) -> str | None:
    """Why one stored row does not continue the chain (None when it does)."""
    if row["seq"] != expected_seq:
        return f"sequence jumps from {expected_seq - 1} to {row['seq']}"
    if row["prev_hash"] != prev:
        return "its prev_hash does not match the entry before it"
    try:
        fields = _hashed_fields({**dict(row), "body": json.loads(row["body"])})
    except json.JSONDecodeError:
        return "its body is not valid JSON"
    if entry_hash(fields, prev) != row["entry_hash"]:
        return "its content does not match its entry_hash (edited)"
    return None


if __name__ == "__main__":
    from utils.records.audit_cli import main

    raise SystemExit(main())
