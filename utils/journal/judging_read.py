"""The judging frame read straight from SQLite, without a model per trade (`Journal.judging_frame`).

The trades are read in one snapshot, `CHUNK_TRADES` at a time (by id), so memory stays low at any
journal size. In each chunk every column comes back as one text (SQLite's `group_concat` over the
same rows, so the columns line up) that numpy parses whole: integers as int64 (a NULL is written
as a value the column never holds, or is known from `closed_at`: the net P&L is NULL exactly when
the trade is open), timestamps as the journal's fixed-width UTC text (`writes.stamp`; any other
ISO form is parsed by pandas instead). Mistakes, plans declared after entry and risk flags
come back as the ids of the trades they name; each trade's first plan declared by playbook at
import (its entry plan when none was journaled with it) as its stop and time exit. Repeated
texts (mode, structure, underlying, family) are one shared string object each. The result
equals `frame_from_trades(journal.list_trades())` (tests/journal/test_judging_frame.py): a
stored trade is proved unless it is flagged, as `utils.journal.rows.load_trades` decides.
The read carries where it stood (`JudgingStamp`), from which `utils.journal.judging_delta`
reads on, building the rows of the trades changed since with the same functions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from utils.core.sessions import session_ordinals
from utils.journal.errors import JournalError
from utils.journal.frame_room import FrameRoom
from utils.journal.judging_frame import INSTANT_COLUMNS, JUDGING_COLUMNS, JUDGING_DTYPES
from utils.spreads.families import underlying_family

CHUNK_TRADES = 20_000
_STAMP_WIDTH = len("2025-01-06T15:00:00.000000+00:00")  # `writes.stamp`
NO_STAMP = " " * _STAMP_WIDTH  # a NULL timestamp, of the same width
_STAMP_END = np.frombuffer(b"+00:00,", dtype=np.uint8)  # UTC offset and separator

# (frame column, SQL expression over a chunk `t` of trades), in the statement's order.
_INTEGERS = (
    ("id", "t.id"),
    ("quantity", "t.quantity"),
    ("multiplier", "t.multiplier"),
    ("max_loss_cents", "t.max_loss_cents"),
    ("fees_cents", "t.fees_cents"),
    ("net_pnl_cents", "COALESCE(t.net_pnl_cents, 0)"),  # NULL exactly when open
    ("profit_target_cents", "COALESCE(t.profit_target_cents, 0)"),  # else > 0
    ("stop_loss_cents", "COALESCE(t.stop_loss_cents, 0)"),  # else > 0
    ("followed_plan", "COALESCE(t.followed_plan, -1)"),  # else 0 or 1
)
_TEXTS = (("mode", "t.mode"), ("structure", "t.structure"), ("underlying", "t.underlying"))
_INSTANTS = (
    ("opened_at", "t.opened_at"),
    ("closed_at", f"COALESCE(t.closed_at, '{NO_STAMP}')"),
    ("time_exit_at", f"COALESCE(t.time_exit_at, '{NO_STAMP}')"),
)
_COLUMNS = (*_INTEGERS, *_TEXTS, *_INSTANTS)
_EMPTY_DTYPES = {
    **{name: object for name, _ in _TEXTS},
    **{name: "M8[us]" for name, _ in _INSTANTS},
}
# A chunk is the trades with ids in (after, last]; its last id is CHUNK_TRADES ids on.
CHUNK_LAST_ID_SQL = "SELECT id FROM trades WHERE id > :after ORDER BY id LIMIT 1 OFFSET :skip"
# The columns of some trades `t` (the statement goes on with FROM and WHERE).
CHUNK_COLUMNS_SQL = (  # built from the constant expressions above, no input
    "SELECT COUNT(*), " + ", ".join(f"group_concat({sql}, ',')" for _, sql in _COLUMNS)
)
CHUNK_SQL = CHUNK_COLUMNS_SQL + " FROM trades t WHERE t.id > :after AND t.id <= :last"
BELOW_EVERY_ID, _MAX_ID = -(2**63), 2**63 - 1  # SQLite's rowid range
# Where a read stands: the last change logged (`trade_changes`), how many trades, the last id.
STAMP_SQL = (  # (no trade: the last id is BELOW_EVERY_ID)
    "SELECT (SELECT COALESCE(MAX(seq), 0) FROM trade_changes), (SELECT COUNT(*) FROM trades), "
    "(SELECT COALESCE(MAX(id), -9223372036854775808) FROM trades)"
)
# The rows naming trades, as (table, condition): mistakes (once per mistake), plans declared
# after entry, risk flags.
_NAMING_ROWS = (
    ("trade_mistakes", "TRUE"),
    ("exit_plans", "declared = 'after_entry'"),
    ("trade_risk_flags", "TRUE"),
)


def named_trades_sql(only: str = "") -> str:
    """The ids of the trades named by `_NAMING_ROWS` (`only`: a further constant condition on
    trade_id, e.g. `AND trade_id IN (...)`, never input; none: every trade)."""
    return "SELECT " + ", ".join(
        f"(SELECT group_concat(trade_id) FROM {table} WHERE {condition}{only})"  # nosec B608
        for table, condition in _NAMING_ROWS
    )


def playbook_plans_sql(only: str = "") -> str:
    """The plans declared by playbook at import: declaration, trade, stop (0 for none: else
    > 0), time exit (`:no_stamp` for none); `only` as in `named_trades_sql`."""
    return (
        "SELECT COUNT(*), group_concat(id, ','), group_concat(trade_id, ','), "
        "group_concat(COALESCE(stop_loss_cents, 0), ','), "
        "group_concat(COALESCE(time_exit_at, :no_stamp), ',') "
        f"FROM exit_plans WHERE declared = 'playbook_at_import'{only}"  # nosec B608
    )


@dataclass(frozen=True)
class JudgingStamp:
    """Where a judging read stands: the journal object that read it (`Journal`'s identity), the
    last change logged, how many trades there were and the last trade id."""

    journal: str
    changes: int
    trades: int
    last_id: int


@dataclass(frozen=True)
class JudgingRead:
    """The judging frame and where the read stood (`utils.journal.judging_delta` reads on from
    it). `kept`: how many leading rows are the whole frame of the read it was read on from,
    unchanged (new trades only, opened after every other); 0 when read whole or merged.
    `room`: the buffers the frame heads, when new trades were appended to it in place."""

    frame: pd.DataFrame
    stamp: JudgingStamp
    kept: int = 0
    room: FrameRoom | None = field(default=None, compare=False, repr=False)


def read_stamp(conn: sqlite3.Connection, journal: str) -> JudgingStamp:
    """Where the journal stands now (call inside the read's snapshot)."""
    return JudgingStamp(journal, *conn.execute(STAMP_SQL).fetchone())


def read_judging(conn: sqlite3.Connection, journal: str) -> JudgingRead:
    """Every journaled trade as the judging frame, ordered by opening time then id, and where
    the read stood (`journal`: the identity of the journal object reading)."""
    with snapshot(conn):
        stamp = read_stamp(conn, journal)
        chunks = _read_chunks(conn)
        named = conn.execute(named_trades_sql()).fetchone()
        declared = conn.execute(playbook_plans_sql(), {"no_stamp": NO_STAMP}).fetchone()
    return JudgingRead(frame_of_chunks(chunks, named, declared), stamp)


def frame_of_chunks(
    chunks: list[dict[str, np.ndarray]],
    named: tuple[str | None, str | None, str | None],
    declared: tuple,
) -> pd.DataFrame:
    """The judging frame of the trades in `chunks` (`read_chunk`), given the `named_trades_sql`
    and `playbook_plans_sql` rows read with them (of those trades or more)."""
    mistaken, planned, flagged = named
    playbook = _playbook_plans(*declared)
    raw = {name: _concatenated(chunks, name) for name, _ in _COLUMNS}  # frees chunks as it goes
    order = np.lexsort((raw["id"], raw["opened_at"]))
    column = {name: raw.pop(name)[order] for name in list(raw)}  # one column copied at a time
    ids = column["id"]
    symbol_of, symbols = pd.factorize(column["underlying"])
    families = np.array([underlying_family(symbol) for symbol in symbols], dtype=object)
    column["family"] = families[symbol_of]
    column.update(_entry_plans(column, playbook))
    for name in INSTANT_COLUMNS:
        column[name] = pd.DatetimeIndex(column[name]).as_unit("ns").tz_localize("UTC")
    column["session"] = session_ordinals(column["opened_at"])
    column["close_session"] = session_ordinals(column["closed_at"])
    open_trades = np.asarray(column["closed_at"].isna())
    column["net_pnl_cents"] = pd.arrays.IntegerArray(column["net_pnl_cents"], open_trades)
    for name in ("profit_target_cents", "stop_loss_cents"):
        column[name] = pd.arrays.IntegerArray(column[name], column[name] == 0)
    answer = column["followed_plan"]
    column["followed_plan"] = pd.arrays.BooleanArray(answer == 1, answer == -1)
    mistakes = pd.Series(integers(mistaken)).value_counts()
    column["mistakes"] = mistakes.reindex(ids, fill_value=0).to_numpy(dtype=np.int64)
    column["later_plans"] = np.isin(ids, integers(planned))
    column["flagged"] = np.isin(ids, integers(flagged))
    column["proved"] = ~column["flagged"]
    typed = {
        name: pd.Series(column.pop(name), dtype=JUDGING_DTYPES[name], copy=False)
        for name in JUDGING_COLUMNS
    }
    return pd.DataFrame(typed, copy=False)  # the columns as they are: no second copy


def _playbook_plans(
    count: int, declarations: str | None, ids: str | None, stops: str | None, deadlines: str | None
) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """Each trade's first plan declared by playbook at import (the `PLAYBOOK_PLANS_SQL` row) as
    (trade ids, stops, time exits); each array ends with a no-plan row (stop 0, NaT), which an
    index of -1 (no declaration) picks."""
    trade_ids = integers(ids)
    order = np.lexsort((integers(declarations), trade_ids))
    first = order[np.unique(trade_ids[order], return_index=True)[1]]
    instants = _instants(deadlines, count) if count else np.empty(0, dtype="M8[us]")
    return (
        pd.Index(trade_ids[first]),
        np.append(integers(stops)[first], 0),
        np.append(instants[first], np.datetime64("NaT", "us")),
    )


def _entry_plans(
    column: dict[str, np.ndarray], playbook: tuple[pd.Index, np.ndarray, np.ndarray]
) -> dict[str, np.ndarray]:
    """The plan in force at entry (`Trade.entry_plan`): the parts journaled with the trade,
    else its first plan declared by playbook at import, else none (raw arrays, frame order)."""
    declared_ids, stops, deadlines = playbook
    own = (column["profit_target_cents"] != 0) | (column["stop_loss_cents"] != 0)
    own |= ~np.isnat(column["time_exit_at"])
    row = declared_ids.get_indexer(column["id"])  # -1: no playbook declaration
    by_playbook = ~own & (row >= 0)
    row = np.where(by_playbook, row, -1)
    stop = np.where(own, column["stop_loss_cents"], stops[row])
    return {
        "plan_by_playbook": by_playbook,
        "entry_stop_cents": pd.arrays.IntegerArray(stop, stop == 0),
        "entry_time_exit_at": np.where(own, column["time_exit_at"], deadlines[row]),
    }


def _read_chunks(conn: sqlite3.Connection) -> list[dict[str, np.ndarray]]:
    """Every trade's columns, `CHUNK_TRADES` trades at a time in id order."""
    shared: dict[str, str] = {}
    chunks = []
    after = BELOW_EVERY_ID
    while after != _MAX_ID:
        end = conn.execute(CHUNK_LAST_ID_SQL, {"after": after, "skip": CHUNK_TRADES - 1}).fetchone()
        last = _MAX_ID if end is None else end[0]
        chunk = read_chunk(conn, CHUNK_SQL, {"after": after, "last": last}, shared)
        if chunk is not None:
            chunks.append(chunk)
        after = last
    return chunks


def read_chunk(
    conn: sqlite3.Connection, sql: str, params: dict[str, int], shared: dict[str, str]
) -> dict[str, np.ndarray] | None:
    """The columns of the trades a `CHUNK_COLUMNS_SQL` statement selects (None: no trade)."""
    count, *texts = conn.execute(sql, params).fetchone()
    return _chunk(count, texts, shared) if count else None


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction: every statement inside sees the same committed journal."""
    conn.execute("BEGIN")
    try:
        yield
    finally:
        if conn.in_transaction:  # (an error may have ended it already)
            conn.execute("ROLLBACK")  # nothing was written: this only ends the snapshot


def _chunk(count: int, texts: list[str], shared: dict[str, str]) -> dict[str, np.ndarray]:
    """One chunk's column texts as arrays (`shared` keeps one object per distinct text)."""
    raw = dict(zip((name for name, _ in _COLUMNS), texts))
    arrays = {name: integers(raw[name]) for name, _ in _INTEGERS}
    arrays.update({name: _shared_texts(raw[name], shared) for name, _ in _TEXTS})
    arrays.update({name: _instants(raw[name], count) for name, _ in _INSTANTS})
    if any(len(values) != count for values in arrays.values()):
        raise JournalError("the journal's trades could not be read whole (a column is short)")
    return arrays


def _concatenated(chunks: list[dict[str, np.ndarray]], name: str) -> np.ndarray:
    """One column of every chunk, taken out of the chunks (of an empty journal: empty, of the
    column's dtype)."""
    if chunks:
        return np.concatenate([chunk.pop(name) for chunk in chunks])
    return np.empty(0, dtype=_EMPTY_DTYPES.get(name, np.int64))


def integers(text: str | None) -> np.ndarray:
    """A `group_concat` of integers as int64 (none for None)."""
    if text is None:
        return np.empty(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")  # type: ignore[call-overload]


def _shared_texts(text: str, shared: dict[str, str]) -> np.ndarray:
    """A `group_concat` of texts without commas as an object array of shared strings."""
    codes, distinct = pd.factorize(np.array(text.split(","), dtype=object))
    objects = np.array([shared.setdefault(value, value) for value in distinct], dtype=object)
    return objects[codes]


def _instants(text: str, count: int) -> np.ndarray:
    """A `group_concat` of stored UTC timestamps as datetime64[us] (`NO_STAMP` is NaT)."""
    data = (text + ",").encode("ascii", errors="replace")
    if len(data) == count * (_STAMP_WIDTH + 1):
        rows = np.frombuffer(data, dtype=np.uint8).reshape(count, _STAMP_WIDTH + 1)
        missing = rows[:, 0] == ord(" ")
        if ((rows[:, _STAMP_WIDTH - 6 :] == _STAMP_END).all(axis=1) | missing).all():
            local = rows[:, : _STAMP_WIDTH - 6].copy().view(f"S{_STAMP_WIDTH - 6}").ravel()
            try:
                return np.where(missing, b"NaT", local).astype("datetime64[us]")
            except ValueError:
                pass  # not the journal's own form after all: parsed by pandas below
    stamps = [part.strip() for part in text.split(",")]
    parsed = pd.to_datetime(stamps, utc=True, format="ISO8601")
    return pd.DatetimeIndex(parsed).tz_localize(None).as_unit("us").to_numpy()
