"""The journal's fast read gives the trades a full validation gives, on golden and random journals.

`Journal.list_trades` builds models without validating them again and shares equal legs between
trades of one read; here every trade it returns is compared with the same facts validated anew
and with the one-trade read (`get_trade`, which shares nothing across trades), and the metrics
frame built from those trades with the frame read straight from SQL.
"""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.journal_factory import START, close_for_pnl, new_trade, seed_journal
from tests.support.tasty_history_factory import random_history
from utils.journal.risk import TradeLeg
from utils.journal.store import Journal
from utils.journal.trade import Mode, Trade
from utils.judge.metrics import closed_trades, trades_to_frame

ROOT = Path(__file__).resolve().parents[2]
TASTY = ROOT / "tests" / "fixtures" / "journal" / "tasty_history.csv"
FRAME_COLUMNS = ["id", "structure", "underlying", "mode", "closed_at", "close_session"]
FRAME_COLUMNS += ["max_loss_usd", "net_pnl_usd", "net_pnl_cents", "r_multiple"]


def assert_reads_agree(journal: Journal) -> list[Trade]:
    """Every listed trade equals its validated facts and its one-trade read; frames agree."""
    trades = journal.list_trades()
    for trade in trades:
        alone = journal.get_trade(trade.id)
        assert trade == alone and trade.model_dump() == alone.model_dump()
        assert trade.proved_defined_risk == alone.proved_defined_risk
        assert trade.flagged_not_defined_risk == alone.flagged_not_defined_risk
        assert list(trade.__dict__) == list(Trade.model_fields)
        for leg in trade.legs:
            assert TradeLeg.model_validate(leg.model_dump()) == leg
        if trade.flagged_not_defined_risk:
            assert not trade.proved_defined_risk
        else:
            assert trade.proved_defined_risk
            assert Trade.model_validate(trade.model_dump()) == trade
    from_models = closed_trades(trades_to_frame(trades))[FRAME_COLUMNS]
    from_sql = closed_trades(journal.trades_frame())[FRAME_COLUMNS]
    pd.testing.assert_frame_equal(
        from_models.reset_index(drop=True), from_sql.reset_index(drop=True), check_dtype=False
    )
    return trades


def history_text(header: list[str], rows: list[list[str]]) -> str:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return stream.getvalue()


def test_the_golden_tastytrade_history_reads_the_same_both_ways(tmp_path):
    with Journal.open(tmp_path / "data") as journal:
        report = journal.import_tastytrade_csv(TASTY, mode=Mode.LIVE)
        assert report.committed
        trades = assert_reads_agree(journal)
    assert len(trades) == 7 and any(t.closed_at for t in trades)


def test_the_seeded_journal_reads_the_same_both_ways(tmp_path):
    seed_journal(tmp_path)
    with Journal.open(tmp_path) as journal:
        trades = assert_reads_agree(journal)
    assert len(trades) == 30


def test_equal_legs_are_shared_within_one_read_only(tmp_path):
    with Journal.open(tmp_path) as journal:
        for minutes in (0, 30):
            journal.open_trade(new_trade(opened_at=START + timedelta(minutes=minutes)))
        first, second = assert_reads_agree(journal)
        assert first.legs[0] is second.legs[0] and first.legs[1] is second.legs[1]
        assert journal.list_trades()[0].legs[0] is not first.legs[0]


@pytest.mark.parametrize("seed", [2, 3])
def test_generated_tastytrade_histories_read_the_same_both_ways(tmp_path, seed):
    header, rows = random_history(seed, 120)
    path = tmp_path / "history.csv"
    path.write_text(history_text(header, rows), encoding="utf-8")
    with Journal.open(tmp_path / "data") as journal:
        assert journal.import_tastytrade_csv(path, mode=Mode.LIVE, skip_bad=True).committed
        trades = assert_reads_agree(journal)
    assert len(trades) > 50 and any(t.flagged_not_defined_risk for t in trades)


SPREADS = st.lists(
    st.tuples(
        st.sampled_from(["vertical", "iron_condor"]),
        st.sampled_from(["SPY", "QQQ", "IWM"]),
        st.integers(1, 3),
        st.integers(0, 60 * 24),  # opening minute offset in 15-minute steps
        st.one_of(st.none(), st.integers(-50_000, 50_000)),  # net P&L cents, None = open
        st.lists(st.sampled_from(["earnings", "high-iv", "trend"]), max_size=2, unique=True),
        st.booleans(),  # a note and a mistake
    ),
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spreads=SPREADS)
def test_random_journals_read_the_same_both_ways(spreads):
    with tempfile.TemporaryDirectory() as folder, Journal.open(Path(folder)) as journal:
        for structure, underlying, quantity, step, pnl_cents, tags, noted in spreads:
            opened = START + timedelta(minutes=15 * step)
            new = new_trade(
                opened_at=opened,
                structure=structure,
                underlying=underlying,
                quantity=quantity,
                tags=tuple(tags),
            )
            trade = journal.open_trade(new)
            if noted:
                journal.add_note(trade.id, "held through CPI", at=opened)
                journal.add_mistake(trade.id, "sized up", at=opened)
            if pnl_cents is not None:
                pnl = Decimal(pnl_cents) / 100
                journal.close_trade(
                    trade.id, close_for_pnl(trade, pnl, opened + timedelta(hours=2))
                )
        assert len(assert_reads_agree(journal)) == len(spreads)
