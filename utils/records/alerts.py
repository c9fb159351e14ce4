"""HIGH-severity alerts and the 24 h halt on new entries they start (persisted).

Only serious events become alerts (the discipline coach handles the rest). Each alert is
stored with its time, session, rule and linked trade or order; it can be acknowledged, never
deleted (a trigger refuses DELETE, and UPDATE may only set the acknowledgement). Each alert
starts its own halt from the alert's time: a later alert starts a new, visible halt rather than
silently stretching the old one. Halts expire by themselves; closing orders still pass.

A halt holds from its start (included) to its end (excluded): `halt_covers` is that rule, for
the store's halt state, the guard's pre-trade check, the mode and the discipline score alike.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from utils.core.sessions import Clock, session_of, to_utc, utc_now
from utils.core.sqlite_store import connect, ensure_schema, journal_path, transaction

MIGRATIONS = (
    """
    CREATE TABLE high_alerts (
        id              INTEGER PRIMARY KEY,
        raised_at       TEXT NOT NULL,
        session         TEXT NOT NULL,
        rule            TEXT NOT NULL,
        message         TEXT NOT NULL,
        trade_id        INTEGER,
        order_ref       TEXT,
        acknowledged_at TEXT,
        ack_note        TEXT
    );
    CREATE INDEX high_alerts_session ON high_alerts (session);
    CREATE TABLE entry_halts (
        id         INTEGER PRIMARY KEY,
        alert_id   INTEGER NOT NULL UNIQUE REFERENCES high_alerts (id),
        started_at TEXT NOT NULL,
        ends_at    TEXT NOT NULL
    );
    CREATE TRIGGER high_alerts_no_delete BEFORE DELETE ON high_alerts
    BEGIN SELECT RAISE(ABORT, 'HIGH alerts are never deleted'); END;
    CREATE TRIGGER high_alerts_ack_only BEFORE UPDATE ON high_alerts
    WHEN NEW.raised_at IS NOT OLD.raised_at OR NEW.session IS NOT OLD.session
      OR NEW.rule IS NOT OLD.rule OR NEW.message IS NOT OLD.message
      OR NEW.trade_id IS NOT OLD.trade_id OR NEW.order_ref IS NOT OLD.order_ref
      OR OLD.acknowledged_at IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'a HIGH alert can only be acknowledged, once'); END;
    CREATE TRIGGER entry_halts_no_update BEFORE UPDATE ON entry_halts
    BEGIN SELECT RAISE(ABORT, 'a halt is never changed: it expires by itself'); END;
    CREATE TRIGGER entry_halts_no_delete BEFORE DELETE ON entry_halts
    BEGIN SELECT RAISE(ABORT, 'a halt is never deleted: it expires by itself'); END;
    """,
)


class AlertRule(StrEnum):
    """The events serious enough to be a HIGH alert."""

    NOT_DEFINED_RISK = "ORDER_DENIED_NOT_DEFINED_RISK"
    OVER_LADDER_CAP = "ORDER_DENIED_OVER_LADDER_CAP"
    OVER_SYMBOL_RISK = "ORDER_DENIED_OVER_20PCT_SYMBOL_RISK"
    OVER_CONCURRENCY = "ORDER_DENIED_OVER_CONCURRENCY_CAP"
    ENTRY_DURING_HALT = "ENTRY_ATTEMPTED_DURING_HALT"
    AUTH_ANOMALY = "AUTH_ANOMALY"
    ORDER_ANOMALY = "ORDER_PLACEMENT_ANOMALY"
    JOURNAL_WRITE_FAILURE = "JOURNAL_WRITE_FAILURE"
    AUDIT_WRITE_FAILURE = "AUDIT_WRITE_FAILURE"
    AUDIT_CHAIN_BROKEN = "AUDIT_CHAIN_BROKEN"
    UNDEFINED_RISK_JOURNALED = "UNDEFINED_RISK_TRADE_JOURNALED"


ANOMALY_RULES = frozenset({AlertRule.AUTH_ANOMALY, AlertRule.ORDER_ANOMALY})


class Alert(BaseModel):
    """One stored HIGH alert."""

    model_config = ConfigDict(frozen=True)

    id: int
    raised_at: datetime
    session: date
    rule: AlertRule
    message: str
    trade_id: int | None = None
    order_ref: str | None = None
    acknowledged_at: datetime | None = None
    ack_note: str | None = None

    @property
    def severity(self) -> str:
        """Always HIGH: lesser notes belong to the discipline coach."""
        return "HIGH"


def halt_covers(started_at: datetime | None, ends_at: datetime | None, moment: datetime) -> bool:
    """The one halt rule: a halt holds from its start (included) until its end (excluded); an
    unknown start or end leaves that side open."""
    when = to_utc(moment)
    started = started_at is None or to_utc(started_at) <= when
    return started and (ends_at is None or when < to_utc(ends_at))


class HaltWindow(BaseModel):
    """A HIGH alert's halt on new entries: [started_at, ends_at)."""

    model_config = ConfigDict(frozen=True)

    alert_id: int
    started_at: datetime
    ends_at: datetime

    def covers(self, moment: datetime) -> bool:
        """True when `moment` falls inside the halt (the end itself is outside)."""
        return halt_covers(self.started_at, self.ends_at, moment)


