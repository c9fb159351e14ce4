"""The discipline coach (the checklist's "Discipline AI"): non-critical notes and an Action Plan.

Derived by plain rules from the journal, the discipline report and (optionally) the gate report.
The coach never raises a HIGH alert and never blocks anything: alerts are HIGH only, the coach is
advice only (checklist Notes). It imports nothing from `utils.records.alerts` on purpose.

    report = coach_report(trades, discipline=discipline, settings=settings, now=now, gates=gates)
    report.notes        -> tuple[CoachNote(code, level INFO|WATCH, sentence, evidence)]
    report.action_plan  -> tuple[ActionItem(priority, code, sentence)]   (1 = do first)

Each note is a small named function in `COACH_RULES`; a rule returns None when it has nothing
useful to say. Percentages are Decimal, rounded for display only.

The Action Plan starts with one next step per failing gate, in gate order, then the notes' actions
by priority. Rules are named in words, never by their ids (both in `utils.judge.coach_gate_steps`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from functools import cached_property

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from utils.core.config import Settings
from utils.core.reasons import Reason
from utils.judge.discipline import DisciplineReport, loader_over
from utils.judge.discipline_history import TradeLoader
from utils.judge.coach_gate_steps import gate_steps, rule_name
from utils.judge.gates import GateCode, GateReport
from utils.judge.history import (
    closed_by,
    ids_of,
    in_close_order,
    judging_frame_of,
    trades_in_order,
)
from utils.journal.judging_frame import frame_from_trades
from utils.judge.risk import RevengeGuard
from utils.journal.trade import Trade
from utils.core.sessions import to_utc

DEFAULT_TARGET_PCT = Decimal(50)
WINNERS_LOOKED_AT = 10
MIN_WINNERS = 3
TARGET_SLACK_PCT = Decimal(10)
LOSSES_LOOKED_AT = 5
MIN_QUICK_LOSSES = 2
FULL_LOSS_R = Decimal("-0.9")
TRADES_FOR_FULL_LOSSES = 10
MIN_FULL_LOSSES = 2
MIN_REPEATS = 2
MIN_STREAK = 3
MAX_ACTIONS = 5
HUNDRED = Decimal(100)
# What the coach reads of the closed trades.
COACH_COLUMNS = ("id", "opened_at", "closed_at", "net_pnl_cents", "max_loss_cents")


class CoachLevel(StrEnum):
    """How much a note matters. There is deliberately no HIGH: that is the alerts' job."""

    INFO = "info"
    WATCH = "watch"


class CoachCode(StrEnum):
    """What a coach note is about (one code per rule's finding)."""

    COSTLIEST_RULE = "COSTLIEST_RULE"
    LOSSES_AFTER_LOSSES = "LOSSES_AFTER_LOSSES"
    FULL_LOSSES = "FULL_LOSSES"
    WINNERS_CLOSED_EARLY = "WINNERS_CLOSED_EARLY"
    WINNERS_HELD_PAST_TARGET = "WINNERS_HELD_PAST_TARGET"
    REPEATED_MISTAKE = "REPEATED_MISTAKE"
    GATE_PROGRESS = "GATE_PROGRESS"
    CLEAN_STREAK = "CLEAN_STREAK"
    FAILING_GATE = "FAILING_GATE"


class CoachNote(Reason[CoachCode]):
    """One observation from the journal, with the numbers behind it."""

    level: CoachLevel


class ActionItem(Reason[CoachCode]):
    """One step of the Action Plan (priority 1 first); its code is the note it comes from."""

    priority: int


class CoachAdvice(BaseModel):
    """What one coach rule found: a note and, optionally, the action it suggests."""

    model_config = ConfigDict(frozen=True)

    note: CoachNote
    action: str | None = None
    priority: int = 5


class CoachReport(BaseModel):
    """Every note, and the Action Plan built from them."""

    model_config = ConfigDict(frozen=True)

    evaluated_at: datetime
    notes: tuple[CoachNote, ...]
    action_plan: tuple[ActionItem, ...]


