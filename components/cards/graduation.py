"""Graduation card: eligible or not yet, every gate with its evidence, and the Action Plan."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

import dash_bootstrap_components as dbc
from dash import html

from components.card import cockpit_card
from components.context import CockpitContext
from components.formatting import gate_figures, label, usd, utc_minute
from utils.judge.evidence import CockpitEvidence
from utils.judge.gates import GateCode, GateResult


class Ids:
    """Every id the Graduation card puts on the page."""

    CARD = "card-graduation"
    BODY = "graduation-body"
    VERDICT = "graduation-verdict"
    SANDBOX = "graduation-sandbox"

    @staticmethod
    def gate(code: GateCode) -> str:
        """The row of one gate."""
        return f"gate-{code.value}"


def _progress(gate: GateResult) -> dbc.Progress | None:
    if gate.threshold is None or gate.actual is None:
        return None
    if gate.code is GateCode.POSITIVE_EXPECTANCY:
        share = 100 if gate.passed else 0
    else:
        threshold = max(gate.threshold, Decimal(1))
        share = int(min(max(gate.actual / threshold, Decimal(0)), Decimal(1)) * 100)
    return dbc.Progress(
        value=share,
        color="success" if gate.passed else "warning",
        style={"height": "6px"},
        className="mt-1",
    )


SHOWN_LIST_ITEMS = 25  # per end of a long evidence list (the export keeps every item)


def shown_evidence(value: object) -> str:
    """An evidence value as shown: a long comma-separated list keeps its first and last
    items and says how many there are (years of trade ids stay a line, not a page)."""
    text = str(value)
    count = text.count(", ") + 1  # the items, without splitting years of ids into a list
    if count <= 2 * SHOWN_LIST_ITEMS:
        return text
    head = text.split(", ", SHOWN_LIST_ITEMS)[:SHOWN_LIST_ITEMS]
    tail = text.rsplit(", ", SHOWN_LIST_ITEMS)[-SHOWN_LIST_ITEMS:]
    return f"{', '.join(head)}, ..., {', '.join(tail)} ({count:,} in all)"


def evidence_line(key: str, value: str) -> str:
    """One piece of a gate's evidence in words: "Net P&L: $451.50", "Ran at: 2025-03-03 15:00
    UTC"; ids stay as recorded, a long list shortened."""
    name, shown = key, shown_evidence(value)
    if key.endswith("_usd"):
        name = key.removesuffix("_usd")
        try:
            shown = usd(Decimal(value))
        except InvalidOperation:
            shown = value
    elif key.endswith("_at") and value:
        try:
            shown = utc_minute(datetime.fromisoformat(value))
        except ValueError:
            shown = value
    return f"{label(name).replace('pnl', 'P&L')}: {shown or '-'}"


def _gate_row(gate: GateResult) -> html.Tr:
    evidence = html.Details(
        [
            html.Summary("evidence", className="small text-muted"),
            html.Ul(
                [html.Li(evidence_line(key, value)) for key, value in gate.evidence.items()]
                or [html.Li("none recorded")],
                className="small mb-0",
            ),
        ]
    )
    actual, rule, room = gate_figures(gate)
    return html.Tr(
        [
            html.Td(
                dbc.Badge(
                    "PASS" if gate.passed else "FAIL", color="success" if gate.passed else "danger"
                )
            ),
            html.Td([html.Div(gate.name), _progress(gate), evidence]),
            html.Td(
                [html.Div(actual), html.Div(rule, className="text-muted")],
                className="text-nowrap",
            ),
            html.Td(room or "-", className="text-nowrap"),
        ],
        id=Ids.gate(gate.code),
        className="small",
    )


def render(evidence: CockpitEvidence) -> list:
    """The card's body for one reading of the evidence."""
    gates = evidence.gates
    sandbox = gates.gate(GateCode.SANDBOX_VALIDATED)
    headline = dbc.Alert(
        [
            html.Strong("ELIGIBLE" if gates.eligible else "NOT YET", id=Ids.VERDICT),
            html.Span(
                " - all gates pass."
                if gates.eligible
                else f" - {len(gates.failing)} of {len(gates.gates)} gates fail."
            ),
            html.Div(
                "Sandbox validation: "
                + ("passed" if sandbox.passed else f"not passed ({sandbox.actual_text})"),
                className="small",
                id=Ids.SANDBOX,
            ),
        ],
        color="success" if gates.eligible else "secondary",
        className="py-2",
    )
    table = html.Div(
        dbc.Table(
            [
                html.Thead(
                    html.Tr(
                        [html.Th(""), html.Th("Gate"), html.Th("Actual / rule"), html.Th("Room")]
                    ),
                    className="small",
                ),
                html.Tbody([_gate_row(gate) for gate in gates.gates]),
            ],
            size="sm",
            className="mb-2",
        ),
        className="table-responsive",
    )
    plan = [
        html.H6("Action Plan", className="mt-2"),
        (
            html.Ol(
                [html.Li(item.sentence) for item in evidence.coach.action_plan], className="small"
            )
            if evidence.coach.action_plan
            else html.P("Nothing to do: keep journaling.", className="small")
        ),
    ]
    return [headline, table, *plan]


def layout(ctx: CockpitContext) -> dbc.Card:
    """The card frame; its body is filled by the evidence refresh."""
    return cockpit_card(Ids.CARD, "Graduation", [html.Div(id=Ids.BODY)])
