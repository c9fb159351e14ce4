"""What a pre-trade check reads and returns: the context of one order, and a typed result.

Every check is `check(intent, ctx) -> CheckResult`: a `Reason` over `ReasonCode` that also says
whether it passed. The context holds the settings, the moment judged, the caps in force and the
account state, with the figures several checks share (fees, fee-aware max loss) computed once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from utils.core.money import exact_usd
from utils.broker.order_intent import OpenPosition, OrderIntent, Quote, RecentOrder
from utils.core.config import Settings
from utils.core.reasons import Reason
from utils.core.sessions import session_of, to_utc
from utils.judge.ramp import TradeLimits
from utils.judge.risk import RiskRule, UnderlyingRiskLimit
from utils.records.alerts import HaltState
from utils.spreads.fees import OrderFees
from utils.spreads.legs import PositionEffect
from utils.spreads.symbols import parse_occ, parse_streamer


class ReasonCode(StrEnum):
    """Named reasons a pre-trade check passes or refuses an order."""

    NOT_DEFINED_RISK = "NOT_DEFINED_RISK"
    MIXED_OPEN_AND_CLOSE = "MIXED_OPEN_AND_CLOSE"
    CLOSE_WITHOUT_POSITION = "CLOSE_WITHOUT_POSITION"
    PRICE_ANOMALY = "PRICE_ANOMALY"
    HALTED = "HALTED"
    EXCEEDS_LADDER_CAP = "EXCEEDS_LADDER_CAP"
    TOO_MANY_CONCURRENT = "TOO_MANY_CONCURRENT"
    SYMBOL_RISK_OVER_20PCT = "SYMBOL_RISK_OVER_20PCT"
    DUPLICATE_ORDER = "DUPLICATE_ORDER"
    RATE_LIMITED = "RATE_LIMITED"
    DTE_OUTSIDE_WINDOW = "DTE_OUTSIDE_WINDOW"
    CREDIT_BELOW_MIN_PCT_OF_WIDTH = "CREDIT_BELOW_MIN_PCT_OF_WIDTH"
    BID_ASK_TOO_WIDE = "BID_ASK_TOO_WIDE"
    QUOTE_MISSING = "QUOTE_MISSING"
    REVENGE_GUARD = "REVENGE_GUARD"

    @property
    def risk_rule(self) -> RiskRule | None:
        """The shared risk rule this check applies (`utils.judge.risk`), if any."""
        return RISK_RULE_OF_CODE.get(self)


RISK_RULE_OF_CODE: dict[ReasonCode, RiskRule] = {
    ReasonCode.NOT_DEFINED_RISK: RiskRule.DEFINED_RISK,
    ReasonCode.HALTED: RiskRule.HALT,
    ReasonCode.EXCEEDS_LADDER_CAP: RiskRule.LADDER,
    ReasonCode.TOO_MANY_CONCURRENT: RiskRule.CONCURRENCY,
    ReasonCode.SYMBOL_RISK_OVER_20PCT: RiskRule.UNDERLYING_RISK,
    ReasonCode.REVENGE_GUARD: RiskRule.REVENGE,
}


class CheckResult(Reason[ReasonCode]):
    """One check's outcome: its code, whether it passed, a sentence and the evidence."""

    passed: bool


class PretradeContext(BaseModel):
    """Everything the checks read besides the intent, with the derived figures computed once."""

    model_config = ConfigDict(frozen=True)

    settings: Settings
    now: datetime
    limits: TradeLimits
    open_positions: tuple[OpenPosition, ...]
    working_orders: tuple[OpenPosition, ...] = ()
    halt: HaltState | None
    recent_orders: tuple[RecentOrder, ...]
    last_loss_at: datetime | None
    net_liquidating_value_usd: Decimal | None
    quotes: dict[str, Quote]
    fees: OrderFees
    max_loss_with_fees_usd: Decimal | None

    @field_validator("now", "last_loss_at")
    @classmethod
    def _utc(cls, moment: datetime | None) -> datetime | None:
        return None if moment is None else to_utc(moment)

    @field_validator("quotes", mode="before")
    @classmethod
    def _occ_keys(cls, quotes: Mapping[str, Any]) -> dict[str, Any]:
        return {_normalized_symbol(symbol): quote for symbol, quote in quotes.items()}

    @property
    def underlying_risk(self) -> UnderlyingRiskLimit:
        """The per-underlying limit on min(net liquidating value, risk budget)."""
        return UnderlyingRiskLimit.from_settings(self.settings, self.net_liquidating_value_usd)

    @property
    def session_day(self) -> date:
        """Today's New York trading session."""
        return session_of(self.now)


def _normalized_symbol(symbol: str) -> str:
    return (parse_streamer(symbol) if symbol.startswith(".") else parse_occ(symbol)).occ


def usd_text(amount: Decimal | None) -> str:
    """Dollars with cents, or every digit when cents would hide a difference."""
    return "unbounded" if amount is None else exact_usd(amount)


def checked(code: ReasonCode, passed: bool, sentence: str, **evidence: object) -> CheckResult:
    """A check's result, its evidence as text."""
    return CheckResult(
        code=code,
        passed=passed,
        sentence=sentence,
        evidence={key: str(value) for key, value in evidence.items()},
    )


def opening_only(code: ReasonCode, intent: OrderIntent) -> CheckResult | None:
    """A pass that says the check is not applied to an order that opens nothing (None when
    it opens)."""
    if intent.position_effect is PositionEffect.OPENING:
        return None
    sentence = (
        "Not applied: the order opens nothing."
        if intent.position_effect is PositionEffect.CLOSING
        else "Not applied: a mixed order is refused as a whole (MIXED_OPEN_AND_CLOSE)."
    )
    return checked(code, True, sentence, position_effect=intent.position_effect.value)
