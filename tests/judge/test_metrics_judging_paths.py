"""The metrics' fast paths from the judging frame give exactly what the literal path gives.

Literal path: every trade to a metrics frame (`trades_to_frame`), its closed rows in close
order (`closed_trades`), summarised from those columns. Fast paths: `closed_from_judging(frame)`
(closed rows picked before any column is built) and `summarize(frame)` straight from the judging
frame's cents (no metrics frame at all). Generated histories: ties in close time, ids out of
opening order, open trades anywhere, every trade open, every trade closed in opening order.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from tests.support.judge_factory import make_trade, utc
from utils.journal.judging_frame import frame_from_trades
from utils.journal.trade import Mode
from utils.judge.metrics import (
    closed_from_judging,
    closed_trades,
    summarize,
    summarize_pnl,
    trades_to_frame,
)

START = utc("2026-10-26T13:00:00Z")

TRADE_SPECS = st.tuples(
    st.integers(0, 40),  # opened, in quarters of an hour (ties in opening time)
    st.one_of(st.none(), st.integers(0, 12)),  # held, in quarters (None: still open)
    st.integers(-50_000, 30_000),  # net P&L in cents
    st.sampled_from(["5", "6", "10"]),  # width: 1R differs
    st.integers(1, 3),  # quantity
    st.sampled_from(["SPY", "QQQ", "IWM"]),
    st.sampled_from([mode.value for mode in Mode]),
)


@st.composite
def histories(draw):
    """Trades with ids in any order relative to their opening times."""
    specs = draw(st.lists(TRADE_SPECS, max_size=40))
    ids = draw(st.permutations(range(1, len(specs) + 1)))
    trades = []
    for trade_id, (opened, held, cents, width, quantity, underlying, mode) in zip(ids, specs):
        opened_at = START + timedelta(minutes=15 * opened)
        closed = held is not None
        trades.append(
            make_trade(
                trade_id,
                opened_at=opened_at,
                closed_at=opened_at + timedelta(minutes=15 * held) if closed else None,
                net_pnl_usd=f"{cents / 100:.2f}" if closed else None,
                width=width,
                quantity=quantity,
                underlying=underlying,
                mode=mode,
            )
        )
    return trades


def literal_closed(frame: pd.DataFrame, trades) -> pd.DataFrame:
    """The closed trades of the judging frame's rows, through a model per trade, sorted by
    close time then id (`closed_trades` without its already-in-order shortcut)."""
    by_id = {trade.id: trade for trade in trades}
    metrics = trades_to_frame([by_id[trade_id] for trade_id in frame["id"]])
    closed = metrics[metrics["closed_at"].notna()]
    expected = closed.sort_values(["closed_at", "id"], kind="stable")
    pd.testing.assert_frame_equal(closed_trades(metrics), expected)
    return expected


def literal_summary(closed: pd.DataFrame):
    """The first implementation of summarize over the closed trades' columns."""
    return summarize_pnl(
        closed["net_pnl_usd"].to_numpy(dtype="float64"),
        closed["r_multiple"].to_numpy(dtype="float64"),
        net_pnl_cents=int(closed["net_pnl_cents"].sum()),
    )


@given(trades=histories())
def test_the_closed_trades_and_summary_of_a_judging_frame_are_the_literal_ones(trades):
    frame = frame_from_trades(trades)
    for rows in [frame, *(frame[frame["mode"] == mode.value] for mode in Mode)]:
        expected = literal_closed(rows, trades)
        closed = closed_from_judging(rows)
        pd.testing.assert_frame_equal(closed, expected)
        summary = literal_summary(expected)
        assert summarize(rows) == summary
        assert summarize(closed) == summary
        assert summarize(expected) == summary


@given(trades=histories(), together=st.booleans())
def test_closes_with_no_step_back_in_time_are_ordered_by_close_then_id(trades, together):
    """Each trade closed a minute after it opened (rows already in close order), or every trade
    closed at one instant (rows in opening order, the close order is by id alone)."""
    end = START + timedelta(days=1)
    closed = [
        trade.model_copy(
            update={"closed_at": end if together else trade.opened_at + timedelta(minutes=1)}
        )
        for trade in trades
        if trade.closed_at is not None
    ]
    frame = frame_from_trades(closed)
    expected = literal_closed(frame, closed)
    pd.testing.assert_frame_equal(closed_from_judging(frame), expected)
    assert summarize(frame) == literal_summary(expected)
