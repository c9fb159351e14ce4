"""Mode reasons are typed: every code is a `ModeCode`, gates included, and no caller needs to
look inside a code's text to know what it means."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.support.broker_support import gate_report, sandbox_record
from utils.core.reasons import Reason
from utils.judge.gates import GateCode, GateReport
from utils.records.latch import LatchState
from utils.judge.mode import (
    EffectiveMode,
    ModeCode,
    ModeIntent,
    ModeReason,
    gate_reason_code,
    missing_gate_code,
    resolve_mode,
)
from utils.records.alerts import HaltState

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
NO_HALT = HaltState(active=False)
NO_LATCH = LatchState(active=False)


def intent(**changes: bool) -> ModeIntent:
    values = dict(
        use_live=True, always_dry_run=False, sandbox_credentials=True, live_credentials=True
    )
    return ModeIntent(**(values | changes))


def test_every_gate_has_a_failing_and_a_missing_mode_code():
    for gate in GateCode:
        assert gate_reason_code(gate) is ModeCode[f"GATE_{gate.name}"]
        assert missing_gate_code(gate) is ModeCode[f"GATE_MISSING_{gate.name}"]


def test_a_mode_reason_is_a_reason_over_mode_codes():
    found = ModeReason(code=ModeCode.LATCH_SET, sentence="Latched.")
    assert isinstance(found, Reason) and found.blocking and found.evidence == {}


def test_a_mode_reason_refuses_a_code_that_is_not_a_mode_code():
    with pytest.raises(ValueError):
        ModeReason(code="GATE_NOT_A_GATE", sentence="?")


@pytest.mark.parametrize("gate", list(GateCode))
def test_a_failing_gate_forces_sandbox_with_its_typed_code(gate):
    decision = resolve_mode(
        intent(),
        gates=gate_report(NOW, {gate}),
        sandbox=sandbox_record("passed", NOW),
        halt=NO_HALT,
        latch=NO_LATCH,
        now=NOW,
    )
    assert decision.mode is EffectiveMode.FORCED_SANDBOX
    assert decision.codes == (gate_reason_code(gate),)
    assert all(isinstance(code, ModeCode) for code in decision.codes)


def test_a_gate_missing_from_the_report_is_named_by_its_typed_code():
    full = gate_report(NOW)
    report = GateReport(
        evaluated_at=NOW, gates=tuple(g for g in full.gates if g.code is not GateCode.CI_GREEN)
    )
    decision = resolve_mode(
        intent(),
        gates=report,
        sandbox=sandbox_record("passed", NOW),
        halt=NO_HALT,
        latch=NO_LATCH,
        now=NOW,
    )
    assert decision.codes == (ModeCode.GATE_MISSING_CI_GREEN,)


def test_dry_run_reasons_are_the_blocking_ones_and_always_dry_run():
    decision = resolve_mode(
        intent(use_live=False, always_dry_run=True),
        gates=None,
        sandbox=None,
        halt=HaltState(active=True, reason="HIGH alert"),
        latch=NO_LATCH,
        now=NOW,
    )
    assert decision.codes == (
        ModeCode.PRACTICE_REQUESTED,
        ModeCode.ALWAYS_DRY_RUN,
        ModeCode.HALT_IN_FORCE,
    )
    assert [r.code for r in decision.dry_run_reasons] == [
        ModeCode.ALWAYS_DRY_RUN,
        ModeCode.HALT_IN_FORCE,
    ]


def test_a_submitting_mode_has_no_dry_run_reasons():
    decision = resolve_mode(
        intent(use_live=False), gates=None, sandbox=None, halt=NO_HALT, latch=NO_LATCH, now=NOW
    )
    assert decision.mode is EffectiveMode.SANDBOX
    assert decision.dry_run_reasons == ()


def test_forced_to_sandbox_names_a_missing_sandbox_validation_once():
    decision = resolve_mode(
        intent(),
        gates=gate_report(NOW, {GateCode.SANDBOX_VALIDATED, GateCode.MIN_TRADES}),
        sandbox=None,
        halt=NO_HALT,
        latch=NO_LATCH,
        now=NOW,
    )
    sandbox_codes = {ModeCode.GATE_SANDBOX_VALIDATED, ModeCode.SANDBOX_NOT_VALIDATED}
    assert decision.mode is EffectiveMode.FORCED_SANDBOX
    assert [c for c in decision.codes if c in sandbox_codes] == [ModeCode.SANDBOX_NOT_VALIDATED]
    assert ModeCode.GATE_MIN_TRADES in decision.codes
