"""Alerts card: HIGH alerts only, the active halt counting down, and acknowledgement."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, ctx as callback_ctx, dcc, html

from components.card import cockpit_card
from components.context import CockpitContext
from components.formatting import local_time

CARD_ID = "card-alerts"
BODY = "alerts-body"
TICK = "alerts-tick"
ACK_BUTTON = "alerts-ack"


def _body(ctx: CockpitContext) -> list:
    now = ctx.clock()
    halt = ctx.alerts.halt_state()
    alerts = ctx.alerts.alerts()
    parts: list = []
    if halt.active:
        remaining = halt.remaining(now)
        hours, rest = divmod(int(remaining.total_seconds()), 3600)
        parts.append(
            dbc.Alert(
                [
                    html.Strong("New entries halted"),
                    f" until {local_time(halt.until, ctx.settings)} ({hours} h {rest // 60:02d} m "
                    "left). Closing orders and cancels still pass.",
                    html.Div(halt.reason, className="small"),
                ],
                color="danger",
                id="halt-banner",
            )
        )
    if not alerts:
        parts.append(html.P("No HIGH alerts. Lesser notes live in the Discipline card."))
        return parts
    rows = []
    for alert in reversed(alerts[-20:]):
        ack = (
            html.Span(f"acknowledged {local_time(alert.acknowledged_at, ctx.settings)}")
            if alert.acknowledged_at
            else dbc.Button(
                "Acknowledge", id={"type": ACK_BUTTON, "id": alert.id}, size="sm", color="light"
            )
        )
        rows.append(
            html.Tr(
                [
                    html.Td(dbc.Badge("HIGH", color="danger")),
                    html.Td(local_time(alert.raised_at, ctx.settings)),
                    html.Td([html.Code(alert.rule.value), html.Div(alert.message)]),
                    html.Td(ack),
                ]
            )
        )
    parts.append(dbc.Table([html.Tbody(rows)], size="sm", className="mb-0 small"))
    return parts


def layout(ctx: CockpitContext) -> dbc.Card:
    """The Alerts card, refreshed every 30 s so the halt countdown moves."""
    return cockpit_card(
        CARD_ID,
        "Alerts",
        [html.Div(_body(ctx), id=BODY), dcc.Interval(id=TICK, interval=30_000)],
    )


def register(app: Dash, ctx: CockpitContext) -> None:
    """Acknowledge clicks and the periodic refresh."""

    @app.callback(
        Output(BODY, "children"),
        Input(TICK, "n_intervals"),
        Input({"type": ACK_BUTTON, "id": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
    def refresh(_tick, _clicks):
        trigger = callback_ctx.triggered_id
        if isinstance(trigger, dict) and callback_ctx.triggered[0]["value"]:
            try:
                ctx.alerts.acknowledge(trigger["id"])
            except KeyError:
                pass  # already acknowledged in another tab: the refresh below shows it
        return _body(ctx)
