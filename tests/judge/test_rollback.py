"""Rollback triggers (checklist s9) and the persisted rollback latch."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine

from tests.support.judge_factory import daily_trades, make_alert, settings_for, utc
from utils.records.alerts import AlertRule, AlertStore
from utils.judge.gates import (
    ROLLBACK_SEQUENCE,
    LatchClearRefused,
    LatchEventKind,
    RollbackLatchStore,
    TriggerCode,
    rollback_triggers,
)

NOW = utc("2026-08-01T15:00:00Z")


@pytest.fixture
def settings(tmp_path):
    return settings_for(tmp_path)


def triggers(settings, *, trades=(), score=100, alerts=(), now=NOW):
    return rollback_triggers(
        trades=list(trades), discipline_score=score, alerts=list(alerts), settings=settings, now=now
    )


def codes(found):
    return [t.code for t in found]


def last_ten(total_last: str):
    """20 winners, then 9 trades at $1.00 and a 10th making the last-10 sum to `total_last`."""
    older = daily_trades(20, pnl="100.00")
    recent = daily_trades(9, first_session=date(2026, 7, 1), pnl="1.00", start_id=21)
    last_pnl = f"{float(total_last) - 9:.2f}"
    final = daily_trades(1, first_session=date(2026, 7, 10), pnl=last_pnl, start_id=30)
    return older + recent + final


# --- expectancy over the last 10 --------------------------------------------------------------


def test_last_10_expectancy_of_exactly_0_does_not_trigger(settings):
    assert triggers(settings, trades=last_ten("0.00")) == []


def test_last_10_expectancy_one_cent_negative_triggers(settings):
    found = triggers(settings, trades=last_ten("-0.01"))
    assert codes(found) == [TriggerCode.EXPECTANCY_NEGATIVE_LAST_10]
    assert found[0].evidence["trade_ids"] == ", ".join(str(i) for i in range(21, 31))


def test_fewer_than_10_closed_trades_never_trigger(settings):
    assert triggers(settings, trades=daily_trades(9, pnl="-50.00")) == []


# --- discipline ---------------------------------------------------------------------------


def test_discipline_70_does_not_trigger_69_does(settings):
    assert triggers(settings, score=70) == []
    found = triggers(settings, score=69)
    assert codes(found) == [TriggerCode.DISCIPLINE_BELOW_MIN]
    assert found[0].sentence == "Discipline 69/100 is below 70."


# --- HIGH alerts --------------------------------------------------------------------------


def test_one_high_alert_in_a_session_does_not_trigger(settings):
    alert = make_alert(1, "2026-08-01T14:00:00Z", AlertRule.OVER_LADDER_CAP)
    assert triggers(settings, alerts=[alert]) == []


def test_two_high_alerts_in_one_session_trigger(settings):
    alerts = [
        make_alert(1, "2026-08-01T14:00:00Z", AlertRule.OVER_LADDER_CAP),
        make_alert(2, "2026-08-01T14:30:00Z", AlertRule.OVER_CONCURRENCY),
    ]
    found = triggers(settings, alerts=alerts)
    assert codes(found) == [TriggerCode.TWO_HIGH_ALERTS_ONE_SESSION]
    assert found[0].evidence == {"sessions": "2026-08-01", "alert_ids": "1, 2"}


def test_two_alerts_on_two_sessions_do_not_trigger(settings):
    alerts = [
        make_alert(1, "2026-08-01T03:00:00Z", AlertRule.OVER_LADDER_CAP),  # 23:00 NY, Jul 31
        make_alert(2, "2026-08-01T14:30:00Z", AlertRule.OVER_CONCURRENCY),
    ]
    assert triggers(settings, alerts=alerts) == []


def test_alert_pile_stops_holding_once_acknowledged_and_expired(settings):
    alerts = [
        make_alert(1, "2026-08-01T14:00:00Z", acknowledged_at="2026-08-01T16:00:00Z"),
        make_alert(2, "2026-08-01T14:30:00Z", acknowledged_at="2026-08-01T16:00:00Z"),
    ]
    halt_end = utc("2026-08-02T14:30:00Z")
    still = triggers(settings, alerts=alerts, now=halt_end - timedelta(microseconds=1))
    assert TriggerCode.TWO_HIGH_ALERTS_ONE_SESSION in codes(still)
    assert triggers(settings, alerts=alerts, now=halt_end) == []


def test_auth_anomaly_holds_until_acknowledged_even_after_its_halt(settings):
    alert = make_alert(1, "2026-08-01T14:00:00Z", AlertRule.AUTH_ANOMALY, message="401 in LIVE")
    much_later = utc("2026-08-10T14:00:00Z")
    found = triggers(settings, alerts=[alert], now=much_later)
    assert codes(found) == [TriggerCode.AUTH_ANOMALY]
    assert "alert 1 (401 in LIVE)" in found[0].sentence
    acked = alert.model_copy(update={"acknowledged_at": utc("2026-08-01T15:00:00Z")})
    assert triggers(settings, alerts=[acked], now=much_later) == []


def test_order_anomaly_holds_during_its_halt_even_when_acknowledged(settings):
    alert = make_alert(
        1, "2026-08-01T14:00:00Z", AlertRule.ORDER_ANOMALY, acknowledged_at="2026-08-01T14:05:00Z"
    )
    assert codes(triggers(settings, alerts=[alert])) == [TriggerCode.ORDER_ANOMALY]


def test_a_non_anomaly_alert_is_not_an_anomaly_trigger(settings):
    alert = make_alert(1, "2026-08-01T14:00:00Z", AlertRule.JOURNAL_WRITE_FAILURE)
    assert triggers(settings, alerts=[alert]) == []


def test_triggers_come_in_checklist_order(settings):
    alerts = [
        make_alert(1, "2026-08-01T14:00:00Z", AlertRule.ORDER_ANOMALY),
        make_alert(2, "2026-08-01T14:10:00Z", AlertRule.AUTH_ANOMALY),
    ]
    found = triggers(settings, trades=last_ten("-5.00"), score=10, alerts=alerts)
    assert codes(found) == list(TriggerCode)


# --- the latch ------------------------------------------------------------------------------


@pytest.fixture
def latch(tmp_path):
    store = RollbackLatchStore.open(tmp_path, clock=lambda: NOW)
    yield store
    store.close()


def test_latch_starts_clear(latch):
    state = latch.state()
    assert (
        not state.active
        and not state.forces_dry_run
        and state.sentence == ("Rollback latch clear.")
    )


def test_trigger_sets_the_latch_which_forces_dry_run_and_shows_the_sequence(latch, settings):
    state = latch.set(triggers(settings, score=69), NOW)
    assert state.active and state.forces_dry_run and state.set_at == NOW
    assert state.codes == (TriggerCode.DISCIPLINE_BELOW_MIN,)
    assert state.rollback_sequence == ROLLBACK_SEQUENCE
    assert "ALWAYS_DRY_RUN=true" in state.sentence and "Close risk" in state.sentence


def test_latch_survives_a_restart(tmp_path, settings):
    store = RollbackLatchStore.open(tmp_path)
    store.set(triggers(settings, score=50), NOW)
    store.close()
    reopened = RollbackLatchStore.open(tmp_path)
    state = reopened.state()
    reopened.close()
    assert state.active and state.set_at == NOW
    assert state.triggers[0].sentence == "Discipline 50/100 is below 70."


def test_latch_and_alerts_keep_separate_schemas_in_the_journal_file(tmp_path, settings):
    alerts = AlertStore.open(tmp_path, clock=lambda: NOW)
    latch = RollbackLatchStore.open(tmp_path)
    alerts.raise_alert(AlertRule.AUTH_ANOMALY, "401")
    latch.set(triggers(settings, score=60), NOW)
    alerts.close()
    latch.close()
    conn = sqlite3.connect(tmp_path / "journal.sqlite3")
    try:
        versions = dict(conn.execute("SELECT component, version FROM schema_version"))
    finally:
        conn.close()
    assert versions == {"alerts": 1, "rollback_latch": 1}


def test_clear_is_refused_while_a_trigger_holds(latch, settings):
    current = triggers(settings, score=69)
    latch.set(current, NOW)
    with pytest.raises(LatchClearRefused, match="Discipline 69/100 is below 70"):
        latch.clear(current, NOW)
    assert latch.state().active


def test_trader_clears_the_latch_once_no_trigger_holds(latch, settings):
    latch.set(triggers(settings, score=69), NOW)
    later = NOW + timedelta(days=3)
    state = latch.clear(triggers(settings, score=75, now=later), later, note="back to plan")
    assert not state.active and state.cleared_at == later
    events = latch.events()
    assert [e.kind for e in events] == [LatchEventKind.SET, LatchEventKind.CLEAR]
    assert events[1].note == "back to plan"


def test_setting_the_same_trigger_twice_records_one_event(latch, settings):
    latch.set(triggers(settings, score=60), NOW)
    latch.set(triggers(settings, score=55), NOW + timedelta(minutes=5))
    assert len(latch.events()) == 1


def test_a_new_trigger_is_added_without_moving_set_at(latch, settings):
    latch.set(triggers(settings, score=60), NOW)
    alert_pile = [
        make_alert(1, "2026-08-01T15:10:00Z", AlertRule.OVER_LADDER_CAP),
        make_alert(2, "2026-08-01T15:20:00Z", AlertRule.OVER_LADDER_CAP),
    ]
    later = NOW + timedelta(hours=1)
    state = latch.set(triggers(settings, score=60, alerts=alert_pile, now=later), later)
    assert state.set_at == NOW
    assert state.codes == (
        TriggerCode.DISCIPLINE_BELOW_MIN,
        TriggerCode.TWO_HIGH_ALERTS_ONE_SESSION,
    )
    assert len(latch.events()) == 2


def test_latch_needs_a_trigger_to_be_set(latch):
    with pytest.raises(ValueError, match="at least one trigger"):
        latch.set([], NOW)


def test_clearing_a_clear_latch_records_nothing(latch):
    assert not latch.clear([], NOW).active
    assert latch.events() == []


def test_latch_events_can_be_neither_changed_nor_deleted(latch, settings, tmp_path):
    latch.set(triggers(settings, score=60), NOW)
    conn = sqlite3.connect(tmp_path / "journal.sqlite3")
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("UPDATE rollback_latch_events SET kind = 'clear'")
        with pytest.raises(sqlite3.DatabaseError, match="never deleted"):
            conn.execute("DELETE FROM rollback_latch_events")
    finally:
        conn.close()
    assert latch.state().active


def test_latch_set_and_clear_across_a_restart_with_the_real_clock(tmp_path, settings):
    with time_machine.travel(datetime(2026, 8, 1, 15, 0, tzinfo=timezone.utc), tick=False):
        store = RollbackLatchStore.open(tmp_path)
        store.set(triggers(settings, score=60))
        store.close()
    with time_machine.travel(datetime(2026, 8, 4, 15, 0, tzinfo=timezone.utc), tick=False):
        store = RollbackLatchStore.open(tmp_path)
        state = store.clear([])
        store.close()
    assert not state.active and state.cleared_at == datetime(2026, 8, 4, 15, tzinfo=timezone.utc)


def test_halt_and_its_trigger_survive_a_restart(tmp_path, settings):
    store = AlertStore.open(tmp_path, clock=lambda: NOW)
    store.raise_alert(AlertRule.ORDER_ANOMALY, "fill far from the limit", order_ref="c-9")
    store.close()
    reopened = AlertStore.open(tmp_path, clock=lambda: NOW)
    alerts = reopened.alerts()
    halt = reopened.halt_state(NOW + timedelta(hours=23))
    reopened.close()
    assert halt.active and halt.until == NOW + timedelta(hours=24)
    assert codes(triggers(settings, alerts=alerts, now=NOW + timedelta(hours=23))) == [
        TriggerCode.ORDER_ANOMALY
    ]
