"""The tastytrade import's first, one-at-a-time writes, kept as an oracle for the bulk ones.

`write_plan_one_at_a_time` writes a plan as the importer first shipped it: each opening with
`insert_trade` (its flag and notes after it), each fill with `insert_fill`, each closing with
`close_trade`, then the notes. The equivalence test requires every table to read the same after
`utils.journal.tastytrade_writes.write_tasty_plan`. Nothing outside tests/ imports this module.
"""

from __future__ import annotations

import sqlite3

from utils.core.sessions import Clock
from utils.journal.tastytrade_plan import ImportPlan
from utils.journal.trade import Note
from utils.journal.writes import (
    close_trade,
    insert_fill,
    insert_note,
    insert_risk_flag,
    insert_trade,
)


def write_plan_one_at_a_time(conn: sqlite3.Connection, plan: ImportPlan, clock: Clock) -> None:
    """The plan's rows written one statement group per row, in plan order."""
    ids_by_uid: dict[str, int] = {
        uid: trade_id for uid, trade_id in conn.execute("SELECT uid, id FROM trades")
    }
    for opening in plan.openings:
        parent_id = ids_by_uid.get(opening.parent_uid) if opening.parent_uid else None
        trade_id = insert_trade(
            conn, opening.trade, opening.trade.uid or "", created_at=clock(), parent_id=parent_id
        )
        ids_by_uid[opening.trade.uid or ""] = trade_id
        if opening.risk_flag is not None:
            insert_risk_flag(conn, trade_id, opening.risk_flag, clock())
        for warning in opening.notes:
            insert_note(conn, trade_id, Note(at=opening.trade.opened_at, text=warning))
    for fill in plan.fills:
        insert_fill(conn, ids_by_uid[fill.trade_uid], fill)
    for closing in plan.closings:
        close_trade(conn, ids_by_uid[closing.trade_uid], closing.close)
    for note in plan.notes:
        insert_note(conn, ids_by_uid[note.trade_uid], Note(at=note.at, text=note.text))
