"""One reading of the evidence feeds every card that judges: Graduation, Discipline, Expectancy.

Cards that change the journal (ticket, journal, import) bump the `JOURNAL_CHANGED` store; a
minute's tick refreshes the rest (halts expiring, CI records written by `make test`).
"""

from __future__ import annotations

import logging

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from components import discipline, expectancy, graduation
from components.context import CockpitContext

JOURNAL_CHANGED = "journal-changed"
TICK = "evidence-tick"
log = logging.getLogger("cockpit")


def layout() -> html.Div:
    """The hidden store and timer that drive the refresh."""
    return html.Div([dcc.Store(id=JOURNAL_CHANGED, data=0), dcc.Interval(id=TICK, interval=60_000)])


def failure(what: str, error: Exception) -> dbc.Alert:
    """What a card shows instead of going blank when its data cannot be read."""
    return dbc.Alert(
        [
            html.Strong(f"Could not {what}: "),
            f"{error.__class__.__name__}: {error}",
            html.Div(
                "Check the data folder and the logs, then reload the page.", className="small"
            ),
        ],
        color="danger",
    )


def register(app: Dash, ctx: CockpitContext) -> None:
    """Gather the evidence once and render each judging card from it."""

    @app.callback(
        Output(graduation.BODY, "children"),
        Output(discipline.BODY, "children"),
        Output(expectancy.BODY, "children"),
        Input(JOURNAL_CHANGED, "data"),
        Input(TICK, "n_intervals"),
        Input(expectancy.UNIT, "value"),
    )
    def refresh(_changed, _tick, unit):
        try:
            evidence = ctx.evidence()
        except Exception as error:  # shown on the cards, logged, never a blank page
            log.exception("reading the evidence failed")
            shown = failure("read the journal and the gates", error)
            return shown, shown, shown
        settings = ctx.settings
        return (
            graduation.render(evidence),
            discipline.render(
                evidence, settings.gate_min_discipline, settings.ramp_week2_min_discipline
            ),
            expectancy.render(evidence, unit or "USD"),
        )
