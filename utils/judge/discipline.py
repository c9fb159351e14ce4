"""Discipline: rule checks on trades and sessions -> violations -> a 0-100 score and clean sessions.

Each rule is a small named function with an id, a weight (the points one violation costs) and a
sentence; `DISCIPLINE_RULES` lists them. `evaluate_discipline` judges the whole history from the
journal's judging frame (`utils.journal.judging_frame`) with numpy
(`utils.judge.discipline_history`), and builds violations with their sentences (the literal
rules over validated models, loaded by `load_trades`) only for the window. Nothing here reads a
store: the frame, its loader, alerts and journaled sessions come in as data.

    report = evaluate_discipline(
        journal.judging_frame(), load_trades=journal.trades_by_ids, settings=settings,
        now=now, alerts=alert_store.alerts(), journaled_sessions=journal.journaled_sessions(),
        working=working_openings, ladder_level=1,
    )
    report.score, report.parts, report.violations, report.clean_sessions, report.sentence

**Score** (docs/DISCIPLINE_AND_GATES.md has the same text):

    score = max(0, 100 - sum of the weights of the violations in the window)

The **window** is the last `DISCIPLINE_WINDOW_TRADES` (20) trades by opening time, open or closed
(a violation at entry counts at once, not only after the close), and every New York session from
the first of them through today. Trade violations count when their trade is in the window;
session violations (refused risky orders, working opening orders over a limit) count when their
session is in the window. With no trade yet the score is 100 and `trades_in_window` is 0.

**Clean session** = an NYSE session with at least one journaled action, no violation of any
rule (whatever the window) and no HIGH alert. Counted over the whole history up to today.
Weekends and exchange holidays are never sessions: an action, violation or alert on one counts
for the next session (`utils.core.sessions.session_of`).

The rules, their weights and checks are `utils.judge.discipline_rules`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, overload

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, SkipValidation

from utils.core.config import Settings
from utils.core.prevalidated import build_validated, field_names
from utils.core.reasons import Reason
from utils.core.sessions import session_of, to_utc
from utils.journal.exit_plans import PlanDeclared
from utils.journal.judging_frame import frame_from_trades
from utils.journal.trade import Trade
from utils.judge.discipline_rules import (
    DISCIPLINE_RULES,
    DisciplineContext,
    DisciplineRule,
    RuleId,
)
from utils.judge.breach_table import KeptBreaches
from utils.judge.discipline_history import HistoryInputs, TradeLoader, kept_breaches
from utils.judge.entry_figures import EntryFigures
from utils.judge.risk import open_at_each_entry
from utils.records.alerts import Alert
from utils.judge.session_verdicts import SessionVerdict, session_verdicts
from utils.records.working_orders import WorkingOpening

DISCIPLINE_WINDOW_TRADES = 20
FULL_SCORE = 100

SCORE_FORMULA = (
    "score = max(0, 100 - sum of the weights of the violations in the window); the window is "
    "the last 20 trades by opening time and every session from the first of them to today."
)
CLEAN_SESSION_DEFINITION = (
    "A clean session is an NYSE trading day with at least one journaled action, no rule "
    "violation and no HIGH alert; an action on a weekend or holiday counts for the next session."
)


class Violation(Reason[RuleId]):
    """One rule broken once: which rule (`code`), why (`sentence`), what it cost, and where; the
    session, time, trade and alert are its evidence, as typed fields."""

    points: int
    session: date
    at: datetime
    trade_id: int | None = None
    alert_id: int | None = None


class ScorePart(BaseModel):
    """What one rule cost in the window: weight x count = points."""

    model_config = ConfigDict(frozen=True)

    rule: RuleId
    weight: int
    count: int
    points: int
    sentence: str


class PlanDeclarations(BaseModel):
    """Trades of the window whose exit plan was declared the same way (and, by playbook at
    import, by the same declaration)."""

    model_config = ConfigDict(frozen=True)

    declared: PlanDeclared
    source: str
    trade_ids: tuple[int, ...]


def plan_declarations(trades: Sequence[Trade]) -> tuple[PlanDeclarations, ...]:
    """How each trade's plan was declared, grouped: at entry, by playbook at import (one group
    per playbook and import), after entry only, none; in that order."""
    groups: dict[tuple[PlanDeclared, str], list[int]] = {}
    for trade in trades:
        entry = trade.entry_plan
        source = (
            entry.source
            if entry.declared is PlanDeclared.PLAYBOOK_AT_IMPORT
            else entry.declared.label
        )
        groups.setdefault((entry.declared, source), []).append(trade.id)
    order = list(PlanDeclared)
    return tuple(
        PlanDeclarations(declared=declared, source=source, trade_ids=tuple(ids))
        for (declared, source), ids in sorted(
            groups.items(), key=lambda item: (order.index(item[0][0]), item[0][1])
        )
    )


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
    all_violations: Annotated[Sequence[Violation], SkipValidation]
    sessions: tuple[SessionVerdict, ...]
    plans: tuple[PlanDeclarations, ...] = ()

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
    def plans_sentence(self) -> str:
        """How the window's plans were declared: '18 declared at entry; 2 declared by ...'."""
        return "; ".join(f"{len(group.trade_ids)} {group.source}" for group in self.plans)

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
                "code": rule.id,
                "sentence": breach.sentence,
                "evidence": {},
                "points": rule.weight,
                "session": breach.session,
                "at": breach.at,
                "trade_id": breach.trade_id,
                "alert_id": breach.alert_id,
            },
            names,
        )
        for rule in rules
        for breach in rule.check(ctx)
    ]
    return sorted(
        found, key=lambda v: (v.at, order[v.code], v.trade_id or 0, v.alert_id or 0, v.sentence)
    )


