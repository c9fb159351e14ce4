"""A discipline report read on from the reading before (its figures at each entry, stable
breaches, rules per session and session verdicts kept for the trades it judged) is exactly the
report judged whole: the same report, breaches and what the next reading keeps; and the pieces
it is built from (merging ordered breaches, rules per session after a few sessions changed,
verdicts kept where equal) are exactly their whole computations."""

from __future__ import annotations

from collections import Counter
from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.judge.test_discipline_history import SETTINGS_VARIANTS, at, journals
from tests.support.judge_factory import make_alert, make_trade, settings_for
from utils.journal.judging_frame import frame_from_trades
from utils.judge.breach_table import BreachRows, merged, rules_by_session_after
from utils.judge.discipline import (
    DisciplineReport,
    action_sessions_from_trades,
    evaluate_discipline,
    kept_of,
    loader_over,
)
from utils.judge.discipline_history import history_breaches
from utils.judge.discipline_rules import DISCIPLINE_RULES
from utils.judge.session_verdicts import SessionVerdict, session_verdicts
from utils.records.alerts import AlertRule

BREACH_FIELDS = ("rules", "trade_ids", "alert_ids", "sessions", "at")


@pytest.fixture(scope="module")
def all_settings(tmp_path_factory):
    return [
        settings_for(tmp_path_factory.mktemp("kept"), **overrides)
        for overrides in SETTINGS_VARIANTS
    ]


def judged(frame, journal, config, now, options, read_on=None) -> DisciplineReport:
    ids = set(frame["id"].tolist())
    actions = action_sessions_from_trades(t for t in journal if t.id in ids and t.opened_at <= now)
    return evaluate_discipline(
        frame,
        load_trades=loader_over(journal),
        settings=config,
        now=now,
        journaled_sessions=actions,
        read_on=read_on,
        **options,
    )


def assert_same_reports(read_on: DisciplineReport, whole: DisciplineReport) -> None:
    assert read_on == whole
    pd.testing.assert_frame_equal(
        history_breaches(read_on.all_violations._data),
        history_breaches(whole.all_violations._data),
    )
    kept, fresh = kept_of(read_on), kept_of(whole)
    assert kept is not None and fresh is not None
    for name in ("open_before", "family_risk_before", "last_loss_before"):
        np.testing.assert_array_equal(getattr(kept.figures, name), getattr(fresh.figures, name))
    for name in BREACH_FIELDS:
        np.testing.assert_array_equal(
            getattr(kept.breaches.stable, name), getattr(fresh.breaches.stable, name)
        )
    assert kept.breaches.by_session == fresh.breaches.by_session
    assert kept.breaches.other_sessions == fresh.breaches.other_sessions
    assert (kept.breaches.inputs, kept.breaches.trades) == (
        fresh.breaches.inputs,
        fresh.breaches.trades,
    )
    assert kept.sessions == fresh.sessions


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    case=journals(),
    cut=st.integers(0, 24),
    earlier=st.one_of(st.none(), st.integers(0, 1100)),
    same_inputs=st.booleans(),
)
def test_a_report_read_on_is_the_whole_report(case, cut, earlier, same_inputs, all_settings):
    """The reading before saw the first `cut` trades, at the same or an earlier moment, from
    the same other inputs (alerts, working orders, ladder level, risk capital) or none."""
    config, journal, now = all_settings[case["settings"]], case["trades"], case["now"]
    frame = frame_from_trades(journal)
    kept = min(cut, len(frame))
    then = now if earlier is None else min(at(earlier), now)
    options_then = case["options"] if same_inputs else {}
    before = judged(frame.iloc[:kept], journal, config, then, options_then)
    read_on = judged(frame, journal, config, now, case["options"], (kept_of(before), kept))
    assert_same_reports(read_on, judged(frame, journal, config, now, case["options"]))


