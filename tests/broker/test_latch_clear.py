"""Clearing the rollback latch from the page: refused while a trigger holds, audited when done."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.support.live_server import cockpit_settings
from utils.broker.latch import clear_rollback_latch
from utils.core.config import PROJECT_ROOT
from utils.journal.store import Journal
from utils.judge.evidence import EvidenceStores, gather_evidence
from utils.records.latch import LatchClearRefused, RollbackLatchStore, RollbackTrigger, TriggerCode
from utils.records.alerts import AlertRule, AlertStore
from utils.records.audit import AuditKind, AuditLog, AuditWriteError
from utils.records.sandbox import SandboxValidationStore

NOW = datetime(2025, 3, 3, 15, 0, tzinfo=timezone.utc)
ANOMALY = RollbackTrigger(code=TriggerCode.ORDER_ANOMALY, sentence="An order was rejected.")


@pytest.fixture
def rig(tmp_path):
    settings = cockpit_settings(tmp_path)
    data = settings.data_dir
    data.mkdir(parents=True)
    clock = lambda: NOW  # noqa: E731
    stores = EvidenceStores(
        journal=Journal.open(data, clock=clock),
        alerts=AlertStore.open(data, clock=clock),
        latch=RollbackLatchStore.open(data, clock=clock),
        sandbox=SandboxValidationStore.open(data, clock=clock),
    )
    audit = AuditLog.open(data, clock=clock)
    stores.latch.set([ANOMALY])
    yield settings, stores, audit
    audit.close()
    for store in (stores.journal, stores.alerts, stores.latch, stores.sandbox):
        store.close()


def evidence(settings, stores):
    return gather_evidence(stores, settings=settings, root=PROJECT_ROOT, now=NOW)


def test_latch_cleared_when_no_trigger_holds_and_the_clear_is_audited(rig):
    settings, stores, audit = rig
    state = clear_rollback_latch(stores.latch, audit, evidence(settings, stores))
    assert not state.active and state.cleared_at == NOW
    assert stores.latch.events()[-1].note == "cleared on page"
    (entry,) = audit.entries()
    assert entry.kind == AuditKind.LATCH and entry.correlation_id == "latch-20250303T150000"
    assert entry.body == {"action": "clear", "active": False}
    assert entry.effective_mode == "SIM (dry-run)"


def test_latch_stays_set_while_a_trigger_holds_and_nothing_is_audited(rig):
    settings, stores, audit = rig
    for message in ("first", "second"):  # two HIGH alerts in one session: a rollback trigger
        stores.alerts.raise_alert(AlertRule.OVER_LADDER_CAP, message)
    with pytest.raises(LatchClearRefused, match="cannot be cleared while a trigger holds"):
        clear_rollback_latch(stores.latch, audit, evidence(settings, stores))
    assert stores.latch.state().active
    assert audit.entries() == []


def test_latch_stays_set_when_the_audit_entry_cannot_be_written(rig):
    settings, stores, audit = rig
    reading = evidence(settings, stores)
    audit.close()  # the audit log can no longer be written
    with pytest.raises(AuditWriteError):
        clear_rollback_latch(stores.latch, audit, reading)
    assert stores.latch.state().active
