"""The spread model: legs, structure recognition, the defined-risk proof and the expiration payoff.

Pure Python, no Dash, no network. Money and strikes are `Decimal` end to end; prices are per share
(multiply by the leg's multiplier, 100 for equity options). Formulas: shared/research/
options_math.md sections 2, 3, 5 and 6.

Public API (names are stable; other modules build on them):

- Symbols (re-exported from `utils.spreads.symbols`): `OptionType`, `OptionSymbol`, `parse_occ`,
  `format_occ`, `parse_streamer`, `occ_to_streamer`, `streamer_to_occ`, `underlying_for_root`,
  `SymbolError`.
- `LegAction` (tastytrade's four actions; also parses CSV forms like `SELL_TO_OPEN`),
  `PriceEffect` (`Credit`/`Debit`), `PositionEffect` (opening/closing/mixed).
- `Leg(symbol, action, quantity, underlying="", multiplier=100, price=None)`: `quantity` is the
  leg's total contracts, `price` an optional per-share fill or limit. `Leg.from_occ(...)`,
  `.to_order_leg()` -> `{"instrument-type", "symbol", "quantity", "action"}`.
- `merge_legs(legs)`: combine fills of the same symbol and action (quantity-weighted price).
  `Leg` also offers `.occ`, `.option_type`, `.strike`, `.expiration`, `.sign`,
  `.signed_quantity`, `.intrinsic(S)`, `.describe()`.
- `Spread(legs, price, price_effect)`: one order or position; `price` is per share per unit,
  `quantity` is the gcd of the leg quantities (3 iron condors -> 3).
  `Spread.from_legs(legs, price=None, price_effect=None)` derives the price from leg prices.
  Properties: `.structure`, `.underlying`, `.family`, `.expiration` (the earliest),
  `.expirations`, `.multiplier`, `.quantity`, `.net_premium_per_share` (credit > 0),
  `.premium_usd`, `.proof` (a `DefinedRiskProof`), `.is_defined_risk`, `.profile`
  (an `ExpirationProfile`, None for multi-expiration), `.max_loss_usd`, `.max_profit_usd`
  (None = unbounded or not computable), `.breakevens`, `.requirement_usd`, `.risk_width`,
  `.position_effect`, `.ratios`. Methods: `buying_power_usd(fees_open_usd=0)`,
  `payoff_curve(fees_usd=0, lower=None, upper=None)`, `to_order_legs()`, `with_quantity(q)`,
  `with_price(price, effect)`, `closing_legs()`.
- Errors: `SpreadError` and `SymbolError` (plain Exceptions, so pydantic passes them through
  unwrapped); messages name the leg, symbol or field.
- `from_legs(legs, price=None, price_effect=None)`: the same as `Spread.from_legs`.
- `recognize_structure(legs) -> Structure`.
- `prove_defined_risk(legs, premium_usd=0) -> DefinedRiskProof` for any leg set.
- `expiration_profile(legs, premium_usd) -> ExpirationProfile`.
- Builders: `bull_put_credit`, `bear_call_credit`, `bull_call_debit`, `bear_put_debit`,
  `iron_condor`, `iron_butterfly`, `long_butterfly`, `broken_wing_butterfly`.
- `UNDERLYING_FAMILIES`, `underlying_family(symbol)`: SPY/SPX/XSP... count as one underlying.
- Fees live in `utils.spreads.fees` (`FeeSchedule`, `order_fees`, `fee_aware_max_loss_usd`),
  probabilities in `utils.spreads.probability` (`probability_of_profit`, `expected_value_usd`),
  the size ladder in `utils.judge.ramp`, the pre-trade checks in `utils.broker.pretrade`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cached_property, reduce
from math import gcd
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from utils.spreads.symbols import (
    OptionSymbol,
    OptionType,
    SymbolError,
    format_occ,
    occ_to_streamer,
    parse_occ,
    parse_streamer,
    streamer_to_occ,
    underlying_for_root,
)

__all__ = [
    "OptionSymbol",
    "OptionType",
    "SymbolError",
    "format_occ",
    "occ_to_streamer",
    "parse_occ",
    "parse_streamer",
    "streamer_to_occ",
    "underlying_for_root",
    "SpreadError",
    "LegAction",
    "PriceEffect",
    "PositionEffect",
    "Structure",
    "Leg",
    "merge_legs",
    "Spread",
    "from_legs",
    "recognize_structure",
    "ProofCode",
    "ProofFinding",
    "CoverageGroup",
    "DefinedRiskProof",
    "prove_defined_risk",
    "PayoffPoint",
    "ExpirationProfile",
    "expiration_profile",
    "bull_put_credit",
    "bear_call_credit",
    "bull_call_debit",
    "bear_put_debit",
    "iron_condor",
    "iron_butterfly",
    "long_butterfly",
    "broken_wing_butterfly",
    "UNDERLYING_FAMILIES",
    "underlying_family",
]

EQUITY_OPTION = "Equity Option"
ZERO = Decimal(0)

# Underlyings that move as one (research options_math.md section 10): the per-underlying risk
# check and diversification count a family once. ETFs, indexes, minis and their weekly roots.
UNDERLYING_FAMILIES: dict[str, frozenset[str]] = {
    "S&P 500": frozenset({"SPY", "SPX", "SPXW", "XSP", "VOO", "IVV", "SPLG", "ES", "MES"}),
    "Nasdaq-100": frozenset({"QQQ", "QQQM", "NDX", "NDXP", "XND", "NQ", "MNQ"}),
    "Russell 2000": frozenset({"IWM", "RUT", "RUTW", "MRUT", "RTY", "M2K"}),
    "Dow Jones": frozenset({"DIA", "DJX", "YM", "MYM"}),
}


class SpreadError(Exception):
    """Legs or prices that do not make a spread; the message names the leg and the field.

    Not a ValueError on purpose: raised inside a pydantic validator it reaches the caller as is.
    """


class LegAction(StrEnum):
    """tastytrade's order-leg actions."""

    BUY_TO_OPEN = "Buy to Open"
    SELL_TO_OPEN = "Sell to Open"
    BUY_TO_CLOSE = "Buy to Close"
    SELL_TO_CLOSE = "Sell to Close"

    @classmethod
    def _missing_(cls, value: object) -> LegAction | None:
        wanted = str(value).strip().replace("_", " ").lower()
        return next((action for action in cls if action.value.lower() == wanted), None)

    @classmethod
    def parse(cls, text: str) -> LegAction:
        """Accept `Sell to Open`, `SELL_TO_OPEN` or `sell to open`."""
        try:
            return cls(text)
        except ValueError:
            raise SpreadError(
                f"leg action {text!r} is not one of {[a.value for a in cls]}"
            ) from None

    @property
    def is_buy(self) -> bool:
        """True for Buy to Open / Buy to Close."""
        return self in (LegAction.BUY_TO_OPEN, LegAction.BUY_TO_CLOSE)

    @property
    def is_opening(self) -> bool:
        """True for the two `to Open` actions."""
        return self in (LegAction.BUY_TO_OPEN, LegAction.SELL_TO_OPEN)

    @property
    def closing_counterpart(self) -> LegAction:
        """The action that closes what this one opened (Sell to Open -> Buy to Close)."""
        return {
            LegAction.BUY_TO_OPEN: LegAction.SELL_TO_CLOSE,
            LegAction.SELL_TO_OPEN: LegAction.BUY_TO_CLOSE,
            LegAction.BUY_TO_CLOSE: LegAction.SELL_TO_OPEN,
            LegAction.SELL_TO_CLOSE: LegAction.BUY_TO_OPEN,
        }[self]


