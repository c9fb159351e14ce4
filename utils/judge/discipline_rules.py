"""The discipline rules: what each asks, what one violation costs, and its check.

Each rule is a small named function over a `DisciplineContext` that yields a `Breach` each time
the rule was broken; `DISCIPLINE_RULES` lists them with their id, weight and sentence, and
`utils.judge.discipline.evaluate_discipline` runs the list and scores it. The risk rules the
guard also enforces before an order (defined risk, halt, ladder, concurrency, 20 % per
underlying, revenge) are judged by the same definitions, `utils.judge.risk`.

Rules (weight = points per violation):

| id | weight | broken when |
|---|---|---|
| NOT_DEFINED_RISK | 30 | the legs do not prove a defined-risk spread |
| OPENED_DURING_HALT | 25 | the trade opened while a HIGH alert's halt was in force |
| OVER_LADDER_SIZE | 20 | units above the ladder level's cap, or max loss (1R) above its cap |
| TOO_MANY_CONCURRENT | 15 | opening it made more spreads open than MAX_CONCURRENT_SPREADS |
| UNDERLYING_RISK_OVER_LIMIT | 15 | open max loss on its family, itself included, > 20 % capital |
| REVENGE_ENTRY | 10 | opened less than REVENGE_GUARD_MINUTES after a losing close |
| CLOSED_BEYOND_STOP | 10 | the loss before fees exceeded the planned stop |
| NO_PLANNED_EXIT | 8 | no profit target, stop or time exit at entry (or by playbook at import) |
| RISKY_ORDER_REFUSED | 5 | a HIGH alert for an order refused for risk at placement (not preview) |
| HELD_PAST_TIME_EXIT | 5 | closed after the planned time exit (or still open past it) |
| PLAN_NOT_FOLLOWED | 5 | the trader's review says the plan was not followed |
| MANUAL_MISTAKE | 3 | each mistake the trader tagged on the trade |

Exactly at a limit is within it; one step past it is a violation. Size and concurrency are judged
against the ladder level passed in (the journal does not record the level each trade was sized
for) and the settings' concurrency cap; the ramp's tighter caps are the pre-trade checks' job.
Entry rules belong to the opening session, exit and review rules to the closing session (a time
exit to the session of its deadline), refused orders to the alert's session.

Exit plans (`utils.journal.exit_plans`): a plan journaled with the trade or declared by playbook
at import is the entry plan; NO_PLANNED_EXIT counts a trade with neither. A plan declared after
entry never clears NO_PLANNED_EXIT; its stop and time exit judge (CLOSED_BEYOND_STOP,
HELD_PAST_TIME_EXIT) only exits after its recording time, and only where the entry plan had
none.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any

from utils.core.money import usd
from utils.core.config import Settings
from utils.core.sessions import session_of, to_utc
from utils.journal.risk import spread_risk
from utils.journal.trade import Trade
from utils.judge.ramp import SizeLadder
from utils.judge.risk import (
    RISKY_REFUSAL_ALERTS,
    ConcurrencyLimit,
    RevengeGuard,
    UnderlyingRiskLimit,
    family_risk_at_each_entry,
)
from utils.records.alerts import Alert, HaltWindow
from utils.spreads.families import underlying_family

ZERO = Decimal(0)


class RuleId(StrEnum):
    """The discipline rules, by id."""

    NOT_DEFINED_RISK = "NOT_DEFINED_RISK"
    OPENED_DURING_HALT = "OPENED_DURING_HALT"
    OVER_LADDER_SIZE = "OVER_LADDER_SIZE"
    TOO_MANY_CONCURRENT = "TOO_MANY_CONCURRENT"
    UNDERLYING_RISK_OVER_LIMIT = "UNDERLYING_RISK_OVER_LIMIT"
    REVENGE_ENTRY = "REVENGE_ENTRY"
    CLOSED_BEYOND_STOP = "CLOSED_BEYOND_STOP"
    NO_PLANNED_EXIT = "NO_PLANNED_EXIT"
    RISKY_ORDER_REFUSED = "RISKY_ORDER_REFUSED"
    HELD_PAST_TIME_EXIT = "HELD_PAST_TIME_EXIT"
    PLAN_NOT_FOLLOWED = "PLAN_NOT_FOLLOWED"
    MANUAL_MISTAKE = "MANUAL_MISTAKE"


@dataclass(frozen=True)
class DisciplineRule:
    """A named rule: its id, the points one violation costs, what it asks, and its check."""

    id: RuleId
    weight: int
    sentence: str
    check: Callable[[DisciplineContext], Iterator[Breach]]


@dataclass(frozen=True)
class DisciplineContext:
    """What the rules read: every trade (by opening time), the earlier trades still open at each
    one's entry (same order), alerts, halts, limits and now.

    Figures several rules share (each trade's session and family, the family's open risk at
    each entry) are derived once, on first use.
    """

    trades: tuple[Trade, ...]
    open_at_entry: tuple[tuple[Trade, ...], ...]
    alerts: tuple[Alert, ...]
    halts: tuple[HaltWindow, ...]
    settings: Settings
    ladder_level: int
    risk_capital_usd: Decimal
    now: datetime

    @cached_property
    def sessions(self) -> tuple[date, ...]:
        """Each trade's opening session (same order as `trades`)."""
        return tuple(session_of(trade.opened_at) for trade in self.trades)

    @cached_property
    def families(self) -> tuple[str, ...]:
        """Each trade's underlying family (same order as `trades`)."""
        family_of = {
            symbol: underlying_family(symbol) for symbol in {t.underlying for t in self.trades}
        }
        return tuple(family_of[trade.underlying] for trade in self.trades)

    @cached_property
    def family_risk_before_entry(self) -> tuple[Decimal, ...]:
        """For each trade, the max loss (1R) of the earlier trades still open at its entry on
        its own family (same order as `trades`): `open_risk_by_family(open_at_entry[i], ...)`,
        swept once over opens and closes instead of summed again per entry."""
        return family_risk_at_each_entry(self.trades, self.families)

    @cached_property
    def concurrency(self) -> ConcurrencyLimit:
        """The settings' concurrency cap (the ramp's tighter caps are the pre-trade checks')."""
        return ConcurrencyLimit(self.settings.max_concurrent_spreads)

    @cached_property
    def underlying_risk(self) -> UnderlyingRiskLimit:
        """SYMBOL_RISK_MAX_PCT of this run's risk capital."""
        return UnderlyingRiskLimit(self.risk_capital_usd, self.settings.symbol_risk_max_pct)

    @cached_property
    def revenge_guard(self) -> RevengeGuard:
        """REVENGE_GUARD_MINUTES after a losing close."""
        return RevengeGuard(self.settings.revenge_guard_minutes)


