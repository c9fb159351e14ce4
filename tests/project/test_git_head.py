"""`head_commit` asks git once per state of HEAD: the kept answer is reused while the files HEAD
is resolved from are unchanged, and every commit, checkout, detached HEAD, packed ref or
worktree gives git's own answer again (real git, real repositories)."""

from __future__ import annotations

import subprocess  # nosec B404
from pathlib import Path

import pytest

from utils.project.git import head_commit, head_stamp


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def commit(root: Path, name: str) -> str:
    (root / f"{name}.txt").write_text(name)
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", name)
    return git(root, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "t@example.invalid")
    git(root, "config", "user.name", "t")
    commit(root, "first")
    return root


def without_git(monkeypatch) -> None:
    """No git on the PATH: only a kept answer can name the commit now."""
    monkeypatch.setenv("PATH", "/nonexistent")


def test_the_answer_is_kept_while_head_is_unchanged(repo, monkeypatch):
    first = git(repo, "rev-parse", "HEAD")
    assert head_commit(repo) == first
    without_git(monkeypatch)
    assert head_commit(repo) == first, "git was asked again though HEAD did not change"


def test_the_answer_is_kept_across_git_status_and_work_tree_edits(repo, monkeypatch):
    first = head_commit(repo)
    (repo / "first.txt").write_text("edited")
    (repo / "new.txt").write_text("new")
    git(repo, "status", "--porcelain")  # refreshes the index: writes .git/index.lock
    without_git(monkeypatch)
    assert head_commit(repo) == first


def test_a_new_commit_is_seen(repo, monkeypatch):
    head_commit(repo)
    second = commit(repo, "second")
    assert head_commit(repo) == second
    without_git(monkeypatch)
    assert head_commit(repo) == second


def test_a_checkout_of_another_branch_or_a_detached_head_is_seen(repo):
    first = head_commit(repo)
    git(repo, "checkout", "-q", "-b", "other")
    second = commit(repo, "second")
    assert head_commit(repo) == second
    git(repo, "checkout", "-q", "main")
    assert head_commit(repo) == first
    git(repo, "checkout", "-q", "--detach", second)
    assert head_commit(repo) == second


def test_refs_packed_and_then_moved_are_seen(repo):
    head_commit(repo)
    git(repo, "pack-refs", "--all")
    assert head_stamp(repo) is not None
    second = commit(repo, "second")
    assert head_commit(repo) == second
    git(repo, "pack-refs", "--all")
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    assert head_commit(repo) == git(repo, "rev-parse", "HEAD")


def test_a_reset_to_an_older_commit_is_seen(repo):
    first = head_commit(repo)
    commit(repo, "second")
    assert head_commit(repo) != first
    git(repo, "reset", "-q", "--hard", first)
    assert head_commit(repo) == first


def test_a_worktree_is_stamped_through_its_git_file(repo, tmp_path):
    git(repo, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "side")
    worktree = tmp_path / "wt"
    assert (worktree / ".git").is_file() and head_stamp(worktree) is not None
    assert head_commit(worktree) == git(repo, "rev-parse", "HEAD")
    moved = commit(worktree, "in-worktree")
    assert head_commit(worktree) == moved
    assert head_commit(repo) != moved


def test_an_unborn_branch_then_its_first_commit(tmp_path):
    root = tmp_path / "new"
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "user.email", "t@example.invalid")
    git(root, "config", "user.name", "t")
    assert head_commit(root) is None
    first = commit(root, "first")
    assert head_commit(root) == first


def test_outside_a_checkout_or_with_git_told_where_to_look_git_answers(tmp_path, repo, monkeypatch):
    assert head_stamp(tmp_path) is None and head_commit(tmp_path) is None
    monkeypatch.setenv("GIT_DIR", str(repo / ".git"))
    assert head_stamp(repo) is None
    assert head_commit(repo) == git(repo, "rev-parse", "HEAD")
