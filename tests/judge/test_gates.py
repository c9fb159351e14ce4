"""Graduation gates at their exact thresholds and one step past (checklist s0)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.judge_factory import (
    COMMIT,
    alerts_from_specs,
    daily_trades,
    green_ci,
    load_fixture,
    make_alert,
    make_trade,
    sandbox_record,
    settings_for,
    trades_from_specs,
    utc,
)
from utils.records.alerts import AlertRule
from utils.project.ci_status import judge_ci_record
from utils.judge.discipline import evaluate_discipline
from utils.judge.gates import GateCode, evaluate_gates
from utils.records.latch import TriggerCode
from utils.journal.store import Journal
from utils.journal.trade import NewTrade, TradeClose

FIRST = date(2026, 6, 1)
NOW = utc("2026-08-01T15:00:00Z")
GOLDEN = {s["name"]: s for s in load_fixture("discipline_golden.json")["scenarios"]}


@pytest.fixture
def settings(tmp_path):
    return settings_for(tmp_path)


def gate_report(trades, settings, *, alerts=(), ci=None, sandbox="default", now=NOW):
    discipline = evaluate_discipline(trades, settings=settings, now=now, alerts=alerts)
    return evaluate_gates(
        trades=trades,
        discipline=discipline,
        alerts=alerts,
        ci=green_ci() if ci is None else ci,
        sandbox=sandbox_record() if sandbox == "default" else sandbox,
        settings=settings,
        now=now,
    )


def test_all_gates_pass_with_25_clean_winning_trades(settings):
    report = gate_report(daily_trades(25), settings)
    assert report.eligible, report.reasons
    assert [g.code for g in report.gates] == list(GateCode)
    assert report.reasons == [] and report.failing == []


# --- trades -------------------------------------------------------------------------------


def test_gate_fails_with_24_trades(settings):
    gate = gate_report(daily_trades(24), settings).gate(GateCode.MIN_TRADES)
    assert not gate.passed and gate.headroom == -1
    assert gate.sentence == "Trades journaled: 24 closed trade(s); 1 more needed to reach 25."


def test_gate_passes_with_25_trades(settings):
    gate = gate_report(daily_trades(25), settings).gate(GateCode.MIN_TRADES)
    assert gate.passed and gate.headroom == 0 and gate.threshold_text == ">= 25"
    assert gate.evidence["trade_ids"].startswith("1, 2, 3")


def test_open_trades_do_not_count_toward_the_trades_gate(settings):
    trades = daily_trades(24) + [make_trade(25, opened_at="2026-07-31T15:00:00Z")]
    assert not gate_report(trades, settings).gate(GateCode.MIN_TRADES).passed


def test_a_raised_threshold_is_honoured(tmp_path):
    strict = settings_for(tmp_path, gate_min_trades=30)
    gate = gate_report(daily_trades(25), strict).gate(GateCode.MIN_TRADES)
    assert not gate.passed and gate.threshold == 30


# --- clean sessions -----------------------------------------------------------------------


def test_gate_fails_with_14_clean_sessions(settings):
    trades = daily_trades(15)
    trades[3] = trades[3].model_copy(update={"mistakes": ("chased entry",)})
    gate = gate_report(trades, settings).gate(GateCode.MIN_CLEAN_SESSIONS)
    assert not gate.passed and gate.actual == 14 and gate.headroom == -1
    assert gate.evidence["not_clean_sessions"] == "2026-06-04"


def test_gate_passes_with_15_clean_sessions(settings):
    gate = gate_report(daily_trades(15), settings).gate(GateCode.MIN_CLEAN_SESSIONS)
    assert gate.passed and gate.actual == 15 and gate.headroom == 0


# --- expectancy ---------------------------------------------------------------------------


def test_gate_fails_with_expectancy_exactly_0_00(settings):
    gate = gate_report(daily_trades(25, pnl="0.00"), settings).gate(GateCode.POSITIVE_EXPECTANCY)
    assert not gate.passed and gate.actual == 0 and gate.actual_text == "0.00"
    assert gate.sentence == (
        "Expectancy: $0.00 per trade over 25 closed trade(s); it must be above $0.00."
    )


def test_gate_passes_with_expectancy_0_01(settings):
    gate = gate_report(daily_trades(25, pnl="0.01"), settings).gate(GateCode.POSITIVE_EXPECTANCY)
    assert gate.passed and gate.actual == Decimal("0.01") and gate.headroom == Decimal("0.01")


def test_expectancy_is_decided_exactly_not_in_floats(settings):
    # 24 x $0.10 and one -$2.40 sum to exactly 0; in floats the sum is not 0.
    trades = daily_trades(24, pnl="0.10") + daily_trades(
        1, first_session=date(2026, 7, 1), pnl="-2.40", start_id=25
    )
    assert sum(0.10 for _ in range(24)) - 2.40 != 0
    gate = gate_report(trades, settings).gate(GateCode.POSITIVE_EXPECTANCY)
    assert not gate.passed and gate.actual == 0


def test_one_cent_over_25_trades_is_positive_and_shown_unrounded(settings):
    trades = daily_trades(24, pnl="0.00") + daily_trades(
        1, first_session=date(2026, 7, 1), pnl="0.01", start_id=25
    )
    gate = gate_report(trades, settings).gate(GateCode.POSITIVE_EXPECTANCY)
    assert gate.passed and gate.actual_text == "0.0004"


def test_expectancy_gate_fails_without_closed_trades(settings):
    gate = gate_report([], settings).gate(GateCode.POSITIVE_EXPECTANCY)
    assert not gate.passed and gate.actual is None and "no closed trade" in gate.sentence


# --- discipline ---------------------------------------------------------------------------


def _golden_gate(name, settings):
    scenario = GOLDEN[name]
    now = utc(scenario["now"])
    return gate_report(
        trades_from_specs(scenario["trades"]),
        settings,
        alerts=alerts_from_specs(scenario["alerts"]),
        now=now,
    ).gate(GateCode.MIN_DISCIPLINE)


def test_gate_fails_with_discipline_69(settings):
    gate = _golden_gate("score_69_one_step_below_the_gate", settings)
    assert not gate.passed and gate.actual == 69 and gate.headroom == -1
    assert gate.sentence == (
        "Discipline: 69/100 is below 70; violations: OPENED_DURING_HALT -25; MANUAL_MISTAKE -6."
    )


def test_gate_passes_with_discipline_70(settings):
    gate = _golden_gate("score_exactly_70", settings)
    assert gate.passed and gate.actual == 70 and gate.headroom == 0


# --- HIGH alerts in the last session --------------------------------------------------------


def test_high_alert_today_fails_the_last_session_gate(settings):
    # NOW is Saturday 2026-08-01: today's session, and the alert's, is Monday 2026-08-03.
    alert = make_alert(1, "2026-08-01T14:00:00Z", AlertRule.AUTH_ANOMALY)
    gate = gate_report(daily_trades(25), settings, alerts=[alert]).gate(
        GateCode.NO_HIGH_ALERT_LAST_SESSION
    )
    assert not gate.passed and gate.evidence == {"last_session": "2026-08-03", "alert_ids": "1"}


def test_alert_in_the_last_active_session_fails_even_a_day_later(settings):
    trades = daily_trades(25)  # last session 2026-07-07 (25 NYSE sessions from 2026-06-01)
    alert = make_alert(1, "2026-07-07T19:00:00Z", AlertRule.ORDER_ANOMALY)
    gate = gate_report(trades, settings, alerts=[alert]).gate(GateCode.NO_HIGH_ALERT_LAST_SESSION)
    assert not gate.passed and gate.evidence["last_session"] == "2026-07-07"


def test_a_later_session_without_alert_passes_the_last_session_gate(settings):
    trades = daily_trades(25)
    alert = make_alert(1, "2026-07-06T19:00:00Z", AlertRule.ORDER_ANOMALY)
    gate = gate_report(trades, settings, alerts=[alert]).gate(GateCode.NO_HIGH_ALERT_LAST_SESSION)
    assert gate.passed and gate.evidence["last_session"] == "2026-07-07"


def test_alerts_after_now_are_not_seen(settings):
    alert = make_alert(1, "2026-08-02T14:00:00Z", AlertRule.AUTH_ANOMALY)
    report = gate_report(daily_trades(25), settings, alerts=[alert])
    assert report.gate(GateCode.NO_HIGH_ALERT_LAST_SESSION).passed


# --- CI and sandbox -----------------------------------------------------------------------


def test_ci_not_green_fails_with_its_message(settings):
    ci = judge_ci_record(None, COMMIT, False)
    report = gate_report(daily_trades(25), settings, ci=ci)
    assert not report.eligible
    assert report.reasons == [f"CI: {ci.message}"]


def test_sandbox_never_run_fails(settings):
    report = gate_report(daily_trades(25), settings, sandbox=None)
    assert [g.code for g in report.failing] == [GateCode.SANDBOX_VALIDATED]
    assert report.reasons == ["Sandbox validation: not run yet."]


def test_sandbox_failed_run_fails(settings):
    gate = gate_report(daily_trades(25), settings, sandbox=sandbox_record(passed=False)).gate(
        GateCode.SANDBOX_VALIDATED
    )
    assert not gate.passed and gate.evidence["failed_steps"] == "dry-run"
    assert gate.evidence["account"] == "********34"


def test_a_simulator_run_does_not_count_as_sandbox_validation(settings):
    gate = gate_report(daily_trades(25), settings, sandbox=sandbox_record(mode="SIM")).gate(
        GateCode.SANDBOX_VALIDATED
    )
    assert not gate.passed and "SANDBOX environment" in gate.sentence


def test_report_lists_every_failing_gate_in_plain_words(settings):
    report = gate_report(daily_trades(3, pnl="-5.00"), settings, sandbox=None)
    assert not report.eligible
    assert [g.code for g in report.failing] == [
        GateCode.MIN_TRADES,
        GateCode.MIN_CLEAN_SESSIONS,
        GateCode.POSITIVE_EXPECTANCY,
        GateCode.SANDBOX_VALIDATED,
    ]
    assert report.sentence.startswith("Not eligible: 4 of 7 gates fail.")
    assert report.model_dump()["eligible"] is False


# --- from a real journal file ---------------------------------------------------------------


def _journal_with(tmp_path, count):
    journal = Journal.open(tmp_path, clock=lambda: NOW)
    for trade in daily_trades(count):
        opened = journal.open_trade(
            NewTrade(**trade.model_dump(include=set(NewTrade.model_fields)))
        )
        journal.close_trade(
            opened.id,
            TradeClose(
                closed_at=trade.closed_at,
                exit_price=Decimal("0.50"),
                exit_effect="Debit",
                close_fees_usd=Decimal("2.00"),
            ),
        )
    return journal


def _report_from_journal(journal, settings):
    trades = journal.list_trades()
    discipline = evaluate_discipline(
        trades,
        settings=settings,
        now=NOW,
        journaled_sessions=journal.sessions_frame()["session"],
    )
    return evaluate_gates(
        trades=trades,
        discipline=discipline,
        alerts=[],
        ci=green_ci(),
        sandbox=sandbox_record(),
        settings=settings,
        now=NOW,
    )


def test_gates_read_from_a_journal_file_pass_with_25_trades(tmp_path, settings):
    journal = _journal_with(tmp_path, 25)
    report = _report_from_journal(journal, settings)
    journal.close()
    assert report.eligible, report.reasons
    assert report.gate(GateCode.POSITIVE_EXPECTANCY).actual == Decimal("48.00")


def test_a_mistake_tagged_in_the_journal_costs_a_clean_session(tmp_path, settings):
    journal = _journal_with(tmp_path, 15)
    journal.add_mistake(3, "moved the stop", at=utc("2026-06-03T19:00:00Z"))
    report = _report_from_journal(journal, settings)
    journal.close()
    gate = report.gate(GateCode.MIN_CLEAN_SESSIONS)
    assert not gate.passed and gate.actual == 14
    assert gate.evidence["not_clean_sessions"] == "2026-06-03"


def test_the_docs_list_every_gate_and_rollback_trigger():
    doc = (Path(__file__).parents[2] / "docs" / "DISCIPLINE_AND_GATES.md").read_text()
    for code in [*GateCode, *TriggerCode]:
        assert f"| {code} |" in doc
