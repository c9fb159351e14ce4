"""Journal card: one row per spread; filters, manual entry and close, reviews, import, export.

The table, its pages and the selected trade's panel are `journal_table`.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html
from dash import ctx as callback_ctx
from pydantic import ValidationError

from components.card import cockpit_card
from components.cards import exit_plan, journal_table, ticket
from components.context import CockpitContext
from components.formatting import label, usd
from components.signals import JOURNAL_CHANGED
from utils.core.sessions import NEW_YORK
from utils.journal.entry_form import close_from_form, opened_from_form
from utils.journal.risk import Structure
from utils.core.files import StorageError
from utils.core.sqlite_store import JournalBusy, StoreUnwritable
from utils.journal.errors import JournalError
from utils.journal.import_report import ImportReport
from utils.journal.trade import CloseReason, Mode
from utils.journal.upload import ImportKind, UploadError
from utils.judge.import_effects import watch_rollback
from utils.records.undefined_risk_alerts import import_upload_with_alerts
from utils.spreads.legs import PriceEffect
from utils.spreads.ticket import TicketError

ERRORS_SHOWN = 50
WARNINGS_SHOWN = 20
HIDDEN = "d-none"
IMPORT_GOOD_SHOWN = "mt-1"


class Ids:
    """Every id the Journal card puts on the page."""

    CARD = "card-journal"
    TABLE = journal_table.Ids.TABLE
    TABLE_ERROR = journal_table.Ids.TABLE_ERROR
    TABLE_EMPTY = journal_table.Ids.EMPTY
    TABLE_EMPTY_BOX = journal_table.Ids.EMPTY_BOX
    DETAIL = journal_table.Ids.DETAIL
    FILTER_STRUCTURE = "journal-filter-structure"
    FILTER_UNDERLYING = "journal-filter-underlying"
    FILTER_SESSION = "journal-filter-session"
    FILTER_TAG = "journal-filter-tag"
    UPLOAD = "journal-upload"
    IMPORT_KIND = "journal-import-kind"
    IMPORT_MODE = "journal-import-mode"
    IMPORT_GOOD = "journal-import-good"
    IMPORT_REPORT = "journal-import-report"
    IMPORT_OK = "journal-import-ok"
    IMPORT_REFUSED = "journal-import-refused"
    IMPORT_ERRORS = "journal-import-errors"
    EXPORT_BUTTON = "journal-export"
    EXPORT_DOWNLOAD = "journal-export-download"
    ACTION_MESSAGE = "journal-action-message"
    ACTION_OK = "journal-action-ok"
    ACTION_REFUSED = "journal-action-refused"
    CLOSE_PRICE = journal_table.Ids.CLOSE_PRICE
    CLOSE_EFFECT = journal_table.Ids.CLOSE_EFFECT
    CLOSE_FEES = journal_table.Ids.CLOSE_FEES
    CLOSE_REASON = journal_table.Ids.CLOSE_REASON
    CLOSE_FOLLOWED = journal_table.Ids.CLOSE_FOLLOWED
    CLOSE_BUTTON = "journal-close-button"
    CLOSE_TICKET_BUTTON = "journal-close-ticket-button"  # opens the Close card's ticket
    REVIEW_TEXT = "journal-review-text"
    MISTAKE_BUTTON = "journal-mistake-button"
    TAG_BUTTON = "journal-tag-button"
    NOTE_BUTTON = "journal-note-button"
    OPEN_AT = "journal-open-at"
    OPEN_MODE = "journal-open-mode"
    OPEN_FEES = "journal-open-fees"
    OPEN_TARGET = "journal-open-target"
    OPEN_STOP = "journal-open-stop"
    OPEN_TIME_EXIT = "journal-open-time-exit"
    OPEN_SETUP = "journal-open-setup"
    OPEN_BUTTON = "journal-open-button"


FILTERS = (Ids.FILTER_STRUCTURE, Ids.FILTER_UNDERLYING, Ids.FILTER_SESSION, Ids.FILTER_TAG)


def _input(label: str, control, width: int = 3) -> dbc.Col:
    return dbc.Col([dbc.Label(label, className="small mb-0"), control], md=width, className="mb-2")


def _select(select_id: str, value: str, options: dict[str, str]) -> dbc.Select:
    """A small select; `options` maps each value to its label, in the order shown."""
    choices = [{"label": label, "value": key} for key, label in options.items()]
    return dbc.Select(id=select_id, value=value, size="sm", options=choices)


def _same(values) -> dict[str, str]:
    """Options whose labels are their values."""
    return {str(value): str(value) for value in values}


def _worded(values) -> dict[str, str]:
    """Options labelled in words ("closing_order" -> "Closing order")."""
    return {str(value): label(value) for value in values}


def _button_col(label: str, button_id: str, width: int, **style) -> dbc.Col:
    button = dbc.Button(label, id=button_id, size="sm", **style)
    return dbc.Col(button, md=width, className="d-flex align-items-end mb-2")


def _import_panel(ctx: CockpitContext) -> html.Div:
    kinds = {
        ImportKind.AUTO.value: "detect from header",
        ImportKind.TASTYTRADE.value: "tastytrade transaction history",
        ImportKind.JOURNAL.value: "cockpit journal CSV",
    }
    accounts = _same((Mode.SANDBOX, Mode.LIVE))
    return html.Div(
        [
            html.H6("Import"),
            dbc.Row(
                [
                    _input("File type", _select(Ids.IMPORT_KIND, ImportKind.AUTO.value, kinds)),
                    _input(
                        "tastytrade account", _select(Ids.IMPORT_MODE, Mode.SANDBOX.value, accounts)
                    ),
                ]
            ),
            dbc.Row(
                [_input("Playbook the history followed", exit_plan.import_playbook_select(ctx), 12)]
            ),
            dcc.Upload(
                id=Ids.UPLOAD,
                children=html.Div(["Drop a CSV here or ", html.A("choose a file")]),
                multiple=False,
                accept=".csv,text/csv",
                className="border border-2 border-secondary-subtle rounded text-center p-2 small",
            ),
            dcc.Loading(html.Div(id=Ids.IMPORT_REPORT, className="mt-2")),
            # Shown only after a refused import with bad rows: the trader's explicit choice.
            dbc.Button(
                "Import the good orders",
                id=Ids.IMPORT_GOOD,
                size="sm",
                color="warning",
                className=HIDDEN,
            ),
        ]
    )


def _entry_panel(ctx: CockpitContext) -> html.Div:
    now_local = ctx.clock().astimezone(NEW_YORK).strftime("%Y-%m-%dT%H:%M")
    opened_at = dbc.Input(id=Ids.OPEN_AT, type="datetime-local", value=now_local, size="sm")
    time_exit = dbc.Input(id=Ids.OPEN_TIME_EXIT, type="datetime-local", size="sm")
    return html.Div(
        [
            html.H6("Journal the ticket's spread as opened (manual entry)"),
            html.P(
                "Uses the order ticket's underlying, structure, strikes, quantity and price.",
                className="small text-muted mb-1",
            ),
            dbc.Row(
                [
                    _input("Opened at (New York)", opened_at),
                    _input("Mode", _select(Ids.OPEN_MODE, Mode.SIM.value, _same(Mode))),
                    _input("Opening fees ($)", dbc.Input(id=Ids.OPEN_FEES, value="0", size="sm")),
                    _input("Setup", dbc.Input(id=Ids.OPEN_SETUP, size="sm")),
                    _input("Profit target ($)", dbc.Input(id=Ids.OPEN_TARGET, size="sm")),
                    _input("Stop loss ($)", dbc.Input(id=Ids.OPEN_STOP, size="sm")),
                    _input("Time exit (New York)", time_exit),
                    _button_col("Journal as opened", Ids.OPEN_BUTTON, 3),
                ]
            ),
        ]
    )


def _selected_panel() -> html.Div:
    followed = {"": "not answered", "yes": "yes", "no": "no"}
    return html.Div(
        [
            html.H6(
                [
                    "Selected trade",
                    dbc.Button(
                        "Close at the broker…",
                        id=Ids.CLOSE_TICKET_BUTTON,
                        size="sm",
                        color="outline-danger",
                        className="ms-2",
                    ),
                ]
            ),
            journal_table.detail_panel(),
            dbc.Row(
                [
                    _input("Exit price (per share)", dbc.Input(id=Ids.CLOSE_PRICE, size="sm"), 2),
                    _input(
                        "Exit is a",
                        _select(Ids.CLOSE_EFFECT, PriceEffect.DEBIT.value, _same(PriceEffect)),
                        2,
                    ),
                    _input(
                        "Closing fees ($)", dbc.Input(id=Ids.CLOSE_FEES, value="0", size="sm"), 2
                    ),
                    _input(
                        "Closed by",
                        _select(
                            Ids.CLOSE_REASON, CloseReason.CLOSING_ORDER.value, _worded(CloseReason)
                        ),
                        3,
                    ),
                    _input("Followed the plan?", _select(Ids.CLOSE_FOLLOWED, "", followed), 3),
                    _button_col("Close trade", Ids.CLOSE_BUTTON, 2, color="secondary"),
                ]
            ),
            dbc.InputGroup(
                [
                    dbc.Input(id=Ids.REVIEW_TEXT, placeholder="a mistake, tag or note", size="sm"),
                    dbc.Button("Tag mistake", id=Ids.MISTAKE_BUTTON, size="sm", color="warning"),
                    dbc.Button("Add tag", id=Ids.TAG_BUTTON, size="sm", color="light"),
                    dbc.Button("Add note", id=Ids.NOTE_BUTTON, size="sm", color="light"),
                ],
                size="sm",
            ),
        ]
    )


def _filters() -> dbc.Row:
    structures = {"": "all", **_worded(Structure)}
    return dbc.Row(
        [
            _input("Structure", _select(Ids.FILTER_STRUCTURE, "", structures)),
            _input("Underlying", dbc.Input(id=Ids.FILTER_UNDERLYING, size="sm", debounce=True)),
            _input("Session", dbc.Input(id=Ids.FILTER_SESSION, type="date", size="sm")),
            _input("Tag", dbc.Input(id=Ids.FILTER_TAG, size="sm", debounce=True)),
        ]
    )


def layout(ctx: CockpitContext) -> dbc.Card:
    """The journal: filters, the trades table, actions, manual entry, import and export."""
    export = html.Div(
        [
            dbc.Button("Export journal CSV", id=Ids.EXPORT_BUTTON, size="sm", color="light"),
            dcc.Download(id=Ids.EXPORT_DOWNLOAD),
        ],
        className="mt-2",
    )
    return cockpit_card(
        Ids.CARD,
        "Journal",
        [
            _filters(),
            *journal_table.table_parts(),
            html.Div(id=Ids.ACTION_MESSAGE, className="mt-2"),
            dbc.Row(
                [
                    dbc.Col(
                        [_selected_panel(), exit_plan.panel(ctx), html.Hr(), _entry_panel(ctx)],
                        lg=7,
                    ),
                    dbc.Col([_import_panel(ctx), export], lg=5),
                ],
                className="mt-2",
            ),
        ],
    )


def problem(error: Exception) -> str:
    """An error as one line a trader can act on (a pydantic error lists each field)."""
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}".removeprefix(": ")
            for e in error.errors(include_url=False)
        )
    return str(error)


def message(text: str, *, ok: bool, box_id: str) -> dbc.Alert:
    """A green (done) or red (refused) message; `box_id` is unique to where it is shown."""
    return dbc.Alert(text, color="success" if ok else "danger", className="py-1 small", id=box_id)


def action_message(text: str, *, ok: bool) -> dbc.Alert:
    """The message under the table after closing, reviewing, journaling or exporting."""
    return message(text, ok=ok, box_id=Ids.ACTION_OK if ok else Ids.ACTION_REFUSED)


def _listed(issues, shown: int) -> list:
    """The first `shown` issues, then "N more" (the command line prints them all)."""
    items = [html.Li(str(issue)) for issue in issues[:shown]]
    if len(issues) > shown:
        items.append(
            html.Li(
                f"... and {len(issues) - shown} more (python -m utils.journal import FILE "
                "prints them all)"
            )
        )
    return items


def import_report(report: ImportReport) -> list:
    """The import's one-line summary, then its errors and warnings (a page of each, N more)."""
    errors = _listed(report.errors, ERRORS_SHOWN)
    warnings = _listed(report.warnings, WARNINGS_SHOWN)
    summary_id = Ids.IMPORT_OK if report.committed else Ids.IMPORT_REFUSED
    return [
        message(report.summary(), ok=report.committed, box_id=summary_id),
        (html.Ul(errors, className="small text-danger", id=Ids.IMPORT_ERRORS) if errors else None),
        html.Ul(warnings, className="small text-muted") if warnings else None,
        exit_plan.rollback_news(report),
    ]


