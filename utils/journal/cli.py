"""The journal's command line (exit codes: 0 done, 1 refused with reasons, 2 usage or unreadable):

python -m utils.journal [--data-dir DIR] [--busy-timeout S] import FILE [--mode LIVE|SANDBOX]
                                                        [--import-good] [--max-mb N]
                                                        [--playbook NAME]
python -m utils.journal [--data-dir DIR] playbook list
python -m utils.journal [--data-dir DIR] playbook save NAME [--target-pct N] [--stop-x N]
                                                           [--dte N]
python -m utils.journal [--data-dir DIR] export FILE
python -m utils.journal [--data-dir DIR] stats [--json]
python -m utils.journal [--data-dir DIR] restore BACKUP [--yes]

An import with a bad row imports nothing and prints every bad cell (line, column, value, why);
`--import-good` imports the good orders, skips the bad ones whole and lists them (the import
record keeps the list). A position that is not a defined-risk spread is journaled flagged and
raises its HIGH alert. A full disk or read-only data folder is a message and exit code 1.
`--playbook NAME` declares that a tastytrade history followed that playbook; an import that makes
a rollback trigger fire prints it (`rollback: ...`).
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from utils.core.backups import BackupError, restore
from utils.journal.import_text import DEFAULT_MAX_IMPORT_BYTES
from utils.journal.schema import JOURNAL_COMPONENT
from utils.journal.errors import JournalError
from utils.journal.trade import Mode, TradeStatus
from utils.core.files import StorageError
from utils.core.sqlite_store import BUSY_TIMEOUT_MS, JournalBusy, StoreUnwritable, journal_path
from utils.journal.import_report import ImportReport
from utils.journal.importer import detect_format
from utils.journal.store import Journal
from utils.journal.write_behind import IMPORT_SWITCH_INTERVAL_S
from utils.journal.playbook_cli import (
    RollbackNews,
    add_playbook_commands,
    rollback_watch,
    run_playbook_command,
)

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m utils.journal",
        description="Import, export and summarise the spreads journal (data/journal.sqlite3).",
    )
    parser.add_argument("--data-dir", type=Path, help="data folder (default: DATA_DIR from .env)")
    parser.add_argument(
        "--busy-timeout",
        type=float,
        default=BUSY_TIMEOUT_MS / 1000,
        help="seconds to wait while another import holds the journal",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    importing = commands.add_parser("import", help="import a journal or tastytrade CSV")
    importing.add_argument("file", type=Path)
    importing.add_argument("--format", choices=("auto", "journal", "tastytrade"), default="auto")
    importing.add_argument(
        "--mode",
        choices=[Mode.LIVE.value, Mode.SANDBOX.value],
        help="the account a tastytrade export came from",
    )
    importing.add_argument(
        "--import-good",
        action="store_true",
        help="after a refused import: import the good orders, skip and list the bad ones",
    )
    importing.add_argument(
        "--max-mb", type=float, default=DEFAULT_MAX_IMPORT_BYTES / 1_048_576, help="size limit"
    )
    importing.add_argument(
        "--playbook",
        help="the playbook a tastytrade history followed: its plan is declared at this import "
        "for each trade without one",
    )
    add_playbook_commands(commands)
    exporting = commands.add_parser("export", help="write every trade to a journal CSV")
    exporting.add_argument("file", type=Path)
    stats = commands.add_parser("stats", help="print the headline metrics of closed trades")
    stats.add_argument("--json", action="store_true", help="machine-readable output")
    restoring = commands.add_parser("restore", help="replace the journal with a backup")
    restoring.add_argument("file", type=Path)
    restoring.add_argument("--yes", action="store_true", help="replace an existing journal")
    return parser


def _run_restore(data_dir: Path, arguments: argparse.Namespace) -> int:
    """Restore a journal backup; an existing journal is replaced only with --yes."""
    target = journal_path(data_dir)
    try:
        restore(arguments.file, target, component=JOURNAL_COMPONENT, overwrite=arguments.yes)
    except (BackupError, sqlite3.Error, OSError) as error:
        print(f"error: not restored: {error}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"restored {target} from {arguments.file}")
    return EXIT_OK


def _data_dir(arguments: argparse.Namespace) -> Path:
    if arguments.data_dir is not None:
        return Path(arguments.data_dir)
    from utils.core.config import load_settings

    return load_settings().data_dir


def _run_import(journal: Journal, arguments: argparse.Namespace, news: RollbackNews) -> int:
    path: Path = arguments.file
    if not path.is_file():
        print(f"error: {path} is not a file", file=sys.stderr)
        return EXIT_USAGE
    kind = detect_format(path) if arguments.format == "auto" else arguments.format
    max_bytes = int(arguments.max_mb * 1_048_576)
    sys.setswitchinterval(IMPORT_SWITCH_INTERVAL_S)  # this process is the import's alone
    if kind == "tastytrade":
        if arguments.mode is None:
            print(
                f"error: {path.name} is a tastytrade export: say which account it came from "
                "with --mode LIVE or --mode SANDBOX",
                file=sys.stderr,
            )
            return EXIT_USAGE
        report = journal.import_tastytrade_csv(
            path,
            mode=Mode(arguments.mode),
            skip_bad=arguments.import_good,
            max_bytes=max_bytes,
            playbook=arguments.playbook,
        )
    else:
        if arguments.playbook:
            print("error: --playbook applies to a tastytrade history only", file=sys.stderr)
            return EXIT_USAGE
        report = journal.import_journal_csv(
            path, skip_bad=arguments.import_good, max_bytes=max_bytes
        )
    news.report = report
    print(report.summary())
    kind_of_issue = "skipped" if report.committed else "error"
    for issue in report.errors:
        print(f"{kind_of_issue}: {path.name} {issue}", file=sys.stderr)
    for issue in report.warnings:
        print(f"warning: {path.name} {issue}", file=sys.stderr)
    if not report.committed and report.has_row_errors:
        print(
            "nothing imported; to import the good orders only, add --import-good", file=sys.stderr
        )
    for alert in _raise_alerts(journal, report):
        print(f"HIGH alert {alert.id} {alert.rule.value}: {alert.message}", file=sys.stderr)
    return EXIT_OK if report.committed else EXIT_REFUSED


def _raise_alerts(journal: Journal, report: ImportReport) -> list:
    """The HIGH alerts an import's flagged trades call for (utils.records.undefined_risk_alerts)."""
    from utils.records.alerts import AlertStore
    from utils.records.undefined_risk_alerts import raise_import_alerts

    if not report.flagged:
        return []
    alerts = AlertStore(journal.path)
    try:
        return raise_import_alerts(journal, alerts, report)
    finally:
        alerts.close()


