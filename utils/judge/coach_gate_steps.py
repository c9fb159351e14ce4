"""The coach's words: each discipline rule named for a person, and the Action Plan's next step
for each failing gate (`GATE_STEPS`, in gate order by `gate_steps`)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from utils.core.display import usd
from utils.judge.discipline import DisciplineReport
from utils.judge.discipline_rules import RuleId
from utils.judge.gates import GateCode, GateReport, GateResult

# Each discipline rule in words, for the coach's sentences.
RULE_NAMES: dict[RuleId, str] = {
    RuleId.NOT_DEFINED_RISK: "Trades without a defined risk",
    RuleId.OPENED_DURING_HALT: "Entries during a halt",
    RuleId.OVER_LADDER_SIZE: "Trades over your ladder size",
    RuleId.TOO_MANY_CONCURRENT: "Too many spreads open at once",
    RuleId.UNDERLYING_RISK_OVER_LIMIT: "Too much risk on one underlying",
    RuleId.REVENGE_ENTRY: "Entries soon after a loss",
    RuleId.CLOSED_BEYOND_STOP: "Closes beyond the stop",
    RuleId.NO_PLANNED_EXIT: "Trades without a planned exit",
    RuleId.RISKY_ORDER_REFUSED: "Orders the risk rules refused",
    RuleId.HELD_PAST_TIME_EXIT: "Trades held past their time exit",
    RuleId.PLAN_NOT_FOLLOWED: "Trades where you did not follow the plan",
    RuleId.MANUAL_MISTAKE: "Tagged mistakes",
}


def rule_name(rule: str) -> str:
    """A discipline rule in words ("Tagged mistakes"), never its id."""
    try:
        return RULE_NAMES[RuleId(rule)]
    except ValueError:
        return str(rule).replace("_", " ").capitalize()


def _still_needed(gate: GateResult) -> int:
    return int(-(gate.headroom or 0))


def step_min_trades(gate: GateResult, discipline: DisciplineReport) -> str:
    """More closed trades."""
    return (
        f"Journal {_still_needed(gate)} more closed trades "
        f"({int(gate.actual or 0)} of {int(gate.threshold or 0)})."
    )


def step_min_clean_sessions(gate: GateResult, discipline: DisciplineReport) -> str:
    """More clean sessions."""
    return (
        f"Journal {_still_needed(gate)} more clean sessions "
        f"({int(gate.actual or 0)} of {int(gate.threshold or 0)}): a day with a journaled "
        "action, no rule broken and no HIGH alert."
    )


def step_positive_expectancy(gate: GateResult, discipline: DisciplineReport) -> str:
    """A positive edge (or a first closed trade)."""
    if gate.actual is None:
        return "Close your first trades: expectancy needs at least one closed trade."
    return (
        f"Lift your expectancy above {usd(gate.threshold or Decimal(0))} per trade (now "
        f"{usd(gate.actual)}): close losers at your stop and review the losing setups."
    )


def step_min_discipline(gate: GateResult, discipline: DisciplineReport) -> str:
    """A higher discipline score, by the rule that costs the most."""
    advice = (
        f"Raise your discipline score to {int(gate.threshold or 0)} (now {int(gate.actual or 0)})"
    )
    if not discipline.parts:
        return advice + ": keep every rule on your next trades."
    part = max(discipline.parts, key=lambda p: p.points)
    return f"{advice}: {rule_name(part.rule).lower()} cost the most. {part.sentence}"


def step_no_high_alert(gate: GateResult, discipline: DisciplineReport) -> str:
    """A session without a HIGH alert."""
    return (
        "Finish a session without a HIGH alert: read the last session's alert in the Alerts "
        "card, open nothing while the halt lasts, and trade the next session cleanly."
    )


def step_ci_green(gate: GateResult, discipline: DisciplineReport) -> str:
    """CI green for this commit."""
    return (
        "Make CI green for this commit: commit your changes, then run the pre-flight checks "
        "(Broker card) or `make test`."
    )


def step_sandbox_validated(gate: GateResult, discipline: DisciplineReport) -> str:
    """A passed sandbox validation."""
    return (
        "Pass the sandbox validation: put the sandbox credentials in .env, then press "
        "Run sandbox validation (Broker card)."
    )


GateStep = Callable[[GateResult, DisciplineReport], str]
GATE_STEPS: dict[GateCode, GateStep] = {
    GateCode.MIN_TRADES: step_min_trades,
    GateCode.MIN_CLEAN_SESSIONS: step_min_clean_sessions,
    GateCode.POSITIVE_EXPECTANCY: step_positive_expectancy,
    GateCode.MIN_DISCIPLINE: step_min_discipline,
    GateCode.NO_HIGH_ALERT_LAST_SESSION: step_no_high_alert,
    GateCode.CI_GREEN: step_ci_green,
    GateCode.SANDBOX_VALIDATED: step_sandbox_validated,
}


def gate_steps(
    gates: GateReport | None, discipline: DisciplineReport
) -> list[tuple[GateCode, str]]:
    """One next step per failing gate, in gate order."""
    if gates is None:
        return []
    return [(gate.code, GATE_STEPS[gate.code](gate, discipline)) for gate in gates.failing]
