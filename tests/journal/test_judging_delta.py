"""A judging read since a previous one reads what changed, and always equals the whole read.

`Journal.judging_read(previous)` reads only the trades a change log (filled by SQLite triggers,
so every writer is seen: this process, another connection, an import) names since `previous`,
plus the trades added since, and merges them into the previous frame. Any doubt (a trade the
log cannot account for, a gap in the log, a foreign stamp) reads the whole journal instead. The
frame must equal `Journal.judging_read().frame` and `frame_from_trades(list_trades())` after any
sequence of writes through the journal's public API.
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.journal_factory import START, close_for_pnl, new_trade, seed_journal
from tests.support.judging_journals import MISTAKES, PLAYBOOKS, history_csv
from utils.core.sqlite_store import connect, ensure_schema, journal_path, transaction
from utils.journal import judging_read, writes
from utils.journal.errors import JournalError
from utils.journal.exit_plans import ExitPlan
from utils.journal.judging_frame import frame_from_trades
from utils.journal.schema import JOURNAL_COMPONENT, JOURNAL_MIGRATIONS
from utils.journal.store import Journal
from utils.journal.trade import Mode, TradeStatus


def assert_read_is_the_whole_read(journal: Journal, frame: pd.DataFrame) -> None:
    """The frame equals a whole read and the reference frame of the listed models."""
    pd.testing.assert_frame_equal(frame, journal.judging_read().frame)
    pd.testing.assert_frame_equal(frame, frame_from_trades(journal.list_trades()))


def assert_kept_rows_are_the_previous_frame(read, previous) -> None:
    """The rows a read since says it kept are the previous read's whole frame, unchanged."""
    if read.kept:
        assert read.kept == len(previous.frame)
        pd.testing.assert_frame_equal(read.frame.iloc[: read.kept], previous.frame)


@dataclass(frozen=True)
class Write:
    """One write to the journal, by the reading connection or by another one."""

    kind: str
    pick: int  # which trade (by position among the candidates) or how many
    minutes: int  # when, after START
    by_other: bool
    flag: bool  # a variant: reviewed, planned, partial close, by playbook


WRITES = st.builds(
    Write,
    kind=st.sampled_from(
        ["open", "close", "mistake", "plan after entry", "csv import", "tasty import", "read"]
    ),
    pick=st.integers(0, 40),
    minutes=st.integers(0, 60 * 24 * 40),
    by_other=st.booleans(),
    flag=st.booleans(),
)


def _opened(journal: Journal, status: TradeStatus | None = None) -> list:
    return journal.list_trades(status=status)


def _write(journal: Journal, write: Write, folder: Path) -> None:
    """Apply one write through the journal's public API (refusals are part of the journal)."""
    at = START + timedelta(minutes=write.minutes)
    if write.kind == "open":
        plan = {"stop_loss_usd": Decimal("300.00")} if write.flag else {}
        journal.open_trade(new_trade(opened_at=at, quantity=1 + write.pick % 3, **plan))
    elif write.kind == "close":
        candidates = _opened(journal, TradeStatus.OPEN)
        if candidates:
            trade = candidates[write.pick % len(candidates)]
            close = close_for_pnl(
                trade, write.pick * 10 - 150, trade.opened_at + timedelta(hours=2)
            )
            close = close.model_copy(update={"followed_plan": write.flag or None})
            units = 1 if write.flag and trade.quantity > 1 else None
            journal.close_units(trade.id, units, close)
    elif write.kind == "mistake":
        candidates = _opened(journal)
        if candidates:
            trade = candidates[write.pick % len(candidates)]
            journal.add_mistake(trade.id, MISTAKES[write.pick % len(MISTAKES)], at=at)
    elif write.kind == "plan after entry":
        candidates = _opened(journal)
        if candidates:
            trade = candidates[write.pick % len(candidates)]
            later = ExitPlan(
                stop_loss_usd=Decimal("40.00"), time_exit_at=trade.opened_at + timedelta(days=1)
            )
            journal.declare_exit_plan(trade.id, later, at=trade.opened_at + timedelta(hours=1))
    elif write.kind == "csv import":
        _import_new_trades(journal, write, folder, at)
    elif write.kind == "tasty import":
        playbook = None
        if write.flag:
            playbook = journal.save_playbook(PLAYBOOKS[write.pick % len(PLAYBOOKS)]).name
        csv = history_csv(folder, write.pick, 12)
        journal.import_tastytrade_csv(csv, mode=Mode.LIVE, skip_bad=True, playbook=playbook)


