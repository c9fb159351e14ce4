"""Graduation gates, the live ramp, rollback triggers and the persisted rollback latch.

Every decision is a frozen model with codes, plain sentences and evidence. Nothing here opens a
store except `RollbackLatchStore`; trades, alerts, CI status and the sandbox record come in as
data. The texts of docs/DISCIPLINE_AND_GATES.md describe the same rules.

API (the broker guard and the cards rely on these names):

    evaluate_gates(*, trades, discipline, alerts, ci, sandbox, settings, now) -> GateReport
        trades: Sequence[Trade]; discipline: DisciplineReport; alerts: Sequence[Alert];
        ci: CiStatus; sandbox: SandboxValidationRecord | None; settings: Settings; now: datetime
    GateReport (frozen): .gates: tuple[GateResult, ...], .eligible: bool (every gate passed),
        .failing -> list[GateResult], .reasons -> list[str], .gate(code) -> GateResult,
        .evaluated_at, .sentence
    GateResult (frozen): code: GateCode, name, comparison, threshold / actual / headroom
        (Decimal | None), threshold_text, actual_text, headroom_text, passed, sentence,
        evidence: dict[str, str]

    ramp_level(*, settings, now, first_live_order_at, trades, discipline_score,
               ladder_level=None) -> RampDecision(stage, week, limits: TradeLimits, earned,
               first_live_order_at, sentence, reasons)
    first_live_order_at(trades) -> datetime | None   (first LIVE trade's opening time)

    rollback_triggers(*, trades, discipline_score, alerts, settings, now)
        -> list[RollbackTrigger(code: TriggerCode, sentence, evidence)]   (only those holding)

    RollbackLatchStore.open(data_dir, clock=utc_now)
        .state() -> LatchState(active, set_at, triggers, cleared_at, rollback_sequence, ...)
        .set(triggers, now=None) -> LatchState          (ValueError with no trigger)
        .clear(current_triggers, now=None, note="") -> LatchState
              (raises LatchClearRefused while any current trigger holds)
        .events() -> list[LatchEvent]; .close()

    open_risk_by_underlying(trades, *, settings, now, net_liquidating_value_usd=None)
        -> list[UnderlyingRisk]

Typical use by the broker guard, on every evaluation:

    found = rollback_triggers(trades=trades, discipline_score=discipline.score,
                              alerts=alert_store.alerts(), settings=settings, now=now)
    if found:
        latch.set(found, now)           # idempotent for triggers already latched
    if latch.state().forces_dry_run:    # dry-run whatever .env says; show state.sentence
        ...

Gates (checklist s0; the thresholds are the settings', which may only be stricter):

- MIN_TRADES: closed trades >= GATE_MIN_TRADES (25).
- MIN_CLEAN_SESSIONS: clean sessions >= GATE_MIN_CLEAN_SESSIONS (15) (see utils.judge.discipline).
- POSITIVE_EXPECTANCY: $ expectancy over every closed trade > GATE_MIN_EXPECTANCY_USD (0),
  decided exactly: sum of net P&L (Decimal cents) > threshold x N; no trade fails.
- MIN_DISCIPLINE: discipline score >= GATE_MIN_DISCIPLINE (70).
- NO_HIGH_ALERT_LAST_SESSION: the last session (the latest New York day up to today with a
  journaled action, a violation or a HIGH alert) has no HIGH alert.
- CI_GREEN: the CI record is green for the current commit with a clean tree.
- SANDBOX_VALIDATED: the latest sandbox validation record passed and ran in SANDBOX mode.

Ramp (checklist s8): before the first LIVE order, the observation caps (1 unit, <= 2 open). Weeks
count New York sessions from the first LIVE order's session: days 0-6 are week 1 (1 unit,
<= 2 open), days 7-13 week 2, then steady. Week 2 (2 units) and steady (the ladder's own caps)
are earned only while expectancy > 0 and discipline >= RAMP_WEEK2_MIN_DISCIPLINE (80);
otherwise the week-1 caps hold. Never above the ladder caps (`utils.judge.ladder.limits_for`).

Rollback triggers (checklist s9), each holding while its condition does:

- EXPECTANCY_NEGATIVE_LAST_10: the last 10 closed trades (a full window) sum to a loss.
- DISCIPLINE_BELOW_MIN: discipline score < GATE_MIN_DISCIPLINE (70).
- TWO_HIGH_ALERTS_ONE_SESSION: a session with >= 2 HIGH alerts, one of them still live.
- AUTH_ANOMALY / ORDER_ANOMALY: such a HIGH alert still live.

A HIGH alert is live until it is acknowledged and its halt has expired: the trader must look at
it and remediate, and the 24 h always runs out first. A trigger sets the rollback latch; the
latch forces dry-run whatever `.env` says and shows `ROLLBACK_SEQUENCE`; only the trader clears
it, and only when no trigger holds. Every set and clear is an append-only event.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from operator import attrgetter
from pathlib import Path

from pydantic import BaseModel, ConfigDict, computed_field

from utils.records.alerts import Alert, AlertRule
from utils.project.ci_status import CiStatus
from utils.core.config import Settings
from utils.judge.discipline import DisciplineReport, open_at, open_risk_by_family
from utils.journal.trade import Mode, Trade
from utils.judge.ladder import RampStage, TradeLimits, limits_for
from utils.judge.metrics import ROLLBACK_WINDOW_TRADES, last_n_expectancy
from utils.core.broker_target import validated_server_problem
from utils.records.sandbox import SandboxMode, SandboxValidationRecord
from utils.core.money import plain_usd, round_to_cent, usd
from utils.core.sessions import Clock, session_of, to_utc, utc_now
from utils.spreads.families import underlying_family
from utils.core.sqlite_store import connect, ensure_schema, journal_path, transaction

LATCH_COMPONENT = "rollback_latch"
DAYS_PER_RAMP_WEEK = 7
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)

ROLLBACK_SEQUENCE: tuple[str, ...] = (
    "Close risk per each trade's exit plan (closing orders and cancels still pass).",
    "Set ALWAYS_DRY_RUN=true in .env.",
    "Resume SANDBOX until the metrics recover; then clear the latch here.",
)

LATCH_MIGRATIONS = (
    """
    CREATE TABLE rollback_latch_events (
        id            INTEGER PRIMARY KEY,
        at            TEXT NOT NULL,
        kind          TEXT NOT NULL CHECK (kind IN ('set', 'clear')),
        triggers_json TEXT NOT NULL,
        note          TEXT NOT NULL
    );
    CREATE TRIGGER rollback_latch_events_no_update BEFORE UPDATE ON rollback_latch_events
    BEGIN SELECT RAISE(ABORT, 'rollback latch events are append-only'); END;
    CREATE TRIGGER rollback_latch_events_no_delete BEFORE DELETE ON rollback_latch_events
    BEGIN SELECT RAISE(ABORT, 'rollback latch events are never deleted'); END;
    """,
)


# ----------------------------------------------------------------------------- gates


class GateCode(StrEnum):
    """The graduation gates, in checklist order."""

    MIN_TRADES = "MIN_TRADES"
    MIN_CLEAN_SESSIONS = "MIN_CLEAN_SESSIONS"
    POSITIVE_EXPECTANCY = "POSITIVE_EXPECTANCY"
    MIN_DISCIPLINE = "MIN_DISCIPLINE"
    NO_HIGH_ALERT_LAST_SESSION = "NO_HIGH_ALERT_LAST_SESSION"
    CI_GREEN = "CI_GREEN"
    SANDBOX_VALIDATED = "SANDBOX_VALIDATED"


class GateResult(BaseModel):
    """One gate: threshold, actual value, pass/fail, headroom (actual - threshold) and evidence.

    Numeric gates carry `threshold`, `actual` and `headroom`; yes/no gates (CI, sandbox) leave
    them None. The `*_text` fields are always set (empty headroom for yes/no gates), for the page
    and the export.
    """

    model_config = ConfigDict(frozen=True)

    code: GateCode
    name: str
    comparison: str
    threshold: Decimal | None
    actual: Decimal | None
    headroom: Decimal | None
    threshold_text: str
    actual_text: str
    headroom_text: str
    passed: bool
    sentence: str
    evidence: dict[str, str]


class GateReport(BaseModel):
    """Every gate's result; eligible only when all pass."""

    model_config = ConfigDict(frozen=True)

    evaluated_at: datetime
    gates: tuple[GateResult, ...]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def eligible(self) -> bool:
        """True only when every gate passed (and there is at least one)."""
        return bool(self.gates) and all(gate.passed for gate in self.gates)

    @property
    def failing(self) -> list[GateResult]:
        """The gates that did not pass, in checklist order."""
        return [gate for gate in self.gates if not gate.passed]

    @property
    def reasons(self) -> list[str]:
        """Why the trader is not eligible, one plain sentence per failing gate."""
        return [gate.sentence for gate in self.failing]

    def gate(self, code: GateCode) -> GateResult:
        """One gate's result by code."""
        for gate in self.gates:
            if gate.code is code:
                return gate
        raise KeyError(f"no gate {code} in this report")

    @property
    def sentence(self) -> str:
        """One line: eligible, or how many gates fail."""
        if self.eligible:
            return f"Eligible: all {len(self.gates)} gates pass."
        return f"Not eligible: {len(self.failing)} of {len(self.gates)} gates fail. " + " ".join(
            self.reasons
        )


