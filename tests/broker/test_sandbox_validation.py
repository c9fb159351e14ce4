"""Sandbox validation (checklist s4): the read-write path against a sandbox over real HTTP."""

from __future__ import annotations

import re
import sqlite3
import uuid

import pytest

from tests.support.broker_support import SANDBOX_ACCOUNT, GuardRig, order_posts
from tests.support.tastytrade_support import USER_AGENT, SleepRecorder
from utils.records.alerts import AlertRule
from utils.records.audit import AuditKind
from utils.judge.gates import gate_sandbox_validated
from utils.records.sandbox import SandboxMode
from utils.broker.sandbox_validation import ORDER_STEPS, READ_STEPS, run_sandbox_validation
from utils.sim.orders import FillBehavior
from utils.tastytrade.client import TastytradeClient


@pytest.fixture
def rig(tmp_path):
    rig = GuardRig(tmp_path, use_live=False, always_dry_run=True)
    yield rig
    rig.close()


def sandbox_client(rig: GuardRig, **credential_changes) -> TastytradeClient:
    credentials = rig.sandbox.credentials()
    if credential_changes:
        credentials = credentials.model_copy(update=credential_changes)
    return TastytradeClient(
        credentials,
        data_dir=rig.tmp_path,
        user_agent=USER_AGENT,
        clock=rig.clock,
        sleep=SleepRecorder(),
        token_cache_name="validation_token.json",  # nosec B106  # a file name
    )


def validate(rig: GuardRig, client=None, *, place_order: bool, progress=None, settings=None):
    return run_sandbox_validation(
        client or sandbox_client(rig),
        settings=settings or rig.settings,
        mode=SandboxMode.SANDBOX,
        place_order=place_order,
        audit=rig.audit,
        store=rig.sandbox_store,
        correlation_id=uuid.uuid4().hex,
        effective_mode="SANDBOX",
        progress=progress,
        clock=rig.clock,
    )


def step_names(record) -> list[str]:
    return [step.name for step in record.steps]


def test_dry_run_validation_passes_and_places_nothing(rig):
    record = validate(rig, place_order=False)
    assert record.passed, record.sentence
    assert step_names(record) == list(READ_STEPS)
    assert order_posts(rig.sandbox, dry_run=False) == []
    assert len(order_posts(rig.sandbox, dry_run=True)) == 1
    assert rig.live.requests == []
    assert rig.sandbox_store.latest() == record
    assert record.account == "*******01" and SANDBOX_ACCOUNT not in record.model_dump_json()
    assert gate_sandbox_validated(rig.sandbox_store.latest(), rig.settings).passed


def test_validation_places_sees_live_and_cancels(rig):
    record = validate(rig, place_order=True)
    assert record.passed, record.sentence
    assert step_names(record) == list(READ_STEPS + ORDER_STEPS)
    assert len(order_posts(rig.sandbox, dry_run=False)) == 1
    detail = {step.name: step.detail for step in record.steps}
    assert "Live" in detail["filled or live"]
    assert "Cancelled" in detail["cancel or close"]
    assert rig.sandbox.book.positions(SANDBOX_ACCOUNT) == []


def test_validation_closes_an_order_that_filled(rig):
    rig.sandbox.next_order_fill(FillBehavior.IMMEDIATE)
    record = validate(rig, place_order=True)
    assert record.passed, record.sentence
    assert len(order_posts(rig.sandbox, dry_run=False)) == 2
    assert "closing order" in record.steps[-1].detail
    assert rig.sandbox.book.positions(SANDBOX_ACCOUNT) == []


def test_login_failure_fails_the_run_and_sends_nothing(rig):
    client = sandbox_client(rig, refresh_token=rig.sandbox.logins.client_secret)
    record = validate(rig, client, place_order=True)
    assert not record.passed
    assert [s.name for s in record.failed_steps][0] == "login"
    assert record.steps[2].detail == "not run: 'login' failed"
    assert order_posts(rig.sandbox) == []
    assert not gate_sandbox_validated(rig.sandbox_store.latest(), rig.settings).passed


def test_rejected_dry_run_fails_the_run_before_any_order(rig):
    rig.sandbox.answer_next(
        {"error": {"code": "preflight_check_failure", "message": "no buying power"}},
        status=422,
        method="POST",
        path="/orders/dry-run$",
    )
    record = validate(rig, place_order=True)
    assert not record.passed
    assert record.failed_steps[0].name == "dry-run"
    assert order_posts(rig.sandbox, dry_run=False) == []


