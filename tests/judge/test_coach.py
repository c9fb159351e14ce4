"""The discipline coach: notes and an Action Plan from the journal; never a HIGH alert."""

from __future__ import annotations

import ast
import inspect
from datetime import date, timedelta

import pytest

import utils.judge.coach as coach_module
from tests.support.judge_factory import (
    daily_trades,
    green_ci,
    make_alert,
    make_trade,
    sandbox_record,
    settings_for,
    utc,
)
from utils.judge.coach import CoachCode, CoachLevel, coach_report
from utils.judge.discipline import evaluate_discipline
from utils.judge.gates import evaluate_gates

NOW = utc("2026-11-20T15:00:00Z")


@pytest.fixture
def settings(tmp_path):
    return settings_for(tmp_path)


def run_coach(trades, settings, *, with_gates=False, now=NOW):
    discipline = evaluate_discipline(trades, settings=settings, now=now)
    gates = None
    if with_gates:
        gates = evaluate_gates(
            trades=trades,
            discipline=discipline,
            alerts=[],
            ci=green_ci(),
            sandbox=sandbox_record(),
            settings=settings,
            now=now,
        )
    return coach_report(trades, discipline=discipline, settings=settings, now=now, gates=gates)


def notes_by_code(report):
    return {note.code: note for note in report.notes}


def winners(net: str, count: int = 3):
    return daily_trades(count, first_session=date(2026, 11, 2), pnl=net)


def test_winners_closed_at_22_pct_against_a_50_pct_plan(settings):
    note = notes_by_code(run_coach(winners("20.00"), settings))[CoachCode.WINNERS_CLOSED_EARLY]
    assert note.level is CoachLevel.WATCH
    assert note.sentence == (
        "You closed winners at 22 % of max profit against a 50 % plan (last 3 winners)."
    )


def test_winners_at_40_pct_are_within_the_slack_of_a_50_pct_plan(settings):
    assert CoachCode.WINNERS_CLOSED_EARLY not in notes_by_code(
        run_coach(winners("38.00"), settings)
    )


def test_two_winners_are_too_few_to_judge(settings):
    assert CoachCode.WINNERS_CLOSED_EARLY not in notes_by_code(
        run_coach(winners("20.00", 2), settings)
    )


def test_winners_held_well_past_the_target_get_an_info_note(settings):
    note = notes_by_code(run_coach(winners("78.00"), settings))[CoachCode.WINNERS_HELD_PAST_TARGET]
    assert note.level is CoachLevel.INFO and "80 % of max profit" in note.sentence


def chain_of_losses(gaps_min: list[int]):
    """Losing trades, each opened `gap` minutes after the previous one closed."""
    trades, opened = [], utc("2026-11-02T15:00:00Z")
    for index, gap in enumerate([0, *gaps_min], start=1):
        opened = opened + timedelta(minutes=gap)
        closed = opened + timedelta(minutes=20)
        trades.append(make_trade(index, opened_at=opened, closed_at=closed, net_pnl_usd="-50"))
        opened = closed
    return trades


def test_three_of_the_last_five_losses_came_within_30_minutes(settings):
    trades = chain_of_losses([10, 45, 29, 60 * 20, 5])
    note = notes_by_code(run_coach(trades, settings))[CoachCode.LOSSES_AFTER_LOSSES]
    assert note.sentence == ("3 of your last 5 losses came within 30 minutes of a previous loss.")
    assert note.evidence["trade_ids"] == "2, 4, 6"


def test_losses_spaced_30_minutes_apart_are_not_a_pattern(settings):
    trades = chain_of_losses([30, 30, 30])
    assert CoachCode.LOSSES_AFTER_LOSSES not in notes_by_code(run_coach(trades, settings))


def test_full_losses_are_noted(settings):
    trades = daily_trades(2, first_session=date(2026, 11, 2), pnl="-400.00")
    trades[1] = trades[1].model_copy(update={"stop_loss_usd": None})
    note = notes_by_code(run_coach(trades, settings))[CoachCode.FULL_LOSSES]
    assert note.sentence == "2 of your last 2 trades lost 90 % or more of their max loss."


def test_gate_progress_names_what_is_missing(settings):
    trades = daily_trades(18, first_session=date(2026, 10, 1))
    for index in range(7):
        trades[index] = trades[index].model_copy(update={"mistakes": (f"mistake {index}",)})
    report = run_coach(trades, settings, with_gates=True)
    note = notes_by_code(report)[CoachCode.GATE_PROGRESS]
    assert note.sentence == "Journal 7 more trades and 4 more clean sessions to reach the gates."