def run_upload(
    ctx: CockpitContext,
    contents,
    filename,
    kind,
    mode,
    version,
    *,
    good: bool,
    playbook: str | None = None,
) -> tuple:
    """Import an upload (the good orders only when `good`; `playbook`: the playbook a tastytrade
    history followed): the report (with the rollback triggers it made fire), the journal's
    version, and whether to offer "Import the good orders" (after a refusal with bad rows)."""
    if not contents:
        return None, version, HIDDEN
    try:
        watch = watch_rollback(
            ctx.journal, ctx.alerts.alerts, settings=ctx.settings, now=ctx.clock()
        )
        done = import_upload_with_alerts(
            ctx.journal,
            ctx.alerts,
            data_dir=ctx.settings.data_dir,
            contents=contents,
            file_name=filename,
            kind=ImportKind(kind),
            mode=Mode(mode),
            skip_bad=good,
            now=ctx.clock(),
            playbook=playbook,
        )
    except (JournalBusy, StoreUnwritable, StorageError, UploadError, JournalError) as error:
        return message(str(error), ok=False, box_id=Ids.IMPORT_REFUSED), version, HIDDEN
    report = watch.reported(done.report)
    offer = not report.committed and report.has_row_errors
    touched = done.changed_journal or report.playbook_declared > 0
    changed = version + 1 if touched else version
    return import_report(report), changed, IMPORT_GOOD_SHOWN if offer else HIDDEN


