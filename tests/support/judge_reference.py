"""The judge's first, literal implementations, kept as oracles for the fast paths.

Each function here is the straightforward reading of a rule (re-prove every trade, recount the
open trades and their risk at every entry, compare every pair of losses), as the judge first
shipped it. The equivalence tests run these and the optimised code on the same random journals
and require identical reports. Nothing outside tests/ imports this module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from utils.records.alerts import Alert
from utils.judge.coach import LOSSES_LOOKED_AT, CoachInput
from utils.core.config import Settings
from utils.judge.discipline import (
    FULL_SCORE,
    DisciplineReport,
    ScorePart,
    SessionVerdict,
    Violation,
    action_sessions_from_trades,
    plan_declarations,
)
from utils.judge.discipline_rules import (
    DISCIPLINE_RULES,
    Breach,
    DisciplineContext,
    DisciplineRule,
    RuleId,
    _label,
    halt_windows,
)
from utils.journal.risk import spread_risk
from utils.journal.trade import Trade
from utils.judge.ramp import SizeLadder
from utils.judge.risk import HUNDRED, ZERO, open_risk_by_family
from utils.core.money import usd
from utils.core.sessions import session_of, to_utc
from utils.core.trading_calendar import next_session
from utils.journal.exit_plans import PlanDeclared
from utils.spreads.families import underlying_family


def _entry_breach(trade: Trade, sentence: str) -> Breach:
    return Breach(session=trade.session, at=trade.opened_at, sentence=sentence, trade_id=trade.id)


def reference_open_at_each_entry(ordered: Sequence[Trade]) -> tuple[tuple[Trade, ...], ...]:
    """For each trade, the earlier trades still open when it opened: refiltered per entry."""
    active: list[Trade] = []
    result = []
    for trade in ordered:
        active = [t for t in active if t.closed_at is None or t.closed_at > trade.opened_at]
        result.append(tuple(active))
        active.append(trade)
    return tuple(result)


def reference_not_defined_risk(ctx: DisciplineContext) -> Iterator[Breach]:
    """Every trade's legs proved again, whatever the model says."""
    for trade in ctx.trades:
        try:
            spread_risk(
                tuple(trade.legs),
                underlying=trade.underlying,
                multiplier=trade.multiplier,
                entry_price=trade.entry_price,
                entry_effect=trade.entry_effect,
            )
        except ValueError as error:
            yield _entry_breach(trade, f"{_label(trade)} is not defined-risk: {error}")


def reference_opened_during_halt(ctx: DisciplineContext) -> Iterator[Breach]:
    """Every halt checked against every entry, in alert order."""
    linked = {alert.id: alert.trade_id for alert in ctx.alerts}
    for trade in ctx.trades:
        halt = next(
            (
                h
                for h in ctx.halts
                if h.covers(trade.opened_at) and linked.get(h.alert_id) != trade.id
            ),
            None,
        )
        if halt is not None:
            yield _entry_breach(
                trade,
                f"{_label(trade)} opened at {trade.opened_at.isoformat()} during the halt of "
                f"HIGH alert {halt.alert_id} (until {halt.ends_at.isoformat()}).",
            )


def reference_over_ladder_size(ctx: DisciplineContext) -> Iterator[Breach]:
    """Units and 1R against the ladder level's caps."""
    rung = SizeLadder.from_settings(ctx.settings).rung(ctx.ladder_level)
    for trade in ctx.trades:
        problems = []
        if trade.quantity > rung.max_contracts:
            problems.append(f"{trade.quantity} units (cap {rung.max_contracts})")
        if trade.max_loss_usd > rung.max_loss_usd:
            problems.append(f"max loss {usd(trade.max_loss_usd)} (cap {usd(rung.max_loss_usd)})")
        if problems:
            yield _entry_breach(
                trade,
                f"{_label(trade)} is above ladder level {rung.level}: {' and '.join(problems)}.",
            )