@dataclass(frozen=True, slots=True)
class Breach:
    """One rule broken once, before the runner adds the rule's id and weight and turns it into
    a `Violation` (a plain typed record: rules yield many, the report keeps the models)."""

    session: date
    at: datetime
    sentence: str
    trade_id: int | None = None
    alert_id: int | None = None


def _loss_before_feesusd(trade: Trade) -> Decimal | None:
    """The closed trade's loss before fees as a positive amount (None if not a loss)."""
    if trade.net_pnl_usd is None:
        return None
    gross = trade.net_pnl_usd + trade.fees_usd
    return -gross if gross < 0 else None


def halt_windows(alerts: Iterable[Alert], halt_hours: int) -> tuple[HaltWindow, ...]:
    """Each HIGH alert's halt: from the alert's time for `halt_hours` hours."""
    return tuple(
        HaltWindow(
            alert_id=alert.id,
            started_at=to_utc(alert.raised_at),
            ends_at=to_utc(alert.raised_at) + timedelta(hours=halt_hours),
        )
        for alert in alerts
    )


def _review_moment(trade: Trade) -> datetime:
    return trade.closed_at if trade.closed_at is not None else trade.opened_at


def _label(trade: Trade) -> str:
    return f"Trade {trade.id} ({trade.underlying} {trade.structure.value.replace('_', ' ')})"


def _entry_breach(trade: Trade, sentence: str, session: date) -> Breach:
    """A breach at the trade's entry; `session` is its opening session (`ctx.sessions`)."""
    return Breach(session=session, at=trade.opened_at, sentence=sentence, trade_id=trade.id)


