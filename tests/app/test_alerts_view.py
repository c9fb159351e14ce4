"""Alerts card rendered without a browser: the halt banner's countdown and each alert's row."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from components.cards.alerts import Ids, render
from tests.app.dash_tree import find, text
from tests.support.live_server import cockpit_settings
from utils.records.alerts import Alert, AlertRule, HaltState
from utils.records.latch import LatchState, RollbackTrigger, TriggerCode

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


def test_alerts_newest_first_one_line_each_with_details_on_demand(tmp_path):
    body = render(
        HaltState(active=False), [alert(1, acknowledged=True), alert(2)], settings(tmp_path), NOW
    )
    lines = find(body, Ids.LIST).children
    summaries = [text(line.children[0].children[0]) for line in lines]
    assert summaries == [
        "2025-03-03 09:58 EST HIGH Order refused: over the ladder cap",
        "2025-03-03 09:59 EST HIGH Order refused: over the ladder cap",
    ]
    assert [type(line.children[0]).__name__ for line in lines] == ["Details", "Details"]
    assert text(lines[0].children[0].children[1:]) == (
        "alert 2: 3 contracts against a 1-contract cap Rule ORDER_DENIED_OVER_LADDER_CAP"
    )
    assert text(lines[0].children[1]) == "Acknowledge"
    assert text(lines[1].children[1]) == "acknowledged 2025-03-03 10:00 EST"
    assert find(body, Ids.ack(2)) is not None and find(body, Ids.ack(1)) is None


def test_only_the_newest_twenty_are_shown(tmp_path):
    alerts = [alert(n) for n in range(1, 26)]
    lines = find(render(HaltState(active=False), alerts, settings(tmp_path), NOW), Ids.LIST)
    assert len(lines.children) == 20 and text(lines.children[0]).count("alert 25:") == 1


def test_a_set_latch_is_shown_even_without_alerts(tmp_path):
    latch = LatchState(
        active=True,
        set_at=NOW - timedelta(hours=2),
        triggers=(
            RollbackTrigger(
                code=TriggerCode.EXPECTANCY_NEGATIVE_LAST_10,
                sentence="Expectancy over the last 10 trades is -$12.00.",
            ),
        ),
    )
    body = render(HaltState(active=False), [], settings(tmp_path), NOW, latch)
    assert text(find(body, Ids.LATCH)) == (
        "Rollback latch set  since 2025-03-03 08:00 EST: orders are forced to dry-run. Clear it "
        "on the Broker card once the triggers recover. "
        "Expectancy over the last 10 trades is -$12.00."
    )
    assert (
        find(render(HaltState(active=False), [], settings(tmp_path), NOW, None), Ids.LATCH) is None
    )
