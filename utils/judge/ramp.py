"""The size ladder and the live ramp: how big the next trade may be, and how many may be open.

A **unit** is 1 contract of a spread whose fee-aware max loss is at most `unit_max_loss_usd`
(default $500). Ladder level L allows at most L spread units per trade and a max loss of
L x `unit_max_loss_usd` per trade, for L = 1 .. `ladder_max_level` (default 4):

    level 1: 1 unit,  $500        level 3: 3 units, $1,500
    level 2: 2 units, $1,000      level 4: 4 units, $2,000

The **ramp** (checklist s8, DESIGN section 5) caps the level and the number of concurrent spreads
by stage: the observation window (SIM/SANDBOX practice, before the first LIVE order) and week 1
of LIVE allow level 1 and at most 2 concurrent spreads; week 2 allows level 2; after that the
ladder's own caps apply. The settings can only tighten these numbers: the effective limit is
always the smaller one.

Weeks count New York calendar days (weekends and holidays included) from the New York day of the
first LIVE order: days 0-6 are week 1, days 7-13 week 2, then steady. Week 2 and steady are
earned only while expectancy > 0 and discipline >= RAMP_WEEK2_MIN_DISCIPLINE (80); otherwise the
week-1 caps hold.

    ramp = ramp_level(settings=settings, now=now, first_live_order_at=first_live_order_at(trades),
                      trades=trades, discipline_score=discipline.score)
    ramp.stage, ramp.limits.max_contracts, ramp.limits.max_concurrent_spreads, ramp.sentence
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from utils.core.config import Settings
from utils.core.sessions import new_york_day, to_utc
from utils.journal.trade import Trade
from utils.judge.history import (
    closed_by,
    expectancy_exceeds,
    first_live_opened_at,
    judging_frame_of,
)
from utils.judge.risk import ConcurrencyLimit, LadderLimit

DAYS_PER_RAMP_WEEK = 7


class LadderError(Exception):
    """A ladder level that does not exist (below 1); the message names the level."""


class RampStage(StrEnum):
    """Where the trader is on the way to full size."""

    OBSERVATION = "observation"
    LIVE_WEEK_1 = "live_week_1"
    LIVE_WEEK_2 = "live_week_2"
    LIVE_STEADY = "live_steady"


class RampCap(BaseModel):
    """The caps one ramp stage puts on the ladder (None = no cap beyond the settings)."""

    model_config = ConfigDict(frozen=True)

    stage: RampStage
    max_level: int | None = Field(default=None, ge=1)
    max_concurrent_spreads: int | None = Field(default=None, ge=1)
    sentence: str


RAMP_CAPS: dict[RampStage, RampCap] = {
    RampStage.OBSERVATION: RampCap(
        stage=RampStage.OBSERVATION,
        max_level=1,
        max_concurrent_spreads=2,
        sentence="Observation window: 1 unit per trade and at most 2 spreads open.",
    ),
    RampStage.LIVE_WEEK_1: RampCap(
        stage=RampStage.LIVE_WEEK_1,
        max_level=1,
        max_concurrent_spreads=2,
        sentence="Week 1 of LIVE: 1 unit per trade and at most 2 spreads open.",
    ),
    RampStage.LIVE_WEEK_2: RampCap(
        stage=RampStage.LIVE_WEEK_2,
        max_level=2,
        sentence="Week 2 of LIVE (earned with expectancy > 0 and discipline >= 80): up to "
        "2 units per trade.",
    ),
    RampStage.LIVE_STEADY: RampCap(
        stage=RampStage.LIVE_STEADY,
        sentence="After the ramp: the size ladder's own caps.",
    ),
}


class LadderRung(BaseModel):
    """The per-trade caps of one ladder level."""

    model_config = ConfigDict(frozen=True)

    level: int = Field(ge=1)
    max_contracts: int = Field(ge=1)
    max_loss_usd: Decimal = Field(gt=0)

    @property
    def limit(self) -> LadderLimit:
        """The ladder rule at this rung."""
        return LadderLimit(max_units=self.max_contracts, max_loss_usd=self.max_loss_usd)


class SizeLadder(BaseModel):
    """Levels 1 .. max_level: level L allows L units and L x unit_max_loss_usd per trade."""

    model_config = ConfigDict(frozen=True)

    unit_max_loss_usd: Decimal = Field(gt=0)
    max_level: int = Field(ge=1)

    @classmethod
    def from_settings(cls, settings: Settings) -> SizeLadder:
        """The ladder configured by UNIT_MAX_LOSS_USD and LADDER_MAX_LEVEL."""
        return cls(
            unit_max_loss_usd=settings.unit_max_loss_usd, max_level=settings.ladder_max_level
        )

    def rung(self, level: int) -> LadderRung:
        """The caps at `level`; levels above the top are held at the top rung."""
        if level < 1:
            raise LadderError(f"ladder level {level} does not exist: levels start at 1")
        capped = min(level, self.max_level)
        return LadderRung(
            level=capped, max_contracts=capped, max_loss_usd=self.unit_max_loss_usd * capped
        )

    @property
    def rungs(self) -> tuple[LadderRung, ...]:
        """Every rung, level 1 first (for the ladder table on the page)."""
        return tuple(self.rung(level) for level in range(1, self.max_level + 1))


class TradeLimits(BaseModel):
    """What one trade may use now: the smaller of the ladder rung, the ramp cap and settings."""

    model_config = ConfigDict(frozen=True)

    requested_level: int
    effective_level: int
    ramp_stage: RampStage
    max_contracts: int
    max_loss_usd: Decimal
    max_concurrent_spreads: int
    sentence: str

    @property
    def ladder(self) -> LadderLimit:
        """The ladder rule under these caps."""
        return LadderLimit(max_units=self.max_contracts, max_loss_usd=self.max_loss_usd)

    @property
    def concurrency(self) -> ConcurrencyLimit:
        """The concurrency rule under these caps."""
        return ConcurrencyLimit(max_open=self.max_concurrent_spreads)


def limits_for(settings: Settings, ladder_level: int, ramp_stage: RampStage) -> TradeLimits:
    """Combine the ladder level, the ramp stage and the settings into one set of caps."""
    ladder = SizeLadder.from_settings(settings)
    ramp = RAMP_CAPS[ramp_stage]
    level = ladder_level if ramp.max_level is None else min(ladder_level, ramp.max_level)
    rung = ladder.rung(level)
    concurrent = settings.max_concurrent_spreads
    if ramp.max_concurrent_spreads is not None:
        concurrent = min(concurrent, ramp.max_concurrent_spreads)
    return TradeLimits(
        requested_level=ladder_level,
        effective_level=rung.level,
        ramp_stage=ramp_stage,
        max_contracts=rung.max_contracts,
        max_loss_usd=rung.max_loss_usd,
        max_concurrent_spreads=concurrent,
        sentence=(
            f"{ramp.sentence} Ladder level {rung.level} of {ladder.max_level}: up to "
            f"{rung.max_contracts} unit(s) and ${rung.max_loss_usd} max loss per trade; at most "
            f"{concurrent} spread(s) open."
        ),
    )


class RampDecision(BaseModel):
    """The ramp stage now and the caps it puts on the next trade."""

    model_config = ConfigDict(frozen=True)

    stage: RampStage
    week: int | None
    first_live_order_at: datetime | None
    earned: bool | None
    limits: TradeLimits
    sentence: str
    reasons: tuple[str, ...]

    @property
    def max_units(self) -> int:
        """Spread units allowed per trade."""
        return self.limits.max_contracts

    @property
    def max_concurrent_spreads(self) -> int:
        """Spreads allowed open at once."""
        return self.limits.max_concurrent_spreads


def first_live_order_at(trades: pd.DataFrame | Iterable[Trade]) -> datetime | None:
    """When the first LIVE trade opened (None before any), from the judging frame or models."""
    return first_live_opened_at(judging_frame_of(trades))


def ramp_level(
    *,
    settings: Settings,
    now: datetime,
    first_live_order_at: datetime | None,
    trades: pd.DataFrame | Sequence[Trade],
    discipline_score: int,
    ladder_level: int | None = None,
    closed: pd.DataFrame | None = None,
) -> RampDecision:
    """Ramp stage and caps at `now` (checklist s8); `ladder_level` defaults to the ladder's top;
    `trades` is the judging frame (or journal models, judged through their frame), `closed` its
    closed trades when the caller has them (`closed_by`)."""
    moment = to_utc(now)
    level = settings.ladder_max_level if ladder_level is None else ladder_level
    closed = closed_by(judging_frame_of(trades), moment, ("net_pnl_cents",), closed)
    expectancy_ok = expectancy_exceeds(closed, settings.gate_min_expectancy_usd)
    discipline_ok = discipline_score >= settings.ramp_week2_min_discipline
    needed = (
        f"expectancy > {settings.gate_min_expectancy_usd} and discipline >= "
        f"{settings.ramp_week2_min_discipline}"
    )
    status = (
        f"expectancy {'above' if expectancy_ok else 'not above'} "
        f"{settings.gate_min_expectancy_usd}, discipline {discipline_score}"
    )
    if first_live_order_at is None:
        return _ramp(settings, level, RampStage.OBSERVATION, None, None, None, ())
    first = to_utc(first_live_order_at)
    days = (new_york_day(moment) - new_york_day(first)).days
    week = max(days, 0) // DAYS_PER_RAMP_WEEK + 1
    if week == 1:
        return _ramp(settings, level, RampStage.LIVE_WEEK_1, week, first, None, ())
    earned = expectancy_ok and discipline_ok
    target = RampStage.LIVE_WEEK_2 if week == 2 else RampStage.LIVE_STEADY
    if earned:
        reason = f"Earned: {needed} ({status})."
        return _ramp(settings, level, target, week, first, True, (reason,))
    reason = f"Held at week-1 size: {target.value.replace('_', ' ')} needs {needed} ({status})."
    return _ramp(settings, level, RampStage.LIVE_WEEK_1, week, first, False, (reason,))


def _ramp(
    settings: Settings,
    level: int,
    stage: RampStage,
    week: int | None,
    first: datetime | None,
    earned: bool | None,
    reasons: tuple[str, ...],
) -> RampDecision:
    limits = limits_for(settings, level, stage)
    when = "" if week is None else f"Week {week} since the first LIVE order. "
    return RampDecision(
        stage=stage,
        week=week,
        first_live_order_at=first,
        earned=earned,
        limits=limits,
        sentence=when + limits.sentence + (" " + " ".join(reasons) if reasons else ""),
        reasons=reasons,
    )
