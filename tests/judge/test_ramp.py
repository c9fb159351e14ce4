"""The size ladder, the live ramp caps and the ramp stage (checklist s8)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tests.support.judge_factory import daily_trades, make_trade, settings_for, utc
from utils.core.config import load_settings
from utils.judge.ramp import (
    RAMP_CAPS,
    LadderError,
    RampStage,
    SizeLadder,
    first_live_order_at,
    limits_for,
    ramp_level,
)

NOW = utc("2026-08-01T15:00:00Z")


@pytest.fixture
def make_settings(tmp_path):
    def make(**overrides):
        return load_settings(env_file=tmp_path / "none.env", data_dir=tmp_path, **overrides)

    return make


def test_default_ladder_is_one_unit_of_500_per_level_up_to_4(make_settings):
    ladder = SizeLadder.from_settings(make_settings())
    assert [(r.level, r.max_contracts, r.max_loss_usd) for r in ladder.rungs] == [
        (1, 1, Decimal(500)),
        (2, 2, Decimal(1000)),
        (3, 3, Decimal(1500)),
        (4, 4, Decimal(2000)),
    ]


def test_level_above_the_top_is_held_at_the_top_rung(make_settings):
    ladder = SizeLadder.from_settings(make_settings(ladder_max_level=3))
    assert ladder.rung(7).level == 3


def test_level_zero_does_not_exist(make_settings):
    with pytest.raises(LadderError, match="level 0"):
        SizeLadder.from_settings(make_settings()).rung(0)


def test_unit_max_loss_is_configurable(make_settings):
    rung = SizeLadder.from_settings(make_settings(unit_max_loss_usd="400")).rung(2)
    assert rung.max_loss_usd == Decimal(800)


def test_every_ramp_stage_has_caps():
    assert set(RAMP_CAPS) == set(RampStage)


@pytest.mark.parametrize("stage", [RampStage.OBSERVATION, RampStage.LIVE_WEEK_1])
def test_observation_and_week_1_allow_1_unit_and_2_concurrent(make_settings, stage):
    limits = limits_for(make_settings(max_concurrent_spreads=5), ladder_level=3, ramp_stage=stage)
    assert (limits.effective_level, limits.max_contracts, limits.max_loss_usd) == (
        1,
        1,
        Decimal(500),
    )
    assert limits.max_concurrent_spreads == 2
    assert limits.requested_level == 3


def test_week_2_allows_at_most_2_units(make_settings):
    limits = limits_for(make_settings(), ladder_level=4, ramp_stage=RampStage.LIVE_WEEK_2)
    assert (limits.max_contracts, limits.max_loss_usd) == (2, Decimal(1000))


def test_week_2_never_raises_a_lower_ladder_level(make_settings):
    limits = limits_for(make_settings(), ladder_level=1, ramp_stage=RampStage.LIVE_WEEK_2)
    assert limits.max_contracts == 1


def test_after_the_ramp_the_ladder_and_settings_apply(make_settings):
    settings = make_settings(max_concurrent_spreads=3)
    limits = limits_for(settings, ladder_level=4, ramp_stage=RampStage.LIVE_STEADY)
    assert (limits.max_contracts, limits.max_loss_usd, limits.max_concurrent_spreads) == (
        4,
        Decimal(2000),
        3,
    )


def test_settings_can_tighten_the_ramp_concurrency(make_settings):
    settings = make_settings(max_concurrent_spreads=1)
    limits = limits_for(settings, ladder_level=1, ramp_stage=RampStage.LIVE_WEEK_1)
    assert limits.max_concurrent_spreads == 1


def test_limits_sentence_states_the_numbers(make_settings):
    limits = limits_for(make_settings(), ladder_level=1, ramp_stage=RampStage.LIVE_WEEK_1)
    assert "Week 1 of LIVE" in limits.sentence
    assert "1 unit(s) and $500 max loss per trade" in limits.sentence
    assert "at most 2 spread(s) open" in limits.sentence


@pytest.fixture
def settings(tmp_path):
    return settings_for(tmp_path)


# --- ramp (checklist s8) --------------------------------------------------------------------


def ramp(settings, now, first=None, trades=None, score=100, **kwargs):
    return ramp_level(
        settings=settings,
        now=now,
        first_live_order_at=first,
        trades=daily_trades(25) if trades is None else trades,
        discipline_score=score,
        **kwargs,
    )


def test_before_any_live_order_the_observation_caps_hold(settings):
    decision = ramp(settings, NOW)
    assert decision.stage is RampStage.OBSERVATION and decision.week is None
    assert decision.max_units == 1 and decision.max_concurrent_spreads == 2


def test_week_1_is_one_unit_and_two_spreads_even_with_perfect_numbers(settings):
    first = utc("2026-08-03T14:30:00Z")
    decision = ramp(settings, first + timedelta(days=6, hours=8), first)
    assert decision.stage is RampStage.LIVE_WEEK_1 and decision.week == 1
    assert decision.max_units == 1 and decision.max_concurrent_spreads == 2


def test_week_2_starts_at_new_york_midnight_across_the_dst_change(settings):
    # First LIVE order Monday 2026-03-02 10:00 EST; DST starts Sunday 2026-03-08. Week 2 starts
    # with the session of 2026-03-09, at 00:00 EDT = 04:00 UTC (not 05:00 as in winter).
    first = utc("2026-03-02T15:00:00Z")
    winter = daily_trades(25, first_session=date(2026, 1, 5))
    last_of_week_1 = ramp(settings, utc("2026-03-09T03:59:59Z"), first, trades=winter)
    first_of_week_2 = ramp(settings, utc("2026-03-09T04:00:00Z"), first, trades=winter)
    assert last_of_week_1.week == 1 and last_of_week_1.max_units == 1
    assert first_of_week_2.week == 2 and first_of_week_2.stage is RampStage.LIVE_WEEK_2
    assert first_of_week_2.max_units == 2


def test_week_2_needs_discipline_80(settings):
    first = utc("2026-08-03T14:30:00Z")
    held = ramp(settings, first + timedelta(days=8), first, score=79)
    earned = ramp(settings, first + timedelta(days=8), first, score=80)
    assert held.stage is RampStage.LIVE_WEEK_1 and held.max_units == 1 and held.earned is False
    assert "discipline 79" in held.reasons[0]
    assert earned.stage is RampStage.LIVE_WEEK_2 and earned.max_units == 2 and earned.earned


def test_week_2_needs_expectancy_above_0(settings):
    first = utc("2026-08-03T14:30:00Z")
    flat = ramp(settings, first + timedelta(days=8), first, trades=daily_trades(25, pnl="0.00"))
    cent = ramp(settings, first + timedelta(days=8), first, trades=daily_trades(25, pnl="0.01"))
    assert flat.max_units == 1 and "expectancy not above 0" in flat.reasons[0]
    assert cent.max_units == 2


def test_after_week_2_the_ladder_caps_apply_and_are_never_exceeded(tmp_path):
    first = utc("2026-08-03T14:30:00Z")
    later = first + timedelta(days=15)
    default = ramp(settings_for(tmp_path), later, first)
    assert default.stage is RampStage.LIVE_STEADY and default.max_units == 4
    capped = ramp(settings_for(tmp_path, ladder_max_level=1), later, first)
    assert capped.max_units == 1
    chosen = ramp(settings_for(tmp_path), later, first, ladder_level=2)
    assert chosen.max_units == 2 and chosen.limits.max_loss_usd == Decimal(1000)


def test_steady_stage_is_held_back_when_the_numbers_slip(settings):
    first = utc("2026-08-03T14:30:00Z")
    decision = ramp(settings, first + timedelta(days=30), first, score=75)
    assert decision.stage is RampStage.LIVE_WEEK_1 and decision.max_units == 1


def test_first_live_order_is_the_first_live_trade(settings):
    trades = daily_trades(3)
    live = make_trade(9, opened_at=datetime(2026, 7, 1, 15, tzinfo=timezone.utc), mode="LIVE")
    assert first_live_order_at(trades) is None
    assert first_live_order_at([*trades, live]) == live.opened_at