@dataclass(frozen=True)
class CoachInput:
    """What the coach rules read: the closed trades as judging-frame rows in close order (or
    as models), and `load_trades` for the few models a note names (default: among `closed`)."""

    closed: pd.DataFrame | tuple[Trade, ...]
    discipline: DisciplineReport
    gates: GateReport | None
    settings: Settings
    window_trades: tuple[Trade, ...]
    load_trades: TradeLoader | None = None

    @cached_property
    def closed_rows(self) -> pd.DataFrame:
        """The closed trades as judging-frame rows, in close order."""
        if isinstance(self.closed, pd.DataFrame):
            return self.closed
        return in_close_order(frame_from_trades(self.closed))

    def trades(self, ids: Sequence[int]) -> tuple[Trade, ...]:
        """The models of some closed trades, in the order of `ids`."""
        load = self.load_trades
        if load is None:
            load = loader_over(() if isinstance(self.closed, pd.DataFrame) else self.closed)
        return trades_in_order(load, ids)


def _pct(value: Decimal) -> str:
    return str(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def _pnl_cents(rows: pd.DataFrame) -> np.ndarray:
    """Net P&L in cents as floats (exact: whole cents), NaN where there is none (neither a win
    nor a loss)."""
    return rows["net_pnl_cents"].to_numpy(dtype="float64", na_value=np.nan)


def last_winners(data: CoachInput) -> list[Trade]:
    """The last `WINNERS_LOOKED_AT` closed winners with a known max profit, as models (only
    the tail of the winners is loaded)."""
    rows = data.closed_rows
    ids = rows["id"].to_numpy(dtype="int64")[_pnl_cents(rows) > 0]
    wanted = WINNERS_LOOKED_AT
    while True:
        winners = [t for t in data.trades(ids[-wanted:].tolist()) if t.max_profit_usd]
        if len(winners) >= WINNERS_LOOKED_AT or wanted >= len(ids):
            return winners[-WINNERS_LOOKED_AT:]
        wanted *= 2


def coach_winners_closed_early(data: CoachInput) -> CoachAdvice | None:
    """Winners closed well before (or after) the planned share of max profit."""
    winners = last_winners(data)
    if len(winners) < MIN_WINNERS:
        return None
    captured = _mean([(t.net_pnl_usd + t.fees_usd) / t.max_profit_usd * HUNDRED for t in winners])
    targets = [
        t.profit_target_usd / t.max_profit_usd * HUNDRED
        for t in winners
        if t.profit_target_usd is not None
    ]
    plan = _mean(targets) if targets else DEFAULT_TARGET_PCT
    evidence = {
        "winners": str(len(winners)),
        "captured_pct": _pct(captured),
        "plan_pct": _pct(plan),
        "trade_ids": ", ".join(str(t.id) for t in winners),
    }
    if captured < plan - TARGET_SLACK_PCT:
        note = CoachNote(
            code=CoachCode.WINNERS_CLOSED_EARLY,
            level=CoachLevel.WATCH,
            sentence=f"You closed winners at {_pct(captured)} % of max profit against a "
            f"{_pct(plan)} % plan (last {len(winners)} winners).",
            evidence=evidence,
        )
        action = (
            f"Let winners reach your {_pct(plan)} % target: place the closing order at the "
            "target when you open."
        )
        return CoachAdvice(note=note, action=action, priority=3)
    if captured > plan + TARGET_SLACK_PCT:
        note = CoachNote(
            code=CoachCode.WINNERS_HELD_PAST_TARGET,
            level=CoachLevel.INFO,
            sentence=f"You held winners to {_pct(captured)} % of max profit against a "
            f"{_pct(plan)} % plan: the last dollars carry the most risk.",
            evidence=evidence,
        )
        return CoachAdvice(note=note, action="Take profits at your planned target.", priority=4)
    return None


def coach_losses_after_losses(data: CoachInput) -> CoachAdvice | None:
    """Losses that came soon after a previous losing close (a tilt pattern)."""
    minutes = data.settings.revenge_guard_minutes
    guard = pd.Timedelta(RevengeGuard(minutes).window).value  # in ns, as the instants below
    rows = data.closed_rows
    losses = np.flatnonzero(_pnl_cents(rows) < 0)  # rows, in close order as `closed_rows` are
    recent = losses[-LOSSES_LOOKED_AT:]
    # A prior losing close counts when the revenge guard would have refused the entry:
    # 0 <= entry - close < guard, i.e. close in (entry - guard, entry]; the loss itself counts
    # when it closed in that span (a zero-length trade), so it is taken off.
    closed_at = rows["closed_at"].to_numpy(dtype="datetime64[ns]").view("int64")
    closes, own = closed_at[losses], closed_at[recent]
    entries = rows["opened_at"].to_numpy(dtype="datetime64[ns]").view("int64")[recent]
    priors = np.searchsorted(closes, entries, side="right") - np.searchsorted(
        closes, entries - guard, side="right"
    )
    itself = ((own > entries - guard) & (own <= entries)).astype(int)
    quick = tuple(rows["id"].to_numpy(dtype="int64")[recent[(priors - itself) > 0]].tolist())
    if len(quick) < MIN_QUICK_LOSSES:
        return None
    note = CoachNote(
        code=CoachCode.LOSSES_AFTER_LOSSES,
        level=CoachLevel.WATCH,
        sentence=f"{len(quick)} of your last {len(recent)} losses came within {minutes} minutes "
        "of a previous loss.",
        evidence={"trade_ids": ", ".join(str(i) for i in quick)},
    )
    action = f"After a losing close, step away for {minutes} minutes before the next entry."
    return CoachAdvice(note=note, action=action, priority=2)


def coach_full_losses(data: CoachInput) -> CoachAdvice | None:
    """Trades that ran to (nearly) full max loss: the exit plan was not used."""
    recent = data.closed_rows.tail(TRADES_FOR_FULL_LOSSES)
    # R <= -0.9 decided exactly in whole cents: 10 x P&L <= -9 x 1R (1R > 0).
    one_r = recent["max_loss_cents"].to_numpy(dtype="float64")
    full = ids_of(recent[_pnl_cents(recent) * 10 <= int(FULL_LOSS_R * 10) * one_r])
    if len(full) < MIN_FULL_LOSSES:
        return None
    note = CoachNote(
        code=CoachCode.FULL_LOSSES,
        level=CoachLevel.WATCH,
        sentence=f"{len(full)} of your last {len(recent)} trades lost 90 % or more of their max "
        "loss.",
        evidence={"trade_ids": ", ".join(str(i) for i in full)},
    )
    action = "Set a stop when you open (for credit spreads, about 2x the credit) and honour it."
    return CoachAdvice(note=note, action=action, priority=2)


def coach_costliest_rule(data: CoachInput) -> CoachAdvice | None:
    """The discipline rule that cost the most points in the window."""
    if not data.discipline.parts:
        return None
    part = max(data.discipline.parts, key=lambda p: p.points)  # first in rule order on ties
    note = CoachNote(
        code=CoachCode.COSTLIEST_RULE,
        level=CoachLevel.WATCH,
        sentence=f"{rule_name(part.rule)} cost you {part.points} discipline points "
        f"({part.count} time(s)) in your last {data.discipline.trades_in_window} trades.",
        evidence={"rule": str(part.rule), "points": str(part.points)},
    )
    return CoachAdvice(note=note, action=part.sentence, priority=1)


def coach_repeated_mistake(data: CoachInput) -> CoachAdvice | None:
    """A mistake label the trader keeps tagging."""
    counts = Counter(label for t in data.window_trades for label in t.mistakes)
    if not counts:
        return None
    label, count = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0]
    if count < MIN_REPEATS:
        return None
    note = CoachNote(
        code=CoachCode.REPEATED_MISTAKE,
        level=CoachLevel.INFO,
        sentence=f"You tagged '{label}' {count} times in your last "
        f"{len(data.window_trades)} trades.",
        evidence={"mistake": label, "count": str(count)},
    )
    action = f"Write one rule into your plan that prevents '{label}', and check it before entry."
    return CoachAdvice(note=note, action=action, priority=3)


