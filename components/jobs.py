"""Long work (pre-flight checks, sandbox validation) in a background thread, polled by the page.

One JobRunner lives in the app's context; a card starts a job and a dcc.Interval polls its
progress lines, so the page shows live output instead of freezing.
"""

from __future__ import annotations

import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ProgressFn = Callable[[str], None]
MAX_LINES = 400


@dataclass
class Job:
    """A running or finished piece of work and what it has said so far."""

    id: str
    name: str
    lines: list[str] = field(default_factory=list)
    done: bool = False
    result: Any = None
    error: str | None = None


class JobRunner:
    """Runs at most one job per name at a time; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._latest: dict[str, str] = {}

    def start(self, name: str, work: Callable[[ProgressFn], Any]) -> Job:
        """Start `work(progress)` unless a job of that name is still running; return the job."""
        with self._lock:
            current = self._jobs.get(self._latest.get(name, ""))
            if current is not None and not current.done:
                return current
            job = Job(id=uuid.uuid4().hex, name=name)
            self._jobs[job.id] = job
            self._latest[name] = job.id

        def progress(line: str) -> None:
            with self._lock:
                job.lines.append(line)
                del job.lines[:-MAX_LINES]

        def run() -> None:
            try:
                result = work(progress)
            except Exception as error:  # a job's failure is shown on its card, never lost
                progress("".join(traceback.format_exception_only(error)).strip())
                with self._lock:
                    job.error, job.done = str(error) or error.__class__.__name__, True
                return
            with self._lock:
                job.result, job.done = result, True

        threading.Thread(target=run, name=f"job-{name}", daemon=True).start()
        return job

    def latest(self, name: str) -> Job | None:
        """A snapshot of the newest job of that name, or None."""
        with self._lock:
            job = self._jobs.get(self._latest.get(name, ""))
            if job is None:
                return None
            return Job(job.id, job.name, list(job.lines), job.done, job.result, job.error)
