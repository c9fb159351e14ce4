"""Discipline over the judging frame decides exactly as the literal rules over every model.

Generated journals (entries, closes, time exits and alerts on a 15-minute grid across a weekend
and Thanksgiving so they tie; open trades; trades opened after now; unproved, flagged and
later-planned trades; halts linked to their own trade; working orders with fractional-cent max
losses) are judged by `history_breaches` and by the literal rules, and by `evaluate_discipline`
and its literal predecessor (tests.support.discipline_oracle): the answers must be identical.
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.discipline_oracle import (
    literal_breaches,
    literal_context,
    literal_evaluate_discipline,
)
from tests.support.judging_journals import WINDOW_START, build_journal, journal_specs
from tests.support.judge_factory import daily_trades, make_alert, make_trade, settings_for, utc
from utils.core.sessions import session_of
from utils.journal.exit_plans import ExitPlan, PlanDeclaration, PlanDeclared
from utils.journal.judging_frame import frame_from_trades
from utils.journal.store import Journal
from utils.journal.trade import Trade
from utils.judge.discipline import evaluate_discipline, loader_over
from utils.judge.discipline_history import HistoryInputs, history_breaches
from utils.judge.discipline_rules import RuleId
from utils.records.alerts import AlertRule
from utils.records.working_orders import WorkingOpening

START = utc("2026-11-20T14:30:00Z")  # a Friday; the grid crosses a weekend and Thanksgiving
SLOT = timedelta(minutes=15)
UNDERLYINGS = ("SPY", "SPX", "XSP", "QQQ", "AAPL")
MISTAKES = ("chased", "late", "sized up")
SETTINGS_VARIANTS = (
    {},
    {"max_concurrent_spreads": 1, "revenge_guard_minutes": 0},
    {"max_concurrent_spreads": 4, "revenge_guard_minutes": 60, "halt_hours": 30},
)
EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def at(slot: int) -> datetime:
    return START + slot * SLOT


@st.composite
def later_plan(draw, opened: int) -> PlanDeclaration:
    declared = draw(st.sampled_from([PlanDeclared.AFTER_ENTRY, PlanDeclared.PLAYBOOK_AT_IMPORT]))
    stop = draw(st.sampled_from([None, Decimal("150.00")]))
    deadline = draw(st.sampled_from([None, at(opened + draw(st.integers(0, 200)))]))
    if stop is None and deadline is None:
        stop = Decimal("90.00")
    return PlanDeclaration(
        id=1,
        declared=declared,
        plan=ExitPlan(stop_loss_usd=stop, time_exit_at=deadline),
        recorded_at=at(opened + draw(st.integers(0, 120))),
        playbook="50/2x/21" if declared is PlanDeclared.PLAYBOOK_AT_IMPORT else None,
        playbook_version=1 if declared is PlanDeclared.PLAYBOOK_AT_IMPORT else None,
    )


@st.composite
def trades(draw, trade_id: int) -> Trade:
    opened = draw(st.integers(0, 40)) * draw(st.sampled_from([1, 6, 24]))
    length = draw(st.sampled_from([None, 0, 1, 4, 96, 288]))
    closed = None if length is None else opened + length
    trade = make_trade(
        trade_id,
        opened_at=at(opened),
        closed_at=None if closed is None else at(closed),
        net_pnl_usd=None if closed is None else f"{draw(st.integers(-40000, 20000)) / 100:.2f}",
        fees_usd=draw(st.sampled_from(["0.00", "2.00", "1.37"])),
        underlying=draw(st.sampled_from(UNDERLYINGS)),
        quantity=draw(st.integers(1, 3)),
        width=draw(st.sampled_from(["5", "6", "10"])),
        credit=draw(st.sampled_from(["1.00", "0.99", "2.50"])),
        profit_target_usd=draw(st.sampled_from([None, "50.00"])),
        stop_loss_usd=draw(st.sampled_from([None, "100.00", "200.00", "398.00"])),
        time_exit_at=draw(st.sampled_from([None, at(opened + draw(st.integers(0, 300)))])),
        followed_plan=draw(st.sampled_from([None, True, False])),
        mistakes=draw(st.lists(st.sampled_from(MISTAKES), unique=True, max_size=2)),
    )
    twists = ["none"] * 6 + ["bypassed", "altered", "flagged", "planned", "reversed"]
    twist = draw(st.sampled_from(twists))
    if twist == "reversed" and closed is not None:  # bypassed: closed before it opened
        return Trade.model_construct(**{**dict(trade), "closed_at": at(opened - 1 - length)})
    if twist == "bypassed":  # validation bypassed, a naked short leg
        return Trade.model_construct(**{**dict(trade), "legs": trade.legs[:1]})
    if twist == "altered":  # a validated trade copied with a credit beyond its width
        return trade.model_copy(update={"entry_price": Decimal("9.00")})
    if twist == "flagged":  # opened at the broker as no defined-risk spread
        flagged = trade.model_copy()
        flagged.__pydantic_private__["_proved_facts"] = None
        flagged.__pydantic_private__["_flagged_not_defined_risk"] = True
        return flagged
    if twist == "planned":
        return trade.model_copy(update={"exit_plans": (draw(later_plan(opened)),)})
    return trade


@st.composite
def journals(draw) -> dict:
    count = draw(st.integers(0, 24))
    ids = draw(st.permutations(range(1, count + 1)))
    journal = [draw(trades(trade_id)) for trade_id in ids]
    alerts = [
        make_alert(
            alert_id,
            at(draw(st.integers(0, 40)) * draw(st.sampled_from([1, 6, 24]))),
            draw(st.sampled_from(list(AlertRule))),
            trade_id=draw(st.sampled_from([None, *ids[:3]])),
        )
        for alert_id in range(1, draw(st.integers(0, 5)) + 1)
    ]
    working = [
        WorkingOpening(
            correlation_id=f"c{index}",
            client_order_id=f"w{index}",
            submitted_at=at(draw(st.integers(0, 40)) * draw(st.sampled_from([1, 6, 24]))),
            target="sandbox",
            underlying=draw(st.sampled_from(UNDERLYINGS)),
            max_loss_usd=draw(st.sampled_from([Decimal("400.00"), Decimal("166.666667")])),
        )
        for index in range(draw(st.integers(0, 3)))
    ]
    options = {
        "alerts": alerts,
        "working": working,
        "ladder_level": draw(st.integers(1, 4)),
        "risk_capital_usd": draw(
            st.sampled_from(
                [None, Decimal("2000"), Decimal("7500.50"), Decimal("1234.567"), Decimal(0)]
            )
        ),
    }
    return {
        "trades": journal,
        "now": at(draw(st.integers(0, 1100))),
        "settings": draw(st.sampled_from(range(len(SETTINGS_VARIANTS)))),
        "options": options,
        "window_trades": draw(st.sampled_from([1, 5, 20])),
        "sessions": draw(st.sampled_from(["trades", "mapping", "none"])),
    }


@pytest.fixture(scope="module")
def all_settings(tmp_path_factory):
    return [
        settings_for(tmp_path_factory.mktemp("discipline"), **overrides)
        for overrides in SETTINGS_VARIANTS
    ]


def columnar_breaches(journal: list[Trade], config, now: datetime, **options) -> list[tuple]:
    data = HistoryInputs.judging(
        frame_from_trades(journal),
        load_trades=loader_over(journal),
        settings=config,
        now=now,
        **options,
    )
    return [
        (rule, int(trade), int(alert), int(session), int(moment.value))
        for rule, trade, alert, session, moment in history_breaches(data).itertuples(index=False)
    ]


@EXAMPLES
@given(case=journals())
def test_history_breaches_are_the_literal_rules_breaches(case, all_settings):
    config = all_settings[case["settings"]]
    journal, now, options = case["trades"], case["now"], case["options"]
    expected = literal_breaches(literal_context(journal, settings=config, now=now, **options))
    assert columnar_breaches(journal, config, now, **options) == expected


def journaled(case) -> dict[date, int] | None:
    if case["sessions"] == "none":
        return None
    if case["sessions"] == "mapping":  # stored sessions may be weekends or holidays
        return {date(2026, 11, 26): 1, date(2026, 11, 21): 2, date(2026, 11, 23): 1}
    return {session_of(t.opened_at): 1 for t in case["trades"]}


@EXAMPLES
@given(case=journals())
def test_discipline_over_the_frame_reports_as_over_every_model(case, all_settings):
    config = all_settings[case["settings"]]
    judged = {
        "settings": config,
        "now": case["now"],
        "window_trades": case["window_trades"],
        "journaled_sessions": journaled(case),
        **case["options"],
    }
    expected = literal_evaluate_discipline(case["trades"], **judged)
    assert evaluate_discipline(case["trades"], **judged) == expected
    if judged["journaled_sessions"] is not None:
        frame = frame_from_trades(case["trades"])
        loader = loader_over(case["trades"])
        report = evaluate_discipline(frame, load_trades=loader, **judged)
        assert report.model_dump(exclude={"all_violations"}) == expected.model_dump(
            exclude={"all_violations"}
        )


def every_rule_journal() -> tuple[list[Trade], list, list[WorkingOpening]]:
    """A hand-built history breaking every rule at least once, with ties and a weekend."""
    friday = "2026-11-20T"
    loss = make_trade(
        1,
        opened_at=friday + "14:30:00Z",
        closed_at=friday + "15:00:00Z",
        net_pnl_usd="-250.00",
        stop_loss_usd="100.00",
        followed_plan=False,
        mistakes=("chased",),
    )
    revenge = make_trade(
        2, opened_at=friday + "15:00:00Z", quantity=3, time_exit_at=friday + "16:00:00Z"
    )
    tied = make_trade(3, opened_at=friday + "15:00:00Z", underlying="SPX", width="10")
    unplanned = make_trade(
        4,
        opened_at="2026-11-21T15:00:00Z",
        profit_target_usd=None,
        stop_loss_usd=None,
        closed_at="2026-11-21T15:00:00Z",
        net_pnl_usd="10.00",
    )
    naked = Trade.model_construct(
        **{**dict(make_trade(5, opened_at=friday + "19:00:00Z")), "legs": loss.legs[:1]}
    )
    journal = [loss, revenge, tied, unplanned, naked]
    alerts = [make_alert(1, friday + "18:00:00Z", AlertRule.OVER_CONCURRENCY, trade_id=5)]
    working = [
        WorkingOpening(
            correlation_id="c",
            client_order_id="w",
            submitted_at=utc(friday + "17:00:00Z"),
            target="sandbox",
            underlying="SPY",
            max_loss_usd=Decimal("1500.005"),
        )
    ]
    return journal, alerts, working


def test_a_hand_built_history_breaks_every_rule_the_same_way(all_settings):
    journal, alerts, working = every_rule_journal()
    now = utc("2026-11-23T21:00:00Z")
    options = {"alerts": alerts, "working": working, "ladder_level": 1}
    config = all_settings[0]
    found = columnar_breaches(journal, config, now, **options)
    assert found == literal_breaches(literal_context(journal, settings=config, now=now, **options))
    assert {rule for rule, *_ in found} == {str(rule) for rule in RuleId}


class RecordingLoader:
    """A trade loader over a list that remembers which ids it was asked for."""

    def __init__(self, journal: list[Trade]) -> None:
        self.load = loader_over(journal)
        self.asked: set[int] = set()

    def __call__(self, ids):
        self.asked.update(ids)
        return self.load(ids)


def test_a_long_clean_history_builds_models_only_for_the_window(all_settings):
    journal = daily_trades(120)
    loader = RecordingLoader(journal)
    now = journal[-1].closed_at + timedelta(days=1)
    sessions = {session_of(t.opened_at): 2 for t in journal}
    report = evaluate_discipline(
        frame_from_trades(journal),
        load_trades=loader,
        settings=all_settings[0],
        now=now,
        journaled_sessions=sessions,
    )
    assert loader.asked == {t.id for t in journal[-20:]}
    assert report.score == 100 and len(report.clean_sessions) == 120


def test_a_frame_without_its_loader_is_refused(all_settings):
    with pytest.raises(ValueError, match="loader"):
        evaluate_discipline(
            frame_from_trades([]), settings=all_settings[0], now=START, journaled_sessions={}
        )


def test_a_frame_out_of_order_is_refused(all_settings):
    journal = [make_trade(1, opened_at=at(0)), make_trade(2, opened_at=at(0))]
    frame = frame_from_trades(journal).iloc[::-1]
    with pytest.raises(ValueError, match="ordered by opening time, then id"):
        evaluate_discipline(
            frame,
            load_trades=loader_over(journal),
            settings=all_settings[0],
            now=at(10),
            journaled_sessions={},
        )


def test_a_revenge_entry_names_the_losing_close_before_the_window(all_settings):
    loss = make_trade(
        1, opened_at=at(0), closed_at=at(4), net_pnl_usd="-120.00", stop_loss_usd="200.00"
    )
    later = make_trade(2, opened_at=at(4) + timedelta(minutes=10))
    judged = {"settings": all_settings[0], "now": at(40), "window_trades": 1}
    sessions = {session_of(at(0)): 3}
    report = evaluate_discipline(
        frame_from_trades([loss, later]),
        load_trades=loader_over([loss, later]),
        journaled_sessions=sessions,
        **judged,
    )
    (violation,) = report.violations
    assert violation.sentence.startswith("Trade 2 (SPY vertical) opened 10 min after trade 1")
    expected = literal_evaluate_discipline([loss, later], journaled_sessions=sessions, **judged)
    assert report == expected


def test_a_loader_missing_a_trade_stops_the_judgement(all_settings):
    journal = daily_trades(3)
    with pytest.raises(LookupError, match="did not return exactly the trades"):
        evaluate_discipline(
            frame_from_trades(journal),
            load_trades=loader_over(journal[1:]),
            settings=all_settings[0],
            now=journal[-1].closed_at,
            journaled_sessions={},
        )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=journal_specs(), later=st.integers(0, 60), window_trades=st.sampled_from([1, 5, 20]))
def test_discipline_over_the_journals_own_read_reports_as_over_every_model(
    spec, later, window_trades, all_settings
):
    with tempfile.TemporaryDirectory() as folder, Journal.open(Path(folder)) as journal:
        build_journal(journal, spec, Path(folder))
        judged = {
            "settings": all_settings[0],
            "now": WINDOW_START + timedelta(days=later),
            "window_trades": window_trades,
            "journaled_sessions": journal.journaled_sessions(),
        }
        report = evaluate_discipline(
            journal.judging_frame(), load_trades=journal.trades_by_ids, **judged
        )
        assert report == literal_evaluate_discipline(journal.list_trades(), **judged)
