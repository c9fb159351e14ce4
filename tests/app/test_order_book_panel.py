"""The Broker card's order book, its callbacks called directly on a real cockpit (SIM, dry-run
off): the working orders with Cancel buttons, cancelling the older one, the account picker and
the sync's report."""

from __future__ import annotations

import json
import threading
from decimal import Decimal

import pytest
from dash._callback_context import context_value
from dash._utils import AttributeDict

from app_dash import create_app
from components.context import build_context
from components.order_book_panel import Ids, age_text, start_up
from tests.app.conftest import close_context
from tests.app.dash_tree import find, ids, text
from tests.support.broker_support import put_credit_spread
from tests.support.live_server import cockpit_settings
from tests.support.tastytrade_support import START, SteppingClock
from utils.broker.models import PlacementOutcome
from utils.broker.order_intent import OrderIntent
from utils.core.sessions import session_of
from utils.sim.orders import FillBehavior


@pytest.fixture
def cockpit(tmp_path):
    clock = SteppingClock(START)
    settings = cockpit_settings(tmp_path, always_dry_run=False)
    ctx = build_context(settings, tmp_path, clock=clock)
    app = create_app(ctx)
    yield ctx, app, clock
    close_context(ctx)


def callback(app, name: str):
    """The undecorated function of the app's callback called `name`."""
    for entry in app.callback_map.values():
        function = getattr(entry.get("callback"), "__wrapped__", None)
        if function is not None and function.__name__ == name:
            return function
    raise AssertionError(f"no callback {name}")


def clicked(component_id: dict, clicks: int = 1) -> None:
    """What Dash tells a callback when a person clicks the button `component_id`."""
    prop = json.dumps(component_id, separators=(",", ":"), sort_keys=True) + ".n_clicks"
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop, "value": clicks}]))


def place_working(ctx, clock, name: str, offset: str):
    """A SIM put credit spread left working at the simulator."""
    spread = put_credit_spread(session_of(clock()), credit_offset=Decimal(offset))
    intent = OrderIntent(spread=spread, client_order_id=name)
    preview = ctx.guard.preview(intent)
    assert preview.confirmation_token is not None, preview.message
    ctx.guard._clients.sim.broker.next_order_fill(FillBehavior.NEVER)
    placement = ctx.guard.place(
        preview.confirmation_token.get_secret_value(), intent=intent, confirmed_by_person=True
    )
    assert placement.outcome is PlacementOutcome.WORKING, placement.message
    return placement


def cancel_buttons(body) -> list[dict]:
    return [i for i in ids(body) if isinstance(i, dict) and i["type"] == Ids.CANCEL_TYPE]


def test_the_older_working_order_is_cancelled_from_the_book(cockpit):
    ctx, app, clock = cockpit
    older = place_working(ctx, clock, "older-1", "0")
    clock.advance(minutes=3)
    newer = place_working(ctx, clock, "newer-2", "-0.01")
    book = callback(app, "book")

    body, version = book(None, None, 0, 4)

    assert version == 4, "nothing was journaled"
    buttons = cancel_buttons(body)
    assert [b["order"] for b in buttons] == [older.order_id, newer.order_id]
    shown = text(body)
    assert "2 working order(s)" in shown and "3 min" in shown and "SIM (cockpit)" in shown
    assert text(find(body, Ids.EXPOSURE)) == (
        "Exposure in SIM: 0 spread(s) open + 2 opening order(s) working = 2 of at most 2 at once."
    )
    clicked(buttons[0])
    message, stale = callback(app, "cancel")([1, 0], 0)
    assert stale == 1
    assert text(message).startswith(f"Order {older.order_id}: Cancel Requested (SIM, 127.0.0.1:")
    after, _ = book(None, None, stale, 4)
    assert [b["order"] for b in cancel_buttons(after)] == [newer.order_id]


def test_a_button_drawn_anew_cancels_nothing(cockpit):
    ctx, app, clock = cockpit
    working = place_working(ctx, clock, "only-1", "0")
    clicked({"type": Ids.CANCEL_TYPE, "order": working.order_id, "correlation": ""}, clicks=0)
    message, stale = callback(app, "cancel")([0], 5)
    assert (message, stale) == (None, 5)
    body, _ = callback(app, "book")(None, None, 0, 0)
    assert len(cancel_buttons(body)) == 1


def test_two_simulated_accounts_offer_a_picker_and_the_pick_holds(cockpit):
    ctx, app, _ = cockpit
    ctx.guard._clients.sim.broker.add_account("5SIM00002")
    options, value, message = callback(app, "accounts")(None)
    assert len(options) == 2 and value is None
    assert "set TT_SANDBOX_ACCOUNT_NUMBER in .env, or pick one here" in message
    picked, stale = callback(app, "pick")(options[1]["value"], 0)
    assert picked == "Orders use account *******02 (SIM)." and stale == 1
    assert callback(app, "accounts")(None)[1] == options[1]["value"]
    assert all("5SIM00002" not in str(o) for o in options), "the page shows masked numbers"


def test_the_sync_job_shows_its_report(cockpit):
    ctx, app, _ = cockpit
    assert callback(app, "sync")(1) is False
    for thread in threading.enumerate():  # the job is a thread: wait for its end, not a time
        if thread.name == "job-broker-sync":
            thread.join()
    shown, disabled, version = callback(app, "sync_progress")(1, 3)
    assert disabled and version == 4
    assert text(shown).startswith("Synced ******01 (SIM): 1 transaction(s) read, 0 trade(s)")


def test_ages_read_as_seconds_minutes_then_hours():
    assert [age_text(s) for s in (None, 5, 600, 3725)] == ["-", "5 s", "10 min", "1 h 02 min"]


def test_start_up_journals_a_fill_that_came_while_the_page_was_away(cockpit):
    ctx, _, clock = cockpit
    working = place_working(ctx, clock, "away-1", "0")
    ctx.guard._clients.sim.broker.fill_rest(working.order_id)

    start_up(ctx)
    for thread in threading.enumerate():
        if thread.name == "job-broker-sync":
            thread.join()

    job = ctx.jobs.latest("broker-sync")
    assert job.error is None and job.result.ok, job.lines
    assert job.lines[0].startswith("0 working order(s) in ******01 (SIM); journaled fills as trade")
    (trade,) = ctx.journal.list_trades()
    assert trade.broker_order_ids == (str(working.order_id),)
    assert job.result.added == 0, "the sync does not journal the cockpit's order again"
