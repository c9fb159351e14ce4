"""The judging frame read on from a previous read: only the trades changed or added since.

A trade's judging row changes only through a logged write: SQLite triggers append its id to
`trade_changes` when the trade is updated (a close, a review) or a mistake, an exit plan or a
risk flag is written for it, whoever writes (another process, any code path; `schema`). A new
trade has an id above every earlier one (trades are never deleted). So, in one snapshot, the
trades touched since a read are those the log names after the read's last change plus those
with ids above its last id; their rows are read and built exactly as the whole read builds
them (`judging_read`), and merged into the previous frame in (opened_at, id) order.

On any doubt the whole journal is read instead (`judging_read.read_judging`): a read by another
journal object, a log that went back or has a gap, more touched trades than a chunk holds, a
merged frame whose trade count or last id is not the journal's (a trade written behind the
log), or any error. Nothing changed in the frame's tables: the previous read is returned as is.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import numpy as np
import pandas as pd

from utils.journal import judging_read
from utils.journal.frame_room import FrameRoom, appended
from utils.journal.judging_read import JudgingRead, JudgingStamp

# The trades touched since a read: named by the log after its last change, or added after its
# last id.
_TOUCHED = (
    "SELECT trade_id AS id FROM trade_changes WHERE seq > :changes "
    "UNION SELECT id FROM trades WHERE id > :last_id"
)
TOUCHED_SQL = f"SELECT COUNT(*), group_concat(id) FROM ({_TOUCHED})"  # nosec B608  # constants
# The log entries after the read's last change (contiguous from it unless one was lost).
LOGGED_SQL = "SELECT COUNT(*) FROM trade_changes WHERE seq > :changes"
TOUCHED_CHUNK_SQL = judging_read.CHUNK_COLUMNS_SQL + f" FROM trades t WHERE t.id IN ({_TOUCHED})"
_ONLY_TOUCHED = f" AND trade_id IN ({_TOUCHED})"


def read_judging_since(
    conn: sqlite3.Connection, previous: JudgingRead, journal: str
) -> JudgingRead:
    """The judging read now, reading only what changed since `previous` when it can be trusted
    to (else the whole journal); equal to `judging_read.read_judging(conn, journal)`."""
    if previous.stamp.journal == journal:
        try:
            since = _read_since(conn, previous)
        except Exception:  # a shortcut only: on any error the whole read decides
            since = None
        if since is not None:
            return since
    return judging_read.read_judging(conn, journal)


def _read_since(conn: sqlite3.Connection, previous: JudgingRead) -> JudgingRead | None:
    """The read since `previous`, or None when it cannot be trusted (see the module)."""
    then = previous.stamp
    params = {"changes": then.changes, "last_id": then.last_id}
    with judging_read.snapshot(conn):
        now = judging_read.read_stamp(conn, then.journal)
        if now == then:
            return replace(previous, kept=len(previous.frame))
        (logged,) = conn.execute(LOGGED_SQL, params).fetchone()
        if now.changes < then.changes or logged != now.changes - then.changes:
            return None  # the log went back or lost an entry
        touched, ids = conn.execute(TOUCHED_SQL, params).fetchone()
        if touched > judging_read.CHUNK_TRADES:
            return None  # as many as a whole read's chunk: read the whole journal
        chunk = judging_read.read_chunk(conn, TOUCHED_CHUNK_SQL, params, {})
        named = conn.execute(judging_read.named_trades_sql(_ONLY_TOUCHED), params).fetchone()
        declared = conn.execute(
            judging_read.playbook_plans_sql(_ONLY_TOUCHED),
            {**params, "no_stamp": judging_read.NO_STAMP},
        ).fetchone()
    rows = judging_read.frame_of_chunks([] if chunk is None else [chunk], named, declared)
    frame, kept, room = _merged(previous, judging_read.integers(ids), rows)
    if not _accounts_for(frame, now):
        return None  # a trade was written behind the log
    return JudgingRead(frame, now, kept, room)


def _accounts_for(frame: pd.DataFrame, stamp: JudgingStamp) -> bool:
    """Whether the frame holds as many trades as the journal, up to its last id (its ids are
    unique by construction: the kept rows' ids and the read rows' ids are apart)."""
    ids = frame["id"].to_numpy()
    last = int(ids.max()) if len(ids) else judging_read.BELOW_EVERY_ID
    return len(frame) == stamp.trades and last == stamp.last_id


def _instants(column: pd.Series) -> np.ndarray:
    """A UTC instant column as int64 nanoseconds (its order)."""
    return pd.DatetimeIndex(column).asi8


def _merged(
    previous: JudgingRead, touched: np.ndarray, rows: pd.DataFrame
) -> tuple[pd.DataFrame, int, FrameRoom | None]:
    """The previous frame without the touched trades' rows, with `rows` (their rows now, in
    frame order) put in their places by (opened_at, id); how many leading rows are that frame
    unchanged (all of it when `rows` come after it, else 0); and the room the frame heads when
    `rows` were appended (`utils.journal.frame_room`)."""
    frame = previous.frame
    ids = frame["id"].to_numpy()
    kept = np.flatnonzero(~np.isin(ids, touched))
    if not len(kept):
        return rows, 0, None
    kept_opened, kept_ids = _instants(frame["opened_at"])[kept], ids[kept]
    opened, new_ids = _instants(rows["opened_at"]), rows["id"].to_numpy()
    if len(kept) == len(ids) and (opened[0], new_ids[0]) > (kept_opened[-1], kept_ids[-1]):
        # New trades opened after every other (the usual case).
        grown, room = appended(frame, rows, previous.room)
        return grown, len(frame), room
    places = np.searchsorted(kept_opened, opened, side="left")
    ends = np.searchsorted(kept_opened, opened, side="right")
    for row in np.flatnonzero(ends > places):  # opened at the same instant as kept ones: by id
        first = places[row]
        places[row] = first + np.searchsorted(kept_ids[first : ends[row]], new_ids[row])
    # Each merged row's row in `frame` (-1: a read row, at `places` shifted by those before it).
    source = np.insert(kept, places, -1)
    inserted = places + np.arange(len(rows))
    columns = {}
    taken = np.where(source < 0, 0, source)
    for name, column in frame.items():  # one copy of each column, then the read rows set in it
        values = column.array.take(taken)
        values[inserted] = rows[name].array
        columns[name] = pd.Series(values, dtype=column.dtype, copy=False)
    return pd.DataFrame(columns, copy=False), 0, None