class HaltState(BaseModel):
    """The entry halt after a HIGH alert: new entries refused while in force."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    active: bool
    until: datetime | None = None
    reason: str = ""
    started_at: datetime | None = None
    alert_id: int | None = None
    rule: AlertRule | None = None

    @property
    def cause(self) -> str:
        """What started the halt, named not quoted ("HIGH alert 3 AUTH_ANOMALY"), so a message
        about the halt never embeds another alert's message."""
        if self.alert_id is not None and self.rule is not None:
            return f"HIGH alert {self.alert_id} {self.rule.value}"
        return self.reason

    def in_force(self, now: datetime) -> bool:
        """Active, and covering `now` (started, and open-ended or not yet expired)."""
        return self.active and halt_covers(self.started_at, self.until, now)

    def remaining(self, now: datetime) -> timedelta:
        """Time left on the halt at `now` (zero when none is active)."""
        if not self.active or self.until is None:
            return timedelta(0)
        return max(self.until - to_utc(now), timedelta(0))


class AlertStore:
    """HIGH alerts and halts kept in the journal's SQLite file."""

    def __init__(self, path: Path, *, halt_hours: int = 24, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._halt = timedelta(hours=halt_hours)
        self._lock = threading.Lock()
        self._conn = connect(path)
        self._conn.row_factory = sqlite3.Row
        ensure_schema(self._conn, "alerts", MIGRATIONS, clock=clock)

    @classmethod
    def open(cls, data_dir: Path, **kwargs) -> AlertStore:
        """Open the store in `data_dir/journal.sqlite3`."""
        return cls(journal_path(data_dir), **kwargs)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def raise_alert(
        self,
        rule: AlertRule,
        message: str,
        *,
        trade_id: int | None = None,
        order_ref: str | None = None,
        session: date | None = None,
    ) -> Alert:
        """Store a HIGH alert and start its halt of new entries, in one transaction.

        `session` is the session the alert belongs to when the event it reports happened
        earlier than now (an import reveals a past trade); by default the session of now.
        """
        raised_at = to_utc(self._clock())
        with self._lock, transaction(self._conn):
            cursor = self._conn.execute(
                "INSERT INTO high_alerts (raised_at, session, rule, message, trade_id, order_ref)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    raised_at.isoformat(),
                    (session or session_of(raised_at)).isoformat(),
                    str(rule),
                    message,
                    trade_id,
                    order_ref,
                ),
            )
            alert_id = cursor.lastrowid
            self._conn.execute(
                "INSERT INTO entry_halts (alert_id, started_at, ends_at) VALUES (?, ?, ?)",
                (alert_id, raised_at.isoformat(), (raised_at + self._halt).isoformat()),
            )
        return self.alert(alert_id)

    def acknowledge(self, alert_id: int, note: str = "") -> Alert:
        """Mark an alert as seen; the alert and its halt stay as they were."""
        with self._lock, transaction(self._conn):
            cursor = self._conn.execute(
                "UPDATE high_alerts SET acknowledged_at = ?, ack_note = ? "
                "WHERE id = ? AND acknowledged_at IS NULL",
                (to_utc(self._clock()).isoformat(), note, alert_id),
            )
        if cursor.rowcount != 1:
            raise KeyError(f"alert {alert_id} does not exist or was already acknowledged")
        return self.alert(alert_id)

    def alert(self, alert_id: int) -> Alert:
        """One alert by id."""
        with self._lock:
            row = self._conn.execute("SELECT * FROM high_alerts WHERE id = ?", (alert_id,))
            found = row.fetchone()
        if found is None:
            raise KeyError(f"alert {alert_id} does not exist")
        return Alert(**dict(found))

    def alerts(self, session: date | None = None) -> list[Alert]:
        """Every alert, oldest first (or those of one session)."""
        sql, params = "SELECT * FROM high_alerts", ()
        if session is not None:
            sql, params = sql + " WHERE session = ?", (session.isoformat(),)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY id", params).fetchall()
        return [Alert(**dict(row)) for row in rows]

    def halt_state(self) -> HaltState:
        """The halt in force now (the one ending last when several overlap; the oldest alert's
        on a tie)."""
        moment = self._clock()
        with self._lock:
            rows = self._conn.execute(
                "SELECT h.alert_id, h.started_at, h.ends_at, a.rule, a.message FROM entry_halts h "
                "JOIN high_alerts a ON a.id = h.alert_id ORDER BY h.alert_id"
            ).fetchall()
        reasons = {row["alert_id"]: f"{row['rule']}: {row['message']}" for row in rows}
        rules = {row["alert_id"]: AlertRule(row["rule"]) for row in rows}
        in_force = [
            halt
            for halt in (
                HaltWindow(
                    alert_id=row["alert_id"],
                    started_at=datetime.fromisoformat(row["started_at"]),
                    ends_at=datetime.fromisoformat(row["ends_at"]),
                )
                for row in rows
            )
            if halt.covers(moment)
        ]
        if not in_force:
            return HaltState(active=False)
        halt = max(in_force, key=lambda h: (h.ends_at, -h.alert_id))
        return HaltState(
            active=True,
            until=halt.ends_at,
            started_at=halt.started_at,
            alert_id=halt.alert_id,
            reason=reasons[halt.alert_id],
            rule=rules[halt.alert_id],
        )
