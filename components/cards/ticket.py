"""Order ticket card: build a spread, see its risk and payoff, preview and place it."""

from __future__ import annotations

import uuid

import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Dash, Input, Output, State, dcc, html
from dash import ctx as callback_ctx

from components.card import cockpit_card, order_controls
from components.cards import exit_plan, ticket_chain
from components.cards.ticket_ids import Ids
from components.cards.ticket_preview import place_blocker, show_placement, show_preview
from components.cards.ticket_views import no_payoff_figure, odds, payoff_figure, summary
from components.context import CockpitContext
from components.signals import JOURNAL_CHANGED
from utils.broker.models import TradePlan
from utils.broker.order_intent import OrderIntent
from utils.broker.playbook_plan import plan_with_playbook
from utils.journal.errors import JournalError
from utils.spreads.expirations import default_expiration
from utils.spreads.market_events import events_inside
from utils.spreads.probability import DEFAULT_VOLATILITY
from utils.spreads.spread import Spread
from utils.spreads.ticket import STRUCTURES, TicketError, build_ticket_spread, parse_amount
from utils.spreads.ticket_odds import estimate_ticket_odds

__all__ = ["FORM_FIELDS", "Ids", "layout", "register", "show_placement", "spread_from_form"]

# The fields that describe the spread, in `spread_from_form` order (the Journal card reuses them).
FORM_FIELDS = (Ids.UNDERLYING, Ids.STRUCTURE, Ids.EXPIRATION, Ids.STRIKES, Ids.QUANTITY, Ids.PRICE)
FORM_NAMES = ("underlying", "structure", "expiration", "strikes", "quantity", "limit_price")
# Every input whose change makes a shown preview and confirmation stale.
TICKET_INPUTS = (
    *FORM_FIELDS,
    Ids.TARGET,
    Ids.STOP,
    Ids.UNDERLYING_PRICE,
    Ids.IMPLIED_VOLATILITY,
    exit_plan.Ids.TICKET_PLAYBOOK,
)


def _field(label: str, field_id: str, **input_props) -> dbc.Col:
    control = dbc.Input(id=field_id, size="sm", **input_props)
    return dbc.Col([dbc.Label(label, className="small mb-0"), control], md=4, className="mb-2")


def _select(label: str, field_id: str, value: str, options: list) -> dbc.Col:
    control = dbc.Select(id=field_id, value=value, size="sm", options=options)
    return dbc.Col([dbc.Label(label, className="small mb-0"), control], md=4, className="mb-2")


def form(ctx: CockpitContext) -> html.Div:
    """The ticket's inputs: underlying, then the chain's expirations, structure, strikes and
    price (all typeable), with the odds inputs and the exit plan."""
    expiration = default_expiration(ctx.clock().date()).isoformat()
    structures = [{"label": choice.label, "value": key} for key, (choice, _) in STRUCTURES.items()]
    return html.Div(
        [
            dbc.Row(
                [
                    _field("Underlying", Ids.UNDERLYING, value="SPY", debounce=True),
                    *ticket_chain.chain_controls(),
                    _select("Structure", Ids.STRUCTURE, "bull_put", structures),
                    _field("Expiration (YYYY-MM-DD)", Ids.EXPIRATION, value=expiration),
                    _field("Strikes (increasing) or legs", Ids.STRIKES, value="", debounce=True),
                    _field("Quantity", Ids.QUANTITY, type="number", value=1, step=1),
                    _field("Limit price (per share)", Ids.PRICE, value="", debounce=True),
                    _field(
                        "Underlying price (for the odds)",
                        Ids.UNDERLYING_PRICE,
                        debounce=True,
                        placeholder="e.g. 560.00",
                    ),
                    _field(
                        "Implied volatility (%): the legs' mean when quoted",
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
            ticket_chain.quote_panel(),
        ]
    )


def actions() -> html.Div:
    """Preview (dry-run), the person's confirmation of that exact order with its countdown, and
    Place order with why it is disabled."""
    return html.Div(
        [
            dcc.Store(id=Ids.PREVIEW_REF, data=None),
            dcc.Store(id=Ids.PLACE_STATE, data=None),
            dcc.Store(id=Ids.DEADLINE, data=None),
            dcc.Interval(id=Ids.COUNTDOWN_TICK, interval=1000, disabled=True),
            *order_controls(
                (Ids.PREVIEW, Ids.CONFIRM, Ids.PLACE),
                (
                    "Preview (dry-run)",
                    "I confirm this exact order (legs, quantity, price, account)",
                    "Place order",
                ),
            ),
            html.Span(id=Ids.COUNTDOWN, className="small fw-bold ms-2"),
            html.Div("Preview first", id=Ids.PLACE_WHY, className="small text-muted"),
            dcc.Loading(html.Div(id=Ids.RESULT, className="mt-2")),
        ],
        className="mt-2",
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
                    dbc.Col(
                        dcc.Graph(
                            id=Ids.PAYOFF,
                            figure=no_payoff_figure("the ticket is being filled"),
                            config={"displayModeBar": False},
                        ),
                        md=7,
                    ),
                ]
            ),
            actions(),
        ],
    )


