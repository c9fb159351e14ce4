"""The persisted rollback latch: append-only set/clear events in the journal's SQLite file.

A rollback trigger (checklist s9, judged by `utils.judge.rollback`) sets the latch; a set latch
forces dry-run whatever `.env` says and shows `ROLLBACK_SEQUENCE`; only the trader clears it, and
only when no trigger holds. Every set and clear is an event that is never changed or deleted;
the state is those events replayed. The triggers are stored as they were judged.

    latch = RollbackLatchStore.open(data_dir, clock=clock)
    latch.set(found)                    # idempotent for triggers already latched
    latch.state().forces_dry_run        # dry-run whatever .env says; show state.sentence
    latch.clear(current_triggers, note="back to plan")   # LatchClearRefused while one holds
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from utils.core.display import utc_minute
from utils.core.reasons import Reason
from utils.core.sessions import Clock, to_utc, utc_now
from utils.core.sqlite_store import connect, ensure_schema, journal_path, transaction

LATCH_COMPONENT = "rollback_latch"

ROLLBACK_SEQUENCE: tuple[str, ...] = (
    "Close risk per each trade's exit plan (closing orders and cancels still pass).",
    "Set ALWAYS_DRY_RUN=true in .env.",
    "Resume SANDBOX until the metrics recover; then clear the latch here.",
)

LATCH_MIGRATIONS = (
    """
    CREATE TABLE rollback_latch_events (
        id            INTEGER PRIMARY KEY,
        at            TEXT NOT NULL,
        kind          TEXT NOT NULL CHECK (kind IN ('set', 'clear')),
        triggers_json TEXT NOT NULL,
        note          TEXT NOT NULL
    );
    CREATE TRIGGER rollback_latch_events_no_update BEFORE UPDATE ON rollback_latch_events
    BEGIN SELECT RAISE(ABORT, 'rollback latch events are append-only'); END;
    CREATE TRIGGER rollback_latch_events_no_delete BEFORE DELETE ON rollback_latch_events
    BEGIN SELECT RAISE(ABORT, 'rollback latch events are never deleted'); END;
    """,
)


class TriggerCode(StrEnum):
    """Why a rollback to dry-run is required (checklist s9)."""

    EXPECTANCY_NEGATIVE_LAST_10 = "EXPECTANCY_NEGATIVE_LAST_10"
    DISCIPLINE_BELOW_MIN = "DISCIPLINE_BELOW_MIN"
    TWO_HIGH_ALERTS_ONE_SESSION = "TWO_HIGH_ALERTS_ONE_SESSION"
    AUTH_ANOMALY = "AUTH_ANOMALY"
    ORDER_ANOMALY = "ORDER_ANOMALY"


class RollbackTrigger(Reason[TriggerCode]):
    """One rollback trigger that holds: its code, a sentence and the evidence."""


class LatchClearRefused(Exception):
    """The trader tried to clear the rollback latch while a trigger still holds."""


class LatchEventKind(StrEnum):
    """What a latch event did."""

    SET = "set"
    CLEAR = "clear"


class LatchEvent(BaseModel):
    """One append-only latch event."""

    model_config = ConfigDict(frozen=True)

    id: int
    at: datetime
    kind: LatchEventKind
    triggers: tuple[RollbackTrigger, ...]
    note: str


class LatchState(BaseModel):
    """Whether the rollback latch is set, since when, by which triggers, and what to do."""

    model_config = ConfigDict(frozen=True)

    active: bool
    set_at: datetime | None = None
    triggers: tuple[RollbackTrigger, ...] = ()
    cleared_at: datetime | None = None
    rollback_sequence: tuple[str, ...] = ROLLBACK_SEQUENCE

    @property
    def forces_dry_run(self) -> bool:
        """A set latch forces dry-run whatever `.env` says."""
        return self.active

    @property
    def codes(self) -> tuple[TriggerCode, ...]:
        """The codes of the triggers that set the latch."""
        return tuple(t.code for t in self.triggers)

    @property
    def sentence(self) -> str:
        """One line for the Broker card."""
        if not self.active:
            return "Rollback latch clear."
        steps = " ".join(f"{i}. {step}" for i, step in enumerate(self.rollback_sequence, 1))
        when = "" if self.set_at is None else f" since {utc_minute(self.set_at)}"
        return (
            f"Rollback latch SET{when} ({', '.join(self.codes)}): orders are forced to dry-run. "
            f"{steps}"
        )


def _replay(events: Sequence[LatchEvent]) -> LatchState:
    """The latch state after replaying events in order (a set adds its triggers, a clear ends)."""
    state = LatchState(active=False)
    for event in events:
        if event.kind is LatchEventKind.CLEAR:
            state = LatchState(active=False, cleared_at=event.at)
            continue
        merged = {t.code: t for t in state.triggers}
        merged.update({t.code: t for t in event.triggers})
        state = LatchState(
            active=True,
            set_at=state.set_at if state.active else event.at,
            triggers=tuple(merged.values()),
            cleared_at=state.cleared_at,
        )
    return state


class RollbackLatchStore:
    """The persisted rollback latch: append-only set/clear events, stamped by the clock."""

    def __init__(self, path: Path, *, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._conn = connect(path)
        self._conn.row_factory = sqlite3.Row
        ensure_schema(self._conn, LATCH_COMPONENT, LATCH_MIGRATIONS, clock=clock)

    @classmethod
    def open(cls, data_dir: Path, *, clock: Clock = utc_now) -> RollbackLatchStore:
        """Open the latch in `data_dir/journal.sqlite3`."""
        return cls(journal_path(data_dir), clock=clock)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def events(self) -> list[LatchEvent]:
        """Every set and clear, oldest first."""
        with self._lock:
            return self._events()

    def state(self) -> LatchState:
        """The latch now (replayed from its events)."""
        return _replay(self.events())

    def set(self, triggers: Sequence[RollbackTrigger]) -> LatchState:
        """Set the latch for `triggers`; a trigger already latched is not recorded again."""
        if not triggers:
            raise ValueError("the rollback latch is set by at least one trigger")
        at = to_utc(self._clock())
        with self._lock, transaction(self._conn):
            current = _replay(self._events())
            new = [t for t in triggers if not current.active or t.code not in current.codes]
            if new:
                self._append(at, LatchEventKind.SET, new, "")
            return _replay(self._events())

    def clear(
        self,
        current_triggers: Sequence[RollbackTrigger],
        note: str = "",
        *,
        record: Callable[[], object] | None = None,
    ) -> LatchState:
        """Clear the latch (the trader's act); refused while any current trigger holds.

        `record` (e.g. the audit entry) runs after that check and before the clear is written:
        when it raises, the latch stays set (fail closed).
        """
        if current_triggers:
            held = "; ".join(t.sentence for t in current_triggers)
            raise LatchClearRefused(
                f"the rollback latch cannot be cleared while a trigger holds: {held}"
            )
        with self._lock:
            if not _replay(self._events()).active:
                return _replay(self._events())
            if record is not None:
                record()
            with transaction(self._conn):
                self._append(to_utc(self._clock()), LatchEventKind.CLEAR, [], note)
            return _replay(self._events())

    def _events(self) -> list[LatchEvent]:
        rows = self._conn.execute("SELECT * FROM rollback_latch_events ORDER BY id").fetchall()
        return [
            LatchEvent(
                id=row["id"],
                at=datetime.fromisoformat(row["at"]),
                kind=LatchEventKind(row["kind"]),
                triggers=tuple(
                    RollbackTrigger(**item) for item in json.loads(row["triggers_json"])
                ),
                note=row["note"],
            )
            for row in rows
        ]

    def _append(
        self, at: datetime, kind: LatchEventKind, triggers: Sequence[RollbackTrigger], note: str
    ) -> None:
        payload = json.dumps([t.model_dump(mode="json") for t in triggers], sort_keys=True)
        self._conn.execute(
            "INSERT INTO rollback_latch_events (at, kind, triggers_json, note) VALUES (?, ?, ?, ?)",
            (at.isoformat(), kind.value, payload, note),
        )
