"""The one place the cockpit asks git about its own checkout (read-only)."""

from __future__ import annotations

import shutil
import subprocess  # nosec B404  # fixed argument lists, never a shell
from pathlib import Path


def run_git(root: Path, *args: str) -> subprocess.CompletedProcess[str] | None:
    """Run a read-only git command in `root`; None when git is not installed."""
    git = shutil.which("git")
    if git is None:
        return None
    return subprocess.run(  # nosec B603  # fixed argv, no shell
        [git, "-C", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=20,
    )


def head_commit(root: Path) -> str | None:
    """The commit hash checked out at `root`, or None outside a git checkout."""
    result = run_git(root, "rev-parse", "--verify", "HEAD")
    return result.stdout.strip() if result is not None and result.returncode == 0 else None


def is_dirty(root: Path) -> bool:
    """True when the work tree has uncommitted changes to tracked or unignored files."""
    result = run_git(root, "status", "--porcelain")
    return result is not None and result.returncode == 0 and result.stdout.strip() != ""


def tracks(root: Path, relative: str) -> bool:
    """True when git tracks the file `relative` in the checkout at `root`."""
    result = run_git(root, "ls-files", "--error-unmatch", relative)
    return result is not None and result.returncode == 0
