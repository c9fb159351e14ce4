"""The Broker card's order book: the account picker, every working order with its Cancel
button, "Refresh orders" (and a timer) that reconciles fills into the journal, and "Sync from
broker" with live progress."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, callback_context, dcc, html

from components.context import CockpitContext
from components.formatting import local_time
from components.jobs import Job
from components.signals import JOURNAL_CHANGED
from utils.broker.account_choice import AccountChoice
from utils.broker.order_book import BookOrder, OrderBook
from utils.broker.broker_sync import SyncReport

SYNC_JOB = "broker-sync"
RECONCILE_EVERY_MS = 30_000
SYNC_LINES_SHOWN = 8


class Ids:
    """Every id the order-book panel puts on the page (Cancel buttons match CANCEL_TYPE)."""

    PANEL = "order-book"
    ACCOUNT_PICK = "order-book-account"
    ACCOUNT_MESSAGE = "order-book-account-message"
    REFRESH = "order-book-refresh"
    TIMER = "order-book-timer"
    STALE = "order-book-stale"
    BODY = "order-book-body"
    EXPOSURE = "order-book-exposure"
    CANCEL_TYPE = "order-book-cancel"
    CANCEL_MESSAGE = "order-book-cancel-message"
    SYNC = "order-book-sync"
    SYNC_POLL = "order-book-sync-poll"
    SYNC_OUTPUT = "order-book-sync-output"

    @staticmethod
    def cancel(order: BookOrder) -> dict:
        """The Cancel button of one order."""
        return {
            "type": Ids.CANCEL_TYPE,
            "order": order.order_id,
            "correlation": order.correlation_id or "",
        }


def age_text(seconds: int | None) -> str:
    """How long an order has been working: `45 s`, `12 min`, `3 h 05 min`."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def render_book(book: OrderBook, ctx: CockpitContext) -> list:
    """The working orders as a table, each with its Cancel button; notes and errors above."""
    if book.error is not None:
        return [dbc.Alert(book.message, color="warning", className="py-1 small")]
    notes = [html.Div(note, className="small text-warning") for note in book.notes]
    head = html.Div(
        [
            html.Div(book.exposure, id=Ids.EXPOSURE, className="small fw-semibold"),
            html.Div(
                f"{book.message} Read at {local_time(book.read_at, ctx.settings)}.",
                className="small text-muted",
            ),
        ]
    )
    if not book.orders:
        return [head, *notes]
    rows = [
        html.Tr(
            [
                html.Td(
                    [
                        html.Div(f"{order.order_id or '?'} {order.underlying}"),
                        html.Div(f"{order.mode} ({order.source})", className="text-muted"),
                        html.Div(f"age {age_text(order.age_s)}", className="text-muted"),
                    ]
                ),
                html.Td(html.Ul([html.Li(leg) for leg in order.legs], className="mb-0 ps-3")),
                html.Td(
                    [
                        html.Div(order.price_text),
                        html.Div(order.status),
                        html.Div(f"{order.filled_units}/{order.units} filled"),
                    ]
                ),
                html.Td(
                    dbc.Button(
                        "Cancel",
                        id=Ids.cancel(order),
                        size="sm",
                        color="light",
                        n_clicks=0,
                        disabled=not order.cancellable,
                    )
                ),
            ]
        )
        for order in book.orders
    ]
    header = html.Thead(html.Tr([html.Th(name) for name in ("Order", "Legs", "Limit, status", "")]))
    table = dbc.Table(
        [header, html.Tbody(rows)], size="sm", responsive=True, className="small mb-1"
    )
    return [head, *notes, table]


def render_choice(choice: AccountChoice) -> tuple[list, str | None, str]:
    """The picker's options, its value and the line under it."""
    options = [{"label": option.label, "value": option.ref} for option in choice.accounts]
    return options, choice.used_ref, choice.message


def render_sync(job: Job) -> list:
    """The sync's progress lines and, once done, its verdict (errors named)."""
    lines = [html.Li(line) for line in job.lines[-SYNC_LINES_SHOWN:]]
    if not job.done:
        return [html.Div("syncing...", className="text-muted"), html.Ul(lines)]
    if job.error:
        return [dbc.Alert(f"Sync failed: {job.error}", color="danger", className="py-1")]
    report: SyncReport = job.result
    color = "success" if report.ok else "warning"
    problems = [html.Li(text) for text in (*report.errors, *report.warnings)]
    return [
        dbc.Alert(report.message, color=color, className="py-1 mb-1"),
        html.Ul(problems, className="mb-0") if problems else None,
    ]


