"""The audit chain checked against its head anchor in the journal's SQLite: edits, truncation, a
missing anchor, the cached prefix, re-anchoring, and `python -m utils.records.audit`."""

from __future__ import annotations

import os
import sqlite3
import subprocess  # nosec B404  # runs this interpreter on the project's own module
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.support.audit_support import drop_entries_after, edit_entry
from utils.records.audit import GENESIS_HASH, AuditKind, AuditLog, ChainProblem, ReanchorRefused
from utils.records.audit_anchor import AuditAnchorStore
from utils.records.audit_cli import EXIT_BROKEN, main
from utils.journal.cli import EXIT_OK, EXIT_USAGE

ROOT = Path(__file__).resolve().parents[2]


class StepClock:
    def __init__(self):
        self.now = datetime(2026, 11, 24, 14, 30, tzinfo=timezone.utc)

    def __call__(self):
        self.now += timedelta(seconds=1)
        return self.now


def write(log: AuditLog, count: int) -> None:
    for i in range(count):
        log.append(AuditKind.INTENT, correlation_id=f"c{i}", effective_mode="SIM", body={"i": i})


@pytest.fixture
def log(tmp_path):
    audit = AuditLog.open(tmp_path, clock=StepClock())
    yield audit
    audit.close()


def anchor_of(data_dir: Path):
    store = AuditAnchorStore.open(data_dir)
    try:
        return store.read()
    finally:
        store.close()


def test_a_fresh_install_is_intact(log):
    check = log.check_chain()
    assert check.ok and check.head_seq == 0 and check.head_hash == GENESIS_HASH
    assert check.anchor_seq is None and check.problem is None


def test_each_append_anchors_the_head_in_the_journal_database(log, tmp_path):
    write(log, 3)
    anchor = anchor_of(tmp_path)
    assert (anchor.seq, anchor.entry_hash) == log.head() == (3, log.head_hash())
    check = log.check_chain()
    assert check.ok and check.checked == 3 and check.anchor_seq == 3
    assert "3 audit entries verified" in check.message


def test_an_edited_entry_is_named(log):
    write(log, 8)
    edit_entry(log.path, 5)
    check = log.check_chain()
    assert not check.ok and check.problem is ChainProblem.EDITED
    assert check.first_broken_seq == 5 and "entry 5" in check.message


def test_truncated_newest_entries_are_caught_by_the_anchor(log):
    write(log, 8)
    drop_entries_after(log.path, 5)
    assert log.verify().ok  # the file alone cannot tell
    check = log.check_chain()
    assert not check.ok and check.problem is ChainProblem.TRUNCATED
    assert check.first_broken_seq == 8 and check.head_seq == 5 and check.anchor_seq == 8
    assert "entry 8" in check.message


def test_appends_after_a_truncation_never_heal_the_anchor(log):
    write(log, 8)
    drop_entries_after(log.path, 5)
    message = log.check_chain().message
    write(log, 6)  # seq 6..11: seq 8 exists again, with other content
    check = log.check_chain()
    assert not check.ok and check.problem is ChainProblem.TRUNCATED
    assert check.message == message and check.anchor_seq == 8


def test_an_anchor_behind_the_head_is_a_crash_between_two_commits_and_fine(log, tmp_path):
    write(log, 3)
    anchor = anchor_of(tmp_path)
    store = AuditAnchorStore.open(tmp_path)
    log_without_anchor = AuditLog(log.path)
    log_without_anchor.append(AuditKind.INTENT, correlation_id="x", effective_mode="SIM")
    log_without_anchor.close()
    assert store.read() == anchor
    store.close()
    check = log.check_chain()
    assert check.ok and check.head_seq == 4 and check.anchor_seq == 3
    write(log, 1)
    assert anchor_of(tmp_path).seq == 5


def test_entries_with_no_anchor_are_refused_until_reanchored(tmp_path):
    audit = AuditLog.open(tmp_path / "data", clock=StepClock())
    write(audit, 4)
    audit.close()
    (tmp_path / "data" / "journal.sqlite3").rename(tmp_path / "old-journal.sqlite3")
    for leftover in (tmp_path / "data").glob("journal.sqlite3-*"):
        leftover.unlink()
    audit = AuditLog.open(tmp_path / "data", clock=StepClock())
    check = audit.check_chain()
    assert not check.ok and check.problem is ChainProblem.ANCHOR_MISSING
    assert "python -m utils.records.audit reanchor" in check.message
    write(audit, 1)
    assert audit.check_chain().problem is ChainProblem.ANCHOR_MISSING  # never silently healed
    entry = audit.reanchor()
    assert entry.kind == AuditKind.ANCHOR and entry.body["problem"] == "anchor_missing"
    assert audit.check_chain().ok
    audit.close()


def test_reanchor_refuses_an_edited_chain_and_a_truncation_without_accepting_the_loss(log):
    write(log, 6)
    drop_entries_after(log.path, 4)
    with pytest.raises(ReanchorRefused, match="--accept-loss"):
        log.reanchor()
    entry = log.reanchor(accept_loss=True)
    assert entry.body["previous_anchor_seq"] == 6 and entry.seq == 5
    assert log.check_chain().ok
    edit_entry(log.path, 2)
    with pytest.raises(ReanchorRefused, match="backup"):
        log.reanchor(accept_loss=True)