def _ids(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values)


def closed_before(trades: Iterable[Trade], now: datetime) -> list[Trade]:
    """Trades closed at or before `now`, in close order (close time, then id)."""
    moment = to_utc(now)
    closed = [t for t in trades if t.closed_at is not None and t.closed_at <= moment]
    return sorted(closed, key=attrgetter("closed_at", "id"))


def expectancy_exact_usd(trades: Sequence[Trade]) -> Decimal | None:
    """Mean net P&L of closed trades as an exact Decimal (None without closed trades)."""
    pnl = [t.net_pnl_usd for t in trades if t.net_pnl_usd is not None]
    if not pnl:
        return None
    return sum(pnl, ZERO) / len(pnl)


def _expectancy_positive(closed: Sequence[Trade], threshold: Decimal) -> bool:
    """sum(net P&L) > threshold x N, exactly (no float, no rounding)."""
    pnl = [t.net_pnl_usd for t in closed if t.net_pnl_usd is not None]
    return bool(pnl) and sum(pnl, ZERO) > threshold * len(pnl)


def _minimum_gate(
    code: GateCode, name: str, actual: int, threshold: int, unit: str, evidence: dict[str, str]
) -> GateResult:
    passed = actual >= threshold
    missing = threshold - actual
    sentence = (
        f"{name}: {actual} {unit} (at least {threshold} needed)."
        if passed
        else f"{name}: {actual} {unit}; {missing} more needed to reach {threshold}."
    )
    return GateResult(
        code=code,
        name=name,
        comparison=">=",
        threshold=Decimal(threshold),
        actual=Decimal(actual),
        headroom=Decimal(actual - threshold),
        threshold_text=f">= {threshold}",
        actual_text=str(actual),
        headroom_text=str(actual - threshold),
        passed=passed,
        sentence=sentence,
        evidence=evidence,
    )