def _import_new_trades(journal: Journal, write: Write, folder: Path, at) -> None:
    """A journal CSV imported in bulk: written by a scratch journal kept through the example
    (new trades, some closed and reviewed, with mistakes; and the close of one it had open,
    which the import writes onto the trade imported open before), exported, imported."""
    with Journal.open(folder / "scratch") as scratch:
        still_open = scratch.list_trades(status=TradeStatus.OPEN)
        if still_open:
            trade = still_open[write.pick % len(still_open)]
            scratch.close_trade(trade.id, close_for_pnl(trade, 15, trade.opened_at + timedelta(1)))
        for number in range(1 + write.pick % 4):
            trade = scratch.open_trade(new_trade(opened_at=at + timedelta(hours=number)))
            if number % 2 == 0:
                close = close_for_pnl(trade, number * 30 - 40, at + timedelta(hours=number + 1))
                scratch.close_trade(trade.id, close.model_copy(update={"followed_plan": True}))
            if write.flag:
                scratch.add_mistake(trade.id, "chased", at=trade.opened_at)
        exported = folder / "scratch" / "journal.csv"
        scratch.export_journal_csv(exported)
    assert journal.import_journal_csv(exported).committed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(writes=st.lists(WRITES, max_size=14))
def test_any_writes_read_since_equal_the_whole_read(writes):
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "data"
        with Journal.open(data) as journal, Journal.open(data) as other:
            read = journal.judging_read()
            for write in writes:
                if write.kind == "read":
                    previous, read = read, journal.judging_read(read)
                    assert_read_is_the_whole_read(journal, read.frame)
                    assert_kept_rows_are_the_previous_frame(read, previous)
                else:
                    try:
                        _write(other if write.by_other else journal, write, Path(folder))
                    except JournalError:
                        pass  # refused whole: nothing was written
            previous, read = read, journal.judging_read(read)
            assert_read_is_the_whole_read(journal, read.frame)
            assert_kept_rows_are_the_previous_frame(read, previous)


def test_nothing_changed_in_the_trades_gives_the_same_frame(tmp_path):
    seed_journal(tmp_path)
    with Journal.open(tmp_path) as journal:
        first = journal.judging_read()
        journal.add_tag(3, "earnings")  # a tag is not in the judging frame
        again = journal.judging_read(first)
        assert again.frame is first.frame and again.kept == len(first.frame)


def test_a_read_after_one_new_trade_reads_only_that_trade(tmp_path, monkeypatch):
    seed_journal(tmp_path)
    with Journal.open(tmp_path) as journal, Journal.open(tmp_path) as other:
        first = journal.judging_read()
        trade = other.open_trade(new_trade(opened_at=START + timedelta(days=60)))
        other.add_mistake(4, "late")
        other.close_trade(trade.id, close_for_pnl(trade, 25, START + timedelta(days=61)))

        def whole_read(conn, identity):
            raise AssertionError("the whole journal was read again")

        with monkeypatch.context() as patched:
            patched.setattr(judging_read, "read_judging", whole_read)
            since = journal.judging_read(first)
        assert_read_is_the_whole_read(journal, since.frame)
    assert len(since.frame) == len(first.frame) + 1
    assert since.frame.loc[since.frame["id"] == 4, "mistakes"].tolist() == [1]


def test_a_trade_written_behind_the_log_is_still_read(tmp_path):
    """A trade inserted by raw SQL at an id below every other (no trigger names it)."""
    seed_journal(tmp_path)
    with Journal.open(tmp_path) as journal:
        first = journal.judging_read()
        with sqlite3.connect(tmp_path / "journal.sqlite3") as conn:
            columns = [row[1] for row in conn.execute("PRAGMA table_info(trades)")]
            copied = ", ".join({"id": "0", "uid": "'behind'"}.get(name, name) for name in columns)
            conn.execute(f"INSERT INTO trades SELECT {copied} FROM trades WHERE id = 2")  # nosec
            conn.execute(
                "INSERT INTO trade_legs SELECT 0, position, occ_symbol, option_type, strike, "
                "expiration, action, quantity FROM trade_legs WHERE trade_id = 2"
            )
        since = journal.judging_read(first)
        assert_read_is_the_whole_read(journal, since.frame)
    assert len(since.frame) == 31 and 0 in set(since.frame["id"])


def test_a_trade_renumbered_by_raw_sql_is_read_under_its_new_id(tmp_path):
    seed_journal(tmp_path)
    with Journal.open(tmp_path) as journal:
        first = journal.judging_read()
        with sqlite3.connect(tmp_path / "journal.sqlite3") as conn:
            conn.execute("PRAGMA foreign_keys=OFF")
            conn.execute("UPDATE trades SET id = 40 WHERE id = 7")
            conn.execute(
                "INSERT INTO trade_legs SELECT 40, position, occ_symbol, option_type, strike, "
                "expiration, action, quantity FROM trade_legs WHERE trade_id = 7"
            )
        since = journal.judging_read(first)
        assert_read_is_the_whole_read(journal, since.frame)
    assert 40 in set(since.frame["id"]) and 7 not in set(since.frame["id"])


