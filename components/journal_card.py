"""Journal card: one row per spread; filters, manual entry and close, reviews, import, export."""

from __future__ import annotations

import base64
import logging
import binascii
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Dash, Input, Output, State, dash_table, dcc, html
from dash import ctx as callback_ctx
from pydantic import ValidationError

from components import ticket
from components.card import cockpit_card, failure
from components.context import CockpitContext
from components.formatting import usd
from components.signals import JOURNAL_CHANGED
from utils.journal.importer import detect_format
from utils.journal.errors import JournalError
from utils.journal.trade import CloseReason, Mode, TradeClose, new_trade_from_spread
from utils.core.sessions import NEW_YORK
from utils.spreads.legs import PriceEffect
from utils.spreads.ticket import TicketError, parse_amount

CARD_ID = "card-journal"
TABLE = "journal-table"
FILTER_STRUCTURE = "journal-filter-structure"
FILTER_UNDERLYING = "journal-filter-underlying"
FILTER_SESSION = "journal-filter-session"
FILTER_TAG = "journal-filter-tag"
UPLOAD = "journal-upload"
IMPORT_KIND = "journal-import-kind"
IMPORT_MODE = "journal-import-mode"
IMPORT_SKIP_BAD = "journal-import-skip-bad"
IMPORT_REPORT = "journal-import-report"
EXPORT_BUTTON = "journal-export"
EXPORT_DOWNLOAD = "journal-export-download"
ACTION_MESSAGE = "journal-action-message"
CLOSE_PRICE = "journal-close-price"
CLOSE_EFFECT = "journal-close-effect"
CLOSE_FEES = "journal-close-fees"
CLOSE_REASON = "journal-close-reason"
CLOSE_FOLLOWED = "journal-close-followed"
CLOSE_BUTTON = "journal-close-button"
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
TABLE_ERROR = "journal-table-error"
PAGE_SIZE = 15
log = logging.getLogger("cockpit")

COLUMNS = (
    ("id", "Id"),
    ("session", "Session"),
    ("structure", "Structure"),
    ("underlying", "Underlying"),
    ("quantity", "Qty"),
    ("mode", "Mode"),
    ("status", "Status"),
    ("max_loss_usd", "1R ($)"),
    ("net_pnl_usd", "Net P&L ($)"),
    ("r_multiple", "R"),
    ("close_reason", "Closed by"),
    ("tags", "Tags"),
    ("mistakes", "Mistakes"),
)


