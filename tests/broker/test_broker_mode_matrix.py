"""The effective mode, exhaustively: every combination of USE_LIVE x ALWAYS_DRY_RUN x each of
the seven gates passing or failing x sandbox credentials x live credentials x the sandbox
validation record (none, failed, passed in the simulator, passed in the sandbox) x the halt
(none, in force, expired, unreadable) x the rollback latch (clear, set, unreadable).

The expected outcome is DESIGN.md section 3's table, restated independently below.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest

from tests.support.broker_support import gate_report, sandbox_record
from utils.judge.mode import (
    GATE_REPORT_MAX_AGE,
    BrokerTarget,
    EffectiveMode,
    ModeCode,
    ModeIntent,
    gate_reason_code,
    resolve_mode,
)
from utils.core.config import load_settings
from utils.judge.gates import GateCode
from utils.records.latch import LatchState, RollbackTrigger, TriggerCode
from utils.records.alerts import HaltState
from utils.spreads.legs import PositionEffect

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=timezone.utc)
SANDBOX_URL = "https://api.cert.tastyworks.com"
LIVE_URL = "https://api.tastyworks.com"
GATES = tuple(GateCode)
SANDBOX_STATES = ("none", "failed", "sim", "passed")
HALT_STATES = ("none", "active", "expired", "unreadable")
LATCH_STATES = ("clear", "set", "unreadable")

REPORTS = {
    bits: gate_report(NOW, {code for code, ok in zip(GATES, bits) if not ok})
    for bits in itertools.product((True, False), repeat=len(GATES))
}
RECORDS = {state: sandbox_record(state, NOW) for state in SANDBOX_STATES}
HALTS = {
    "none": HaltState(active=False),
    "active": HaltState(active=True, until=NOW + timedelta(hours=3), reason="AUTH_ANOMALY"),
    "expired": HaltState(active=True, until=NOW - timedelta(seconds=1), reason="old"),
    "unreadable": None,
}
LATCHES = {
    "clear": LatchState(active=False),
    "set": LatchState(
        active=True,
        set_at=NOW,
        triggers=(RollbackTrigger(code=TriggerCode.ORDER_ANOMALY, sentence="a rejected order"),),
    ),
    "unreadable": None,
}
DIMENSIONS = (
    ("use_live", (False, True)),
    ("always_dry_run", (False, True)),
    ("gates", tuple(REPORTS)),
    ("sandbox_creds", (False, True)),
    ("live_creds", (False, True)),
    ("sandbox", SANDBOX_STATES),
    ("halt", HALT_STATES),
    ("latch", LATCH_STATES),
)
NAMES = tuple(name for name, _ in DIMENSIONS)


def decide(case: dict) -> object:
    intent = ModeIntent(
        use_live=case["use_live"],
        always_dry_run=case["always_dry_run"],
        sandbox_credentials=case["sandbox_creds"],
        live_credentials=case["live_creds"],
        sandbox_base_url=SANDBOX_URL,
        live_base_url=LIVE_URL,
    )
    return resolve_mode(
        intent,
        gates=REPORTS[case["gates"]],
        sandbox=RECORDS[case["sandbox"]],
        halt=HALTS[case["halt"]],
        latch=LATCHES[case["latch"]],
        now=NOW,
    )


def expected(case: dict) -> tuple[EffectiveMode, BrokerTarget, bool, bool]:
    """DESIGN.md section 3, restated: (mode, target, dry_run, closing_orders_submit)."""
    practice = BrokerTarget.SANDBOX if case["sandbox_creds"] else BrokerTarget.SIM
    if case["use_live"]:
        graduated = all(case["gates"]) and case["sandbox"] == "passed" and case["live_creds"]
        if not graduated:
            return EffectiveMode.FORCED_SANDBOX, practice, True, False
        target = BrokerTarget.LIVE
    else:
        target = practice
    safety = case["halt"] in ("active", "unreadable") or case["latch"] in ("set", "unreadable")
    dry_run = case["always_dry_run"] or safety
    closing = not case["always_dry_run"] and safety
    mode = {
        BrokerTarget.SIM: EffectiveMode.SIM,
        BrokerTarget.SANDBOX: EffectiveMode.SANDBOX_DRY_RUN if dry_run else EffectiveMode.SANDBOX,
        BrokerTarget.LIVE: EffectiveMode.LIVE_DRY_RUN if dry_run else EffectiveMode.LIVE,
    }[target]
    return mode, target, dry_run, closing


def live_rank(decision) -> int:
    """2 = opening orders reach live /orders, 1 = live dry-run only, 0 = never live."""
    if decision.target is not BrokerTarget.LIVE:
        return 0
    return 2 if decision.submits(PositionEffect.OPENING) else 1


def expected_codes(case: dict) -> set[str]:
    """Reason codes the decision must carry for this case."""
    codes = set()
    if case["use_live"]:
        codes |= {gate_reason_code(code) for code, ok in zip(GATES, case["gates"]) if not ok}
        if case["sandbox"] != "passed":
            codes.add(ModeCode.SANDBOX_NOT_VALIDATED)
        if not case["live_creds"]:
            codes.add(ModeCode.LIVE_CREDENTIALS_MISSING)
    if not case["sandbox_creds"]:
        codes.add(ModeCode.NO_SANDBOX_CREDENTIALS)
    codes |= {
        "active": {ModeCode.HALT_IN_FORCE},
        "unreadable": {ModeCode.HALT_UNREADABLE},
    }.get(case["halt"], set())
    codes |= {
        "set": {ModeCode.LATCH_SET},
        "unreadable": {ModeCode.LATCH_UNREADABLE},
    }.get(case["latch"], set())
    return codes


@pytest.fixture(scope="module")
def matrix() -> dict[tuple, object]:
    """Every combination, decided once."""
    return {
        values: decide(dict(zip(NAMES, values)))
        for values in itertools.product(*(options for _, options in DIMENSIONS))
    }


def test_matrix_covers_every_combination(matrix):
    assert len(matrix) == 2 * 2 * 2**7 * 2 * 2 * 4 * 4 * 3 == 98304


def test_every_combination_matches_the_design_table(matrix):
    wrong = []
    for values, decision in matrix.items():
        case = dict(zip(NAMES, values))
        got = (decision.mode, decision.target, decision.dry_run, decision.closing_orders_submit)
        if got != expected(case):
            wrong.append((case, got, expected(case)))
    assert not wrong, f"{len(wrong)} combinations differ, first: {wrong[0]}"


def test_live_orders_only_when_every_condition_holds(matrix):
    for values, decision in matrix.items():
        case = dict(zip(NAMES, values))
        every_condition = (
            case["use_live"]
            and not case["always_dry_run"]
            and all(case["gates"])
            and case["sandbox"] == "passed"
            and case["live_creds"]
            and case["halt"] in ("none", "expired")
            and case["latch"] == "clear"
        )
        assert (live_rank(decision) == 2) == every_condition, case
        if decision.target is BrokerTarget.LIVE:
            assert case["use_live"] and all(case["gates"]) and case["live_creds"], case


def test_every_reason_is_named(matrix):
    for values, decision in matrix.items():
        case = dict(zip(NAMES, values))
        missing = expected_codes(case) - set(decision.codes)
        assert not missing, (case, missing)
        if case["always_dry_run"]:
            assert ModeCode.ALWAYS_DRY_RUN in decision.codes or decision.mode is (
                EffectiveMode.FORCED_SANDBOX
            )
        if case["use_live"] and decision.mode is EffectiveMode.FORCED_SANDBOX:
            assert decision.blocking, case
        assert all(reason.sentence for reason in decision.reasons)
        assert decision.sentence.startswith(decision.label)


def test_forced_to_sandbox_exactly_when_live_is_asked_but_not_earned(matrix):
    for values, decision in matrix.items():
        case = dict(zip(NAMES, values))
        earned = all(case["gates"]) and case["sandbox"] == "passed" and case["live_creds"]
        forced = decision.mode is EffectiveMode.FORCED_SANDBOX
        assert forced == (case["use_live"] and not earned), case
        if forced:
            assert decision.dry_run and not decision.submits(PositionEffect.CLOSING)


def test_overrides_only_move_toward_safety(matrix):
    """Making any one input less safe never brings an order closer to live money."""
    worse = {
        "always_dry_run": {False: True},
        "sandbox_creds": {True: False},
        "live_creds": {True: False},
        "sandbox": {"passed": ("failed", "sim", "none")},
        "halt": {"none": ("active", "unreadable"), "expired": ("active", "unreadable")},
        "latch": {"clear": ("set", "unreadable")},
    }
    checked = 0
    for values, decision in matrix.items():
        case = dict(zip(NAMES, values))
        variants = []
        for name, moves in worse.items():
            targets = moves.get(case[name], ())
            targets = targets if isinstance(targets, tuple) else (targets,)
            variants += [{**case, name: target} for target in targets]
        for index, ok in enumerate(case["gates"]):
            if ok:
                failed = tuple(False if i == index else g for i, g in enumerate(case["gates"]))
                variants.append({**case, "gates": failed})
        for variant in variants:
            other = matrix[tuple(variant[name] for name in NAMES)]
            assert live_rank(other) <= live_rank(decision), (case, variant)
            if not decision.submits(PositionEffect.OPENING):
                assert not other.submits(PositionEffect.OPENING), (case, variant)
            checked += 1
    assert checked > 500_000


def test_live_refused_when_no_gate_report():
    intent = ModeIntent(
        use_live=True, always_dry_run=False, sandbox_credentials=True, live_credentials=True
    )
    decision = resolve_mode(
        intent,
        gates=None,
        sandbox=RECORDS["passed"],
        halt=HALTS["none"],
        latch=LATCHES["clear"],
        now=NOW,
    )
    assert decision.mode is EffectiveMode.FORCED_SANDBOX
    assert ModeCode.GATES_UNAVAILABLE in decision.codes


@pytest.mark.parametrize(
    ("age", "forced"),
    [(GATE_REPORT_MAX_AGE, False), (GATE_REPORT_MAX_AGE + timedelta(microseconds=1), True)],
)
def test_live_refused_when_gate_report_is_stale(age, forced):
    intent = ModeIntent(
        use_live=True, always_dry_run=False, sandbox_credentials=True, live_credentials=True
    )
    decision = resolve_mode(
        intent,
        gates=gate_report(NOW - age),
        sandbox=RECORDS["passed"],
        halt=HALTS["none"],
        latch=LATCHES["clear"],
        now=NOW,
    )
    assert (decision.mode is EffectiveMode.FORCED_SANDBOX) == forced
    assert (ModeCode.GATES_STALE in decision.codes) == forced


def test_live_refused_when_a_gate_is_missing_from_the_report():
    report = gate_report(NOW)
    partial = report.model_copy(update={"gates": report.gates[:-1]})
    intent = ModeIntent(
        use_live=True, always_dry_run=False, sandbox_credentials=True, live_credentials=True
    )
    decision = resolve_mode(
        intent,
        gates=partial,
        sandbox=RECORDS["passed"],
        halt=HALTS["none"],
        latch=LATCHES["clear"],
        now=NOW,
    )
    assert decision.mode is EffectiveMode.FORCED_SANDBOX
    assert f"GATE_MISSING_{GATES[-1]}" in decision.codes


@pytest.mark.parametrize(
    "sandbox_url",
    ["https://api.tastyworks.com", "https://API.tastytrade.com/", LIVE_URL + ":443"],
)
def test_sandbox_url_pointing_at_live_makes_sandbox_unusable(sandbox_url):
    for use_live in (False, True):
        intent = ModeIntent(
            use_live=use_live,
            always_dry_run=False,
            sandbox_credentials=True,
            live_credentials=False,
            sandbox_base_url=sandbox_url,
            live_base_url=LIVE_URL,
        )
        decision = resolve_mode(
            intent,
            gates=gate_report(NOW),
            sandbox=RECORDS["passed"],
            halt=HALTS["none"],
            latch=LATCHES["clear"],
            now=NOW,
        )
        assert decision.target is BrokerTarget.SIM
        assert ModeCode.SANDBOX_URL_IS_LIVE in decision.codes


def test_sim_honours_always_dry_run():
    intent = ModeIntent(
        use_live=False, always_dry_run=True, sandbox_credentials=False, live_credentials=False
    )
    decision = resolve_mode(
        intent, gates=None, sandbox=None, halt=HALTS["none"], latch=LATCHES["clear"], now=NOW
    )
    assert decision.mode is EffectiveMode.SIM and decision.dry_run
    assert decision.label == "SIM (dry-run)"


def test_halt_lets_closing_orders_through_but_not_entries():
    intent = ModeIntent(
        use_live=True, always_dry_run=False, sandbox_credentials=True, live_credentials=True
    )
    decision = resolve_mode(
        intent,
        gates=gate_report(NOW),
        sandbox=RECORDS["passed"],
        halt=HALTS["active"],
        latch=LATCHES["clear"],
        now=NOW,
    )
    assert decision.mode is EffectiveMode.LIVE_DRY_RUN
    assert decision.submits(PositionEffect.CLOSING)
    assert not decision.submits(PositionEffect.OPENING)
    assert not decision.submits(PositionEffect.MIXED)


def test_intent_from_settings_reads_presence_never_values(tmp_path):
    settings = load_settings(
        env_file=tmp_path / "none.env",
        data_dir=tmp_path,
        use_live=True,
        always_dry_run=False,
        tt_sandbox_user="trader",
        tt_sandbox_pass="canary-pass-8d1",  # nosec B106  # a canary, not a real password
    )
    intent = ModeIntent.from_settings(settings)
    assert intent.sandbox_credentials and not intent.live_credentials
    assert intent.use_live and not intent.always_dry_run
    assert "canary" not in repr(intent) and "canary" not in intent.model_dump_json()
