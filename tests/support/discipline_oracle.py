"""Discipline as it judged before the judging frame: every rule over every trade's model.

`literal_evaluate_discipline` is `evaluate_discipline` as it was before it read the judging
frame (the literal rules of `utils.judge.discipline_rules` run over every model, every
violation built with its sentence); `literal_breaches` is what those rules yield, in the
columns of `utils.judge.discipline_history.history_breaches`. The property tests hold the
columnar path to both. Nothing outside tests/ imports this module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal

from utils.core.config import Settings
from utils.core.sessions import session_of, to_utc
from utils.journal.trade import Trade
from utils.judge.discipline import (
    DISCIPLINE_WINDOW_TRADES,
    FULL_SCORE,
    DisciplineReport,
    SessionVerdict,
    Violation,
    _score_parts,
    action_sessions_from_trades,
    plan_declarations,
    run_rules,
)
from tests.support.judging_fast_paths_reference import literal_on_sessions
from utils.judge.history_sweeps import instant_ns
from utils.judge.discipline_rules import (
    DISCIPLINE_RULES,
    DisciplineContext,
    RuleId,
    halt_windows,
)
from utils.judge.risk import open_at_each_entry
from utils.records.alerts import Alert
from utils.records.working_orders import WorkingOpening


def literal_context(
    trades: Sequence[Trade],
    *,
    settings: Settings,
    now: datetime,
    alerts: Sequence[Alert] = (),
    ladder_level: int = 1,
    risk_capital_usd: Decimal | None = None,
    working: Sequence[WorkingOpening] = (),
) -> DisciplineContext:
    """The rules' context over every trade opened by `now`, as discipline built it."""
    moment = to_utc(now)
    ordered = tuple(
        sorted((t for t in trades if t.opened_at <= moment), key=lambda t: (t.opened_at, t.id))
    )
    known_alerts = tuple(a for a in alerts if to_utc(a.raised_at) <= moment)
    return DisciplineContext(
        trades=ordered,
        open_at_entry=open_at_each_entry(ordered),
        alerts=known_alerts,
        halts=halt_windows(known_alerts, settings.halt_hours),
        settings=settings,
        ladder_level=ladder_level,
        risk_capital_usd=settings.risk_budget_usd if risk_capital_usd is None else risk_capital_usd,
        now=moment,
        working=tuple(
            sorted(
                (o for o in working if to_utc(o.submitted_at) <= moment),
                key=lambda o: to_utc(o.submitted_at),
            )
        ),
    )


def literal_breaches(ctx: DisciplineContext) -> list[tuple[str, int, int, int, int]]:
    """Every violation the literal rules yield, as (rule, trade id, alert id, session ordinal,
    instant in ns) rows in their order (0 for no trade or alert)."""
    return [
        (str(v.code), v.trade_id or 0, v.alert_id or 0, v.session.toordinal(), instant_ns(v.at))
        for v in run_rules(ctx)
    ]


def literal_evaluate_discipline(
    trades: Sequence[Trade],
    *,
    settings: Settings,
    now: datetime,
    alerts: Sequence[Alert] = (),
    journaled_sessions: Iterable[date] | Mapping[date, int] | None = None,
    ladder_level: int = 1,
    risk_capital_usd: Decimal | None = None,
    window_trades: int = DISCIPLINE_WINDOW_TRADES,
    working: Sequence[WorkingOpening] = (),
) -> DisciplineReport:
    """Every rule over every model; the window's violations and the session verdicts from the
    whole list (the report `evaluate_discipline` built before the judging frame)."""
    moment = to_utc(now)
    today = session_of(moment)
    ctx = literal_context(
        trades,
        settings=settings,
        now=now,
        alerts=alerts,
        ladder_level=ladder_level,
        risk_capital_usd=risk_capital_usd,
        working=working,
    )
    every = run_rules(ctx)
    window = ctx.trades[-window_trades:]
    window_ids = tuple(t.id for t in window)
    first = min(ctx.sessions[-window_trades:], default=today)
    counted = frozenset(window_ids)
    in_window = tuple(
        v
        for v in every
        if (
            v.trade_id in counted
            if v.alert_id is None and v.trade_id is not None
            else first <= v.session <= today
        )
    )
    parts = _score_parts(in_window, DISCIPLINE_RULES)
    if journaled_sessions is None:
        actions = action_sessions_from_trades(ctx.trades)
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
        sessions=_verdicts(actions, every, ctx.alerts, today),
        plans=plan_declarations(window),
    )


def _verdicts(
    actions: Counter[date], violations: Sequence[Violation], alerts: Sequence[Alert], today: date
) -> tuple[SessionVerdict, ...]:
    broken: dict[date, list[RuleId]] = {}
    for violation in violations:
        broken.setdefault(violation.session, []).append(violation.code)
    actions = literal_on_sessions(actions)
    alert_counts = literal_on_sessions(Counter(alert.session for alert in alerts))
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