def test_a_change_the_log_lost_reads_the_whole_journal(tmp_path):
    """The log tampered with (its append-only trigger dropped, an entry deleted): a gap."""
    seed_journal(tmp_path)
    with Journal.open(tmp_path) as journal:
        first = journal.judging_read()
        journal.add_mistake(5, "late")
        journal.add_mistake(6, "late")
        with sqlite3.connect(tmp_path / "journal.sqlite3") as conn:
            conn.execute("DROP TRIGGER trade_changes_never_deleted")
            (seq,) = conn.execute(
                "SELECT MAX(seq) FROM trade_changes WHERE trade_id = 5"
            ).fetchone()
            conn.execute("DELETE FROM trade_changes WHERE seq = ?", (seq,))
        since = journal.judging_read(first)
        assert_read_is_the_whole_read(journal, since.frame)
    assert since.frame.loc[since.frame["id"] == 5, "mistakes"].tolist() == [1]


def test_the_change_log_is_append_only(tmp_path):
    seed_journal(tmp_path)
    with sqlite3.connect(tmp_path / "journal.sqlite3") as conn:
        for statement in ("DELETE FROM trade_changes", "UPDATE trade_changes SET trade_id = 1"):
            with pytest.raises(sqlite3.IntegrityError, match="change log"):
                conn.execute(statement)


def test_a_read_of_another_journal_is_not_a_starting_point(tmp_path):
    """A copy of the file, changed apart: its read stands where this one does, yet differs."""
    seed_journal(tmp_path / "a")
    (tmp_path / "b").mkdir()
    with sqlite3.connect(tmp_path / "a" / "journal.sqlite3") as source:
        with sqlite3.connect(tmp_path / "b" / "journal.sqlite3") as copy:
            source.backup(copy)
    with Journal.open(tmp_path / "a") as a, Journal.open(tmp_path / "b") as b:
        a.add_mistake(5, "late")
        b.add_mistake(6, "late")
        foreign = a.judging_read()
        since = b.judging_read(foreign)
        assert_read_is_the_whole_read(b, since.frame)
    assert since.frame.loc[since.frame["id"].isin([5, 6]), "mistakes"].tolist() == [0, 1]


@pytest.mark.parametrize("chunk", [1, 3])
def test_many_changes_at_once_read_the_same(tmp_path, monkeypatch, chunk):
    """More trades touched than one chunk holds: the whole journal is read instead."""
    monkeypatch.setattr(judging_read, "CHUNK_TRADES", chunk)
    with Journal.open(tmp_path) as journal:
        first = journal.judging_read()
        seed_journal(tmp_path)
        since = journal.judging_read(first)
        assert_read_is_the_whole_read(journal, since.frame)
    assert len(since.frame) == 30


def test_trades_opened_before_the_last_one_are_merged_in_order(tmp_path):
    with Journal.open(tmp_path) as journal:
        for day in (1, 3, 5, 5):
            journal.open_trade(new_trade(opened_at=START + timedelta(days=day)))
        first = journal.judging_read()
        for day in (0, 2, 5, 6):  # before, between, at the same instant (a later id), after
            journal.open_trade(new_trade(opened_at=START + timedelta(days=day)))
        since = journal.judging_read(first)
        assert_read_is_the_whole_read(journal, since.frame)
    assert since.frame["id"].tolist() == [5, 1, 6, 2, 3, 4, 7, 8]
    assert since.kept == 0, "rows merged in between: no head of the frame is kept"


@pytest.mark.parametrize("days", [(6,), (5, 7), (5, 5)])  # after; at the last instant (later ids)
def test_new_trades_opened_after_every_other_are_appended_in_order(tmp_path, days):
    with Journal.open(tmp_path) as journal, Journal.open(tmp_path) as other:
        for day in (1, 3, 5):
            journal.open_trade(new_trade(opened_at=START + timedelta(days=day)))
        first = journal.judging_read()
        for day in days:
            other.open_trade(new_trade(opened_at=START + timedelta(days=day)))
        since = journal.judging_read(first)
        assert_read_is_the_whole_read(journal, since.frame)
    assert since.frame["id"].tolist() == list(range(1, 4 + len(days)))
    assert since.kept == 3 and first.kept == 0, "the first frame is kept whole, read rows after it"


def test_a_journal_from_before_the_change_log_reads_on_after_its_migration(tmp_path):
    conn = connect(journal_path(tmp_path))
    ensure_schema(conn, JOURNAL_COMPONENT, JOURNAL_MIGRATIONS[:-1])
    with transaction(conn):
        for day in range(3):
            opened = START + timedelta(days=day)
            writes.insert_trade(conn, new_trade(opened_at=opened), f"old-{day}", created_at=opened)
    conn.close()
    with Journal.open(tmp_path) as journal:
        first = journal.judging_read()
        trade = journal.get_trade(2)
        journal.close_trade(2, close_for_pnl(trade, 40, START + timedelta(days=2)))
        since = journal.judging_read(first)
        assert_read_is_the_whole_read(journal, since.frame)
    assert len(since.frame) == 3 and since.frame["closed_at"].notna().sum() == 1
