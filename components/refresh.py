"""One reading of the evidence feeds every card that judges: Graduation, Discipline, Expectancy.

Cards that change the journal (ticket, journal, import) bump the `JOURNAL_CHANGED` store. A
minute's tick only asks whether the evidence version moved (another process's import, a halt
expiring, a CI record written by `make test`, a new session); the cards re-render when it did.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable

from dash import Dash, Input, Output, State, no_update

from components.card import failure
from components.cards import broker, discipline, expectancy, graduation
from components.context import CockpitContext
from components.signals import EVIDENCE_VERSION, JOURNAL_CHANGED, TICK
from utils.judge.evidence import CockpitEvidence

log = logging.getLogger("cockpit")


class RenderedCards:
    """The judging cards last rendered, reused while the reading and the unit are the same
    (tabs and timers asking again get the same cards without drawing the charts again). The
    reading is held weakly: a replaced reading is freed, never kept alive by its cards."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[weakref.ref[CockpitEvidence], str] | None = None
        self._cards: tuple = ()

    def of(self, evidence: CockpitEvidence, unit: str, render: Callable[[], tuple]) -> tuple:
        """`render()`'s cards for this reading and unit, drawn once."""
        with self._lock:
            key = self._key
            if key is None or key[0]() is not evidence or key[1] != unit:
                self._cards, self._key = render(), (weakref.ref(evidence), unit)
            return self._cards


def register(app: Dash, ctx: CockpitContext) -> None:
    """Gather the evidence once and render each judging card from it; poll its version."""
    rendered = RenderedCards()

    @app.callback(
        Output(EVIDENCE_VERSION, "data"),
        Input(TICK, "n_intervals"),
        State(EVIDENCE_VERSION, "data"),
        prevent_initial_call=True,
    )
    def poll_version(_tick, shown):
        try:
            token = ctx.evidence_version().token
        except Exception:  # the refresh shows the failure; the poll only asks again
            log.exception("reading the evidence version failed")
            return None
        return no_update if token == shown else token

    @app.callback(
        Output(graduation.Ids.BODY, "children"),
        Output(discipline.Ids.BODY, "children"),
        Output(expectancy.Ids.BODY, "children"),
        Output(broker.Ids.MODE_BODY, "children"),
        Input(JOURNAL_CHANGED, "data"),
        Input(EVIDENCE_VERSION, "data"),
        Input(expectancy.Ids.UNIT, "value"),
    )
    def refresh_judging_cards(_changed, _version, unit):
        try:
            evidence = ctx.evidence()
        except Exception as error:  # shown on the cards, logged, never a blank page
            log.exception("reading the evidence failed")
            shown = failure("read the journal and the gates", error)
            return shown, shown, shown, broker.render_mode_placeholder(shown)
        settings = ctx.settings
        unit = unit or "USD"
        judged = rendered.of(
            evidence,
            unit,
            lambda: (
                graduation.render(evidence),
                discipline.render(
                    evidence, settings.gate_min_discipline, settings.ramp_week2_min_discipline
                ),
                expectancy.render(evidence, unit),
            ),
        )
        return (*judged, broker.mode_body(evidence, ctx))
