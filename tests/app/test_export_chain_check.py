"""The export checks only the audit entries added since the last check (`AuditLog.check_chain`,
full=False), yet tampering anywhere in the chain after it was verified still refuses the next
export (real app context, real SQLite files, tampered through another connection as with a
SQLite shell); and its own audit entry keeps the shared evidence reading."""

from __future__ import annotations

import pytest

from components.cards import export
from tests.app.conftest import NOW, close_context
from tests.app.dash_tree import text
from tests.support.audit_support import drop_entries_after, edit_entry
from tests.support.journal_factory import seed_journal
from tests.support.live_server import cockpit_settings
from utils.records.audit import AuditKind, AuditLog
from components.context import build_context

ENTRIES = 40


@pytest.fixture
def ctx(tmp_path):
    settings = cockpit_settings(tmp_path)
    seed_journal(settings.data_dir)
    audit = AuditLog.open(settings.data_dir)
    for i in range(ENTRIES):
        audit.append(AuditKind.INTENT, correlation_id=f"c{i}", effective_mode="SIM")
    audit.close()
    context = build_context(settings, tmp_path, clock=lambda: NOW)
    yield context
    close_context(context)


def snapshot(ctx):
    return ctx.settings.data_dir / "export" / "compliance_snapshot.csv"


def exported(ctx) -> bool:
    shown, download = export.run_export(ctx)
    assert (download is None) == (getattr(shown, "id", None) == export.Ids.REFUSED)
    return download is not None


@pytest.mark.parametrize("where", ["oldest", "middle", "last verified", "newest"])
def test_an_edit_anywhere_after_an_export_refuses_the_next_one(ctx, where):
    assert exported(ctx)
    head = ctx.audit.head()[0]
    seq = {"oldest": 1, "middle": head // 2, "last verified": head - 1, "newest": head}[where]
    snapshot(ctx).unlink()
    edit_entry(ctx.audit.path, seq)
    shown, download = export.run_export(ctx)
    assert download is None and shown.id == export.Ids.REFUSED
    assert f"audit entry {seq} is broken" in text(shown)
    assert not snapshot(ctx).exists()
    assert not exported(ctx), "every later export is refused too"


def test_an_old_edit_is_caught_after_own_appends_following_it(ctx):
    assert exported(ctx)
    edit_entry(ctx.audit.path, 2)
    ctx.audit.append(AuditKind.INTENT, correlation_id="after-edit", effective_mode="SIM")
    assert not exported(ctx)


def test_truncated_newest_entries_refuse_the_next_export(ctx):
    assert exported(ctx)
    head = ctx.audit.head()[0]
    drop_entries_after(ctx.audit.path, head - 2)
    shown, download = export.run_export(ctx)
    assert download is None and f"audit entry {head} is missing" in text(shown)


def test_an_export_keeps_the_evidence_version_and_the_shared_reading(ctx):
    version, reading = ctx.evidence_version(), ctx.evidence()
    head = ctx.audit.head()[0]
    for _ in range(3):
        assert exported(ctx)
    assert ctx.audit.head()[0] == head + 3
    assert ctx.evidence_version() == version
    assert ctx.evidence() is reading
