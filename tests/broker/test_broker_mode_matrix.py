"""The effective mode over every input that makes a difference, and a property over all of them.

The matrix crosses USE_LIVE x ALWAYS_DRY_RUN x sandbox credentials x live credentials x the
sandbox validation record (none, failed, passed in the simulator, passed in the sandbox) x the
halt (none, in force, expired, unreadable) x the rollback latch (clear, set, unreadable) with the
gate sets that decide differently: every gate passing, each of the seven failing alone, all
failing (any other set fails a gate too, and is checked by the hypothesis property below, which
draws from all 128 gate sets and every other dimension).

The expected outcome is DESIGN.md section 3's table, restated independently below.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.broker_support import gate_report, sandbox_record
from utils.judge.mode import (
    GATE_REPORT_MAX_AGE,
    BrokerTarget,
    EffectiveMode,
    ModeCode,
    ModeDecision,
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

ALL_PASS = (True,) * len(GATES)
ALL_FAIL = (False,) * len(GATES)
ONE_FAILS = tuple(tuple(i != failing for i in range(len(GATES))) for failing in range(len(GATES)))
GATE_SETS = (ALL_PASS, *ONE_FAILS, ALL_FAIL)

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
    ("gates", GATE_SETS),
    ("sandbox_creds", (False, True)),
    ("live_creds", (False, True)),
    ("sandbox", SANDBOX_STATES),
    ("halt", HALT_STATES),
    ("latch", LATCH_STATES),
)
NAMES = tuple(name for name, _ in DIMENSIONS)
CASES = 2 * 2 * len(GATE_SETS) * 2 * 2 * 4 * 4 * 3
# Each input made less safe, one at a time (gates: more of them failing).
WORSE = {
    "always_dry_run": {False: (True,)},
    "sandbox_creds": {True: (False,)},
    "live_creds": {True: (False,)},
    "sandbox": {"passed": ("failed", "sim", "none")},
    "halt": {"none": ("active", "unreadable"), "expired": ("active", "unreadable")},
    "latch": {"clear": ("set", "unreadable")},
}

any_case = st.fixed_dictionaries(
    {
        "use_live": st.booleans(),
        "always_dry_run": st.booleans(),
        "gates": st.tuples(*[st.booleans()] * len(GATES)),
        "sandbox_creds": st.booleans(),
        "live_creds": st.booleans(),
        "sandbox": st.sampled_from(SANDBOX_STATES),
        "halt": st.sampled_from(HALT_STATES),
        "latch": st.sampled_from(LATCH_STATES),
    }
)


def decide(case: dict) -> ModeDecision:
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
        if not earned(case):
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


def earned(case: dict) -> bool:
    """Every gate passes, the sandbox validation passed in the sandbox, a live login exists."""
    return all(case["gates"]) and case["sandbox"] == "passed" and case["live_creds"]


def live_rank(decision: ModeDecision) -> int:
    """2 = opening orders reach live /orders, 1 = live dry-run only, 0 = never live."""
    if decision.target is not BrokerTarget.LIVE:
        return 0
    return 2 if decision.submits(PositionEffect.OPENING) else 1


def expected_codes(case: dict) -> set[str]:
    """Every reason code the decision carries for this case, blocking or not."""
    codes = set()
    forced = case["use_live"] and not earned(case)
    if case["use_live"]:
        codes |= {gate_reason_code(code) for code, ok in zip(GATES, case["gates"]) if not ok}
        if case["sandbox"] != "passed":
            # said once: the sandbox record's reason replaces the failing sandbox gate's
            codes.discard(gate_reason_code(GateCode.SANDBOX_VALIDATED))
            codes.add(ModeCode.SANDBOX_NOT_VALIDATED)
        if not case["live_creds"]:
            codes.add(ModeCode.LIVE_CREDENTIALS_MISSING)
        if not forced:
            codes.add(ModeCode.LIVE_CONDITIONS_MET)
    else:
        codes.add(ModeCode.PRACTICE_REQUESTED)
    if case["always_dry_run"] and not forced:  # forced to SANDBOX is dry-run whatever the flag
        codes.add(ModeCode.ALWAYS_DRY_RUN)
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


def worse_cases(case: dict, gate_sets: Callable[[tuple[bool, ...]], list]) -> list[dict]:
    """The case with one input made less safe, each way; `gate_sets` says which gates may fail."""
    variants = [
        {**case, name: worse}
        for name, moves in WORSE.items()
        for worse in moves.get(case[name], ())
    ]
    return variants + [{**case, "gates": gates} for gates in gate_sets(case["gates"])]


def more_failing_in_the_matrix(gates: tuple[bool, ...]) -> list[tuple[bool, ...]]:
    """The matrix's gate sets that fail every gate `gates` fails, and more."""
    return [
        other
        for other in GATE_SETS
        if other != gates and all(not o for o, g in zip(other, gates) if not g)
    ]


