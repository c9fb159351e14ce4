"""`python -m utils.journal restore BACKUP [--yes]`: a checked backup, replacing only when told."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.support.journal_factory import new_trade
from utils.core.backups import back_up, backups_dir
from utils.core.sqlite_store import journal_path
from utils.journal.cli import EXIT_OK, EXIT_REFUSED, main
from utils.journal.store import Journal

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)


def _backup_with_one_trade(data_dir):
    with Journal.open(data_dir) as journal:
        journal.open_trade(new_trade())
    made = back_up(journal_path(data_dir), backups_dir(data_dir), clock=lambda: NOW)
    with Journal.open(data_dir) as journal:
        journal.open_trade(new_trade())
    return made


def _trade_count(data_dir) -> int:
    with Journal.open(data_dir) as journal:
        return len(journal.list_trades())


def test_restore_over_an_existing_journal_needs_yes(tmp_path, capsys):
    made = _backup_with_one_trade(tmp_path)
    assert main(["--data-dir", str(tmp_path), "restore", str(made)]) == EXIT_REFUSED
    assert capsys.readouterr().err == (
        f"error: not restored: {journal_path(tmp_path)} exists; confirm replacing it with --yes\n"
    )
    assert _trade_count(tmp_path) == 2
    assert main(["--data-dir", str(tmp_path), "restore", str(made), "--yes"]) == EXIT_OK
    assert capsys.readouterr().out == f"restored {journal_path(tmp_path)} from {made}\n"
    assert _trade_count(tmp_path) == 1


def test_restore_into_an_empty_data_folder_needs_no_confirmation(tmp_path, capsys):
    made = _backup_with_one_trade(tmp_path / "old")
    assert main(["--data-dir", str(tmp_path / "new"), "restore", str(made)]) == EXIT_OK
    assert _trade_count(tmp_path / "new") == 1


def test_a_file_that_is_not_a_journal_backup_is_refused(tmp_path, capsys):
    _backup_with_one_trade(tmp_path)
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"\x00not sqlite" * 64)
    assert main(["--data-dir", str(tmp_path), "restore", str(garbage), "--yes"]) == EXIT_REFUSED
    assert capsys.readouterr().err == (
        f"error: not restored: {garbage} is not a valid journal backup (file is not a database)\n"
    )
    assert _trade_count(tmp_path) == 2
