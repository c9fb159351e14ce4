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

Rules (research options_math.md section 11; thresholds from `utils.core.config.Settings`):

- NOT_DEFINED_RISK: an opening order must pass `Spread.proof`; a closing order must not leave
  more uncovered shorts than before (closing the long leg of a credit spread is refused).
- MIXED_OPEN_AND_CLOSE: a roll is sent as two orders (close, then open) so each is checked.
- CLOSE_WITHOUT_POSITION: every closing leg must match an open leg of `open_positions`.
- PRICE_ANOMALY: a credit at or beyond the width (max loss <= 0) or a debit at or beyond it
  (max profit <= 0) is a stale or crossed quote, never a free trade.
- HALTED: no opening order while a halt is in force; closing orders that reduce risk pass.
- EXCEEDS_LADDER_CAP: units <= the rung's contracts and fee-aware max loss <= its max loss.
- TOO_MANY_CONCURRENT: open spreads + 1 <= the cap (2 in the observation window and week 1).
- SYMBOL_RISK_OVER_20PCT: open max loss on the order's underlying family, after the order, at
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
`.active` and `.until` (and optionally `.reason`). A halt is in force while `active`
is true and `until` is None or still in the future.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from utils.core.config import Settings
from utils.records.alerts import HaltState
from utils.judge.ladder import RampStage, TradeLimits, limits_for
from utils.core.sessions import session_of, to_utc
from utils.spreads.fees import FeeSchedule, OrderFees, fee_aware_max_loss_usd, order_fees
from utils.spreads.families import underlying_family
from utils.spreads.legs import Leg, PositionEffect, PriceEffect
from utils.spreads.spread import Spread
from utils.spreads.symbols import OptionType, parse_occ, parse_streamer
from utils.core.money import exact_usd

DUPLICATE_WINDOW_S = 60
RATE_WINDOW = timedelta(seconds=60)
ZERO = Decimal(0)
HUNDRED = Decimal(100)


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


class Quote(BaseModel):
    """A leg's current bid and ask per share."""

    model_config = ConfigDict(frozen=True)

    bid: Decimal = Field(ge=0)
    ask: Decimal = Field(ge=0)

    @model_validator(mode="after")
    def _not_crossed(self) -> Quote:
        if self.ask < self.bid:
            raise ValueError(f"quote is crossed: ask {self.ask} is below bid {self.bid}")
        return self

    @property
    def width(self) -> Decimal:
        """Ask minus bid."""
        return self.ask - self.bid


class OpenPosition(BaseModel):
    """One open spread: its underlying, its max loss (1R, ideally fee-aware) and its legs.

    The legs are needed only to verify closing orders against what is really open.
    """

    model_config = ConfigDict(frozen=True)

    position_id: str
    underlying: str
    max_loss_usd: Decimal = Field(ge=0)
    legs: tuple[Leg, ...] = ()

    @classmethod
    def from_spread(
        cls, position_id: str, spread: Spread, max_loss_usd: Decimal | None = None
    ) -> OpenPosition:
        """An open position from the spread that opened it (max loss defaults to the spread's)."""
        risk = spread.max_loss_usd if max_loss_usd is None else max_loss_usd
        if risk is None:
            raise ValueError(f"position {position_id} has no finite max loss: pass max_loss_usd")
        return cls(
            position_id=position_id,
            underlying=spread.underlying,
            max_loss_usd=risk,
            legs=spread.legs,
        )

    @property
    def family(self) -> str:
        """The underlying family it counts in."""
        return underlying_family(self.underlying)


class RecentOrder(BaseModel):
    """An order already sent (or attempted): for the duplicate and rate-limit checks."""

    model_config = ConfigDict(frozen=True)

    client_order_id: str
    submitted_at: datetime
    fingerprint: str = ""


