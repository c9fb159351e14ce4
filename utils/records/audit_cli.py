"""`python -m utils.records.audit verify|reanchor`: the audit chain and its head anchor checked
from a shell; exit 0 intact, 1 broken or refused, 2 unreadable."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path

from utils.records.audit import AuditLog, AuditVerification, ChainProblem, ReanchorRefused
from utils.core.config import ConfigError, load_settings
from utils.core.sqlite_store import SchemaError

EXIT_OK, EXIT_BROKEN, EXIT_USAGE = 0, 1, 2


def _print_check(check: AuditVerification) -> int:
    if check.ok:
        anchored = "" if check.anchor_seq is None else f", anchored at seq {check.anchor_seq}"
        print(
            f"OK: {check.head_seq} entries, head seq {check.head_seq} hash {check.head_hash}"
            + anchored
        )
        return EXIT_OK
    if check.problem is ChainProblem.UNREADABLE:
        print(f"error: {check.message}", file=sys.stderr)
        return EXIT_USAGE
    where = (
        "" if check.first_broken_seq is None else f" (first broken entry: {check.first_broken_seq})"
    )
    print(f"BROKEN: {check.message}{where}")
    return EXIT_BROKEN


def _reanchor(audit: AuditLog, accept_loss: bool) -> int:
    try:
        entry = audit.reanchor(accept_loss=accept_loss)
    except ReanchorRefused as refused:
        print(f"REFUSED: {refused}")
        return EXIT_BROKEN
    if entry is None:
        return _print_check(audit.check_chain())
    print(f"re-anchored at seq {entry.seq} hash {entry.entry_hash} (audit entry {entry.seq})")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m utils.records.audit verify|reanchor`: 0 intact or re-anchored, 1 broken/refused,
    2 for unreadable settings or files."""
    parser = argparse.ArgumentParser(
        prog="python -m utils.records.audit",
        description="Check the audit log's hash chain and anchor.",
    )
    parser.add_argument("--data-dir", type=Path, help="the data folder (default: DATA_DIR)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("verify", help="recompute the whole chain and compare the anchor")
    reanchoring = commands.add_parser("reanchor", help="anchor the current head again (audited)")
    reanchoring.add_argument(
        "--accept-loss", action="store_true", help="accept a truncated log as it now is"
    )
    arguments = parser.parse_args(argv)
    try:
        data_dir = arguments.data_dir or load_settings().data_dir
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    if not Path(data_dir).is_dir():
        print(f"error: the data folder {data_dir} does not exist", file=sys.stderr)
        return EXIT_USAGE
    try:
        audit = AuditLog.open(Path(data_dir))
    except (OSError, sqlite3.Error, SchemaError) as error:
        print(f"error: cannot open the audit log in {data_dir}: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        if arguments.command == "verify":
            return _print_check(audit.check_chain())
        return _reanchor(audit, arguments.accept_loss)
    finally:
        audit.close()


if __name__ == "__main__":
    raise SystemExit(main())
