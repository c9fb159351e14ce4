"""Pre-trade checks: a pure function of (order intent, open positions, limits, halt, time) that
returns a frozen `PretradeDecision` with named reason codes, sentences and evidence.

    decision = run_pretrade_checks(
        intent, settings=settings, now=now, ladder_level=1, ramp_stage=RampStage.LIVE_WEEK_1,
        open_positions=positions, halt=halt, recent_orders=recent, last_loss_at=last_loss,
        net_liquidating_value_usd=net_liq, quotes=quotes, fee_schedule=FeeSchedule(),
    )
    if not decision.allowed: show(decision.sentence)

Every check is a small named function in `PRETRADE_CHECKS`; all of them run, so the trader sees
every reason at once. Risk figures use the fee-aware max loss: max loss + this order's fees + the
estimated fees to close it (the dry-run's fee breakdown when the intent carries one).

The checks that apply the judge's risk rules (`utils.judge.risk`: the same definitions the
discipline score charges) are `pretrade_risk_checks`; the checks on the order and its market are
`pretrade_order_checks`; what a check reads and returns is `pretrade_context`; the intent and the
account state are `order_intent`. A refusal by a risk rule raises the HIGH alert of
`PretradeDecision.refusal_alerts`.

Rules (research options_math.md section 11; thresholds from `utils.core.config.Settings`):

- NOT_DEFINED_RISK: an opening order must pass `Spread.proof`; a closing order must not leave
  more uncovered shorts than before (closing the long leg of a credit spread is refused).
- MIXED_OPEN_AND_CLOSE: a roll is sent as two orders (close, then open) so each is checked.
- CLOSE_WITHOUT_POSITION: every closing leg must match an open leg of `open_positions`.
- PRICE_ANOMALY: a credit at or beyond the width (max loss <= 0) or a debit at or beyond it
  (max profit <= 0) is a stale or crossed quote, never a free trade.
- HALTED: no opening order while a halt is in force; closing orders that reduce risk pass.
- EXCEEDS_LADDER_CAP: units <= the rung's contracts and fee-aware max loss <= its max loss.
- TOO_MANY_CONCURRENT: open spreads + working opening orders + 1 <= the cap (2 in the
  observation window and week 1). An opening order sent and not yet filled, cancelled or
  rejected (or whose outcome is unknown) counts as open: `utils.broker.working`.
- SYMBOL_RISK_OVER_20PCT: open max loss (working opening orders included) on the order's
  underlying family, after the order, at
  most `symbol_risk_max_pct` % of the risk capital = min(net liquidating value, risk budget).
  The denominator is capital, not total open risk: with at most 2 spreads one underlying always
  holds half the open risk. Families (SPY/SPX/XSP, QQQ/NDX/XND, IWM/RUT, DIA/DJX) count as one
  underlying: see `utils.spreads.families.UNDERLYING_FAMILIES`.
- DUPLICATE_ORDER: a client order id already used, or the same legs, price and effect within
  `DUPLICATE_WINDOW_S` seconds (a double click with a fresh id).
- RATE_LIMITED: at most `orders_per_minute` orders in any 60 s window, this one included.
- Entry filters (opening orders only): DTE_OUTSIDE_WINDOW (entry_dte_min..entry_dte_max days,
  inclusive, counted from today's New York session); CREDIT_BELOW_MIN_PCT_OF_WIDTH (credit /
  width at risk >= min_credit_pct_of_width; debit orders are exempt); BID_ASK_TOO_WIDE (every
  leg's ask - bid <= max_bid_ask_width_usd) and QUOTE_MISSING (a leg without a quote);
  REVENGE_GUARD (no new entry within revenge_guard_minutes of the last losing close).

Exactly at a limit passes; one step past it fails.

Halt state: `utils.records.alerts.HaltState(active, until, reason)`, or any object with
`.active` and `.until` (and optionally `.reason`, `.started_at`). A halt is in force while
`active` is true and it covers the moment (`utils.records.alerts.halt_covers`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from utils.broker.order_intent import OpenPosition, OrderIntent, Quote, RecentOrder
from utils.broker.pretrade_context import CheckResult, PretradeContext, ReasonCode
from utils.broker.pretrade_order_checks import (
    check_bid_ask_width,
    check_dte_window,
    check_duplicate,
    check_min_credit,
    check_not_mixed,
    check_price_sane,
    check_rate_limit,
)
from utils.broker.pretrade_risk_checks import (
    check_close_matches_position,
    check_concurrency,
    check_defined_risk,
    check_halt,
    check_ladder_cap,
    check_revenge_guard,
    check_symbol_risk,
)
from utils.core.config import Settings
from utils.judge.ramp import RampStage, limits_for
from utils.judge.risk import REFUSAL_ALERTS
from utils.records.alerts import AlertRule, HaltState
from utils.spreads.fees import FeeSchedule, fee_aware_max_loss_usd, order_fees
from utils.spreads.legs import PositionEffect


class PretradeDecision(BaseModel):
    """Allow or deny, with every check's result; `denials` are the reasons for a refusal."""

    model_config = ConfigDict(frozen=True)

    allowed: bool
    client_order_id: str
    position_effect: PositionEffect
    evaluated_at: datetime
    checks: tuple[CheckResult, ...]

    @property
    def denials(self) -> tuple[CheckResult, ...]:
        """The checks that failed."""
        return tuple(check for check in self.checks if not check.passed)

    @property
    def codes(self) -> tuple[ReasonCode, ...]:
        """Reason codes of the failed checks, in check order."""
        return tuple(check.code for check in self.denials)

    @property
    def refusal_alerts(self) -> tuple[AlertRule, ...]:
        """The HIGH alerts this refusal raises: one per risk rule it broke, in check order (a
        revenge refusal raises none)."""
        rules = (code.risk_rule for code in self.codes)
        return tuple(dict.fromkeys(REFUSAL_ALERTS[r] for r in rules if r in REFUSAL_ALERTS))

    @property
    def sentence(self) -> str:
        """A summary a trader can read."""
        if self.allowed:
            return f"Allowed: all {len(self.checks)} pre-trade checks passed."
        return "Refused: " + " ".join(check.sentence for check in self.denials)