class OrderIntent(BaseModel):
    """What the trader wants to send: the spread (legs, quantity, limit price and effect) and a
    client order id; optionally the broker dry-run's `data` object, whose fees are preferred."""

    model_config = ConfigDict(frozen=True)

    spread: Spread
    client_order_id: str = Field(min_length=1)
    dry_run: dict[str, Any] | None = None

    @property
    def quantity(self) -> int:
        """Spread units."""
        return self.spread.quantity

    @property
    def limit_price(self) -> Decimal:
        """Limit price per share per unit."""
        return self.spread.price

    @property
    def position_effect(self) -> PositionEffect:
        """Opening, closing or mixed, from the leg actions."""
        return self.spread.position_effect

    @property
    def fingerprint(self) -> str:
        """The order's content (legs, price, effect), independent of the client order id."""
        legs = sorted(f"{leg.action.value} {leg.quantity} {leg.occ}" for leg in self.spread.legs)
        return f"{' | '.join(legs)} @ {self.spread.price.normalize():f} {self.spread.price_effect}"

    def recorded(self, submitted_at: datetime) -> RecentOrder:
        """This intent as a `RecentOrder`, for the next order's checks."""
        return RecentOrder(
            client_order_id=self.client_order_id,
            submitted_at=submitted_at,
            fingerprint=self.fingerprint,
        )


class CheckResult(BaseModel):
    """One check's outcome: its code, whether it passed, a sentence and the evidence."""

    model_config = ConfigDict(frozen=True)

    code: ReasonCode
    passed: bool
    sentence: str
    evidence: dict[str, str] = Field(default_factory=dict)


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
    def sentence(self) -> str:
        """A summary a trader can read."""
        if self.allowed:
            return f"Allowed: all {len(self.checks)} pre-trade checks passed."
        return "Refused: " + " ".join(check.sentence for check in self.denials)


class PretradeContext(BaseModel):
    """Everything the checks read besides the intent, with the derived figures computed once."""

    model_config = ConfigDict(frozen=True)

    settings: Settings
    now: datetime
    limits: TradeLimits
    open_positions: tuple[OpenPosition, ...]
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
    def risk_capital_usd(self) -> Decimal:
        """min(net liquidating value, risk budget); the budget alone when net liq is unknown."""
        budget = self.settings.risk_budget_usd
        if self.net_liquidating_value_usd is None:
            return budget
        return min(self.net_liquidating_value_usd, budget)

    @property
    def session_day(self) -> date:
        """Today's New York trading session."""
        return session_of(self.now)


def _normalized_symbol(symbol: str) -> str:
    return (parse_streamer(symbol) if symbol.startswith(".") else parse_occ(symbol)).occ


def _money(amount: Decimal | None) -> str:
    """Dollars with cents, or every digit when cents would hide a difference."""
    return "unbounded" if amount is None else exact_usd(amount)


def _result(code: ReasonCode, passed: bool, sentence: str, **evidence: object) -> CheckResult:
    return CheckResult(
        code=code,
        passed=passed,
        sentence=sentence,
        evidence={key: str(value) for key, value in evidence.items()},
    )


def _opening_only(code: ReasonCode, intent: OrderIntent) -> CheckResult | None:
    if intent.position_effect is PositionEffect.OPENING:
        return None
    sentence = (
        "Not applied: the order opens nothing."
        if intent.position_effect is PositionEffect.CLOSING
        else "Not applied: a mixed order is refused as a whole (MIXED_OPEN_AND_CLOSE)."
    )
    return _result(code, True, sentence, position_effect=intent.position_effect.value)


