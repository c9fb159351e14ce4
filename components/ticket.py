"""Order ticket card: build a spread, see its risk and payoff, preview and place it."""

from __future__ import annotations

from datetime import date, timedelta

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

from components.card import cockpit_card
from components.context import CockpitContext
from components.formatting import usd
from utils.spreads import Spread
from utils.ticket import STRUCTURES, TicketError, build_ticket_spread

CARD_ID = "card-ticket"
UNDERLYING = "ticket-underlying"
STRUCTURE = "ticket-structure"
EXPIRATION = "ticket-expiration"
STRIKES = "ticket-strikes"
STRIKES_HINT = "ticket-strikes-hint"
QUANTITY = "ticket-quantity"
PRICE = "ticket-price"
SUMMARY = "ticket-summary"
PAYOFF = "ticket-payoff"


def default_expiration(today: date) -> date:
    """The third Friday about a month out: a common 30-45 DTE entry."""
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first + timedelta(days=(4 - first.weekday()) % 7 + 14)


def _field(label: str, control) -> dbc.Col:
    return dbc.Col([dbc.Label(label, className="small mb-0"), control], md=4, className="mb-2")


def form(ctx: CockpitContext) -> html.Div:
    """The ticket's inputs with sensible defaults (a SPY bull put one month out)."""
    today = ctx.clock().date()
    return html.Div(
        [
            dbc.Row(
                [
                    _field("Underlying", dbc.Input(id=UNDERLYING, value="SPY", size="sm")),
                    _field(
                        "Structure",
                        dbc.Select(
                            id=STRUCTURE,
                            value="bull_put",
                            size="sm",
                            options=[
                                {"label": choice.label, "value": key}
                                for key, (choice, _) in STRUCTURES.items()
                            ],
                        ),
                    ),
                    _field(
                        "Expiration",
                        dbc.Input(
                            id=EXPIRATION,
                            type="date",
                            value=default_expiration(today).isoformat(),
                            size="sm",
                        ),
                    ),
                    _field(
                        "Strikes (increasing)",
                        dbc.Input(id=STRIKES, value="570, 575", size="sm", debounce=True),
                    ),
                    _field(
                        "Quantity", dbc.Input(id=QUANTITY, type="number", value=1, min=1, size="sm")
                    ),
                    _field(
                        "Limit price (per share)",
                        dbc.Input(id=PRICE, value="1.20", size="sm", debounce=True),
                    ),
                ]
            ),
            html.Div(id=STRIKES_HINT, className="small text-muted mb-2"),
        ]
    )


def summary(spread: Spread) -> html.Div:
    """Legs, max profit, max loss (1R), breakevens and the buying power it needs."""
    breakevens = ", ".join(f"{b:g}" for b in spread.breakevens) or "-"
    facts = [
        ("Structure", spread.structure.label),
        ("Max profit", usd(spread.max_profit_usd)),
        ("Max loss (1R)", usd(spread.max_loss_usd)),
        ("Breakevens", breakevens),
        ("Buying power (before fees)", usd(spread.buying_power_usd())),
        ("Defined risk", "yes" if spread.is_defined_risk else spread.proof.sentence),
    ]
    return html.Div(
        [
            html.Ul([html.Li(leg.describe()) for leg in spread.legs], className="small mb-2"),
            dbc.Table(
                html.Tbody([html.Tr([html.Th(k), html.Td(v)]) for k, v in facts]),
                size="sm",
                className="small mb-0",
            ),
        ]
    )


def payoff_figure(spread: Spread) -> go.Figure:
    """Expiration P/L against the underlying price, with breakevens marked."""
    points = spread.payoff_curve()
    figure = go.Figure(
        go.Scatter(
            x=[float(p.underlying_price) for p in points],
            y=[float(p.pl_usd) for p in points],
            mode="lines",
            name="P/L at expiration",
            hovertemplate="price %{x}<br>P/L $%{y:,.2f}<extra></extra>",
        )
    )
    figure.add_hline(y=0, line_color="grey", line_width=1)
    for breakeven in spread.breakevens:
        figure.add_vline(x=float(breakeven), line_dash="dot", line_color="orange")
    strikes = [float(leg.strike) for leg in spread.legs]
    span = max(strikes) - min(strikes) or max(strikes) * 0.05
    figure.update_xaxes(range=[min(strikes) - span, max(strikes) + span], title="underlying")
    figure.update_yaxes(title="P/L ($)")
    figure.update_layout(height=240, margin=dict(l=40, r=10, t=10, b=40), showlegend=False)
    return figure


def layout(ctx: CockpitContext) -> dbc.Card:
    """The ticket: form, risk summary and payoff diagram."""
    return cockpit_card(
        CARD_ID,
        "Order ticket",
        [
            form(ctx),
            dbc.Row(
                [
                    dbc.Col(html.Div(id=SUMMARY), md=5),
                    dbc.Col(dcc.Graph(id=PAYOFF, config={"displayModeBar": False}), md=7),
                ]
            ),
        ],
    )


def register(app: Dash, ctx: CockpitContext) -> None:
    """Recompute the spread whenever a field changes."""

    @app.callback(
        Output(SUMMARY, "children"),
        Output(PAYOFF, "figure"),
        Output(STRIKES_HINT, "children"),
        Input(UNDERLYING, "value"),
        Input(STRUCTURE, "value"),
        Input(EXPIRATION, "value"),
        Input(STRIKES, "value"),
        Input(QUANTITY, "value"),
        Input(PRICE, "value"),
    )
    def analyse(underlying, structure, expiration, strikes, quantity, price):
        choice = STRUCTURES[structure][0] if structure in STRUCTURES else None
        hint = (
            f"Strikes: {', '.join(choice.strikes)}; price is a {choice.price_effect.lower()}."
            if choice
            else ""
        )
        try:
            spread = build_ticket_spread(
                underlying=underlying,
                structure=structure,
                expiration=expiration,
                strikes=strikes,
                quantity=quantity,
                limit_price=price,
            )
        except TicketError as error:
            return dbc.Alert(str(error), color="warning", className="py-1"), go.Figure(), hint
        return summary(spread), payoff_figure(spread), hint
