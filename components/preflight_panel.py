"""The "Run pre-flight checks" button: tests, format, lint and security, streamed line by line
with the time elapsed; the summary (each tool's verdict and counts) sits above the output."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from components.context import CockpitContext
from components.jobs import Job
from utils.project.preflight import DEV_TOOLS_MISSING, missing_dev_tools, run_preflight

JOB_NAME = "preflight"
LINES_SHOWN = 20  # the newest lines; the box never scrolls away from them
OUTPUT_STYLE = {"whiteSpace": "pre-wrap", "overflowWrap": "anywhere"}


class Ids:
    """Every id the pre-flight panel puts on the page."""

    RUN_BUTTON = "preflight-run"
    POLL = "preflight-poll"
    OUTPUT = "preflight-output"
    STATUS = "preflight-status"


def layout() -> html.Div:
    """Button, the summary line, then the newest output lines (wrapped, never clipped)."""
    return html.Div(
        [
            dbc.Button("Run pre-flight checks", id=Ids.RUN_BUTTON, color="secondary", size="sm"),
            html.Div(id=Ids.STATUS, className="small mt-1"),
            dcc.Interval(id=Ids.POLL, interval=1000, disabled=True),
            html.Pre(
                id=Ids.OUTPUT,
                className="small bg-light p-2 mt-1 mb-0",
                style={**OUTPUT_STYLE, "display": "none"},
            ),
        ],
        className="mt-2",
    )


def elapsed(seconds: float) -> str:
    """Time elapsed on a running job: "42 s", "3 m 05 s"."""
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} m {secs:02d} s" if minutes else f"{secs} s"


def _counts(counts: dict[str, int]) -> str:
    shown = ", ".join(f"{number} {name.replace('_', ' ')}" for name, number in counts.items())
    return f" ({shown})" if shown else ""


def current_tool(job: Job) -> str | None:
    """The tool whose output came last ("[pytest] ..." lines), None before any output."""
    last = job.partial or (job.lines[-1] if job.lines else "")
    return last[1 : last.index("]")] if last.startswith("[") and "]" in last else None


def render_status(job: Job) -> str:
    """The summary: running (which tool, for how long), failed with the error, or each tool's
    verdict and counts with the total time."""
    if not job.done:
        tool = current_tool(job)
        return f"Running {tool or 'the checks'}... {elapsed(job.elapsed_s)} so far"
    if job.error:
        return f"Failed after {elapsed(job.elapsed_s)}: {job.error}"
    verdicts = "; ".join(
        f"{tool.name} {'PASS' if tool.passed else 'FAIL'}{_counts(tool.counts)}"
        for tool in job.result.tools
    )
    return f"Done in {elapsed(job.elapsed_s)}: {verdicts}"


def render_output(job: Job) -> str:
    """The newest finished lines and the line being written."""
    lines = job.lines[-LINES_SHOWN:]
    return "\n".join([*lines, job.partial] if job.partial else lines)


def register(app: Dash, ctx: CockpitContext) -> None:
    """Start the run on click; poll its output each second until it finishes.

    Without the dev tools (after `make run` alone) nothing starts and no record is written.
    """

    @app.callback(
        Output(Ids.POLL, "disabled"),
        Output(Ids.STATUS, "children", allow_duplicate=True),
        Input(Ids.RUN_BUTTON, "n_clicks"),
        prevent_initial_call=True,
    )
    def start(_clicks):
        if missing_dev_tools(ctx.preflight_tools):
            return True, DEV_TOOLS_MISSING
        ctx.jobs.start(
            JOB_NAME,
            lambda progress: run_preflight(
                ctx.root,
                ctx.settings.data_dir,
                lambda tool, line: progress(f"[{tool}] {line}"),
                tools=ctx.preflight_tools,
                partial=lambda tool, text: progress.partial(f"[{tool}] {text}"),
            ),
        )
        return False, "Starting..."

    @app.callback(
        Output(Ids.OUTPUT, "children"),
        Output(Ids.OUTPUT, "style"),
        Output(Ids.STATUS, "children"),
        Output(Ids.POLL, "disabled", allow_duplicate=True),
        Input(Ids.POLL, "n_intervals"),
        prevent_initial_call=True,
    )
    def poll(_n):
        job = ctx.jobs.latest(JOB_NAME)
        style = {**OUTPUT_STYLE, "display": "block"}
        if job is None:
            return "", style, "", True
        return render_output(job), style, render_status(job), job.done
