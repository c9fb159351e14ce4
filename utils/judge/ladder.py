"""The size ladder and the live ramp, as data.

A **unit** is 1 contract of a spread whose fee-aware max loss is at most `unit_max_loss_usd`
(default $500). Ladder level L allows at most L spread units per trade and a max loss of
L x `unit_max_loss_usd` per trade, for L = 1 .. `ladder_max_level` (default 4):

    level 1: 1 unit,  $500        level 3: 3 units, $1,500
    level 2: 2 units, $1,000      level 4: 4 units, $2,000

The **ramp** caps the level and the number of concurrent spreads by stage (DESIGN section 5):
the observation window (SIM/SANDBOX practice) and week 1 of LIVE allow level 1 and at most
2 concurrent spreads; week 2 allows level 2 (the gates module decides whether week 2 is earned:
expectancy > 0 and discipline >= 80); after that the ladder's own caps apply. The settings can
only tighten these numbers: the effective limit is always the smaller one.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from utils.core.config import Settings


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
