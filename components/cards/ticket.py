"""Order ticket card: build a spread, see its risk and payoff, preview and place it."""

from __future__ import annotations

import uuid

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import Dash, Input, Output, State, dcc, html

from components.card import cockpit_card
from components.cards import exit_plan
from components.context import CockpitContext
from components.formatting import usd
from components.signals import JOURNAL_CHANGED
from utils.broker.models import (
    Placement,
    Preview,
    PreviewOutcome,
    TradePlan,
)
from utils.broker.order_intent import OrderIntent
from utils.broker.playbook_plan import plan_with_playbook
from utils.journal.errors import JournalError
from utils.spreads.expirations import default_expiration
from utils.spreads.spread import Spread
from utils.spreads.probability import DEFAULT_VOLATILITY
from utils.spreads.ticket_odds import (
    ODDS_FORMULA,
    OddsEstimate,
    OddsGap,
    estimate_ticket_odds,
)
from utils.spreads.ticket import STRUCTURES, TicketError, build_ticket_spread, parse_amount


class Ids:
    """Every id the Order ticket card puts on the page."""

    CARD = "card-ticket"
    UNDERLYING = "ticket-underlying"
    STRUCTURE = "ticket-structure"
    EXPIRATION = "ticket-expiration"
    STRIKES = "ticket-strikes"
    STRIKES_HINT = "ticket-strikes-hint"
    QUANTITY = "ticket-quantity"
    PRICE = "ticket-price"
    UNDERLYING_PRICE = "ticket-underlying-price"
    IMPLIED_VOLATILITY = "ticket-implied-volatility"
    SUMMARY = "ticket-summary"
    ODDS = "ticket-odds"
    PAYOFF = "ticket-payoff"
    TARGET = "ticket-target"
    STOP = "ticket-stop"
    PREVIEW = "ticket-preview"
    CONFIRM = "ticket-confirm"
    PLACE = "ticket-place"
    PREVIEW_REF = "ticket-preview-ref"
    RESULT = "ticket-result"
    OUTCOME = "ticket-outcome"
    MESSAGE = "ticket-message"
    WHAT_IF = "ticket-what-if"
    CHECKS = "ticket-checks"
    PLACEMENT = "ticket-placement"


# The fields that describe the spread, in `spread_from_form` order (the Journal card reuses them).
FORM_FIELDS = (Ids.UNDERLYING, Ids.STRUCTURE, Ids.EXPIRATION, Ids.STRIKES, Ids.QUANTITY, Ids.PRICE)
FORM_NAMES = ("underlying", "structure", "expiration", "strikes", "quantity", "limit_price")
OUTCOME_COLORS = {
    PreviewOutcome.REFUSED: "danger",
    PreviewOutcome.BLOCKED_BY_DRY_RUN: "info",
    PreviewOutcome.READY_TO_CONFIRM: "success",
}


def _field(label: str, field_id: str, **input_props) -> dbc.Col:
    control = dbc.Input(id=field_id, size="sm", **input_props)
    return dbc.Col([dbc.Label(label, className="small mb-0"), control], md=4, className="mb-2")