def coach_gate_progress(data: CoachInput) -> CoachAdvice | None:
    """How far the trade and clean-session gates still are."""
    if data.gates is None:
        return None
    trades = data.gates.gate(GateCode.MIN_TRADES)
    sessions = data.gates.gate(GateCode.MIN_CLEAN_SESSIONS)
    missing = []
    if not trades.passed and trades.headroom is not None:
        missing.append(f"{-trades.headroom} more trades")
    if not sessions.passed and sessions.headroom is not None:
        missing.append(f"{-sessions.headroom} more clean sessions")
    if not missing:
        return None
    sentence = f"Journal {' and '.join(missing)} to reach the gates."
    note = CoachNote(
        code=CoachCode.GATE_PROGRESS,
        level=CoachLevel.INFO,
        sentence=sentence,
        evidence={"trades": trades.actual_text, "clean_sessions": sessions.actual_text},
    )
    return CoachAdvice(note=note)  # the Action Plan's gate steps say what to do


def coach_clean_streak(data: CoachInput) -> CoachAdvice | None:
    """Praise a run of clean sessions (the latest sessions in a row)."""
    streak = 0
    for verdict in reversed(data.discipline.sessions):
        if not verdict.clean:
            break
        streak += 1
    if streak < MIN_STREAK:
        return None
    note = CoachNote(
        code=CoachCode.CLEAN_STREAK,
        level=CoachLevel.INFO,
        sentence=f"{streak} clean sessions in a row: keep the same routine.",
        evidence={"streak": str(streak)},
    )
    return CoachAdvice(note=note)


