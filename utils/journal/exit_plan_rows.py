"""Reads and writes of exit-plan declarations and playbooks, inside the journal's transactions.

Called by `utils.journal.store.Journal` (and the tastytrade importer for a playbook declared at
import) on the journal's connection. Money is integer cents, times fixed-width UTC text.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from utils.core.money import from_cents, to_cents
from utils.journal.errors import JournalError
from utils.journal.exit_plans import (
    ExitPlan,
    PlanDeclaration,
    PlanDeclared,
    Playbook,
    PlaybookDraft,
    playbook_plan,
)
from utils.journal.writes import require_trade, stamp

_DECLARATIONS = (
    "SELECT e.trade_id, e.id, e.declared, e.profit_target_cents, e.stop_loss_cents, "
    "e.time_exit_at, e.recorded_at, p.name, p.version "
    "FROM exit_plans e LEFT JOIN playbooks p ON p.id = e.playbook_id "
)
EXIT_PLANS_SQL = _DECLARATIONS + "ORDER BY e.trade_id, e.id"
EXIT_PLANS_OF_IDS_SQL = (
    "SELECT e.trade_id, e.id, e.declared, e.profit_target_cents, e.stop_loss_cents, "
    "e.time_exit_at, e.recorded_at, p.name, p.version "
    "FROM exit_plans e LEFT JOIN playbooks p ON p.id = e.playbook_id "
    "WHERE e.trade_id IN (SELECT value FROM json_each(:ids)) ORDER BY e.trade_id, e.id"
)
_PLAYBOOKS = (
    "SELECT id, name, version, target_pct_of_max_profit, stop_multiple_of_entry, "
    "time_exit_dte, recorded_at FROM playbooks "
)
_LATEST_PLAYBOOKS_SQL = """
SELECT id, name, version, target_pct_of_max_profit, stop_multiple_of_entry, time_exit_dte,
       recorded_at
