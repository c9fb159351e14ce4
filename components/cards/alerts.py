"""Alerts card: HIGH alerts only, the active halt counting down, and acknowledgement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, ctx as callback_ctx, dcc, html

from components.card import cockpit_card
from components.context import CockpitContext
from components.formatting import local_time
from utils.core.config import Settings
from utils.records.alerts import Alert, HaltState

ALERTS_SHOWN = 20


class Ids:
    """Every id the Alerts card puts on the page."""

    CARD = "card-alerts"
    BODY = "alerts-body"
    TICK = "alerts-tick"
    HALT_BANNER = "halt-banner"
    ACK_BUTTON = "alerts-ack"

    @staticmethod
    def ack(alert_id: int) -> dict:
        """The Acknowledge button of one alert (a pattern-matching id)."""
        return {"type": Ids.ACK_BUTTON, "id": alert_id}


def halt_banner(halt: HaltState, settings: Settings, now: datetime) -> dbc.Alert:
    """The red banner of an active halt: until when, how long is left, and why."""
    hours, rest = divmod(int(halt.remaining(now).total_seconds()), 3600)
    return dbc.Alert(
        [
            html.Strong("New entries halted"),
            f" until {local_time(halt.until, settings)} ({hours} h {rest // 60:02d} m "
            "left). Closing orders and cancels still pass.",
            html.Div(halt.reason, className="small"),
        ],
        color="danger",
        id=Ids.HALT_BANNER,
    )


def alert_row(alert: Alert, settings: Settings) -> html.Tr:
    """One HIGH alert: when, which rule, what happened, and its acknowledgement."""
    ack = (
        html.Span(f"acknowledged {local_time(alert.acknowledged_at, settings)}")
        if alert.acknowledged_at
        else dbc.Button("Acknowledge", id=Ids.ack(alert.id), size="sm", color="light")
    )
    return html.Tr(
        [
            html.Td(dbc.Badge("HIGH", color="danger")),
            html.Td(local_time(alert.raised_at, settings)),
            html.Td([html.Code(alert.rule.value), html.Div(alert.message)]),
            html.Td(ack),
        ]
    )


def render(halt: HaltState, alerts: Sequence[Alert], settings: Settings, now: datetime) -> list:
    """The card's body: the halt banner when one is active, then the newest alerts first."""
    parts: list = [halt_banner(halt, settings, now)] if halt.active else []
    if not alerts:
        parts.append(html.P("No HIGH alerts. Lesser notes live in the Discipline card."))
        return parts
    rows = [alert_row(alert, settings) for alert in reversed(alerts[-ALERTS_SHOWN:])]
    parts.append(dbc.Table([html.Tbody(rows)], size="sm", className="mb-0 small"))
    return parts


def _read_and_render(ctx: CockpitContext) -> list:
    now = ctx.clock()
    return render(ctx.alerts.halt_state(), ctx.alerts.alerts(), ctx.settings, now)


def layout(ctx: CockpitContext) -> dbc.Card:
    """The Alerts card, refreshed every 30 s so the halt countdown moves."""
    return cockpit_card(
        Ids.CARD,
        "Alerts",
        [html.Div(_read_and_render(ctx), id=Ids.BODY), dcc.Interval(id=Ids.TICK, interval=30_000)],
    )


def register(app: Dash, ctx: CockpitContext) -> None:
    """Acknowledge clicks and the periodic refresh."""

    @app.callback(
        Output(Ids.BODY, "children"),
        Input(Ids.TICK, "n_intervals"),
        Input({"type": Ids.ACK_BUTTON, "id": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def refresh(_tick, _clicks):
        trigger = callback_ctx.triggered_id
        if isinstance(trigger, dict) and callback_ctx.triggered[0]["value"]:
            try:
                ctx.alerts.acknowledge(trigger["id"])
            except KeyError:
                pass  # already acknowledged in another tab: the refresh below shows it
        return _read_and_render(ctx)