def test_the_cached_prefix_rechecks_only_new_entries_and_the_last_verified_one(log):
    write(log, 10)
    assert log.check_chain(full=False).checked == 10
    write(log, 2)
    assert log.check_chain(full=False).checked == 2
    write(log, 2)
    edit_entry(log.path, 13)
    check = log.check_chain(full=False)
    assert not check.ok and check.first_broken_seq == 13


def test_an_old_edit_by_another_connection_is_caught_by_the_cheap_check_and_every_later_one(log):
    write(log, 10)
    assert log.check_chain(full=False).ok
    edit_entry(log.path, 3)
    check = log.check_chain(full=False)
    assert not check.ok and check.first_broken_seq == 3 and check.checked == 10
    assert log.check_chain(full=False).first_broken_seq == 3
    assert log.check_chain(full=True).first_broken_seq == 3


def test_the_cheap_check_recomputes_everything_after_another_connection_wrote(log, tmp_path):
    write(log, 10)
    assert log.check_chain(full=False).checked == 10
    other = AuditLog(log.path)  # another writer: what it did is not known to this connection
    try:
        other.append(AuditKind.INTENT, correlation_id="other", effective_mode="SIM")
    finally:
        other.close()
    assert log.check_chain(full=False).checked == 11
    write(log, 1)
    assert log.check_chain(full=False).checked == 1, "own appends only: the new entry alone"


def test_an_edit_of_the_last_verified_entry_is_caught_by_the_cheap_check(log):
    write(log, 10)
    assert log.check_chain(full=False).ok
    edit_entry(log.path, 10)
    assert log.check_chain(full=False).first_broken_seq == 10


# --- the command line -------------------------------------------------------------------------


def test_cli_verify_prints_ok_with_the_head(tmp_path, capsys):
    audit = AuditLog.open(tmp_path, clock=StepClock())
    write(audit, 3)
    head_hash = audit.head_hash()
    audit.close()
    assert main(["--data-dir", str(tmp_path), "verify"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("OK: 3 entries, head seq 3 hash ") and head_hash in out


def test_cli_verify_names_the_edited_entry_and_exits_1(tmp_path, capsys):
    audit = AuditLog.open(tmp_path, clock=StepClock())
    write(audit, 6)
    audit.close()
    edit_entry(tmp_path / "audit.sqlite3", 5)
    assert main(["--data-dir", str(tmp_path), "verify"]) == EXIT_BROKEN
    out = capsys.readouterr().out
    assert out.startswith("BROKEN:") and "entry 5" in out


def test_cli_verify_catches_a_truncation_through_the_anchor(tmp_path, capsys):
    audit = AuditLog.open(tmp_path, clock=StepClock())
    write(audit, 6)
    audit.close()
    drop_entries_after(tmp_path / "audit.sqlite3", 3)
    assert main(["--data-dir", str(tmp_path), "verify"]) == EXIT_BROKEN
    assert "entry 6" in capsys.readouterr().out


def test_cli_reanchor_after_a_new_journal(tmp_path, capsys):
    audit = AuditLog.open(tmp_path, clock=StepClock())
    write(audit, 2)
    audit.close()
    raw = sqlite3.connect(tmp_path / "journal.sqlite3")
    raw.execute("DELETE FROM audit_anchor")
    raw.commit()
    raw.close()
    assert main(["--data-dir", str(tmp_path), "verify"]) == EXIT_BROKEN
    assert main(["--data-dir", str(tmp_path), "reanchor"]) == EXIT_OK
    assert "re-anchored at seq 3" in capsys.readouterr().out
    assert main(["--data-dir", str(tmp_path), "verify"]) == EXIT_OK


def test_cli_bad_settings_exit_2_without_a_traceback(monkeypatch, capsys):
    monkeypatch.setenv("USE_LIVE", "maybe")
    assert main(["verify"]) == EXIT_USAGE
    assert "USE_LIVE" in capsys.readouterr().err


def test_cli_unreadable_audit_file_exits_2(tmp_path, capsys):
    (tmp_path / "audit.sqlite3").write_bytes(b"this is not a database" * 100)
    assert main(["--data-dir", str(tmp_path), "verify"]) == EXIT_USAGE
    assert "cannot open the audit log" in capsys.readouterr().err


def test_cli_missing_data_folder_exits_2(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path / "nowhere"), "verify"]) == EXIT_USAGE
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()


def test_python_dash_m_utils_audit_verify_runs(tmp_path):
    audit = AuditLog.open(tmp_path, clock=StepClock())
    write(audit, 1)
    audit.close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(  # nosec B603  # this interpreter, fixed arguments
        [sys.executable, "-m", "utils.records.audit", "--data-dir", str(tmp_path), "verify"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK: 1 entries, head seq 1")


def test_an_audit_file_from_before_anchoring_is_anchored_once_on_upgrade(tmp_path):
    audit = AuditLog(tmp_path / "old" / "audit.sqlite3", clock=StepClock())
    write(audit, 3)
    audit.close()
    raw = sqlite3.connect(tmp_path / "old" / "audit.sqlite3")
    raw.execute("UPDATE schema_version SET version = 1 WHERE component = 'audit'")
    raw.commit()
    raw.close()
    upgraded = AuditLog.open(tmp_path / "old", clock=StepClock())
    check = upgraded.check_chain()
    assert check.ok and check.head_seq == check.anchor_seq == 4
    (entry,) = upgraded.entries(limit=1)
    assert entry.kind == AuditKind.ANCHOR and entry.body["why"] == "upgrade"
    upgraded.close()
    again = AuditLog.open(tmp_path / "old", clock=StepClock())
    assert again.head()[0] == 4 and again.check_chain().ok
    again.close()
