"""The "CI green" gate: each reason, on real git checkouts and real record files."""

from __future__ import annotations

import subprocess  # nosec B404
from datetime import datetime, timezone

import pytest

from utils.project.ci_status import CiReason, CiRecord, ToolResult, ci_record_path, ci_status
from utils.project.preflight import count_outcomes, run_preflight, write_record


def git(root, *args):
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "user.email", "t@example.invalid")
    git(root, "config", "user.name", "t")
    (root / ".gitignore").write_text("data/\n")
    (root / "a.txt").write_text("a\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    return root


def head(root):
    return subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()


def record(commit, passed=True, dirty=False):
    return CiRecord(
        commit=commit,
        dirty=dirty,
        finished_at=datetime(2026, 11, 24, tzinfo=timezone.utc),
        tools=[
            ToolResult(name="pytest", passed=True, exit_code=0, counts={"passed": 3}),
            ToolResult(name="flake8", passed=passed, exit_code=0 if passed else 1),
        ],
    )


def test_green_when_record_matches_clean_head(repo):
    write_record(record(head(repo)), repo / "data")
    status = ci_status(repo, repo / "data")
    assert status.green and status.reason is CiReason.GREEN


def test_no_record(repo):
    status = ci_status(repo, repo / "data")
    assert not status.green and status.reason is CiReason.NO_RECORD


def test_failing_tool_names_it(repo):
    write_record(record(head(repo), passed=False), repo / "data")
    status = ci_status(repo, repo / "data")
    assert status.reason is CiReason.TOOL_FAILED and "flake8" in status.message


def test_other_commit(repo):
    write_record(record(head(repo)), repo / "data")
    (repo / "a.txt").write_text("b\n")
    git(repo, "commit", "-qam", "second")
    status = ci_status(repo, repo / "data")
    assert status.reason is CiReason.OTHER_COMMIT and not status.green


def test_uncommitted_changes(repo):
    write_record(record(head(repo)), repo / "data")
    (repo / "a.txt").write_text("edited\n")
    assert ci_status(repo, repo / "data").reason is CiReason.UNCOMMITTED_CHANGES


def test_record_of_a_dirty_run_is_not_green(repo):
    write_record(record(head(repo), dirty=True), repo / "data")
    assert ci_status(repo, repo / "data").reason is CiReason.UNCOMMITTED_CHANGES


def test_not_a_git_checkout(tmp_path):
    write_record(record("abc"), tmp_path / "data")
    assert ci_status(tmp_path, tmp_path / "data").reason is CiReason.NOT_A_GIT_CHECKOUT


def test_corrupt_record_is_reported_not_trusted(repo):
    path = ci_record_path(repo / "data")
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    status = ci_status(repo, repo / "data")
    assert status.reason is CiReason.UNREADABLE_RECORD and not status.green


def test_preflight_runs_tools_and_writes_the_record(repo):
    lines = []
    tools = (
        ("ok", ("-c", "print('1 passed')")),
        ("bad", ("-c", "import sys; print('boom'); sys.exit(3)")),
    )
    finished = datetime(2026, 11, 24, 15, 30, tzinfo=timezone.utc)
    result = run_preflight(
        repo,
        repo / "data",
        lambda name, line: lines.append((name, line)),
        tools,
        clock=lambda: finished,
    )
    assert result.finished_at == finished
    assert [(t.name, t.passed, t.exit_code) for t in result.tools] == [
        ("ok", True, 0),
        ("bad", False, 3),
    ]
    assert ("bad", "boom") in lines
    stored = ci_status(repo, repo / "data")
    assert stored.record == result and stored.reason is CiReason.TOOL_FAILED


def test_count_outcomes_reads_each_tool():
    assert count_outcomes("pytest", "3 failed, 120 passed, 2 skipped in 4.1s") == {
        "failed": 3,
        "passed": 120,
        "skipped": 2,
    }
    assert count_outcomes("black", "would reformat a.py\nwould reformat b.py\n") == {
        "would_reformat": 2
    }
    assert count_outcomes("flake8", "a.py:1:1: F401\nb.py:2:1: E302\n") == {"problems": 2}
    assert count_outcomes("bandit", ">> Issue: [B101]\n>> Issue: [B602]\n") == {"issues": 2}
