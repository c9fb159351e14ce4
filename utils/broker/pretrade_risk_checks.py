"""The pre-trade checks that apply the judge's risk rules to one order (`utils.judge.risk`):
defined risk (and closes that would uncover a short), closes against open positions, the halt,
the ladder cap, concurrency, open risk per underlying and the revenge guard.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal

from utils.core.display import duration
from utils.broker.order_intent import OpenPosition, OrderIntent
from utils.broker.pretrade_context import (
    CheckResult,
    PretradeContext,
    ReasonCode,
    checked,
    opening_only,
    usd_text,
)
from utils.judge.risk import RevengeGuard
from utils.spreads.legs import Leg, PositionEffect
from utils.spreads.symbols import OptionType

ZERO = Decimal(0)


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
        return checked(ReasonCode.CLOSE_WITHOUT_POSITION, True, "Not applied: not a closing order.")
    unmatched = _unmatched_closing_legs(intent, ctx)
    if unmatched:
        return checked(
            ReasonCode.CLOSE_WITHOUT_POSITION,
            False,
            f"Closing leg(s) without a matching open position: {'; '.join(unmatched)}.",
            open_positions=len(ctx.open_positions),
        )
    return checked(
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
            return checked(
                code,
                False,
                f"Closing these legs would leave short options uncovered ({groups}); close the "
                "short leg first or the whole spread.",
                **worse,
            )
        return checked(code, True, "The close leaves no short uncovered.")
    proof = intent.spread.proof
    return checked(
        code,
        proof.defined_risk,
        proof.sentence,
        structure=intent.spread.structure.value,
        findings=", ".join(proof.codes) or "none",
        coverage="; ".join(group.describe() for group in proof.coverage),
    )


def halt_cause(halt: object) -> str:
    """The halt's cause as `HaltState.cause` names it; a halt from elsewhere gives its reason."""
    return str(getattr(halt, "cause", None) or getattr(halt, "reason", "") or "")


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
        return checked(ReasonCode.HALTED, True, "No halt is in force.", **evidence)
    until = f" until {halt.until.isoformat()}" if halt and halt.until else ""
    if intent.position_effect is PositionEffect.CLOSING:
        return checked(
            ReasonCode.HALTED,
            True,
            f"Entries are halted{until}, but closing orders that reduce risk still pass.",
            **evidence,
        )
    cause = halt_cause(halt)
    reason = f" ({cause})" if cause else ""
    return checked(
        ReasonCode.HALTED,
        False,
        f"New entries are halted{until}{reason}; only closing orders are accepted.",
        **evidence,
    )


