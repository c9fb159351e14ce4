"""The Order ticket's chain: expirations (with DTE) from the broker's option chain, strikes picked
for the structure, the legs' bid/ask/mid and the limit prefilled at the net mid, "Refresh quotes".

Every field stays typeable: the chain fills them, the trader may overwrite them, and when the
broker has no chain or no quotes the ticket says so and the typed values are used. The limit is
set to the net mid only by the chain's own pick and by "Refresh quotes": a typed price is never
overwritten by a quote arriving later (typed strikes show their mid beside it).
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html, no_update
from dash import ctx as callback_ctx

from components.cards.ticket_ids import Ids
from components.cards.ticket_views import leg_quotes, listed_strikes_hint
from components.context import CockpitContext
from utils.broker.ticket_market import TicketMarket
from utils.spreads.chain import MarketGap, OptionChain
from utils.spreads.market_events import UnderlyingEvents

MUTED = "small text-muted"


def chain_controls() -> list:
    """The expiration picker, the "Refresh quotes" button and the chain's status lines."""
    return [
        dcc.Store(id=Ids.MARKET, data=None),
        dcc.Store(id=Ids.PICKED, data=None),
        dbc.Col(
            [
                dbc.Label("Expiration from the chain", className="small mb-0"),
                dbc.Select(id=Ids.EXPIRATION_PICK, size="sm", options=[]),
            ],
            md=4,
            className="mb-2",
        ),
    ]


def quote_panel() -> html.Div:
    """Where the chain's, the pick's and the quotes' status and the legs' quotes appear."""
    return html.Div(
        [
            dbc.Button("Refresh quotes", id=Ids.REFRESH_QUOTES, size="sm", color="secondary"),
            html.Span(id=Ids.CHAIN_STATUS, className=f"{MUTED} ms-2"),
            html.Div(id=Ids.PICK_STATUS, className=MUTED),
            html.Div(id=Ids.QUOTE_STATUS, className="small"),
            html.Div(id=Ids.LEG_QUOTES),
        ],
        className="mb-2",
    )


def market_of(data: dict | None) -> tuple[OptionChain | None, UnderlyingEvents | None]:
    """The chain and the underlying's events the page holds (None when it holds none)."""
    if not data or not data.get("chain"):
        return None, None
    events = data.get("events")
    return (
        OptionChain.model_validate(data["chain"]),
        None if events is None else UnderlyingEvents.model_validate(events),
    )


def _volatility_pct(volatility: float | None, unknown):
    return unknown if volatility is None else f"{volatility * 100:.1f}"


def register(app: Dash, ctx: CockpitContext) -> None:
    """Chain on a new underlying; strikes on a new expiration or structure; quotes on new legs
    or on "Refresh quotes"."""
    desk = TicketMarket(ctx.guard.market_client)

    @app.callback(
        Output(Ids.MARKET, "data"),
        Output(Ids.EXPIRATION_PICK, "options"),
        Output(Ids.EXPIRATION_PICK, "value"),
        Output(Ids.CHAIN_STATUS, "children"),
        Input(Ids.UNDERLYING, "value"),
    )
    def load_chain(underlying):
        chain = desk.chain(underlying)
        if isinstance(chain, MarketGap):
            return None, [], None, chain.sentence
        events = desk.events(chain.underlying)
        options = [{"label": e.label, "value": e.expiration.isoformat()} for e in chain.expirations]
        proposed = chain.proposed(ctx.clock().date())
        data = {
            "chain": chain.model_dump(mode="json"),
            "events": None if events is None else events.model_dump(mode="json"),
        }
        status = f"{chain.underlying}: {len(chain.expirations)} expirations listed by the broker."
        return data, options, proposed.expiration.isoformat(), status

    @app.callback(
        Output(Ids.EXPIRATION, "value"),
        Input(Ids.EXPIRATION_PICK, "value"),
        prevent_initial_call=True,
    )
    def apply_expiration(picked):
        return picked or no_update

    @app.callback(
        Output(Ids.STRIKES, "value"),
        Output(Ids.PICKED, "data"),
        Output(Ids.PICK_STATUS, "children"),
        Input(Ids.EXPIRATION_PICK, "value"),
        Input(Ids.STRUCTURE, "value"),
        Input(Ids.MARKET, "data"),
        State(Ids.EXPIRATION, "value"),
        prevent_initial_call=True,
    )
    def pick_strikes(picked_expiration, structure, market, typed_expiration):
        chain, _ = market_of(market)
        if chain is None:
            return no_update, None, None
        # a new structure keeps a typed listed expiration; a new chain or pick uses the pick
        structure_only = set(callback_ctx.triggered_prop_ids) == {f"{Ids.STRUCTURE}.value"}
        keep_typed = structure_only and chain.listed(typed_expiration) is not None
        expiration = typed_expiration if keep_typed else picked_expiration
        picked = desk.pick(structure, chain, expiration)
        if isinstance(picked, MarketGap):
            listed = chain.listed(expiration)
            hint = listed_strikes_hint(listed.strikes, chain.spot) if listed else ""
            return no_update, None, f"{picked.sentence} {hint}".strip()
        return picked.text, picked.text, picked.sentence

    @app.callback(
        Output(Ids.LEG_QUOTES, "children"),
        Output(Ids.QUOTE_STATUS, "children"),
        Output(Ids.PRICE, "value"),
        Output(Ids.UNDERLYING_PRICE, "value"),
        Output(Ids.IMPLIED_VOLATILITY, "value"),
        Input(Ids.STRIKES, "value"),
        Input(Ids.EXPIRATION, "value"),
        Input(Ids.STRUCTURE, "value"),
        Input(Ids.REFRESH_QUOTES, "n_clicks"),
        Input(Ids.UNDERLYING, "value"),
        State(Ids.MARKET, "data"),
        State(Ids.PICKED, "data"),
        prevent_initial_call=True,
    )
    def quote_legs(strikes, expiration, structure, _refresh, underlying, market, picked):
        chain, _ = market_of(market)
        quoted = desk.quote_ticket(
            underlying=underlying,
            structure=structure,
            expiration=expiration,
            strikes=strikes,
            chain=chain,
        )
        fired = set(callback_ctx.triggered_prop_ids)
        # another underlying makes the last one's price, IV and limit stale: blank them
        unknown = "" if f"{Ids.UNDERLYING}.value" in fired else no_update
        spot = unknown if quoted.spot is None else str(quoted.spot)
        if quoted.gap is not None:
            status = dbc.Alert(quoted.gap.sentence, color="warning", className="py-1 mb-1")
            return None, status, unknown, spot, unknown
        if quoted.price is None:
            return None, None, unknown, spot, unknown
        price = quoted.price
        if quoted.wrong_way:
            status = dbc.Alert(quoted.wrong_way, color="warning", className="py-1 mb-1")
            return leg_quotes(price), status, "", spot, _volatility_pct(price.volatility, unknown)
        refreshed = f"{Ids.REFRESH_QUOTES}.n_clicks" in fired
        prefill = refreshed or (f"{Ids.STRIKES}.value" in fired and strikes == picked)
        effect = f"{price.price_effect.value.lower()}, tick {price.tick}"
        if prefill:
            text = f"Limit prefilled at the net mid {price.limit} ({effect}); type another price "
            text += "to work the order."
        else:
            text = f"Net mid {price.limit} ({effect}); Refresh quotes sets the limit to it."
        return (
            leg_quotes(price),
            html.Span(text, className=MUTED),
            str(price.limit) if prefill else unknown,
            spot,
            _volatility_pct(price.volatility, unknown),
        )