def gate_min_trades(closed: Sequence[Trade], settings: Settings) -> GateResult:
    """Closed (journaled and finished) trades >= the minimum."""
    return _minimum_gate(
        GateCode.MIN_TRADES,
        "Trades journaled",
        len(closed),
        settings.gate_min_trades,
        "closed trade(s)",
        {"trade_ids": _ids(t.id for t in closed)},
    )


def gate_min_clean_sessions(discipline: DisciplineReport, settings: Settings) -> GateResult:
    """Clean sessions (journaled action, no violation, no HIGH alert) >= the minimum."""
    clean = discipline.clean_sessions
    unclean = [v.session for v in discipline.sessions if not v.clean]
    return _minimum_gate(
        GateCode.MIN_CLEAN_SESSIONS,
        "Clean sessions",
        len(clean),
        settings.gate_min_clean_sessions,
        "clean session(s)",
        {"clean_sessions": _ids(clean), "not_clean_sessions": _ids(unclean)},
    )


def gate_positive_expectancy(closed: Sequence[Trade], settings: Settings) -> GateResult:
    """$ expectancy over every closed trade > the threshold (0), decided exactly."""
    threshold = settings.gate_min_expectancy_usd
    expectancy = expectancy_exact_usd(closed)
    passed = _expectancy_positive(closed, threshold)
    shown_threshold = plain_usd(threshold)
    if expectancy is None:
        sentence = "Expectancy: no closed trade yet, so there is no edge to show."
        actual_text = "n/a"
    else:
        actual_text = plain_usd(expectancy)
        sentence = (
            f"Expectancy: ${actual_text} per trade over {len(closed)} closed trade(s), above "
            f"${shown_threshold}."
            if passed
            else f"Expectancy: ${actual_text} per trade over {len(closed)} closed trade(s); it "
            f"must be above ${shown_threshold}."
        )
    total = sum((t.net_pnl_usd or ZERO for t in closed), ZERO)
    return GateResult(
        code=GateCode.POSITIVE_EXPECTANCY,
        name="Expectancy",
        comparison=">",
        threshold=threshold,
        actual=expectancy,
        headroom=None if expectancy is None else expectancy - threshold,
        threshold_text=f"> {shown_threshold}",
        actual_text=actual_text,
        headroom_text="" if expectancy is None else plain_usd(expectancy - threshold),
        passed=passed,
        sentence=sentence,
        evidence={
            "trades": str(len(closed)),
            "net_pnl_usd": plain_usd(total),
            "trade_ids": _ids(t.id for t in closed),
        },
    )


