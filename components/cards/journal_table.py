"""The Journal card's table and its selected trade: rows in words, the selection shown in a
detail panel (plan, outcome, tags, mistakes, notes), close fields reset on each selection, and
an empty journal that says what to do.

The table is an AG Grid on the infinite row model: the grid asks for one page of rows at a time
(`getRowsRequest`, with its sort) and `utils.journal.table_view` answers it from the trades
frame; rows are written for a person here (sorting stays on the frame's own values). A filter
or journal change makes the grid ask again (`assets/journal_grid.js`).
"""

from __future__ import annotations

import logging

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from collections.abc import Sequence

from dash import ClientsideFunction, Dash, Input, Output, State, html

from components.card import failure
from components.context import CockpitContext
from components.formatting import label, local_time, r_multiple, usd
from components.signals import JOURNAL_CHANGED
from utils.core.config import Settings
from utils.core.sqlite_store import JournalBusy
from utils.journal.errors import JournalError
from utils.journal.table_view import (
    PAGE_SIZE,
    TABLE_COLUMNS,
    TableFilters,
    TableSort,
    table_page,
)
from utils.journal.trade import CloseReason, Trade, TradeStatus
from utils.spreads.legs import PriceEffect

log = logging.getLogger("cockpit")
ASSETS_NAMESPACE = "cockpit"  # the functions of assets/journal_grid.js
# The grid's own settings: server-side pages of PAGE_SIZE rows, one sorted column, one row
# selected with its checkbox or a click.
GRID_OPTIONS = {
    "pagination": True,
    "paginationPageSize": PAGE_SIZE,
    "paginationPageSizeSelector": False,
    "cacheBlockSize": PAGE_SIZE,
    "suppressMultiSort": True,
    "domLayout": "autoHeight",
    "rowSelection": {"mode": "singleRow", "checkboxes": True, "enableClickSelection": True},
}
# Room for a column's usual content (px); the rest share the card's width.
COLUMN_MIN_WIDTHS = {
    "session": 110,
    "structure": 130,
    "max_loss_usd": 100,
    "net_pnl_usd": 105,
    "close_reason": 150,
}
# Headers where the values now carry their own unit.
HEADERS = {"max_loss_usd": "1R", "net_pnl_usd": "Net P&L"}
LOSS_ROW_CLASS = "journal-loss"  # red text, assets/cockpit.css
NO_TRADES = (
    "No trades yet. Journal the order ticket's spread below (Journal as opened), or import a "
    "CSV: a tastytrade transaction history or a cockpit journal."
)
NO_MATCH = "No trade matches the filters: clear a filter to see more."
NOTHING_SELECTED = (
    "Select a trade in the table (click its row) to see it here and close or review it."
)
FOLLOWED = {True: "yes", False: "no", None: "not answered"}


class Ids:
    """Every id of the table and the selected trade's panel."""

    TABLE = "journal-table"
    TABLE_ERROR = "journal-table-error"
    EMPTY = "journal-empty"
    EMPTY_BOX = "journal-empty-box"
    DETAIL = "journal-detail"
    CLOSE_PRICE = "journal-close-price"
    CLOSE_EFFECT = "journal-close-effect"
    CLOSE_FEES = "journal-close-fees"
    CLOSE_REASON = "journal-close-reason"
    CLOSE_FOLLOWED = "journal-close-followed"


def display_row(row: dict) -> dict:
    """One table row as a person reads it: words for internal values, money as -$1,234.56, R
    to 2 decimals; `loss` marks a losing row for its colour."""
    pnl = row.get("net_pnl_usd")
    return {
        **row,
        "structure": label(row.get("structure")),
        "mode": str(row.get("mode") or ""),
        "status": label(row.get("status")),
        "close_reason": label(row.get("close_reason")),
        "max_loss_usd": usd(row.get("max_loss_usd")),
        "net_pnl_usd": "" if pnl is None else usd(pnl),
        "r_multiple": "" if row.get("r_multiple") is None else r_multiple(row["r_multiple"]),
        "loss": pnl is not None and pnl < 0,
    }


