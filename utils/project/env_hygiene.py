"""`.env` hygiene (checklist section 1): warn when secrets could leak from the repo."""

from __future__ import annotations

import stat
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from utils.project.git import tracks

REQUIRED_GITIGNORE_ENTRIES = (".env", "data/*token*.json", "data/logs/")


class HygieneWarning(BaseModel):
    """One thing about `.env` that puts the trader's credentials at risk."""

    model_config = ConfigDict(frozen=True)

    code: str
    message: str


def _gitignore_entries(root: Path) -> set[str]:
    path = root / ".gitignore"
    if not path.is_file():
        return set()
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}


def check_env_hygiene(root: Path) -> list[HygieneWarning]:
    """Return the hygiene warnings for the project at `root` (empty list when all is well)."""
    warnings: list[HygieneWarning] = []
    env_file = root / ".env"
    if env_file.exists():
        if tracks(root, ".env"):
            warnings.append(
                HygieneWarning(
                    code="ENV_TRACKED",
                    message=".env is tracked by git: remove it from the index "
                    "(git rm --cached .env) and rotate every credential in it.",
                )
            )
        mode = stat.S_IMODE(env_file.stat().st_mode)
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            warnings.append(
                HygieneWarning(
                    code="ENV_READABLE_BY_OTHERS",
                    message=f".env has mode {mode:04o}: other users can read it; "
                    "run chmod 600 .env.",
                )
            )
    missing = [e for e in REQUIRED_GITIGNORE_ENTRIES if e not in _gitignore_entries(root)]
    if missing:
        warnings.append(
            HygieneWarning(
                code="GITIGNORE_INCOMPLETE",
                message=".gitignore lacks " + ", ".join(missing) + " (checklist section 1).",
            )
        )
    return warnings