def gate_min_discipline(discipline: DisciplineReport, settings: Settings) -> GateResult:
    """Discipline score >= the minimum (70)."""
    threshold = settings.gate_min_discipline
    score = discipline.score
    passed = score >= threshold
    sentence = (
        f"Discipline: {score}/100 (at least {threshold} needed)."
        if passed
        else f"Discipline: {score}/100 is below {threshold}; "
        + ("violations: " + "; ".join(f"{p.rule} -{p.points}" for p in discipline.parts) + ".")
    )
    return GateResult(
        code=GateCode.MIN_DISCIPLINE,
        name="Discipline score",
        comparison=">=",
        threshold=Decimal(threshold),
        actual=Decimal(score),
        headroom=Decimal(score - threshold),
        threshold_text=f">= {threshold}",
        actual_text=str(score),
        headroom_text=str(score - threshold),
        passed=passed,
        sentence=sentence,
        evidence={
            "window_trade_ids": _ids(discipline.window_trade_ids),
            "window_sessions": f"{discipline.window_first_session} to "
            f"{discipline.window_last_session}",
            "violations": _ids(
                f"{v.rule}@{v.trade_id or v.alert_id}" for v in discipline.violations
            ),
        },
    )


def last_session(discipline: DisciplineReport, alerts: Sequence[Alert], today: date) -> date | None:
    """The latest session up to today with a journaled action, a violation or a HIGH alert."""
    candidates = [v.session for v in discipline.sessions if v.session <= today]
    candidates += [a.session for a in alerts if a.session <= today]
    return max(candidates, default=None)


def gate_no_high_alert_last_session(
    discipline: DisciplineReport, alerts: Sequence[Alert], now: datetime
) -> GateResult:
    """No HIGH alert in the last session."""
    moment = to_utc(now)
    session = last_session(discipline, alerts, session_of(moment))
    found = [a for a in alerts if session is not None and a.session == session]
    passed = not found
    if session is None:
        sentence = "HIGH alerts: no session yet, so none in the last one."
    elif passed:
        sentence = f"HIGH alerts: none in the last session ({session})."
    else:
        rules = ", ".join(str(a.rule) for a in found)
        sentence = (
            f"HIGH alerts: {len(found)} in the last session ({session}): {rules}; "
            "finish a session without one."
        )
    return GateResult(
        code=GateCode.NO_HIGH_ALERT_LAST_SESSION,
        name="No HIGH alert in the last session",
        comparison="<=",
        threshold=ZERO,
        actual=Decimal(len(found)),
        headroom=Decimal(-len(found)),
        threshold_text="<= 0",
        actual_text=str(len(found)),
        headroom_text=str(-len(found)),
        passed=passed,
        sentence=sentence,
        evidence={
            "last_session": "" if session is None else session.isoformat(),
            "alert_ids": _ids(a.id for a in found),
        },
    )


def gate_ci_green(ci: CiStatus) -> GateResult:
    """CI green (tests, lint, security) for the current commit."""
    record = ci.record
    return GateResult(
        code=GateCode.CI_GREEN,
        name="CI green for the current commit",
        comparison="=",
        threshold=None,
        actual=None,
        headroom=None,
        threshold_text="green",
        actual_text="green" if ci.green else "not green",
        headroom_text="",
        passed=ci.green,
        sentence=f"CI: {ci.message}",
        evidence={
            "reason": str(ci.reason),
            "commit": "" if record is None or record.commit is None else record.commit,
            "finished_at": "" if record is None else to_utc(record.finished_at).isoformat(),
        },
    )