def grid_response(request: dict, filters: TableFilters, frame) -> tuple[dict, int]:
    """The rows one `getRowsRequest` asks for (its row range and sort), as the grid takes them,
    and how many trades match the filters."""
    sort_model = request.get("sortModel") or []
    sort = (
        TableSort(column=sort_model[0]["colId"], ascending=sort_model[0]["sort"] == "asc")
        if sort_model
        else None
    )
    page = table_page(frame, filters, sort, request.get("startRow", 0), request.get("endRow", 0))
    rows = [display_row(row) for row in page.rows]
    return {"rowData": rows, "rowCount": page.matching}, page.matching


def empty_message(matching: int, filters: TableFilters, journal_rows: int) -> html.P | None:
    """What to do when the table shows nothing: journal or import (an empty journal), or clear
    a filter; None when there are rows."""
    if matching:
        return None
    text = NO_TRADES if journal_rows == 0 else NO_MATCH
    return html.P(text, className="small text-muted mt-1 mb-0", id=Ids.EMPTY)


def trades_grid() -> dag.AgGrid:
    """The trades table: pages of rows asked from the server, sortable, one row selectable."""
    return dag.AgGrid(
        id=Ids.TABLE,
        columnDefs=[
            {
                "field": field,
                "headerName": HEADERS.get(field, header),
                "minWidth": COLUMN_MIN_WIDTHS.get(field, 70),
            }
            for field, header in TABLE_COLUMNS
        ],
        defaultColDef={"sortable": True, "resizable": True},
        columnSize="responsiveSizeToFit",
        rowModelType="infinite",
        getRowId="'' + params.data.id",  # AG Grid wants row ids as text
        dashGridOptions=GRID_OPTIONS,
        rowClassRules={LOSS_ROW_CLASS: "params.data && params.data.loss"},
        className="journal-grid",
    )


def table_parts() -> list:
    """The table, with room above it for a read error and below it for the empty message."""
    return [
        html.Div(id=Ids.TABLE_ERROR),
        html.Div(className="table-responsive", children=trades_grid()),
        html.Div(id=Ids.EMPTY_BOX),
    ]


def _fact(name: str, value: str) -> html.Div:
    return html.Div([html.Span(f"{name}: ", className="text-muted"), value])


def render_detail(trade: Trade | None, settings: Settings | None) -> list:
    """The selected trade: what it is, its plan, its outcome, tags, mistakes and notes."""
    if trade is None or settings is None:
        return [html.P(NOTHING_SELECTED, className="small text-muted mb-1")]
    closed = trade.status is TradeStatus.CLOSED
    heading = (
        f"Trade {trade.id}: {trade.underlying} {label(trade.structure).lower()}, "
        f"{trade.quantity} unit(s), {trade.mode}, {label(trade.status).lower()}"
    )
    facts = [
        _fact("Opened", local_time(trade.opened_at, settings)),
        _fact("Entry", f"{usd(trade.entry_price)} {trade.entry_effect.value.lower()} per share"),
        _fact("1R (max loss)", usd(trade.max_loss_usd)),
        _fact("Profit target", usd(trade.profit_target_usd)),
        _fact("Stop loss", usd(trade.stop_loss_usd)),
        _fact("Time exit", local_time(trade.time_exit_at, settings)),
        _fact("Setup", trade.setup or "-"),
    ]
    if closed:
        facts += [
            _fact("Closed", local_time(trade.closed_at, settings)),
            _fact("Closed by", label(trade.close_reason)),
            _fact("Net P&L", f"{usd(trade.net_pnl_usd)} ({r_multiple(trade.r_multiple)})"),
            _fact("Followed the plan", FOLLOWED[trade.followed_plan]),
        ]
    notes = [
        html.Li([html.Span(local_time(note.at, settings), className="text-muted"), f" {note.text}"])
        for note in reversed(trade.notes)
    ]
    return [
        html.Div(heading, className="fw-semibold"),
        html.Div(facts, className="small d-flex flex-wrap column-gap-3"),
        html.Div(
            [
                _fact("Tags", ", ".join(trade.tags) or "none"),
                _fact("Mistakes", ", ".join(trade.mistakes) or "none"),
            ],
            className="small d-flex flex-wrap column-gap-3",
        ),
        html.Div("Notes", className="small text-muted mt-1"),
        html.Ul(notes, className="small mb-1") if notes else html.Div("none", className="small"),
    ]


