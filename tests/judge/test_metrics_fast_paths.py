"""summarize()'s fast paths (models straight to arrays; a frame with open trades without copying
it) give exactly what the literal path gives: every trade to a frame, the closed ones sorted."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from tests.support.judge_factory import make_trade, utc
from utils.judge.metrics import closed_trades, summarize, summarize_pnl, trades_to_frame

START = utc("2026-10-26T13:00:00Z")


def literal_summary(trades):
    """The first implementation: the whole frame, its closed rows in close order."""
    closed = closed_trades(trades_to_frame(trades))
    return summarize_pnl(
        closed["net_pnl_usd"].to_numpy(dtype="float64"),
        closed["r_multiple"].to_numpy(dtype="float64"),
        net_pnl_cents=int(closed["net_pnl_cents"].sum()),
    )


def random_trades(seed: int, count: int = 120):
    rng = random.Random(seed)  # nosec B311  # seeded test data
    trades = []
    for trade_id in range(1, count + 1):
        opened = START + timedelta(minutes=15 * rng.randrange(2000))
        closed = rng.choice([None, opened + timedelta(minutes=15 * rng.randrange(8))])
        trades.append(
            make_trade(
                trade_id,
                opened_at=opened,
                closed_at=closed,
                net_pnl_usd=None if closed is None else f"{rng.randint(-40000, 20000) / 100:.2f}",
                width=rng.choice(["5", "6", "10"]),
                quantity=rng.choice([1, 2, 3]),
            )
        )
    rng.shuffle(trades)
    return trades


@pytest.mark.parametrize("seed", range(10))
def test_models_and_frames_summarise_exactly_as_the_literal_path(seed):
    trades = random_trades(seed)
    assert any(t.closed_at is None for t in trades), "open trades are in the journal"
    expected = literal_summary(trades)
    assert summarize(trades) == expected
    assert summarize(trades_to_frame(trades)) == expected


def test_no_trade_or_only_open_ones():
    open_only = [make_trade(1, opened_at=START)]
    assert summarize([]) == literal_summary([]) == summarize(trades_to_frame([]))
    assert summarize(open_only) == literal_summary(open_only)
    assert summarize(open_only).trades == 0