def test_validation_refuses_a_client_pointing_at_live(rig):
    live_client = TastytradeClient(
        rig.live.credentials(),
        data_dir=rig.tmp_path,
        user_agent=USER_AGENT,
        clock=rig.clock,
        sleep=SleepRecorder(),
    )
    record = validate(rig, live_client, place_order=True)
    assert not record.passed and record.failed_steps[0].name == "target"
    assert rig.live.requests == []


def test_audit_failure_stops_the_run_before_the_dry_run(rig):
    raw = sqlite3.connect(rig.audit.path)
    raw.execute(
        "CREATE TRIGGER no_preflight BEFORE INSERT ON audit_log WHEN NEW.kind = "
        "'preflight_request' BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    raw.commit()
    raw.close()
    record = validate(rig, place_order=True)
    assert record.failed_steps[0].name == "dry-run"
    assert "audit log" in record.failed_steps[0].detail
    assert order_posts(rig.sandbox) == []


def test_every_step_is_audited_and_reported(rig):
    reports = []
    record = validate(rig, place_order=True, progress=reports.append)
    assert [(r.step, r.passed) for r in reports] == [
        item for name in step_names(record) for item in ((name, None), (name, True))
    ]
    assert reports[-1].index == reports[-1].total == len(record.steps)
    audited = [
        e.body["step"] for e in rig.audit.entries() if e.kind == AuditKind.SANDBOX_VALIDATION
    ]
    assert audited == step_names(record)
    assert rig.audit.verify().ok


def test_guard_validates_against_the_sandbox_without_placing_in_dry_run(rig):
    record = rig.guard.run_sandbox_validation()
    assert record.passed and record.mode is SandboxMode.SANDBOX
    assert step_names(record) == list(READ_STEPS)
    assert order_posts(rig.sandbox, dry_run=False) == []
    assert rig.live.requests == []


def test_guard_places_the_validation_order_when_dry_run_is_off(tmp_path):
    rig = GuardRig(tmp_path, use_live=True, always_dry_run=False)
    try:
        record = rig.guard.run_sandbox_validation()
        assert record.passed and record.mode is SandboxMode.SANDBOX
        assert len(order_posts(rig.sandbox, dry_run=False)) == 1
        assert rig.live.requests == []
    finally:
        rig.close()


def test_guard_does_not_place_the_validation_order_during_a_halt(tmp_path):
    rig = GuardRig(tmp_path, use_live=False, always_dry_run=False)
    try:
        rig.alerts.raise_alert(AlertRule.AUTH_ANOMALY, "earlier")
        record = rig.guard.run_sandbox_validation()
        assert record.passed and step_names(record) == list(READ_STEPS)
        assert order_posts(rig.sandbox, dry_run=False) == []
    finally:
        rig.close()


def test_validation_without_sandbox_credentials_runs_on_the_simulator(tmp_path):
    rig = GuardRig(tmp_path, use_live=False, always_dry_run=True, sandbox_creds=False)
    try:
        record = rig.guard.run_sandbox_validation()
        assert record.passed and record.mode is SandboxMode.SIM
        assert not gate_sandbox_validated(record, rig.settings).passed  # the simulator proves less
        assert rig.sandbox.requests == [] and rig.live.requests == []
    finally:
        rig.close()


def test_an_unreachable_broker_is_a_sentence_not_an_exception(rig):
    from tests.support.live_server import free_port

    port = free_port()  # nothing listens there
    client = sandbox_client(rig, base_url=f"http://127.0.0.1:{port}")
    record = validate(rig, client, place_order=False)
    login = record.steps[1]
    assert (login.name, login.passed) == ("login", False)
    assert login.detail == (
        f"the broker at 127.0.0.1:{port} did not answer: check that it is running and that the "
        "base URL in .env is right"
    )


def test_the_dry_run_step_writes_buying_power_as_money(rig):
    record = validate(rig, place_order=False)
    (dry_run,) = [step for step in record.steps if step.name == "dry-run"]
    assert re.fullmatch(
        r"clean dry-run; buying power [-+]\$\d{1,3}(,\d{3})*\.\d{2}", dry_run.detail
    )
