"""Export card: the compliance snapshot CSV (checklist section 3)."""

from __future__ import annotations

import dash_bootstrap_components as dbc

from components.card import cockpit_card, not_built_yet
from components.context import CockpitContext

CARD_ID = "card-export"


def layout(ctx: CockpitContext) -> dbc.Card:
    """The Export card with its (not yet active) button."""
    return cockpit_card(
        CARD_ID,
        "Export",
        [
            dbc.Button("Export Compliance CSV", disabled=True, className="mb-2"),
            not_built_yet("the compliance snapshot"),
        ],
    )