def reference_too_many_concurrent(ctx: DisciplineContext) -> Iterator[Breach]:
    """The open trades recounted at every entry."""
    cap = ctx.settings.max_concurrent_spreads
    for trade, earlier in zip(ctx.trades, reference_open_at_each_entry(ctx.trades)):
        already_open = [t.id for t in earlier]
        if len(already_open) + 1 > cap:
            shown = ", ".join(str(i) for i in already_open)
            yield _entry_breach(
                trade,
                f"{_label(trade)} made {len(already_open) + 1} spreads open at once (cap {cap}; "
                f"already open: {shown}).",
            )


def reference_underlying_risk(ctx: DisciplineContext) -> Iterator[Breach]:
    """The family's open risk summed again over the open trades at every entry."""
    pct = ctx.settings.symbol_risk_max_pct
    limit = ctx.risk_capital_usd * pct / HUNDRED
    for trade, earlier in zip(ctx.trades, reference_open_at_each_entry(ctx.trades)):
        family = underlying_family(trade.underlying)
        before = open_risk_by_family(earlier, trade.opened_at).get(family, ZERO)
        total = before + trade.max_loss_usd
        if total > limit:
            yield _entry_breach(
                trade,
                f"{_label(trade)} put {usd(total)} of open risk on {family}, above {pct} % of "
                f"the {usd(ctx.risk_capital_usd)} risk capital ({usd(limit)}).",
            )


def reference_revenge_entry(ctx: DisciplineContext) -> Iterator[Breach]:
    """Every losing close compared with every entry."""
    guard = timedelta(minutes=ctx.settings.revenge_guard_minutes)
    losses = [t for t in ctx.trades if t.closed_at is not None and (t.net_pnl_usd or ZERO) < 0]
    for trade in ctx.trades:
        earlier = [
            loss for loss in losses if loss.closed_at <= trade.opened_at and loss.id != trade.id
        ]
        if not earlier:
            continue
        loss = max(earlier, key=lambda t: (t.closed_at, t.id))
        since = trade.opened_at - loss.closed_at
        if since < guard:
            yield _entry_breach(
                trade,
                f"{_label(trade)} opened {since.total_seconds() / 60:.0f} min after trade "
                f"{loss.id} closed at a loss of {usd(-(loss.net_pnl_usd or ZERO))} (guard "
                f"{ctx.settings.revenge_guard_minutes} min).",
            )


def reference_no_planned_exit(ctx: DisciplineContext) -> Iterator[Breach]:
    """No target, no stop and no time exit at entry, nor a playbook declared at import; a plan
    declared after entry is named and not counted."""
    for trade in ctx.trades:
        plan = (trade.profit_target_usd, trade.stop_loss_usd, trade.time_exit_at)
        kinds = [d.declared for d in trade.exit_plans]
        if any(part is not None for part in plan) or PlanDeclared.PLAYBOOK_AT_IMPORT in kinds:
            continue
        later = ""
        if kinds:
            first = trade.exit_plans[0]
            later = f" (no plan at entry; {first.source}: not counted)"
        yield _entry_breach(
            trade, f"{_label(trade)} was opened without a target, stop or time exit{later}."
        )


_REFERENCE_CHECKS = {
    RuleId.NOT_DEFINED_RISK: reference_not_defined_risk,
    RuleId.OPENED_DURING_HALT: reference_opened_during_halt,
    RuleId.OVER_LADDER_SIZE: reference_over_ladder_size,
    RuleId.TOO_MANY_CONCURRENT: reference_too_many_concurrent,
    RuleId.UNDERLYING_RISK_OVER_LIMIT: reference_underlying_risk,
    RuleId.REVENGE_ENTRY: reference_revenge_entry,
    RuleId.NO_PLANNED_EXIT: reference_no_planned_exit,
}
REFERENCE_RULES: tuple[DisciplineRule, ...] = tuple(
    replace(rule, check=_REFERENCE_CHECKS.get(rule.id, rule.check)) for rule in DISCIPLINE_RULES
)


