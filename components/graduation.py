"""Graduation card: are the checklist's gates met (section 0)?"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components.card import cockpit_card, not_built_yet
from components.context import CockpitContext
from utils.ci_status import ci_status

CARD_ID = "card-graduation"


def layout(ctx: CockpitContext) -> dbc.Card:
    """The gates known so far, each with its evidence."""
    ci = ci_status(ctx.root, ctx.settings.data_dir)
    return cockpit_card(
        CARD_ID,
        "Graduation",
        [
            html.P(
                [
                    dbc.Badge(
                        "PASS" if ci.green else "FAIL", color="success" if ci.green else "danger"
                    ),
                    " CI green: ",
                    ci.message,
                ]
            ),
            not_built_yet("the trade, session, expectancy and discipline gates"),
        ],
    )
