"""Broker card: requested vs effective mode, account data, hygiene, latch, validation, checks."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html

from components import preflight_panel
from components.card import cockpit_card
from components.context import CockpitContext
from components.formatting import local_time, usd
from components.signals import JOURNAL_CHANGED
from utils.records.audit import AuditKind, AuditWriteError
from utils.judge.mode import EffectiveMode
from utils.core.config import credential_notes
from utils.project.env_hygiene import check_env_hygiene
from utils.judge.evidence import CockpitEvidence
from utils.records.latch import LatchClearRefused

CARD_ID = "card-broker"
MODE_BODY = "broker-mode-body"
LATCH_CLEAR = "broker-latch-clear"
LATCH_MESSAGE = "broker-latch-message"
ACCOUNT_BODY = "broker-account-body"
ACCOUNT_REFRESH = "broker-account-refresh"
VALIDATE = "broker-validate"
VALIDATE_POLL = "broker-validate-poll"
VALIDATE_OUTPUT = "broker-validate-output"
VALIDATION_JOB = "sandbox-validation"
MODE_COLORS = {
    EffectiveMode.SIM: "secondary",
    EffectiveMode.SANDBOX_DRY_RUN: "info",
    EffectiveMode.SANDBOX: "primary",
    EffectiveMode.LIVE_DRY_RUN: "warning",
    EffectiveMode.LIVE: "danger",
    EffectiveMode.FORCED_SANDBOX: "dark",
}


def render_mode(evidence: CockpitEvidence, ctx: CockpitContext) -> list:
    """Requested vs effective mode in big letters, every reason, and the rollback latch."""
    mode = evidence.mode
    parts: list = [
        html.Div(f"Requested in .env: {mode.requested}", className="small"),
        html.Div(
            dbc.Badge(
                mode.label,
                color=MODE_COLORS.get(mode.mode, "secondary"),
                className="fs-4 my-2",
                id="broker-effective-mode",
            )
        ),
        html.Ul(
            [
                html.Li(reason.sentence, className="" if reason.blocking else "text-muted")
                for reason in mode.reasons
            ],
            className="small mb-2",
            id="broker-mode-reasons",
        ),
    ]
    parts.append(render_audit_chain(ctx))
    latch = evidence.latch
    if latch.active:
        parts.append(
            dbc.Alert(
                [
                    html.Strong("Rollback latch SET"),
                    f" since {local_time(latch.set_at, ctx.settings)}: orders are forced to "
                    "dry-run whatever .env says.",
                    html.Ul([html.Li(t.sentence) for t in latch.triggers], className="small"),
                    html.Div("Rollback sequence:", className="small fw-semibold"),
                    html.Ol([html.Li(step) for step in latch.rollback_sequence], className="small"),
                    dbc.Button(
                        "Clear the latch", id=LATCH_CLEAR, size="sm", color="light", n_clicks=0
                    ),
                ],
                color="danger",
                id="broker-latch",
            )
        )
    else:
        parts.append(html.Button(id=LATCH_CLEAR, hidden=True, n_clicks=0))
    return parts


def render_audit_chain(ctx: CockpitContext):
    """The audit chain's state: a danger line naming the first broken entry, or a quiet one."""
    check = ctx.guard.audit_chain()
    if check.ok:
        return html.Div(
            f"Audit log intact: head seq {check.head_seq}, {check.head_hash[:12]}...",
            className="small text-muted",
            id="broker-audit-chain",
        )
    where = "" if check.first_broken_seq is None else f" at entry {check.first_broken_seq}"
    return dbc.Alert(
        [
            html.Strong(f"Audit chain broken{where}: "),
            f"{check.message}. Opening orders are refused and the compliance export is "
            "stopped; closing orders and cancels still pass. Check it from a shell with "
            "`python -m utils.records.audit verify`.",
        ],
        color="danger",
        className="py-1 small",
        id="broker-audit-chain",
    )


def render_account(ctx: CockpitContext) -> list:
    """Accounts, balances and positions read from the broker (GETs only, never an order)."""
    status = ctx.guard.status()
    if status.error is not None:
        return [
            dbc.Alert(
                f"{status.error.code}: {status.error.sentence}",
                color="warning",
                className="py-1 small",
                id="broker-account-error",
            )
        ]
    accounts = [
        html.Li(f"{a.masked} {a.nickname or ''} ({a.authority_level or 'authority unknown'})")
        for a in status.accounts
    ]
    balances = [
        html.Li(
            f"{b.account}: net liq {usd(b.net_liquidating_value_usd)}, "
            f"cash {usd(b.cash_balance_usd)}, "
            f"option buying power {usd(b.derivative_buying_power_usd)}"
        )
        for b in status.balances
    ]
    positions = [html.Li(f"{p.quantity:+} {p.symbol}") for p in status.positions]
    return [
        html.Div(
            f"Read from {status.target_host} at {local_time(status.read_at, ctx.settings)}",
            className="small text-muted",
        ),
        html.Ul(accounts + balances, className="small mb-1", id="broker-accounts"),
        html.Details(
            [
                html.Summary(f"Positions ({len(positions)})", className="small"),
                html.Ul(positions or [html.Li("none")], className="small"),
            ]
        ),
    ]


