"""Broker card: requested vs effective mode, account data, hygiene, latch, validation, checks."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html

from components import order_book_panel, preflight_panel, validation_log
from components.card import cockpit_card
from components.context import CockpitContext
from components.formatting import local_time, usd
from components.jobs import Job
from components.signals import JOURNAL_CHANGED
from utils.broker.latch import clear_rollback_latch
from utils.broker.models import BrokerStatus
from utils.broker.sandbox_validation import ValidationProgress
from utils.core.config import Settings, credential_notes
from utils.judge.evidence import CockpitEvidence
from utils.records.latch import LatchClearRefused, LatchState
from utils.judge.mode import EffectiveMode
from utils.project.env_hygiene import check_env_hygiene
from utils.records.audit import AuditVerification, AuditWriteError

VALIDATION_JOB = "sandbox-validation"
VALIDATION_LINES_SHOWN = 12
MODE_COLORS = {
    EffectiveMode.SIM: "secondary",
    EffectiveMode.SANDBOX_DRY_RUN: "info",
    EffectiveMode.SANDBOX: "primary",
    EffectiveMode.LIVE_DRY_RUN: "warning",
    EffectiveMode.LIVE: "danger",
    EffectiveMode.FORCED_SANDBOX: "dark",
}


class Ids:
    """Every id the Broker card puts on the page (the pre-flight panel has its own)."""

    CARD = "card-broker"
    MODE_BODY = "broker-mode-body"
    EFFECTIVE_MODE = "broker-effective-mode"
    MODE_REASONS = "broker-mode-reasons"
    AUDIT_CHAIN = "broker-audit-chain"
    LATCH = "broker-latch"
    LATCH_CLEAR = "broker-latch-clear"
    LATCH_MESSAGE = "broker-latch-message"
    ACCOUNT_BODY = "broker-account-body"
    ACCOUNT_REFRESH = "broker-account-refresh"
    ACCOUNT_ERROR = "broker-account-error"
    ACCOUNTS = "broker-accounts"
    VALIDATE = "broker-validate"
    VALIDATE_POLL = "broker-validate-poll"
    VALIDATE_OUTPUT = "broker-validate-output"
    VALIDATION_VERDICT = "broker-validation-verdict"


def render_latch(latch: LatchState, settings: Settings):
    """The set latch with its triggers, the rollback sequence and the Clear button; when clear,
    only the (hidden) button its callback needs."""
    if not latch.active:
        return html.Button(id=Ids.LATCH_CLEAR, hidden=True, n_clicks=0)
    return dbc.Alert(
        [
            html.Strong("Rollback latch SET"),
            f" since {local_time(latch.set_at, settings)}: orders are forced to "
            "dry-run whatever .env says.",
            html.Ul([html.Li(t.sentence) for t in latch.triggers], className="small"),
            html.Div("Rollback sequence:", className="small fw-semibold"),
            html.Ol([html.Li(step) for step in latch.rollback_sequence], className="small"),
            dbc.Button("Clear the latch", id=Ids.LATCH_CLEAR, size="sm", color="light", n_clicks=0),
        ],
        color="danger",
        id=Ids.LATCH,
    )


def render_mode(evidence: CockpitEvidence, chain: AuditVerification, settings: Settings) -> list:
    """Requested vs effective mode in big letters, every reason, the audit chain, the latch."""
    mode = evidence.mode
    return [
        html.Div(f"Requested in .env: {mode.requested}", className="small"),
        html.Div(
            dbc.Badge(
                mode.label,
                color=MODE_COLORS.get(mode.mode, "secondary"),
                className="fs-4 my-2",
                id=Ids.EFFECTIVE_MODE,
            )
        ),
        html.Ul(
            [
                html.Li(reason.sentence, className="" if reason.blocking else "text-muted")
                for reason in mode.reasons
            ],
            className="small mb-2",
            id=Ids.MODE_REASONS,
        ),
        render_audit_chain(chain),
        render_latch(evidence.latch, settings),
    ]


def mode_body(evidence: CockpitEvidence, ctx: CockpitContext) -> list:
    """The mode part for the evidence refresh; checking the chain raises its alert once."""
    return render_mode(evidence, ctx.guard.audit_chain(), ctx.settings)


def render_audit_chain(check: AuditVerification):
    """The audit chain's state: a danger line naming the first broken entry, or a quiet one."""
    if check.ok:
        return html.Div(
            f"Audit log intact: head seq {check.head_seq}, {check.head_hash[:12]}...",
            className="small text-muted",
            id=Ids.AUDIT_CHAIN,
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
        id=Ids.AUDIT_CHAIN,
    )


def render_account(status: BrokerStatus, settings: Settings) -> list:
    """Accounts, balances and positions read from the broker (GETs only, never an order)."""
    if status.error is not None:
        return [
            dbc.Alert(
                f"{status.error.code}: {status.error.sentence}",
                color="warning",
                className="py-1 small",
                id=Ids.ACCOUNT_ERROR,
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
            f"Read from {status.target_host} at {local_time(status.read_at, settings)}",
            className="small text-muted",
        ),
        html.Ul(accounts + balances, className="small mb-1", id=Ids.ACCOUNTS),
        html.Details(
            [
                html.Summary(f"Positions ({len(positions)})", className="small"),
                html.Ul(positions or [html.Li("none")], className="small"),
            ]
        ),
    ]