def one_more_failing(gates: tuple[bool, ...]) -> list[tuple[bool, ...]]:
    """Each gate set with one more gate failing."""
    return [gates[:i] + (False,) + gates[i + 1 :] for i, ok in enumerate(gates) if ok]


def assert_matches_the_design_table(case: dict, decision: ModeDecision) -> None:
    got = (decision.mode, decision.target, decision.dry_run, decision.closing_orders_submit)
    assert got == expected(case), case


def assert_live_orders_only_when_every_condition_holds(case: dict, decision: ModeDecision) -> None:
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


def assert_every_reason_is_named(case: dict, decision: ModeDecision) -> None:
    assert sorted(decision.codes) == sorted(expected_codes(case)), case
    if case["use_live"] and decision.mode is EffectiveMode.FORCED_SANDBOX:
        assert decision.blocking, case
    assert all(reason.sentence for reason in decision.reasons)
    assert decision.sentence.startswith(decision.label)


def assert_forced_exactly_when_live_is_not_earned(case: dict, decision: ModeDecision) -> None:
    forced = decision.mode is EffectiveMode.FORCED_SANDBOX
    assert forced == (case["use_live"] and not earned(case)), case
    if forced:
        assert decision.dry_run and not decision.submits(PositionEffect.CLOSING)


def assert_no_less_safe_input_is_closer_to_live(
    case: dict, decision: ModeDecision, other: ModeDecision
) -> None:
    assert live_rank(other) <= live_rank(decision), case
    if not decision.submits(PositionEffect.OPENING):
        assert not other.submits(PositionEffect.OPENING), case


@pytest.fixture(scope="module")
def matrix() -> dict[tuple, ModeDecision]:
    """Every combination of the inputs that decide differently, decided once."""
    return {
        values: decide(dict(zip(NAMES, values)))
        for values in itertools.product(*(options for _, options in DIMENSIONS))
    }


def cases_of(matrix: dict[tuple, ModeDecision]) -> Iterator[tuple[dict, ModeDecision]]:
    """Each matrix entry as (case by dimension name, decision)."""
    return ((dict(zip(NAMES, values)), decision) for values, decision in matrix.items())


def test_matrix_covers_every_combination(matrix):
    assert len(matrix) == CASES == 6912
    assert len(REPORTS) == 2 ** len(GATES) == 128


def test_every_combination_matches_the_design_table(matrix):
    for case, decision in cases_of(matrix):
        assert_matches_the_design_table(case, decision)


def test_live_orders_only_when_every_condition_holds(matrix):
    for case, decision in cases_of(matrix):
        assert_live_orders_only_when_every_condition_holds(case, decision)


def test_every_reason_is_named(matrix):
    for case, decision in cases_of(matrix):
        assert_every_reason_is_named(case, decision)


def test_forced_to_sandbox_exactly_when_live_is_asked_but_not_earned(matrix):
    for case, decision in cases_of(matrix):
        assert_forced_exactly_when_live_is_not_earned(case, decision)


def test_overrides_only_move_toward_safety(matrix):
    """Making any one input less safe never brings an order closer to live money."""
    checked = 0
    for case, decision in cases_of(matrix):
        for variant in worse_cases(case, more_failing_in_the_matrix):
            other = matrix[tuple(variant[name] for name in NAMES)]
            assert_no_less_safe_input_is_closer_to_live(case, decision, other)
            checked += 1
    # Per dimension: the cases holding a value that can get worse, times how many ways it can.
    assert checked == (
        CASES // 2 * 3  # ALWAYS_DRY_RUN off, sandbox login, live login: one way each
        + CASES // 4 * 3  # sandbox validation passed: none, failed, simulator
        + CASES // 4 * 2 * 2  # halt none or expired: in force, unreadable
        + CASES // 3 * 2  # latch clear: set, unreadable
        + CASES // len(GATE_SETS) * (len(ONE_FAILS) + 1 + len(ONE_FAILS))  # all pass, one fails
    )


@settings(max_examples=300)
@given(any_case)
def test_any_combination_of_all_128_gate_sets_keeps_every_rule(case):
    decision = decide(case)
    assert_matches_the_design_table(case, decision)
    assert_live_orders_only_when_every_condition_holds(case, decision)
    assert_every_reason_is_named(case, decision)
    assert_forced_exactly_when_live_is_not_earned(case, decision)
    for variant in worse_cases(case, one_more_failing):
        assert_no_less_safe_input_is_closer_to_live(case, decision, decide(variant))


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