def form(ctx: CockpitContext) -> html.Div:
    """The ticket's inputs with sensible defaults (a SPY bull put one month out)."""
    expiration = default_expiration(ctx.clock().date()).isoformat()
    structures = [{"label": choice.label, "value": key} for key, (choice, _) in STRUCTURES.items()]
    structure = dbc.Select(id=Ids.STRUCTURE, value="bull_put", size="sm", options=structures)
    return html.Div(
        [
            dbc.Row(
                [
                    _field("Underlying", Ids.UNDERLYING, value="SPY"),
                    dbc.Col(
                        [dbc.Label("Structure", className="small mb-0"), structure],
                        md=4,
                        className="mb-2",
                    ),
                    _field("Expiration", Ids.EXPIRATION, type="date", value=expiration),
                    _field("Strikes (increasing)", Ids.STRIKES, value="520, 525", debounce=True),
                    _field("Quantity", Ids.QUANTITY, type="number", value=1, min=1),
                    _field("Limit price (per share)", Ids.PRICE, value="1.00", debounce=True),
                    _field(
                        "Underlying price (for the odds)",
                        Ids.UNDERLYING_PRICE,
                        debounce=True,
                        placeholder="e.g. 560.00",
                    ),
                    _field(
                        "Implied volatility (%)",
                        Ids.IMPLIED_VOLATILITY,
                        debounce=True,
                        placeholder=f"blank: {DEFAULT_VOLATILITY:.0%} assumed",
                    ),
                    _field(
                        "Exit plan: profit target ($)",
                        Ids.TARGET,
                        placeholder="e.g. 50 % of max profit",
                    ),
                    _field("Exit plan: stop loss ($)", Ids.STOP, placeholder="e.g. 2x the credit"),
                    dbc.Col(
                        [
                            dbc.Label("Playbook (fills the blank plan)", className="small mb-0"),
                            exit_plan.ticket_playbook_select(ctx),
                        ],
                        md=4,
                        className="mb-2",
                    ),
                ]
            ),
            html.Div(id=Ids.STRIKES_HINT, className="small text-muted mb-2"),
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


def odds(estimate: OddsEstimate | OddsGap) -> html.Div:
    """Probability of profit and expected value, marked as estimates, the formula in a tooltip;
    or why there is no estimate."""
    if isinstance(estimate, OddsGap):
        return html.Div(estimate.sentence, className="small text-muted")
    assumed = (
        " (assumed: no IV entered; the model's default)" if estimate.volatility_assumed else ""
    )
    facts = [
        ("Probability of profit", f"{estimate.probability_of_profit:.1%}"),
        ("Expected value", usd(estimate.expected_value_usd)),
    ]
    return html.Div(
        [
            dbc.Table(
                html.Tbody(
                    [
                        html.Tr(
                            [
                                html.Th(html.Abbr(f"{label} (estimate)", title=ODDS_FORMULA)),
                                html.Td(value),
                            ]
                        )
                        for label, value in facts
                    ]
                ),
                size="sm",
                className="small mb-0",
            ),
            html.Div(
                f"Estimate, before fees: lognormal model, underlying "
                f"{usd(estimate.underlying_price)}, IV {estimate.volatility:.1%}{assumed}, "
                f"{estimate.days:.1f} days to expiration.",
                className="small text-muted",
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


def actions() -> html.Div:
    """Preview (dry-run), the person's confirmation of that exact order, and Place order."""
    return html.Div(
        [
            dcc.Store(id=Ids.PREVIEW_REF, data=None),
            dbc.Button("Preview (dry-run)", id=Ids.PREVIEW, color="primary", size="sm"),
            dbc.Checkbox(
                id=Ids.CONFIRM,
                label="I confirm this exact order (legs, quantity, price, account)",
                value=False,
                className="d-inline-block ms-3 small",
            ),
            dbc.Button(
                "Place order",
                id=Ids.PLACE,
                color="danger",
                size="sm",
                disabled=True,
                className="ms-2",
            ),
            dcc.Loading(html.Div(id=Ids.RESULT, className="mt-2")),
        ],
        className="mt-2",
    )


def show_preview(preview: Preview) -> list:
    """The guard's answer: outcome, every pre-trade check, what the broker's dry-run said."""
    checks = []
    if preview.pretrade is not None:
        checks = [
            html.Tr(
                [
                    html.Td(
                        dbc.Badge(
                            "ok" if check.passed else "no",
                            color="success" if check.passed else "danger",
                        )
                    ),
                    html.Td(html.Code(check.code.value)),
                    html.Td(check.sentence),
                ]
            )
            for check in preview.pretrade.checks
        ]
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
                    id=Ids.WHAT_IF,
                ),
            ],
            color=OUTCOME_COLORS[preview.outcome],
            className="py-2 mb-1",
        ),
        html.Ul(reasons, className="small mb-1") if reasons else None,
        (
            html.Details(
                [
                    html.Summary(f"Pre-trade checks ({len(checks)})", className="small"),
                    dbc.Table(html.Tbody(checks), size="sm", className="small mb-0"),
                ],
                open=preview.outcome.refused,
                id=Ids.CHECKS,
            )
            if checks
            else None
        ),
    ]


def show_placement(placement: Placement) -> dbc.Alert:
    """What reached the broker and how it ended."""
    good = placement.outcome.accepted
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
        color="success" if good else "danger",
        className="py-2",
    )


def layout(ctx: CockpitContext) -> dbc.Card:
    """The ticket: form, risk summary, payoff diagram, and the guard's preview and placement."""
    return cockpit_card(
        Ids.CARD,
        "Order ticket",
        [
            form(ctx),
            dbc.Row(
                [
                    dbc.Col([html.Div(id=Ids.SUMMARY), html.Div(id=Ids.ODDS)], md=5),
                    dbc.Col(dcc.Graph(id=Ids.PAYOFF, config={"displayModeBar": False}), md=7),
                ]
            ),
            actions(),
        ],
    )


