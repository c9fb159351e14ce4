"""Rollback triggers (checklist s9) and the persisted rollback latch."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.support.judge_factory import daily_trades, make_alert, settings_for, utc
from utils.records.alerts import AlertRule, AlertStore
from utils.judge.rollback import rollback_triggers
from utils.records.latch import TriggerCode

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
    final = daily_trades(1, first_session=date(2026, 7, 15), pnl=last_pnl, start_id=30)
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
    # Saturday 2026-08-01's alerts belong to Monday's session.
    assert found[0].evidence == {"sessions": "2026-08-03", "alert_ids": "1, 2"}


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


# --- across a restart ---------------------------------------------------------------------


def test_halt_and_its_trigger_survive_a_restart(tmp_path, settings):
    store = AlertStore.open(tmp_path, clock=lambda: NOW)
    store.raise_alert(AlertRule.ORDER_ANOMALY, "fill far from the limit", order_ref="c-9")
    store.close()
    reopened = AlertStore.open(tmp_path, clock=lambda: NOW + timedelta(hours=23))
    alerts = reopened.alerts()
    halt = reopened.halt_state()
    reopened.close()
    assert halt.active and halt.until == NOW + timedelta(hours=24)
    assert codes(triggers(settings, alerts=alerts, now=NOW + timedelta(hours=23))) == [
        TriggerCode.ORDER_ANOMALY
    ]
