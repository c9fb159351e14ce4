"""The persisted rollback latch: set by triggers, cleared only by the trader, append-only."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from utils.core.display import utc_minute
from utils.records.alerts import AlertRule, AlertStore
from utils.records.latch import (
    ROLLBACK_SEQUENCE,
    LatchClearRefused,
    LatchEventKind,
    RollbackLatchStore,
    RollbackTrigger,
    TriggerCode,
)

NOW = datetime(2026, 8, 1, 15, 0, tzinfo=timezone.utc)


class FixedClock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


def discipline_below(score: int) -> RollbackTrigger:
    return RollbackTrigger(
        code=TriggerCode.DISCIPLINE_BELOW_MIN,
        sentence=f"Discipline {score}/100 is below 70.",
        evidence={"score": str(score), "threshold": "70"},
    )


ALERT_PILE = RollbackTrigger(
    code=TriggerCode.TWO_HIGH_ALERTS_ONE_SESSION,
    sentence="2 or more HIGH alerts in one session: 2026-08-01 (2).",
    evidence={"sessions": "2026-08-01", "alert_ids": "1, 2"},
)


@pytest.fixture
def clock():
    return FixedClock()


@pytest.fixture
def latch(tmp_path, clock):
    store = RollbackLatchStore.open(tmp_path, clock=clock)
    yield store
    store.close()


def test_latch_starts_clear(latch):
    state = latch.state()
    assert not state.active and not state.forces_dry_run
    assert state.sentence == "Rollback latch clear."


def test_trigger_sets_the_latch_which_forces_dry_run_and_shows_the_sequence(latch):
    state = latch.set([discipline_below(69)])
    assert state.active and state.forces_dry_run and state.set_at == NOW
    assert state.codes == (TriggerCode.DISCIPLINE_BELOW_MIN,)
    assert state.rollback_sequence == ROLLBACK_SEQUENCE
    assert state.sentence == (
        f"Rollback latch SET since {utc_minute(NOW)} (DISCIPLINE_BELOW_MIN): orders are forced "
        "to dry-run. 1. Close risk per each trade's exit plan (closing orders and cancels still "
        "pass). 2. Set ALWAYS_DRY_RUN=true in .env. 3. Resume SANDBOX until the metrics recover; "
        "then clear the latch here."
    )


def test_latch_survives_a_restart_with_its_triggers(tmp_path, clock):
    store = RollbackLatchStore.open(tmp_path, clock=clock)
    store.set([discipline_below(50)])
    store.close()
    reopened = RollbackLatchStore.open(tmp_path, clock=clock)
    state = reopened.state()
    reopened.close()
    assert state.active and state.set_at == NOW
    assert state.triggers == (discipline_below(50),)


def test_latch_and_alerts_keep_separate_schemas_in_the_journal_file(tmp_path, clock):
    alerts = AlertStore.open(tmp_path, clock=clock)
    latch = RollbackLatchStore.open(tmp_path, clock=clock)
    alerts.raise_alert(AlertRule.AUTH_ANOMALY, "401")
    latch.set([discipline_below(60)])
    alerts.close()
    latch.close()
    conn = sqlite3.connect(tmp_path / "journal.sqlite3")
    try:
        versions = dict(conn.execute("SELECT component, version FROM schema_version"))
    finally:
        conn.close()
    assert versions == {"alerts": 1, "rollback_latch": 1}


def test_clear_is_refused_while_a_trigger_holds(latch):
    current = [discipline_below(69)]
    latch.set(current)
    with pytest.raises(LatchClearRefused, match="Discipline 69/100 is below 70"):
        latch.clear(current)
    assert latch.state().active


def test_trader_clears_the_latch_once_no_trigger_holds(latch, clock):
    latch.set([discipline_below(69)])
    clock.now = NOW + timedelta(days=3)
    state = latch.clear([], note="back to plan")
    assert not state.active and state.cleared_at == NOW + timedelta(days=3)
    events = latch.events()
    assert [e.kind for e in events] == [LatchEventKind.SET, LatchEventKind.CLEAR]
    assert events[1].note == "back to plan"


def test_setting_the_same_trigger_twice_records_one_event(latch, clock):
    latch.set([discipline_below(60)])
    clock.now = NOW + timedelta(minutes=5)
    latch.set([discipline_below(55)])
    assert len(latch.events()) == 1


def test_a_new_trigger_is_added_without_moving_set_at(latch, clock):
    latch.set([discipline_below(60)])
    clock.now = NOW + timedelta(hours=1)
    state = latch.set([discipline_below(60), ALERT_PILE])
    assert state.set_at == NOW
    assert state.codes == (
        TriggerCode.DISCIPLINE_BELOW_MIN,
        TriggerCode.TWO_HIGH_ALERTS_ONE_SESSION,
    )
    assert len(latch.events()) == 2


def test_a_latch_set_again_after_a_clear_starts_a_new_set_at(latch, clock):
    latch.set([discipline_below(60)])
    clock.now = NOW + timedelta(days=1)
    latch.clear([])
    clock.now = NOW + timedelta(days=2)
    state = latch.set([discipline_below(65)])
    assert state.active and state.set_at == NOW + timedelta(days=2)
    assert state.cleared_at == NOW + timedelta(days=1)
    assert state.triggers == (discipline_below(65),)


def test_latch_needs_a_trigger_to_be_set(latch):
    with pytest.raises(ValueError, match="at least one trigger"):
        latch.set([])


def test_clearing_a_clear_latch_records_nothing(latch):
    assert not latch.clear([]).active
    assert latch.events() == []


def test_latch_events_can_be_neither_changed_nor_deleted(latch, tmp_path):
    latch.set([discipline_below(60)])
    conn = sqlite3.connect(tmp_path / "journal.sqlite3")
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE rollback_latch_events SET kind = 'clear'")
        with pytest.raises(sqlite3.DatabaseError, match="never deleted"):
            conn.execute("DELETE FROM rollback_latch_events")
    finally:
        conn.close()
    assert latch.state().active


def test_latch_set_and_clear_across_a_restart_with_the_real_clock(tmp_path):
    with time_machine.travel(datetime(2026, 8, 1, 15, 0, tzinfo=timezone.utc), tick=False):
        store = RollbackLatchStore.open(tmp_path)
        store.set([discipline_below(60)])
        store.close()
    with time_machine.travel(datetime(2026, 8, 4, 15, 0, tzinfo=timezone.utc), tick=False):
        store = RollbackLatchStore.open(tmp_path)
        state = store.clear([])
        store.close()
    assert not state.active and state.cleared_at == datetime(2026, 8, 4, 15, tzinfo=timezone.utc)
