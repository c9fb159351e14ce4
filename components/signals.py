"""Page-wide signals: the store that says "the journal changed", the refresh timer, and the
evidence version the timer keeps (the judging cards re-render only when it moves)."""

from __future__ import annotations

from dash import dcc, html

JOURNAL_CHANGED = "journal-changed"
TICK = "evidence-tick"
EVIDENCE_VERSION = "evidence-version"


def layout() -> html.Div:
    """The hidden stores and timer every judging card listens to."""
    return html.Div(
        [
            dcc.Store(id=JOURNAL_CHANGED, data=0),
            dcc.Store(id=EVIDENCE_VERSION, data=None),
            dcc.Interval(id=TICK, interval=60_000),
        ]
    )
