"""Page-wide signals: the store that says "the journal changed" and the refresh timer."""

from __future__ import annotations

from dash import dcc, html

JOURNAL_CHANGED = "journal-changed"
TICK = "evidence-tick"


def layout() -> html.Div:
    """The hidden store and timer every judging card listens to."""
    return html.Div([dcc.Store(id=JOURNAL_CHANGED, data=0), dcc.Interval(id=TICK, interval=60_000)])