def layout() -> html.Div:
    """The picker, the buttons, the book and the sync output (filled by the callbacks)."""
    return html.Div(
        [
            html.H6("Working orders", className="mt-2"),
            dcc.Dropdown(
                id=Ids.ACCOUNT_PICK,
                placeholder="Account",
                clearable=False,
                className="small mb-1",
            ),
            html.Div(id=Ids.ACCOUNT_MESSAGE, className="small text-muted"),
            dcc.Store(id=Ids.STALE, data=0),
            dcc.Interval(id=Ids.TIMER, interval=RECONCILE_EVERY_MS),
            html.Div(id=Ids.BODY),  # no spinner: the timer redraws it quietly
            html.Div(id=Ids.CANCEL_MESSAGE),
            dbc.Button("Refresh orders", id=Ids.REFRESH, size="sm", color="light"),
            dbc.Button(
                "Sync from broker", id=Ids.SYNC, size="sm", color="secondary", className="ms-2"
            ),
            dcc.Interval(id=Ids.SYNC_POLL, interval=1000, disabled=True),
            html.Div(id=Ids.SYNC_OUTPUT, className="small mt-1"),
        ],
        id=Ids.PANEL,
    )


def start_up(ctx: CockpitContext) -> None:
    """At start-up: reconcile the working orders and sync fills, in the background."""
    ctx.jobs.start(SYNC_JOB, lambda progress: _reconcile_and_sync(ctx, progress))


def _reconcile_and_sync(ctx: CockpitContext, progress) -> SyncReport:
    book = ctx.guard.order_book()
    progress(book.message)
    return ctx.guard.sync_fills(progress=progress)


def register(app: Dash, ctx: CockpitContext) -> None:
    """The panel's callbacks: accounts, the book (timer, refresh, after a cancel), cancels,
    the sync."""

    @app.callback(
        Output(Ids.ACCOUNT_PICK, "options"),
        Output(Ids.ACCOUNT_PICK, "value"),
        Output(Ids.ACCOUNT_MESSAGE, "children"),
        Input(Ids.REFRESH, "n_clicks"),
    )
    def accounts(_n):
        return render_choice(ctx.guard.accounts())

    @app.callback(
        Output(Ids.ACCOUNT_MESSAGE, "children", allow_duplicate=True),
        Output(Ids.STALE, "data", allow_duplicate=True),
        Input(Ids.ACCOUNT_PICK, "value"),
        State(Ids.STALE, "data"),
        prevent_initial_call=True,
    )
    def pick(ref, stale):
        if not ref:
            return "", stale
        return ctx.guard.choose_account(ref).message, stale + 1

    @app.callback(
        Output(Ids.BODY, "children"),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(Ids.REFRESH, "n_clicks"),
        Input(Ids.TIMER, "n_intervals"),
        Input(Ids.STALE, "data"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call="initial_duplicate",
    )
    def book(_n, _tick, _stale, version):
        found = ctx.guard.order_book()
        changed = version + 1 if found.journaled_trade_ids else version
        return render_book(found, ctx), changed

    @app.callback(
        Output(Ids.CANCEL_MESSAGE, "children"),
        Output(Ids.STALE, "data"),
        Input({"type": Ids.CANCEL_TYPE, "order": ALL, "correlation": ALL}, "n_clicks"),
        State(Ids.STALE, "data"),
        prevent_initial_call=True,
    )
    def cancel(_clicks, stale):
        button = callback_context.triggered_id
        if not button or not callback_context.triggered[0]["value"]:
            return None, stale  # a button drawn anew, not a click
        result = ctx.guard.cancel(
            int(button["order"]), correlation_id=button["correlation"] or None
        )
        color = "danger" if result.outcome.refused else "secondary"
        return dbc.Alert(result.message, color=color, className="py-1 small"), stale + 1

    @app.callback(
        Output(Ids.SYNC_POLL, "disabled"),
        Input(Ids.SYNC, "n_clicks"),
        prevent_initial_call=True,
    )
    def sync(_n):
        ctx.jobs.start(SYNC_JOB, lambda progress: ctx.guard.sync_fills(progress=progress))
        return False

    @app.callback(
        Output(Ids.SYNC_OUTPUT, "children"),
        Output(Ids.SYNC_POLL, "disabled", allow_duplicate=True),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(Ids.SYNC_POLL, "n_intervals"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def sync_progress(_n, version):
        job = ctx.jobs.latest(SYNC_JOB)
        if job is None:
            return None, True, version
        return render_sync(job), job.done, version + 1 if job.done else version
