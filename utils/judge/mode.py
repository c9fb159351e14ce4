"""The effective broker mode: a pure function of the trader's intent and the evidence.

    decision = resolve_mode(
        ModeIntent.from_settings(settings), gates=report, sandbox=latest_record,
        halt=alert_store.halt_state(), latch=latch_store.state(), now=now,
    )
    decision.mode, decision.target, decision.dry_run, decision.reasons, decision.sentence

The table of DESIGN.md section 3, row by row:

| effective mode     | when                                                        | target  |
|--------------------|-------------------------------------------------------------|---------|
| SIM                | no usable sandbox credentials, USE_LIVE=false               | SIM     |
| SANDBOX (dry-run)  | sandbox credentials, ALWAYS_DRY_RUN=true                    | SANDBOX |
| SANDBOX            | sandbox credentials, ALWAYS_DRY_RUN=false                   | SANDBOX |
| LIVE (dry-run)     | USE_LIVE=true, every gate passes, sandbox validation        | LIVE    |
|                    | passed, live credentials, ALWAYS_DRY_RUN=true               |         |
| LIVE               | as above with ALWAYS_DRY_RUN=false, no halt, no latch       | LIVE    |
| forced to SANDBOX  | USE_LIVE=true but any of those conditions fails             | SANDBOX |
|                    | (dry-run always; the simulator when no sandbox credentials) | or SIM  |

Overrides only move toward safety:
- `dry_run` is true whenever ALWAYS_DRY_RUN=true (the simulator included: "SIM (dry-run)").
- A halt in force or a set rollback latch turns every submitting mode into its dry-run form for
  opening orders (SANDBOX -> SANDBOX (dry-run), LIVE -> LIVE (dry-run), SIM -> SIM (dry-run));
  closing orders and cancels still reach the broker (`closing_orders_submit`), like a REDUCING
  state, so a trader can always take risk off.
- Evidence that cannot be read counts against the trader: no gate report, a gate missing from it
  or a report older than `GATE_REPORT_MAX_AGE` keeps LIVE locked; an unreadable halt or latch
  (passed as None) counts as in force.
- A sandbox base URL that reaches tastytrade's production API or the live server (by any
  spelling: see `utils.core.broker_target`), or a sandbox login that repeats a live credential,
  makes the sandbox unusable (`sandbox_problem`): "sandbox" orders would be real ones.

Every reason is a `ModeReason` (a `ModeCode`, a sentence and the evidence); `blocking` reasons
are the ones that keep the trader from the mode they asked for.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from utils.core.display import utc_minute
from utils.core.broker_target import sandbox_target_problem, validated_server_problem
from utils.core.config import DEFAULT_LIVE_URL, DEFAULT_SANDBOX_URL, Environment, Settings
from utils.core.reasons import Reason
from utils.judge.gates import GateCode, GateReport
from utils.records.latch import LatchState
from utils.records.alerts import HaltState
from utils.records.sandbox import SandboxMode, SandboxValidationRecord
from utils.core.sessions import to_utc
from utils.spreads.legs import PositionEffect

GATE_REPORT_MAX_AGE = timedelta(minutes=5)
GATE_REPORT_MAX_SKEW = timedelta(minutes=1)


class EffectiveMode(StrEnum):
    """The six modes of DESIGN.md section 3."""

    SIM = "SIM"
    SANDBOX_DRY_RUN = "SANDBOX (dry-run)"
    SANDBOX = "SANDBOX"
    LIVE_DRY_RUN = "LIVE (dry-run)"
    LIVE = "LIVE"
    FORCED_SANDBOX = "forced to SANDBOX"


class BrokerTarget(StrEnum):
    """Which broker an order or a read goes to."""

    SIM = "SIM"
    SANDBOX = "SANDBOX"
    LIVE = "LIVE"


class ModeCode(StrEnum):
    """Named reasons of a mode decision: a failing gate is `GATE_<gate>`, a gate the report
    lacks is `GATE_MISSING_<gate>` (one of each for every `GateCode`)."""

    PRACTICE_REQUESTED = "PRACTICE_REQUESTED"
    NO_SANDBOX_CREDENTIALS = "NO_SANDBOX_CREDENTIALS"
    SANDBOX_URL_IS_LIVE = "SANDBOX_URL_IS_LIVE"
    SANDBOX_CREDENTIALS_ARE_LIVE = "SANDBOX_CREDENTIALS_ARE_LIVE"
    ALWAYS_DRY_RUN = "ALWAYS_DRY_RUN"
    GATES_UNAVAILABLE = "GATES_UNAVAILABLE"
    GATES_STALE = "GATES_STALE"
    GATE_MIN_TRADES = "GATE_MIN_TRADES"
    GATE_MIN_CLEAN_SESSIONS = "GATE_MIN_CLEAN_SESSIONS"
    GATE_POSITIVE_EXPECTANCY = "GATE_POSITIVE_EXPECTANCY"
    GATE_MIN_DISCIPLINE = "GATE_MIN_DISCIPLINE"
    GATE_NO_HIGH_ALERT_LAST_SESSION = "GATE_NO_HIGH_ALERT_LAST_SESSION"
    GATE_CI_GREEN = "GATE_CI_GREEN"
    GATE_SANDBOX_VALIDATED = "GATE_SANDBOX_VALIDATED"
    GATE_MISSING_MIN_TRADES = "GATE_MISSING_MIN_TRADES"
    GATE_MISSING_MIN_CLEAN_SESSIONS = "GATE_MISSING_MIN_CLEAN_SESSIONS"
    GATE_MISSING_POSITIVE_EXPECTANCY = "GATE_MISSING_POSITIVE_EXPECTANCY"
    GATE_MISSING_MIN_DISCIPLINE = "GATE_MISSING_MIN_DISCIPLINE"
    GATE_MISSING_NO_HIGH_ALERT_LAST_SESSION = "GATE_MISSING_NO_HIGH_ALERT_LAST_SESSION"
    GATE_MISSING_CI_GREEN = "GATE_MISSING_CI_GREEN"
    GATE_MISSING_SANDBOX_VALIDATED = "GATE_MISSING_SANDBOX_VALIDATED"
    SANDBOX_NOT_VALIDATED = "SANDBOX_NOT_VALIDATED"
    LIVE_CREDENTIALS_MISSING = "LIVE_CREDENTIALS_MISSING"
    HALT_IN_FORCE = "HALT_IN_FORCE"
    HALT_UNREADABLE = "HALT_UNREADABLE"
    LATCH_SET = "LATCH_SET"
    LATCH_UNREADABLE = "LATCH_UNREADABLE"
    CLOSE_FOLLOWS_POSITION = "CLOSE_FOLLOWS_POSITION"
    LIVE_CONDITIONS_MET = "LIVE_CONDITIONS_MET"


def gate_reason_code(gate: GateCode) -> ModeCode:
    """The mode reason code of a failing gate, e.g. `GATE_MIN_TRADES`."""
    return ModeCode(f"GATE_{gate}")


def missing_gate_code(gate: GateCode) -> ModeCode:
    """The mode reason code of a gate the report lacks, e.g. `GATE_MISSING_MIN_TRADES`."""
    return ModeCode(f"GATE_MISSING_{gate}")


class ModeReason(Reason[ModeCode]):
    """One reason behind a mode decision; `blocking` when it keeps the trader from the mode
    they asked for."""

    blocking: bool = True


class ModeIntent(BaseModel):
    """What the trader asked for in `.env`, and which logins exist (never their values)."""

    model_config = ConfigDict(frozen=True)

    use_live: bool
    always_dry_run: bool
    sandbox_credentials: bool
    live_credentials: bool
    sandbox_base_url: str = DEFAULT_SANDBOX_URL
    live_base_url: str = DEFAULT_LIVE_URL
    sandbox_shares_live_credentials: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> ModeIntent:
        """The intent read from settings: flags, credential presence and base URLs."""
        return cls(
            use_live=settings.use_live,
            always_dry_run=settings.always_dry_run,
            sandbox_credentials=settings.credentials(Environment.SANDBOX).present,
            live_credentials=settings.credentials(Environment.LIVE).present,
            sandbox_base_url=settings.tasty_base_url_sandbox,
            live_base_url=settings.tasty_base_url_live,
            sandbox_shares_live_credentials=settings.sandbox_shares_live_credentials(),
        )

    @property
    def requested(self) -> str:
        """The flags as the trader wrote them."""
        return (
            f"USE_LIVE={str(self.use_live).lower()}, "
            f"ALWAYS_DRY_RUN={str(self.always_dry_run).lower()}"
        )


class ModeDecision(BaseModel):
    """The effective mode, where orders go, whether they stop at the dry-run, and why."""

    model_config = ConfigDict(frozen=True)

    mode: EffectiveMode
    target: BrokerTarget
    dry_run: bool
    closing_orders_submit: bool
    requested: str
    reasons: tuple[ModeReason, ...]
    decided_at: datetime

    @property
    def label(self) -> str:
        """The mode as the Broker card shows it (`SIM (dry-run)` for the dry-run simulator)."""
        if self.mode is EffectiveMode.SIM and self.dry_run:
            return "SIM (dry-run)"
        return self.mode.value

    @property
    def codes(self) -> tuple[ModeCode, ...]:
        """Every reason code, in order."""
        return tuple(reason.code for reason in self.reasons)

    @property
    def blocking(self) -> tuple[ModeReason, ...]:
        """The reasons that keep the trader from the mode they asked for."""
        return tuple(reason for reason in self.reasons if reason.blocking)

    @property
    def dry_run_reasons(self) -> tuple[ModeReason, ...]:
        """Why orders stop at the dry-run: the blocking reasons and ALWAYS_DRY_RUN."""
        return tuple(
            reason
            for reason in self.reasons
            if reason.blocking or reason.code is ModeCode.ALWAYS_DRY_RUN
        )

    def submits(self, position_effect: PositionEffect) -> bool:
        """True when an order with this effect goes to `/orders` (after confirmation)."""
        if not self.dry_run:
            return True
        return self.closing_orders_submit and position_effect is PositionEffect.CLOSING

    @property
    def sentence(self) -> str:
        """One paragraph for the Broker card."""
        where = {
            BrokerTarget.SIM: "the embedded simulator",
            BrokerTarget.SANDBOX: "the tastytrade sandbox",
            BrokerTarget.LIVE: "the LIVE tastytrade account",
        }[self.target]
        if not self.dry_run:
            flow = f"orders go to {where} after your confirmation"
        elif self.closing_orders_submit:
            flow = (
                f"new entries stop at {where}'s dry-run; closing orders and cancels still go "
                "through after your confirmation"
            )
        else:
            flow = f"orders stop at {where}'s dry-run (nothing is placed)"
        why = " ".join(reason.sentence for reason in self.reasons)
        return f"{self.label} ({self.requested}): {flow}. {why}".strip()


def sandbox_problem(intent: ModeIntent) -> ModeReason | None:
    """Why the sandbox login would reach a live account (None when the sandbox is safe)."""
    url_problem = sandbox_target_problem(intent.sandbox_base_url, intent.live_base_url)
    if url_problem is not None:
        return ModeReason(code=ModeCode.SANDBOX_URL_IS_LIVE, sentence=url_problem)
    if intent.sandbox_shares_live_credentials:
        return ModeReason(
            code=ModeCode.SANDBOX_CREDENTIALS_ARE_LIVE,
            sentence="The sandbox login (TT_SANDBOX_*) repeats a live credential (TT_LIVE_*): "
            "sandbox orders could reach the live account. Use the sandbox's own credentials.",
        )
    return None


def _gate_reasons(gates: GateReport | None, now: datetime) -> list[ModeReason]:
    if gates is None:
        return [
            ModeReason(
                code=ModeCode.GATES_UNAVAILABLE,
                sentence="The graduation gates could not be evaluated, so LIVE stays locked.",
            )
        ]
    reasons = []
    age = now - to_utc(gates.evaluated_at)
    if age > GATE_REPORT_MAX_AGE or -age > GATE_REPORT_MAX_SKEW:
        reasons.append(
            ModeReason(
                code=ModeCode.GATES_STALE,
                sentence=f"The gate report is from {utc_minute(gates.evaluated_at)}, "
                f"not within {int(GATE_REPORT_MAX_AGE.total_seconds() // 60)} minutes of now; "
                "it must be re-evaluated.",
            )
        )
    present = {gate.code for gate in gates.gates}
    for code in GateCode:
        if code not in present:
            reasons.append(
                ModeReason(
                    code=missing_gate_code(code),
                    sentence=f"The gate report has no {code} gate, so it cannot count as passed.",
                )
            )
    for gate in gates.failing:
        reasons.append(ModeReason(code=gate_reason_code(gate.code), sentence=gate.sentence))
    return reasons


def _sandbox_reason(
    sandbox: SandboxValidationRecord | None, intent: ModeIntent
) -> ModeReason | None:
    if sandbox is None:
        sentence = "Sandbox validation has not been run yet (checklist s4)."
    elif sandbox.mode is not SandboxMode.SANDBOX:
        sentence = (
            f"The latest validation ran against the {sandbox.mode} broker, not the tastytrade "
            "sandbox; run it with sandbox credentials."
        )
    elif not sandbox.passed:
        sentence = f"The latest sandbox validation failed: {sandbox.sentence}"
    elif problem := validated_server_problem(
        sandbox.server, intent.sandbox_base_url, intent.live_base_url
    ):
        sentence = f"The latest sandbox validation does not count: {problem}."
    else:
        return None
    return ModeReason(code=ModeCode.SANDBOX_NOT_VALIDATED, sentence=sentence)


def _live_blockers(
    intent: ModeIntent,
    gates: GateReport | None,
    sandbox: SandboxValidationRecord | None,
    now: datetime,
) -> list[ModeReason]:
    blockers = _gate_reasons(gates, now)
    sandbox_reason = _sandbox_reason(sandbox, intent)
    if sandbox_reason is not None:
        # the failing sandbox gate says the same thing less precisely: list it once
        duplicate = gate_reason_code(GateCode.SANDBOX_VALIDATED)
        blockers = [reason for reason in blockers if reason.code is not duplicate]
        blockers.append(sandbox_reason)
    if not intent.live_credentials:
        blockers.append(
            ModeReason(
                code=ModeCode.LIVE_CREDENTIALS_MISSING,
                sentence="No live login is configured (TT_LIVE_CLIENT_ID, TT_LIVE_CLIENT_SECRET, "
                "TT_LIVE_REFRESH_TOKEN).",
            )
        )
    return blockers


def _safety_reasons(
    halt: HaltState | None, latch: LatchState | None, now: datetime
) -> list[ModeReason]:
    reasons = []
    if halt is None:
        reasons.append(
            ModeReason(
                code=ModeCode.HALT_UNREADABLE,
                sentence="The entry halt could not be read, so it counts as in force.",
            )
        )
    elif halt.in_force(now):
        until = f" until {utc_minute(halt.until)}" if halt.until else ""
        why = f" ({halt.reason})" if halt.reason else ""
        reasons.append(
            ModeReason(
                code=ModeCode.HALT_IN_FORCE,
                sentence=f"New entries are halted{until}{why}.",
            )
        )
    if latch is None:
        reasons.append(
            ModeReason(
                code=ModeCode.LATCH_UNREADABLE,
                sentence="The rollback latch could not be read, so it counts as set.",
            )
        )
    elif latch.active:
        reasons.append(ModeReason(code=ModeCode.LATCH_SET, sentence=latch.sentence))
    return reasons


def resolve_mode(
    intent: ModeIntent,
    *,
    gates: GateReport | None,
    sandbox: SandboxValidationRecord | None,
    halt: HaltState | None,
    latch: LatchState | None,
    now: datetime,
) -> ModeDecision:
    """The effective mode for `intent` given the evidence at `now` (see the module docstring).

    `halt` and `latch` are None when they could not be read; that counts as in force.
    """
    moment = to_utc(now)
    reasons: list[ModeReason] = []
    problem = sandbox_problem(intent)
    sandbox_usable = intent.sandbox_credentials and problem is None
    if intent.sandbox_credentials and problem is not None:
        reasons.append(problem)
    practice_target = BrokerTarget.SANDBOX if sandbox_usable else BrokerTarget.SIM
    if not intent.sandbox_credentials:
        reasons.append(
            ModeReason(
                code=ModeCode.NO_SANDBOX_CREDENTIALS,
                sentence="No sandbox login is configured: orders go to the embedded simulator.",
                blocking=False,
            )
        )

    if intent.use_live:
        blockers = _live_blockers(intent, gates, sandbox, moment)
        if blockers:
            reasons.extend(blockers)
            reasons.extend(_safety_reasons(halt, latch, moment))
            return ModeDecision(
                mode=EffectiveMode.FORCED_SANDBOX,
                target=practice_target,
                dry_run=True,
                closing_orders_submit=False,
                requested=intent.requested,
                reasons=tuple(reasons),
                decided_at=moment,
            )
        reasons.append(
            ModeReason(
                code=ModeCode.LIVE_CONDITIONS_MET,
                sentence="Every gate passes, the sandbox validation passed and a live login "
                "is configured.",
                blocking=False,
            )
        )
        target = BrokerTarget.LIVE
    else:
        reasons.append(
            ModeReason(
                code=ModeCode.PRACTICE_REQUESTED,
                sentence="USE_LIVE=false: practice mode.",
                blocking=False,
            )
        )
        target = practice_target

    if intent.always_dry_run:
        reasons.append(
            ModeReason(
                code=ModeCode.ALWAYS_DRY_RUN,
                sentence="ALWAYS_DRY_RUN=true: every order stops after the broker's dry-run.",
                blocking=False,
            )
        )
    safety = _safety_reasons(halt, latch, moment)
    reasons.extend(safety)
    dry_run = intent.always_dry_run or bool(safety)
    closing_submit = not intent.always_dry_run and bool(safety)
    modes = {
        BrokerTarget.SIM: (EffectiveMode.SIM, EffectiveMode.SIM),
        BrokerTarget.SANDBOX: (EffectiveMode.SANDBOX, EffectiveMode.SANDBOX_DRY_RUN),
        BrokerTarget.LIVE: (EffectiveMode.LIVE, EffectiveMode.LIVE_DRY_RUN),
    }[target]
    return ModeDecision(
        mode=modes[1] if dry_run else modes[0],
        target=target,
        dry_run=dry_run,
        closing_orders_submit=closing_submit,
        requested=intent.requested,
        reasons=tuple(reasons),
        decided_at=moment,
    )
