"""Every step of an order's path writes an audit entry; a failed write refuses the order before
anything reaches the broker; no secret is ever written."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.support.broker_support import GuardRig, order_posts
from utils.records.alerts import AlertRule
from utils.records.audit import AuditKind
from utils.broker.models import CancelOutcome, GuardCode, PlacementOutcome, PreviewOutcome
from utils.judge.gates import GateCode
from utils.sim.orders import FillBehavior


@pytest.fixture
def rig(tmp_path):
    rig = GuardRig(tmp_path, use_live=True, always_dry_run=False)
    rig.graduate()
    yield rig
    rig.close()


def fail_audit_writes_of(rig: GuardRig, kind: AuditKind) -> None:
    """The audit database refuses to store entries of one kind (as a full disk would)."""
    raw = sqlite3.connect(rig.audit.path)
    raw.execute(
        f"CREATE TRIGGER refuse_{kind.value} BEFORE INSERT ON audit_log "
        f"WHEN NEW.kind = '{kind.value}' BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
    )
    raw.commit()
    raw.close()


def kinds_and_stages(rig: GuardRig, correlation_id: str) -> list[str]:
    return [
        f"{e.kind}:{e.body['stage']}" if "stage" in e.body else str(e.kind)
        for e in rig.audit.entries(correlation_id=correlation_id)
    ]


def place_one(rig: GuardRig):
    intent = rig.intent()
    preview = rig.guard.preview(intent, plan=rig.plan())
    token = preview.confirmation_token.get_secret_value()
    return preview, rig.guard.place(token, intent=intent, confirmed_by_person=True)


def test_every_step_of_a_live_order_is_audited_in_order(rig):
    preview, placement = place_one(rig)
    assert placement.outcome is PlacementOutcome.FILLED
    assert preview.correlation_id == placement.correlation_id
    assert kinds_and_stages(rig, preview.correlation_id) == [
        "mode_change",
        "intent",
        "guard_decision:mode",
        "guard_decision:pretrade",
        "preflight_request",
        "preflight_result",
        "guard_decision:pretrade_with_broker_fees",
        "confirmation:minted",
        "confirmation:presented",
        "confirmation:accepted",
        "guard_decision:pretrade_before_submit",
        "submit_attempt",
        "broker_answer",
        "fill",
    ]
    entries = rig.audit.entries(correlation_id=preview.correlation_id)
    assert {e.effective_mode for e in entries} == {"LIVE"}
    assert {e.target_host for e in entries} == {rig.live.url.split("//")[1]}
    submit = next(e for e in entries if e.kind == AuditKind.SUBMIT_ATTEMPT)
    assert submit.body["path"] == "/accounts/*******01/orders"
    assert submit.body["client_order_id"] == "order-1"
    assert rig.audit.verify().ok


def test_dry_run_mode_audits_the_block(tmp_path):
    rig = GuardRig(tmp_path, use_live=True, always_dry_run=True)
    rig.graduate()
    try:
        preview = rig.guard.preview(rig.intent())
        assert preview.outcome is PreviewOutcome.BLOCKED_BY_DRY_RUN
        steps = kinds_and_stages(rig, preview.correlation_id)
        assert steps[-1] == "guard_decision:blocked_by_dry_run"
        assert "confirmation:minted" not in steps
    finally:
        rig.close()


@pytest.mark.parametrize(
    ("kind", "dry_runs"),
    [
        (AuditKind.INTENT, 0),
        (AuditKind.GUARD_DECISION, 0),
        (AuditKind.PREFLIGHT_REQUEST, 0),
        (AuditKind.PREFLIGHT_RESULT, 1),
        (AuditKind.CONFIRMATION, 1),
    ],
)
def test_failed_audit_write_refuses_the_preview(rig, kind, dry_runs):
    fail_audit_writes_of(rig, kind)
    preview = rig.guard.preview(rig.intent())
    assert preview.outcome is PreviewOutcome.REFUSED
    assert preview.confirmation_token is None
    assert GuardCode.AUDIT_WRITE_FAILED in preview.codes
    assert len(order_posts(rig.live, dry_run=True)) == dry_runs
    assert order_posts(rig.live, dry_run=False) == []
    assert [a.rule for a in rig.alerts.alerts()] == [AlertRule.AUDIT_WRITE_FAILURE]


@pytest.mark.parametrize("kind", [AuditKind.CONFIRMATION, AuditKind.SUBMIT_ATTEMPT])
def test_failed_audit_write_refuses_the_order_with_no_post(rig, kind):
    intent = rig.intent()
    preview = rig.guard.preview(intent)
    assert preview.outcome.ready
    fail_audit_writes_of(rig, kind)
    token = preview.confirmation_token.get_secret_value()
    placement = rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert placement.outcome is PlacementOutcome.REFUSED
    assert GuardCode.AUDIT_WRITE_FAILED in placement.codes
    assert order_posts(rig.live, dry_run=False) == []
    assert "nothing was sent" in placement.message


def test_failed_audit_write_after_the_post_still_reports_the_order(rig):
    intent = rig.intent()
    preview = rig.guard.preview(intent)
    fail_audit_writes_of(rig, AuditKind.BROKER_ANSWER)
    token = preview.confirmation_token.get_secret_value()
    placement = rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert placement.outcome.sent
    assert placement.order_id == 100001  # the simulated broker's first order
    assert GuardCode.AUDIT_WRITE_FAILED in placement.codes
    assert "nothing was sent" not in placement.message
    assert len(order_posts(rig.live, dry_run=False)) == 1
    assert [a.rule for a in rig.alerts.alerts()] == [AlertRule.AUDIT_WRITE_FAILURE]


def test_mode_change_is_audited(rig):
    rig.guard.preview(rig.intent())
    rig.evidence.failing_gates = {GateCode.CI_GREEN}
    rig.guard.preview(rig.intent(client_order_id="order-2"))
    changes = [e for e in rig.audit.entries() if e.kind == AuditKind.MODE_CHANGE]
    assert [(c.body["from"], c.body["to"]) for c in changes] == [
        (None, "LIVE"),
        ("LIVE", "forced to SANDBOX"),
    ]
    assert "GATE_CI_GREEN" in changes[-1].body["codes"]


def test_anomaly_audits_its_halt_and_latch(rig):
    intent = rig.intent()
    preview = rig.guard.preview(intent)
    rig.live.next_order_fill(FillBehavior.REJECT)
    rig.guard.place(
        preview.confirmation_token.get_secret_value(), intent=intent, confirmed_by_person=True
    )
    steps = kinds_and_stages(rig, preview.correlation_id)
    assert steps[-3:] == ["halt", "latch", "guard_decision:order_ended"]
    halt = [e for e in rig.audit.entries() if e.kind == AuditKind.HALT][-1]
    assert halt.body["rule"] == AlertRule.ORDER_ANOMALY
    assert halt.body["halt_until"] == "2026-03-05T15:00:00+00:00"  # 24 h after the anomaly


def test_cancel_is_audited(rig):
    intent = rig.intent()
    preview = rig.guard.preview(intent)
    rig.live.next_order_fill(FillBehavior.NEVER)
    placement = rig.guard.place(
        preview.confirmation_token.get_secret_value(), intent=intent, confirmed_by_person=True
    )
    result = rig.guard.cancel(placement.order_id, correlation_id=placement.correlation_id)
    assert result.outcome is CancelOutcome.CANCEL_REQUESTED
    assert kinds_and_stages(rig, placement.correlation_id)[-2:] == [
        "cancel:request",
        "cancel:answered",
    ]


def test_no_secret_is_ever_written(rig):
    preview, _ = place_one(rig)
    token = preview.confirmation_token.get_secret_value()
    rig.guard.status()
    secrets = [
        token,
        rig.live.logins.client_secret.get_secret_value(),
        rig.live.logins.refresh_token.get_secret_value(),
        rig.sandbox.logins.client_secret.get_secret_value(),
    ]
    stored = rig.audit.path.read_bytes() + b"".join(
        p.read_bytes() for p in rig.tmp_path.glob("audit.sqlite3*")
    )
    for secret in secrets:
        assert secret.encode() not in stored
        assert secret not in repr(preview)
    cached = (rig.tmp_path / "live_token.json").read_text()
    assert '"token"' in cached  # the access token exists, but only in its 0600 cache
    access_token = json.loads(cached)["token"]
    assert access_token.encode() not in stored


def test_tampered_guard_entry_is_named_by_verify(rig):
    place_one(rig)
    submit = next(e for e in rig.audit.entries() if e.kind == AuditKind.SUBMIT_ATTEMPT)
    raw = sqlite3.connect(rig.audit.path)
    raw.execute("DROP TRIGGER audit_log_no_update")
    raw.execute(
        "UPDATE audit_log SET body = replace(body, 'order-1', 'order-X') WHERE seq = ?",
        (submit.seq,),
    )
    raw.commit()
    raw.close()
    result = rig.audit.verify()
    assert not result.ok
    assert result.first_broken_seq == submit.seq
