"""HIGH alerts and the 24 h halt: persisted, never deleted, expiring by themselves."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta, timezone

import pytest

from utils.records.alerts import AlertRule, AlertStore, HaltState, HaltWindow, halt_covers

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)


class FixedClock:
    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return FixedClock()


@pytest.fixture
def store(tmp_path, clock):
    alerts = AlertStore.open(tmp_path, clock=clock)
    yield alerts
    alerts.close()


def test_alert_is_high_and_linked(store):
    alert = store.raise_alert(
        AlertRule.OVER_LADDER_CAP, "3 contracts over the 1-unit cap", order_ref="c-1"
    )
    assert alert.severity == "HIGH"
    assert alert.session == date(2026, 11, 24)
    assert alert.order_ref == "c-1" and alert.raised_at == T0


def test_alert_starts_a_24h_halt(store, clock):
    store.raise_alert(AlertRule.AUTH_ANOMALY, "401 in LIVE")
    halt = store.halt_state()
    assert halt.active and halt.until == T0 + timedelta(hours=24)
    assert halt.reason == "AUTH_ANOMALY: 401 in LIVE"
    assert halt.cause == f"HIGH alert {store.alerts()[0].id} AUTH_ANOMALY"  # named, not quoted
    assert halt.remaining(T0 + timedelta(hours=1)) == timedelta(hours=23)


def test_halt_still_active_one_microsecond_before_24h(store, clock):
    store.raise_alert(AlertRule.ORDER_ANOMALY, "rejected")
    clock.now = T0 + timedelta(hours=24) - timedelta(microseconds=1)
    assert store.halt_state().active


def test_halt_expires_at_exactly_24h(store, clock):
    store.raise_alert(AlertRule.ORDER_ANOMALY, "rejected")
    clock.now = T0 + timedelta(hours=24)
    halt = store.halt_state()
    assert not halt.active and halt.remaining(T0 + timedelta(hours=24)) == timedelta(0)


def test_halt_survives_a_restart(tmp_path, clock):
    first = AlertStore.open(tmp_path, clock=clock)
    first.raise_alert(AlertRule.JOURNAL_WRITE_FAILURE, "disk full")
    first.close()
    clock.now = T0 + timedelta(hours=23)
    second = AlertStore.open(tmp_path, clock=clock)
    assert second.halt_state().active
    assert len(second.alerts()) == 1
    second.close()


def test_second_alert_starts_its_own_halt_not_a_silent_extension(store, clock):
    store.raise_alert(AlertRule.ORDER_ANOMALY, "first")
    clock.now = T0 + timedelta(hours=10)
    second = store.raise_alert(AlertRule.ORDER_ANOMALY, "second")
    halt = store.halt_state()
    assert halt.alert_id == second.id
    assert halt.until == T0 + timedelta(hours=34)


def test_acknowledge_keeps_the_alert_and_the_halt(store, clock):
    alert = store.raise_alert(AlertRule.ENTRY_DURING_HALT, "tried to open during halt")
    clock.now = T0 + timedelta(minutes=5)
    acked = store.acknowledge(alert.id, "understood")
    assert acked.acknowledged_at == clock.now and acked.ack_note == "understood"
    assert store.halt_state().active
    with pytest.raises(KeyError):
        store.acknowledge(alert.id)


def test_alerts_cannot_be_deleted_or_rewritten(store, tmp_path):
    store.raise_alert(AlertRule.AUTH_ANOMALY, "401")
    raw = sqlite3.connect(tmp_path / "journal.sqlite3")
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        raw.execute("DELETE FROM high_alerts")
    with pytest.raises(sqlite3.IntegrityError, match="only be acknowledged"):
        raw.execute("UPDATE high_alerts SET message = 'nothing happened'")
    with pytest.raises(sqlite3.IntegrityError, match="expires by itself"):
        raw.execute("UPDATE entry_halts SET ends_at = '2000-01-01T00:00:00+00:00'")
    raw.close()


def test_alert_sessions_are_new_york_days(store, clock):
    clock.now = datetime(2026, 11, 25, 4, 30, tzinfo=timezone.utc)  # 23:30 New York, Nov 24
    store.raise_alert(AlertRule.ORDER_ANOMALY, "late")
    clock.now = datetime(2026, 11, 25, 5, 30, tzinfo=timezone.utc)  # 00:30 New York, Nov 25
    store.raise_alert(AlertRule.ORDER_ANOMALY, "after midnight")
    store.raise_alert(AlertRule.AUTH_ANOMALY, "again")
    assert [a.session for a in store.alerts()] == [
        date(2026, 11, 24),
        date(2026, 11, 25),
        date(2026, 11, 25),
    ]
    assert [a.message for a in store.alerts(session=date(2026, 11, 24))] == ["late"]
    assert [a.message for a in store.alerts(session=date(2026, 11, 25))] == [
        "after midnight",
        "again",
    ]


def test_overlapping_halts_show_the_one_ending_last_and_the_oldest_on_a_tie(store, clock):
    first = store.raise_alert(AlertRule.ORDER_ANOMALY, "first")
    store.raise_alert(AlertRule.AUTH_ANOMALY, "same moment")
    assert store.halt_state().alert_id == first.id
    clock.now = T0 + timedelta(hours=1)
    later = store.raise_alert(AlertRule.ORDER_ANOMALY, "an hour later")
    halt = store.halt_state()
    assert (halt.alert_id, halt.started_at, halt.until) == (
        later.id,
        T0 + timedelta(hours=1),
        T0 + timedelta(hours=25),
    )
    clock.now = T0 + timedelta(hours=24, minutes=30)
    assert store.halt_state().alert_id == later.id
    clock.now = T0 + timedelta(hours=25)
    assert not store.halt_state().active


def test_a_halt_covers_from_its_start_to_just_before_its_end():
    start, end = T0, T0 + timedelta(hours=24)
    assert not halt_covers(start, end, start - timedelta(microseconds=1))
    assert halt_covers(start, end, start)
    assert halt_covers(start, end, end - timedelta(microseconds=1))
    assert not halt_covers(start, end, end)
    assert halt_covers(None, None, end)
    window = HaltWindow(alert_id=1, started_at=start, ends_at=end)
    state = HaltState(active=True, started_at=start, until=end)
    for moment in (start - timedelta(seconds=1), start, end - timedelta(seconds=1), end):
        assert window.covers(moment) == state.in_force(moment) == halt_covers(start, end, moment)
    assert not state.model_copy(update={"active": False}).in_force(start)


def test_no_alert_means_no_halt(store):
    halt = store.halt_state()
    assert not halt.active and halt.until is None
