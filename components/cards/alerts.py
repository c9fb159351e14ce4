"""Alerts card: HIGH alerts only, one line each with details on demand, the active halt counting
down, the rollback latch whenever it is set, and acknowledgement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, ctx as callback_ctx, dcc, html

from components.card import cockpit_card
from components.cards import broker
from components.context import CockpitContext
from components.formatting import duration, local_time
from components.signals import JOURNAL_CHANGED
from utils.core.config import Settings
from utils.records.alerts import Alert, AlertRule, HaltState
from utils.records.latch import LatchState

ALERTS_SHOWN = 20
# What each alert is about, short enough for one line (the full message is in its details).
SHORT_REASONS = {
    AlertRule.NOT_DEFINED_RISK: "Order refused: risk not defined",
    AlertRule.OVER_LADDER_CAP: "Order refused: over the ladder cap",
    AlertRule.OVER_SYMBOL_RISK: "Order refused: over 20 % on one underlying",
    AlertRule.OVER_CONCURRENCY: "Order refused: too many open spreads",
    AlertRule.ENTRY_DURING_HALT: "Entry tried during a halt",
    AlertRule.AUTH_ANOMALY: "Broker login anomaly",
    AlertRule.ORDER_ANOMALY: "Order placement anomaly",
    AlertRule.JOURNAL_WRITE_FAILURE: "Journal write failed",
    AlertRule.AUDIT_WRITE_FAILURE: "Audit log write failed",
    AlertRule.AUDIT_CHAIN_BROKEN: "Audit chain broken",
}


class Ids:
    """Every id the Alerts card puts on the page."""

    CARD = "card-alerts"
    BODY = "alerts-body"
    TICK = "alerts-tick"
    HALT_BANNER = "halt-banner"
    LATCH = "alerts-latch"
    LIST = "alerts-list"
    ACK_BUTTON = "alerts-ack"

    @staticmethod
    def ack(alert_id: int) -> dict:
        """The Acknowledge button of one alert (a pattern-matching id)."""
        return {"type": Ids.ACK_BUTTON, "id": alert_id}


def halt_banner(halt: HaltState, settings: Settings, now: datetime) -> dbc.Alert:
    """The red banner of an active halt: until when, how long is left, and why."""
    return dbc.Alert(
        [
            html.Strong("New entries halted"),
            f" until {local_time(halt.until, settings)} ({duration(halt.remaining(now))} "
            "left). Closing orders and cancels still pass.",
            html.Div(halt.reason, className="small"),
        ],
        color="danger",
        id=Ids.HALT_BANNER,
    )


def latch_banner(latch: LatchState, settings: Settings) -> dbc.Alert:
    """The set rollback latch: since when, and its triggers on demand (cleared on the Broker
    card)."""
    return dbc.Alert(
        [
            html.Details(
                [
                    html.Summary(
                        [
                            html.Strong("Rollback latch set"),
                            f" since {local_time(latch.set_at, settings)}: orders are forced "
                            "to dry-run. Clear it on the Broker card once the triggers recover.",
                        ]
                    ),
                    html.Ul([html.Li(t.sentence) for t in latch.triggers], className="mb-0"),
                ]
            )
        ],
        color="warning",
        className="py-1 small",
        id=Ids.LATCH,
    )


def alert_line(alert: Alert, settings: Settings) -> html.Li:
    """One HIGH alert on one line (time, severity, short reason), its message on demand, and
    its acknowledgement."""
    ack = (
        html.Span(
            f"acknowledged {local_time(alert.acknowledged_at, settings)}",
            className="text-muted text-nowrap flex-shrink-0",
        )
        if alert.acknowledged_at
        else dbc.Button(
            "Acknowledge",
            id=Ids.ack(alert.id),
            size="sm",
            color="light",
            className="py-0 text-nowrap flex-shrink-0",
        )
    )
    details = html.Details(
        [
            html.Summary(
                [
                    html.Span(local_time(alert.raised_at, settings), className="me-1"),
                    dbc.Badge("HIGH", color="danger", className="me-1"),
                    SHORT_REASONS.get(alert.rule, str(alert.rule)),
                ]
            ),
            html.Div(alert.message),
            html.Div(f"Rule {alert.rule.value}", className="text-muted"),
        ],
        className="flex-grow-1 min-w-0",
    )
    return html.Li([details, ack], className="d-flex gap-2 align-items-start py-1 border-bottom")


def render(
    halt: HaltState,
    alerts: Sequence[Alert],
    settings: Settings,
    now: datetime,
    latch: LatchState | None = None,
) -> list:
    """The card's body: the halt banner and the latch when active, then the newest alerts."""
    parts: list = [halt_banner(halt, settings, now)] if halt.active else []
    if latch is not None and latch.active:
        parts.append(latch_banner(latch, settings))
    if not alerts:
        parts.append(html.P("No HIGH alerts. Lesser notes live in the Discipline card."))
        return parts
    lines = [alert_line(alert, settings) for alert in reversed(alerts[-ALERTS_SHOWN:])]
    parts.append(html.Ul(lines, className="list-unstyled small mb-0", id=Ids.LIST))
    return parts


def _read_and_render(ctx: CockpitContext) -> list:
    now = ctx.clock()
    return render(
        ctx.alerts.halt_state(), ctx.alerts.alerts(), ctx.settings, now, ctx.stores.latch.state()
    )


def layout(ctx: CockpitContext) -> dbc.Card:
    """The Alerts card, refreshed every 30 s so the halt countdown moves."""
    return cockpit_card(
        Ids.CARD,
        "Alerts",
        [html.Div(_read_and_render(ctx), id=Ids.BODY), dcc.Interval(id=Ids.TICK, interval=30_000)],
    )


def register(app: Dash, ctx: CockpitContext) -> None:
    """Acknowledge clicks, the periodic refresh, and a refresh after every evidence reading
    (which may have set the latch: an import, a close, a fill)."""

    @app.callback(
        Output(Ids.BODY, "children"),
        Input(Ids.TICK, "n_intervals"),
        Input(JOURNAL_CHANGED, "data"),
        Input(broker.Ids.MODE_BODY, "children"),
        Input({"type": Ids.ACK_BUTTON, "id": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def refresh(_tick, _changed, _mode, _clicks):
        trigger = callback_ctx.triggered_id
        if isinstance(trigger, dict) and callback_ctx.triggered[0]["value"]:
            try:
                ctx.alerts.acknowledge(trigger["id"])
            except KeyError:
                pass  # already acknowledged in another tab: the refresh below shows it
        return _read_and_render(ctx)
