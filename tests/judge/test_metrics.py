"""Metrics against the shared golden vectors, through bare arrays and through a real journal."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.journal_factory import START, close_for_pnl, journal_trades, new_trade
from utils.journal.store import Journal
from utils.journal.trade import Mode
from utils.judge.metrics import (
    BREAKDOWN_COLUMNS,
    METRIC_DEFINITIONS,
    MetricsSummary,
    breakdown,
    closed_trades,
    daily_pnl,
    equity_curve,
    last_n_expectancy,
    max_drawdown_usd,
    summarize,
    summarize_pnl,
    trades_to_frame,
)

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = json.loads((ROOT / "tests" / "fixtures" / "golden_metrics.json").read_text("utf-8"))
TOLERANCE = GOLDEN["tolerance"]
MAX_LOSS = GOLDEN["max_loss_usd"]
CASES = {case["name"]: case for case in GOLDEN["summary_cases"]}
UTC = timezone.utc


def expected_value(value):
    return math.inf if value == "inf" else value


def assert_matches(actual: dict, expected: dict) -> None:
    for name, wanted in expected.items():
        got, wanted = actual[name], expected_value(wanted)
        if wanted is None or isinstance(wanted, bool):
            assert got is wanted, (name, got, wanted)
        else:
            assert got == pytest.approx(wanted, rel=TOLERANCE, abs=TOLERANCE), (name, got)


@pytest.fixture
def journal(tmp_path):
    with Journal.open(tmp_path) as opened:
        yield opened


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_summary_from_bare_pnl(name):
    case = CASES[name]
    pnl = np.array(case["pnl_usd"], dtype="float64")
    summary = summarize_pnl(pnl, pnl / MAX_LOSS, breakeven_band_usd=GOLDEN["breakeven_band_usd"])
    assert_matches(summary.model_dump(), case["expected"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_summary_from_a_real_journal(journal, name):
    case = CASES[name]
    journal_trades(journal, case["pnl_usd"])
    later = START + timedelta(days=len(case["pnl_usd"]) + 1)
    for offset in range(case["open_trades"]):
        journal.open_trade(new_trade(opened_at=later + timedelta(hours=offset)))
    summary = summarize(journal.trades_frame())
    assert_matches(summary.model_dump(), case["expected"])
    assert summary.net_pnl_cents == round(sum(case["pnl_usd"]) * 100)


def test_expectancy_matches_freqtrades_published_case(journal):
    journal_trades(journal, [100, 200, 50, -150, 300, -100, 80, -30])
    assert summarize(journal.trades_frame()).expectancy_usd == pytest.approx(56.25)


def test_summary_accepts_trade_models_as_well_as_frames(journal):
    journal_trades(journal, [100, -40])
    journal.open_trade(new_trade(opened_at=START + timedelta(days=9)))
    assert summarize(journal.list_trades()) == summarize(journal.trades_frame())


def test_profit_factor_is_infinite_without_losses_and_says_so():
    summary = summarize_pnl(np.array([10.0, 20.0]), np.array([0.1, 0.2]))
    assert summary.profit_factor == math.inf and summary.payoff_ratio == math.inf
    assert "infinite with wins and no losses" in METRIC_DEFINITIONS["profit_factor"]


@pytest.mark.parametrize("case", GOLDEN["rolling_cases"], ids=lambda c: c["name"])
def test_golden_rolling_expectancy_for_the_rollback_trigger(journal, case):
    journal_trades(journal, case["pnl_usd"])
    frame = journal.trades_frame()
    # The rollback trigger reads the last-N window after each close: undefined until it is full.
    after_each_close = [
        last_n_expectancy(frame.head(count), case["window"]) for count in range(1, len(frame) + 1)
    ]
    series = [w.expectancy_usd if w.complete else None for w in after_each_close]
    expected = [math.nan if v is None else v for v in case["expected_series"]]
    assert np.array(series, dtype="float64") == pytest.approx(np.array(expected), nan_ok=True)
    window = last_n_expectancy(frame, case["window"])
    assert window.expectancy_usd == pytest.approx(case["expected_last"])
    assert window.complete is (len(case["pnl_usd"]) >= case["window"])
    assert window.trades_used == min(len(case["pnl_usd"]), case["window"])
    assert list(window.trade_ids) == list(frame["id"].tail(case["window"]))


def test_last_n_expectancy_without_trades_is_undefined_and_incomplete(journal):
    window = last_n_expectancy(journal.trades_frame())
    assert window.expectancy_usd is None and not window.complete and window.window == 10


@pytest.mark.parametrize("case", GOLDEN["breakdown_cases"], ids=lambda c: c["name"])
def test_golden_breakdowns_per_structure_and_underlying(journal, case):
    for index, item in enumerate(case["trades"]):
        opened = START + timedelta(days=index)
        trade = journal.open_trade(
            new_trade(opened_at=opened, structure=item["structure"], underlying=item["underlying"])
        )
        journal.close_trade(trade.id, close_for_pnl(trade, item["pnl_usd"], opened))
    frame = journal.trades_frame()
    for by, groups in case["expected"].items():
        table = breakdown(frame, by)
        assert tuple(table.columns) == BREAKDOWN_COLUMNS
        assert sorted(table.index) == sorted(groups)
        for key, expected in groups.items():
            assert_matches(table.loc[key].to_dict(), expected)


def test_equity_curve_starts_from_zero_and_tracks_the_drawdown(journal):
    case = CASES["drawdown_after_peak"]
    journal_trades(journal, case["pnl_usd"])
    curve = equity_curve(journal.trades_frame())
    assert list(curve["equity_usd"]) == [100, 70, 20, 220, -30, -20]
    assert list(curve["peak_usd"]) == [100, 100, 100, 220, 220, 220]
    assert curve["drawdown_usd"].max() == case["expected"]["max_drawdown_usd"]


def test_daily_pnl_groups_by_new_york_session_of_close_across_dst(journal):
    closes = [
        datetime(2025, 3, 11, 3, 30, tzinfo=UTC),  # 23:30 EDT on Monday 10 March
        datetime(2025, 3, 11, 14, 0, tzinfo=UTC),  # 10:00 EDT on Tuesday 11 March
        datetime(2025, 11, 4, 4, 30, tzinfo=UTC),  # 23:30 EST on Monday 3 November
        datetime(2025, 11, 4, 5, 30, tzinfo=UTC),  # 00:30 EST on Tuesday 4 November
    ]
    for pnl, closed_at in zip([10, 20, 30, 40], closes):
        trade = journal.open_trade(new_trade(opened_at=closed_at - timedelta(hours=1)))
        journal.close_trade(trade.id, close_for_pnl(trade, pnl, closed_at))
    daily = daily_pnl(journal.trades_frame())
    assert list(daily.index) == [
        date(2025, 3, 10),
        date(2025, 3, 11),
        date(2025, 11, 3),
        date(2025, 11, 4),
    ]
    assert list(daily["net_pnl_usd"]) == [10, 20, 30, 40]
    assert list(daily["cumulative_usd"]) == [10, 30, 60, 100]


def test_trades_are_taken_in_close_order_not_open_order(journal):
    first = journal.open_trade(new_trade(opened_at=START))
    second = journal.open_trade(new_trade(opened_at=START + timedelta(hours=1)))
    journal.close_trade(second.id, close_for_pnl(second, -100, START + timedelta(days=1)))
    journal.close_trade(first.id, close_for_pnl(first, 300, START + timedelta(days=2)))
    frame = journal.trades_frame()
    shuffled = frame.iloc[::-1]
    assert list(closed_trades(shuffled)["id"]) == [second.id, first.id]
    assert summarize(shuffled).max_drawdown_usd == 100  # the loss came first


def test_open_trades_never_count(journal):
    journal.open_trade(new_trade())
    summary = summarize(journal.trades_frame())
    assert summary.trades == 0 and summary.expectancy_usd is None


def test_every_definition_is_in_the_metrics_document():
    document = (ROOT / "docs" / "METRICS.md").read_text("utf-8")
    flat = " ".join(document.replace("\\|", "|").split())  # tables escape | as \|
    for name, text in METRIC_DEFINITIONS.items():
        assert " ".join(text.split()) in flat, name


def test_every_summary_figure_has_a_definition():
    counted = {"wins", "losses", "breakevens", "net_pnl_cents", "sqn_small_sample"}
    defined = set(METRIC_DEFINITIONS) | counted
    assert set(MetricsSummary.model_fields) <= defined


@given(st.lists(st.integers(min_value=-100_000, max_value=100_000), max_size=60))
def test_summary_properties_hold_for_any_pnl(cents):
    pnl = np.array(cents, dtype="float64") / 100
    summary = summarize_pnl(pnl, pnl / 500)
    assert summary.wins + summary.losses + summary.breakevens == len(cents)
    if cents:
        assert summary.expectancy_usd == pytest.approx(sum(cents) / 100 / len(cents))
        equity = np.cumsum(pnl)
        assert summary.max_drawdown_usd >= max(0.0, -equity.min()) - 1e-9
    assert summary.max_drawdown_usd == max_drawdown_usd(pnl) >= 0
    gross_win = (summary.avg_win_usd or 0) * summary.wins
    gross_loss = -(summary.avg_loss_usd or 0) * summary.losses
    if summary.profit_factor not in (None, math.inf):
        assert summary.profit_factor == pytest.approx(gross_win / gross_loss)


def test_frame_without_cents_column_still_summarises():
    frame = pd.DataFrame(
        {
            "id": [1, 2],
            "closed_at": pd.to_datetime(["2025-01-02T15:00Z", "2025-01-03T15:00Z"], utc=True),
            "net_pnl_usd": [50.0, -25.0],
            "r_multiple": [0.1, -0.05],
        }
    )
    summary = summarize(frame)
    assert summary.expectancy_usd == 12.5 and summary.net_pnl_cents is None


def _frame_from_records(trades) -> pd.DataFrame:
    """trades_to_frame as first written: one record per trade, typed afterwards."""
    records = [
        {
            "id": t.id,
            "structure": t.structure.value,
            "underlying": t.underlying,
            "mode": t.mode.value,
            "closed_at": t.closed_at,
            "close_session": t.close_session,
            "max_loss_usd": float(t.max_loss_usd),
            "net_pnl_usd": None if t.net_pnl_usd is None else float(t.net_pnl_usd),
            "net_pnl_cents": None if t.net_pnl_usd is None else int(t.net_pnl_usd * 100),
        }
        for t in trades
    ]
    frame = pd.DataFrame.from_records(records, columns=_TRADE_FRAME_MODEL_COLUMNS)
    frame["closed_at"] = pd.to_datetime(frame["closed_at"], utc=True)
    frame["net_pnl_usd"] = frame["net_pnl_usd"].astype("float64")
    frame["net_pnl_cents"] = frame["net_pnl_cents"].astype("Int64")
    frame["r_multiple"] = frame["net_pnl_usd"] / frame["max_loss_usd"]
    return frame


_TRADE_FRAME_MODEL_COLUMNS = [
    "id",
    "structure",
    "underlying",
    "mode",
    "closed_at",
    "close_session",
    "max_loss_usd",
    "net_pnl_usd",
    "net_pnl_cents",
]


@pytest.mark.parametrize("picked", [slice(0, 0), slice(0, 1), slice(-1, None), slice(None)])
def test_frame_from_trade_models_matches_one_record_per_trade(journal, picked):
    journal_trades(journal, [25, -40, 0, 13.37, -500])
    journal.open_trade(new_trade(opened_at=START + timedelta(days=30), structure="iron_condor"))
    journal.open_trade(new_trade(opened_at=START + timedelta(days=31), mode=Mode.LIVE))
    trades = journal.list_trades()[picked]
    expected = _frame_from_records(trades)
    frame = trades_to_frame(trades)
    pd.testing.assert_frame_equal(frame, expected)
    assert list(frame.dtypes) == list(expected.dtypes)
