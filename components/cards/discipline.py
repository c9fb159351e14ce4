"""Discipline card: the score with its parts, the violations, clean sessions, the coach's notes."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from components.card import cockpit_card
from components.context import CockpitContext
from utils.judge.coach_gate_steps import rule_name
from utils.judge.evidence import CockpitEvidence


class Ids:
    """Every id the Discipline card puts on the page."""

    CARD = "card-discipline"
    BODY = "discipline-body"
    SCORE = "discipline-score"


VIOLATIONS_SHOWN = 8


def _score_color(score: int, gate: int, ramp: int) -> str:
    return "success" if score >= ramp else "warning" if score >= gate else "danger"


def render(evidence: CockpitEvidence, gate: int, ramp: int) -> list:
    """The card's body: score and parts, violations, clean sessions, coach notes."""
    report = evidence.discipline
    score = html.Div(
        [
            html.Span(str(report.score), className="display-5 me-2", id=Ids.SCORE),
            html.Span("/ 100", className="text-muted me-3"),
            dbc.Badge(
                f"gate >= {gate}, ramp >= {ramp}", color=_score_color(report.score, gate, ramp)
            ),
        ],
        className="d-flex align-items-center",
    )
    window = html.P(
        f"Window: the last {report.trades_in_window} trade(s), sessions "
        f"{report.window_first_session} to {report.window_last_session}. "
        "Score = 100 - the points of every violation in the window.",
        className="small text-muted mb-1",
    )
    parts = (
        dbc.Table(
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(f"-{part.points}", className="text-nowrap"),
                            html.Td(f"{part.count} x {part.weight}", className="text-nowrap"),
                            html.Td(part.sentence),
                        ]
                    )
                    for part in report.parts
                ]
            ),
            size="sm",
            className="small mb-1",
        )
        if report.parts
        else html.P("No violation in the window.", className="small")
    )
    violations = [
        html.Li(
            f"{v.session} trade {v.trade_id or '-'}: {rule_name(v.code)} (-{v.points}) "
            f"{v.sentence}"
        )
        for v in reversed(report.violations[-VIOLATIONS_SHOWN:])
    ]
    clean = len(report.clean_sessions)
    notes = [
        html.Li([dbc.Badge(note.level.value, color="light", text_color="dark"), " ", note.sentence])
        for note in evidence.coach.notes
    ]
    return [
        score,
        window,
        parts,
        html.P(f"Clean sessions: {clean} of {len(report.sessions)} journaled.", className="mb-1"),
        (
            html.Details(
                [
                    html.Summary(f"Violations in the window ({len(report.violations)})"),
                    html.Ul(violations),
                ]
            )
            if violations
            else None
        ),
        html.H6("Coach (non-critical notes)", className="mt-2"),
        html.Ul(notes, className="small") if notes else html.P("No notes yet.", className="small"),
    ]


def layout(ctx: CockpitContext) -> dbc.Card:
    """The card frame; its body is filled by the evidence refresh."""
    return cockpit_card(Ids.CARD, "Discipline", [html.Div(id=Ids.BODY)])