def _format_stat(value: object) -> str:
    if value is None:
        return "undefined"
    if isinstance(value, float):
        return "infinite" if value == float("inf") else f"{value:,.4f}".rstrip("0").rstrip(".")
    return str(value)


def _json_number(value: object) -> object:
    """JSON has no infinity: an infinite ratio is written as the string "inf"."""
    return "inf" if isinstance(value, float) and math.isinf(value) else value


def _run_stats(journal: Journal, as_json: bool) -> int:
    from utils.judge.metrics import last_n_expectancy, summarize

    frame = journal.trades_frame()
    summary = summarize(frame)
    window = last_n_expectancy(frame)
    open_count = int((frame["status"] == TradeStatus.OPEN.value).sum())
    if as_json:
        payload = {
            **summary.model_dump(),
            "open_trades": open_count,
            "last_10_expectancy_usd": window.expectancy_usd,
            "last_10_complete": window.complete,
        }
        print(json.dumps({k: _json_number(v) for k, v in payload.items()}))
        return EXIT_OK
    print(f"journal: {journal.path}")
    print(f"open trades: {open_count}")
    for name, value in summary.model_dump().items():
        print(f"{name}: {_format_stat(value)}")
    print(
        f"last {window.window} trades expectancy_usd: {_format_stat(window.expectancy_usd)}"
        + ("" if window.complete else f" (only {window.trades_used} closed)")
    )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit code (0 done, 1 refused, 2 usage or unreadable)."""
    from utils.core.config import ConfigError

    arguments = _parser().parse_args(argv)
    try:
        data_dir = _data_dir(arguments)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    if arguments.command == "restore":
        return _run_restore(data_dir, arguments)
    try:
        journal = Journal.open(data_dir, busy_timeout_ms=int(arguments.busy_timeout * 1000))
    except (JournalBusy, StoreUnwritable) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except (OSError, sqlite3.Error, JournalError) as error:
        print(f"error: cannot open the journal {journal_path(data_dir)}: {error}", file=sys.stderr)
        return EXIT_USAGE
    with journal:
        try:
            return _run(journal, arguments)
        except (JournalBusy, StoreUnwritable, StorageError, JournalError) as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_REFUSED


def _run(journal: Journal, arguments: argparse.Namespace) -> int:
    """Run the chosen command on the open journal."""
    if arguments.command == "import":
        with rollback_watch(journal) as news:
            code = _run_import(journal, arguments, news)
        for line in news.lines:
            print(f"rollback: {line}")
        return code
    if arguments.command == "playbook":
        return run_playbook_command(journal, arguments)
    if arguments.command == "export":
        count = journal.export_journal_csv(arguments.file)
        print(f"exported {count} trade(s) to {arguments.file}")
        return EXIT_OK
    return _run_stats(journal, arguments.json)


if __name__ == "__main__":
    raise SystemExit(main())
