"""The sandbox validation's log on the Broker card: one line per step from the first ("[1/7]"),
and the last run read back from its record, so a reload keeps it."""

from __future__ import annotations

import re

import dash_bootstrap_components as dbc
from dash import html

from components.formatting import local_time
from utils.core.config import Settings
from utils.records.sandbox import SandboxValidationRecord

_STEP_PREFIX = re.compile(r"\[(\d+)/\d+\]")


def latest_per_step(lines: list[str]) -> list[str]:
    """The newest line of each step ("[2/7] login: running" is replaced by its outcome), in
    step order; lines that are not a step's (an error) stay at the end."""
    steps: dict[int, str] = {}
    others: list[str] = []
    for line in lines:
        found = _STEP_PREFIX.match(line)
        if found is None:
            others.append(line)
        else:
            steps[int(found.group(1))] = line
    return [steps[index] for index in sorted(steps)] + others


def record_lines(record: SandboxValidationRecord) -> list[str]:
    """Every step of a recorded run as the live log writes it: `[1/7] target: ok - detail`."""
    total = len(record.steps)
    return [
        f"[{index}/{total}] {step.name}: {'ok' if step.passed else 'FAILED'}"
        + (f" - {step.detail}" if step.detail else "")
        for index, step in enumerate(record.steps, start=1)
    ]


def render_record(
    record: SandboxValidationRecord | None, settings: Settings, verdict_id: str
) -> list:
    """The last recorded run: its verdict, when and where it ran, and every step."""
    if record is None:
        return [html.Div("Not run yet.", className="text-muted")]
    verdict = dbc.Badge(
        "PASSED" if record.passed else "FAILED",
        color="success" if record.passed else "danger",
        id=verdict_id,
    )
    when = f" last run {local_time(record.ran_at, settings)} in {record.mode}"
    steps = html.Ul([html.Li(line) for line in record_lines(record)], className="mb-1")
    return [html.Div([verdict, when]), steps]
