"""Export card: the compliance snapshot CSV (checklist sections 3, 6 and 10)."""

from __future__ import annotations

from pathlib import Path

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from components.card import cockpit_card, failure
from components.context import CockpitContext
from components.formatting import local_time
from utils.core.backups import backups_dir, last_backup_at
from utils.records.audit import AuditChainBroken, AuditWriteError
from utils.judge.compliance import ComplianceExportError, export_compliance_snapshot


class Ids:
    """Every id the Export card puts on the page."""

    CARD = "card-export"
    BUTTON = "export-compliance"
    RESULT = "export-result"
    DOWNLOAD = "export-download"
    REFUSED = "export-refused"
    PATH = "export-path"
    LAST_BACKUP = "export-last-backup"


def layout(ctx: CockpitContext) -> dbc.Card:
    """The Export Compliance CSV button and where the file went."""
    return cockpit_card(
        Ids.CARD,
        "Export",
        [
            html.P(
                "Writes every gate, the modes and their reasons, expectancy, discipline, alerts, "
                "halt, latch, ramp, open risk, sandbox and CI status and the audit log's head "
                "(seq, hash); refused while the audit chain is broken. Keep it with your session "
                "notes.",
                className="small",
            ),
            last_backup(ctx),
            dbc.Button("Export Compliance CSV", id=Ids.BUTTON, color="primary"),
            dcc.Loading(html.Div(id=Ids.RESULT, className="mt-2")),
            dcc.Download(id=Ids.DOWNLOAD),
        ],
    )


def last_backup(ctx: CockpitContext) -> html.P:
    """When the stores were last backed up to data/backups/, and a failed start-up backup."""
    at = last_backup_at(backups_dir(ctx.settings.data_dir))
    when = "none yet" if at is None else local_time(at, ctx.settings)
    lines: list = [f"Last backup: {when}."]
    if ctx.backup_warning:
        lines += [html.Br(), html.Span(ctx.backup_warning, className="text-danger")]
    return html.P(lines, className="small", id=Ids.LAST_BACKUP)


def render_refused(broken: AuditChainBroken) -> dbc.Alert:
    """Why the export was refused (a broken audit chain) and how to recover."""
    return dbc.Alert(
        [
            html.Strong("Export refused: the audit chain is broken. "),
            f"{broken}. Restore data/audit.sqlite3 "
            "(see `python -m utils.records.audit verify`), "
            "then export again.",
        ],
        color="danger",
        className="py-1 small",
        id=Ids.REFUSED,
    )


def render_written(path: Path, rows: int) -> dbc.Alert:
    """Where the snapshot was written and how many rows it holds."""
    return dbc.Alert(
        [
            html.Strong("Written: "),
            html.Code(str(path), id=Ids.PATH),
            f" ({rows} rows). The download starts now.",
        ],
        color="success",
        className="py-1 small",
    )


def run_export(ctx: CockpitContext) -> tuple:
    """Write the snapshot: what the card shows, and the download (None when refused)."""
    try:
        evidence = ctx.evidence()  # the reading the cards show, when nothing changed since
        path, snapshot = export_compliance_snapshot(
            evidence, settings=ctx.settings, root=ctx.root, audit=ctx.audit
        )
    except AuditChainBroken as broken:
        ctx.guard.audit_chain()  # its HIGH alert, once per cause
        return render_refused(broken), None
    except (ComplianceExportError, AuditWriteError, OSError) as error:
        return failure("write the compliance snapshot", error), None
    return render_written(path, len(snapshot.rows)), dcc.send_file(str(path))


def register(app: Dash, ctx: CockpitContext) -> None:
    """Write the snapshot on click and offer it for download."""

    @app.callback(
        Output(Ids.RESULT, "children"),
        Output(Ids.DOWNLOAD, "data"),
        Input(Ids.BUTTON, "n_clicks"),
        prevent_initial_call=True,
    )
    def export(_n):
        return run_export(ctx)