FROM playbooks p
WHERE version = (SELECT MAX(version) FROM playbooks q WHERE q.name = p.name)
ORDER BY name
"""
_PLAYBOOK_BY_NAME_SQL = _PLAYBOOKS + "WHERE name = ? ORDER BY version DESC LIMIT 1"


def plan_declaration(row: tuple) -> PlanDeclaration:
    """One declaration from an `EXIT_PLANS_SQL` row (values the journal validated on write)."""
    _, declaration_id, declared, target, stop, deadline, recorded_at, name, version = row
    plan = ExitPlan.model_construct(
        profit_target_usd=None if target is None else from_cents(target),
        stop_loss_usd=None if stop is None else from_cents(stop),
        time_exit_at=None if deadline is None else datetime.fromisoformat(deadline),
    )
    return PlanDeclaration.model_construct(
        id=declaration_id,
        declared=PlanDeclared(declared),
        plan=plan,
        recorded_at=datetime.fromisoformat(recorded_at),
        playbook=name,
        playbook_version=version,
    )


def _cents(amount: Decimal | None) -> int | None:
    return None if amount is None else to_cents(amount)


def insert_declaration(
    conn: sqlite3.Connection,
    trade_id: int,
    plan: ExitPlan,
    *,
    declared: PlanDeclared,
    recorded_at: datetime,
    playbook_id: int | None = None,
) -> None:
    """Append one declared plan for a trade."""
    conn.execute(
        "INSERT INTO exit_plans (trade_id, declared, playbook_id, profit_target_cents, "
        "stop_loss_cents, time_exit_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            trade_id,
            declared.value,
            playbook_id,
            _cents(plan.profit_target_usd),
            _cents(plan.stop_loss_usd),
            None if plan.time_exit_at is None else stamp(plan.time_exit_at),
            stamp(recorded_at),
        ),
    )


def declare_after_entry(
    conn: sqlite3.Connection, trade_id: int, plan: ExitPlan, recorded_at: datetime
) -> None:
    """Record a plan set or changed after the trade was journaled."""
    row = require_trade(conn, trade_id)
    opened_at = datetime.fromisoformat(row["opened_at"])
    if plan.time_exit_at is not None and plan.time_exit_at <= opened_at:
        raise JournalError(
            f"trade {trade_id}: the time exit {plan.time_exit_at.isoformat()} is not after the "
            f"trade opened ({opened_at.isoformat()})"
        )
    insert_declaration(
        conn, trade_id, plan, declared=PlanDeclared.AFTER_ENTRY, recorded_at=recorded_at
    )


def _playbook(row: tuple) -> Playbook:
    playbook_id, name, version, target, stop, dte, recorded_at = row
    return Playbook(
        id=playbook_id,
        name=name,
        version=version,
        target_pct_of_max_profit=target,
        stop_multiple_of_entry=None if stop is None else Decimal(stop),
        time_exit_dte=dte,
        recorded_at=datetime.fromisoformat(recorded_at),
    )


def latest_playbooks(conn: sqlite3.Connection) -> list[Playbook]:
    """The latest version of every playbook, by name."""
    rows = conn.execute(_LATEST_PLAYBOOKS_SQL).fetchall()
    return [_playbook(row) for row in rows]


def find_playbook(conn: sqlite3.Connection, name: str) -> Playbook:
    """The latest version of the playbook called `name`; JournalError when there is none."""
    row = conn.execute(_PLAYBOOK_BY_NAME_SQL, (name.strip(),)).fetchone()
    if row is None:
        raise JournalError(f"there is no playbook called {name.strip()!r}; create it first")
    return _playbook(row)


def save_playbook(conn: sqlite3.Connection, draft: PlaybookDraft, at: datetime) -> Playbook:
    """Store a new playbook, or a new version of one whose rules changed (the same rules keep
    the current version)."""
    try:
        current = find_playbook(conn, draft.name)
    except JournalError:
        current = None
    if (
        current is not None
        and PlaybookDraft.model_validate(
            current.model_dump(include=set(PlaybookDraft.model_fields))
        )
        == draft
    ):
        return current
    version = 1 if current is None else current.version + 1
    conn.execute(
        "INSERT INTO playbooks (name, version, target_pct_of_max_profit, "
        "stop_multiple_of_entry, time_exit_dte, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
        (
            draft.name,
            version,
            draft.target_pct_of_max_profit,
            None if draft.stop_multiple_of_entry is None else str(draft.stop_multiple_of_entry),
            draft.time_exit_dte,
            stamp(at),
        ),
    )
    return find_playbook(conn, draft.name)


def declare_playbook_at_import(
    conn: sqlite3.Connection, playbook: Playbook, trade_ids: Iterable[int], recorded_at: datetime
) -> int:
    """Record `playbook`'s plan for each trade that has no plan at entry and no playbook
    declared at an earlier import; return how many were declared."""
    declared = 0
    for trade_id in sorted(set(trade_ids)):
        row = require_trade(conn, trade_id)
        planned = any(
            row[column] is not None
            for column in ("profit_target_cents", "stop_loss_cents", "time_exit_at")
        )
        earlier = conn.execute(
            "SELECT 1 FROM exit_plans WHERE trade_id = ? AND declared = ?",
            (trade_id, PlanDeclared.PLAYBOOK_AT_IMPORT.value),
        ).fetchone()
        if planned or earlier:
            continue
        expiration = conn.execute(
            "SELECT MIN(expiration) FROM trade_legs WHERE trade_id = ?", (trade_id,)
        ).fetchone()[0]
        plan = playbook_plan(
            playbook,
            entry_price=Decimal(row["entry_price"]),
            multiplier=row["multiplier"],
            quantity=row["quantity"],
            max_loss_usd=from_cents(row["max_loss_cents"]),
            max_profit_usd=(
                None if row["max_profit_cents"] is None else from_cents(row["max_profit_cents"])
            ),
            expiration=datetime.fromisoformat(expiration).date(),
        )
        if plan.empty:
            continue
        insert_declaration(
            conn,
            trade_id,
            plan,
            declared=PlanDeclared.PLAYBOOK_AT_IMPORT,
            recorded_at=recorded_at,
            playbook_id=playbook.id,
        )
        declared += 1
    return declared


def trades_of_fills(conn: sqlite3.Connection, row_keys: Iterable[str]) -> set[int]:
    """The trades holding fills imported from these file rows (a fill key is its row's key
    followed by `#<n>` or `-stock#<n>`)."""
    found: set[int] = set()
    for key in set(row_keys):
        found.update(
            trade_id
            for (trade_id,) in conn.execute(
                "SELECT DISTINCT trade_id FROM trade_fills WHERE fill_key >= ? AND fill_key < ?",
                (key, f"{key}~"),
            )
        )
    return found
