"""The page's timer asks only whether the evidence version moved; the cards re-render when it did,
from the one reading the export reuses."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pandas as pd
from dash import dcc, no_update

from app_dash import create_app
from components.cards import expectancy, graduation
from tests.support.chart_reference import as_sent, decoded, reference_equity_figure
from tests.support.journal_factory import START, new_trade
from utils.judge import evidence_cache
from utils.judge.curves import MAX_CURVE_POINTS
from utils.judge.evidence import gather_evidence


def _callback(app, name: str):
    """The undecorated function of the app's callback called `name`."""
    for entry in app.callback_map.values():
        function = getattr(entry.get("callback"), "__wrapped__", None)
        if function is not None and function.__name__ == name:
            return function
    raise AssertionError(f"no callback {name}")


def test_the_timer_sends_a_version_only_when_the_evidence_changed(seeded_ctx):
    poll = _callback(create_app(seeded_ctx), "poll_version")
    token = poll(1, None)
    assert isinstance(token, str) and token
    assert poll(2, token) is no_update, "nothing changed: no refresh"
    seeded_ctx.journal.open_trade(new_trade(opened_at=START))
    moved = poll(3, token)
    assert isinstance(moved, str) and moved != token


def test_the_refresh_and_the_export_share_one_reading(seeded_ctx, monkeypatch):
    """Counted, not replaced: the real gathering runs; the export click adds no reading."""
    readings = []

    def counted(*args, **kwargs):
        readings.append(gather_evidence(*args, **kwargs))
        return readings[-1]

    monkeypatch.setattr(evidence_cache, "gather_evidence", counted)
    app = create_app(seeded_ctx)
    graduation, discipline, expectancy, mode = _callback(app, "refresh_judging_cards")(
        0, None, "USD"
    )
    assert graduation and discipline and expectancy and mode
    shown, download = _callback(app, "export")(1)
    assert download is not None, shown
    _callback(app, "export")(2)
    _callback(app, "refresh_judging_cards")(0, None, "USD")
    assert (
        len(readings) == 1
    ), "one reading served the cards and both exports (their audit entries change no evidence)"
    seeded_ctx.journal.add_tag(1, "earnings")
    _callback(app, "export")(3)
    assert len(readings) == 2, "after a write the export reads the evidence anew"


def test_long_histories_send_bounded_charts():
    count = 100_000
    pnl = np.random.default_rng(5).normal(10, 200, count)
    closed = pd.DataFrame(
        {
            "id": np.arange(1, count + 1),
            "closed_at": pd.date_range("2020-01-06 15:00", periods=count, freq="30min", tz="UTC"),
            "net_pnl_usd": pnl,
            "r_multiple": pnl / 500,
        }
    )
    for unit in ("USD", "R"):
        curve = expectancy.equity_figure(closed, unit)["data"][0]
        x, y = decoded(curve["x"]), decoded(curve["y"])
        assert len(x) <= MAX_CURVE_POINTS and x[-1] == count
        full = np.cumsum(closed["net_pnl_usd" if unit == "USD" else "r_multiple"])
        assert max(y) == full.max() and min(y) == full.min()
        bars = expectancy.distribution_figure(closed, unit)["data"][0]
        assert len(decoded(bars["x"])) == 30 and sum(decoded(bars["y"]).tolist()) == count


def test_a_long_evidence_list_is_shown_by_its_ends_and_count():
    ids = ", ".join(str(n) for n in range(1, 100_001))
    shown = graduation.shown_evidence(ids)
    assert shown.startswith("1, 2, 3, ") and shown.endswith(", 99999, 100000 (100,000 in all)")
    assert ", ..., 99976, " in shown and len(shown) < 400
    short = ", ".join(str(n) for n in range(1, 51))
    assert graduation.shown_evidence(short) == short, "a list that fits is shown whole"


def test_the_cards_are_drawn_once_per_reading_and_unit(seeded_ctx):
    refresh = _callback(create_app(seeded_ctx), "refresh_judging_cards")
    first = refresh(0, None, "USD")
    again = refresh(0, "v", "USD")
    assert all(a is b for a, b in zip(first[:3], again[:3])), "same reading: same cards"
    in_r = refresh(0, "v", "R")
    assert in_r[2] is not first[2] and in_r[0] is not first[0]
    seeded_ctx.journal.add_tag(3, "late")
    after = refresh(1, "v", "R")
    assert after[0] is not in_r[0], "a new reading draws the cards again"


def test_drawn_cards_never_keep_a_replaced_reading_alive(seeded_ctx):
    refresh = _callback(create_app(seeded_ctx), "refresh_judging_cards")
    refresh(0, None, "USD")
    shown = weakref.ref(seeded_ctx.evidence())
    seeded_ctx.journal.add_tag(3, "late")
    seeded_ctx.evidence()  # the new reading (the export or another tab asked first)
    gc.collect()
    assert shown() is None, "a large journal is never held twice: the old reading is freed"


def graphs_in(component) -> list:
    """Every dcc.Graph in a tree, depth first."""
    if isinstance(component, dcc.Graph):
        return [component]
    children = getattr(component, "children", component)
    if isinstance(children, (list, tuple)):
        return [g for child in children for g in graphs_in(child)]
    return [] if children is component or children is None else graphs_in(children)


def test_the_charts_leave_as_json_data(seeded_ctx):
    refresh = _callback(create_app(seeded_ctx), "refresh_judging_cards")
    figures = [graph.figure for graph in graphs_in(refresh(0, None, "USD")[2])]
    assert len(figures) == 3 and all(as_sent(f) == f for f in figures), "nothing left to convert"
    closed = seeded_ctx.evidence().closed
    assert figures[0] == as_sent(reference_equity_figure(closed, "USD")), "the chart it drew"