class PriceEffect(StrEnum):
    """Whether the order's price is received (Credit) or paid (Debit), as tastytrade spells it."""

    CREDIT = "Credit"
    DEBIT = "Debit"

    @classmethod
    def _missing_(cls, value: object) -> PriceEffect | None:
        wanted = str(value).strip().lower()
        return next((effect for effect in cls if effect.value.lower() == wanted), None)


class PositionEffect(StrEnum):
    """Whether an order only opens, only closes, or does both (a roll)."""

    OPENING = "opening"
    CLOSING = "closing"
    MIXED = "mixed"


class Structure(StrEnum):
    """Named shapes the cockpit recognises from legs; anything else is `custom`."""

    BULL_PUT_CREDIT = "bull_put_credit"
    BEAR_CALL_CREDIT = "bear_call_credit"
    BULL_CALL_DEBIT = "bull_call_debit"
    BEAR_PUT_DEBIT = "bear_put_debit"
    IRON_CONDOR = "iron_condor"
    IRON_BUTTERFLY = "iron_butterfly"
    LONG_BUTTERFLY = "long_butterfly"
    BROKEN_WING_BUTTERFLY = "broken_wing_butterfly"
    SHORT_BUTTERFLY = "short_butterfly"
    LONG_CALL = "long_call"
    LONG_PUT = "long_put"
    SHORT_CALL = "short_call"
    SHORT_PUT = "short_put"
    RATIO_SPREAD = "ratio_spread"
    CALENDAR = "calendar"
    DIAGONAL = "diagonal"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        """A human name: `bull_put_credit` -> `Bull put credit`."""
        return self.value.replace("_", " ").capitalize()


def _decimal(value: Decimal | int | str, name: str) -> Decimal:
    if isinstance(value, float):
        raise SpreadError(f"{name} must be a Decimal, int or str, not the float {value!r}")
    try:
        result = Decimal(value)
    except ArithmeticError:
        raise SpreadError(f"{name} {value!r} is not a number") from None
    if not result.is_finite():
        raise SpreadError(f"{name} {value!r} is not a finite number")
    return result