def _score_parts(
    violations: Sequence[Violation], rules: Sequence[DisciplineRule]
) -> tuple[ScorePart, ...]:
    counts = Counter(v.code for v in violations)
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


def loader_over(trades: Sequence[Trade]) -> TradeLoader:
    """A trade loader over trades already in memory (what `Journal.trades_by_ids` is for the
    journal)."""
    by_id: dict[int, list[Trade]] = {}
    for trade in trades:
        by_id.setdefault(trade.id, []).append(trade)

    def load(ids: Sequence[int]) -> list[Trade]:
        return [trade for i in dict.fromkeys(ids) for trade in by_id.get(i, ())]

    return load


def _context(data: HistoryInputs, trades: tuple[Trade, ...]) -> DisciplineContext:
    """The literal rules' context over some of the history's trades (by opening time)."""
    return DisciplineContext(
        trades=trades,
        open_at_entry=open_at_each_entry(trades),
        alerts=data.alerts,
        halts=data.halts,
        settings=data.settings,
        ladder_level=data.ladder_level,
        risk_capital_usd=data.risk_capital_usd,
        now=data.now,
        working=data.working,
    )


class AllViolations(Sequence[Violation]):
    """Every violation of the whole history, with its sentence, built by the literal rules over
    every trade's model on first read (the report shows only the window's; nothing on the
    page reads these)."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, data: HistoryInputs) -> None:
        self._data = data

    @cached_property
    def _items(self) -> tuple[Violation, ...]:
        every = np.ones(len(self._data.ids), dtype=bool)
        return tuple(run_rules(_context(self._data, self._data.models(every))))

    @overload
    def __getitem__(self, index: int) -> Violation: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Violation]: ...

    def __getitem__(self, index: int | slice) -> Violation | Sequence[Violation]:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AllViolations | tuple):
            return self._items == tuple(other)
        return NotImplemented

    def __repr__(self) -> str:
        return repr(self._items)


@dataclass(frozen=True)
class KeptDiscipline:
    """What a report leaves a reading on from it: each trade's figures at its entry, the
    history's breaches (`kept_breaches`) and the session verdicts."""

    figures: EntryFigures
    breaches: KeptBreaches
    sessions: tuple[SessionVerdict, ...]


def kept_of(report: DisciplineReport) -> KeptDiscipline | None:
    """What a reading on from the report keeps, as its history worked it out (None for a report
    not built over a history)."""
    every = report.all_violations
    if not isinstance(every, AllViolations):
        return None
    data = every._data
    return KeptDiscipline(data.entry_figures(), kept_breaches(data), report.sessions)