def layout(ctx: CockpitContext) -> dbc.Card:
    """The Broker card; the mode part is filled by the evidence refresh."""
    warnings = [w.message for w in check_env_hygiene(ctx.root)] + credential_notes(ctx.settings)
    return cockpit_card(
        CARD_ID,
        "Broker",
        [
            html.Div(render_mode_placeholder(), id=MODE_BODY),
            html.Div(id=LATCH_MESSAGE),
            html.H6("Account (read only)", className="mt-2"),
            dcc.Loading(html.Div(id=ACCOUNT_BODY)),
            dbc.Button("Refresh account", id=ACCOUNT_REFRESH, size="sm", color="light"),
            html.Div(
                [
                    dbc.Button("Run sandbox validation", id=VALIDATE, size="sm", color="secondary"),
                    dcc.Interval(id=VALIDATE_POLL, interval=1000, disabled=True),
                    html.Div(id=VALIDATE_OUTPUT, className="small mt-1"),
                ],
                className="mt-2",
            ),
            *[
                dbc.Alert(text, color="warning", className="py-1 mt-2 mb-0 small")
                for text in warnings
            ],
            preflight_panel.layout(),
        ],
    )


def render_mode_placeholder(note=None) -> list:
    """Shown before the first refresh, or with `note` when the evidence cannot be read; the
    (hidden) latch button must exist for its callback."""
    return [
        note or html.Div("Reading the evidence...", className="small text-muted"),
        html.Button(id=LATCH_CLEAR, hidden=True, n_clicks=0),
    ]


def register(app: Dash, ctx: CockpitContext) -> None:
    """The Broker card's callbacks: account reads, validation, pre-flight checks, the latch."""
    preflight_panel.register(app, ctx)

    @app.callback(Output(ACCOUNT_BODY, "children"), Input(ACCOUNT_REFRESH, "n_clicks"))
    def account(_n):
        return render_account(ctx)

    @app.callback(
        Output(VALIDATE_POLL, "disabled"),
        Input(VALIDATE, "n_clicks"),
        prevent_initial_call=True,
    )
    def validate(_n):
        ctx.jobs.start(
            VALIDATION_JOB,
            lambda progress: ctx.guard.run_sandbox_validation(
                lambda step: progress(
                    f"[{step.index}/{step.total}] {step.step}: "
                    + ("running" if step.passed is None else "ok" if step.passed else "FAILED")
                    + (f" - {step.detail}" if step.detail else "")
                )
            ),
        )
        return False

    @app.callback(
        Output(VALIDATE_OUTPUT, "children"),
        Output(VALIDATE_POLL, "disabled", allow_duplicate=True),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(VALIDATE_POLL, "n_intervals"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def validation_progress(_n, version):
        job = ctx.jobs.latest(VALIDATION_JOB)
        if job is None:
            return None, True, version
        lines = html.Ul([html.Li(line) for line in job.lines[-12:]], className="mb-1")
        if not job.done:
            return [html.Div("running...", className="text-muted"), lines], False, version
        if job.error:
            verdict = dbc.Badge("ERROR", color="danger")
            text = job.error
        else:
            verdict = dbc.Badge(
                "PASSED" if job.result.passed else "FAILED",
                color="success" if job.result.passed else "danger",
                id="broker-validation-verdict",
            )
            text = f" sandbox validation in {job.result.mode}"
        return [html.Div([verdict, " ", text]), lines], True, version + 1

    @app.callback(
        Output(LATCH_MESSAGE, "children"),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(LATCH_CLEAR, "n_clicks"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def clear_latch(clicks, version):
        if not clicks:
            return None, version
        evidence = ctx.evidence()
        try:
            state = ctx.stores.latch.clear(evidence.triggers, note="cleared on page")
            ctx.audit.append(
                AuditKind.LATCH,
                correlation_id=f"latch-{evidence.now:%Y%m%dT%H%M%S}",
                effective_mode=evidence.mode.label,
                body={"action": "clear", "active": state.active},
            )
        except (LatchClearRefused, AuditWriteError) as error:
            return dbc.Alert(str(error), color="warning", className="py-1 small"), version
        return dbc.Alert("Rollback latch cleared.", color="success", className="py-1 small"), (
            version + 1
        )
