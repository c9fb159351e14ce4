"""The size ladder and the live ramp caps."""

from __future__ import annotations

from decimal import Decimal

import pytest

from utils.core.config import load_settings
from utils.judge.ladder import RAMP_CAPS, LadderError, RampStage, SizeLadder, limits_for


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