def _counted_in_window(
    violations: Iterable[Violation], window_ids: frozenset[int], first: date, today: date
) -> tuple[Violation, ...]:
    """Trade violations of the window's trades; session violations of its sessions."""
    return tuple(
        v
        for v in violations
        if (
            v.trade_id in window_ids
            if v.alert_id is None and v.trade_id is not None
            else first <= v.session <= today
        )
    )


def evaluate_discipline(
    trades: pd.DataFrame | Sequence[Trade],
    *,
    settings: Settings,
    now: datetime,
    load_trades: TradeLoader | None = None,
    alerts: Sequence[Alert] = (),
    journaled_sessions: Iterable[date] | Mapping[date, int] | None = None,
    ladder_level: int = 1,
    risk_capital_usd: Decimal | None = None,
    window_trades: int = DISCIPLINE_WINDOW_TRADES,
    working: Sequence[WorkingOpening] = (),
    read_on: tuple[KeptDiscipline, int] | None = None,
) -> DisciplineReport:
    """Judge every trade and alert by every rule; score the window; judge each session.

    `trades` is the journal's judging frame (`utils.journal.judging_frame`, by opening time
    then id) with `load_trades` (`Journal.trades_by_ids`) building the models of the few trades
    the window's sentences need, or the trades themselves (judged through the same frame).
    `journaled_sessions` lists the sessions with journaled actions (e.g. the journal's
    `journaled_sessions()`, or a session -> action count mapping); required with a frame, and
    read off the trades (opens, closes, notes) when trades are given without it.
    `risk_capital_usd` defaults to the settings' risk budget (net liquidating value at each
    past entry is unknown). Trades opened after `now` and alerts raised after it are ignored.
    `working` are the opening orders still working (or of unknown outcome): they count as open
    spreads from when they were sent (TOO_MANY_CONCURRENT, UNDERLYING_RISK_OVER_LIMIT), their
    own violations in the session they were sent. `read_on`: what the reading before keeps
    (`kept_of` its report) and how many first rows of the frame were its frame.
    """
    if window_trades < 1:
        raise ValueError("the discipline window must hold at least 1 trade")
    moment = to_utc(now)
    today = session_of(moment)
    if isinstance(trades, pd.DataFrame):
        if load_trades is None or journaled_sessions is None:
            raise ValueError("a judging frame needs its trade loader and journaled sessions")
        frame = trades
    else:
        models = tuple(trades)
        frame, load_trades = frame_from_trades(models), loader_over(models)
        if journaled_sessions is None:
            journaled_sessions = action_sessions_from_trades(
                t for t in models if t.opened_at <= moment
            )
    data = HistoryInputs.judging(
        frame,
        load_trades=load_trades,
        settings=settings,
        now=moment,
        alerts=alerts,
        working=working,
        ladder_level=ladder_level,
        risk_capital_usd=risk_capital_usd,
        read_on=None if read_on is None else (read_on[0].figures, read_on[1]),
        breaches_on=None if read_on is None else read_on[0].breaches,
    )
    window_ids = tuple(int(i) for i in data.ids[-window_trades:])
    first = date.fromordinal(int(data.sessions[-window_trades:].min())) if window_ids else today
    # The window's violations, with sentences: the literal rules over just the trades they
    # need (the window is the frame's tail: its models are the last ones loaded).
    ctx = _context(data, data.models(data.needed_for_window(len(window_ids))))
    window = ctx.trades[len(ctx.trades) - len(window_ids) :]
    in_window = _counted_in_window(run_rules(ctx), frozenset(window_ids), first, today)
    parts = _score_parts(in_window, DISCIPLINE_RULES)
    return DisciplineReport(
        evaluated_at=moment,
        window_size=window_trades,
        window_trade_ids=window_ids,
        window_first_session=first,
        window_last_session=today,
        score=max(0, FULL_SCORE - sum(part.points for part in parts)),
        parts=parts,
        violations=in_window,
        all_violations=AllViolations(data),
        sessions=session_verdicts(
            Counter(journaled_sessions),
            kept_breaches(data).by_session,
            data.alerts,
            today,
            () if read_on is None else read_on[0].sessions,
        ),
        plans=plan_declarations(window),
    )
