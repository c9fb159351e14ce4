"""Each risk rule, defined once: the guard refuses an order by it, the discipline score charges a
trade that broke it, and the cards show it.

Rule (pre-trade check code / discipline rule id): holds when

- DEFINED_RISK (NOT_DEFINED_RISK / NOT_DEFINED_RISK): the legs prove a defined-risk spread
  (`utils.spreads.spread.Spread.proof`; a price at or beyond the width is no spread either).
- HALT (HALTED / OPENED_DURING_HALT): no entry while a HIGH alert's halt covers the moment
  (`utils.records.alerts.halt_covers`); closing orders still pass.
- LADDER (EXCEEDS_LADDER_CAP / OVER_LADDER_SIZE): units and max loss within the caps.
- CONCURRENCY (TOO_MANY_CONCURRENT / TOO_MANY_CONCURRENT): spreads open + the new one <= cap.
- UNDERLYING_RISK (SYMBOL_RISK_OVER_20PCT / UNDERLYING_RISK_OVER_LIMIT): the family's open max
  loss, the new spread included, <= SYMBOL_RISK_MAX_PCT (20) % of the risk capital.
- REVENGE (REVENGE_GUARD / REVENGE_ENTRY): entry - last losing close >= REVENGE_GUARD_MINUTES.

Exactly at a limit is within it; one step past it breaks the rule. Risk capital is the lower of
net liquidating value and the configured risk budget (the budget alone when net liq is unknown).
An order refused by any of these rules but REVENGE raises a HIGH alert (`REFUSAL_ALERTS`), and
each such alert costs discipline points.

The open-risk figures live here too: what is open at a moment or at each entry, per family.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from heapq import heappop, heappush

import pandas as pd
from pydantic import BaseModel, ConfigDict

from utils.core.money import from_cents, round_to_cent
from utils.core.config import Settings
from utils.core.sessions import to_utc
from utils.journal.trade import Trade
from utils.judge.history import judging_frame_of, open_by
from utils.records.alerts import AlertRule
from utils.spreads.families import underlying_family

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)


class RiskRule(StrEnum):
    """The risk rules the guard enforces before an order and the discipline score after it."""

    DEFINED_RISK = "DEFINED_RISK"
    HALT = "HALT"
    LADDER = "LADDER"
    CONCURRENCY = "CONCURRENCY"
    UNDERLYING_RISK = "UNDERLYING_RISK"
    REVENGE = "REVENGE"


# The HIGH alert an order refused by each rule raises (a revenge refusal raises none).
REFUSAL_ALERTS: dict[RiskRule, AlertRule] = {
    RiskRule.DEFINED_RISK: AlertRule.NOT_DEFINED_RISK,
    RiskRule.HALT: AlertRule.ENTRY_DURING_HALT,
    RiskRule.LADDER: AlertRule.OVER_LADDER_CAP,
    RiskRule.CONCURRENCY: AlertRule.OVER_CONCURRENCY,
    RiskRule.UNDERLYING_RISK: AlertRule.OVER_SYMBOL_RISK,
}
RISKY_REFUSAL_ALERTS: frozenset[AlertRule] = frozenset(REFUSAL_ALERTS.values())


def risk_capital_usd(
    risk_budget_usd: Decimal, net_liquidating_value_usd: Decimal | None
) -> Decimal:
    """min(net liquidating value, risk budget); the budget alone when net liq is unknown."""
    if net_liquidating_value_usd is None:
        return risk_budget_usd
    return min(net_liquidating_value_usd, risk_budget_usd)


@dataclass(frozen=True)
class LadderLimit:
    """At most `max_units` spread units and `max_loss_usd` max loss per trade (an unknown, i.e.
    unbounded, max loss is over)."""

    max_units: int
    max_loss_usd: Decimal

    def units_over(self, units: int) -> bool:
        """More units than the cap."""
        return units > self.max_units

    def loss_over(self, max_loss_usd: Decimal | None) -> bool:
        """A max loss above the cap, or none known."""
        return max_loss_usd is None or max_loss_usd > self.max_loss_usd

    def allows(self, units: int, max_loss_usd: Decimal | None) -> bool:
        """Both within the caps."""
        return not (self.units_over(units) or self.loss_over(max_loss_usd))


@dataclass(frozen=True)
class ConcurrencyLimit:
    """At most `max_open` spreads open at once: the ones already open + the new one."""

    max_open: int

    def allows(self, open_before: int) -> bool:
        """open_before + 1 <= max_open."""
        return open_before + 1 <= self.max_open


@dataclass(frozen=True)
class UnderlyingRiskLimit:
    """Open max loss on one underlying family, a new spread included, at most `max_pct` % of the
    risk capital (and nothing at all without a positive capital)."""

    risk_capital_usd: Decimal
    max_pct: Decimal

    @classmethod
    def from_settings(
        cls, settings: Settings, net_liquidating_value_usd: Decimal | None = None
    ) -> UnderlyingRiskLimit:
        """SYMBOL_RISK_MAX_PCT of min(net liquidating value, RISK_BUDGET_USD)."""
        capital = risk_capital_usd(settings.risk_budget_usd, net_liquidating_value_usd)
        return cls(risk_capital_usd=capital, max_pct=settings.symbol_risk_max_pct)

    @cached_property
    def limit_usd(self) -> Decimal:
        """risk capital x max_pct / 100."""
        return self.risk_capital_usd * self.max_pct / HUNDRED

    def allows(self, open_risk_usd: Decimal) -> bool:
        """0 < capital and open risk (new spread included) <= the limit."""
        return self.risk_capital_usd > 0 and open_risk_usd <= self.limit_usd

    def pct_of_capital(self, open_risk_usd: Decimal) -> Decimal | None:
        """open risk / risk capital x 100 (None without a positive capital)."""
        if self.risk_capital_usd <= 0:
            return None
        return open_risk_usd / self.risk_capital_usd * HUNDRED


@dataclass(frozen=True)
class RevengeGuard:
    """No new entry within `minutes` of the last losing close: entry - last loss >= the guard."""

    minutes: int

    @cached_property
    def window(self) -> timedelta:
        """The guard as a duration."""
        return timedelta(minutes=self.minutes)

    def allows(self, entry_at: datetime, last_loss_at: datetime | None) -> bool:
        """No losing close yet, or the entry at least `minutes` after the last one."""
        return last_loss_at is None or entry_at - last_loss_at >= self.window


# ----------------------------------------------------------------------------- open risk


class UnderlyingRisk(BaseModel):
    """Open max loss on one underlying family against its share of the risk capital."""

    model_config = ConfigDict(frozen=True)

    family: str
    open_risk_usd: Decimal
    limit_usd: Decimal
    pct_of_capital: Decimal
    within_limit: bool
    trade_ids: tuple[int, ...]


def open_at(trade: Trade, moment: datetime) -> bool:
    """True when the trade is open at `moment` (opened at or before it, closed after it)."""
    when = to_utc(moment)
    return trade.opened_at <= when and (trade.closed_at is None or trade.closed_at > when)


def open_risk_by_family(trades: Iterable[Trade], moment: datetime) -> dict[str, Decimal]:
    """Max loss (1R) of the trades open at `moment`, summed per underlying family."""
    totals: dict[str, Decimal] = {}
    for trade in trades:
        if open_at(trade, moment):
            family = underlying_family(trade.underlying)
            totals[family] = totals.get(family, ZERO) + trade.max_loss_usd
    return dict(sorted(totals.items()))


def open_risk_by_underlying(
    trades: pd.DataFrame | Sequence[Trade],
    *,
    settings: Settings,
    now: datetime,
    net_liquidating_value_usd: Decimal | None = None,
) -> list[UnderlyingRisk]:
    """Per underlying family: open max loss (1R) now against the underlying-risk limit, summed
    exactly in cents over the judging frame (or journal models, judged through their frame)."""
    limit = UnderlyingRiskLimit.from_settings(settings, net_liquidating_value_usd)
    rows = []
    by_family = open_by(judging_frame_of(trades), now).groupby("family", sort=True)
    for family, group in by_family:
        total = from_cents(int(group["max_loss_cents"].sum()))
        share = limit.pct_of_capital(total)
        rows.append(
            UnderlyingRisk(
                family=str(family),
                open_risk_usd=total,
                limit_usd=round_to_cent(limit.limit_usd),
                pct_of_capital=ZERO if share is None else share.quantize(CENT),
                within_limit=limit.allows(total),
                trade_ids=tuple(sorted(int(i) for i in group["id"])),
            )
        )
    return rows


def open_at_each_entry(ordered: Sequence[Trade]) -> tuple[tuple[Trade, ...], ...]:
    """For each trade (in opening order), the earlier trades still open when it opened.

    A sweep: the open trades are kept in opening order and a heap of close times drops each one
    at the first entry at or after its close (entries come in time order).
    """
    active: dict[int, Trade] = {}
    closes: list[tuple[datetime, int]] = []
    result = []
    for index, trade in enumerate(ordered):
        while closes and closes[0][0] <= trade.opened_at:
            del active[heappop(closes)[1]]
        result.append(tuple(active.values()))
        active[index] = trade
        if trade.closed_at is not None:
            heappush(closes, (trade.closed_at, index))
    return tuple(result)


def family_risk_at_each_entry(
    ordered: Sequence[Trade], families: Sequence[str]
) -> tuple[Decimal, ...]:
    """For each trade (in opening order), the summed max loss of the earlier trades still open
    at its entry on the same underlying family (`families[i]` is trade i's)."""
    totals: dict[str, Decimal] = {}
    closes: list[tuple[datetime, int]] = []
    result = []
    for index, trade in enumerate(ordered):
        while closes and closes[0][0] <= trade.opened_at:
            closed = heappop(closes)[1]
            totals[families[closed]] -= ordered[closed].max_loss_usd
        family = families[index]
        before = totals.get(family, ZERO)
        result.append(before)
        totals[family] = before + trade.max_loss_usd
        if trade.closed_at is not None:
            heappush(closes, (trade.closed_at, index))
    return tuple(result)