def gate_sandbox_validated(
    sandbox: SandboxValidationRecord | None, settings: Settings
) -> GateResult:
    """The latest sandbox validation passed, in SANDBOX, against the configured sandbox."""
    if sandbox is None:
        passed, actual, sentence = False, "none", "Sandbox validation: not run yet."
    elif sandbox.mode is not SandboxMode.SANDBOX:
        passed, actual = False, "simulator only"
        sentence = (
            f"Sandbox validation: the latest run was against the {sandbox.mode} broker; run it "
            "against the SANDBOX environment."
        )
    elif sandbox.passed and (
        problem := validated_server_problem(
            sandbox.server, settings.tasty_base_url_sandbox, settings.tasty_base_url_live
        )
    ):
        passed, actual = False, "another server"
        sentence = f"Sandbox validation does not count: {problem}."
    else:
        passed = sandbox.passed
        actual = "passed" if passed else "failed"
        sentence = f"Sandbox validation: {sandbox.sentence}"
    evidence = {}
    if sandbox is not None:
        evidence = {
            "ran_at": sandbox.ran_at.isoformat(),
            "mode": str(sandbox.mode),
            "account": sandbox.account,
            "failed_steps": _ids(step.name for step in sandbox.failed_steps),
        }
    return GateResult(
        code=GateCode.SANDBOX_VALIDATED,
        name="Sandbox validation passed",
        comparison="=",
        threshold=None,
        actual=None,
        headroom=None,
        threshold_text="passed",
        actual_text=actual,
        headroom_text="",
        passed=passed,
        sentence=sentence,
        evidence=evidence,
    )


def evaluate_gates(
    *,
    trades: Sequence[Trade],
    discipline: DisciplineReport,
    alerts: Sequence[Alert],
    ci: CiStatus,
    sandbox: SandboxValidationRecord | None,
    settings: Settings,
    now: datetime,
) -> GateReport:
    """Evaluate every graduation gate (checklist s0 + sandbox) at `now`."""
    moment = to_utc(now)
    closed = closed_before(trades, moment)
    known_alerts = [a for a in alerts if to_utc(a.raised_at) <= moment]
    return GateReport(
        evaluated_at=moment,
        gates=(
            gate_min_trades(closed, settings),
            gate_min_clean_sessions(discipline, settings),
            gate_positive_expectancy(closed, settings),
            gate_min_discipline(discipline, settings),
            gate_no_high_alert_last_session(discipline, known_alerts, moment),
            gate_ci_green(ci),
            gate_sandbox_validated(sandbox, settings),
        ),
    )


# ----------------------------------------------------------------------------- ramp


class RampDecision(BaseModel):
    """The ramp stage now and the caps it puts on the next trade."""

    model_config = ConfigDict(frozen=True)

    stage: RampStage
    week: int | None
    first_live_order_at: datetime | None
    earned: bool | None
    limits: TradeLimits
    sentence: str
    reasons: tuple[str, ...]

    @property
    def max_units(self) -> int:
        """Spread units allowed per trade."""
        return self.limits.max_contracts

    @property
    def max_concurrent_spreads(self) -> int:
        """Spreads allowed open at once."""
        return self.limits.max_concurrent_spreads


def first_live_order_at(trades: Iterable[Trade]) -> datetime | None:
    """When the first LIVE trade opened (None before any)."""
    return min((t.opened_at for t in trades if t.mode is Mode.LIVE), default=None)


def ramp_level(
    *,
    settings: Settings,
    now: datetime,
    first_live_order_at: datetime | None,
    trades: Sequence[Trade],
    discipline_score: int,
    ladder_level: int | None = None,
) -> RampDecision:
    """Ramp stage and caps at `now` (checklist s8); `ladder_level` defaults to the ladder's top."""
    moment = to_utc(now)
    level = settings.ladder_max_level if ladder_level is None else ladder_level
    closed = closed_before(trades, moment)
    expectancy_ok = _expectancy_positive(closed, settings.gate_min_expectancy_usd)
    discipline_ok = discipline_score >= settings.ramp_week2_min_discipline
    needed = (
        f"expectancy > {settings.gate_min_expectancy_usd} and discipline >= "
        f"{settings.ramp_week2_min_discipline}"
    )
    status = (
        f"expectancy {'above' if expectancy_ok else 'not above'} "
        f"{settings.gate_min_expectancy_usd}, discipline {discipline_score}"
    )
    if first_live_order_at is None:
        return _ramp(settings, level, RampStage.OBSERVATION, None, None, None, ())
    first = to_utc(first_live_order_at)
    days = (session_of(moment) - session_of(first)).days
    week = max(days, 0) // DAYS_PER_RAMP_WEEK + 1
    if week == 1:
        return _ramp(settings, level, RampStage.LIVE_WEEK_1, week, first, None, ())
    earned = expectancy_ok and discipline_ok
    target = RampStage.LIVE_WEEK_2 if week == 2 else RampStage.LIVE_STEADY
    if earned:
        reason = f"Earned: {needed} ({status})."
        return _ramp(settings, level, target, week, first, True, (reason,))
    reason = f"Held at week-1 size: {target.value.replace('_', ' ')} needs {needed} ({status})."
    return _ramp(settings, level, RampStage.LIVE_WEEK_1, week, first, False, (reason,))


