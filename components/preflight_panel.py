"""The "Run pre-flight checks" button: tests, format, lint and security with live output."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from components.context import CockpitContext
from utils.project.preflight import DEV_TOOLS_MISSING, missing_dev_tools, run_preflight

JOB_NAME = "preflight"
RUN_BUTTON = "preflight-run"
POLL = "preflight-poll"
OUTPUT = "preflight-output"
STATUS = "preflight-status"


def layout() -> html.Div:
    """Button, status line and a scrolling output box."""
    return html.Div(
        [
            dbc.Button("Run pre-flight checks", id=RUN_BUTTON, color="secondary", size="sm"),
            html.Span(id=STATUS, className="ms-2 small"),
            dcc.Interval(id=POLL, interval=1000, disabled=True),
            html.Pre(
                id=OUTPUT,
                className="small bg-light p-2 mt-2 mb-0",
                style={"maxHeight": "12rem", "overflowY": "auto", "display": "none"},
            ),
        ],
        className="mt-2",
    )


def register(app: Dash, ctx: CockpitContext) -> None:
    """Start the run on click; poll its output each second until it finishes.

    Without the dev tools (after `make run` alone) nothing starts and no record is written.
    """

    @app.callback(
        Output(POLL, "disabled"),
        Output(STATUS, "children", allow_duplicate=True),
        Input(RUN_BUTTON, "n_clicks"),
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
        Output(OUTPUT, "children"),
        Output(OUTPUT, "style"),
        Output(STATUS, "children"),
        Output(POLL, "disabled", allow_duplicate=True),
        Input(POLL, "n_intervals"),
        prevent_initial_call=True,
    )
    def poll(_n):
        job = ctx.jobs.latest(JOB_NAME)
        style = {"maxHeight": "12rem", "overflowY": "auto", "display": "block"}
        if job is None:
            return "", style, "", True
        if not job.done:
            return "\n".join(job.lines[-60:]), style, "running...", False
        if job.error:
            return "\n".join(job.lines[-60:]), style, f"failed: {job.error}", True
        summary = ", ".join(
            f"{tool.name} {'PASS' if tool.passed else 'FAIL'}" for tool in job.result.tools
        )
        return "\n".join(job.lines[-60:]), style, summary, True
