"""`.env` hygiene warnings (checklist section 1) on real git checkouts in tmp_path."""

from __future__ import annotations

import subprocess  # nosec B404

import pytest

from utils.project.env_hygiene import REQUIRED_GITIGNORE_ENTRIES, check_env_hygiene

GOOD_GITIGNORE = "\n".join(REQUIRED_GITIGNORE_ENTRIES) + "\n"


def git(root, *args):
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "t@example.invalid")
    git(tmp_path, "config", "user.name", "t")
    (tmp_path / ".gitignore").write_text(GOOD_GITIGNORE)
    return tmp_path


def codes(root):
    return {w.code for w in check_env_hygiene(root)}


def test_private_untracked_env_with_full_gitignore_is_clean(repo):
    env = repo / ".env"
    env.write_text("USE_LIVE=false\n")
    env.chmod(0o600)
    assert check_env_hygiene(repo) == []


def test_tracked_env_is_flagged(repo):
    env = repo / ".env"
    env.write_text("USE_LIVE=false\n")
    env.chmod(0o600)
    git(repo, "add", "-f", ".env")
    assert codes(repo) == {"ENV_TRACKED"}


def test_group_readable_env_is_flagged(repo):
    env = repo / ".env"
    env.write_text("USE_LIVE=false\n")
    env.chmod(0o640)
    warnings = check_env_hygiene(repo)
    assert [w.code for w in warnings] == ["ENV_READABLE_BY_OTHERS"]
    assert "0640" in warnings[0].message and "chmod 600" in warnings[0].message


def test_gitignore_missing_token_rule_is_flagged(repo):
    (repo / ".gitignore").write_text(".env\ndata/logs/\n")
    warnings = check_env_hygiene(repo)
    assert [w.code for w in warnings] == ["GITIGNORE_INCOMPLETE"]
    assert "data/*token*.json" in warnings[0].message


def test_no_gitignore_lists_every_missing_entry(tmp_path):
    (message,) = [w.message for w in check_env_hygiene(tmp_path)]
    assert all(entry in message for entry in REQUIRED_GITIGNORE_ENTRIES)


def test_project_gitignore_has_the_checklist_entries():
    from utils.core.config import PROJECT_ROOT

    assert "GITIGNORE_INCOMPLETE" not in codes(PROJECT_ROOT)