def test_a_new_trade_keeps_the_stable_breaches_and_verdicts(tmp_path):
    """Trades breaking rules, an alert, a trade still open past its time exit: a new trade
    after them keeps the head's stable breaches (the same arrays' values) and the verdicts of
    the sessions it did not touch (the same models)."""
    journal = [
        make_trade(number, opened_at=at(30 * number), closed_at=at(30 * number + 4))
        for number in range(1, 6)
    ]
    journal.append(make_trade(6, opened_at=at(200), time_exit_at=at(210), mistakes=["chased"]))
    config, now = settings_for(tmp_path), at(400)
    options = {"alerts": [make_alert(1, at(31), AlertRule.OVER_LADDER_CAP)]}
    frame = frame_from_trades(journal)
    before = judged(frame.iloc[:5], journal, config, at(390), options)
    report = judged(frame, journal, config, now, options, (kept_of(before), 5))
    data = report.all_violations._data
    assert data.kept_trades == 5
    assert_same_reports(report, judged(frame, journal, config, now, options))
    first = report.sessions[0]
    assert first is before.sessions[0]  # kept, not built again
    assert first.session < report.sessions[-1].session


def test_other_inputs_changed_judge_the_history_anew(tmp_path):
    journal = [make_trade(n, opened_at=at(30 * n), closed_at=at(30 * n + 4)) for n in (1, 2)]
    config, now = settings_for(tmp_path), at(100)
    frame = frame_from_trades(journal)
    before = judged(frame.iloc[:1], journal, config, now, {"ladder_level": 2})
    report = judged(frame, journal, config, now, {}, (kept_of(before), 1))
    assert report.all_violations._data.kept_trades == 1  # the figures are kept
    assert_same_reports(report, judged(frame, journal, config, now, {}))


RULE_COUNT = len(DISCIPLINE_RULES)


@st.composite
def breach_rows(draw, most: int = 30) -> BreachRows:
    count = draw(st.integers(0, most))

    def column(low: int, high: int) -> np.ndarray:
        values = draw(st.lists(st.integers(low, high), min_size=count, max_size=count))
        return np.array(values, dtype=np.int64)

    at = column(0, 6)
    return BreachRows.ordered(
        column(0, RULE_COUNT - 1), column(0, 4), column(0, 2), at // 2 + 700_000, at
    )


def concatenated(first: BreachRows, second: BreachRows) -> BreachRows:
    return BreachRows.ordered(
        *(np.concatenate((getattr(first, n), getattr(second, n))) for n in BREACH_FIELDS)
    )


@settings(max_examples=300, deadline=None)
@given(big=breach_rows(), small=breach_rows(8))
def test_merged_breaches_are_the_sorted_whole(big, small):
    merged_rows, whole = merged(big, small), concatenated(big, small)
    for name in BREACH_FIELDS:
        np.testing.assert_array_equal(getattr(merged_rows, name), getattr(whole, name))


@settings(max_examples=300, deadline=None)
@given(rows=breach_rows(), changes=breach_rows(8), more=st.lists(st.integers(700_000, 700_004)))
def test_rules_by_session_after_a_few_sessions_changed(rows, changes, more):
    now = concatenated(rows, changes)
    touched = set(changes.sessions.tolist()) | set(more)
    assert rules_by_session_after(rows.rules_by_session(), now, touched) == (now.rules_by_session())


@settings(max_examples=200, deadline=None)
@given(
    actions=st.dictionaries(st.integers(0, 20), st.integers(1, 3)),
    broken=st.dictionaries(st.integers(0, 20), st.sampled_from([(), ("REVENGE_ENTRY",)])),
    before_actions=st.dictionaries(st.integers(0, 20), st.integers(0, 3)),
)
def test_verdicts_kept_where_equal_are_the_fresh_ones(actions, broken, before_actions):
    day = date(2025, 3, 3).toordinal()
    counts = Counter({date.fromordinal(day + d): n for d, n in actions.items()})
    rules = {date.fromordinal(day + d): r for d, r in broken.items()}
    before = tuple(
        SessionVerdict(session=date.fromordinal(day + d), actions=n, violations=(), high_alerts=0)
        for d, n in sorted(before_actions.items())
    )
    today = date.fromordinal(day + 30)
    fresh = session_verdicts(counts, rules, (), today)
    assert session_verdicts(counts, rules, (), today, before) == fresh
