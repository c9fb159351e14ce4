"""Discipline: rule checks on trades and sessions -> violations -> a 0-100 score and clean sessions.

Each rule is a small named function with an id, a weight (the points one violation costs) and a
sentence; `DISCIPLINE_RULES` lists them and `evaluate_discipline` runs them all. Nothing here
reads a store: trades, alerts and journaled sessions come in as data.

    report = evaluate_discipline(
        trades, settings=settings, now=now, alerts=alert_store.alerts(),
        journaled_sessions=journal.sessions_frame()["session"], ladder_level=1,
    )
    report.score, report.parts, report.violations, report.clean_sessions, report.sentence

**Score** (docs/DISCIPLINE_AND_GATES.md has the same text):

    score = max(0, 100 - sum of the weights of the violations in the window)

The **window** is the last `DISCIPLINE_WINDOW_TRADES` (20) trades by opening time, open or closed
(a violation at entry counts at once, not only after the close), and every New York session from
the first of them through today. Trade violations count when their trade is in the window;
session violations (refused risky orders) count when their session is in the window. With no
trade yet the score is 100 and `trades_in_window` is 0.

**Clean session** = a New York session with at least one journaled action, no violation of any
rule (whatever the window) and no HIGH alert. Counted over the whole history up to today.

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
| NO_PLANNED_EXIT | 8 | no profit target, no stop and no time exit at entry |
| RISKY_ORDER_REFUSED | 5 | a HIGH alert for an order refused for risk or during a halt |
| HELD_PAST_TIME_EXIT | 5 | closed after the planned time exit (or still open past it) |
| PLAN_NOT_FOLLOWED | 5 | the trader's review says the plan was not followed |
| MANUAL_MISTAKE | 3 | each mistake the trader tagged on the trade |

Exactly at a limit is within it; one step past it is a violation. Size and concurrency are judged
against the ladder level passed in (the journal does not record the level each trade was sized
for) and the settings' concurrency cap; the ramp's tighter caps are the pre-trade checks' job.
Entry rules belong to the opening session, exit and review rules to the closing session (a time
exit to the session of its deadline), refused orders to the alert's session.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from heapq import heappop, heappush

from pydantic import BaseModel, ConfigDict, computed_field

from utils.records.alerts import Alert, AlertRule
from utils.core.config import Settings
from utils.journal.risk import spread_risk
from utils.journal.trade import Trade
from utils.judge.ladder import SizeLadder
from utils.core.prevalidated import build_validated, field_names
from utils.core.money import usd
from utils.core.sessions import session_of, to_utc
from utils.spreads.families import underlying_family

DISCIPLINE_WINDOW_TRADES = 20
FULL_SCORE = 100
HUNDRED = Decimal(100)
ZERO = Decimal(0)

SCORE_FORMULA = (
    "score = max(0, 100 - sum of the weights of the violations in the window); the window is "
    "the last 20 trades by opening time and every session from the first of them to today."
)
CLEAN_SESSION_DEFINITION = (
    "A clean session is a New York trading day with at least one journaled action, no rule "
    "violation and no HIGH alert."
)

# HIGH alerts that mean the trader tried to break a risk rule (the order was refused).
RISKY_ORDER_ALERTS = frozenset(
    {
        AlertRule.NOT_DEFINED_RISK,
        AlertRule.OVER_LADDER_CAP,
        AlertRule.OVER_SYMBOL_RISK,
        AlertRule.OVER_CONCURRENCY,
        AlertRule.ENTRY_DURING_HALT,
    }
)


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


class HaltWindow(BaseModel):
    """A HIGH alert's halt on new entries: [started_at, ends_at)."""

    model_config = ConfigDict(frozen=True)

    alert_id: int
    started_at: datetime
    ends_at: datetime

    def covers(self, moment: datetime) -> bool:
        """True when `moment` falls inside the halt (the end itself is outside)."""
        return self.started_at <= to_utc(moment) < self.ends_at


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


@dataclass(frozen=True, slots=True)
class Breach:
    """One rule broken once, before the runner adds the rule's id and weight and turns it into
    a `Violation` (a plain typed record: rules yield many, the report keeps the models)."""

    session: date
    at: datetime
    detail: str
    trade_id: int | None = None
    alert_id: int | None = None


class Violation(BaseModel):
    """One rule broken once: which rule, what it cost, where (trade, alert, session) and why."""

    model_config = ConfigDict(frozen=True)

    rule: RuleId
    points: int
    session: date
    at: datetime
    detail: str
    trade_id: int | None = None
    alert_id: int | None = None