PretradeCheck = Callable[[OrderIntent, PretradeContext], CheckResult]

PRETRADE_CHECKS: tuple[PretradeCheck, ...] = (
    check_not_mixed,
    check_defined_risk,
    check_close_matches_position,
    check_price_sane,
    check_halt,
    check_ladder_cap,
    check_concurrency,
    check_symbol_risk,
    check_duplicate,
    check_rate_limit,
    check_dte_window,
    check_min_credit,
    check_bid_ask_width,
    check_revenge_guard,
)


def run_pretrade_checks(
    intent: OrderIntent,
    *,
    settings: Settings,
    now: datetime,
    ladder_level: int,
    ramp_stage: RampStage,
    open_positions: Sequence[OpenPosition] = (),
    working_orders: Sequence[OpenPosition] = (),
    halt: Any = None,
    recent_orders: Sequence[RecentOrder] = (),
    last_loss_at: datetime | None = None,
    net_liquidating_value_usd: Decimal | None = None,
    quotes: Mapping[str, Quote] | None = None,
    fee_schedule: FeeSchedule | None = None,
    checks: Sequence[PretradeCheck] = PRETRADE_CHECKS,
) -> PretradeDecision:
    """Run every pre-trade check on `intent` and return the decision (all checks, all reasons).

    `now` must be timezone-aware; `halt` is a `HaltState` or any object with `.active` and
    `.until`; `quotes` are keyed by OCC (or streamer) symbol; `working_orders` are opening orders
    sent but not yet filled, cancelled or rejected (they count as open spreads).
    """
    fees = order_fees(intent.spread, fee_schedule or FeeSchedule(), intent.dry_run)
    context = PretradeContext(
        settings=settings,
        now=now,
        limits=limits_for(settings, ladder_level, ramp_stage),
        open_positions=tuple(open_positions),
        working_orders=tuple(working_orders),
        halt=None if halt is None else HaltState.model_validate(halt, from_attributes=True),
        recent_orders=tuple(recent_orders),
        last_loss_at=last_loss_at,
        net_liquidating_value_usd=net_liquidating_value_usd,
        quotes=dict(quotes or {}),
        fees=fees,
        max_loss_with_fees_usd=fee_aware_max_loss_usd(intent.spread, fees),
    )
    results = tuple(check(intent, context) for check in checks)
    return PretradeDecision(
        allowed=all(result.passed for result in results),
        client_order_id=intent.client_order_id,
        position_effect=intent.position_effect,
        evaluated_at=context.now,
        checks=results,
    )