def close_defaults(trade: Trade | None) -> tuple[str, str, str, str, str]:
    """Fresh close fields for a newly selected trade: no price, the effect that closes its
    entry (a credit is bought back with a debit), no fees, a closing order, not answered."""
    effect = PriceEffect.DEBIT
    if trade is not None and trade.entry_effect is PriceEffect.DEBIT:
        effect = PriceEffect.CREDIT
    return "", effect.value, "0", CloseReason.CLOSING_ORDER.value, ""


def selected_trade(ctx: CockpitContext, selected_rows: list | None) -> Trade | None:
    """The trade of the selected row (None when nothing is selected or it is gone)."""
    if not selected_rows:
        return None
    try:
        return ctx.journal.get_trade(int(selected_rows[0]["id"]))
    except (KeyError, LookupError, JournalError, ValueError):
        return None


def register(app: Dash, ctx: CockpitContext, filters: Sequence[str]) -> None:
    """Pages of rows for the grid (asked again when `filters` or the journal change), the
    selected trade's panel, and its close fields reset on each selection."""
    app.clientside_callback(
        ClientsideFunction(namespace=ASSETS_NAMESPACE, function_name="reloadJournalRows"),
        Input(JOURNAL_CHANGED, "data"),
        State(Ids.TABLE, "id"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace=ASSETS_NAMESPACE, function_name="filterJournalRows"),
        *[Input(field, "value") for field in filters],
        State(Ids.TABLE, "id"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output(Ids.TABLE, "getRowsResponse"),
        Output(Ids.TABLE_ERROR, "children"),
        Output(Ids.EMPTY_BOX, "children"),
        Input(Ids.TABLE, "getRowsRequest"),
        *[State(field, "value") for field in filters],
        prevent_initial_call=True,
    )
    def rows(request, structure, underlying, session, tag):
        shown = TableFilters(structure=structure, underlying=underlying, session=session, tag=tag)
        try:
            frame = ctx.journal.trades_frame()
        except Exception as error:  # shown on the card, logged, never a blank table
            log.exception("reading the journal table failed")
            return {"rowData": [], "rowCount": 0}, failure("read the journal", error), None
        answer, matching = grid_response(request or {}, shown, frame)
        return answer, None, empty_message(matching, shown, len(frame))

    @app.callback(
        Output(Ids.DETAIL, "children"),
        Input(Ids.TABLE, "selectedRows"),
        Input(JOURNAL_CHANGED, "data"),
    )
    def detail(selected, _version):
        try:
            return render_detail(selected_trade(ctx, selected), ctx.settings)
        except JournalBusy as error:
            return failure("read the selected trade", error)

    @app.callback(
        Output(Ids.CLOSE_PRICE, "value"),
        Output(Ids.CLOSE_EFFECT, "value"),
        Output(Ids.CLOSE_FEES, "value"),
        Output(Ids.CLOSE_REASON, "value"),
        Output(Ids.CLOSE_FOLLOWED, "value"),
        Input(Ids.TABLE, "selectedRows"),
        prevent_initial_call=True,
    )
    def reset_close_fields(selected):
        try:
            return close_defaults(selected_trade(ctx, selected))
        except JournalBusy:
            return close_defaults(None)


def detail_panel() -> dbc.Card:
    """The selected trade's panel (filled when a row is selected)."""
    return dbc.Card(
        dbc.CardBody(render_detail(None, None), id=Ids.DETAIL, className="py-2"),
        className="mb-2 journal-detail",
    )