@dataclass(frozen=True)
class DisciplineRule:
    """A named rule: its id, the points one violation costs, what it asks, and its check."""

    id: RuleId
    weight: int
    sentence: str
    check: Callable[[DisciplineContext], Iterator[Breach]]


class ScorePart(BaseModel):
    """What one rule cost in the window: weight x count = points."""

    model_config = ConfigDict(frozen=True)

    rule: RuleId
    weight: int
    count: int
    points: int
    sentence: str


class SessionVerdict(BaseModel):
    """One session: its journaled actions, violations and HIGH alerts, and whether it is clean."""

    model_config = ConfigDict(frozen=True)

    session: date
    actions: int
    violations: tuple[RuleId, ...]
    high_alerts: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def clean(self) -> bool:
        """At least one journaled action, no violation and no HIGH alert."""
        return self.actions > 0 and not self.violations and self.high_alerts == 0

    @property
    def reason(self) -> str:
        """Why the session is or is not clean, in plain words."""
        if self.clean:
            return f"{self.session}: clean ({self.actions} journaled action(s))."
        problems = []
        if self.actions == 0:
            problems.append("no journaled action")
        if self.violations:
            problems.append("violations: " + ", ".join(sorted(set(self.violations))))
        if self.high_alerts:
            problems.append(f"{self.high_alerts} HIGH alert(s)")
        return f"{self.session}: not clean ({'; '.join(problems)})."


class DisciplineReport(BaseModel):
    """The score over the window with its parts, the window's violations, and session verdicts."""

    model_config = ConfigDict(frozen=True)

    evaluated_at: datetime
    window_size: int
    window_trade_ids: tuple[int, ...]
    window_first_session: date
    window_last_session: date
    score: int
    parts: tuple[ScorePart, ...]
    violations: tuple[Violation, ...]
    all_violations: tuple[Violation, ...]
    sessions: tuple[SessionVerdict, ...]

    @property
    def trades_in_window(self) -> int:
        """How many trades the score covers (at most the window size)."""
        return len(self.window_trade_ids)

    @property
    def points_lost(self) -> int:
        """Sum of the parts' points (the score is 100 minus this, floored at 0)."""
        return sum(part.points for part in self.parts)

    @property
    def clean_sessions(self) -> tuple[date, ...]:
        """The clean sessions, oldest first."""
        return tuple(verdict.session for verdict in self.sessions if verdict.clean)

    @property
    def sentence(self) -> str:
        """The score and what it cost, in one line."""
        span = f"{self.window_first_session} to {self.window_last_session}"
        head = (
            f"Discipline {self.score}/100 over the last {self.trades_in_window} trade(s) "
            f"({span})"
        )
        if not self.parts:
            return head + ": no violation."
        costs = "; ".join(
            f"-{part.points} {part.rule} ({part.count} x {part.weight})" for part in self.parts
        )
        return f"{head}: {costs}."


# ----------------------------------------------------------------------------- helpers


def _loss_before_fees_usd(trade: Trade) -> Decimal | None:
    """The closed trade's loss before fees as a positive amount (None if not a loss)."""
    if trade.net_pnl_usd is None:
        return None
    gross = trade.net_pnl_usd + trade.fees_usd
    return -gross if gross < 0 else None


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


def action_sessions_from_trades(trades: Iterable[Trade]) -> Counter[date]:
    """Journaled actions per session as far as the trades show them (opens, closes, notes)."""
    actions: Counter[date] = Counter()
    for trade in trades:
        actions[trade.session] += 1
        if trade.close_session is not None:
            actions[trade.close_session] += 1
        for note in trade.notes:
            actions[session_of(note.at)] += 1
    return actions


def _review_moment(trade: Trade) -> datetime:
    return trade.closed_at if trade.closed_at is not None else trade.opened_at


def _label(trade: Trade) -> str:
    return f"Trade {trade.id} ({trade.underlying} {trade.structure.value.replace('_', ' ')})"


def _entry_breach(trade: Trade, detail: str, session: date) -> Breach:
    """A breach at the trade's entry; `session` is its opening session (`ctx.sessions`)."""
    return Breach(session=session, at=trade.opened_at, detail=detail, trade_id=trade.id)


# ----------------------------------------------------------------------------- rules


def check_not_defined_risk(ctx: DisciplineContext) -> Iterator[Breach]:
    """The legs must prove a defined-risk spread. A trade whose current legs and prices already
    passed the proof (`Trade.proved_defined_risk`: validated, or written so by the journal) is
    not proved twice; any other (bypassed validation, altered copy) is proved here."""
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
    for trade, session in zip(ctx.trades, ctx.sessions):
        problems = []
        if trade.quantity > rung.max_contracts:
            problems.append(f"{trade.quantity} units (cap {rung.max_contracts})")
        if trade.max_loss_usd > rung.max_loss_usd:
            problems.append(f"max loss {usd(trade.max_loss_usd)} (cap {usd(rung.max_loss_usd)})")
        if problems:
            yield _entry_breach(
                trade,
                f"{_label(trade)} is above ladder level {rung.level}: {' and '.join(problems)}.",
                session,
            )