def check_not_defined_risk(ctx: DisciplineContext) -> Iterator[Breach]:
    """The legs must prove a defined-risk spread. A trade whose current legs and prices already
    passed the proof (`Trade.proved_defined_risk`: validated, or written so by the journal) is
    not proved twice; any other (bypassed validation, altered copy) is proved here. A trade the
    journal holds flagged not-defined-risk (a naked or other position opened at the broker and
    imported, `Trade.flagged_not_defined_risk`) breaks the rule in its opening session."""
    for trade, session in zip(ctx.trades, ctx.sessions):
        if trade.proved_defined_risk:
            continue
        try:
            spread_risk(
                tuple(trade.legs),
                underlying=trade.underlying,
                multiplier=trade.multiplier,
                entry_price=trade.entry_price,
                entry_effect=trade.entry_effect,
            )
        except ValueError as error:
            yield _entry_breach(trade, f"{_label(trade)} is not defined-risk: {error}", session)
            continue
        if trade.flagged_not_defined_risk:
            sentence = f"{_label(trade)} was opened at the broker as no defined-risk spread."
            yield _entry_breach(trade, sentence, session)


def check_opened_during_halt(ctx: DisciplineContext) -> Iterator[Breach]:
    """No trade may open while a HIGH alert's halt is in force (an alert about the trade's own
    order does not count against it). The first such halt in alert order is named."""
    if not ctx.halts:
        return
    linked = {alert.id: alert.trade_id for alert in ctx.alerts}
    # Only halts started within the longest halt before an entry can cover it: find them by
    # start time, then take the first in alert order.
    by_start = sorted(range(len(ctx.halts)), key=lambda i: ctx.halts[i].started_at)
    starts = [ctx.halts[i].started_at for i in by_start]
    longest = max(h.ends_at - h.started_at for h in ctx.halts)
    for trade, session in zip(ctx.trades, ctx.sessions):
        moment = to_utc(trade.opened_at)
        candidates = by_start[bisect_left(starts, moment - longest) : bisect_right(starts, moment)]
        halt = next(
            (
                ctx.halts[i]
                for i in sorted(candidates)
                if ctx.halts[i].covers(moment) and linked.get(ctx.halts[i].alert_id) != trade.id
            ),
            None,
        )
        if halt is not None:
            yield _entry_breach(
                trade,
                f"{_label(trade)} opened at {trade.opened_at.isoformat()} during the halt of "
                f"HIGH alert {halt.alert_id} (until {halt.ends_at.isoformat()}).",
                session,
            )


def check_over_ladder_size(ctx: DisciplineContext) -> Iterator[Breach]:
    """Units <= the ladder level's cap and max loss (1R) <= its max loss."""
    rung = SizeLadder.from_settings(ctx.settings).rung(ctx.ladder_level)
    limit = rung.limit
    for trade, session in zip(ctx.trades, ctx.sessions):
        problems = []
        if limit.units_over(trade.quantity):
            problems.append(f"{trade.quantity} units (cap {rung.max_contracts})")
        if limit.loss_over(trade.max_loss_usd):
            problems.append(f"max loss {usd(trade.max_loss_usd)} (cap {usd(rung.max_loss_usd)})")
        if problems:
            yield _entry_breach(
                trade,
                f"{_label(trade)} is above ladder level {rung.level}: {' and '.join(problems)}.",
                session,
            )


def check_too_many_concurrent(ctx: DisciplineContext) -> Iterator[Breach]:
    """Opening a trade must not make more spreads open than the concurrency cap."""
    cap = ctx.concurrency.max_open
    for trade, earlier, session in zip(ctx.trades, ctx.open_at_entry, ctx.sessions):
        if not ctx.concurrency.allows(len(earlier)):
            shown = ", ".join([str(t.id) for t in earlier])
            yield _entry_breach(
                trade,
                f"{_label(trade)} made {len(earlier) + 1} spreads open at once (cap {cap}; "
                f"already open: {shown}).",
                session,
            )


