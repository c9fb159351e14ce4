"""Close card: the closing ticket of one open spread (from its journal row, or from "Close all"),
prefilled at the mid of live quotes, with the payoff of what remains; preview, confirm, place."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import ALL, Dash, Input, Output, State, dcc, html, no_update
from dash import ctx as callback_ctx

from components import roll_panel
from components.card import cockpit_card, order_controls
from components.cards.journal import Ids as JournalIds
from components.context import CockpitContext
from components.formatting import usd
from components.signals import JOURNAL_CHANGED
from utils.broker.close_ticket import CloseTicket, CloseTicketError
from utils.broker.closing_desk import open_spreads, prepare_close, preview_close
from utils.broker.models import Placement, Preview, PreviewOutcome
from utils.spreads.legs import PriceEffect


class Ids:
    """Every id the Close card puts on the page."""

    CARD = "card-close"
    TRADE = "close-trade"
    CLOSE_ALL = "close-all"
    OPEN_LIST = "close-open-list"
    PICK = "close-pick"  # pattern id {"type": PICK, "trade": id}, one per open spread
    QUANTITY = "close-quantity"
    PRICE = "close-price"
    EFFECT = "close-effect"
    REPRICE = "close-reprice"
    AT_TARGET = "close-at-target"
    GTC = "close-gtc"  # True while the ticket is the exit plan's profit target, resting GTC
    SUMMARY = "close-summary"
    PAYOFF = "close-payoff"
    PREVIEW = "close-preview"
    CONFIRM = "close-confirm"
    PLACE = "close-place"
    PREVIEW_REF = "close-preview-ref"
    RESULT = "close-result"
    OUTCOME = "close-outcome"
    MESSAGE = "close-message"
    PLACEMENT = "close-placement"
    WORKING = "close-working"
    WORKING_ACTIONS = "close-working-actions"
    RECONCILE = "close-reconcile"
    CANCEL = "close-cancel"


OUTCOME_COLORS = {
    PreviewOutcome.REFUSED: "danger",
    PreviewOutcome.BLOCKED_BY_DRY_RUN: "info",
    PreviewOutcome.READY_TO_CONFIRM: "success",
}


def _field(label: str, control, width: int = 3) -> dbc.Col:
    return dbc.Col([dbc.Label(label, className="small mb-0"), control], md=width, className="mb-2")


def form() -> html.Div:
    """Quantity, limit price and its effect, and a button to take the mid again."""
    effects = [{"label": e.value, "value": e.value} for e in PriceEffect]
    return dbc.Row(
        [
            _field(
                "Quantity (spreads)", dbc.Input(id=Ids.QUANTITY, type="number", min=1, size="sm")
            ),
            _field("Limit price (per share)", dbc.Input(id=Ids.PRICE, size="sm", debounce=True)),
            _field("Price is a", dbc.Select(id=Ids.EFFECT, options=effects, size="sm")),
            dbc.Col(
                [
                    dbc.Button("Price at the mid", id=Ids.REPRICE, size="sm", color="light"),
                    dbc.Button(
                        "Profit target as a GTC order",
                        id=Ids.AT_TARGET,
                        size="sm",
                        color="light",
                        className="ms-1",
                    ),
                ],
                md=3,
                className="d-flex align-items-end mb-2",
            ),
            dcc.Store(id=Ids.GTC, data=False),
        ]
    )


def actions() -> html.Div:
    """Preview (dry-run), the person's confirmation of that exact order, and Place order."""
    return html.Div(
        [
            dcc.Store(id=Ids.PREVIEW_REF, data=None),
            dcc.Store(id=Ids.WORKING, data=None),
            *order_controls(
                (Ids.PREVIEW, Ids.CONFIRM, Ids.PLACE),
                (
                    "Preview close (dry-run)",
                    "I confirm this exact closing order (legs, quantity, price, account)",
                    "Place closing order",
                ),
            ),
            dcc.Loading(html.Div(id=Ids.RESULT, className="mt-2")),
            html.Div(
                [
                    dbc.Button("Check fill", id=Ids.RECONCILE, size="sm", color="secondary"),
                    dbc.Button(
                        "Cancel order", id=Ids.CANCEL, size="sm", color="light", className="ms-2"
                    ),
                ],
                id=Ids.WORKING_ACTIONS,
                hidden=True,
            ),
        ],
        className="mt-2",
    )


