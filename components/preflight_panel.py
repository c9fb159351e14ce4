"""The "Run pre-flight checks" button: tests, format, lint and security with live output."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from components.context import CockpitContext
from components.jobs import Job
from utils.project.preflight import DEV_TOOLS_MISSING, missing_dev_tools, run_preflight

JOB_NAME = "preflight"
LINES_SHOWN = 60
OUTPUT_STYLE = {"maxHeight": "12rem", "overflowY": "auto"}


class Ids:
    """Every id the pre-flight panel puts on the page."""

    RUN_BUTTON = "preflight-run"
    POLL = "preflight-poll"
    OUTPUT = "preflight-output"
    STATUS = "preflight-status"


def layout() -> html.Div:
    """Button, status line and a scrolling output box."""
    return html.Div(
        [
            dbc.Button("Run pre-flight checks", id=Ids.RUN_BUTTON, color="secondary", size="sm"),
            html.Span(id=Ids.STATUS, className="ms-2 small"),
            dcc.Interval(id=Ids.POLL, interval=1000, disabled=True),
            html.Pre(
                id=Ids.OUTPUT,
                className="small bg-light p-2 mt-2 mb-0",
                style={**OUTPUT_STYLE, "display": "none"},
            ),
        ],
        className="mt-2",
    )


def render_status(job: Job) -> str:
    """The status line: running, failed with the error, or each tool's PASS/FAIL."""
    if not job.done:
        return "running..."
    if job.error:
        return f"failed: {job.error}"
    return ", ".join(
        f"{tool.name} {'PASS' if tool.passed else 'FAIL'}" for tool in job.result.tools
    )


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
            ),
        )
        return False, "starting..."

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
        return "\n".join(job.lines[-LINES_SHOWN:]), style, render_status(job), job.done
