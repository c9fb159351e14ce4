"""Alerts card rendered without a browser: the halt banner's countdown and each alert's row."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from components.cards.alerts import Ids, render
from tests.app.dash_tree import find, text
from tests.support.live_server import cockpit_settings
from utils.records.alerts import Alert, AlertRule, HaltState

NOW = datetime(2025, 3, 3, 15, 0, tzinfo=timezone.utc)  # 10:00 in New York


def alert(alert_id: int, acknowledged: bool = False) -> Alert:
    return Alert(
        id=alert_id,
        raised_at=NOW - timedelta(minutes=alert_id),
        session=date(2025, 3, 3),
        rule=AlertRule.OVER_LADDER_CAP,
        message=f"alert {alert_id}: 3 contracts against a 1-contract cap",
        acknowledged_at=NOW if acknowledged else None,
    )


def settings(tmp_path):
    return cockpit_settings(tmp_path, display_timezone="America/New_York")


def test_no_alert_and_no_halt(tmp_path):
    body = render(HaltState(active=False), [], settings(tmp_path), NOW)
    assert text(body) == "No HIGH alerts. Lesser notes live in the Discipline card."
    assert find(body, Ids.HALT_BANNER) is None


def test_an_active_halt_counts_down_and_names_its_reason(tmp_path):
    halt = HaltState(
        active=True,
        until=NOW + timedelta(hours=23, minutes=5, seconds=59),
        reason="HIGH alert: over the ladder cap",
    )
    banner = find(render(halt, [alert(1)], settings(tmp_path), NOW), Ids.HALT_BANNER)
    assert text(banner) == (
        "New entries halted  until 2025-03-04 09:05 EST (23 h 05 m left). "
        "Closing orders and cancels still pass. HIGH alert: over the ladder cap"
    )
    assert banner.color == "danger"


def test_alerts_newest_first_with_acknowledge_buttons(tmp_path):
    body = render(
        HaltState(active=False), [alert(1, acknowledged=True), alert(2)], settings(tmp_path), NOW
    )
    rows = body[0].children[0].children
    assert [text(row) for row in rows] == [
        "HIGH 2025-03-03 09:58 EST ORDER_DENIED_OVER_LADDER_CAP "
        "alert 2: 3 contracts against a 1-contract cap Acknowledge",
        "HIGH 2025-03-03 09:59 EST ORDER_DENIED_OVER_LADDER_CAP "
        "alert 1: 3 contracts against a 1-contract cap acknowledged 2025-03-03 10:00 EST",
    ]
    assert find(body, Ids.ack(2)) is not None and find(body, Ids.ack(1)) is None


def test_only_the_newest_twenty_are_shown(tmp_path):
    alerts = [alert(n) for n in range(1, 26)]
    rows = render(HaltState(active=False), alerts, settings(tmp_path), NOW)[0].children[0].children
    assert len(rows) == 20 and text(rows[0]).count("alert 25:") == 1
