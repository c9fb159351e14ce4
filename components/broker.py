"""Broker card: requested mode, credential notes and `.env` hygiene warnings."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components import preflight_panel
from components.card import cockpit_card, not_built_yet
from components.context import CockpitContext
from utils.config import credential_notes
from utils.env_hygiene import check_env_hygiene

CARD_ID = "card-broker"


def _requested_mode(ctx: CockpitContext) -> str:
    settings = ctx.settings
    mode = "LIVE" if settings.use_live else "SANDBOX/SIM"
    return f"{mode}{' (dry-run)' if settings.always_dry_run else ''}"


def layout(ctx: CockpitContext) -> dbc.Card:
    """Requested mode from `.env`, plus every warning about credentials and hygiene."""
    warnings = [w.message for w in check_env_hygiene(ctx.root)] + credential_notes(ctx.settings)
    return cockpit_card(
        CARD_ID,
        "Broker",
        [
            html.P(["Requested in .env: ", html.Strong(_requested_mode(ctx))]),
            not_built_yet("the broker guard; no order can be sent"),
            *[dbc.Alert(text, color="warning", className="py-1 mt-2 mb-0") for text in warnings],
            preflight_panel.layout(),
        ],
    )


def register(app, ctx: CockpitContext) -> None:
    """The Broker card's callbacks."""
    preflight_panel.register(app, ctx)
