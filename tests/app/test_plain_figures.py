"""The Expectancy card's charts, written as plain JSON data, are exactly the JSON the browser got
from the graph_objects figures they replace (tests/support/chart_reference.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.cards import expectancy
from components.charts import named_colorscale, plain_figure
from tests.support.chart_reference import (
    as_sent,
    decoded,
    reference_calendar_figure,
    reference_distribution_figure,
    reference_equity_figure,
)
from utils.judge.curves import MAX_CURVE_POINTS

START = datetime(2024, 12, 30, 15, 0, tzinfo=timezone.utc)


def closed_frame(pnl_cents: list[int], gaps_hours: list[int], r_known: bool = True):
    """Closed trades in close order as the card reads them: P&L, R, close instant and session."""
    closed_at = START + pd.to_timedelta(np.cumsum(gaps_hours), unit="h")
    pnl = np.asarray(pnl_cents, dtype="float64") / 100
    return pd.DataFrame(
        {
            "id": np.arange(1, len(pnl) + 1),
            "closed_at": closed_at,
            "close_session": [moment.date() for moment in closed_at],
            "net_pnl_usd": pnl,
            "r_multiple": pnl / 500 if r_known else np.full(len(pnl), np.nan),
        }
    )


def assert_sent_alike(closed: pd.DataFrame) -> None:
    for unit in ("USD", "R"):
        assert as_sent(expectancy.equity_figure(closed, unit)) == as_sent(
            reference_equity_figure(closed, unit)
        )
        assert as_sent(expectancy.distribution_figure(closed, unit)) == as_sent(
            reference_distribution_figure(closed, unit)
        )
    assert as_sent(expectancy.calendar_figure(closed)) == as_sent(reference_calendar_figure(closed))


@settings(max_examples=60, deadline=None)
@given(
    trades=st.lists(
        st.tuples(st.integers(-200_000, 200_000), st.integers(0, 400)), min_size=1, max_size=60
    ),
    r_known=st.booleans(),
)
def test_the_charts_are_the_json_graph_objects_sent(trades, r_known):
    pnl, gaps = zip(*trades)
    assert_sent_alike(closed_frame(list(pnl), list(gaps), r_known))


@pytest.mark.parametrize("count", [1, 4, 5, MAX_CURVE_POINTS + 1, 20_000])
def test_short_and_thinned_histories_are_sent_alike(count):
    rng = np.random.default_rng(count)
    pnl = rng.integers(-50_000, 50_000, count).tolist()
    assert_sent_alike(closed_frame(pnl, rng.integers(0, 48, count).tolist()))


def test_a_flat_history_is_sent_alike():
    assert_sent_alike(closed_frame([0, 0, 0], [1, 24, 24]))


def test_the_charts_are_figures_with_the_default_template():
    figure = plain_figure([{"type": "bar", "x": np.array([1.5, 2.5]), "y": [1, 2]}], {})
    assert set(figure) == {"data", "layout"}
    assert list(decoded(figure["data"][0]["x"])) == [1.5, 2.5], "arrays leave as typed arrays"
    assert figure["layout"]["template"]["layout"]["colorway"][0] == "#636efa"
    assert named_colorscale("RdYlGn")[0] == [0.0, "rgb(165,0,38)"]