def check_not_mixed(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """Refuse orders that both close and open legs (rolls): send them as two orders."""
    mixed = intent.position_effect is PositionEffect.MIXED
    sentence = (
        "The order both closes and opens legs (a roll); send the close and the new position as "
        "two orders so each is checked on its own."
        if mixed
        else "The order only opens or only closes."
    )
    return _result(
        ReasonCode.MIXED_OPEN_AND_CLOSE,
        not mixed,
        sentence,
        actions=", ".join(leg.action.value for leg in intent.spread.legs),
    )


def _open_book(positions: Sequence[OpenPosition]) -> tuple[dict[str, int], dict[str, Leg]]:
    book: dict[str, int] = defaultdict(int)
    legs: dict[str, Leg] = {}
    for position in positions:
        for leg in position.legs:
            book[leg.occ] += leg.signed_quantity
            legs[leg.occ] = leg
    return book, legs


def _unmatched_closing_legs(intent: OrderIntent, ctx: PretradeContext) -> list[str]:
    book, _ = _open_book(ctx.open_positions)
    unmatched = []
    for leg in intent.spread.legs:
        held = book.get(leg.occ, 0)
        closes_short = leg.action.is_buy and held <= -leg.quantity
        closes_long = not leg.action.is_buy and held >= leg.quantity
        if not (closes_short or closes_long):
            unmatched.append(f"{leg.describe()} (open: {held:+d})")
    return unmatched


def check_close_matches_position(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """A closing order must close legs that are open, in at most the open quantity."""
    if intent.position_effect is not PositionEffect.CLOSING:
        return _result(ReasonCode.CLOSE_WITHOUT_POSITION, True, "Not applied: not a closing order.")
    unmatched = _unmatched_closing_legs(intent, ctx)
    if unmatched:
        return _result(
            ReasonCode.CLOSE_WITHOUT_POSITION,
            False,
            f"Closing leg(s) without a matching open position: {'; '.join(unmatched)}.",
            open_positions=len(ctx.open_positions),
        )
    return _result(
        ReasonCode.CLOSE_WITHOUT_POSITION,
        True,
        "Every closing leg matches an open leg.",
        open_positions=len(ctx.open_positions),
    )


def _uncovered_shorts(book: Mapping[str, int], legs: Mapping[str, Leg]) -> dict[str, int]:
    longs: dict[str, int] = defaultdict(int)
    shorts: dict[str, int] = defaultdict(int)
    for occ, held in book.items():
        leg = legs[occ]
        kind = "calls" if leg.option_type is OptionType.CALL else "puts"
        group = f"{leg.underlying} {leg.expiration} {kind} (x{leg.multiplier})"
        if held > 0:
            longs[group] += held
        else:
            shorts[group] += -held
    return {group: shorts[group] - longs[group] for group in shorts if shorts[group] > longs[group]}


def _closing_adds_uncovered(intent: OrderIntent, ctx: PretradeContext) -> dict[str, str]:
    book, legs = _open_book(ctx.open_positions)
    before = _uncovered_shorts(book, legs)
    after_book = dict(book)
    for leg in intent.spread.legs:
        after_book[leg.occ] = after_book.get(leg.occ, 0) + leg.signed_quantity
        legs.setdefault(leg.occ, leg)
    after = _uncovered_shorts(after_book, legs)
    return {
        group: f"{before.get(group, 0)} -> {count}"
        for group, count in after.items()
        if count > before.get(group, 0)
    }


def check_defined_risk(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """Opening: the spread must be proven defined-risk. Closing: it must not uncover a short."""
    code = ReasonCode.NOT_DEFINED_RISK
    if intent.position_effect is PositionEffect.CLOSING:
        worse = _closing_adds_uncovered(intent, ctx)
        if worse:
            groups = "; ".join(
                f"{group}: uncovered shorts {change}" for group, change in worse.items()
            )
            return _result(
                code,
                False,
                f"Closing these legs would leave short options uncovered ({groups}); close the "
                "short leg first or the whole spread.",
                **worse,
            )
        return _result(code, True, "The close leaves no short uncovered.")
    proof = intent.spread.proof
    return _result(
        code,
        proof.defined_risk,
        proof.sentence,
        structure=intent.spread.structure.value,
        findings=", ".join(proof.codes) or "none",
        coverage="; ".join(group.describe() for group in proof.coverage),
    )


def check_price_sane(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """A credit at or beyond the width, or a debit at or beyond it, is a data anomaly."""
    skipped = _opening_only(ReasonCode.PRICE_ANOMALY, intent)
    if skipped is not None:
        return skipped
    spread = intent.spread
    max_loss, max_profit = spread.max_loss_usd, spread.max_profit_usd
    if max_loss is not None and max_loss <= 0:
        sentence = (
            f"The {spread.price_effect.value.lower()} of {spread.price} leaves a max loss of "
            f"${max_loss}: the price is at or beyond the width, a stale or crossed quote."
        )
        passed = False
    elif max_profit is not None and max_profit <= 0:
        sentence = (
            f"The debit of {spread.price} leaves a max profit of ${max_profit}: the order "
            "cannot make money at expiration."
        )
        passed = False
    else:
        sentence = "The price leaves both a possible loss and a possible profit."
        passed = True
    return _result(
        ReasonCode.PRICE_ANOMALY,
        passed,
        sentence,
        max_loss_usd=_money(max_loss),
        max_profit_usd=_money(max_profit),
    )


def check_halt(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """No opening order while a halt is in force; closing orders that reduce risk pass."""
    halt = ctx.halt
    in_force = halt is not None and halt.in_force(ctx.now)
    evidence: dict[str, object] = {"halt_active": in_force}
    if halt is not None and in_force:
        evidence |= {
            "until": halt.until.isoformat() if halt.until else "none",
            "reason": halt.reason,
        }
    if not in_force:
        return _result(ReasonCode.HALTED, True, "No halt is in force.", **evidence)
    until = f" until {halt.until.isoformat()}" if halt and halt.until else ""
    if intent.position_effect is PositionEffect.CLOSING:
        return _result(
            ReasonCode.HALTED,
            True,
            f"Entries are halted{until}, but closing orders that reduce risk still pass.",
            **evidence,
        )
    reason = f" ({halt.reason})" if halt and halt.reason else ""
    return _result(
        ReasonCode.HALTED,
        False,
        f"New entries are halted{until}{reason}; only closing orders are accepted.",
        **evidence,
    )


def check_ladder_cap(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """Units <= the rung's contracts, and fee-aware max loss <= the rung's max loss."""
    skipped = _opening_only(ReasonCode.EXCEEDS_LADDER_CAP, intent)
    if skipped is not None:
        return skipped
    limits, risk = ctx.limits, ctx.max_loss_with_fees_usd
    too_many = intent.quantity > limits.max_contracts
    too_risky = risk is None or risk > limits.max_loss_usd
    problems = []
    if too_many:
        problems.append(f"{intent.quantity} units is above the cap of {limits.max_contracts}")
    if too_risky:
        problems.append(
            f"max loss with fees ${_money(risk)} is above the cap of ${limits.max_loss_usd}"
        )
    sentence = (
        f"Ladder level {limits.effective_level}: {' and '.join(problems)}."
        if problems
        else f"Within ladder level {limits.effective_level}: {intent.quantity} unit(s), max loss "
        f"with fees ${_money(risk)} of ${limits.max_loss_usd}."
    )
    return _result(
        ReasonCode.EXCEEDS_LADDER_CAP,
        not problems,
        sentence,
        units=intent.quantity,
        max_units=limits.max_contracts,
        max_loss_with_fees_usd=_money(risk),
        max_loss_cap_usd=limits.max_loss_usd,
        level=limits.effective_level,
        ramp_stage=limits.ramp_stage.value,
    )


def check_concurrency(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """Open spreads + this one <= the concurrent-spread cap."""
    skipped = _opening_only(ReasonCode.TOO_MANY_CONCURRENT, intent)
    if skipped is not None:
        return skipped
    open_now, cap = len(ctx.open_positions), ctx.limits.max_concurrent_spreads
    passed = open_now + 1 <= cap
    sentence = (
        f"{open_now} spread(s) open; this one makes {open_now + 1} of at most {cap}."
        if passed
        else f"{open_now} spread(s) already open: at most {cap} may be open at once "
        f"({ctx.limits.ramp_stage.value.replace('_', ' ')}); close one first."
    )
    return _result(ReasonCode.TOO_MANY_CONCURRENT, passed, sentence, open_spreads=open_now, cap=cap)


def check_symbol_risk(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """Open max loss on the order's underlying family, after the order, <= pct x risk capital."""
    skipped = _opening_only(ReasonCode.SYMBOL_RISK_OVER_20PCT, intent)
    if skipped is not None:
        return skipped
    family = intent.spread.family
    open_risk = sum(
        (position.max_loss_usd for position in ctx.open_positions if position.family == family),
        ZERO,
    )
    order_risk = ctx.max_loss_with_fees_usd
    capital = ctx.risk_capital_usd
    pct = ctx.settings.symbol_risk_max_pct
    limit = capital * pct / HUNDRED
    basis = (
        "risk budget (net liquidating value unknown)"
        if ctx.net_liquidating_value_usd is None
        else "lower of net liquidating value and risk budget"
    )
    evidence = {
        "family": family,
        "open_family_risk_usd": _money(open_risk),
        "order_risk_usd": _money(order_risk),
        "risk_capital_usd": _money(capital),
        "risk_capital_basis": basis,
        "limit_pct": pct,
        "limit_usd": _money(limit),
    }
    if order_risk is None:
        return _result(
            ReasonCode.SYMBOL_RISK_OVER_20PCT,
            False,
            f"The order's max loss on {family} is unbounded, above any share of capital.",
            **evidence,
        )
    total = open_risk + order_risk
    share = total / capital * HUNDRED if capital > 0 else None
    evidence["after_order_usd"] = _money(total)
    evidence["after_order_pct"] = "n/a" if share is None else f"{share:.2f}"
    passed = capital > 0 and total <= limit
    shown = "n/a" if share is None else f"{share:.2f} %"
    sentence = (
        f"Open risk on {family} after the order is ${_money(total)} ({shown} of the "
        f"${_money(capital)} risk capital, the {basis}); the limit is {pct} % "
        f"(${_money(limit)})."
    )
    return _result(ReasonCode.SYMBOL_RISK_OVER_20PCT, passed, sentence, **evidence)


def check_duplicate(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """Refuse a reused client order id, or identical content within DUPLICATE_WINDOW_S."""
    for order in ctx.recent_orders:
        if order.client_order_id == intent.client_order_id:
            return _result(
                ReasonCode.DUPLICATE_ORDER,
                False,
                f"Client order id {intent.client_order_id} was already used at "
                f"{to_utc(order.submitted_at).isoformat()}.",
                client_order_id=intent.client_order_id,
            )
    window = timedelta(seconds=DUPLICATE_WINDOW_S)
    for order in ctx.recent_orders:
        age = ctx.now - to_utc(order.submitted_at)
        if order.fingerprint == intent.fingerprint and age < window:
            return _result(
                ReasonCode.DUPLICATE_ORDER,
                False,
                f"The same order ({intent.fingerprint}) was sent {age.total_seconds():.0f} s ago "
                f"as {order.client_order_id}; wait {DUPLICATE_WINDOW_S} s or change it.",
                previous_client_order_id=order.client_order_id,
            )
    return _result(
        ReasonCode.DUPLICATE_ORDER,
        True,
        "Not a repeat of a recent order.",
        client_order_id=intent.client_order_id,
    )


def check_rate_limit(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """At most `orders_per_minute` orders in the 60 s ending now, this one included."""
    start = ctx.now - RATE_WINDOW
    in_window = sum(1 for order in ctx.recent_orders if to_utc(order.submitted_at) > start)
    cap = ctx.settings.orders_per_minute
    passed = in_window + 1 <= cap
    sentence = (
        f"{in_window} order(s) in the last minute; this one makes {in_window + 1} of {cap}."
        if passed
        else f"{in_window} orders in the last minute already: at most {cap} per minute."
    )
    return _result(ReasonCode.RATE_LIMITED, passed, sentence, orders_last_minute=in_window, cap=cap)


def check_dte_window(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """Entries only between entry_dte_min and entry_dte_max calendar days to expiration."""
    skipped = _opening_only(ReasonCode.DTE_OUTSIDE_WINDOW, intent)
    if skipped is not None:
        return skipped
    dte = (intent.spread.expiration - ctx.session_day).days
    low, high = ctx.settings.entry_dte_min, ctx.settings.entry_dte_max
    passed = low <= dte <= high
    sentence = (
        f"{dte} days to expiration, inside the {low}-{high} day entry window."
        if passed
        else f"{dte} days to expiration is outside the {low}-{high} day entry window "
        "(tastytrade's practice: enter around 45 DTE)."
    )
    return _result(
        ReasonCode.DTE_OUTSIDE_WINDOW,
        passed,
        sentence,
        dte=dte,
        expiration=intent.spread.expiration,
        min=low,
        max=high,
    )


def check_min_credit(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """A credit entry must collect at least min_credit_pct_of_width % of the width at risk."""
    skipped = _opening_only(ReasonCode.CREDIT_BELOW_MIN_PCT_OF_WIDTH, intent)
    if skipped is not None:
        return skipped
    spread = intent.spread
    width = spread.risk_width
    if spread.price_effect is PriceEffect.DEBIT or width is None or width <= 0:
        return _result(
            ReasonCode.CREDIT_BELOW_MIN_PCT_OF_WIDTH,
            True,
            "Not applied: only credit entries with a finite width are measured.",
            price_effect=spread.price_effect.value,
        )
    pct = spread.price / width * HUNDRED
    floor = ctx.settings.min_credit_pct_of_width
    passed = pct >= floor
    sentence = (
        f"Credit {spread.price} is {pct:.2f} % of the {width} width (minimum {floor} %)."
        if passed
        else f"Credit {spread.price} is only {pct:.2f} % of the {width} width; the minimum is "
        f"{floor} % (tastytrade aims for about a third)."
    )
    return _result(
        ReasonCode.CREDIT_BELOW_MIN_PCT_OF_WIDTH,
        passed,
        sentence,
        credit=spread.price,
        width=width,
        credit_pct=f"{pct:.2f}",
        min_pct=floor,
    )


def check_bid_ask_width(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """Every leg of an entry needs a quote whose ask - bid is at most max_bid_ask_width_usd."""
    skipped = _opening_only(ReasonCode.BID_ASK_TOO_WIDE, intent)
    if skipped is not None:
        return skipped
    cap = ctx.settings.max_bid_ask_width_usd
    missing = [leg.occ for leg in intent.spread.legs if leg.occ not in ctx.quotes]
    if missing:
        return _result(
            ReasonCode.QUOTE_MISSING,
            False,
            f"No bid/ask quote for {', '.join(missing)}: liquidity cannot be checked.",
            missing=", ".join(missing),
        )
    widths = {leg.occ: ctx.quotes[leg.occ].width for leg in intent.spread.legs}
    too_wide = {occ: width for occ, width in widths.items() if width > cap}
    sentence = (
        "Too wide a market: "
        + ", ".join(f"{occ} {width}" for occ, width in too_wide.items())
        + f" (maximum ask - bid {cap})."
        if too_wide
        else f"Every leg's ask - bid is at most {cap} (widest {max(widths.values())})."
    )
    return _result(
        ReasonCode.BID_ASK_TOO_WIDE,
        not too_wide,
        sentence,
        max_width_usd=cap,
        **{occ.replace(" ", "_"): width for occ, width in widths.items()},
    )


def check_revenge_guard(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """No new entry within revenge_guard_minutes of the last losing close."""
    skipped = _opening_only(ReasonCode.REVENGE_GUARD, intent)
    if skipped is not None:
        return skipped
    minutes = ctx.settings.revenge_guard_minutes
    if ctx.last_loss_at is None:
        return _result(ReasonCode.REVENGE_GUARD, True, "No recent loss.", guard_minutes=minutes)
    since = ctx.now - ctx.last_loss_at
    passed = since >= timedelta(minutes=minutes)
    sentence = (
        f"The last loss was {since.total_seconds() / 60:.1f} minutes ago (guard {minutes} min)."
        if passed
        else f"The last loss was only {since.total_seconds() / 60:.1f} minutes ago: no new entry "
        f"within {minutes} minutes of a loss (revenge-trade guard)."
    )
    return _result(
        ReasonCode.REVENGE_GUARD,
        passed,
        sentence,
        last_loss_at=ctx.last_loss_at.isoformat(),
        guard_minutes=minutes,
    )


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
    `.until`; `quotes` are keyed by OCC (or streamer) symbol.
    """
    fees = order_fees(intent.spread, fee_schedule or FeeSchedule(), intent.dry_run)
    context = PretradeContext(
        settings=settings,
        now=now,
        limits=limits_for(settings, ladder_level, ramp_stage),
        open_positions=tuple(open_positions),
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