def check_underlying_risk(ctx: DisciplineContext) -> Iterator[Breach]:
    """Open max loss on one underlying family, the new trade included, <= pct x risk capital."""
    limit = ctx.underlying_risk
    of_capital = (
        f"above {limit.max_pct} % of the {usd(limit.risk_capital_usd)} risk capital "
        f"({usd(limit.limit_usd)})."
    )
    for trade, family, before, session in zip(
        ctx.trades, ctx.families, ctx.family_risk_before_entry, ctx.sessions
    ):
        total = before + trade.max_loss_usd
        if not limit.allows(total):
            yield _entry_breach(
                trade,
                f"{_label(trade)} put {usd(total)} of open risk on {family}, {of_capital}",
                session,
            )


def check_revenge_entry(ctx: DisciplineContext) -> Iterator[Breach]:
    """No entry within REVENGE_GUARD_MINUTES after a losing close."""
    guard = ctx.revenge_guard
    losses = sorted(
        (t for t in ctx.trades if t.closed_at is not None and (t.net_pnl_usd or ZERO) < 0),
        key=lambda t: (t.closed_at, t.id),
    )
    closes = [loss.closed_at for loss in losses]
    for trade, session in zip(ctx.trades, ctx.sessions):
        # The latest losing close at or before this entry, other than the trade itself.
        index = bisect_right(closes, trade.opened_at) - 1
        while index >= 0 and losses[index].id == trade.id:
            index -= 1
        if index < 0:
            continue
        loss = losses[index]
        if not guard.allows(trade.opened_at, closes[index]):
            since = trade.opened_at - closes[index]
            yield _entry_breach(
                trade,
                f"{_label(trade)} opened {since.total_seconds() / 60:.0f} min after trade "
                f"{loss.id} closed at a loss of {usd(-(loss.net_pnl_usd or ZERO))} (guard "
                f"{guard.minutes} min).",
                session,
            )


def check_closed_beyond_stop(ctx: DisciplineContext) -> Iterator[Breach]:
    """A closed trade's loss before fees must not exceed the stop it is judged against: the
    entry plan's (at entry or by playbook at import), else one declared after entry before the
    close (`Trade.exit_plan_at`)."""
    for trade in ctx.trades:
        loss = _loss_before_feesusd(trade)
        if loss is None or trade.closed_at is None:
            continue
        stop = _judged(trade, trade.closed_at, "stop_loss_usd")
        if stop is not None and loss > stop:
            yield Breach(
                session=session_of(trade.closed_at),
                at=trade.closed_at,
                sentence=f"{_label(trade)} lost {usd(loss)} before fees, beyond its "
                f"{usd(stop)} stop ({_plan_source(trade, 'stop_loss_usd')}).",
                trade_id=trade.id,
            )


def _judged(trade: Trade, moment: datetime, part: str) -> Any:
    """The stop or time exit (`part`) an exit at `moment` is judged against; without later
    declarations (nearly every trade) the one journaled with the trade, read directly."""
    if not trade.exit_plans:
        return getattr(trade, part)
    plan = trade.exit_plan_at(moment)
    return None if plan is None else getattr(plan, part)


def _plan_source(trade: Trade, part: str) -> str:
    """How the part (`stop_loss_usd`, `time_exit_at`) judged was declared, for a sentence."""
    entry = trade.entry_plan
    if entry.plan is not None and getattr(entry.plan, part) is not None:
        return entry.source
    return "declared after entry"


def check_no_planned_exit(ctx: DisciplineContext) -> Iterator[Breach]:
    """Every trade needs a profit target, a stop or a time exit when it opens: journaled with
    it, or declared by playbook at import. A plan declared after entry does not count."""
    for trade, session in zip(ctx.trades, ctx.sessions):
        if (
            trade.profit_target_usd is not None
            or trade.stop_loss_usd is not None
            or trade.time_exit_at is not None
        ):
            continue
        entry = trade.entry_plan if trade.exit_plans else None
        if entry is not None and entry.plan is not None:
            continue
        later = "" if entry is None else f" ({entry.source}: not counted)"
        yield _entry_breach(
            trade,
            f"{_label(trade)} was opened without a target, stop or time exit{later}.",
            session,
        )


def check_risky_order_refused(ctx: DisciplineContext) -> Iterator[Breach]:
    """A HIGH alert for an order refused for risk at placement, or an entry placed during a halt."""
    for alert in ctx.alerts:
        if alert.rule in RISKY_REFUSAL_ALERTS:
            yield Breach(
                session=alert.session,
                at=alert.raised_at,
                sentence=f"HIGH alert {alert.id}: {alert.rule} ({alert.message}).",
                alert_id=alert.id,
                trade_id=alert.trade_id,
            )