def check_too_many_concurrent(ctx: DisciplineContext) -> Iterator[Breach]:
    """Opening a trade must not make more spreads open than the concurrency cap."""
    cap = ctx.settings.max_concurrent_spreads
    for trade, earlier, session in zip(ctx.trades, ctx.open_at_entry, ctx.sessions):
        if len(earlier) + 1 > cap:
            shown = ", ".join([str(t.id) for t in earlier])
            yield _entry_breach(
                trade,
                f"{_label(trade)} made {len(earlier) + 1} spreads open at once (cap {cap}; "
                f"already open: {shown}).",
                session,
            )


def check_underlying_risk(ctx: DisciplineContext) -> Iterator[Breach]:
    """Open max loss on one underlying family, the new trade included, <= pct x risk capital."""
    pct = ctx.settings.symbol_risk_max_pct
    limit = ctx.risk_capital_usd * pct / HUNDRED
    of_capital = f"above {pct} % of the {usd(ctx.risk_capital_usd)} risk capital ({usd(limit)})."
    for trade, family, before, session in zip(
        ctx.trades, ctx.families, ctx.family_risk_before_entry, ctx.sessions
    ):
        total = before + trade.max_loss_usd
        if total > limit:
            yield _entry_breach(
                trade,
                f"{_label(trade)} put {usd(total)} of open risk on {family}, {of_capital}",
                session,
            )


def check_revenge_entry(ctx: DisciplineContext) -> Iterator[Breach]:
    """No entry within REVENGE_GUARD_MINUTES after a losing close."""
    guard = timedelta(minutes=ctx.settings.revenge_guard_minutes)
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
        since = trade.opened_at - closes[index]
        if since < guard:
            yield _entry_breach(
                trade,
                f"{_label(trade)} opened {since.total_seconds() / 60:.0f} min after trade "
                f"{loss.id} closed at a loss of {usd(-(loss.net_pnl_usd or ZERO))} (guard "
                f"{ctx.settings.revenge_guard_minutes} min).",
                session,
            )


def check_closed_beyond_stop(ctx: DisciplineContext) -> Iterator[Breach]:
    """A closed trade's loss before fees must not exceed its planned stop."""
    for trade in ctx.trades:
        loss = _loss_before_fees_usd(trade)
        stop = trade.stop_loss_usd
        if stop is not None and loss is not None and loss > stop and trade.closed_at:
            yield Breach(
                session=session_of(trade.closed_at),
                at=trade.closed_at,
                detail=f"{_label(trade)} lost {usd(loss)} before fees, beyond its "
                f"{usd(stop)} stop.",
                trade_id=trade.id,
            )


def check_no_planned_exit(ctx: DisciplineContext) -> Iterator[Breach]:
    """Every trade needs a profit target, a stop or a time exit when it opens."""
    for trade, session in zip(ctx.trades, ctx.sessions):
        if (
            trade.profit_target_usd is None
            and trade.stop_loss_usd is None
            and trade.time_exit_at is None
        ):
            yield _entry_breach(
                trade, f"{_label(trade)} was opened without a target, stop or time exit.", session
            )


def check_risky_order_refused(ctx: DisciplineContext) -> Iterator[Breach]:
    """A HIGH alert for an order refused for risk, or an entry tried during a halt."""
    for alert in ctx.alerts:
        if alert.rule in RISKY_ORDER_ALERTS:
            yield Breach(
                session=alert.session,
                at=alert.raised_at,
                detail=f"HIGH alert {alert.id}: {alert.rule} ({alert.message}).",
                alert_id=alert.id,
                trade_id=alert.trade_id,
            )


