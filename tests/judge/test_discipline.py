"""Discipline: each rule at its limit and one step past it, the golden scores, clean sessions."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.judge_factory import (
    alerts_from_specs,
    daily_trades,
    load_fixture,
    make_alert,
    make_trade,
    settings_for,
    trades_from_specs,
    utc,
)
from utils.records.alerts import AlertRule
from utils.judge.discipline import evaluate_discipline
from utils.judge.discipline_rules import DISCIPLINE_RULES, RuleId
from utils.judge.risk import open_risk_by_family
from utils.journal.trade import Note, Trade

NOW = utc("2026-11-10T15:00:00Z")
GOLDEN = load_fixture("discipline_golden.json")["scenarios"]


@pytest.fixture
def settings(tmp_path):
    return settings_for(tmp_path)


def rules_broken(report) -> list[str]:
    return [str(v.code) for v in report.all_violations]


@pytest.mark.parametrize("scenario", GOLDEN, ids=[s["name"] for s in GOLDEN])
def test_golden_discipline_score(scenario, settings):
    capital = scenario.get("risk_capital_usd")
    report = evaluate_discipline(
        trades_from_specs(scenario["trades"]),
        settings=settings,
        now=utc(scenario["now"]),
        alerts=alerts_from_specs(scenario["alerts"]),
        risk_capital_usd=None if capital is None else Decimal(capital),
    )
    expected = scenario["expected"]
    assert report.score == expected["score"]
    assert {str(p.rule): p.count for p in report.parts} == expected["parts"]
    assert [s.isoformat() for s in report.clean_sessions] == expected["clean_sessions"]
    assert report.points_lost == sum(p.weight * p.count for p in report.parts)


def test_rule_table_has_ids_weights_and_sentences():
    ids = [rule.id for rule in DISCIPLINE_RULES]
    assert ids == list(RuleId)
    assert all(rule.weight > 0 and rule.sentence.endswith(".") for rule in DISCIPLINE_RULES)


def test_no_trades_scores_100_with_an_empty_window(settings):
    report = evaluate_discipline([], settings=settings, now=NOW)
    assert report.score == 100 and report.trades_in_window == 0 and report.sessions == ()
    assert "no violation" in report.sentence


def test_report_sentence_shows_what_each_rule_cost(settings):
    trades = [
        make_trade(1, opened_at="2026-11-02T15:00:00Z", quantity=2, stop_loss_usd=None),
    ]
    report = evaluate_discipline(trades, settings=settings, now=NOW)
    assert report.score == 80
    assert "-20 OVER_LADDER_SIZE (1 x 20)" in report.sentence
    assert report.violations[0].trade_id == 1 and report.violations[0].session == date(2026, 11, 2)


def test_window_keeps_only_the_last_20_trades(settings):
    trades = daily_trades(21)
    first = trades[0].model_copy(update={"profit_target_usd": None, "stop_loss_usd": None})
    report = evaluate_discipline([first, *trades[1:]], settings=settings, now=NOW)
    assert report.score == 100
    assert report.window_trade_ids == tuple(range(2, 22))
    assert len(report.clean_sessions) == 20
    assert [str(v.code) for v in report.all_violations] == ["NO_PLANNED_EXIT"]


def test_violation_inside_the_window_costs_points(settings):
    trades = daily_trades(20)
    first = trades[0].model_copy(update={"profit_target_usd": None, "stop_loss_usd": None})
    report = evaluate_discipline([first, *trades[1:]], settings=settings, now=NOW)
    assert report.score == 92


def test_trades_after_now_are_ignored(settings):
    trades = [make_trade(1, opened_at="2026-11-20T15:00:00Z", quantity=3)]
    assert evaluate_discipline(trades, settings=settings, now=NOW).score == 100


# --- size ladder ------------------------------------------------------------------------


def test_max_loss_exactly_at_ladder_cap_is_within(settings):
    trade = make_trade(1, opened_at="2026-11-02T15:00:00Z", width="6", credit="1.00")
    assert trade.max_loss_usd == Decimal("500.00")
    assert rules_broken(evaluate_discipline([trade], settings=settings, now=NOW)) == []


def test_max_loss_one_cent_over_ladder_cap_is_a_violation(settings):
    trade = make_trade(1, opened_at="2026-11-02T15:00:00Z", width="6", credit="0.9999")
    assert trade.max_loss_usd == Decimal("500.01")
    assert rules_broken(evaluate_discipline([trade], settings=settings, now=NOW)) == [
        "OVER_LADDER_SIZE"
    ]


def test_two_units_fit_ladder_level_2(settings):
    trade = make_trade(1, opened_at="2026-11-02T15:00:00Z", quantity=2)
    report = evaluate_discipline([trade], settings=settings, now=NOW, ladder_level=2)
    assert report.score == 100


# --- concurrency and underlying risk ------------------------------------------------------


def test_third_open_spread_breaks_the_concurrency_cap(settings):
    trades = [
        make_trade(1, opened_at="2026-11-02T15:00:00Z", underlying="SPY"),
        make_trade(2, opened_at="2026-11-02T15:01:00Z", underlying="QQQ"),
        make_trade(3, opened_at="2026-11-02T15:02:00Z", underlying="IWM"),
    ]
    report = evaluate_discipline(trades, settings=settings, now=NOW)
    assert [(str(v.code), v.trade_id) for v in report.all_violations] == [
        ("TOO_MANY_CONCURRENT", 3)
    ]


def test_a_spread_closed_at_the_entry_moment_is_not_open(settings):
    trades = [
        make_trade(
            1, opened_at="2026-11-02T15:00:00Z", closed_at="2026-11-02T15:02:00Z", net_pnl_usd="5"
        ),
        make_trade(2, opened_at="2026-11-02T15:01:00Z", underlying="QQQ"),
        make_trade(3, opened_at="2026-11-02T15:02:00Z", underlying="IWM"),
    ]
    assert rules_broken(evaluate_discipline(trades, settings=settings, now=NOW)) == []


def test_underlying_risk_exactly_20pct_is_within(settings):
    trade = make_trade(1, opened_at="2026-11-02T15:00:00Z")
    report = evaluate_discipline(
        [trade], settings=settings, now=NOW, risk_capital_usd=Decimal("2000")
    )
    assert report.score == 100


def test_underlying_risk_one_cent_over_20pct_is_a_violation(settings):
    trade = make_trade(1, opened_at="2026-11-02T15:00:00Z", credit="0.9999")
    report = evaluate_discipline(
        [trade], settings=settings, now=NOW, risk_capital_usd=Decimal("2000")
    )
    assert rules_broken(report) == ["UNDERLYING_RISK_OVER_LIMIT"]


def test_index_family_counts_as_one_underlying():
    trades = [
        make_trade(1, opened_at="2026-11-02T15:00:00Z", underlying="SPY"),
        make_trade(2, opened_at="2026-11-02T15:00:00Z", underlying="XSP"),
        make_trade(3, opened_at="2026-11-02T15:00:00Z", underlying="QQQ"),
    ]
    risk = open_risk_by_family(trades, utc("2026-11-02T16:00:00Z"))
    assert risk == {"Nasdaq-100": Decimal("400.00"), "S&P 500": Decimal("800.00")}


# --- halt, revenge, exits ---------------------------------------------------------------


def test_entry_one_microsecond_before_halt_end_is_a_violation(settings):
    alert = make_alert(1, "2026-11-02T15:00:00Z")
    opened = utc("2026-11-03T15:00:00Z") - timedelta(microseconds=1)
    report = evaluate_discipline(
        [make_trade(1, opened_at=opened)], settings=settings, now=NOW, alerts=[alert]
    )
    assert rules_broken(report) == ["OPENED_DURING_HALT"]


def test_entry_at_exactly_24h_after_the_alert_is_allowed(settings):
    alert = make_alert(1, "2026-11-02T15:00:00Z")
    trade = make_trade(1, opened_at="2026-11-03T15:00:00Z")
    report = evaluate_discipline([trade], settings=settings, now=NOW, alerts=[alert])
    assert rules_broken(report) == []


def test_alert_about_the_trades_own_fill_is_not_an_entry_during_halt(settings):
    alert = make_alert(1, "2026-11-02T15:00:00Z", trade_id=1)
    trade = make_trade(1, opened_at="2026-11-02T15:00:00Z")
    report = evaluate_discipline([trade], settings=settings, now=NOW, alerts=[alert])
    assert rules_broken(report) == []


def test_entry_29_minutes_after_a_loss_is_revenge_30_is_not(settings):
    loss = make_trade(
        1, opened_at="2026-11-02T15:00:00Z", closed_at="2026-11-02T15:30:00Z", net_pnl_usd="-1"
    )
    early = make_trade(2, opened_at="2026-11-02T15:59:00Z", underlying="QQQ")
    on_time = make_trade(3, opened_at="2026-11-02T16:00:00Z", underlying="IWM")
    report = evaluate_discipline([loss, early, on_time], settings=settings, now=NOW)
    assert [(str(v.code), v.trade_id) for v in report.all_violations] == [("REVENGE_ENTRY", 2)]


def test_entry_after_a_winner_is_not_revenge(settings):
    win = make_trade(
        1, opened_at="2026-11-02T15:00:00Z", closed_at="2026-11-02T15:30:00Z", net_pnl_usd="1"
    )
    after = make_trade(2, opened_at="2026-11-02T15:31:00Z")
    assert rules_broken(evaluate_discipline([win, after], settings=settings, now=NOW)) == []


def test_loss_exactly_at_the_stop_is_within(settings):
    trade = make_trade(
        1, opened_at="2026-11-02T15:00:00Z", closed_at="2026-11-02T16:00:00Z", net_pnl_usd="-202"
    )
    assert rules_broken(evaluate_discipline([trade], settings=settings, now=NOW)) == []


def test_loss_one_cent_beyond_the_stop_is_a_violation(settings):
    trade = make_trade(
        1,
        opened_at="2026-11-02T15:00:00Z",
        closed_at="2026-11-02T16:00:00Z",
        net_pnl_usd="-202.01",
    )
    report = evaluate_discipline([trade], settings=settings, now=NOW)
    assert rules_broken(report) == ["CLOSED_BEYOND_STOP"]
    assert "$200.01 before fees" in report.violations[0].sentence


def test_close_exactly_at_time_exit_is_within_one_second_late_is_not(settings):
    on_time = make_trade(
        1,
        opened_at="2026-11-02T15:00:00Z",
        closed_at="2026-11-02T20:00:00Z",
        net_pnl_usd="5",
        time_exit_at="2026-11-02T20:00:00Z",
    )
    late = make_trade(
        2,
        opened_at="2026-11-03T15:00:00Z",
        closed_at="2026-11-03T20:00:01Z",
        net_pnl_usd="5",
        time_exit_at="2026-11-03T20:00:00Z",
    )
    report = evaluate_discipline([on_time, late], settings=settings, now=NOW)
    assert [(str(v.code), v.trade_id) for v in report.all_violations] == [
        ("HELD_PAST_TIME_EXIT", 2)
    ]


def test_open_trade_past_its_time_exit_breaks_the_rule_now(settings):
    trade = make_trade(1, opened_at="2026-11-02T15:00:00Z", time_exit_at="2026-11-09T20:00:00Z")
    before = evaluate_discipline([trade], settings=settings, now=utc("2026-11-09T20:00:00Z"))
    after = evaluate_discipline([trade], settings=settings, now=utc("2026-11-09T20:00:01Z"))
    assert rules_broken(before) == [] and rules_broken(after) == ["HELD_PAST_TIME_EXIT"]
    assert after.all_violations[0].session == date(2026, 11, 9)


def test_a_time_exit_alone_is_a_planned_exit(settings):
    trade = make_trade(
        1,
        opened_at="2026-11-02T15:00:00Z",
        profit_target_usd=None,
        stop_loss_usd=None,
        time_exit_at="2026-11-05T20:00:00Z",
    )
    now = utc("2026-11-03T15:00:00Z")
    assert rules_broken(evaluate_discipline([trade], settings=settings, now=now)) == []


def test_not_defined_risk_legs_are_caught_even_if_the_model_was_bypassed(settings):
    valid = make_trade(1, opened_at="2026-11-02T15:00:00Z")
    naked = Trade.model_construct(**{**dict(valid), "legs": valid.legs[:1]})
    report = evaluate_discipline([naked], settings=settings, now=NOW)
    assert "NOT_DEFINED_RISK" in rules_broken(report)
    assert report.score == 70


def test_refused_orders_that_are_not_risk_rules_cost_nothing(settings):
    alert = make_alert(1, "2026-11-02T16:00:00Z", AlertRule.AUTH_ANOMALY)
    trade = make_trade(1, opened_at="2026-11-02T15:00:00Z")
    report = evaluate_discipline([trade], settings=settings, now=NOW, alerts=[alert])
    assert report.score == 100
    assert report.clean_sessions == ()


# --- clean sessions ---------------------------------------------------------------------


def test_session_without_journaled_action_is_not_clean(settings):
    trades = daily_trades(2, first_session=date(2026, 11, 2))
    report = evaluate_discipline(
        trades,
        settings=settings,
        now=NOW,
        journaled_sessions={date(2026, 11, 2): 2},
        alerts=[make_alert(1, "2026-11-04T15:00:00Z", AlertRule.AUTH_ANOMALY)],
    )
    verdicts = {v.session: v for v in report.sessions}
    assert verdicts[date(2026, 11, 2)].clean
    assert date(2026, 11, 3) not in report.clean_sessions  # a trade, but no journaled action
    assert "no journaled action" in verdicts[date(2026, 11, 4)].reason
    assert "1 HIGH alert" in verdicts[date(2026, 11, 4)].reason


def test_sessions_follow_new_york_days_across_the_dst_change(settings):
    # 03:30 UTC on Friday 2026-10-30 is 23:30 EDT on Thursday 29 October; 04:30 UTC on
    # Tuesday 2026-11-03 is 23:30 EST on Monday 2 November (clocks went back on 1 November).
    before = make_trade(
        1,
        opened_at="2026-10-30T03:30:00Z",
        closed_at="2026-10-30T03:45:00Z",
        net_pnl_usd="5",
    )
    after = make_trade(
        2,
        opened_at="2026-11-03T04:30:00Z",
        closed_at="2026-11-03T04:45:00Z",
        net_pnl_usd="5",
        mistakes=["late night"],
    )
    report = evaluate_discipline([before, after], settings=settings, now=NOW)
    assert report.clean_sessions == (date(2026, 10, 29),)
    assert report.all_violations[0].session == date(2026, 11, 2)


def test_clean_sessions_count_only_up_to_today(settings):
    trades = daily_trades(3, first_session=date(2026, 11, 2))
    now = datetime(2026, 11, 3, 23, 0, tzinfo=timezone.utc)  # 18:00 New York, Nov 3
    report = evaluate_discipline(trades, settings=settings, now=now)
    assert report.clean_sessions == (date(2026, 11, 2), date(2026, 11, 3))


def test_window_size_must_be_positive(settings):
    with pytest.raises(ValueError, match="at least 1 trade"):
        evaluate_discipline([], settings=settings, now=NOW, window_trades=0)


def test_the_docs_list_every_rule_with_its_weight():
    doc = (Path(__file__).parents[2] / "docs" / "DISCIPLINE_AND_GATES.md").read_text()
    for rule in DISCIPLINE_RULES:
        assert f"| {rule.id} | {rule.weight} |" in doc


def test_a_note_journaled_on_a_saturday_is_not_a_clean_session(settings, tmp_path):
    # Issue 13, finding 9: a Saturday is never a session; its note counts for Monday's.
    friday = make_trade(1, opened_at="2026-11-06T15:00:00Z")
    saturday_note = Note(at=utc("2026-11-07T16:00:00Z"), text="weekend review")
    trade = friday.model_copy(update={"notes": (saturday_note,)})
    report = evaluate_discipline([trade], settings=settings, now=NOW)
    sessions = [verdict.session for verdict in report.sessions]
    assert date(2026, 11, 7) not in sessions
    assert sessions == [date(2026, 11, 6), date(2026, 11, 9)]


def test_sessions_stored_on_weekends_and_holidays_count_for_the_next_session(settings):
    # A journal written before the calendar kept calendar days: they are read as sessions.
    stored = {date(2026, 11, 7): 1, date(2026, 11, 8): 1, date(2025, 12, 25): 1}
    alert = make_alert(1, "2026-11-07T15:00:00Z", AlertRule.AUTH_ANOMALY)
    alert = alert.model_copy(update={"session": date(2026, 11, 7)})
    report = evaluate_discipline(
        [], settings=settings, now=NOW, journaled_sessions=stored, alerts=[alert]
    )
    verdicts = {v.session: v for v in report.sessions}
    assert set(verdicts) == {date(2025, 12, 26), date(2026, 11, 9)}
    assert verdicts[date(2026, 11, 9)].actions == 2
    assert verdicts[date(2026, 11, 9)].high_alerts == 1
    assert report.clean_sessions == (date(2025, 12, 26),)
