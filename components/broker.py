"""Broker card: requested vs effective mode, account data, hygiene, latch, validation, checks."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, html

from components import preflight_panel
from components.card import cockpit_card
from components.context import CockpitContext
from components.formatting import local_time
from components.signals import JOURNAL_CHANGED
from utils.audit import AuditKind, AuditWriteError
from utils.broker_mode import EffectiveMode
from utils.config import credential_notes
from utils.env_hygiene import check_env_hygiene
from utils.evidence import CockpitEvidence
from utils.gates import LatchClearRefused

CARD_ID = "card-broker"
MODE_BODY = "broker-mode-body"
LATCH_CLEAR = "broker-latch-clear"
LATCH_MESSAGE = "broker-latch-message"
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


def layout(ctx: CockpitContext) -> dbc.Card:
    """The Broker card; the mode part is filled by the evidence refresh."""
    warnings = [w.message for w in check_env_hygiene(ctx.root)] + credential_notes(ctx.settings)
    return cockpit_card(
        CARD_ID,
        "Broker",
        [
            html.Div(render_mode_placeholder(), id=MODE_BODY),
            html.Div(id=LATCH_MESSAGE),
            *[
                dbc.Alert(text, color="warning", className="py-1 mt-2 mb-0 small")
                for text in warnings
            ],
            preflight_panel.layout(),
        ],
    )


def render_mode_placeholder() -> list:
    """Shown until the first refresh: the latch button must exist for its callback."""
    return [
        html.Div("Reading the evidence...", className="small text-muted"),
        html.Button(id=LATCH_CLEAR, hidden=True, n_clicks=0),
    ]


def register(app: Dash, ctx: CockpitContext) -> None:
    """The Broker card's callbacks: pre-flight checks and clearing the latch."""
    preflight_panel.register(app, ctx)

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
            state = ctx.stores.latch.clear(evidence.triggers, evidence.now, note="cleared on page")
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
