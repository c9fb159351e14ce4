"""The start-up backup: files under data/backups/, its time on the Export card, a failure shown."""

from __future__ import annotations

import logging

from components.cards import export
from components.context import build_context
from tests.app.conftest import NOW, close_context
from tests.app.dash_tree import find, text
from tests.support.live_server import cockpit_settings
from utils.core.backups import backups_dir, list_backups


def test_start_up_backs_up_both_stores_and_the_export_card_shows_when(empty_ctx):
    names = [p.name for p in list_backups(backups_dir(empty_ctx.settings.data_dir))]
    assert names == ["audit-20250303T150000Z.sqlite3", "journal-20250303T150000Z.sqlite3"]
    assert empty_ctx.backup_warning is None
    card = export.layout(empty_ctx)
    assert text(find(card, export.Ids.LAST_BACKUP)) == "Last backup: 2025-03-03 10:00 EST."


def test_a_failed_backup_is_a_warning_and_a_line_on_the_card_never_a_failed_start(tmp_path, caplog):
    settings = cockpit_settings(tmp_path)
    backups_dir(settings.data_dir).parent.mkdir(parents=True, exist_ok=True)
    backups_dir(settings.data_dir).write_text("a file where the backups folder goes")
    with caplog.at_level(logging.WARNING):
        ctx = build_context(settings, tmp_path, clock=lambda: NOW)
    try:
        assert ctx.backup_warning is not None
        assert ctx.backup_warning.startswith("the start-up backup failed: ")
        assert [r.getMessage() for r in caplog.records] == [ctx.backup_warning]
        shown = text(find(export.layout(ctx), export.Ids.LAST_BACKUP))
        assert shown == f"Last backup: none yet. {ctx.backup_warning}"
    finally:
        close_context(ctx)
