"""Exit plans and playbooks on the Journal card: a plan for the selected trade, the playbooks.

Mounted by the Journal card (`panel(ctx)` in its layout, `register(app, ctx, table=...)` with
its table's id). A plan set here is declared after entry: kept with its time, shown as such,
and it never makes the entry planned (see `utils.journal.exit_plans`). Playbooks are named
setups with a default exit plan; the ticket (`ticket_playbook_select`) and the tastytrade
upload (`import_playbook_select`) choose one from the lists this module keeps current.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, dcc, html

from components.context import CockpitContext
from components.formatting import local_time
from components.signals import JOURNAL_CHANGED
from utils.core.sqlite_store import JournalBusy
from utils.journal.errors import JournalError
from utils.journal.exit_plan_form import exit_plan_from_form, playbook_from_form
from utils.journal.exit_plans import Playbook
from utils.journal.import_report import ImportReport
from utils.journal.trade import Trade

NO_PLAYBOOK = ""


class Ids:
    """Every id the exit-plan panel and its playbook menus put on the page."""

    PANEL = "exit-plan-panel"
    CURRENT = "exit-plan-current"
    TARGET = "exit-plan-target"
    STOP = "exit-plan-stop"
    TIME_EXIT = "exit-plan-time-exit"
    DECLARE = "exit-plan-declare"
    MESSAGE = "exit-plan-message"
    PLAYBOOK_NAME = "playbook-name"
    PLAYBOOK_TARGET = "playbook-target-pct"
    PLAYBOOK_STOP = "playbook-stop-multiple"
    PLAYBOOK_DTE = "playbook-dte"
    PLAYBOOK_SAVE = "playbook-save"
    PLAYBOOK_MESSAGE = "playbook-message"
    PLAYBOOK_LIST = "playbook-list"
    PLAYBOOKS_VERSION = "playbooks-version"
    TICKET_PLAYBOOK = "ticket-playbook"
    IMPORT_PLAYBOOK = "journal-import-playbook"
    ROLLBACK_NEWS = "journal-import-rollback"
    MESSAGE_OK = "exit-plan-message-ok"
    MESSAGE_REFUSED = "exit-plan-message-refused"
    PLAYBOOK_OK = "playbook-message-ok"
    PLAYBOOK_REFUSED = "playbook-message-refused"


def playbook_options(playbooks: list[Playbook]) -> list[dict[str, str]]:
    """The menu: no playbook, then each playbook's latest version with its rules."""
    return [{"label": "no playbook", "value": NO_PLAYBOOK}] + [
        {"label": f"{p.title}: {p.describe()}", "value": p.name} for p in playbooks
    ]


def _select(select_id: str, ctx: CockpitContext) -> dbc.Select:
    return dbc.Select(
        id=select_id,
        value=NO_PLAYBOOK,
        size="sm",
        options=playbook_options(ctx.journal.playbooks()),
    )


def ticket_playbook_select(ctx: CockpitContext) -> dbc.Select:
    """The ticket's playbook menu: its exit plan fills what the ticket's plan leaves blank."""
    return _select(Ids.TICKET_PLAYBOOK, ctx)


def import_playbook_select(ctx: CockpitContext) -> dbc.Select:
    """The upload's playbook menu: "this tastytrade history followed playbook X"."""
    return _select(Ids.IMPORT_PLAYBOOK, ctx)


def _field(label: str, control, width: int) -> dbc.Col:
    return dbc.Col([dbc.Label(label, className="small mb-0"), control], md=width)


def _input(input_id: str, placeholder: str) -> dbc.Input:
    return dbc.Input(id=input_id, size="sm", placeholder=placeholder)


def panel(ctx: CockpitContext) -> html.Div:
    """The selected trade's exit plan and the playbooks."""
    plan_form = dbc.Row(
        [
            _field("Profit target ($)", _input(Ids.TARGET, "e.g. 50.00"), 3),
            _field("Stop: loss ($)", _input(Ids.STOP, "e.g. 200.00"), 3),
            _field("Time exit (New York)", _input(Ids.TIME_EXIT, "YYYY-MM-DDTHH:MM"), 3),
            dbc.Col(
                dbc.Button("Declare exit plan", id=Ids.DECLARE, size="sm", color="secondary"),
                md=3,
                className="d-flex align-items-end",
            ),
        ]
    )
    playbook_form = dbc.Row(
        [
            _field("Playbook name", _input(Ids.PLAYBOOK_NAME, "e.g. 50/2x/21"), 3),
            _field("Target: % of max profit", _input(Ids.PLAYBOOK_TARGET, "50"), 2),
            _field("Stop: x the entry price", _input(Ids.PLAYBOOK_STOP, "2"), 2),
            _field("Time exit: DTE", _input(Ids.PLAYBOOK_DTE, "21"), 2),
            dbc.Col(
                dbc.Button("Save playbook", id=Ids.PLAYBOOK_SAVE, size="sm", color="light"),
                md=3,
                className="d-flex align-items-end",
            ),
        ]
    )
    return html.Div(
        [
            html.H6("Exit plan of the selected trade", className="mt-2"),
            html.Div(id=Ids.CURRENT, className="small text-muted"),
            plan_form,
            html.Div(
                "A plan declared here is kept with its time and shown as declared after entry: "
                "it never clears NO_PLANNED_EXIT, and its stop and time exit judge only later "
                "exits, where the entry plan had none.",
                className="small text-muted",
            ),
            html.Div(id=Ids.MESSAGE, className="mt-1"),
            html.H6("Playbooks", className="mt-2"),
            playbook_form,
            html.Div(id=Ids.PLAYBOOK_MESSAGE, className="mt-1"),
            html.Ul(id=Ids.PLAYBOOK_LIST, className="small mb-0"),
            dcc.Store(id=Ids.PLAYBOOKS_VERSION, data=0),
        ],
        id=Ids.PANEL,
    )


