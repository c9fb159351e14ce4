"""The sandbox validation record: did the read-write path pass against the sandbox (checklist s4)?

The broker's validation routine writes one record per run; the gate report reads the latest as
its "sandbox validation passed" gate (it passes only when the latest run passed and ran in
SANDBOX mode). Records are append-only in `data_dir/journal.sqlite3` (component
`sandbox_validation`): a failed run is kept beside the passing ones, never rewritten.

API (other modules rely on these names):

    SandboxStep(name: str, passed: bool, detail: str = "")
    SandboxValidationRecord(passed: bool, ran_at: datetime, mode: SandboxMode | str,
                            steps: tuple[SandboxStep, ...], account: str = "")
        frozen; `passed` must equal all(step.passed) over at least one step; `account` is
        masked on the way in (`mask_account`: only the last 2 characters stay), so a record
        never holds a full account number. `.failed_steps`, `.sentence`.
    SandboxValidationStore.open(data_dir, clock=utc_now)
        .record(rec) -> SandboxValidationRecord   (appends; returns the stored copy)
        .latest() -> SandboxValidationRecord | None   (the last recorded)
        .history() -> list[SandboxValidationRecord]   (in the order recorded)
        .close()

`detail` texts are the validation routine's responsibility: never put a token or password in
them (the compliance export scrubs configured secrets anyway).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from utils.core.display import utc_minute
from utils.core.sessions import Clock, to_utc, utc_now
from utils.core.sqlite_store import connect, ensure_schema, journal_path, transaction

COMPONENT = "sandbox_validation"
VISIBLE_ACCOUNT_CHARS = 2
MASK_CHAR = "*"

MIGRATIONS = (
    """
    CREATE TABLE sandbox_validations (
        id          INTEGER PRIMARY KEY,
        ran_at      TEXT NOT NULL,
        passed      INTEGER NOT NULL CHECK (passed IN (0, 1)),
        mode        TEXT NOT NULL,
        account     TEXT NOT NULL,
        steps_json  TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    );
    CREATE TRIGGER sandbox_validations_no_update BEFORE UPDATE ON sandbox_validations
    BEGIN SELECT RAISE(ABORT, 'a sandbox validation record is never changed'); END;
    CREATE TRIGGER sandbox_validations_no_delete BEFORE DELETE ON sandbox_validations
    BEGIN SELECT RAISE(ABORT, 'a sandbox validation record is never deleted'); END;
    """,
    "ALTER TABLE sandbox_validations ADD COLUMN server TEXT NOT NULL DEFAULT '';",
)


class SandboxMode(StrEnum):
    """Where a validation ran: the broker's sandbox, or the embedded simulator (proves less)."""

    SANDBOX = "SANDBOX"
    SIM = "SIM"


def mask_account(account: str) -> str:
    """Replace all but the last 2 characters with '*' (idempotent: a masked value stays masked)."""
    text = account.strip()
    if len(text) <= VISIBLE_ACCOUNT_CHARS:
        return MASK_CHAR * len(text)
    hidden = len(text) - VISIBLE_ACCOUNT_CHARS
    return MASK_CHAR * hidden + text[hidden:]


def _utc(moment: datetime) -> datetime:
    return to_utc(moment)


MaskedAccount = Annotated[str, AfterValidator(mask_account)]
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_utc)]


class SandboxStep(BaseModel):
    """One step of the validation run (e.g. "login", "dry-run order", "cancel")."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=80)
    passed: bool
    detail: str = Field(default="", max_length=1000)


class SandboxValidationRecord(BaseModel):
    """The outcome of one validation run; `passed` is true only when every step passed."""

    model_config = ConfigDict(frozen=True)

    passed: bool
    ran_at: UtcDatetime
    mode: SandboxMode
    steps: tuple[SandboxStep, ...] = Field(min_length=1)
    account: MaskedAccount = ""
    server: str = ""  # the base URL validated against; "" in records made before it was kept

    @model_validator(mode="after")
    def _passed_matches_steps(self) -> SandboxValidationRecord:
        every_step = all(step.passed for step in self.steps)
        if self.passed != every_step:
            failed = ", ".join(step.name for step in self.failed_steps) or "none"
            raise ValueError(
                f"passed={self.passed} contradicts the steps (failed steps: {failed}): a run "
                "passes only when every step passed"
            )
        return self

    @property
    def failed_steps(self) -> tuple[SandboxStep, ...]:
        """The steps that failed, in run order."""
        return tuple(step for step in self.steps if not step.passed)

    @property
    def sentence(self) -> str:
        """One line for the gate report and the export."""
        when = utc_minute(self.ran_at)
        if self.passed:
            return f"{self.mode} validation passed all {len(self.steps)} steps at {when}."
        failed = ", ".join(step.name for step in self.failed_steps)
        return f"{self.mode} validation failed at {when}: {failed}."


class SandboxValidationStore:
    """Append-only sandbox validation records in the journal's SQLite file."""

    def __init__(self, path: Path, *, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._conn = connect(path)
        self._conn.row_factory = sqlite3.Row
        ensure_schema(self._conn, COMPONENT, MIGRATIONS, clock=clock)

    @classmethod
    def open(cls, data_dir: Path, *, clock: Clock = utc_now) -> SandboxValidationStore:
        """Open the store in `data_dir/journal.sqlite3`."""
        return cls(journal_path(data_dir), clock=clock)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def record(self, rec: SandboxValidationRecord) -> SandboxValidationRecord:
        """Append one run's record; returns it as stored."""
        steps = json.dumps([step.model_dump() for step in rec.steps], sort_keys=True)
        with self._lock, transaction(self._conn):
            self._conn.execute(
                "INSERT INTO sandbox_validations "
                "(ran_at, passed, mode, account, steps_json, recorded_at, server) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    rec.ran_at.isoformat(),
                    int(rec.passed),
                    str(rec.mode),
                    rec.account,
                    steps,
                    to_utc(self._clock()).isoformat(),
                    rec.server,
                ),
            )
        return rec

    def latest(self) -> SandboxValidationRecord | None:
        """The most recently recorded run, or None before the first."""
        with self._lock:
            row = self._conn.execute(
                "SELECT * FROM sandbox_validations ORDER BY id DESC LIMIT 1"
            ).fetchone()
        return None if row is None else _from_row(row)

    def history(self) -> list[SandboxValidationRecord]:
        """Every run, in the order recorded."""
        with self._lock:
            rows = self._conn.execute("SELECT * FROM sandbox_validations ORDER BY id").fetchall()
        return [_from_row(row) for row in rows]


def _from_row(row: sqlite3.Row) -> SandboxValidationRecord:
    return SandboxValidationRecord(
        passed=bool(row["passed"]),
        ran_at=datetime.fromisoformat(row["ran_at"]),
        mode=row["mode"],
        steps=tuple(SandboxStep(**step) for step in json.loads(row["steps_json"])),
        account=row["account"],
        server=row["server"],
    )
