"""The Order ticket's answers from the guard: the preview, each sentence once; the placement; and
why Place is disabled after a preview."""

from __future__ import annotations

import re

import dash_bootstrap_components as dbc
from dash import html

from components.cards.ticket_ids import Ids
from components.formatting import check_label
from utils.broker.models import Placement, Preview, PreviewOutcome
from utils.judge.mode import ModeCode

OUTCOME_COLORS = {
    PreviewOutcome.REFUSED: "danger",
    PreviewOutcome.BLOCKED_BY_DRY_RUN: "info",
    PreviewOutcome.READY_TO_CONFIRM: "success",
}
ALWAYS_DRY_RUN_WHY = "Dry-run mode: ALWAYS_DRY_RUN=true stops orders at preview"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    """A paragraph cut into sentences (at ". ", "! ", "? ")."""
    return [part.strip() for part in _SENTENCE_END.split(text or "") if part.strip()]


def unsaid(text: str, said: list[str]) -> str:
    """The sentences of `text` not already in `said` (which grows with them): each once."""
    fresh = []
    for sentence in sentences(text):
        if not any(sentence in earlier for earlier in said):
            fresh.append(sentence)
            said.append(sentence)
    return " ".join(fresh)


def place_blocker(preview: Preview) -> str | None:
    """Why Place stays disabled after this preview (None when it waits for the confirmation)."""
    if preview.outcome is PreviewOutcome.READY_TO_CONFIRM:
        return None
    if preview.outcome is PreviewOutcome.REFUSED:
        return "Refused: fix what the preview lists, then preview again"
    mode = preview.mode
    if mode is None:
        return "Dry-run mode: orders stop at preview"
    if ModeCode.ALWAYS_DRY_RUN in mode.codes:
        return ALWAYS_DRY_RUN_WHY
    reasons = mode.dry_run_reasons
    because = f": {reasons[0].sentence}" if reasons else ""
    return f"Dry-run mode ({mode.label}){because}"


def _checks(preview: Preview) -> html.Details | None:
    if preview.pretrade is None or not preview.pretrade.checks:
        return None
    rows = [
        html.Tr(
            [
                html.Td(
                    dbc.Badge(
                        check_label(check.code.value, check.passed),
                        color="success" if check.passed else "danger",
                    )
                ),
                html.Td(check.sentence),
            ]
        )
        for check in preview.pretrade.checks
    ]
    return html.Details(
        [
            html.Summary(f"Pre-trade checks ({len(rows)})", className="small"),
            dbc.Table(html.Tbody(rows), size="sm", className="small mb-0"),
        ],
        open=preview.outcome.refused,
        id=Ids.CHECKS,
    )


def show_preview(preview: Preview) -> list:
    """The guard's answer: outcome, what the broker's dry-run said, and every reason, each
    sentence said once (the message, the what-if and the reasons often repeat each other)."""
    said: list[str] = []
    message = unsaid(_without_outcome_prefix(preview.message), said)
    what_if = unsaid(preview.what_if.sentence, said) if preview.what_if else ""
    reasons = [
        text
        for r in (*preview.reasons, *preview.anomalies)
        if (text := unsaid(_without_outcome_prefix(r.sentence), said))
    ]
    return [
        dbc.Alert(
            [
                html.Strong(preview.outcome.value.upper(), id=Ids.OUTCOME),
                html.Span(f" ({preview.mode.label})" if preview.mode else ""),
                html.Div(message, className="small", id=Ids.MESSAGE),
                html.Div(
                    f"Dry-run: {what_if}" if what_if else "", className="small", id=Ids.WHAT_IF
                ),
            ],
            color=OUTCOME_COLORS[preview.outcome],
            className="py-2 mb-1",
        ),
        html.Ul([html.Li(text) for text in reasons], className="small mb-1") if reasons else None,
        _checks(preview),
    ]


def _without_outcome_prefix(sentence: str) -> str:
    """`Blocked by dry-run (SIM): nothing was placed.` -> `nothing was placed.` (the outcome
    heading already says it)."""
    head, colon, rest = sentence.partition("): ")
    if colon and head.lower().startswith("blocked by dry-run"):
        return rest[:1].upper() + rest[1:]
    return sentence


def show_placement(placement: Placement) -> dbc.Alert:
    """What reached the broker and how it ended."""
    good = placement.outcome.accepted
    said: list[str] = []
    message = unsaid(placement.message, said)
    reasons = [
        text
        for r in (*placement.reasons, *placement.anomalies)
        if (text := unsaid(r.sentence, said))
    ]
    return dbc.Alert(
        [
            html.Strong(placement.outcome.value.upper(), id=Ids.PLACEMENT),
            html.Div(message, className="small"),
            html.Ul([html.Li(text) for text in reasons], className="small mb-0"),
        ],
        color="success" if good else "danger",
        className="py-2",
    )
