"""The closed trades of a judging frame read on from a previous one (its head kept whole) are
exactly the closed trades of the whole frame: rows, order, types and index."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.judge_factory import make_trade, utc
from utils.journal.judging_frame import frame_from_trades
from utils.judge.closed_delta import closed_after
from utils.judge.metrics import closed_from_judging

START = utc("2025-12-19T14:30:00Z")


@st.composite
def read_on(draw):
    """A judging frame (ties in time, zero-length, open and out-of-order trades) and how many
    of its first rows a previous read's frame was."""
    count = draw(st.integers(0, 25))
    trades = []
    for trade_id in draw(st.permutations(range(1, count + 1))):
        opened = START + timedelta(minutes=5 * draw(st.integers(0, 40)))
        duration = draw(st.sampled_from([None, 0, 5, 60, 600]))
        closed = None if duration is None else opened + timedelta(minutes=duration)
        pnl = None if closed is None else str(draw(st.integers(-300, 300)))
        trades.append(make_trade(trade_id, opened_at=opened, closed_at=closed, net_pnl_usd=pnl))
    frame = frame_from_trades(trades)
    return frame, draw(st.integers(0, count))


def assert_same_closed(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(actual, expected, check_index_type=True, check_exact=True)
    assert type(actual.index) is type(expected.index)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=read_on())
def test_the_closed_trades_read_on_are_those_of_the_whole_frame(case):
    frame, kept = case
    previous = closed_from_judging(frame.iloc[:kept])
    assert_same_closed(closed_after(frame, kept, previous), closed_from_judging(frame))


def test_new_closes_after_every_other_are_appended():
    trades = [
        make_trade(
            i,
            opened_at=START + timedelta(hours=i),
            closed_at=START + timedelta(hours=i, minutes=30),
            net_pnl_usd="10",
        )
        for i in range(1, 6)
    ]
    frame = frame_from_trades(trades)
    previous = closed_from_judging(frame.iloc[:3])
    closed = closed_after(frame, 3, previous)
    assert_same_closed(closed, closed_from_judging(frame))
    assert isinstance(closed.index, pd.RangeIndex) and closed["id"].tolist() == [1, 2, 3, 4, 5]
    assert closed_after(frame, 5, closed) is closed, "nothing new: the same closed trades"
