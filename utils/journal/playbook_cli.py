"""The journal command line's playbooks and its rollback check on import (see utils.journal.cli).

python -m utils.journal playbook list
python -m utils.journal playbook save NAME [--target-pct N] [--stop-x N] [--dte N]

An import prints, after its summary, each rollback trigger it made fire (`rollback: ...`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from pydantic import ValidationError

from utils.core.config import ConfigError, load_settings
from utils.core.sessions import utc_now
from utils.journal.exit_plans import PlaybookDraft
from utils.journal.store import Journal
from utils.journal.import_report import ImportReport
from utils.judge.import_effects import changed_journal, watch_rollback
from utils.records.alerts import AlertStore

EXIT_OK = 0
EXIT_REFUSED = 1


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None


def add_playbook_commands(commands: argparse._SubParsersAction) -> None:
    """The `playbook list` and `playbook save` commands."""
    playbook = commands.add_parser("playbook", help="list or save playbooks (default exit plans)")
    actions = playbook.add_subparsers(dest="playbook_command", required=True)
    actions.add_parser("list", help="every playbook's latest version")
    save = actions.add_parser("save", help="create a playbook or save a new version of it")
    save.add_argument("name")
    save.add_argument("--target-pct", type=int, help="profit target: % of max profit")
    save.add_argument("--stop-x", type=_decimal, help="stop: a loss of N x the entry price")
    save.add_argument("--dte", type=int, help="time exit: N calendar days before expiration")


def run_playbook_command(journal: Journal, arguments: argparse.Namespace) -> int:
    """List the playbooks, or save one (a new version when its rules changed)."""
    if arguments.playbook_command == "list":
        for playbook in journal.playbooks():
            print(f"{playbook.title}: {playbook.describe()}")
        return EXIT_OK
    try:
        draft = PlaybookDraft(
            name=arguments.name,
            target_pct_of_max_profit=arguments.target_pct,
            stop_multiple_of_entry=arguments.stop_x,
            time_exit_dte=arguments.dte,
        )
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}".removeprefix(": ")
            for e in error.errors(include_url=False)
        )
        print(f"error: playbook not saved: {problems}", file=sys.stderr)
        return EXIT_REFUSED
    saved = journal.save_playbook(draft)
    print(f"saved {saved.title}: {saved.describe()}")
    return EXIT_OK


@dataclass
class RollbackNews:
    """What the block (an import) sets, `report`, and the lines naming the rollback triggers it
    made fire, filled at the block's end."""

    lines: list[str] = field(default_factory=list)
    report: ImportReport | None = None


@contextmanager
def rollback_watch(journal: Journal) -> Iterator[RollbackNews]:
    """Read the triggers holding before the block; after it, those its import made fire (the
    journal is judged again only when the import committed a change)."""
    news = RollbackNews()
    try:
        settings = load_settings()
    except ConfigError as error:
        news.lines.append(f"not checked (the settings cannot be read: {error})")
        yield news
        return
    alerts = AlertStore.open(journal.path.parent, halt_hours=settings.halt_hours)
    try:
        watch = watch_rollback(journal, alerts.alerts, settings=settings, now=utc_now())
        yield news
        if news.report is not None and changed_journal(news.report):
            news.lines.extend(watch.news())
    finally:
        alerts.close()
