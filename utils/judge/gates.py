"""Graduation gates (checklist s0 + sandbox): may the trader go LIVE, and why not.

Every gate is a small named function returning a `GateResult` (a typed reason with threshold,
actual value and headroom); `evaluate_gates` runs them all into a `GateReport`. Nothing here
opens a store: trades, discipline, alerts, CI status and the sandbox record come in as data.
The texts of docs/DISCIPLINE_AND_GATES.md describe the same rules.

    report = evaluate_gates(trades=trades, discipline=discipline, alerts=alerts, ci=ci,
                            sandbox=sandbox, settings=settings, now=now)
    report.eligible, report.failing, report.reasons, report.gate(GateCode.MIN_TRADES).headroom

Gates (the thresholds are the settings', which may only be stricter):

- MIN_TRADES: closed trades >= GATE_MIN_TRADES (25).
- MIN_CLEAN_SESSIONS: clean sessions >= GATE_MIN_CLEAN_SESSIONS (15) (see utils.judge.discipline).
- POSITIVE_EXPECTANCY: $ expectancy over every closed trade > GATE_MIN_EXPECTANCY_USD (0),
  decided exactly: sum of net P&L (Decimal cents) > threshold x N; no trade fails.
- MIN_DISCIPLINE: discipline score >= GATE_MIN_DISCIPLINE (70); its evidence says how the
  window's exit plans were declared (at entry, by playbook at import, after entry, none).
- NO_HIGH_ALERT_LAST_SESSION: the last session (the latest New York day up to today with a
  journaled action, a violation or a HIGH alert) has no HIGH alert.
- CI_GREEN: the CI record is green for the current commit with a clean tree.
- SANDBOX_VALIDATED: the latest sandbox validation record passed and ran in SANDBOX mode.

The ramp is `utils.judge.ramp`, rollback triggers `utils.judge.rollback`, open risk per
underlying `utils.judge.risk`, and the rollback latch `utils.records.latch`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import pandas as pd
from pydantic import BaseModel, ConfigDict, computed_field

from utils.records.alerts import Alert
from utils.project.ci_status import CiStatus
from utils.core.config import Settings
from utils.judge.discipline import DisciplineReport
from utils.journal.exit_plans import PlanDeclared
from utils.journal.trade import Trade
from utils.core.broker_target import validated_server_problem
from utils.core.reasons import Reason
from utils.core.sessions import session_of, to_utc
from utils.judge.history import (
    closed_by,
    exact_expectancy_usd,
    expectancy_exceeds,
    ids_text,
    judging_frame_of,
    net_pnl_total_usd,
)
from utils.records.sandbox import SandboxMode, SandboxValidationRecord
from utils.core.money import plain_usd

CENT = Decimal("0.01")
# Plans declared after the trade was journaled: the gate's sentence names them.
LATE_DECLARATIONS = (PlanDeclared.PLAYBOOK_AT_IMPORT, PlanDeclared.AFTER_ENTRY)
ZERO = Decimal(0)
GATE_COLUMNS = ("id", "net_pnl_cents")  # what the gates read of the closed trades


class GateCode(StrEnum):
    """The graduation gates, in checklist order."""

    MIN_TRADES = "MIN_TRADES"
    MIN_CLEAN_SESSIONS = "MIN_CLEAN_SESSIONS"
    POSITIVE_EXPECTANCY = "POSITIVE_EXPECTANCY"
    MIN_DISCIPLINE = "MIN_DISCIPLINE"
    NO_HIGH_ALERT_LAST_SESSION = "NO_HIGH_ALERT_LAST_SESSION"
    CI_GREEN = "CI_GREEN"
    SANDBOX_VALIDATED = "SANDBOX_VALIDATED"


class GateResult(Reason[GateCode]):
    """One gate: threshold, actual value, pass/fail, headroom (actual - threshold) and evidence.

    Numeric gates carry `threshold`, `actual` and `headroom`; yes/no gates (CI, sandbox) leave
    them None. The `*_text` fields are always set (empty headroom for yes/no gates), for the page
    and the export.
    """

    name: str
    comparison: str
    threshold: Decimal | None
    actual: Decimal | None
    headroom: Decimal | None
    threshold_text: str
    actual_text: str
    headroom_text: str
    passed: bool


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
    return ", ".join(map(str, values))


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


def gate_min_trades(closed: pd.DataFrame, settings: Settings, closed_ids: str) -> GateResult:
    """Closed (journaled and finished) trades >= the minimum; `closed` are judging-frame rows
    in close order, `closed_ids` their ids as text (`ids_text`)."""
    return _minimum_gate(
        GateCode.MIN_TRADES,
        "Trades journaled",
        len(closed),
        settings.gate_min_trades,
        "closed trade(s)",
        {"trade_ids": closed_ids},
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


def gate_positive_expectancy(
    closed: pd.DataFrame, settings: Settings, closed_ids: str
) -> GateResult:
    """$ expectancy over every closed trade > the threshold (0), decided exactly in cents;
    `closed` are judging-frame rows in close order, `closed_ids` their ids as text
    (`ids_text`)."""
    threshold = settings.gate_min_expectancy_usd
    expectancy = exact_expectancy_usd(closed)
    passed = expectancy_exceeds(closed, threshold)
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
    total = net_pnl_total_usd(closed)
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
            "trade_ids": closed_ids,
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
    if any(group.declared in LATE_DECLARATIONS for group in discipline.plans):
        sentence += f" Exit plans in the window: {discipline.plans_sentence}."
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
                f"{v.code}@{v.trade_id or v.alert_id}" for v in discipline.violations
            ),
            "exit_plans": discipline.plans_sentence,
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
    trades: pd.DataFrame | Sequence[Trade],
    discipline: DisciplineReport,
    alerts: Sequence[Alert],
    ci: CiStatus,
    sandbox: SandboxValidationRecord | None,
    settings: Settings,
    now: datetime,
    closed: pd.DataFrame | None = None,
) -> GateReport:
    """Evaluate every graduation gate (checklist s0 + sandbox) at `now`; `trades` is the judging
    frame (or journal models, judged through their frame), `closed` its closed trades when the
    caller has them (`closed_by`)."""
    moment = to_utc(now)
    closed = closed_by(judging_frame_of(trades), moment, GATE_COLUMNS, closed)
    closed_ids = ids_text(closed)  # years of ids: written once, shown by two gates
    known_alerts = [a for a in alerts if to_utc(a.raised_at) <= moment]
    return GateReport(
        evaluated_at=moment,
        gates=(
            gate_min_trades(closed, settings, closed_ids),
            gate_min_clean_sessions(discipline, settings),
            gate_positive_expectancy(closed, settings, closed_ids),
            gate_min_discipline(discipline, settings),
            gate_no_high_alert_last_session(discipline, known_alerts, moment),
            gate_ci_green(ci),
            gate_sandbox_validated(sandbox, settings),
        ),
    )