def describe_plans(trade: Trade, ctx: CockpitContext) -> list:
    """The trade's entry plan and every later declaration, each with when it was declared."""
    entry = trade.entry_plan
    head = f"Trade {trade.id}: " + (
        f"{entry.plan.describe()} ({entry.source})"
        if entry.plan is not None
        else "no plan at entry"
    )
    later = [
        html.Li(
            f"{d.plan.describe()}: {d.declared.label}, "
            f"{'playbook ' + str(d.playbook) + ', ' if d.playbook else ''}"
            f"recorded {local_time(d.recorded_at, ctx.settings)}"
        )
        for d in trade.exit_plans
    ]
    return [html.Div(head), html.Ul(later, className="mb-1") if later else None]


def rollback_news(report: ImportReport) -> dbc.Alert | None:
    """A warning naming the rollback triggers an import made fire (None when none did)."""
    if not report.rollback:
        return None
    return dbc.Alert(
        [html.Strong("This import makes the rollback protocol fire:"), " ".join(report.rollback)],
        color="warning",
        className="py-1 small",
        id=Ids.ROLLBACK_NEWS,
    )


def _alert(text: str, ok: bool, box_id: str) -> dbc.Alert:
    return dbc.Alert(text, color="success" if ok else "danger", className="py-1 small", id=box_id)


def register(app: Dash, ctx: CockpitContext, *, table: str) -> None:
    """The plan form (on the trade selected in `table`), the playbooks and their menus."""

    @app.callback(
        Output(Ids.CURRENT, "children"),
        Input(table, "selectedRows"),
        Input(JOURNAL_CHANGED, "data"),
    )
    def current(selected, _version):
        if not selected:
            return "Select a trade in the table to see or set its exit plan."
        try:
            return describe_plans(ctx.journal.get_trade(int(selected[0]["id"])), ctx)
        except (JournalError, KeyError, TypeError, ValueError) as error:
            return str(error)

    @app.callback(
        Output(Ids.MESSAGE, "children"),
        Output(JOURNAL_CHANGED, "data", allow_duplicate=True),
        Input(Ids.DECLARE, "n_clicks"),
        State(table, "selectedRows"),
        State(Ids.TARGET, "value"),
        State(Ids.STOP, "value"),
        State(Ids.TIME_EXIT, "value"),
        State(JOURNAL_CHANGED, "data"),
        prevent_initial_call=True,
    )
    def declare(_n, selected, target, stop, time_exit, version):
        try:
            if not selected:
                raise ValueError("select a trade in the table first")
            plan = exit_plan_from_form(target, stop, time_exit)
            trade = ctx.journal.declare_exit_plan(int(selected[0]["id"]), plan)
        except (JournalBusy, JournalError, ValueError) as error:
            return _alert(f"Not declared: {error}", False, Ids.MESSAGE_REFUSED), version
        text = (
            f"Trade {trade.id}: {plan.describe()} declared after entry at "
            f"{local_time(trade.exit_plans[-1].recorded_at, ctx.settings)}."
        )
        return _alert(text, True, Ids.MESSAGE_OK), version + 1

    @app.callback(
        Output(Ids.PLAYBOOK_MESSAGE, "children"),
        Output(Ids.PLAYBOOKS_VERSION, "data"),
        Input(Ids.PLAYBOOK_SAVE, "n_clicks"),
        State(Ids.PLAYBOOK_NAME, "value"),
        State(Ids.PLAYBOOK_TARGET, "value"),
        State(Ids.PLAYBOOK_STOP, "value"),
        State(Ids.PLAYBOOK_DTE, "value"),
        State(Ids.PLAYBOOKS_VERSION, "data"),
        prevent_initial_call=True,
    )
    def save(_n, name, target, stop, dte, version):
        try:
            saved = ctx.journal.save_playbook(playbook_from_form(name, target, stop, dte))
        except (JournalBusy, JournalError, ValueError) as error:
            return _alert(f"Not saved: {error}", False, Ids.PLAYBOOK_REFUSED), version
        text = f"Saved {saved.title}: {saved.describe()}."
        return _alert(text, True, Ids.PLAYBOOK_OK), version + 1

    @app.callback(
        Output(Ids.PLAYBOOK_LIST, "children"),
        Output(Ids.TICKET_PLAYBOOK, "options"),
        Output(Ids.IMPORT_PLAYBOOK, "options"),
        Input(Ids.PLAYBOOKS_VERSION, "data"),
    )
    def playbooks(_version):
        found = ctx.journal.playbooks()
        listed = [
            html.Li(f"{p.title}: {p.describe()} (saved {local_time(p.recorded_at, ctx.settings)})")
            for p in found
        ]
        options = playbook_options(found)
        return listed or [html.Li("No playbook yet.")], options, options