def layout(ctx: CockpitContext) -> dbc.Card:
    """The Close card: the open spreads on demand, the ticket, and the guard's answers."""
    return cockpit_card(
        Ids.CARD,
        "Close a position",
        [
            dcc.Store(id=Ids.TRADE, data=None),
            html.P(
                "Close on a journal row, or list every open spread with Close all (rollback "
                "protocol: each one is closed with its own confirmation).",
                className="small text-muted mb-1",
            ),
            dbc.Button("Close all…", id=Ids.CLOSE_ALL, size="sm", color="warning"),
            html.Div(id=Ids.OPEN_LIST, className="mt-2"),
            form(),
            dbc.Row(
                [
                    dbc.Col(html.Div(id=Ids.SUMMARY), md=6),
                    dbc.Col(html.Div(id=Ids.PAYOFF), md=6),
                ]
            ),
            actions(),
            roll_panel.layout(),
        ],
    )


def open_list(trades) -> html.Div:
    """Every open spread with its own Close button (nothing here closes more than one)."""
    if not trades:
        return html.Div("No open spread in the journal.", className="small text-muted")
    rows = [
        html.Tr(
            [
                html.Td(trade.id),
                html.Td(f"{trade.structure.value} {trade.underlying}"),
                html.Td(trade.mode.value),
                html.Td(trade.quantity),
                html.Td(usd(trade.max_loss_usd)),
                html.Td(
                    dbc.Button(
                        "Close",
                        id={"type": Ids.PICK, "trade": trade.id},
                        size="sm",
                        color="outline-danger",
                    )
                ),
            ]
        )
        for trade in trades
    ]
    head = html.Thead(html.Tr([html.Th(h) for h in ("Id", "Spread", "Mode", "Qty", "1R", "")]))
    return dbc.Table([head, html.Tbody(rows)], size="sm", className="small mb-1")


def summary(ticket: CloseTicket) -> html.Div:
    """The closing legs, the mid it was priced from, and what remains open after it."""
    if ticket.mid is not None:
        mid = (
            f"Mid of live quotes: {abs(ticket.mid.net_mid):.4f} "
            f"{ticket.mid.price_effect.value.lower()} per share, limit "
            f"{ticket.mid.price} (tick {ticket.mid.tick})."
        )
    else:
        mid = f"No mid: {ticket.market_problem or 'the legs have no quotes'}."
    left = ticket.remaining
    remains = (
        "Nothing remains open after this order fills."
        if left is None
        else f"{left.quantity} of {ticket.open_units} unit(s) remain open; max loss "
        f"{usd(left.max_loss_usd)} (payoff at expiration, at the entry price)."
    )
    order = ticket.order
    target = ticket.profit_target
    plan = (
        html.Div(
            f"Exit plan's profit target as a closing limit: {target.price} "
            f"{target.price_effect.value.lower()} (before fees)"
            + (": this order, resting GTC at the broker." if ticket.at_profit_target else "."),
            className="small",
        )
        if target is not None
        else None
    )
    chain = ticket.chain
    rolls = (
        html.Div(
            f"Roll chain: trades {' -> '.join(str(i) for i in chain.trade_ids)}; combined net "
            f"P&L of its closed trades {usd(chain.net_pnl_usd)} ({chain.open_trades} open).",
            className="small",
        )
        if chain is not None and chain.rolled
        else None
    )
    return html.Div(
        [
            html.Div(
                f"Trade {ticket.trade_id} ({ticket.mode.value}): close {order.quantity} of "
                f"{ticket.open_units} open at {order.price} {order.price_effect.value.lower()}, "
                f"{ticket.time_in_force}.",
                className="small fw-bold",
            ),
            html.Ul([html.Li(leg.describe()) for leg in order.legs], className="small mb-1"),
            html.Div(mid, className="small"),
            html.Div(remains, className="small text-muted"),
            plan,
            rolls,
        ]
    )


def remaining_chart(ticket: CloseTicket) -> dcc.Graph | None:
    """Expiration P/L of what remains open (no chart when the order closes everything)."""
    left = ticket.remaining
    if left is None or left.profile is None:
        return None
    points = left.payoff_curve()
    figure = go.Figure(
        go.Scatter(
            x=[float(p.underlying_price) for p in points],
            y=[float(p.pl_usd) for p in points],
            mode="lines",
            hovertemplate="price %{x}<br>P/L $%{y:,.2f}<extra></extra>",
        )
    )
    strikes = [float(leg.strike) for leg in left.legs]
    span = max(strikes) - min(strikes) or max(strikes) * 0.05
    figure.update_xaxes(range=[min(strikes) - span, max(strikes) + span], title="underlying")
    figure.add_hline(y=0, line_color="grey", line_width=1)
    figure.update_layout(
        height=200,
        margin=dict(l=40, r=10, t=24, b=30),
        showlegend=False,
        title=dict(text="What remains, at expiration", font=dict(size=12)),
    )
    return dcc.Graph(figure=figure, config={"displayModeBar": False})