def test_action_plan_starts_with_the_costliest_rule(settings):
    trades = daily_trades(4, first_session=date(2026, 11, 2))
    trades[0] = trades[0].model_copy(update={"mistakes": ("chased", "late")})
    trades[1] = trades[1].model_copy(update={"mistakes": ("chased",)})
    report = run_coach(trades, settings)
    codes = notes_by_code(report)
    assert codes[CoachCode.COSTLIEST_RULE].sentence == (
        "Tagged mistakes cost you 9 discipline points (3 time(s)) in your last 4 trades."
    )
    assert (
        codes[CoachCode.REPEATED_MISTAKE].sentence
        == "You tagged 'chased' 2 times in your last 4 trades."
    )
    assert [item.priority for item in report.action_plan] == [1, 2]
    assert report.action_plan[0].code is CoachCode.COSTLIEST_RULE
    assert report.action_plan[0].sentence.startswith("Each mistake you tag")


def test_a_clean_streak_is_praised_without_an_action(settings):
    report = run_coach(daily_trades(3, first_session=date(2026, 11, 2)), settings)
    assert notes_by_code(report)[CoachCode.CLEAN_STREAK].sentence == (
        "3 clean sessions in a row: keep the same routine."
    )
    assert report.action_plan == ()


def test_an_empty_journal_gets_no_notes(settings):
    report = run_coach([], settings)
    assert report.notes == () and report.action_plan == ()


def test_coach_has_no_high_level():
    assert {level.value for level in CoachLevel} == {"info", "watch"}


def test_coach_cannot_raise_alerts():
    tree = ast.parse(inspect.getsource(coach_module))
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    } | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert "utils.records.alerts" not in imported
    assert "raise_alert" not in inspect.getsource(coach_module)


def failing_gates_report(trades, settings, *, alerts=()):
    """Gates with CI not green and no sandbox validation, as on a fresh checkout."""
    discipline = evaluate_discipline(trades, settings=settings, now=NOW, alerts=list(alerts))
    gates = evaluate_gates(
        trades=trades,
        discipline=discipline,
        alerts=list(alerts),
        ci=green_ci().model_copy(update={"green": False, "message": "no CI record yet"}),
        sandbox=None,
        settings=settings,
        now=NOW,
    )
    report = coach_report(trades, discipline=discipline, settings=settings, now=NOW, gates=gates)
    return gates, report


def test_action_plan_has_one_step_per_failing_gate_in_gate_order(settings):
    trades = daily_trades(4, first_session=date(2026, 11, 2), pnl="-100.00")
    alert = make_alert(1, raised_at=NOW - timedelta(hours=1))
    gates, report = failing_gates_report(trades, settings, alerts=[alert])
    failing = [gate.code.value for gate in gates.failing]
    assert failing == [
        "MIN_TRADES",
        "MIN_CLEAN_SESSIONS",
        "POSITIVE_EXPECTANCY",
        "NO_HIGH_ALERT_LAST_SESSION",
        "CI_GREEN",
        "SANDBOX_VALIDATED",
    ]
    gate_steps = [item for item in report.action_plan if item.code is CoachCode.FAILING_GATE]
    assert [item.evidence["gate"] for item in gate_steps] == failing
    assert report.action_plan[: len(failing)] == tuple(gate_steps), "gate steps come first"
    assert [item.priority for item in report.action_plan] == list(
        range(1, len(report.action_plan) + 1)
    )
    sentences = [item.sentence for item in gate_steps]
    assert sentences[0] == "Journal 21 more closed trades (4 of 25)."
    assert "Broker card" in sentences[4] and "pre-flight" in sentences[4]
    assert "sandbox validation" in sentences[5]


def test_an_empty_journal_plan_names_all_five_failing_gates(settings):
    gates, report = failing_gates_report([], settings)
    assert len(gates.failing) == 5
    assert len(report.action_plan) == 5
    assert report.action_plan[2].sentence == (
        "Close your first trades: expectancy needs at least one closed trade."
    )


def test_coach_text_names_rules_in_words_not_ids(settings):
    trades = daily_trades(4, first_session=date(2026, 11, 2))
    trades[0] = trades[0].model_copy(update={"mistakes": ("chased", "late")})
    report = run_coach(trades, settings)
    texts = [note.sentence for note in report.notes] + [i.sentence for i in report.action_plan]
    assert not any("MANUAL_MISTAKE" in text or "_" in text for text in texts), texts
    assert notes_by_code(report)[CoachCode.COSTLIEST_RULE].sentence.startswith(
        "Tagged mistakes cost you 6 discipline points"
    )
