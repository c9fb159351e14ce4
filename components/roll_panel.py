"""The Close card's roll panel: close the chosen spread, then open the Order ticket's spread,
both previewed and confirmed together (`utils.broker.roll`)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html

from components.card import order_controls
from components.cards import ticket as order_ticket
from components.context import CockpitContext
from components.signals import JOURNAL_CHANGED
from utils.broker.close_ticket import CloseTicketError
from utils.broker.closing_desk import prepare_roll
from utils.broker.models import TradePlan
from utils.broker.roll import RollPlacement, RollPreview, place_roll
from utils.spreads.ticket import TicketError, parse_amount


class Ids:
    """Every id the roll panel puts on the page."""

    PREVIEW = "close-roll-preview"
    CONFIRM = "close-roll-confirm"
    PLACE = "close-roll-place"
    REF = "close-roll-ref"
    RESULT = "close-roll-result"
    OUTCOME = "close-roll-outcome"


def warning(text: str) -> dbc.Alert:
    """A yellow message: what to fix before the roll can be previewed or placed."""
    return dbc.Alert(text, color="warning", className="py-1 small")


def layout() -> html.Div:
    """Roll: this close, then the Order ticket's spread, previewed and confirmed together."""
    return html.Div(
        [
            html.H6("Roll into the Order ticket's spread", className="mt-3 mb-1"),
            html.P(
                "The close is placed first; the ticket's spread is opened only once the close "
                "filled, and is journaled as rolled from this trade.",
                className="small text-muted mb-1",
            ),
            dcc.Store(id=Ids.REF, data=None),
            *order_controls(
                (Ids.PREVIEW, Ids.CONFIRM, Ids.PLACE),
                (
                    "Preview roll (dry-run)",
                    "I confirm both exact orders (the close, then the new spread)",
                    "Place roll",
                ),
            ),
            dcc.Loading(html.Div(id=Ids.RESULT, className="mt-2")),
        ]
    )


def show_roll_preview(rolled: RollPreview) -> html.Div:
    """Both previews of a roll, one line each; the outcome says whether both are ready."""
    lines = [("Close", rolled.close)]
    if rolled.replacement is not None:
        lines.append(("Then open", rolled.replacement))
    outcome = "READY TO CONFIRM" if rolled.ready else "NOT READY"
    return dbc.Alert(
        [
            html.Strong(outcome, id=Ids.OUTCOME),
            html.Ul(
                [html.Li(f"{what}: {p.outcome.value.upper()} - {p.message}") for what, p in lines],
                className="small mb-0",
            ),
        ],
        color="success" if rolled.ready else "warning",
        className="py-2",
    )


def show_roll_placement(placed: RollPlacement) -> dbc.Alert:
    """What the roll's close did, and the replacement when it was sent."""
    parts = [("Close", placed.close)]
    if placed.replacement is not None:
        parts.append(("Then open", placed.replacement))
    good = placed.replacement is not None and placed.replacement.outcome.accepted
    return dbc.Alert(
        [
            html.Div(placed.message, className="small fw-bold"),
            html.Ul(
                [html.Li(f"{what}: {p.outcome.value.upper()} - {p.message}") for what, p in parts],
                className="small mb-0",
            ),
        ],
        color="success" if good else "danger",
        className="py-2",
    )


def register(app: Dash, ctx: CockpitContext, ticket_ids: Any) -> None:
    """Preview both orders of a roll, then place them, close first; `ticket_ids` are the Close
    card's ids (its TRADE store and QUANTITY, PRICE, EFFECT fields)."""

    @app.callback(
        Output(Ids.RESULT, "children"),
        Output(Ids.REF, "data"),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(Ids.PREVIEW, "n_clicks"),
        State(ticket_ids.TRADE, "data"),
        State(ticket_ids.QUANTITY, "value"),
        State(ticket_ids.PRICE, "value"),
        State(ticket_ids.EFFECT, "value"),
        *[State(field, "value") for field in order_ticket.FORM_FIELDS],
        State(order_ticket.Ids.TARGET, "value"),
        State(order_ticket.Ids.STOP, "value"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def roll_preview(_n, trade_id, quantity, price, effect, *form):
        *spread_fields, target, stop, version = form
        try:
            replacement = order_ticket.spread_from_form(*spread_fields)
            plan = TradePlan(
                profit_target_usd=parse_amount("profit target", target),
                stop_loss_usd=parse_amount("stop loss", stop),
            )
            orders = prepare_roll(
                ctx.journal,
                ctx.guard,
                trade_id,
                replacement,
                plan,
                quantity=quantity,
                price=price,
                effect=effect,
            )
        except (TicketError, CloseTicketError) as error:
            return warning(f"Cannot roll: {error}"), None, version
        rolled = orders.preview
        refs = None
        if rolled.ready:
            refs = {
                "close": ctx.previews.keep(rolled.close, orders.close),
                "open": ctx.previews.keep(rolled.replacement, orders.replacement),
            }
        return show_roll_preview(rolled), refs, version + 1

    @app.callback(
        Output(Ids.PLACE, "disabled"),
        Input(Ids.REF, "data"),
        Input(Ids.CONFIRM, "value"),
    )
    def roll_allowed(refs, confirmed):
        return not (refs and confirmed)

    @app.callback(
        Output(Ids.RESULT, "children", allow_duplicate=True),
        Output(Ids.REF, "data", allow_duplicate=True),
        Output(Ids.CONFIRM, "value"),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(Ids.PLACE, "n_clicks"),
        State(Ids.REF, "data"),
        State(Ids.CONFIRM, "value"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def roll_place(_n, refs, confirmed, version):
        close = ctx.previews.take(refs["close"]) if refs and confirmed else None
        opening = ctx.previews.take(refs["open"]) if refs and confirmed else None
        if close is None or opening is None:
            message = "Preview the roll again: a confirmation is good for one roll, once."
            return warning(message), None, False, version
        placed = place_roll(ctx.guard, close[0], close[1], opening[0], opening[1])
        return show_roll_placement(placed), None, False, version + 1