def show_preview(preview: Preview) -> list:
    """The guard's answer to the closing order's preview."""
    reasons = [html.Li(f"{r.code}: {r.sentence}") for r in (*preview.reasons, *preview.anomalies)]
    return [
        dbc.Alert(
            [
                html.Strong(preview.outcome.value.upper(), id=Ids.OUTCOME),
                html.Span(f" ({preview.mode.label})" if preview.mode else ""),
                html.Div(preview.message, className="small", id=Ids.MESSAGE),
                html.Div(
                    f"Dry-run: {preview.what_if.sentence}" if preview.what_if else "",
                    className="small",
                ),
            ],
            color=OUTCOME_COLORS[preview.outcome],
            className="py-2 mb-1",
        ),
        html.Ul(reasons, className="small mb-1") if reasons else None,
    ]


def show_placement(placement: Placement) -> dbc.Alert:
    """What reached the broker and how it ended."""
    return dbc.Alert(
        [
            html.Strong(placement.outcome.value.upper(), id=Ids.PLACEMENT),
            html.Div(placement.message, className="small"),
            html.Ul(
                [
                    html.Li(f"{r.code}: {r.sentence}")
                    for r in (*placement.reasons, *placement.anomalies)
                ],
                className="small mb-0",
            ),
        ],
        color="success" if placement.outcome.accepted else "danger",
        className="py-2",
    )


def _working(placement: Placement) -> dict | None:
    if not placement.outcome.working or not placement.order_id:
        return None
    return {"correlation": placement.correlation_id, "order_id": placement.order_id}


def _warning(text: str) -> dbc.Alert:
    return dbc.Alert(text, color="warning", className="py-1 small")