def check_ladder_cap(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """Units <= the rung's contracts, and fee-aware max loss <= the rung's max loss."""
    skipped = opening_only(ReasonCode.EXCEEDS_LADDER_CAP, intent)
    if skipped is not None:
        return skipped
    limits, risk = ctx.limits, ctx.max_loss_with_fees_usd
    problems = []
    if limits.ladder.units_over(intent.quantity):
        problems.append(f"{intent.quantity} units is above the cap of {limits.max_contracts}")
    if limits.ladder.loss_over(risk):
        problems.append(
            f"max loss with fees ${usd_text(risk)} is above the cap of ${limits.max_loss_usd}"
        )
    sentence = (
        f"Ladder level {limits.effective_level}: {' and '.join(problems)}."
        if problems
        else f"Within ladder level {limits.effective_level}: {intent.quantity} unit(s), max loss "
        f"with fees ${usd_text(risk)} of ${limits.max_loss_usd}."
    )
    return checked(
        ReasonCode.EXCEEDS_LADDER_CAP,
        not problems,
        sentence,
        units=intent.quantity,
        max_units=limits.max_contracts,
        max_loss_with_fees_usd=usd_text(risk),
        max_loss_cap_usd=limits.max_loss_usd,
        level=limits.effective_level,
        ramp_stage=limits.ramp_stage.value,
    )


def _working_text(working: int) -> str:
    return f" and {working} opening order(s) working" if working else ""


def check_concurrency(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """Open spreads + working opening orders + this one <= the concurrent-spread cap."""
    skipped = opening_only(ReasonCode.TOO_MANY_CONCURRENT, intent)
    if skipped is not None:
        return skipped
    open_now, working = len(ctx.open_positions), len(ctx.working_orders)
    counted, cap = open_now + working, ctx.limits.max_concurrent_spreads
    passed = ctx.limits.concurrency.allows(counted)
    pending = _working_text(working)
    sentence = (
        f"{open_now} spread(s) open{pending}; this one makes {counted + 1} of at most {cap}."
        if passed
        else f"{open_now} spread(s) already open{pending}: at most {cap} may be open at once "
        f"({ctx.limits.ramp_stage.value.replace('_', ' ')}); close one first"
        + (", or cancel a working order." if working else ".")
    )
    evidence: dict[str, object] = {"open_spreads": open_now, "cap": cap}
    if working:
        evidence["working_orders"] = working
    return checked(ReasonCode.TOO_MANY_CONCURRENT, passed, sentence, **evidence)


def check_symbol_risk(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """Open max loss on the order's underlying family (working opening orders included), after
    the order, <= pct x risk capital."""
    skipped = opening_only(ReasonCode.SYMBOL_RISK_OVER_20PCT, intent)
    if skipped is not None:
        return skipped
    family = intent.spread.family
    open_risk = sum(
        (
            position.max_loss_usd
            for position in ctx.open_positions + ctx.working_orders
            if position.family == family
        ),
        ZERO,
    )
    order_risk = ctx.max_loss_with_fees_usd
    rule = ctx.underlying_risk
    capital, pct, limit = rule.risk_capital_usd, rule.max_pct, rule.limit_usd
    basis = (
        "risk budget (net liquidating value unknown)"
        if ctx.net_liquidating_value_usd is None
        else "lower of net liquidating value and risk budget"
    )
    evidence = {
        "family": family,
        "open_family_risk_usd": usd_text(open_risk),
        "working_orders": sum(1 for order in ctx.working_orders if order.family == family),
        "order_risk_usd": usd_text(order_risk),
        "risk_capital_usd": usd_text(capital),
        "risk_capital_basis": basis,
        "limit_pct": pct,
        "limit_usd": usd_text(limit),
    }
    if order_risk is None:
        return checked(
            ReasonCode.SYMBOL_RISK_OVER_20PCT,
            False,
            f"The order's max loss on {family} is unbounded, above any share of capital.",
            **evidence,
        )
    total = open_risk + order_risk
    share = rule.pct_of_capital(total)
    evidence["after_order_usd"] = usd_text(total)
    evidence["after_order_pct"] = "n/a" if share is None else f"{share:.2f}"
    passed = rule.allows(total)
    shown = "n/a" if share is None else f"{share:.2f} %"
    sentence = (
        f"Open risk on {family} after the order is ${usd_text(total)} ({shown} of the "
        f"${usd_text(capital)} risk capital, the {basis}); the limit is {pct} % "
        f"(${usd_text(limit)})."
    )
    return checked(ReasonCode.SYMBOL_RISK_OVER_20PCT, passed, sentence, **evidence)


def check_revenge_guard(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """No new entry within revenge_guard_minutes of the last losing close."""
    skipped = opening_only(ReasonCode.REVENGE_GUARD, intent)
    if skipped is not None:
        return skipped
    guard = RevengeGuard(ctx.settings.revenge_guard_minutes)
    minutes = guard.minutes
    if ctx.last_loss_at is None:
        return checked(ReasonCode.REVENGE_GUARD, True, "No recent loss.", guard_minutes=minutes)
    since = ctx.now - ctx.last_loss_at
    passed = guard.allows(ctx.now, ctx.last_loss_at)
    sentence = (
        f"The last loss was {duration(since)} ago (guard {minutes} min)."
        if passed
        else f"The last loss was only {duration(since)} ago: no new entry "
        f"within {minutes} minutes of a loss (revenge-trade guard)."
    )
    return checked(
        ReasonCode.REVENGE_GUARD,
        passed,
        sentence,
        last_loss_at=ctx.last_loss_at.isoformat(),
        guard_minutes=minutes,
    )
