"""The judge's fast paths decide exactly as its first, literal implementations (judge_reference).

Seeded random journals (ties in time, closes at another trade's entry, several families, open
trades, halts, bypassed and altered models) are judged by both; reports must be identical.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from tests.support.judge_factory import BASE_STRIKE, make_alert, make_trade, settings_for, utc
from tests.support.judge_reference import (
    reference_evaluate_discipline,
    reference_open_at_each_entry,
    reference_quick_losses,
)
from utils.records.alerts import Alert, AlertRule
from utils.judge.coach import MIN_QUICK_LOSSES, CoachInput, coach_losses_after_losses
from utils.judge.discipline import Violation, evaluate_discipline
from utils.judge.risk import family_risk_at_each_entry, open_at_each_entry, open_risk_by_family
from utils.judge.rollback import rollback_triggers
from utils.records.latch import TriggerCode
from utils.journal.trade import Trade
from utils.judge.metrics import closed_before, last_n_expectancy
from utils.core.sessions import session_of
from utils.spreads.families import underlying_family

SEEDS = range(25)
OPTIMISED_RULES = (
    "NOT_DEFINED_RISK",
    "OPENED_DURING_HALT",
    "OVER_LADDER_SIZE",
    "TOO_MANY_CONCURRENT",
    "UNDERLYING_RISK_OVER_LIMIT",
    "REVENGE_ENTRY",
    "NO_PLANNED_EXIT",
)
START = utc("2026-10-26T13:00:00Z")
MISTAKES = ("chased", "late", "sized up")


def random_trade(rng: random.Random, trade_id: int, span_days: int = 12) -> Trade:
    """A validated trade on a 15-minute grid (so entries and closes collide), sometimes bypassed
    or altered after validation."""
    opened = START + timedelta(minutes=15 * rng.randrange(span_days * 24 * 4))
    duration = rng.choice([None, timedelta(0), timedelta(minutes=15), timedelta(hours=1)])
    duration = rng.choice([duration, timedelta(hours=4), timedelta(days=1), timedelta(days=3)])
    closed = None if duration is None else opened + duration
    trade = make_trade(
        trade_id,
        opened_at=opened,
        closed_at=closed,
        net_pnl_usd=None if closed is None else f"{rng.randint(-40000, 20000) / 100:.2f}",
        underlying=rng.choice(sorted(BASE_STRIKE)),
        quantity=rng.choice([1, 1, 1, 2, 3]),
        width=rng.choice(["5", "6", "10"]),
        credit=rng.choice(["1.00", "0.9999", "2.50"]),
        profit_target_usd=rng.choice([None, "50.00"]),
        stop_loss_usd=rng.choice([None, "200.00", "100.00"]),
        time_exit_at=rng.choice([None, opened + timedelta(hours=rng.randint(1, 72))]),
        followed_plan=rng.choice([None, True, False]),
        mistakes=rng.sample(MISTAKES, rng.randint(0, 2)) if rng.random() < 0.2 else (),
        mode=rng.choice(["SIM", "SANDBOX", "LIVE"]),
    )
    twist = rng.random()
    if twist < 0.03:  # validation bypassed, naked short leg
        return Trade.model_construct(**{**dict(trade), "legs": trade.legs[:1]})
    if twist < 0.06:  # a validated trade copied with other legs
        return trade.model_copy(update={"legs": trade.legs[:1]})
    if twist < 0.09:  # copied with a credit at or beyond the width
        return trade.model_copy(update={"entry_price": Decimal("9.00")})
    if twist < 0.12:  # validation bypassed, legs fine
        return Trade.model_construct(**dict(trade))
    return trade


# The rules the pinned counts below were drawn from (a rule added later must not reshuffle them).
PINNED_ALERT_RULES = [rule for rule in AlertRule if rule is not AlertRule.UNDEFINED_RISK_JOURNALED]


def random_alerts(rng: random.Random, trade_ids: list[int]) -> list[Alert]:
    return [
        make_alert(
            alert_id,
            START + timedelta(minutes=rng.randrange(12 * 24 * 60)),
            rng.choice(PINNED_ALERT_RULES),
            trade_id=rng.choice([None, None, rng.choice(trade_ids)]),
        )
        for alert_id in range(1, rng.randint(0, 8) + 1)
    ]


def random_journal(
    seed: int, count: int = 150, span_days: int = 12
) -> tuple[list[Trade], list[Alert], datetime]:
    rng = random.Random(seed)  # nosec B311  # seeded test data, not secrets
    trades = [random_trade(rng, trade_id, span_days) for trade_id in range(1, count + 1)]
    rng.shuffle(trades)
    alerts = random_alerts(rng, [t.id for t in trades])
    now = START + timedelta(days=rng.choice([3, 8, 20]), hours=rng.randint(0, 23))
    return trades, alerts, now


def judge_both(seed: int, settings):
    rng = random.Random(1000 + seed)  # nosec B311  # seeded test data, not secrets
    trades, alerts, now = random_journal(seed)
    options = {
        "alerts": alerts,
        "ladder_level": rng.randint(1, 4),
        "risk_capital_usd": rng.choice([None, Decimal("2000"), Decimal("7500.50")]),
        "window_trades": rng.choice([1, 5, 20]),
        "journaled_sessions": rng.choice(
            [None, {session_of(t.opened_at): 2 for t in trades[::3]}, []]
        ),
    }
    fast = evaluate_discipline(trades, settings=settings, now=now, **options)
    slow = reference_evaluate_discipline(trades, settings=settings, now=now, **options)
    return fast, slow


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return settings_for(tmp_path_factory.mktemp("judge"))


@pytest.fixture(scope="module")
def judged(settings) -> dict[int, tuple]:
    """Each seed's journal judged by the fast path and by the reference, once for the module."""
    return {seed: judge_both(seed, settings) for seed in SEEDS}