def register(app: Dash, ctx: CockpitContext) -> None:
    """Pick a trade, price it, preview, confirm and place its closing order."""

    @app.callback(
        Output(Ids.OPEN_LIST, "children"),
        Input(Ids.CLOSE_ALL, "n_clicks"),
        Input(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def close_all(shown, _version):
        if not shown:
            return no_update
        return open_list(open_spreads(ctx.journal))

    @app.callback(
        Output(Ids.TRADE, "data"),
        Output(Ids.QUANTITY, "value"),
        Output(Ids.PRICE, "value"),
        Output(Ids.EFFECT, "value"),
        Output(Ids.GTC, "data"),
        Output(Ids.RESULT, "children"),
        Input(JournalIds.CLOSE_TICKET_BUTTON, "n_clicks"),
        Input({"type": Ids.PICK, "trade": ALL}, "n_clicks"),
        Input(Ids.REPRICE, "n_clicks"),
        Input(Ids.AT_TARGET, "n_clicks"),
        State(JournalIds.TABLE, "selectedRows"),
        State(Ids.TRADE, "data"),
        State(Ids.QUANTITY, "value"),
        prevent_initial_call=True,
    )
    def pick(_row, _picks, _reprice, _target, selected, current, quantity):
        trigger = callback_ctx.triggered_id
        if not any(item["value"] for item in callback_ctx.triggered):
            return (no_update,) * 6  # a Close button was drawn, not clicked
        if trigger == JournalIds.CLOSE_TICKET_BUTTON:
            trade_id, quantity = (selected[0]["id"] if selected else None), None
        elif trigger in (Ids.REPRICE, Ids.AT_TARGET):
            trade_id = current
        else:
            trade_id, quantity = trigger["trade"], None
        at_target = trigger == Ids.AT_TARGET
        try:
            ticket = prepare_close(
                ctx.journal, ctx.guard, trade_id, quantity=quantity, at_profit_target=at_target
            )
        except CloseTicketError as error:
            warning = _warning(f"Cannot close: {error}")
            return trade_id, no_update, None, no_update, False, warning
        order = ticket.order
        price, effect = str(order.price), order.price_effect.value
        return trade_id, order.quantity, price, effect, at_target, None

    @app.callback(
        Output(Ids.PRICE, "disabled"),
        Output(Ids.EFFECT, "disabled"),
        Input(Ids.GTC, "data"),
    )
    def lock_target_price(gtc):
        return bool(gtc), bool(gtc)

    @app.callback(
        Output(Ids.SUMMARY, "children"),
        Output(Ids.PAYOFF, "children"),
        Output(Ids.PREVIEW_REF, "data", allow_duplicate=True),
        Input(Ids.TRADE, "data"),
        Input(Ids.QUANTITY, "value"),
        Input(Ids.PRICE, "value"),
        Input(Ids.EFFECT, "value"),
        Input(Ids.GTC, "data"),
        Input(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def analyse(trade_id, quantity, price, effect, gtc, _version):
        # a journal change redraws the ticket but keeps a preview the person may be confirming
        kept = no_update if callback_ctx.triggered_id == JOURNAL_CHANGED else None
        if trade_id is None:
            return None, None, kept
        try:
            ticket = prepare_close(
                ctx.journal,
                ctx.guard,
                trade_id,
                quantity=quantity,
                price=price,
                effect=effect,
                at_profit_target=bool(gtc),
            )
        except CloseTicketError as error:
            return _warning(str(error)), None, kept
        return summary(ticket), remaining_chart(ticket), kept

    @app.callback(
        Output(Ids.RESULT, "children", allow_duplicate=True),
        Output(Ids.PREVIEW_REF, "data"),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(Ids.PREVIEW, "n_clicks"),
        State(Ids.TRADE, "data"),
        State(Ids.QUANTITY, "value"),
        State(Ids.PRICE, "value"),
        State(Ids.EFFECT, "value"),
        State(Ids.GTC, "data"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def preview(_n, trade_id, quantity, price, effect, gtc, version):
        try:
            ticket = prepare_close(
                ctx.journal,
                ctx.guard,
                trade_id,
                quantity=quantity,
                price=price,
                effect=effect,
                at_profit_target=bool(gtc),
            )
        except CloseTicketError as error:
            return _warning(f"Cannot close: {error}"), None, version
        answer, intent = preview_close(ctx.guard, ticket)
        return show_preview(answer), ctx.previews.keep(answer, intent), version + 1

    @app.callback(
        Output(Ids.PLACE, "disabled"),
        Input(Ids.PREVIEW_REF, "data"),
        Input(Ids.CONFIRM, "value"),
    )
    def place_allowed(reference, confirmed):
        return not (reference and confirmed)

    @app.callback(
        Output(Ids.WORKING_ACTIONS, "hidden"),
        Input(Ids.WORKING, "data"),
    )
    def working_actions(working):
        return not working

    @app.callback(
        Output(Ids.RESULT, "children", allow_duplicate=True),
        Output(Ids.PREVIEW_REF, "data", allow_duplicate=True),
        Output(Ids.CONFIRM, "value"),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Output(Ids.WORKING, "data", allow_duplicate=True),
        Input(Ids.PLACE, "n_clicks"),
        State(Ids.PREVIEW_REF, "data"),
        State(Ids.CONFIRM, "value"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def place(_n, reference, confirmed, version):
        pending = ctx.previews.take(reference) if reference and confirmed else None
        if pending is None:
            message = "Preview the close again: a confirmation is good for one order, once."
            return _warning(message), None, False, version, None
        token, intent = pending
        placement = ctx.guard.place(token, intent=intent, confirmed_by_person=True)
        return show_placement(placement), None, False, version + 1, _working(placement)

    @app.callback(
        Output(Ids.RESULT, "children", allow_duplicate=True),
        Output(Ids.WORKING, "data", allow_duplicate=True),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(Ids.RECONCILE, "n_clicks"),
        Input(Ids.CANCEL, "n_clicks"),
        State(Ids.WORKING, "data"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def follow_up(_check, _cancel, working, version):
        if not working:
            return None, None, version
        if callback_ctx.triggered_id == Ids.CANCEL:
            result = ctx.guard.cancel(working["order_id"], correlation_id=working["correlation"])
            color = "danger" if result.outcome.refused else "secondary"
            return dbc.Alert(result.message, color=color, className="py-1"), None, version + 1
        placement = ctx.guard.reconcile(working["correlation"])
        return show_placement(placement), _working(placement), version + 1

    roll_panel.register(app, ctx, Ids)
