"""The defined-risk proof: every short covered and the loss bounded, with typed findings.

Structural rule (per underlying, multiplier, expiration and option type, long contracts >= short
contracts; a single expiration) AND a finite payoff minimum (shared/research/options_math.md
section 5). Each failure is a `ProofFinding`, a typed `Reason`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from utils.core.money import usd
from utils.core.reasons import Reason, as_evidence
from utils.spreads.legs import Leg
from utils.spreads.payoff import ExpirationProfile, expiration_profile
from utils.spreads.symbols import OptionType

ZERO = Decimal(0)


class ProofCode(StrEnum):
    """Why a leg set is not defined-risk."""

    MIXED_UNDERLYING = "MIXED_UNDERLYING"
    MIXED_DELIVERABLE = "MIXED_DELIVERABLE"
    MULTI_EXPIRATION = "MULTI_EXPIRATION"
    UNCOVERED_SHORT = "UNCOVERED_SHORT"
    UNBOUNDED_LOSS = "UNBOUNDED_LOSS"


class ProofFinding(Reason[ProofCode]):
    """One reason a leg set fails the defined-risk proof, with its evidence."""


class CoverageGroup(BaseModel):
    """Long and short contracts of one (underlying, multiplier, expiration, type) group."""

    model_config = ConfigDict(frozen=True)

    underlying: str
    multiplier: int
    expiration: date
    option_type: OptionType
    long_contracts: int
    short_contracts: int

    @property
    def covered(self) -> bool:
        """Every short can be paired with a long of the same type and expiration."""
        return self.long_contracts >= self.short_contracts

    def describe(self) -> str:
        """`SPY 2025-01-17 puts: 1 long, 2 short`."""
        kind = "calls" if self.option_type is OptionType.CALL else "puts"
        return (
            f"{self.underlying} {self.expiration} {kind} (x{self.multiplier}): "
            f"{self.long_contracts} long, {self.short_contracts} short"
        )


class DefinedRiskProof(BaseModel):
    """The defined-risk verdict for a leg set, with the evidence for it.

    Defined risk = the structural rule (per underlying, multiplier, expiration and option type,
    long contracts >= short contracts; a single expiration) AND a finite payoff minimum (the right
    slope of the expiration payoff is not negative). A finite worst case alone is not enough: a
    naked put or a put ratio is finite and still refused.
    """

    model_config = ConfigDict(frozen=True)

    defined_risk: bool
    findings: tuple[ProofFinding, ...]
    coverage: tuple[CoverageGroup, ...]
    right_slope_usd: Decimal | None
    max_loss_usd: Decimal | None

    @property
    def codes(self) -> tuple[ProofCode, ...]:
        """The finding codes, in order."""
        return tuple(finding.code for finding in self.findings)

    @property
    def sentence(self) -> str:
        """One paragraph a trader can read."""
        if self.defined_risk:
            return (
                f"Defined risk: every short is covered by a long of the same type and "
                f"expiration; worst case at expiration {usd(self.max_loss_usd)}."
            )
        text = " ".join(finding.sentence for finding in self.findings)
        if self.max_loss_usd is not None:
            text += (
                f" Its worst case at expiration ({usd(self.max_loss_usd)}) is finite, but a finite "
                "worst case is not defined risk."
            )
        return text


def _coverage_groups(legs: Sequence[Leg]) -> tuple[CoverageGroup, ...]:
    longs: dict[tuple[str, int, date, OptionType], int] = defaultdict(int)
    shorts: dict[tuple[str, int, date, OptionType], int] = defaultdict(int)
    for leg in legs:
        key = (leg.underlying, leg.multiplier, leg.expiration, leg.option_type)
        (longs if leg.sign > 0 else shorts)[key] += leg.quantity
    return tuple(
        CoverageGroup(
            underlying=key[0],
            multiplier=key[1],
            expiration=key[2],
            option_type=key[3],
            long_contracts=longs[key],
            short_contracts=shorts[key],
        )
        for key in sorted(set(longs) | set(shorts))
    )


def prove_defined_risk(
    legs: Sequence[Leg],
    premium_usd: Decimal = ZERO,
    *,
    profile: ExpirationProfile | None = None,
) -> DefinedRiskProof:
    """Prove (or refute) that a leg set's loss is bounded and covered, structurally and by payoff.

    `premium_usd` (the order's signed premium, credit positive) only sets the reported max loss.
    `profile` is `expiration_profile(legs, premium_usd)` when the caller holds it already (a
    `Spread` does), so the payoff is computed once.
    """
    findings: list[ProofFinding] = []
    if len({leg.underlying for leg in legs}) > 1:
        names = ", ".join(sorted({leg.underlying for leg in legs}))
        findings.append(
            ProofFinding(
                code=ProofCode.MIXED_UNDERLYING,
                sentence=f"The legs are on different underlyings ({names}); a spread has one.",
                evidence=as_evidence(underlyings=names),
            )
        )
    multipliers = sorted({leg.multiplier for leg in legs})
    if len(multipliers) > 1:
        findings.append(
            ProofFinding(
                code=ProofCode.MIXED_DELIVERABLE,
                sentence="The legs have different multipliers (an adjusted deliverable does not "
                "cover a standard one).",
                evidence=as_evidence(multipliers=", ".join(map(str, multipliers))),
            )
        )
    expirations = sorted({leg.expiration for leg in legs})
    single_expiration = len(expirations) == 1
    if not single_expiration:
        findings.append(
            ProofFinding(
                code=ProofCode.MULTI_EXPIRATION,
                sentence="The legs expire on different dates (a calendar or diagonal); once the "
                "front leg expires the rest may be uncovered, so it is not defined-risk here.",
                evidence=as_evidence(expirations=", ".join(map(str, expirations))),
            )
        )
    coverage = _coverage_groups(legs)
    for group in coverage:
        if not group.covered:
            findings.append(
                ProofFinding(
                    code=ProofCode.UNCOVERED_SHORT,
                    sentence=f"Uncovered short: {group.describe()}; "
                    f"{group.short_contracts - group.long_contracts} short contract(s) have no "
                    "long to pair with.",
                    evidence=as_evidence(group=group.describe()),
                )
            )
    right_slope = None
    max_loss = None
    if legs and single_expiration:
        if profile is None:
            profile = expiration_profile(legs, premium_usd)
        right_slope = profile.right_slope_usd
        max_loss = profile.max_loss_usd
        if right_slope < 0:
            findings.append(
                ProofFinding(
                    code=ProofCode.UNBOUNDED_LOSS,
                    sentence=f"Above the highest strike the position loses {usd(-right_slope)} per "
                    "$1 rise of the underlying without limit.",
                    evidence=as_evidence(right_slope_usd=right_slope),
                )
            )
    return DefinedRiskProof(
        defined_risk=bool(legs) and not findings,
        findings=tuple(findings),
        coverage=coverage,
        right_slope_usd=right_slope,
        max_loss_usd=max_loss,
    )