def _ramp(
    settings: Settings,
    level: int,
    stage: RampStage,
    week: int | None,
    first: datetime | None,
    earned: bool | None,
    reasons: tuple[str, ...],
) -> RampDecision:
    limits = limits_for(settings, level, stage)
    when = "" if week is None else f"Week {week} since the first LIVE order. "
    return RampDecision(
        stage=stage,
        week=week,
        first_live_order_at=first,
        earned=earned,
        limits=limits,
        sentence=when + limits.sentence + (" " + " ".join(reasons) if reasons else ""),
        reasons=reasons,
    )


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


def open_risk_by_underlying(
    trades: Sequence[Trade],
    *,
    settings: Settings,
    now: datetime,
    net_liquidating_value_usd: Decimal | None = None,
) -> list[UnderlyingRisk]:
    """Per underlying family: open max loss (1R) now, vs SYMBOL_RISK_MAX_PCT of risk capital.

    Risk capital = min(net liquidating value, risk budget); the budget when net liq is unknown.
    """
    budget = settings.risk_budget_usd
    capital = (
        budget if net_liquidating_value_usd is None else min(net_liquidating_value_usd, budget)
    )
    limit = capital * settings.symbol_risk_max_pct / HUNDRED
    moment = to_utc(now)
    totals = open_risk_by_family(trades, moment)
    open_ids: dict[str, list[int]] = {}
    for trade in trades:
        if open_at(trade, moment):
            open_ids.setdefault(underlying_family(trade.underlying), []).append(trade.id)
    rows = [
        UnderlyingRisk(
            family=family,
            open_risk_usd=total,
            limit_usd=round_to_cent(limit),
            pct_of_capital=(total / capital * HUNDRED).quantize(CENT) if capital else ZERO,
            within_limit=total <= limit,
            trade_ids=tuple(sorted(open_ids[family])),
        )
        for family, total in totals.items()
    ]
    return rows


# ----------------------------------------------------------------------------- rollback


class TriggerCode(StrEnum):
    """Why a rollback to dry-run is required (checklist s9)."""

    EXPECTANCY_NEGATIVE_LAST_10 = "EXPECTANCY_NEGATIVE_LAST_10"
    DISCIPLINE_BELOW_MIN = "DISCIPLINE_BELOW_MIN"
    TWO_HIGH_ALERTS_ONE_SESSION = "TWO_HIGH_ALERTS_ONE_SESSION"
    AUTH_ANOMALY = "AUTH_ANOMALY"
    ORDER_ANOMALY = "ORDER_ANOMALY"


ANOMALY_TRIGGERS: dict[AlertRule, TriggerCode] = {
    AlertRule.AUTH_ANOMALY: TriggerCode.AUTH_ANOMALY,
    AlertRule.ORDER_ANOMALY: TriggerCode.ORDER_ANOMALY,
}


class RollbackTrigger(BaseModel):
    """One rollback trigger that holds now: its code, a sentence and the evidence."""

    model_config = ConfigDict(frozen=True)

    code: TriggerCode
    sentence: str
    evidence: dict[str, str] = {}


def alert_is_live(alert: Alert, now: datetime, halt_hours: int) -> bool:
    """Unacknowledged, or its halt still running: the alert still counts for rollback."""
    moment = to_utc(now)
    halt_running = moment < to_utc(alert.raised_at) + timedelta(hours=halt_hours)
    return alert.acknowledged_at is None or halt_running


