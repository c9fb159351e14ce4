"""What every card needs from the running app: settings and where the project lives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from utils.config import Settings


@dataclass(frozen=True)
class CockpitContext:
    """Read-only wiring handed to each card's layout() and callbacks."""

    settings: Settings
    root: Path
