"""The one place the cockpit asks git about its own checkout (read-only).

`head_commit` runs git once per state of the checkout's HEAD: the answer is kept with a stamp
of every file git resolves HEAD from (a worktree's `.git` file, `HEAD`, the branch's ref file
and `packed-refs`: content of the small ones, inode, size and mtime of all, which git rewrites
by renaming a new file over the old), and git runs again whenever the stamp differs. A
checkout laid out any other way (no `.git` in `root`, reftable refs, git told where to look by
the environment) is never cached: git answers every time.
"""

from __future__ import annotations

import os
import shutil
import subprocess  # nosec B404  # fixed argument lists, never a shell
import threading
from pathlib import Path

_GIT_ENVIRONMENT = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE")
_HEAD_CACHE: dict[Path, tuple[tuple, str | None]] = {}
_HEAD_LOCK = threading.Lock()


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


def _file_stamp(path: Path) -> tuple | None:
    """Inode, size and mtime of `path` (None when it does not exist)."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


def _small_text(path: Path) -> str | None:
    """The text of a small git file (None when missing)."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, NotADirectoryError):
        return None


def _git_dir(root: Path) -> Path | None:
    """The checkout's git directory (a worktree's `.git` file points to it); None if unusual."""
    dot_git = root / ".git"
    if dot_git.is_dir():
        return dot_git
    pointer = _small_text(dot_git) if dot_git.is_file() else None
    if pointer is None or not pointer.startswith("gitdir: "):
        return None
    return (root / pointer[len("gitdir: ") :].strip()).resolve()


def head_stamp(root: Path) -> tuple | None:
    """A stamp of every file HEAD is resolved from at `root`: it differs whenever HEAD, its
    branch or the packed refs are rewritten. None when `root` is not laid out so it can be
    stamped (the caller then asks git)."""
    if any(os.environ.get(name) for name in _GIT_ENVIRONMENT):
        return None
    try:
        git_dir = _git_dir(root)
        if git_dir is None:
            return None
        common_text = _small_text(git_dir / "commondir")
        common = git_dir if common_text is None else (git_dir / common_text.strip()).resolve()
        if (common / "reftable").exists():
            return None
        head = _small_text(git_dir / "HEAD")
        if head is None:
            return None
        pointer = root / ".git"  # a worktree's file naming its git directory; not a folder,
        # whose mtime moves with every index.lock git writes (git status)
        stamp: list = [
            str(git_dir),
            _file_stamp(pointer) if pointer.is_file() else None,
            head,
            _file_stamp(git_dir / "HEAD"),
        ]
        stamp.append(_file_stamp(common / "packed-refs"))
        if head.startswith("ref: "):
            ref = head[len("ref: ") :].strip()
            for folder in (git_dir, common):
                stamp += [_small_text(folder / ref), _file_stamp(folder / ref)]
        return tuple(stamp)
    except OSError:
        return None


def _rev_parse_head(root: Path) -> str | None:
    result = run_git(root, "rev-parse", "--verify", "HEAD")
    return result.stdout.strip() if result is not None and result.returncode == 0 else None


def head_commit(root: Path) -> str | None:
    """The commit hash checked out at `root`, or None outside a git checkout; git runs again
    only when `head_stamp` differs from the last answer's."""
    stamp = head_stamp(root)  # taken before git runs: a change meanwhile only means asking again
    if stamp is None:
        return _rev_parse_head(root)
    with _HEAD_LOCK:
        cached = _HEAD_CACHE.get(root)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    commit = _rev_parse_head(root)
    if shutil.which("git") is not None:
        with _HEAD_LOCK:
            _HEAD_CACHE[root] = (stamp, commit)
    return commit


def is_dirty(root: Path) -> bool:
    """True when the work tree has uncommitted changes to tracked or unignored files."""
    result = run_git(root, "status", "--porcelain")
    return result is not None and result.returncode == 0 and result.stdout.strip() != ""


def tracks(root: Path, relative: str) -> bool:
    """True when git tracks the file `relative` in the checkout at `root`."""
    result = run_git(root, "ls-files", "--error-unmatch", relative)
    return result is not None and result.returncode == 0
