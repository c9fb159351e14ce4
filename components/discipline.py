"""Discipline card."""

from __future__ import annotations

import dash_bootstrap_components as dbc

from components.card import cockpit_card, not_built_yet
from components.context import CockpitContext

CARD_ID = "card-discipline"


def layout(ctx: CockpitContext) -> dbc.Card:
    """The Discipline card."""
    return cockpit_card(
        CARD_ID, "Discipline", [not_built_yet("the discipline score (it needs the journal)")]
    )