def spread_from_form(*values) -> Spread:
    """The spread the ticket's fields (in `FORM_FIELDS` order) describe; TicketError if none."""
    return build_ticket_spread(**dict(zip(FORM_NAMES, values)))


def register(app: Dash, ctx: CockpitContext) -> None:
    """Recompute the spread whenever a field changes."""

    @app.callback(
        Output(Ids.SUMMARY, "children"),
        Output(Ids.PAYOFF, "figure"),
        Output(Ids.STRIKES_HINT, "children"),
        Output(Ids.PREVIEW_REF, "data", allow_duplicate=True),
        *[Input(field, "value") for field in FORM_FIELDS],
        prevent_initial_call="initial_duplicate",
    )
    def analyse(underlying, structure, expiration, strikes, quantity, price):
        choice = STRUCTURES[structure][0] if structure in STRUCTURES else None
        hint = (
            f"Strikes: {', '.join(choice.strikes)}; price is a {choice.price_effect.lower()}."
            if choice
            else ""
        )
        try:
            spread = spread_from_form(underlying, structure, expiration, strikes, quantity, price)
        except TicketError as error:
            return (
                dbc.Alert(str(error), color="warning", className="py-1"),
                go.Figure(),
                hint,
                None,
            )
        return summary(spread), payoff_figure(spread), hint, None

    @app.callback(
        Output(Ids.ODDS, "children"),
        *[Input(field, "value") for field in FORM_FIELDS],
        Input(Ids.UNDERLYING_PRICE, "value"),
        Input(Ids.IMPLIED_VOLATILITY, "value"),
    )
    def estimate(underlying, structure, expiration, strikes, quantity, price, spot, iv):
        try:
            spread = spread_from_form(underlying, structure, expiration, strikes, quantity, price)
        except TicketError:
            return None  # the summary beside it already says what to fix
        return odds(
            estimate_ticket_odds(
                spread, underlying_price=spot, implied_volatility_pct=iv, now=ctx.clock()
            )
        )

    @app.callback(
        Output(Ids.RESULT, "children"),
        Output(Ids.PREVIEW_REF, "data"),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(Ids.PREVIEW, "n_clicks"),
        *[State(field, "value") for field in FORM_FIELDS],
        State(Ids.TARGET, "value"),
        State(Ids.STOP, "value"),
        State(exit_plan.Ids.TICKET_PLAYBOOK, "value"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def preview(
        _n, underlying, structure, expiration, strikes, quantity, price, target, stop, book, v
    ):
        try:
            spread = spread_from_form(underlying, structure, expiration, strikes, quantity, price)
            plan = TradePlan(
                profit_target_usd=parse_amount("profit target", target),
                stop_loss_usd=parse_amount("stop loss", stop),
            )
            if book:
                plan = plan_with_playbook(plan, ctx.journal.playbook(book), spread)
        except (TicketError, JournalError) as error:
            return dbc.Alert(str(error), color="warning", className="py-1"), None, v
        intent = OrderIntent(spread=spread, client_order_id=f"ticket-{uuid.uuid4().hex[:16]}")
        answer = ctx.guard.preview(intent, plan=plan)
        # a refused preview may have raised a HIGH alert: refresh the judging cards
        return show_preview(answer), ctx.previews.keep(answer, intent), v + 1

    @app.callback(
        Output(Ids.PLACE, "disabled"),
        Input(Ids.PREVIEW_REF, "data"),
        Input(Ids.CONFIRM, "value"),
    )
    def place_allowed(reference, confirmed):
        return not (reference and confirmed)

    @app.callback(
        Output(Ids.RESULT, "children", allow_duplicate=True),
        Output(Ids.PREVIEW_REF, "data", allow_duplicate=True),
        Output(Ids.CONFIRM, "value"),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(Ids.PLACE, "n_clicks"),
        State(Ids.PREVIEW_REF, "data"),
        State(Ids.CONFIRM, "value"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def place(_n, reference, confirmed, version):
        pending = ctx.previews.take(reference) if reference and confirmed else None
        if pending is None:
            message = "Preview the order again: a confirmation is good for one order, once."
            alert = dbc.Alert(message, color="warning", className="py-1")
            return alert, None, False, version
        token, intent = pending
        placement = ctx.guard.place(token, intent=intent, confirmed_by_person=True)
        return show_placement(placement), None, False, version + 1