def validation_line(step: ValidationProgress) -> str:
    """One progress line of the sandbox validation: `[2/7] dry-run: ok - detail`."""
    verdict = "running" if step.passed is None else "ok" if step.passed else "FAILED"
    return f"[{step.index}/{step.total}] {step.step}: {verdict}" + (
        f" - {step.detail}" if step.detail else ""
    )


def render_validation(job: Job, settings: Settings) -> list:
    """The validation job's verdict (once done) above its latest progress lines."""
    steps = validation_log.latest_per_step(job.lines)[-VALIDATION_LINES_SHOWN:]
    lines = html.Ul([html.Li(line) for line in steps], className="mb-1")
    if not job.done:
        return [html.Div("running...", className="text-muted"), lines]
    if job.error:
        stopped = f" The validation stopped before its end: {job.error}"
        return [html.Div([dbc.Badge("ERROR", color="danger"), stopped]), lines]
    return validation_log.render_record(job.result, settings, Ids.VALIDATION_VERDICT)


def render_mode_placeholder(note=None) -> list:
    """Shown before the first refresh, or with `note` when the evidence cannot be read; the
    (hidden) latch button must exist for its callback."""
    return [
        note or html.Div("Reading the evidence...", className="small text-muted"),
        html.Button(id=Ids.LATCH_CLEAR, hidden=True, n_clicks=0),
    ]


def layout(ctx: CockpitContext) -> dbc.Card:
    """The Broker card; the mode part is filled by the evidence refresh."""
    warnings = [w.message for w in check_env_hygiene(ctx.root)] + credential_notes(ctx.settings)
    return cockpit_card(
        Ids.CARD,
        "Broker",
        [
            html.Div(render_mode_placeholder(), id=Ids.MODE_BODY),
            html.Div(id=Ids.LATCH_MESSAGE),
            html.H6("Account (read only)", className="mt-2"),
            dcc.Loading(html.Div(id=Ids.ACCOUNT_BODY)),
            dbc.Button("Refresh account", id=Ids.ACCOUNT_REFRESH, size="sm", color="light"),
            order_book_panel.layout(),
            html.Div(
                [
                    dbc.Button(
                        "Run sandbox validation", id=Ids.VALIDATE, size="sm", color="secondary"
                    ),
                    dcc.Interval(id=Ids.VALIDATE_POLL, interval=1000, disabled=True),
                    html.Div(
                        validation_log.render_record(
                            ctx.stores.sandbox.latest(), ctx.settings, Ids.VALIDATION_VERDICT
                        ),
                        id=Ids.VALIDATE_OUTPUT,
                        className="small mt-1",
                    ),
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


def register(app: Dash, ctx: CockpitContext) -> None:
    """The Broker card's callbacks: account reads, validation, pre-flight checks, the latch."""
    preflight_panel.register(app, ctx)
    order_book_panel.register(app, ctx)

    @app.callback(
        Output(Ids.ACCOUNT_BODY, "children"),
        Input(Ids.ACCOUNT_REFRESH, "n_clicks"),
        Input(JOURNAL_CHANGED, "data"),  # a fill journals a trade: balances and positions moved
    )
    def account(_n, _changed):
        return render_account(ctx.guard.status(), ctx.settings)

    @app.callback(
        Output(Ids.VALIDATE_POLL, "disabled"),
        Input(Ids.VALIDATE, "n_clicks"),
        prevent_initial_call=True,
    )
    def validate(_n):
        ctx.jobs.start(
            VALIDATION_JOB,
            lambda progress: ctx.guard.run_sandbox_validation(
                lambda step: progress(validation_line(step))
            ),
        )
        return False

    @app.callback(
        Output(Ids.VALIDATE_OUTPUT, "children"),
        Output(Ids.VALIDATE_POLL, "disabled", allow_duplicate=True),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(Ids.VALIDATE_POLL, "n_intervals"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def validation_progress(_n, version):
        job = ctx.jobs.latest(VALIDATION_JOB)
        if job is None:
            return None, True, version
        return render_validation(job, ctx.settings), job.done, version + 1 if job.done else version

    @app.callback(
        Output(Ids.LATCH_MESSAGE, "children"),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(Ids.LATCH_CLEAR, "n_clicks"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def clear_latch(clicks, version):
        if not clicks:
            return None, version
        try:
            clear_rollback_latch(ctx.stores.latch, ctx.audit, ctx.evidence())
        except (LatchClearRefused, AuditWriteError) as error:
            return dbc.Alert(str(error), color="warning", className="py-1 small"), version
        cleared = dbc.Alert("Rollback latch cleared.", color="success", className="py-1 small")
        return cleared, version + 1
