"""The journal's straight SQLite read of THE JUDGING FRAME equals its reference definition.

`Journal.judging_frame()` must return exactly `frame_from_trades(journal.list_trades())` (same
values, dtypes, order), and `Journal.trades_by_ids(ids)` the listed trades of those ids, on the
golden journals and on generated ones (every mode, open and closed, reviewed, mistakes, plans
declared after entry and by playbook, flagged not-defined-risk imports, weekend and holiday
instants).
"""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from tests.support.journal_factory import START, close_for_pnl, new_trade, seed_journal
from tests.support.judging_journals import PLAYBOOK, build_journal, history_csv, journal_specs
from utils.journal import judging_read
from utils.journal.errors import JournalError
from utils.journal.judging_frame import frame_from_trades
from utils.journal.store import Journal
from utils.journal.trade import Mode

ROOT = Path(__file__).resolve().parents[2]
TASTY = ROOT / "tests" / "fixtures" / "journal" / "tasty_history.csv"


def assert_judging_read_is_the_reference(journal: Journal) -> pd.DataFrame:
    """The SQL read equals the frame of the validated models, and the models by id agree."""
    frame = journal.judging_frame()
    trades = journal.list_trades()
    pd.testing.assert_frame_equal(frame, frame_from_trades(trades))
    chosen = [int(i) for i in frame["id"].to_numpy()[::3]]
    assert_models_by_id_are_the_listed_ones(journal, chosen)
    return frame


def assert_models_by_id_are_the_listed_ones(journal: Journal, ids: list[int]) -> None:
    listed = [t for t in journal.list_trades() if t.id in set(ids)]
    loaded = journal.trades_by_ids(ids)
    assert loaded == listed
    assert [t.model_dump() for t in loaded] == [t.model_dump() for t in listed]
    assert [(t.proved_defined_risk, t.flagged_not_defined_risk) for t in loaded] == [
        (t.proved_defined_risk, t.flagged_not_defined_risk) for t in listed
    ]


def test_the_golden_tastytrade_history_reads_the_same(tmp_path):
    with Journal.open(tmp_path / "data") as journal:
        assert journal.import_tastytrade_csv(TASTY, mode=Mode.LIVE).committed
        frame = assert_judging_read_is_the_reference(journal)
    assert len(frame) == 7 and frame["closed_at"].notna().any()


def test_the_golden_history_imported_by_playbook_counts_its_later_plans(tmp_path):
    with Journal.open(tmp_path / "data") as journal:
        journal.save_playbook(PLAYBOOK)
        report = journal.import_tastytrade_csv(TASTY, mode=Mode.SANDBOX, playbook=PLAYBOOK.name)
        assert report.committed
        frame = assert_judging_read_is_the_reference(journal)
    assert frame["later_plans"].any() and set(frame["mode"]) == {"SANDBOX"}


@pytest.mark.parametrize("chunk", [1, 7, judging_read.CHUNK_TRADES])
def test_the_seeded_journal_reads_the_same_whatever_the_chunk(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(judging_read, "CHUNK_TRADES", chunk)
    seed_journal(tmp_path)
    with Journal.open(tmp_path) as journal:
        frame = assert_judging_read_is_the_reference(journal)
    assert len(frame) == 30 and frame["id"].is_unique


@pytest.mark.parametrize("seed", [2, 3])
def test_generated_histories_with_flagged_positions_read_the_same(tmp_path, seed):
    with Journal.open(tmp_path / "data") as journal:
        report = journal.import_tastytrade_csv(
            history_csv(tmp_path, seed, 120), mode=Mode.LIVE, skip_bad=True
        )
        assert report.committed
        frame = assert_judging_read_is_the_reference(journal)
    assert frame["flagged"].any() and (frame["proved"] == ~frame["flagged"]).all()
    assert (frame["closed_at"].isna() == (frame["close_session"] == 0)).all()


def test_an_empty_journal_reads_as_an_empty_typed_frame(tmp_path):
    with Journal.open(tmp_path) as journal:
        frame = assert_judging_read_is_the_reference(journal)
        assert journal.trades_by_ids([]) == []
    assert frame.empty


def test_a_timestamp_stored_in_another_iso_form_is_the_same_instant(tmp_path):
    with Journal.open(tmp_path) as journal:
        first = journal.open_trade(new_trade(opened_at=START))
        journal.open_trade(new_trade(opened_at=START + timedelta(minutes=30)))
    # A row written by another tool: no microseconds, New York's offset (10:05 there is 15:05
    # UTC, 5 minutes after the first trade) -- the same instant, so it sorts between the two.
    with sqlite3.connect(tmp_path / "journal.sqlite3") as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(trades)")]
        copied = ", ".join(
            {"id": "NULL", "uid": "'other-tool'", "opened_at": "'2025-01-06T10:05:00-05:00'"}.get(
                name, name
            )
            for name in columns
        )
        copy = conn.execute(
            f"INSERT INTO trades SELECT {copied} FROM trades WHERE id = ?", (first.id,)
        )
        conn.execute(
            "INSERT INTO trade_legs SELECT ?, position, occ_symbol, option_type, strike, "
            "expiration, action, quantity FROM trade_legs WHERE trade_id = ?",
            (copy.lastrowid, first.id),
        )
    with Journal.open(tmp_path) as journal:
        frame = assert_judging_read_is_the_reference(journal)
    assert frame["id"].tolist() == [first.id, copy.lastrowid, first.id + 1]


def test_the_read_ends_its_snapshot_so_later_writes_are_seen(tmp_path):
    with Journal.open(tmp_path) as journal, Journal.open(tmp_path) as other:
        journal.open_trade(new_trade(opened_at=START))
        assert len(journal.judging_frame()) == 1
        trade = other.open_trade(new_trade(opened_at=START + timedelta(hours=1)))
        journal.close_trade(trade.id, close_for_pnl(trade, 25, START + timedelta(hours=2)))
        frame = assert_judging_read_is_the_reference(journal)
    assert len(frame) == 2 and frame["net_pnl_cents"].tolist()[1] == 2500


def test_trades_by_ids_loads_just_those_trades_in_id_order(tmp_path):
    seed_journal(tmp_path)
    with Journal.open(tmp_path) as journal:
        assert_models_by_id_are_the_listed_ones(journal, [30, 2, 2, 17])
        numpy_ids = journal.judging_frame()["id"].to_numpy()[[4, 0]]
        assert [t.id for t in journal.trades_by_ids(numpy_ids)] == [1, 5]
        assert journal.trades_by_ids([7])[0] == journal.get_trade(7)


def test_trades_by_ids_names_every_id_the_journal_does_not_hold(tmp_path):
    seed_journal(tmp_path)
    with Journal.open(tmp_path) as journal:
        with pytest.raises(JournalError, match="there are no trades 31, 99 in the journal"):
            journal.trades_by_ids([3, 99, 31])
        with pytest.raises(JournalError, match="there is no trade 0 in the journal"):
            journal.get_trade(0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=journal_specs())
def test_generated_journals_read_the_same(spec):
    with tempfile.TemporaryDirectory() as folder, Journal.open(Path(folder)) as journal:
        build_journal(journal, spec, Path(folder))
        frame = assert_judging_read_is_the_reference(journal)
        assert len(frame) == len(journal.list_trades())
        assert (frame["session"] > 0).all()