def spread_from_form(*values) -> Spread:
    """The spread the ticket's fields (in `FORM_FIELDS` order) describe; TicketError if none."""
    return build_ticket_spread(**dict(zip(FORM_NAMES, values)))


def _hint(structure: str | None) -> str:
    choice = STRUCTURES[structure][0] if structure in STRUCTURES else None
    if choice is None:
        return ""
    what = "Legs" if choice.custom else "Strikes"
    return f"{what}: {', '.join(choice.strikes)}; price is a {choice.price_effect.lower()}."


def register(app: Dash, ctx: CockpitContext) -> None:
    """Recompute the spread whenever a field changes; forget a preview the change made stale."""
    ticket_chain.register(app, ctx)

    @app.callback(
        Output(Ids.SUMMARY, "children"),
        Output(Ids.PAYOFF, "figure"),
        Output(Ids.STRIKES_HINT, "children"),
        *[Input(field, "value") for field in FORM_FIELDS],
        State(Ids.MARKET, "data"),
    )
    def analyse(underlying, structure, expiration, strikes, quantity, price, market):
        hint = _hint(structure)
        try:
            spread = spread_from_form(underlying, structure, expiration, strikes, quantity, price)
        except TicketError as error:
            picking = callback_ctx.triggered_id == Ids.STRUCTURE and market
            # the chain's strikes for the new structure are on their way: no stale error
            text = "Picking the strikes from the chain…" if picking else str(error)
            alert = dbc.Alert(text, color="info" if picking else "warning", className="py-1")
            return alert, no_payoff_figure(text), hint
        return summary(spread), payoff_figure(spread), hint

    @app.callback(
        Output(Ids.ODDS, "children"),
        *[Input(field, "value") for field in FORM_FIELDS],
        Input(Ids.UNDERLYING_PRICE, "value"),
        Input(Ids.IMPLIED_VOLATILITY, "value"),
        Input(Ids.MARKET, "data"),
    )
    def estimate(underlying, structure, expiration, strikes, quantity, price, spot, iv, market):
        try:
            spread = spread_from_form(underlying, structure, expiration, strikes, quantity, price)
        except TicketError:
            return None  # the summary beside it already says what to fix
        now = ctx.clock()
        _, events = ticket_chain.market_of(market)
        same = events is not None and events.symbol == spread.underlying
        warnings = events_inside(events, now.date(), spread.expiration) if same else ()
        found = estimate_ticket_odds(
            spread, underlying_price=spot, implied_volatility_pct=iv, now=now
        )
        return odds(found, events if same else None, warnings)

    @app.callback(
        Output(Ids.RESULT, "children", allow_duplicate=True),
        Output(Ids.PREVIEW_REF, "data", allow_duplicate=True),
        Output(Ids.CONFIRM, "value", allow_duplicate=True),
        Output(Ids.PLACE_STATE, "data", allow_duplicate=True),
        *[Input(field, "value") for field in TICKET_INPUTS],
        prevent_initial_call=True,
    )
    def forget_preview(*_changed):
        return None, None, False, None

    @app.callback(
        Output(Ids.RESULT, "children"),
        Output(Ids.PREVIEW_REF, "data"),
        Output(Ids.PLACE_STATE, "data"),
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
            return dbc.Alert(str(error), color="warning", className="py-1"), None, None, v
        intent = OrderIntent(spread=spread, client_order_id=f"ticket-{uuid.uuid4().hex[:16]}")
        answer = ctx.guard.preview(intent, plan=plan)
        reference = ctx.previews.keep(answer, intent)
        state = {
            "ref": reference or answer.correlation_id,
            "why": place_blocker(answer),
            "ttl_s": ctx.settings.confirmation_ttl_s,
        }
        # a refused preview may have raised a HIGH alert: refresh the judging cards
        return show_preview(answer), reference, state, v + 1

    app.clientside_callback(
        ClientsideFunction(namespace="ticket", function_name="placeState"),
        Output(Ids.PLACE, "disabled"),
        Output(Ids.PLACE_WHY, "children"),
        Output(Ids.COUNTDOWN, "children"),
        Output(Ids.DEADLINE, "data"),
        Output(Ids.COUNTDOWN_TICK, "disabled"),
        Input(Ids.PLACE_STATE, "data"),
        Input(Ids.CONFIRM, "value"),
        Input(Ids.COUNTDOWN_TICK, "n_intervals"),
        State(Ids.DEADLINE, "data"),
    )

    @app.callback(
        Output(Ids.RESULT, "children", allow_duplicate=True),
        Output(Ids.PREVIEW_REF, "data", allow_duplicate=True),
        Output(Ids.CONFIRM, "value", allow_duplicate=True),
        Output(Ids.PLACE_STATE, "data", allow_duplicate=True),
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
            return alert, None, False, None, version
        token, intent = pending
        placement = ctx.guard.place(token, intent=intent, confirmed_by_person=True)
        return show_placement(placement), None, False, None, version + 1