def table_rows(frame: pd.DataFrame, filters: dict, sort_by: list, page: int) -> tuple[list, int]:
    """Filter, sort and page the trades frame for the table; returns rows and page count."""
    view = frame
    if filters.get("structure"):
        view = view[view["structure"] == filters["structure"]]
    if filters.get("underlying"):
        view = view[view["underlying"] == filters["underlying"].strip().upper()]
    if filters.get("session"):
        view = view[view["session"].astype(str) == filters["session"]]
    if filters.get("tag"):
        tag = filters["tag"].strip().lower()
        view = view[view["tags"].map(lambda tags: any(t.lower() == tag for t in tags))]
    if sort_by:
        view = view.sort_values(
            sort_by[0]["column_id"], ascending=sort_by[0]["direction"] == "asc", kind="stable"
        )
    else:
        view = view.sort_values("id", ascending=False)
    pages = max(1, -(-len(view) // PAGE_SIZE))
    shown = view.iloc[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = []
    for record in shown[[c for c, _ in COLUMNS]].to_dict("records"):
        record["session"] = str(record["session"])
        record["tags"] = ", ".join(record["tags"])
        record["mistakes"] = ", ".join(record["mistakes"])
        record["r_multiple"] = (
            None if pd.isna(record["r_multiple"]) else round(record["r_multiple"], 2)
        )
        record["net_pnl_usd"] = None if pd.isna(record["net_pnl_usd"]) else record["net_pnl_usd"]
        record["close_reason"] = record["close_reason"] or ""
        rows.append(record)
    return rows, pages


def _input(label: str, control, width: int = 3) -> dbc.Col:
    return dbc.Col([dbc.Label(label, className="small mb-0"), control], md=width, className="mb-2")


def _import_panel() -> html.Div:
    return html.Div(
        [
            html.H6("Import"),
            dbc.Row(
                [
                    _input(
                        "File type",
                        dbc.Select(
                            id=IMPORT_KIND,
                            value="auto",
                            size="sm",
                            options=[
                                {"label": "detect from header", "value": "auto"},
                                {"label": "tastytrade transaction history", "value": "tastytrade"},
                                {"label": "cockpit journal CSV", "value": "journal"},
                            ],
                        ),
                    ),
                    _input(
                        "tastytrade account",
                        dbc.Select(
                            id=IMPORT_MODE,
                            value="SANDBOX",
                            size="sm",
                            options=[{"label": m, "value": m} for m in ("SANDBOX", "LIVE")],
                        ),
                    ),
                    _input(
                        "Bad rows",
                        dbc.Checklist(
                            id=IMPORT_SKIP_BAD,
                            options=[{"label": "import the good rows, list the bad", "value": 1}],
                            value=[],
                            className="small",
                        ),
                        width=6,
                    ),
                ]
            ),
            dcc.Upload(
                id=UPLOAD,
                children=html.Div(["Drop a CSV here or ", html.A("choose a file")]),
                multiple=False,
                accept=".csv,text/csv",
                className="border border-2 border-secondary-subtle rounded text-center p-2 small",
            ),
            dcc.Loading(html.Div(id=IMPORT_REPORT, className="mt-2")),
        ]
    )


def _entry_panel(ctx: CockpitContext) -> html.Div:
    now_local = ctx.clock().astimezone(NEW_YORK).strftime("%Y-%m-%dT%H:%M")
    return html.Div(
        [
            html.H6("Journal the ticket's spread as opened (manual entry)"),
            html.P(
                "Uses the order ticket's underlying, structure, strikes, quantity and price.",
                className="small text-muted mb-1",
            ),
            dbc.Row(
                [
                    _input(
                        "Opened at (New York)",
                        dbc.Input(id=OPEN_AT, type="datetime-local", value=now_local, size="sm"),
                    ),
                    _input(
                        "Mode",
                        dbc.Select(
                            id=OPEN_MODE,
                            value="SIM",
                            size="sm",
                            options=[{"label": m.value, "value": m.value} for m in Mode],
                        ),
                    ),
                    _input("Opening fees ($)", dbc.Input(id=OPEN_FEES, value="0", size="sm")),
                    _input("Setup", dbc.Input(id=OPEN_SETUP, size="sm")),
                    _input("Profit target ($)", dbc.Input(id=OPEN_TARGET, size="sm")),
                    _input("Stop loss ($)", dbc.Input(id=OPEN_STOP, size="sm")),
                    _input(
                        "Time exit (New York)",
                        dbc.Input(id=OPEN_TIME_EXIT, type="datetime-local", size="sm"),
                    ),
                    dbc.Col(
                        dbc.Button("Journal as opened", id=OPEN_BUTTON, size="sm"),
                        md=3,
                        className="d-flex align-items-end mb-2",
                    ),
                ]
            ),
        ]
    )


def _selected_panel() -> html.Div:
    return html.Div(
        [
            html.H6("Selected trade"),
            dbc.Row(
                [
                    _input("Exit price (per share)", dbc.Input(id=CLOSE_PRICE, size="sm"), 2),
                    _input(
                        "Exit is a",
                        dbc.Select(
                            id=CLOSE_EFFECT,
                            value=PriceEffect.DEBIT.value,
                            size="sm",
                            options=[{"label": e.value, "value": e.value} for e in PriceEffect],
                        ),
                        2,
                    ),
                    _input("Closing fees ($)", dbc.Input(id=CLOSE_FEES, value="0", size="sm"), 2),
                    _input(
                        "Closed by",
                        dbc.Select(
                            id=CLOSE_REASON,
                            value=CloseReason.CLOSING_ORDER.value,
                            size="sm",
                            options=[{"label": r.value, "value": r.value} for r in CloseReason],
                        ),
                        2,
                    ),
                    _input(
                        "Followed the plan?",
                        dbc.Select(
                            id=CLOSE_FOLLOWED,
                            value="",
                            size="sm",
                            options=[
                                {"label": "not answered", "value": ""},
                                {"label": "yes", "value": "yes"},
                                {"label": "no", "value": "no"},
                            ],
                        ),
                        2,
                    ),
                    dbc.Col(
                        dbc.Button("Close trade", id=CLOSE_BUTTON, size="sm", color="secondary"),
                        md=2,
                        className="d-flex align-items-end mb-2",
                    ),
                ]
            ),
            dbc.InputGroup(
                [
                    dbc.Input(id=REVIEW_TEXT, placeholder="a mistake, tag or note", size="sm"),
                    dbc.Button("Tag mistake", id=MISTAKE_BUTTON, size="sm", color="warning"),
                    dbc.Button("Add tag", id=TAG_BUTTON, size="sm", color="light"),
                    dbc.Button("Add note", id=NOTE_BUTTON, size="sm", color="light"),
                ],
                size="sm",
            ),
        ]
    )


def layout(ctx: CockpitContext) -> dbc.Card:
    """The journal: filters, the trades table, actions, manual entry, import and export."""
    filters = dbc.Row(
        [
            _input(
                "Structure",
                dbc.Select(
                    id=FILTER_STRUCTURE,
                    value="",
                    size="sm",
                    options=[{"label": "all", "value": ""}]
                    + [
                        {"label": s, "value": s}
                        for s in ("vertical", "iron_condor", "iron_butterfly", "butterfly")
                    ],
                ),
            ),
            _input("Underlying", dbc.Input(id=FILTER_UNDERLYING, size="sm", debounce=True)),
            _input(
                "Session",
                dbc.Input(id=FILTER_SESSION, type="date", size="sm"),
            ),
            _input("Tag", dbc.Input(id=FILTER_TAG, size="sm", debounce=True)),
        ]
    )
    table = dash_table.DataTable(
        id=TABLE,
        columns=[{"name": name, "id": column} for column, name in COLUMNS],
        page_current=0,
        page_size=PAGE_SIZE,
        page_action="custom",
        sort_action="custom",
        sort_mode="single",
        sort_by=[],
        row_selectable="single",
        selected_rows=[],
        style_table={"overflowX": "auto"},
        style_cell={"fontSize": "0.8rem", "padding": "2px 6px"},
        style_data_conditional=[
            {"if": {"filter_query": "{net_pnl_usd} < 0"}, "color": "#b02a37"},
        ],
    )
    export = html.Div(
        [
            dbc.Button("Export journal CSV", id=EXPORT_BUTTON, size="sm", color="light"),
            dcc.Download(id=EXPORT_DOWNLOAD),
        ],
        className="mt-2",
    )
    return cockpit_card(
        CARD_ID,
        "Journal",
        [
            filters,
            html.Div(id=TABLE_ERROR),
            table,
            html.Div(id=ACTION_MESSAGE, className="mt-2"),
            dbc.Row(
                [
                    dbc.Col([_selected_panel(), html.Hr(), _entry_panel(ctx)], lg=7),
                    dbc.Col([_import_panel(), export], lg=5),
                ],
                className="mt-2",
            ),
        ],
    )


def _local(field: str, text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=NEW_YORK)
    except ValueError:
        raise ValueError(f"{field}: {text!r} is not a date and time") from None


def _problem(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}".removeprefix(": ")
            for e in error.errors(include_url=False)
        )
    return str(error)


def _ok(text: str) -> dbc.Alert:
    return dbc.Alert(text, color="success", className="py-1 small", id="journal-ok")


def _refused(text: str) -> dbc.Alert:
    return dbc.Alert(text, color="danger", className="py-1 small", id="journal-error")


def _import_report(report) -> list:
    issues = [html.Li(str(issue)) for issue in report.errors[:50]]
    warnings = [html.Li(str(issue)) for issue in report.warnings[:20]]
    return [
        (_ok if report.committed else _refused)(report.summary()),
        (
            html.Ul(issues, className="small text-danger", id="journal-import-errors")
            if issues
            else None
        ),
        html.Ul(warnings, className="small text-muted") if warnings else None,
    ]


def register(app: Dash, ctx: CockpitContext) -> None:
    """Table paging and filters, writes to the journal, import and export."""

    @app.callback(
        Output(TABLE, "data"),
        Output(TABLE, "page_count"),
        Output(TABLE_ERROR, "children"),
        Input(JOURNAL_CHANGED, "data"),
        Input(TABLE, "page_current"),
        Input(TABLE, "sort_by"),
        Input(FILTER_STRUCTURE, "value"),
        Input(FILTER_UNDERLYING, "value"),
        Input(FILTER_SESSION, "value"),
        Input(FILTER_TAG, "value"),
    )
    def show(_changed, page, sort_by, structure, underlying, session, tag):
        filters = {"structure": structure, "underlying": underlying, "session": session, "tag": tag}
        try:
            frame = ctx.journal.trades_frame()
        except Exception as error:  # shown on the card, logged, never a blank table
            log.exception("reading the journal table failed")
            return [], 1, failure("read the journal", error)
        rows, pages = table_rows(frame, filters, sort_by or [], page or 0)
        return rows, pages, None

    def selected_id(rows, selected):
        if not selected or not rows or selected[0] >= len(rows):
            raise ValueError("select a trade in the table first")
        return int(rows[selected[0]]["id"])

    @app.callback(
        Output(ACTION_MESSAGE, "children"),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(CLOSE_BUTTON, "n_clicks"),
        State(TABLE, "data"),
        State(TABLE, "selected_rows"),
        State(CLOSE_PRICE, "value"),
        State(CLOSE_EFFECT, "value"),
        State(CLOSE_FEES, "value"),
        State(CLOSE_REASON, "value"),
        State(CLOSE_FOLLOWED, "value"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def close(_n, rows, selected, price, effect, fees, reason, followed, version):
        try:
            trade_id = selected_id(rows, selected)
            trade = ctx.journal.close_trade(
                trade_id,
                TradeClose(
                    closed_at=ctx.clock(),
                    exit_price=parse_amount("exit price", price, required=True),
                    exit_effect=effect,
                    close_fees_usd=parse_amount("closing fees", fees) or Decimal("0"),
                    close_reason=reason,
                    followed_plan={"yes": True, "no": False}.get(followed),
                ),
            )
        except (JournalError, ValidationError, ValueError) as error:
            return _refused(f"Not closed: {_problem(error)}"), version
        return _ok(f"Trade {trade.id} closed: net P&L {usd(trade.net_pnl_usd)}."), version + 1

    @app.callback(
        Output(ACTION_MESSAGE, "children", allow_duplicate=True),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(MISTAKE_BUTTON, "n_clicks"),
        Input(TAG_BUTTON, "n_clicks"),
        Input(NOTE_BUTTON, "n_clicks"),
        State(TABLE, "data"),
        State(TABLE, "selected_rows"),
        State(REVIEW_TEXT, "value"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def review(_m, _t, _n, rows, selected, text, version):
        action = {
            MISTAKE_BUTTON: ("mistake", ctx.journal.add_mistake),
            TAG_BUTTON: ("tag", ctx.journal.add_tag),
            NOTE_BUTTON: ("note", ctx.journal.add_note),
        }[callback_ctx.triggered_id]
        try:
            trade_id = selected_id(rows, selected)
            if not (text or "").strip():
                raise ValueError(f"type the {action[0]} first")
            action[1](trade_id, text.strip())
        except (JournalError, ValidationError, ValueError) as error:
            return _refused(f"Not saved: {_problem(error)}"), version
        return _ok(f"Trade {trade_id}: {action[0]} saved."), version + 1

    @app.callback(
        Output(ACTION_MESSAGE, "children", allow_duplicate=True),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(OPEN_BUTTON, "n_clicks"),
        *[State(field, "value") for field in ticket.FORM_FIELDS],
        State(OPEN_AT, "value"),
        State(OPEN_MODE, "value"),
        State(OPEN_FEES, "value"),
        State(OPEN_TARGET, "value"),
        State(OPEN_STOP, "value"),
        State(OPEN_TIME_EXIT, "value"),
        State(OPEN_SETUP, "value"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def journal_open(
        _n, und, struct, exp, strikes, qty, price, at, mode, fees, target, stop, tx, setup, version
    ):
        try:
            spread = ticket.spread_from_form(und, struct, exp, strikes, qty, price)
            trade = ctx.journal.open_trade(
                new_trade_from_spread(
                    spread,
                    opened_at=_local("opened at", at) or ctx.clock(),
                    mode=mode,
                    open_fees_usd=parse_amount("opening fees", fees) or Decimal("0"),
                    profit_target_usd=parse_amount("profit target", target),
                    stop_loss_usd=parse_amount("stop loss", stop),
                    time_exit_at=_local("time exit", tx),
                    setup=(setup or "").strip() or None,
                )
            )
        except (TicketError, JournalError, ValidationError, ValueError) as error:
            return _refused(f"Not journaled: {_problem(error)}"), version
        return (
            _ok(
                f"Trade {trade.id} journaled: {trade.structure.value} {trade.underlying}, "
                f"1R {usd(trade.max_loss_usd)}."
            ),
            version + 1,
        )

    @app.callback(
        Output(IMPORT_REPORT, "children"),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(UPLOAD, "contents"),
        State(UPLOAD, "filename"),
        State(IMPORT_KIND, "value"),
        State(IMPORT_MODE, "value"),
        State(IMPORT_SKIP_BAD, "value"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def upload(contents, filename, kind, mode, skip_bad, version):
        if not contents:
            return None, version
        try:
            payload = base64.b64decode(contents.split(",", 1)[1], validate=True)
        except (IndexError, binascii.Error):
            return _refused(f"{filename}: the upload could not be read; try again."), version
        folder = ctx.settings.data_dir / "imports"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = ctx.clock().strftime("%Y%m%dT%H%M%S")
        path = folder / f"{stamp}-{Path(filename or 'upload.csv').name}"
        path.write_bytes(payload)
        kind = detect_format(path) if kind == "auto" else kind
        if kind == "tastytrade":
            report = ctx.journal.import_tastytrade_csv(
                path, mode=Mode(mode), skip_bad=bool(skip_bad)
            )
        else:
            report = ctx.journal.import_journal_csv(path, skip_bad=bool(skip_bad))
        changed = report.committed and (report.added or report.closed)
        return _import_report(report), version + 1 if changed else version

    @app.callback(
        Output(EXPORT_DOWNLOAD, "data"),
        Output(ACTION_MESSAGE, "children", allow_duplicate=True),
        Input(EXPORT_BUTTON, "n_clicks"),
        prevent_initial_call=True,
    )
    def export(_n):
        path = ctx.settings.data_dir / "export" / "journal.csv"
        count = ctx.journal.export_journal_csv(path)
        return dcc.send_file(str(path)), _ok(f"{count} trade(s) exported to {path}.")
