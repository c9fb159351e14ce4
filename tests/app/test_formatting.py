"""The card vocabulary of components/formatting.py: checks named as checks, gate figures with
their units, and how long ago something was."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from components.formatting import check_label, gate_figures, local_time, since
from tests.support.live_server import cockpit_settings
from utils.broker.pretrade_context import ReasonCode
from utils.judge.gates import GateCode, GateResult

NOW = datetime(2025, 3, 3, 15, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("code", "passed", "shown"),
    [
        (ReasonCode.NOT_DEFINED_RISK, True, "Defined risk ✓"),
        (ReasonCode.NOT_DEFINED_RISK, False, "Defined risk ✗"),
        (ReasonCode.HALTED, True, "No entry halt ✓"),
    ],
)
def test_a_check_reads_as_what_it_checks(code, passed, shown):
    assert check_label(code, passed) == shown


def test_every_pretrade_check_has_a_name():
    assert all("_" not in check_label(code, True) for code in ReasonCode)


def gate(code: GateCode, actual, threshold, headroom) -> GateResult:
    return GateResult(
        code=code,
        sentence="",
        name=code.value,
        comparison=">=",
        threshold=None if threshold is None else Decimal(threshold),
        actual=None if actual is None else Decimal(actual),
        headroom=None if headroom is None else Decimal(headroom),
        threshold_text="",
        actual_text="",
        headroom_text="",
        passed=False,
    )


@pytest.mark.parametrize(
    ("result", "figures"),
    [
        (
            gate(GateCode.POSITIVE_EXPECTANCY, "23.01", "0", "23.01"),
            ("$23.01 per trade", "> $0.00 per trade", "+$23.01"),
        ),
        (
            gate(GateCode.POSITIVE_EXPECTANCY, "-1234.5", "0", "-1234.5"),
            ("-$1,234.50 per trade", "> $0.00 per trade", "-$1,234.50"),
        ),
        (gate(GateCode.MIN_TRADES, 24, 25, -1), ("24 trades", "≥ 25", "1 more needed")),
        (gate(GateCode.MIN_DISCIPLINE, 72, 70, 2), ("72 / 100", "≥ 70", "+2 points")),
        (gate(GateCode.NO_HIGH_ALERT_LAST_SESSION, 2, 0, -2), ("2 HIGH alerts", "none", "")),
        (gate(GateCode.NO_HIGH_ALERT_LAST_SESSION, 1, 0, -1), ("1 HIGH alert", "none", "")),
        (
            gate(GateCode.MIN_CLEAN_SESSIONS, 1, 15, -14),
            ("1 clean session", "≥ 15", "14 more needed"),
        ),
    ],
)
def test_gate_figures_carry_their_units(result, figures):
    assert gate_figures(result) == figures


def test_since_is_a_duration_not_fractional_minutes():
    assert since(NOW - timedelta(minutes=19547.5), NOW) == "13 d 13 h ago"


def test_local_time_is_to_the_minute_in_the_display_zone(tmp_path):
    settings = cockpit_settings(tmp_path, display_timezone="America/New_York")
    moment = NOW.replace(second=59, microsecond=123456)
    assert local_time(moment, settings) == "2025-03-03 10:00 EST"
