"""The frame every cockpit card shares: a titled Bootstrap card with a stable id."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def cockpit_card(card_id: str, title: str, body: list) -> dbc.Card:
    """A card whose header is `title` and whose body holds `body`."""
    return dbc.Card(
        [dbc.CardHeader(html.H5(title, className="mb-0 card-title")), dbc.CardBody(body)],
        id=card_id,
        className="h-100 shadow-sm",
    )


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


def order_controls(ids: tuple[str, str, str], labels: tuple[str, str, str]) -> list:
    """The Preview button, the confirmation box and the (disabled) Place button every order
    form shares; `ids` and `labels` are (preview, confirm, place)."""
    preview_id, confirm_id, place_id = ids
    preview_label, confirm_label, place_label = labels
    return [
        dbc.Button(preview_label, id=preview_id, color="primary", size="sm"),
        dbc.Checkbox(
            id=confirm_id, label=confirm_label, value=False, className="d-inline-block ms-3 small"
        ),
        dbc.Button(
            place_label, id=place_id, color="danger", size="sm", disabled=True, className="ms-2"
        ),
    ]