class Leg(BaseModel):
    """One option leg of an order or position: contract, action and total contracts."""

    model_config = ConfigDict(frozen=True)

    symbol: OptionSymbol
    action: LegAction
    quantity: int = Field(gt=0)
    underlying: str = ""
    multiplier: int = Field(default=100, gt=0)
    price: Decimal | None = Field(default=None, ge=0)

    @field_validator("symbol", mode="before")
    @classmethod
    def _parse_symbol(cls, value: Any) -> Any:
        if isinstance(value, str):
            return parse_streamer(value) if value.startswith(".") else parse_occ(value)
        return value

    @field_validator("action", mode="before")
    @classmethod
    def _parse_action(cls, value: Any) -> Any:
        return LegAction.parse(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _default_underlying(self) -> Leg:
        if not self.underlying:
            # The model is frozen; this fills a derived default once, during validation.
            object.__setattr__(self, "underlying", underlying_for_root(self.symbol.root))
        return self

    @classmethod
    def from_occ(
        cls,
        occ: str,
        action: LegAction | str,
        quantity: int,
        *,
        underlying: str = "",
        multiplier: int = 100,
        price: Decimal | None = None,
    ) -> Leg:
        """Build a leg from an OCC or streamer symbol string."""
        return cls(
            symbol=occ,
            action=action,
            quantity=quantity,
            underlying=underlying,
            multiplier=multiplier,
            price=price,
        )

    @property
    def occ(self) -> str:
        """The padded 21-character OCC symbol."""
        return self.symbol.occ

    @property
    def option_type(self) -> OptionType:
        """Call or put."""
        return self.symbol.option_type

    @property
    def strike(self) -> Decimal:
        """Strike per share."""
        return self.symbol.strike

    @property
    def expiration(self) -> date:
        """Expiration date."""
        return self.symbol.expiration

    @property
    def sign(self) -> int:
        """+1 for a bought (long) leg, -1 for a sold (short) leg."""
        return 1 if self.action.is_buy else -1

    @property
    def signed_quantity(self) -> int:
        """Contracts, positive when bought and negative when sold."""
        return self.sign * self.quantity

    def intrinsic(self, underlying_price: Decimal) -> Decimal:
        """Intrinsic value per share at expiration: max(S - K, 0) or max(K - S, 0)."""
        if self.option_type is OptionType.CALL:
            return max(underlying_price - self.strike, ZERO)
        return max(self.strike - underlying_price, ZERO)

    def to_order_leg(self) -> dict[str, Any]:
        """The leg as tastytrade's order JSON expects it."""
        return {
            "instrument-type": EQUITY_OPTION,
            "symbol": self.occ,
            "quantity": self.quantity,
            "action": self.action.value,
        }

    def describe(self) -> str:
        """`Sell to Open 1 SPY 2025-01-17 450 P`."""
        return (
            f"{self.action.value} {self.quantity} {self.underlying} {self.expiration} "
            f"{self.strike.normalize():f} {self.option_type.value}"
        )


def merge_legs(legs: Iterable[Leg]) -> tuple[Leg, ...]:
    """Combine fills of the same symbol and action, pricing the result at the weighted average."""
    grouped: dict[tuple[str, LegAction], list[Leg]] = defaultdict(list)
    for leg in legs:
        grouped[(leg.occ, leg.action)].append(leg)
    merged = []
    for group in grouped.values():
        quantity = sum(leg.quantity for leg in group)
        priced = all(leg.price is not None for leg in group)
        price = (
            sum((leg.price * leg.quantity for leg in group), ZERO) / quantity  # type: ignore
            if priced
            else None
        )
        merged.append(group[0].model_copy(update={"quantity": quantity, "price": price}))
    return tuple(merged)


class ProofCode(StrEnum):
    """Why a leg set is not defined-risk."""

    MIXED_UNDERLYING = "MIXED_UNDERLYING"
    MIXED_DELIVERABLE = "MIXED_DELIVERABLE"
    MULTI_EXPIRATION = "MULTI_EXPIRATION"
    UNCOVERED_SHORT = "UNCOVERED_SHORT"
    UNBOUNDED_LOSS = "UNBOUNDED_LOSS"


class ProofFinding(BaseModel):
    """One reason a leg set fails the defined-risk proof."""

    model_config = ConfigDict(frozen=True)

    code: ProofCode
    sentence: str


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


class PayoffPoint(BaseModel):
    """Profit or loss in dollars at one underlying price at expiration."""

    model_config = ConfigDict(frozen=True)

    underlying_price: Decimal
    pl_usd: Decimal


class ExpirationProfile(BaseModel):
    """The exact, piecewise-linear expiration P/L of a single-expiration leg set (before fees).

    `points` holds S = 0 and every strike; above the highest strike the P/L moves by
    `right_slope_usd` per $1 of the underlying. Max loss = -min(points) unless the right slope is
    negative (unbounded, None); max profit = max(points) unless it is positive (None).
    """

    model_config = ConfigDict(frozen=True)

    points: tuple[PayoffPoint, ...]
    right_slope_usd: Decimal

    @property
    def max_loss_usd(self) -> Decimal | None:
        """The worst expiration loss as a positive number; None when it is unbounded."""
        if self.right_slope_usd < 0:
            return None
        return -min(point.pl_usd for point in self.points)

    @property
    def max_profit_usd(self) -> Decimal | None:
        """The best expiration profit; None when it is unbounded."""
        if self.right_slope_usd > 0:
            return None
        return max(point.pl_usd for point in self.points)

    def pl_at(self, underlying_price: Decimal) -> Decimal:
        """P/L at any price: linear between breakpoints, `right_slope_usd` above the last."""
        if underlying_price < 0:
            raise SpreadError(f"underlying price {underlying_price} is negative")
        points = self.points
        for left, right in zip(points, points[1:]):
            if underlying_price <= right.underlying_price:
                span = right.underlying_price - left.underlying_price
                step = (right.pl_usd - left.pl_usd) * (underlying_price - left.underlying_price)
                return left.pl_usd + step / span
        last = points[-1]
        return last.pl_usd + self.right_slope_usd * (underlying_price - last.underlying_price)

    @property
    def breakevens(self) -> tuple[Decimal, ...]:
        """Prices where the P/L crosses or touches zero, by exact linear interpolation.

        Where a whole segment sits at exactly zero both of its ends are listed.
        """
        found: list[Decimal] = []
        points = self.points
        for index, point in enumerate(points):
            if point.pl_usd == 0 and index > 0:
                found.append(point.underlying_price)
        for left, right in zip(points, points[1:]):
            if left.pl_usd * right.pl_usd < 0:
                span = right.underlying_price - left.underlying_price
                found.append(
                    left.underlying_price + span * (-left.pl_usd) / (right.pl_usd - left.pl_usd)
                )
        last = points[-1]
        if self.right_slope_usd != 0 and last.pl_usd * self.right_slope_usd < 0:
            found.append(last.underlying_price - last.pl_usd / self.right_slope_usd)
        return tuple(sorted(set(found)))


def expiration_profile(legs: Sequence[Leg], premium_usd: Decimal) -> ExpirationProfile:
    """PL(S) = premium_usd + sum(sign * contracts * multiplier * intrinsic(S)) at S = 0 and strikes.

    `premium_usd` is the whole order's signed premium in dollars (credit positive). The legs must
    share one expiration (a calendar has no single expiration payoff).
    """
    if not legs:
        raise SpreadError("a payoff needs at least one leg")
    if len({leg.expiration for leg in legs}) > 1:
        raise SpreadError("legs expire on different dates: no single expiration payoff exists")
    prices = sorted({ZERO, *(leg.strike for leg in legs)})

    def pl(price: Decimal) -> Decimal:
        legs_value = sum(
            (leg.signed_quantity * leg.multiplier * leg.intrinsic(price) for leg in legs), ZERO
        )
        return premium_usd + legs_value

    right_slope = Decimal(
        sum(
            leg.signed_quantity * leg.multiplier
            for leg in legs
            if leg.option_type is OptionType.CALL
        )
    )
    return ExpirationProfile(
        points=tuple(PayoffPoint(underlying_price=p, pl_usd=pl(p)) for p in prices),
        right_slope_usd=right_slope,
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
                f"expiration; worst case at expiration ${self.max_loss_usd}."
            )
        text = " ".join(finding.sentence for finding in self.findings)
        if self.max_loss_usd is not None:
            text += (
                f" Its worst case at expiration (${self.max_loss_usd}) is finite, but a finite "
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


def prove_defined_risk(legs: Sequence[Leg], premium_usd: Decimal = ZERO) -> DefinedRiskProof:
    """Prove (or refute) that a leg set's loss is bounded and covered, structurally and by payoff.

    `premium_usd` (the order's signed premium, credit positive) only sets the reported max loss.
    """
    findings: list[ProofFinding] = []
    if len({leg.underlying for leg in legs}) > 1:
        names = ", ".join(sorted({leg.underlying for leg in legs}))
        findings.append(
            ProofFinding(
                code=ProofCode.MIXED_UNDERLYING,
                sentence=f"The legs are on different underlyings ({names}); a spread has one.",
            )
        )
    if len({leg.multiplier for leg in legs}) > 1:
        findings.append(
            ProofFinding(
                code=ProofCode.MIXED_DELIVERABLE,
                sentence="The legs have different multipliers (an adjusted deliverable does not "
                "cover a standard one).",
            )
        )
    single_expiration = len({leg.expiration for leg in legs}) == 1
    if not single_expiration:
        findings.append(
            ProofFinding(
                code=ProofCode.MULTI_EXPIRATION,
                sentence="The legs expire on different dates (a calendar or diagonal); once the "
                "front leg expires the rest may be uncovered, so it is not defined-risk here.",
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
                )
            )
    right_slope = None
    max_loss = None
    if legs and single_expiration:
        profile = expiration_profile(legs, premium_usd)
        right_slope = profile.right_slope_usd
        max_loss = profile.max_loss_usd
        if right_slope < 0:
            findings.append(
                ProofFinding(
                    code=ProofCode.UNBOUNDED_LOSS,
                    sentence=f"Above the highest strike the position loses ${-right_slope} per "
                    "$1 rise of the underlying without limit.",
                )
            )
    return DefinedRiskProof(
        defined_risk=bool(legs) and not findings,
        findings=tuple(findings),
        coverage=coverage,
        right_slope_usd=right_slope,
        max_loss_usd=max_loss,
    )


def _signed_ratios(legs: Sequence[Leg]) -> list[tuple[OptionType, Decimal, int]]:
    unit = reduce(gcd, (leg.quantity for leg in legs))
    return sorted(
        (leg.option_type, leg.strike, leg.signed_quantity // unit) for leg in legs  # type: ignore
    )


def _recognize_two_expirations(legs: Sequence[Leg]) -> Structure:
    if (
        len(legs) == 2
        and legs[0].option_type is legs[1].option_type
        and legs[0].signed_quantity == -legs[1].signed_quantity
    ):
        return Structure.CALENDAR if legs[0].strike == legs[1].strike else Structure.DIAGONAL
    return Structure.CUSTOM


def _recognize_vertical(kind: OptionType, lower: int, upper: int) -> Structure:
    if (lower, upper) not in ((1, -1), (-1, 1)):
        return Structure.RATIO_SPREAD
    short_is_higher = upper == -1
    if kind is OptionType.PUT:
        return Structure.BULL_PUT_CREDIT if short_is_higher else Structure.BEAR_PUT_DEBIT
    return Structure.BEAR_CALL_CREDIT if not short_is_higher else Structure.BULL_CALL_DEBIT


def _recognize_three(ratios: list[tuple[OptionType, Decimal, int]]) -> Structure:
    (_, k1, n1), (_, k2, n2), (_, k3, n3) = ratios
    equal_wings = k2 - k1 == k3 - k2
    if (n1, n2, n3) == (1, -2, 1):
        return Structure.LONG_BUTTERFLY if equal_wings else Structure.BROKEN_WING_BUTTERFLY
    if (n1, n2, n3) == (-1, 2, -1) and equal_wings:
        return Structure.SHORT_BUTTERFLY
    return Structure.CUSTOM


def _recognize_four(ratios: list[tuple[OptionType, Decimal, int]]) -> Structure:
    calls = [(k, n) for kind, k, n in ratios if kind is OptionType.CALL]
    puts = [(k, n) for kind, k, n in ratios if kind is OptionType.PUT]
    if len(calls) != 2 or len(puts) != 2:
        return Structure.CUSTOM
    (k1, n1), (k2, n2) = puts
    (k3, n3), (k4, n4) = calls
    if (n1, n2, n3, n4) != (1, -1, -1, 1):
        return Structure.CUSTOM
    if k2 < k3:
        return Structure.IRON_CONDOR
    return Structure.IRON_BUTTERFLY if k2 == k3 else Structure.CUSTOM


def recognize_structure(legs: Sequence[Leg]) -> Structure:
    """Name the shape of arbitrary legs (bought = long, sold = short, ratios by their gcd)."""
    if not legs or len({leg.underlying for leg in legs}) > 1:
        return Structure.CUSTOM
    if len({leg.expiration for leg in legs}) > 1:
        return _recognize_two_expirations(legs)
    ratios = _signed_ratios(legs)
    kinds = {kind for kind, _, _ in ratios}
    if len(ratios) == 1:
        kind, _, ratio = ratios[0]
        if kind is OptionType.CALL:
            return Structure.LONG_CALL if ratio > 0 else Structure.SHORT_CALL
        return Structure.LONG_PUT if ratio > 0 else Structure.SHORT_PUT
    if len(ratios) == 2 and len(kinds) == 1:
        (kind, _, lower), (_, _, upper) = ratios
        return _recognize_vertical(kind, lower, upper)
    if len(ratios) == 3 and len(kinds) == 1:
        return _recognize_three(ratios)
    if len(ratios) == 4:
        return _recognize_four(ratios)
    return Structure.CUSTOM


class Spread(BaseModel):
    """One multi-leg order or open position on one underlying, with its price per unit.

    `price` is per share for one unit of the ratio (tastytrade's order price); `quantity` is the
    number of units (the gcd of the leg quantities). Dollar figures cover the whole order.
    """

    model_config = ConfigDict(frozen=True)

    legs: tuple[Leg, ...] = Field(min_length=1)
    price: Decimal = Field(ge=0)
    price_effect: PriceEffect

    @model_validator(mode="after")
    def _one_underlying_distinct_symbols(self) -> Spread:
        underlyings = {leg.underlying for leg in self.legs}
        if len(underlyings) > 1:
            raise SpreadError(
                f"legs span underlyings {sorted(underlyings)}: a spread has one underlying"
            )
        multipliers = {leg.multiplier for leg in self.legs}
        if len(multipliers) > 1:
            raise SpreadError(
                f"legs have multipliers {sorted(multipliers)}: a spread has one deliverable"
            )
        symbols = [leg.occ for leg in self.legs]
        repeated = sorted({s for s in symbols if symbols.count(s) > 1})
        if repeated:
            raise SpreadError(
                f"symbol {repeated[0]!r} appears in more than one leg: merge fills with "
                "merge_legs() first (tastytrade requires distinct leg symbols)"
            )
        return self

    @classmethod
    def from_legs(
        cls,
        legs: Iterable[Leg],
        price: Decimal | None = None,
        price_effect: PriceEffect | str | None = None,
    ) -> Spread:
        """Build a spread from legs; without `price`, derive it from every leg's own price."""
        legs = tuple(legs)
        if not legs:
            raise SpreadError("a spread needs at least one leg")
        if price is None:
            missing = [leg.describe() for leg in legs if leg.price is None]
            if missing:
                raise SpreadError(
                    f"no spread price given and leg '{missing[0]}' has no price to derive it from"
                )
            unit = reduce(gcd, (leg.quantity for leg in legs))
            net = sum((-leg.signed_quantity * leg.price for leg in legs), ZERO)  # type: ignore
            per_unit = net / unit
            derived_effect = PriceEffect.CREDIT if per_unit >= 0 else PriceEffect.DEBIT
            return cls(legs=legs, price=abs(per_unit), price_effect=derived_effect)
        if price_effect is None:
            raise SpreadError(f"price {price} given without a price effect (Credit or Debit)")
        return cls(legs=legs, price=_decimal(price, "price"), price_effect=price_effect)

    @property
    def quantity(self) -> int:
        """Number of spread units: the gcd of the leg quantities."""
        return reduce(gcd, (leg.quantity for leg in self.legs))

    @property
    def ratios(self) -> tuple[int, ...]:
        """Signed contracts per unit for each leg, in leg order (+1 long, -2 short...)."""
        unit = self.quantity
        return tuple(leg.signed_quantity // unit for leg in self.legs)

    @property
    def underlying(self) -> str:
        """The one underlying symbol."""
        return self.legs[0].underlying

    @property
    def family(self) -> str:
        """The underlying family (`S&P 500` for SPY/SPX/XSP), or the underlying itself."""
        return underlying_family(self.underlying)

    @property
    def multiplier(self) -> int:
        """Shares per contract (100 for standard equity options)."""
        return self.legs[0].multiplier

    @property
    def expirations(self) -> tuple[date, ...]:
        """Distinct expirations, earliest first."""
        return tuple(sorted({leg.expiration for leg in self.legs}))

    @property
    def expiration(self) -> date:
        """The earliest expiration (the only one for same-expiration spreads)."""
        return self.expirations[0]

    @property
    def net_premium_per_share(self) -> Decimal:
        """Signed premium per unit per share (C0): credit positive, debit negative."""
        return self.price if self.price_effect is PriceEffect.CREDIT else -self.price

    @property
    def premium_usd(self) -> Decimal:
        """Signed premium of the whole order in dollars: multiplier x quantity x C0."""
        return self.net_premium_per_share * self.multiplier * self.quantity

    @property
    def position_effect(self) -> PositionEffect:
        """Opening, closing, or mixed (a roll), from the leg actions."""
        opening = {leg.action.is_opening for leg in self.legs}
        if opening == {True}:
            return PositionEffect.OPENING
        return PositionEffect.CLOSING if opening == {False} else PositionEffect.MIXED

    @cached_property
    def structure(self) -> Structure:
        """The recognised shape (see `recognize_structure`)."""
        return recognize_structure(self.legs)

    @cached_property
    def proof(self) -> DefinedRiskProof:
        """The defined-risk proof with its evidence."""
        return prove_defined_risk(self.legs, self.premium_usd)

    @property
    def is_defined_risk(self) -> bool:
        """True when `proof` holds: covered structurally and bounded by the payoff."""
        return self.proof.defined_risk

    @cached_property
    def profile(self) -> ExpirationProfile | None:
        """The expiration payoff; None when the legs have more than one expiration."""
        if len(self.expirations) > 1:
            return None
        return expiration_profile(self.legs, self.premium_usd)

    @property
    def max_loss_usd(self) -> Decimal | None:
        """Worst loss at expiration before fees (1R); None if unbounded or multi-expiration.

        Zero or negative means the price is at or beyond the width: a data anomaly to refuse.
        """
        return None if self.profile is None else self.profile.max_loss_usd

    @property
    def max_profit_usd(self) -> Decimal | None:
        """Best profit at expiration before fees; None if unbounded or multi-expiration."""
        return None if self.profile is None else self.profile.max_profit_usd

    @property
    def breakevens(self) -> tuple[Decimal, ...]:
        """Expiration breakevens before fees (as tastytrade publishes them)."""
        return () if self.profile is None else self.profile.breakevens

    @property
    def requirement_usd(self) -> Decimal | None:
        """Margin requirement before premium: the worst intrinsic-value loss (CBOE universal
        spread rule); None when unbounded or multi-expiration."""
        if self.profile is None:
            return None
        intrinsic_only = expiration_profile(self.legs, ZERO).max_loss_usd
        return None if intrinsic_only is None else max(intrinsic_only, ZERO)

    def buying_power_usd(self, fees_open_usd: Decimal = ZERO) -> Decimal | None:
        """tastytrade's buying-power effect: requirement - premium + opening fees.

        For every same-expiration defined-risk structure this equals max loss + opening fees
        (uneven iron condors: wider wing minus the full credit). None when not defined-risk.
        The broker's dry-run stays the authority.
        """
        requirement = self.requirement_usd
        if not self.is_defined_risk or requirement is None:
            return None
        return requirement - self.premium_usd + fees_open_usd

    @property
    def risk_width(self) -> Decimal | None:
        """Per-share width at risk of one credit unit: max loss per unit per share + the credit.

        A credit vertical's strike width; an iron condor's wider wing. Used by the credit/width
        filter; None for debit spreads and for unbounded or multi-expiration legs.
        """
        if self.max_loss_usd is None or self.price_effect is PriceEffect.DEBIT:
            return None
        per_unit_share = self.max_loss_usd / (self.multiplier * self.quantity)
        return per_unit_share + self.net_premium_per_share

    def payoff_curve(
        self,
        fees_usd: Decimal = ZERO,
        lower: Decimal | None = None,
        upper: Decimal | None = None,
    ) -> tuple[PayoffPoint, ...]:
        """Points for the expiration P/L chart, net of `fees_usd`, from `lower` to `upper`.

        Defaults span half the lowest strike to 1.5 x the highest; strikes and breakevens inside
        the range are included so the line is exact between points.
        """
        if self.profile is None:
            raise SpreadError("a multi-expiration spread has no expiration payoff to chart")
        strikes = sorted({leg.strike for leg in self.legs})
        low = strikes[0] / 2 if lower is None else lower
        high = strikes[-1] * Decimal("1.5") if upper is None else upper
        if low < 0 or high <= low:
            raise SpreadError(f"chart range {low}..{high} must be increasing and not negative")
        xs = sorted({low, high, *(x for x in (*strikes, *self.breakevens) if low < x < high)})
        return tuple(
            PayoffPoint(underlying_price=x, pl_usd=self.profile.pl_at(x) - fees_usd) for x in xs
        )

    def to_order_legs(self) -> list[dict[str, Any]]:
        """Legs in tastytrade's order JSON shape (`instrument-type`, `symbol`, `quantity`,
        `action`); the order's `price` and `price-effect` are `price` and `price_effect`."""
        return [leg.to_order_leg() for leg in self.legs]

    def with_quantity(self, quantity: int) -> Spread:
        """The same spread scaled to `quantity` units."""
        if quantity <= 0:
            raise SpreadError(f"quantity {quantity} must be a positive number of spreads")
        legs = tuple(
            leg.model_copy(update={"quantity": abs(ratio) * quantity})
            for leg, ratio in zip(self.legs, self.ratios)
        )
        # A new instance, never model_copy: that would carry the cached payoff of the old legs.
        return Spread(legs=legs, price=self.price, price_effect=self.price_effect)

    def with_price(self, price: Decimal, price_effect: PriceEffect | str) -> Spread:
        """The same legs at another price per unit."""
        return Spread(legs=self.legs, price=price, price_effect=price_effect)

    def closing_legs(self) -> tuple[Leg, ...]:
        """The legs of the order that would close this opened spread (prices dropped)."""
        return tuple(
            leg.model_copy(update={"action": leg.action.closing_counterpart, "price": None})
            for leg in self.legs
        )


def from_legs(
    legs: Iterable[Leg],
    price: Decimal | None = None,
    price_effect: PriceEffect | str | None = None,
) -> Spread:
    """Build a `Spread` from legs (see `Spread.from_legs`)."""
    return Spread.from_legs(legs, price, price_effect)


def underlying_family(symbol: str) -> str:
    """The family an underlying counts in (`SPX` -> `S&P 500`); otherwise the symbol itself."""
    upper = symbol.upper()
    for family, members in UNDERLYING_FAMILIES.items():
        if upper in members:
            return family
    return upper


def _leg(
    underlying: str,
    expiration: date,
    kind: OptionType,
    strike: Decimal | int | str,
    action: LegAction,
    quantity: int,
    root: str | None,
    multiplier: int,
) -> Leg:
    if quantity <= 0:
        raise SpreadError(f"quantity {quantity} must be a positive number of spreads")
    symbol = OptionSymbol(
        root=root or underlying,
        expiration=expiration,
        option_type=kind,
        strike=_decimal(strike, "strike"),
    )
    return Leg(
        symbol=symbol,
        action=action,
        quantity=quantity,
        underlying=underlying,
        multiplier=multiplier,
    )


def _require_order(strikes: Sequence[Decimal | int | str], message: str) -> None:
    values = [_decimal(s, "strike") for s in strikes]
    if any(a >= b for a, b in zip(values, values[1:])):
        raise SpreadError(f"{message} (got {', '.join(str(v) for v in values)})")


def _build(
    underlying: str,
    expiration: date,
    specs: Sequence[tuple[OptionType, Decimal | int | str, LegAction, int]],
    price: Decimal | int | str,
    effect: PriceEffect,
    quantity: int,
    root: str | None,
    multiplier: int,
) -> Spread:
    legs = tuple(
        _leg(underlying, expiration, kind, strike, action, ratio * quantity, root, multiplier)
        for kind, strike, action, ratio in specs
    )
    return Spread(legs=legs, price=_decimal(price, "price"), price_effect=effect)


def bull_put_credit(
    underlying: str,
    expiration: date,
    short_strike: Decimal | int | str,
    long_strike: Decimal | int | str,
    credit: Decimal | int | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """Sell the higher put, buy the lower put, for a credit."""
    _require_order([long_strike, short_strike], "a bull put needs long strike < short strike")
    specs = [
        (OptionType.PUT, short_strike, LegAction.SELL_TO_OPEN, 1),
        (OptionType.PUT, long_strike, LegAction.BUY_TO_OPEN, 1),
    ]
    return _build(
        underlying, expiration, specs, credit, PriceEffect.CREDIT, quantity, root, multiplier
    )


def bear_call_credit(
    underlying: str,
    expiration: date,
    short_strike: Decimal | int | str,
    long_strike: Decimal | int | str,
    credit: Decimal | int | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """Sell the lower call, buy the higher call, for a credit."""
    _require_order([short_strike, long_strike], "a bear call needs short strike < long strike")
    specs = [
        (OptionType.CALL, short_strike, LegAction.SELL_TO_OPEN, 1),
        (OptionType.CALL, long_strike, LegAction.BUY_TO_OPEN, 1),
    ]
    return _build(
        underlying, expiration, specs, credit, PriceEffect.CREDIT, quantity, root, multiplier
    )


def bull_call_debit(
    underlying: str,
    expiration: date,
    long_strike: Decimal | int | str,
    short_strike: Decimal | int | str,
    debit: Decimal | int | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """Buy the lower call, sell the higher call, for a debit."""
    _require_order([long_strike, short_strike], "a bull call needs long strike < short strike")
    specs = [
        (OptionType.CALL, long_strike, LegAction.BUY_TO_OPEN, 1),
        (OptionType.CALL, short_strike, LegAction.SELL_TO_OPEN, 1),
    ]
    return _build(
        underlying, expiration, specs, debit, PriceEffect.DEBIT, quantity, root, multiplier
    )


def bear_put_debit(
    underlying: str,
    expiration: date,
    long_strike: Decimal | int | str,
    short_strike: Decimal | int | str,
    debit: Decimal | int | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """Buy the higher put, sell the lower put, for a debit."""
    _require_order([short_strike, long_strike], "a bear put needs short strike < long strike")
    specs = [
        (OptionType.PUT, long_strike, LegAction.BUY_TO_OPEN, 1),
        (OptionType.PUT, short_strike, LegAction.SELL_TO_OPEN, 1),
    ]
    return _build(
        underlying, expiration, specs, debit, PriceEffect.DEBIT, quantity, root, multiplier
    )


def iron_condor(
    underlying: str,
    expiration: date,
    long_put: Decimal | int | str,
    short_put: Decimal | int | str,
    short_call: Decimal | int | str,
    long_call: Decimal | int | str,
    credit: Decimal | int | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """+P long_put, -P short_put, -C short_call, +C long_call (strikes increasing) for a credit.

    Wings may be uneven; the risk is then the wider wing minus the full credit.
    """
    _require_order(
        [long_put, short_put, short_call, long_call],
        "an iron condor needs long put < short put < short call < long call",
    )
    specs = [
        (OptionType.PUT, long_put, LegAction.BUY_TO_OPEN, 1),
        (OptionType.PUT, short_put, LegAction.SELL_TO_OPEN, 1),
        (OptionType.CALL, short_call, LegAction.SELL_TO_OPEN, 1),
        (OptionType.CALL, long_call, LegAction.BUY_TO_OPEN, 1),
    ]
    return _build(
        underlying, expiration, specs, credit, PriceEffect.CREDIT, quantity, root, multiplier
    )


def iron_butterfly(
    underlying: str,
    expiration: date,
    long_put: Decimal | int | str,
    center: Decimal | int | str,
    long_call: Decimal | int | str,
    credit: Decimal | int | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """An iron condor whose short put and short call share the `center` strike."""
    _require_order(
        [long_put, center, long_call], "an iron butterfly needs long put < center < long call"
    )
    specs = [
        (OptionType.PUT, long_put, LegAction.BUY_TO_OPEN, 1),
        (OptionType.PUT, center, LegAction.SELL_TO_OPEN, 1),
        (OptionType.CALL, center, LegAction.SELL_TO_OPEN, 1),
        (OptionType.CALL, long_call, LegAction.BUY_TO_OPEN, 1),
    ]
    return _build(
        underlying, expiration, specs, credit, PriceEffect.CREDIT, quantity, root, multiplier
    )


def _butterfly(
    underlying: str,
    expiration: date,
    option_type: OptionType | str,
    strikes: tuple[Decimal | int | str, Decimal | int | str, Decimal | int | str],
    price: Decimal | int | str,
    effect: PriceEffect,
    quantity: int,
    root: str | None,
    multiplier: int,
) -> Spread:
    lower, middle, upper = strikes
    kind = OptionType(option_type)
    specs = [
        (kind, lower, LegAction.BUY_TO_OPEN, 1),
        (kind, middle, LegAction.SELL_TO_OPEN, 2),
        (kind, upper, LegAction.BUY_TO_OPEN, 1),
    ]
    return _build(underlying, expiration, specs, price, effect, quantity, root, multiplier)


def long_butterfly(
    underlying: str,
    expiration: date,
    option_type: OptionType | str,
    lower: Decimal | int | str,
    middle: Decimal | int | str,
    upper: Decimal | int | str,
    debit: Decimal | int | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """+1 lower, -2 middle, +1 upper of one option type, equal wings, for a debit."""
    _require_order([lower, middle, upper], "a butterfly needs lower < middle < upper")
    if _decimal(middle, "strike") * 2 != _decimal(lower, "strike") + _decimal(upper, "strike"):
        raise SpreadError(
            f"a long butterfly needs equal wings (got {lower}/{middle}/{upper}); "
            "use broken_wing_butterfly()"
        )
    return _butterfly(
        underlying,
        expiration,
        option_type,
        (lower, middle, upper),
        debit,
        PriceEffect.DEBIT,
        quantity,
        root,
        multiplier,
    )


def broken_wing_butterfly(
    underlying: str,
    expiration: date,
    option_type: OptionType | str,
    lower: Decimal | int | str,
    middle: Decimal | int | str,
    upper: Decimal | int | str,
    price: Decimal | int | str,
    price_effect: PriceEffect | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """+1 lower, -2 middle, +1 upper with unequal wings, for a credit or a debit."""
    _require_order([lower, middle, upper], "a butterfly needs lower < middle < upper")
    return _butterfly(
        underlying,
        expiration,
        option_type,
        (lower, middle, upper),
        price,
        PriceEffect(price_effect),
        quantity,
        root,
        multiplier,
    )
