"""Long work on the page without a browser: a job's elapsed time from an injected clock, the
pre-flight summary on top with each tool's counts, and the line being written shown live."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from components import preflight_panel
from components.jobs import JobRunner
from utils.project.ci_status import CiRecord, ToolResult


class ManualClock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def run_job(runner: JobRunner, name: str, work):
    """Start a job and wait for its thread to finish (the runner's own thread, joined)."""
    runner.start(name, work)
    for thread in threading.enumerate():
        if thread.name == f"job-{name}":
            thread.join(timeout=30)
    return runner.latest(name)


def test_a_running_job_shows_its_tool_its_unfinished_line_and_the_time_so_far():
    clock, written, release = ManualClock(), threading.Event(), threading.Event()
    runner = JobRunner(clock=clock)

    def work(progress):
        progress("[pytest] collected 12 items")
        progress.partial("[pytest] ......")
        written.set()
        release.wait(timeout=30)

    runner.start("preflight", work)
    assert written.wait(timeout=30)
    clock.now += 125
    job = runner.latest("preflight")
    release.set()
    assert preflight_panel.render_status(job) == "Running pytest... 2 m 05 s so far"
    assert preflight_panel.render_output(job) == ("[pytest] collected 12 items\n[pytest] ......")


def test_a_finished_run_puts_each_tools_verdict_and_counts_on_top():
    clock = ManualClock()
    runner = JobRunner(clock=clock)
    record = CiRecord(
        commit="0" * 40,
        dirty=False,
        finished_at=datetime(2026, 12, 2, tzinfo=timezone.utc),
        tools=[
            ToolResult(name="pytest", passed=True, exit_code=0, counts={"passed": 1412}),
            ToolResult(name="flake8", passed=False, exit_code=1, counts={"problems": 3}),
        ],
    )

    def work(progress):
        clock.now += 42
        progress("[flake8] ./x.py:1:1: F401 'os' imported but unused")
        return record

    job = run_job(runner, "preflight", work)
    assert preflight_panel.render_status(job) == (
        "Done in 42 s: pytest PASS (1412 passed); flake8 FAIL (3 problems)"
    )
    assert job.partial == "", "a finished line replaces the unfinished one"


def test_output_keeps_the_newest_lines():
    runner = JobRunner(clock=ManualClock())

    def work(progress):
        for number in range(100):
            progress(f"[pytest] line {number}")

    job = run_job(runner, "many", work)
    shown = preflight_panel.render_output(job).splitlines()
    assert len(shown) == preflight_panel.LINES_SHOWN and shown[-1] == "[pytest] line 99"