def check_held_past_time_exit(ctx: DisciplineContext) -> Iterator[Breach]:
    """Close by the planned time exit; a trade still open past it breaks the rule now. The time
    exit is the entry plan's, else one declared after entry before the close (or now)."""
    now = to_utc(ctx.now)
    for trade in ctx.trades:
        end = trade.closed_at if trade.closed_at is not None else now
        deadline = _judged(trade, end, "time_exit_at")
        if deadline is None:
            continue
        if end > deadline:
            state = "closed at " + end.isoformat() if trade.closed_at else "is still open"
            yield Breach(
                session=session_of(deadline),
                at=deadline,
                sentence=f"{_label(trade)} {state}, past its {deadline.isoformat()} time exit "
                f"({_plan_source(trade, 'time_exit_at')}).",
                trade_id=trade.id,
            )


def check_plan_not_followed(ctx: DisciplineContext) -> Iterator[Breach]:
    """The trader's own review: 'did you follow your plan?' answered no."""
    for trade in ctx.trades:
        if trade.followed_plan is False:
            moment = _review_moment(trade)
            yield Breach(
                session=session_of(moment),
                at=moment,
                sentence=f"{_label(trade)}: the review says the plan was not followed.",
                trade_id=trade.id,
            )


def check_manual_mistakes(ctx: DisciplineContext) -> Iterator[Breach]:
    """Each mistake the trader tagged on a trade counts once."""
    for trade in ctx.trades:
        moment = _review_moment(trade)
        for mistake in trade.mistakes:
            yield Breach(
                session=session_of(moment),
                at=moment,
                sentence=f"{_label(trade)}: mistake tagged '{mistake}'.",
                trade_id=trade.id,
            )


DISCIPLINE_RULES: tuple[DisciplineRule, ...] = (
    DisciplineRule(
        RuleId.NOT_DEFINED_RISK,
        30,
        "Trade only spreads whose legs prove a defined risk.",
        check_not_defined_risk,
    ),
    DisciplineRule(
        RuleId.OPENED_DURING_HALT,
        25,
        "Open nothing while a HIGH alert's 24 h halt is in force.",
        check_opened_during_halt,
    ),
    DisciplineRule(
        RuleId.OVER_LADDER_SIZE,
        20,
        "Size every trade within your ladder level (units and max loss).",
        check_over_ladder_size,
    ),
    DisciplineRule(
        RuleId.TOO_MANY_CONCURRENT,
        15,
        "Keep no more spreads open at once than the concurrency cap.",
        check_too_many_concurrent,
    ),
    DisciplineRule(
        RuleId.UNDERLYING_RISK_OVER_LIMIT,
        15,
        "Keep open risk on one underlying within 20 % of your risk capital.",
        check_underlying_risk,
    ),
    DisciplineRule(
        RuleId.REVENGE_ENTRY,
        10,
        "Wait out the revenge guard after a losing close before the next entry.",
        check_revenge_entry,
    ),
    DisciplineRule(
        RuleId.CLOSED_BEYOND_STOP,
        10,
        "Close at your planned stop, not beyond it.",
        check_closed_beyond_stop,
    ),
    DisciplineRule(
        RuleId.NO_PLANNED_EXIT,
        8,
        "Set a profit target, a stop or a time exit when you open a trade.",
        check_no_planned_exit,
    ),
    DisciplineRule(
        RuleId.RISKY_ORDER_REFUSED,
        5,
        "Do not send orders the risk rules refuse (size, concurrency, 20 %, halt).",
        check_risky_order_refused,
    ),
    DisciplineRule(
        RuleId.HELD_PAST_TIME_EXIT,
        5,
        "Close by your planned time exit.",
        check_held_past_time_exit,
    ),
    DisciplineRule(
        RuleId.PLAN_NOT_FOLLOWED,
        5,
        "Follow the plan you wrote at entry (your own review).",
        check_plan_not_followed,
    ),
    DisciplineRule(
        RuleId.MANUAL_MISTAKE,
        3,
        "Each mistake you tag on a trade costs a little: name it to fix it.",
        check_manual_mistakes,
    ),
)