def check_held_past_time_exit(ctx: DisciplineContext) -> Iterator[Breach]:
    """Close by the planned time exit; a trade still open past it breaks the rule now."""
    now = to_utc(ctx.now)
    for trade in ctx.trades:
        deadline = trade.time_exit_at
        if deadline is None:
            continue
        end = trade.closed_at if trade.closed_at is not None else now
        if end > deadline:
            state = "closed at " + end.isoformat() if trade.closed_at else "is still open"
            yield Breach(
                session=session_of(deadline),
                at=deadline,
                detail=f"{_label(trade)} {state}, past its {deadline.isoformat()} time exit.",
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
                detail=f"{_label(trade)}: the review says the plan was not followed.",
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
                detail=f"{_label(trade)}: mistake tagged '{mistake}'.",
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


# ----------------------------------------------------------------------------- runner


def run_rules(
    ctx: DisciplineContext, rules: Sequence[DisciplineRule] = DISCIPLINE_RULES
) -> list[Violation]:
    """Every violation of every rule, ordered by time, rule order, then trade."""
    order = {rule.id: index for index, rule in enumerate(rules)}
    # Built from typed breaches without a second validation (a large journal can break rules
    # hundreds of thousands of times); one fields-set is shared by the whole run.
    names = field_names(Violation)
    found = [
        build_validated(
            Violation,
            {
                "rule": rule.id,
                "points": rule.weight,
                "session": breach.session,
                "at": breach.at,
                "detail": breach.detail,
                "trade_id": breach.trade_id,
                "alert_id": breach.alert_id,
            },
            names,
        )
        for rule in rules
        for breach in rule.check(ctx)
    ]
    return sorted(
        found, key=lambda v: (v.at, order[v.rule], v.trade_id or 0, v.alert_id or 0, v.detail)
    )


def _score_parts(
    violations: Sequence[Violation], rules: Sequence[DisciplineRule]
) -> tuple[ScorePart, ...]:
    counts = Counter(v.rule for v in violations)
    return tuple(
        ScorePart(
            rule=rule.id,
            weight=rule.weight,
            count=counts[rule.id],
            points=rule.weight * counts[rule.id],
            sentence=rule.sentence,
        )
        for rule in rules
        if counts[rule.id]
    )


def _session_verdicts(
    actions: Counter[date], violations: Sequence[Violation], alerts: Sequence[Alert], today: date
) -> tuple[SessionVerdict, ...]:
    broken: dict[date, list[RuleId]] = {}
    for violation in violations:
        broken.setdefault(violation.session, []).append(violation.rule)
    alert_counts = Counter(alert.session for alert in alerts)
    sessions = sorted(s for s in set(actions) | set(broken) | set(alert_counts) if s <= today)
    return tuple(
        SessionVerdict(
            session=s,
            actions=actions.get(s, 0),
            violations=tuple(broken.get(s, ())),
            high_alerts=alert_counts.get(s, 0),
        )
        for s in sessions
    )


def evaluate_discipline(
    trades: Sequence[Trade],
    *,
    settings: Settings,
    now: datetime,
    alerts: Sequence[Alert] = (),
    journaled_sessions: Iterable[date] | Mapping[date, int] | None = None,
    ladder_level: int = 1,
    risk_capital_usd: Decimal | None = None,
    window_trades: int = DISCIPLINE_WINDOW_TRADES,
    rules: Sequence[DisciplineRule] = DISCIPLINE_RULES,
) -> DisciplineReport:
    """Run every rule over every trade and alert; score the window; judge each session.

    `journaled_sessions` lists the sessions with journaled actions (e.g. the journal's
    `sessions_frame()["session"]`, or a session -> action count mapping); without it they are
    read off the trades (opens, closes, notes). `risk_capital_usd` defaults to the settings' risk
    budget (net liquidating value at each past entry is unknown). Trades opened after `now` and
    alerts raised after it are ignored.
    """
    if window_trades < 1:
        raise ValueError("the discipline window must hold at least 1 trade")
    moment = to_utc(now)
    today = session_of(moment)
    ordered = tuple(
        sorted((t for t in trades if t.opened_at <= moment), key=lambda t: (t.opened_at, t.id))
    )
    known_alerts = tuple(a for a in alerts if to_utc(a.raised_at) <= moment)
    ctx = DisciplineContext(
        trades=ordered,
        open_at_entry=open_at_each_entry(ordered),
        alerts=known_alerts,
        halts=halt_windows(known_alerts, settings.halt_hours),
        settings=settings,
        ladder_level=ladder_level,
        risk_capital_usd=settings.risk_budget_usd if risk_capital_usd is None else risk_capital_usd,
        now=moment,
    )
    every = run_rules(ctx, rules)
    window = ordered[-window_trades:]
    window_ids = tuple(t.id for t in window)
    first = min(ctx.sessions[-window_trades:], default=today)
    counted = frozenset(window_ids)
    in_window = tuple(
        v
        for v in every
        if (v.trade_id in counted if v.alert_id is None else first <= v.session <= today)
    )
    parts = _score_parts(in_window, rules)
    if journaled_sessions is None:
        actions = action_sessions_from_trades(ordered)
    else:
        actions = Counter(journaled_sessions)
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
        sessions=_session_verdicts(actions, every, known_alerts, today),
    )
