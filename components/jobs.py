"""Long work (pre-flight checks, sandbox validation) in a background thread, polled by the page.

One JobRunner lives in the app's context; a card starts a job and a dcc.Interval polls its
progress lines (and the line being written, for tools that print a line slowly), so the page
shows live output with the time elapsed instead of freezing. The clock is injectable.
"""

from __future__ import annotations

import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

MAX_LINES = 400
Clock = Callable[[], float]


@dataclass
class Job:
    """A running or finished piece of work and what it has said so far."""

    id: str
    name: str
    lines: list[str] = field(default_factory=list)
    done: bool = False
    result: Any = None
    error: str | None = None
    partial: str = ""  # the line being written, not yet ended
    started_s: float = 0.0
    finished_s: float | None = None
    elapsed_s: float = 0.0  # set on each snapshot: to the finish, or to now while running


class Progress:
    """What a job's work calls: `progress(line)` for a finished line, `progress.partial(text)`
    for the line being written."""

    def __init__(self, job: Job, lock: threading.Lock) -> None:
        self._job = job
        self._lock = lock

    def __call__(self, line: str) -> None:
        with self._lock:
            self._job.lines.append(line)
            del self._job.lines[:-MAX_LINES]
            self._job.partial = ""

    def partial(self, text: str) -> None:
        """The unfinished line so far (replaces the previous unfinished text)."""
        with self._lock:
            self._job.partial = text


class JobRunner:
    """Runs at most one job per name at a time; thread-safe."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._latest: dict[str, str] = {}

    def start(self, name: str, work: Callable[[Progress], Any]) -> Job:
        """Start `work(progress)` unless a job of that name is still running; return the job."""
        with self._lock:
            current = self._jobs.get(self._latest.get(name, ""))
            if current is not None and not current.done:
                return current
            job = Job(id=uuid.uuid4().hex, name=name, started_s=self._clock())
            self._jobs[job.id] = job
            self._latest[name] = job.id
        progress = Progress(job, self._lock)

        def run() -> None:
            try:
                result = work(progress)
            except Exception as error:  # a job's failure is shown on its card, never lost
                progress("".join(traceback.format_exception_only(error)).strip())
                with self._lock:
                    job.error, job.done = str(error) or error.__class__.__name__, True
                    job.finished_s = self._clock()
                return
            with self._lock:
                job.result, job.done, job.finished_s = result, True, self._clock()

        threading.Thread(target=run, name=f"job-{name}", daemon=True).start()
        return job

    def latest(self, name: str) -> Job | None:
        """A snapshot of the newest job of that name (its elapsed time set), or None."""
        with self._lock:
            job = self._jobs.get(self._latest.get(name, ""))
            if job is None:
                return None
            end = job.finished_s if job.finished_s is not None else self._clock()
            return replace(job, lines=list(job.lines), elapsed_s=max(end - job.started_s, 0.0))
