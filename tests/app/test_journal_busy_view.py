"""The journal card on a journal another connection is writing: a message, never a 500."""

from __future__ import annotations

import dataclasses

from app_dash import create_app
from components.cards import ticket
from components.cards.journal import Ids
from tests.support.sqlite_lock import write_lock_held
from utils.core.sqlite_store import JOURNAL_BUSY_MESSAGE
from utils.journal.store import Journal

SHORT_MS = 50


def _callback(app, name: str):
    """The undecorated function of the app's callback called `name`."""
    for entry in app.callback_map.values():
        function = getattr(entry.get("callback"), "__wrapped__", None)
        if function is not None and function.__name__ == name:
            return function
    raise AssertionError(f"no callback {name}")


def test_journal_as_opened_on_a_busy_journal_is_a_message_not_a_500(empty_ctx):
    busy = Journal.open(empty_ctx.settings.data_dir, busy_timeout_ms=SHORT_MS)
    ctx = dataclasses.replace(empty_ctx, stores=dataclasses.replace(empty_ctx.stores, journal=busy))
    journal_open = _callback(create_app(ctx), "journal_open")
    form = ("SPY", "bull_put", "2025-04-17", "520, 525", "1", "1.20")
    assert len(form) == len(ticket.FORM_FIELDS)
    try:
        with write_lock_held(busy.path):
            alert, version = journal_open(1, *form, "", "SANDBOX", "", "", "", "", "", 7)
    finally:
        busy.close()
    assert (alert.id, alert.children) == (
        Ids.ACTION_REFUSED,
        f"Not journaled: {JOURNAL_BUSY_MESSAGE}",
    )
    assert version == 7, "the page keeps the form as typed: nothing changed"