def _trigger_last_10(trades: Sequence[Trade], now: datetime) -> RollbackTrigger | None:
    closed = closed_before(trades, now)
    # closed_before's order is the metrics' close order: the tail is the window.
    window = last_n_expectancy(closed[-ROLLBACK_WINDOW_TRADES:], ROLLBACK_WINDOW_TRADES)
    if not window.complete:
        return None
    by_id = {t.id: t for t in closed}
    total = sum((by_id[i].net_pnl_usd or ZERO for i in window.trade_ids), ZERO)
    if total >= 0:
        return None
    mean = total / ROLLBACK_WINDOW_TRADES
    return RollbackTrigger(
        code=TriggerCode.EXPECTANCY_NEGATIVE_LAST_10,
        sentence=f"Expectancy over the last {ROLLBACK_WINDOW_TRADES} trades is negative "
        f"({usd(mean)} per trade).",
        evidence={"trade_ids": _ids(window.trade_ids), "net_pnl_usd": plain_usd(total)},
    )


def _trigger_discipline(score: int, settings: Settings) -> RollbackTrigger | None:
    threshold = settings.gate_min_discipline
    if score >= threshold:
        return None
    return RollbackTrigger(
        code=TriggerCode.DISCIPLINE_BELOW_MIN,
        sentence=f"Discipline {score}/100 is below {threshold}.",
        evidence={"score": str(score), "threshold": str(threshold)},
    )


def _trigger_alert_pile(live: Sequence[Alert], known: Sequence[Alert]) -> RollbackTrigger | None:
    counts = Counter(a.session for a in known)
    sessions = sorted({a.session for a in live if counts[a.session] >= 2})
    if not sessions:
        return None
    shown = ", ".join(f"{s} ({counts[s]})" for s in sessions)
    return RollbackTrigger(
        code=TriggerCode.TWO_HIGH_ALERTS_ONE_SESSION,
        sentence=f"2 or more HIGH alerts in one session: {shown}.",
        evidence={
            "sessions": _ids(sessions),
            "alert_ids": _ids(a.id for a in known if a.session in sessions),
        },
    )


def _trigger_anomaly(live: Sequence[Alert], rule: AlertRule) -> RollbackTrigger | None:
    found = [a for a in live if a.rule is rule]
    if not found:
        return None
    what = "An auth" if rule is AlertRule.AUTH_ANOMALY else "An order-placement"
    return RollbackTrigger(
        code=ANOMALY_TRIGGERS[rule],
        sentence=f"{what} anomaly is unresolved: "
        + "; ".join(f"alert {a.id} ({a.message})" for a in found)
        + ". Acknowledge it once the cause is fixed; it counts at least until its halt ends.",
        evidence={"alert_ids": _ids(a.id for a in found)},
    )


def rollback_triggers(
    *,
    trades: Sequence[Trade],
    discipline_score: int,
    alerts: Sequence[Alert],
    settings: Settings,
    now: datetime,
) -> list[RollbackTrigger]:
    """The rollback triggers that hold at `now`, in checklist order (empty when none)."""
    moment = to_utc(now)
    known = [a for a in alerts if to_utc(a.raised_at) <= moment]
    live = [a for a in known if alert_is_live(a, moment, settings.halt_hours)]
    found = [
        _trigger_last_10(trades, moment),
        _trigger_discipline(discipline_score, settings),
        _trigger_alert_pile(live, known),
        *(_trigger_anomaly(live, rule) for rule in ANOMALY_TRIGGERS),
    ]
    return [trigger for trigger in found if trigger is not None]


# ----------------------------------------------------------------------------- latch


class LatchClearRefused(Exception):
    """The trader tried to clear the rollback latch while a trigger still holds."""


class LatchEventKind(StrEnum):
    """What a latch event did."""

    SET = "set"
    CLEAR = "clear"


class LatchEvent(BaseModel):
    """One append-only latch event."""

    model_config = ConfigDict(frozen=True)

    id: int
    at: datetime
    kind: LatchEventKind
    triggers: tuple[RollbackTrigger, ...]
    note: str


