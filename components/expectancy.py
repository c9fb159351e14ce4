"""Expectancy card."""

from __future__ import annotations

import dash_bootstrap_components as dbc

from components.card import cockpit_card, not_built_yet
from components.context import CockpitContext

CARD_ID = "card-expectancy"


def layout(ctx: CockpitContext) -> dbc.Card:
    """The Expectancy card."""
    return cockpit_card(
        CARD_ID, "Expectancy", [not_built_yet("the expectancy figures (they need the journal)")]
    )
