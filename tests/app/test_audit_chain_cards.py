"""The Broker and Export cards with a broken audit chain, rendered without a browser from a real
app context (start-up check, the Broker card's danger line, the refused export)."""

from __future__ import annotations

import pytest

from components.cards import broker, export
from components.context import build_context
from tests.app.dash_tree import find, text
from tests.support.audit_support import edit_entry
from tests.support.live_server import cockpit_settings
from utils.records.alerts import AlertRule
from utils.records.audit import AuditKind, AuditLog
from utils.core.config import PROJECT_ROOT


def make_context(tmp_path, *, broken_seq: int | None):
    settings = cockpit_settings(tmp_path)
    audit = AuditLog.open(settings.data_dir)
    for i in range(6):
        audit.append(AuditKind.INTENT, correlation_id=f"c{i}", effective_mode="SIM")
    audit.close()
    if broken_seq is not None:
        edit_entry(settings.data_dir / "audit.sqlite3", broken_seq)
    return build_context(settings, PROJECT_ROOT)


@pytest.fixture
def contexts():
    made = []
    yield made
    for ctx in made:
        ctx.guard.close()
        for store in (ctx.stores.journal, ctx.stores.alerts, ctx.stores.latch, ctx.stores.sandbox):
            store.close()


def test_broker_card_names_the_first_broken_entry_and_export_is_refused(tmp_path, contexts):
    ctx = make_context(tmp_path, broken_seq=4)
    contexts.append(ctx)
    line = find(broker.mode_body(ctx.evidence(), ctx), broker.Ids.AUDIT_CHAIN)
    assert line is not None and line.color == "danger"
    assert "entry 4" in text(line) and "Opening orders are refused" in text(line)
    shown, download = export.run_export(ctx)
    assert download is None
    assert shown.id == export.Ids.REFUSED and "entry 4" in text(shown)
    assert not (ctx.settings.data_dir / "export" / "compliance_snapshot.csv").exists()
    rules = [a.rule for a in ctx.alerts.alerts()]
    assert rules.count(AlertRule.AUDIT_CHAIN_BROKEN) == 1


def test_broker_card_shows_an_intact_chain_and_export_writes(tmp_path, contexts):
    ctx = make_context(tmp_path, broken_seq=None)
    contexts.append(ctx)
    line = find(broker.mode_body(ctx.evidence(), ctx), broker.Ids.AUDIT_CHAIN)
    assert line is not None and "intact" in text(line) and "seq 6" in text(line)
    shown, download = export.run_export(ctx)
    assert download is not None and find(shown, export.Ids.PATH) is not None
    assert ctx.alerts.alerts() == []