class LatchState(BaseModel):
    """Whether the rollback latch is set, since when, by which triggers, and what to do."""

    model_config = ConfigDict(frozen=True)

    active: bool
    set_at: datetime | None = None
    triggers: tuple[RollbackTrigger, ...] = ()
    cleared_at: datetime | None = None
    rollback_sequence: tuple[str, ...] = ROLLBACK_SEQUENCE

    @property
    def forces_dry_run(self) -> bool:
        """A set latch forces dry-run whatever `.env` says."""
        return self.active

    @property
    def codes(self) -> tuple[TriggerCode, ...]:
        """The codes of the triggers that set the latch."""
        return tuple(t.code for t in self.triggers)

    @property
    def sentence(self) -> str:
        """One line for the Broker card."""
        if not self.active:
            return "Rollback latch clear."
        steps = " ".join(f"{i}. {step}" for i, step in enumerate(self.rollback_sequence, 1))
        when = "" if self.set_at is None else f" since {self.set_at.isoformat()}"
        return (
            f"Rollback latch SET{when} ({', '.join(self.codes)}): orders are forced to dry-run. "
            f"{steps}"
        )


def _fold(events: Sequence[LatchEvent]) -> LatchState:
    """The latch state after replaying events in order."""
    state = LatchState(active=False)
    for event in events:
        if event.kind is LatchEventKind.CLEAR:
            state = LatchState(active=False, cleared_at=event.at)
            continue
        merged = {t.code: t for t in state.triggers}
        merged.update({t.code: t for t in event.triggers})
        state = LatchState(
            active=True,
            set_at=state.set_at if state.active else event.at,
            triggers=tuple(merged.values()),
            cleared_at=state.cleared_at,
        )
    return state


class RollbackLatchStore:
    """The persisted rollback latch: append-only set/clear events in the journal's SQLite."""

    def __init__(self, path: Path, *, clock: Clock = utc_now) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._conn = connect(path)
        self._conn.row_factory = sqlite3.Row
        ensure_schema(self._conn, LATCH_COMPONENT, LATCH_MIGRATIONS, clock=clock)

    @classmethod
    def open(cls, data_dir: Path, *, clock: Clock = utc_now) -> RollbackLatchStore:
        """Open the latch in `data_dir/journal.sqlite3`."""
        return cls(journal_path(data_dir), clock=clock)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def events(self) -> list[LatchEvent]:
        """Every set and clear, oldest first."""
        with self._lock:
            return self._events()

    def state(self) -> LatchState:
        """The latch now (replayed from its events)."""
        return _fold(self.events())

    def set(self, triggers: Sequence[RollbackTrigger], now: datetime | None = None) -> LatchState:
        """Set the latch for `triggers`; a trigger already latched is not recorded again."""
        if not triggers:
            raise ValueError("the rollback latch is set by at least one trigger")
        at = to_utc(now or self._clock())
        with self._lock, transaction(self._conn):
            current = _fold(self._events())
            new = [t for t in triggers if not current.active or t.code not in current.codes]
            if new:
                self._append(at, LatchEventKind.SET, new, "")
            return _fold(self._events())

    def clear(
        self,
        current_triggers: Sequence[RollbackTrigger],
        now: datetime | None = None,
        note: str = "",
    ) -> LatchState:
        """Clear the latch (the trader's act); refused while any current trigger holds."""
        if current_triggers:
            held = "; ".join(t.sentence for t in current_triggers)
            raise LatchClearRefused(
                f"the rollback latch cannot be cleared while a trigger holds: {held}"
            )
        at = to_utc(now or self._clock())
        with self._lock, transaction(self._conn):
            if _fold(self._events()).active:
                self._append(at, LatchEventKind.CLEAR, [], note)
            return _fold(self._events())

    def _events(self) -> list[LatchEvent]:
        rows = self._conn.execute("SELECT * FROM rollback_latch_events ORDER BY id").fetchall()
        return [
            LatchEvent(
                id=row["id"],
                at=datetime.fromisoformat(row["at"]),
                kind=LatchEventKind(row["kind"]),
                triggers=tuple(
                    RollbackTrigger(**item) for item in json.loads(row["triggers_json"])
                ),
                note=row["note"],
            )
            for row in rows
        ]

    def _append(
        self, at: datetime, kind: LatchEventKind, triggers: Sequence[RollbackTrigger], note: str
    ) -> None:
        payload = json.dumps([t.model_dump(mode="json") for t in triggers], sort_keys=True)
        self._conn.execute(
            "INSERT INTO rollback_latch_events (at, kind, triggers_json, note) VALUES (?, ?, ?, ?)",
            (at.isoformat(), kind.value, payload, note),
        )
