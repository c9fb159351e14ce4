"""Tamper with a real audit file the way someone with a SQLite shell would: drop the trigger that
refuses the change, make it, recreate the trigger."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def _without_trigger(path: Path, trigger: str, sql: str, params: tuple = ()) -> None:
    raw = sqlite3.connect(path)
    try:
        (ddl,) = raw.execute("SELECT sql FROM sqlite_master WHERE name = ?", (trigger,)).fetchone()
        raw.execute(f"DROP TRIGGER {trigger}")
        raw.execute(sql, params)
        raw.execute(ddl)
        raw.commit()
    finally:
        raw.close()


def edit_entry(path: Path, seq: int) -> None:
    """Rewrite the body of audit entry `seq` (its stored hash is left as it was)."""
    _without_trigger(
        path,
        "audit_log_no_update",
        """UPDATE audit_log SET body = '{"edited":true}' WHERE seq = ?""",
        (seq,),
    )


def drop_entries_after(path: Path, seq: int) -> None:
    """Delete every audit entry after `seq` (the newest ones: truncation)."""
    _without_trigger(path, "audit_log_no_delete", "DELETE FROM audit_log WHERE seq > ?", (seq,))
