"""Alerts card."""

from __future__ import annotations

import dash_bootstrap_components as dbc

from components.card import cockpit_card, not_built_yet
from components.context import CockpitContext

CARD_ID = "card-alerts"


def layout(ctx: CockpitContext) -> dbc.Card:
    """The Alerts card."""
    return cockpit_card(CARD_ID, "Alerts", [not_built_yet("HIGH alerts and the 24 h halt")])