def reference_evaluate_discipline(
    trades: Sequence[Trade],
    *,
    settings: Settings,
    now: datetime,
    alerts: Sequence[Alert] = (),
    journaled_sessions: Iterable[date] | Mapping[date, int] | None = None,
    ladder_level: int = 1,
    risk_capital_usd: Decimal | None = None,
    window_trades: int = 20,
) -> DisciplineReport:
    """`evaluate_discipline` as first written: reference rules, validated violations."""
    moment = to_utc(now)
    today = session_of(moment)
    ordered = tuple(
        sorted((t for t in trades if t.opened_at <= moment), key=lambda t: (t.opened_at, t.id))
    )
    known_alerts = tuple(a for a in alerts if to_utc(a.raised_at) <= moment)
    ctx = DisciplineContext(
        trades=ordered,
        open_at_entry=reference_open_at_each_entry(ordered),
        alerts=known_alerts,
        halts=halt_windows(known_alerts, settings.halt_hours),
        settings=settings,
        ladder_level=ladder_level,
        risk_capital_usd=settings.risk_budget_usd if risk_capital_usd is None else risk_capital_usd,
        now=moment,
    )
    order = {rule.id: index for index, rule in enumerate(REFERENCE_RULES)}
    every = sorted(
        (
            Violation(
                code=rule.id,
                sentence=breach.sentence,
                points=rule.weight,
                session=breach.session,
                at=breach.at,
                trade_id=breach.trade_id,
                alert_id=breach.alert_id,
            )
            for rule in REFERENCE_RULES
            for breach in rule.check(ctx)
        ),
        key=lambda v: (v.at, order[v.code], v.trade_id or 0, v.alert_id or 0, v.sentence),
    )
    window = ordered[-window_trades:]
    window_ids = tuple(t.id for t in window)
    first = min((t.session for t in window), default=today)
    in_window = tuple(
        v
        for v in every
        if (v.trade_id in window_ids if v.alert_id is None else first <= v.session <= today)
    )
    counts = Counter(v.code for v in in_window)
    parts = tuple(
        ScorePart(
            rule=rule.id,
            weight=rule.weight,
            count=counts[rule.id],
            points=rule.weight * counts[rule.id],
            sentence=rule.sentence,
        )
        for rule in REFERENCE_RULES
        if counts[rule.id]
    )
    actions: Counter[date] = Counter()
    for day, count in (
        action_sessions_from_trades(ordered)
        if journaled_sessions is None
        else Counter(journaled_sessions)
    ).items():
        actions[next_session(day)] += count
    broken: dict[date, list[RuleId]] = {}
    for violation in every:
        broken.setdefault(violation.session, []).append(violation.code)
    alert_counts = Counter(next_session(alert.session) for alert in known_alerts)
    sessions = sorted(s for s in set(actions) | set(broken) | set(alert_counts) if s <= today)
    return DisciplineReport(
        evaluated_at=moment,
        window_size=window_trades,
        window_trade_ids=window_ids,
        window_first_session=first,
        window_last_session=today,
        score=max(0, FULL_SCORE - sum(part.points for part in parts)),
        parts=parts,
        violations=in_window,
        all_violations=tuple(every),
        sessions=tuple(
            SessionVerdict(
                session=s,
                actions=actions.get(s, 0),
                violations=tuple(broken.get(s, ())),
                high_alerts=alert_counts.get(s, 0),
            )
            for s in sessions
        ),
        plans=plan_declarations(window),
    )


def reference_quick_losses(data: CoachInput) -> list[Trade]:
    """The recent losses that came within the revenge guard of another loss: every pair."""
    guard = timedelta(minutes=data.settings.revenge_guard_minutes)
    losses = [t for t in data.closed if t.net_pnl_usd is not None and t.net_pnl_usd < 0]
    return [
        loss
        for loss in losses[-LOSSES_LOOKED_AT:]
        if any(
            prior.closed_at is not None
            and prior.id != loss.id
            and timedelta(0) <= loss.opened_at - prior.closed_at < guard
            for prior in losses
        )
    ]
