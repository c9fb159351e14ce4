"""One reading of the evidence feeds every card that judges: Graduation, Discipline, Expectancy.

Cards that change the journal (ticket, journal, import) bump the `JOURNAL_CHANGED` store; a
minute's tick refreshes the rest (halts expiring, CI records written by `make test`).
"""

from __future__ import annotations

import logging

from dash import Dash, Input, Output

from components.card import failure
from components.cards import broker, discipline, expectancy, graduation
from components.context import CockpitContext
from components.signals import JOURNAL_CHANGED, TICK

log = logging.getLogger("cockpit")


def register(app: Dash, ctx: CockpitContext) -> None:
    """Gather the evidence once and render each judging card from it."""

    @app.callback(
        Output(graduation.Ids.BODY, "children"),
        Output(discipline.Ids.BODY, "children"),
        Output(expectancy.Ids.BODY, "children"),
        Output(broker.Ids.MODE_BODY, "children"),
        Input(JOURNAL_CHANGED, "data"),
        Input(TICK, "n_intervals"),
        Input(expectancy.Ids.UNIT, "value"),
    )
    def refresh(_changed, _tick, unit):
        try:
            evidence = ctx.evidence()
        except Exception as error:  # shown on the cards, logged, never a blank page
            log.exception("reading the evidence failed")
            shown = failure("read the journal and the gates", error)
            return shown, shown, shown, broker.render_mode_placeholder(shown)
        settings = ctx.settings
        return (
            graduation.render(evidence),
            discipline.render(
                evidence, settings.gate_min_discipline, settings.ramp_week2_min_discipline
            ),
            expectancy.render(evidence, unit or "USD"),
            broker.mode_body(evidence, ctx),
        )