CoachRule = Callable[[CoachInput], CoachAdvice | None]

COACH_RULES: tuple[CoachRule, ...] = (
    coach_costliest_rule,
    coach_losses_after_losses,
    coach_full_losses,
    coach_winners_closed_early,
    coach_repeated_mistake,
    coach_gate_progress,
    coach_clean_streak,
)


def coach_report(
    trades: pd.DataFrame | Sequence[Trade],
    *,
    discipline: DisciplineReport,
    settings: Settings,
    now: datetime,
    gates: GateReport | None = None,
    rules: Sequence[CoachRule] = COACH_RULES,
    load_trades: TradeLoader | None = None,
) -> CoachReport:
    """Run every coach rule; the Action Plan is one step per failing gate (gate order), then the
    notes' actions by priority (at most 5 of those).

    `trades` is the judging frame with `load_trades` for the models a note names (or journal
    models, judged through their frame)."""
    moment = to_utc(now)
    if load_trades is None:
        if isinstance(trades, pd.DataFrame):
            raise ValueError("the coach needs load_trades to judge a judging frame")
        load_trades = loader_over(list(trades))
    data = CoachInput(
        closed=closed_by(judging_frame_of(trades), moment, COACH_COLUMNS),
        discipline=discipline,
        gates=gates,
        settings=settings,
        window_trades=trades_in_order(load_trades, discipline.window_trade_ids),
        load_trades=load_trades,
    )
    advice = [found for rule in rules if (found := rule(data)) is not None]
    with_actions = sorted((a for a in advice if a.action), key=lambda a: a.priority)[:MAX_ACTIONS]
    steps = [
        (CoachCode.FAILING_GATE, sentence, {"gate": code.value})
        for code, sentence in gate_steps(gates, discipline)
    ]
    steps += [(a.note.code, a.action or "", {}) for a in with_actions]
    plan = tuple(
        ActionItem(priority=rank, code=code, sentence=sentence, evidence=evidence)
        for rank, (code, sentence, evidence) in enumerate(steps, start=1)
    )
    return CoachReport(evaluated_at=moment, notes=tuple(a.note for a in advice), action_plan=plan)