@pytest.mark.parametrize("seed", SEEDS)
def test_discipline_report_is_identical_to_the_reference(seed, judged):
    fast, slow = judged[seed]
    assert fast.all_violations == slow.all_violations
    assert fast == slow


@pytest.mark.parametrize("seed", SEEDS[:5])
def test_fast_built_violations_equal_validated_ones(seed, judged):
    fast, _ = judged[seed]
    assert fast.all_violations
    for violation in fast.all_violations:
        assert Violation.model_validate(violation.model_dump()) == violation


def test_random_journals_exercise_every_optimised_rule(judged):
    seen: Counter[str] = Counter()
    for fast, _ in judged.values():
        seen.update(str(v.code) for v in fast.all_violations)
    assert {rule: seen[rule] for rule in OPTIMISED_RULES} == {
        "NOT_DEFINED_RISK": 174,
        "OPENED_DURING_HALT": 531,
        "OVER_LADDER_SIZE": 612,
        "TOO_MANY_CONCURRENT": 2090,
        "UNDERLYING_RISK_OVER_LIMIT": 1832,
        "REVENGE_ENTRY": 259,
        "NO_PLANNED_EXIT": 174,
    }


@pytest.mark.parametrize("seed", SEEDS[:10])
def test_open_trades_and_family_risk_at_each_entry_match_a_recount(seed):
    trades, _, _ = random_journal(seed)
    ordered = sorted(trades, key=lambda t: (t.opened_at, t.id))
    expected = reference_open_at_each_entry(ordered)
    assert open_at_each_entry(ordered) == expected
    families = [underlying_family(t.underlying) for t in ordered]
    recount = [
        open_risk_by_family(earlier, trade.opened_at).get(family, Decimal(0))
        for trade, earlier, family in zip(ordered, expected, families)
    ]
    assert family_risk_at_each_entry(ordered, families) == tuple(recount)
    assert any(recount) and any(len(earlier) > 2 for earlier in expected)


def dense_coach_input(seed: int, settings) -> CoachInput:
    """Closed trades of a two-day journal: losses often close within minutes of an entry."""
    trades, _, now = random_journal(seed, count=80, span_days=2)
    return CoachInput(
        closed=tuple(closed_before(trades, now)),
        discipline=evaluate_discipline([], settings=settings, now=now),
        gates=None,
        settings=settings,
        window_trades=(),
    )


@pytest.fixture(scope="module")
def coach_inputs(settings) -> dict[int, CoachInput]:
    """Each seed's dense two-day journal as the coach sees it, built once for the module."""
    return {seed: dense_coach_input(seed, settings) for seed in SEEDS}


@pytest.mark.parametrize("seed", SEEDS)
def test_coach_quick_losses_match_every_pair(seed, coach_inputs):
    data = coach_inputs[seed]
    quick = reference_quick_losses(data)
    advice = coach_losses_after_losses(data)
    if len(quick) < MIN_QUICK_LOSSES:
        assert advice is None
    else:
        assert advice is not None
        assert advice.note.evidence["trade_ids"] == ", ".join(str(t.id) for t in quick)


def test_random_journals_make_the_coach_see_quick_losses(coach_inputs):
    found = sum(
        len(reference_quick_losses(data)) >= MIN_QUICK_LOSSES for data in coach_inputs.values()
    )
    assert found == 11


@pytest.mark.parametrize("seed", SEEDS)
def test_last_10_trigger_matches_the_whole_history_window(seed, settings):
    trades, _, now = random_journal(seed)
    window = last_n_expectancy(closed_before(trades, now))
    by_id = {t.id: t for t in trades}
    total = sum((by_id[i].net_pnl_usd for i in window.trade_ids), Decimal(0))
    found = [
        t
        for t in rollback_triggers(
            trades=trades, discipline_score=100, alerts=(), settings=settings, now=now
        )
        if t.code is TriggerCode.EXPECTANCY_NEGATIVE_LAST_10
    ]
    if window.complete and total < 0:
        assert found and found[0].evidence["trade_ids"] == ", ".join(map(str, window.trade_ids))
    else:
        assert not found