def selected_trade_id(selected_rows: list | None) -> int:
    """The id of the row selected in the table; ValueError when none is."""
    if not selected_rows:
        raise ValueError("select a trade in the table first")
    return int(selected_rows[0]["id"])


def register(app: Dash, ctx: CockpitContext) -> None:
    """The table (journal_table), writes to the journal, import and export."""

    journal_table.register(app, ctx, filters=FILTERS)

    @app.callback(
        Output(Ids.ACTION_MESSAGE, "children"),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(Ids.CLOSE_BUTTON, "n_clicks"),
        State(Ids.TABLE, "selectedRows"),
        State(Ids.CLOSE_PRICE, "value"),
        State(Ids.CLOSE_EFFECT, "value"),
        State(Ids.CLOSE_FEES, "value"),
        State(Ids.CLOSE_REASON, "value"),
        State(Ids.CLOSE_FOLLOWED, "value"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def close(_n, selected, price, effect, fees, reason, followed, version):
        try:
            trade = ctx.journal.close_trade(
                selected_trade_id(selected),
                close_from_form(
                    exit_price=price,
                    exit_effect=effect,
                    fees=fees,
                    reason=reason,
                    followed=followed,
                    now=ctx.clock(),
                ),
            )
        except (JournalBusy, StoreUnwritable, JournalError, ValidationError, ValueError) as error:
            return action_message(f"Not closed: {problem(error)}", ok=False), version
        closed = f"Trade {trade.id} closed: net P&L {usd(trade.net_pnl_usd)}."
        return action_message(closed, ok=True), version + 1

    @app.callback(
        Output(Ids.ACTION_MESSAGE, "children", allow_duplicate=True),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Output(Ids.REVIEW_TEXT, "value"),
        Input(Ids.MISTAKE_BUTTON, "n_clicks"),
        Input(Ids.TAG_BUTTON, "n_clicks"),
        Input(Ids.NOTE_BUTTON, "n_clicks"),
        State(Ids.TABLE, "selectedRows"),
        State(Ids.REVIEW_TEXT, "value"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def review(_m, _t, _n, selected, text, version):
        what, save = {
            Ids.MISTAKE_BUTTON: ("mistake", ctx.journal.add_mistake),
            Ids.TAG_BUTTON: ("tag", ctx.journal.add_tag),
            Ids.NOTE_BUTTON: ("note", ctx.journal.add_note),
        }[callback_ctx.triggered_id]
        try:
            trade_id = selected_trade_id(selected)
            if not (text or "").strip():
                raise ValueError(f"type the {what} first")
            save(trade_id, text.strip())
        except (JournalBusy, StoreUnwritable, JournalError, ValidationError, ValueError) as error:
            return action_message(f"Not saved: {problem(error)}", ok=False), version, text
        saved = action_message(f"Trade {trade_id}: {what} saved.", ok=True)
        return saved, version + 1, ""  # the box is cleared for the next one

    @app.callback(
        Output(Ids.ACTION_MESSAGE, "children", allow_duplicate=True),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(Ids.OPEN_BUTTON, "n_clicks"),
        *[State(field, "value") for field in ticket.FORM_FIELDS],
        State(Ids.OPEN_AT, "value"),
        State(Ids.OPEN_MODE, "value"),
        State(Ids.OPEN_FEES, "value"),
        State(Ids.OPEN_TARGET, "value"),
        State(Ids.OPEN_STOP, "value"),
        State(Ids.OPEN_TIME_EXIT, "value"),
        State(Ids.OPEN_SETUP, "value"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def journal_open(
        _n, und, struct, exp, strikes, qty, price, at, mode, fees, target, stop, tx, setup, version
    ):
        try:
            spread = ticket.spread_from_form(und, struct, exp, strikes, qty, price)
            trade = ctx.journal.open_trade(
                opened_from_form(
                    spread,
                    opened_at=at,
                    mode=mode,
                    fees=fees,
                    profit_target=target,
                    stop_loss=stop,
                    time_exit=tx,
                    setup=setup,
                    now=ctx.clock(),
                )
            )
        except (
            TicketError,
            JournalBusy,
            StoreUnwritable,
            JournalError,
            ValidationError,
            ValueError,
        ) as error:
            return action_message(f"Not journaled: {problem(error)}", ok=False), version
        opened = (
            f"Trade {trade.id} journaled: {label(trade.structure).lower()} {trade.underlying}, "
            f"1R {usd(trade.max_loss_usd)}."
        )
        return action_message(opened, ok=True), version + 1

    @app.callback(
        Output(Ids.IMPORT_REPORT, "children"),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Output(Ids.IMPORT_GOOD, "className"),
        Input(Ids.UPLOAD, "contents"),
        Input(Ids.IMPORT_GOOD, "n_clicks"),
        State(Ids.UPLOAD, "filename"),
        State(Ids.IMPORT_KIND, "value"),
        State(Ids.IMPORT_MODE, "value"),
        State(exit_plan.Ids.IMPORT_PLAYBOOK, "value"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def upload(contents, _good, filename, kind, mode, playbook, version):
        good = callback_ctx.triggered_id == Ids.IMPORT_GOOD
        return run_upload(
            ctx, contents, filename, kind, mode, version, good=good, playbook=playbook
        )

    @app.callback(
        Output(Ids.EXPORT_DOWNLOAD, "data"),
        Output(Ids.ACTION_MESSAGE, "children", allow_duplicate=True),
        Input(Ids.EXPORT_BUTTON, "n_clicks"),
        prevent_initial_call=True,
    )
    def export(_n):
        path = ctx.settings.data_dir / "export" / "journal.csv"
        try:
            count = ctx.journal.export_journal_csv(path)
        except StorageError as error:
            return None, action_message(f"Not exported: {error}", ok=False)
        exported = f"{count} trade(s) exported to {path}."
        return dcc.send_file(str(path)), action_message(exported, ok=True)

    exit_plan.register(app, ctx, table=Ids.TABLE)
