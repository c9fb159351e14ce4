"""The "CI green" gate: read `data/ci/last_run.json` and judge it against the checkout."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from utils.project.git import head_commit, is_dirty

CI_RECORD_RELATIVE = Path("ci") / "last_run.json"


class ToolResult(BaseModel):
    """One check of the pre-flight run (pytest, black, flake8, bandit)."""

    model_config = ConfigDict(frozen=True)

    name: str
    passed: bool
    exit_code: int
    counts: dict[str, int] = {}


class CiRecord(BaseModel):
    """What the test command wrote after its last run."""

    model_config = ConfigDict(frozen=True)

    commit: str | None
    dirty: bool
    finished_at: datetime
    tools: list[ToolResult]

    @property
    def all_passed(self) -> bool:
        """True when every tool passed and at least one ran."""
        return bool(self.tools) and all(tool.passed for tool in self.tools)


class CiReason(StrEnum):
    """Why the CI gate is or is not green."""

    GREEN = "CI_GREEN"
    NOT_A_GIT_CHECKOUT = "NOT_A_GIT_CHECKOUT"
    NO_RECORD = "NO_CI_RECORD"
    UNREADABLE_RECORD = "CI_RECORD_UNREADABLE"
    TOOL_FAILED = "CI_TOOL_FAILED"
    OTHER_COMMIT = "CI_OTHER_COMMIT"
    UNCOMMITTED_CHANGES = "UNCOMMITTED_CHANGES"


class CiStatus(BaseModel):
    """The CI gate's answer: green or not, the reason code and a sentence."""

    model_config = ConfigDict(frozen=True)

    green: bool
    reason: CiReason
    message: str
    record: CiRecord | None = None


def ci_record_path(data_dir: Path) -> Path:
    """Where the test command writes its record."""
    return data_dir / CI_RECORD_RELATIVE


def read_ci_record(data_dir: Path) -> CiRecord | None:
    """The last CI record, or None when none was written. Raises ValueError if corrupt."""
    path = ci_record_path(data_dir)
    if not path.is_file():
        return None
    try:
        return CiRecord.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (json.JSONDecodeError, ValidationError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} is not a valid CI record: {error.__class__.__name__}") from None


def judge_ci_record(record: CiRecord | None, commit: str | None, dirty: bool) -> CiStatus:
    """Pure decision: is `record` a green run for `commit` with a clean tree?"""
    if commit is None:
        return CiStatus(
            green=False,
            reason=CiReason.NOT_A_GIT_CHECKOUT,
            message="This folder is not a git checkout with a commit, so no run can vouch for it.",
        )
    if record is None:
        return CiStatus(
            green=False,
            reason=CiReason.NO_RECORD,
            message="No CI record yet: run the test command (make test) or Run pre-flight checks.",
        )
    if not record.all_passed:
        failed = ", ".join(t.name for t in record.tools if not t.passed) or "no tool ran"
        return CiStatus(
            green=False,
            reason=CiReason.TOOL_FAILED,
            message=f"The last run failed: {failed}.",
            record=record,
        )
    if record.commit != commit:
        return CiStatus(
            green=False,
            reason=CiReason.OTHER_COMMIT,
            message=f"The last green run was for commit {str(record.commit)[:10]}, "
            f"not the current {commit[:10]}: run the checks again.",
            record=record,
        )
    if dirty or record.dirty:
        return CiStatus(
            green=False,
            reason=CiReason.UNCOMMITTED_CHANGES,
            message="There are uncommitted changes: commit them and run the checks again.",
            record=record,
        )
    return CiStatus(
        green=True,
        reason=CiReason.GREEN,
        message=f"Tests, lint and security passed for commit {commit[:10]}.",
        record=record,
    )


def ci_status(root: Path, data_dir: Path) -> CiStatus:
    """Judge the stored CI record against the checkout at `root`."""
    try:
        record = read_ci_record(data_dir)
    except ValueError as error:
        return CiStatus(green=False, reason=CiReason.UNREADABLE_RECORD, message=str(error))
    return judge_ci_record(record, head_commit(root), is_dirty(root))
