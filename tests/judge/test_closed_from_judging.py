"""`closed_from_judging(frame)` is what `closed_trades(trades_to_frame(trades))` returns for the
same trades: columns, dtypes, order and index, from the judging frame instead of models."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings

from tests.support.journal_factory import START, close_for_pnl, new_trade, seed_journal
from tests.support.judging_journals import build_journal, history_csv, journal_specs
from utils.journal.store import Journal
from utils.journal.trade import Mode
from utils.judge.metrics import closed_from_judging, closed_trades, summarize, trades_to_frame


def assert_closed_frames_agree(journal: Journal) -> pd.DataFrame:
    """For the whole journal and for each mode's rows of its judging frame."""
    frame = journal.judging_frame()
    by_id = {trade.id: trade for trade in journal.list_trades()}
    for rows in [frame, *(frame[frame["mode"] == mode.value] for mode in Mode)]:
        trades = [by_id[trade_id] for trade_id in rows["id"]]
        expected = closed_trades(trades_to_frame(trades))
        pd.testing.assert_frame_equal(closed_from_judging(rows), expected)
    return closed_from_judging(frame)


def test_the_seeded_journal_gives_the_same_closed_trades_and_summary(tmp_path):
    seed_journal(tmp_path)
    with Journal.open(tmp_path) as journal:
        closed = assert_closed_frames_agree(journal)
        assert summarize(closed) == summarize(closed_trades(trades_to_frame(journal.list_trades())))
    assert len(closed) == 30


def test_a_history_with_flagged_positions_gives_the_same_closed_trades(tmp_path):
    with Journal.open(tmp_path / "data") as journal:
        path = history_csv(tmp_path, 3, 120)
        assert journal.import_tastytrade_csv(path, mode=Mode.LIVE, skip_bad=True).committed
        closed = assert_closed_frames_agree(journal)
    assert len(closed) > 20


def test_open_only_and_empty_journals_give_the_same_empty_frames(tmp_path):
    with Journal.open(tmp_path) as journal:
        assert assert_closed_frames_agree(journal).empty
        first = journal.open_trade(new_trade(opened_at=START))
        journal.open_trade(new_trade(opened_at=START - timedelta(hours=3)))
        assert assert_closed_frames_agree(journal).empty
        journal.close_trade(first.id, close_for_pnl(first, 40, START + timedelta(hours=1)))
        assert assert_closed_frames_agree(journal)["id"].tolist() == [first.id]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=journal_specs())
def test_generated_journals_give_the_same_closed_trades(spec):
    with tempfile.TemporaryDirectory() as folder, Journal.open(Path(folder)) as journal:
        build_journal(journal, spec, Path(folder))
        assert_closed_frames_agree(journal)
