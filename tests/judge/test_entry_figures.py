"""The discipline's figures at each entry, kept from the reading before for the head of the
frame it read on from, are exactly the whole sweep's: open trades, family risk, last loss, and
so every breach of the history."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.judge.test_discipline_history import SETTINGS_VARIANTS, at, journals
from tests.support.judge_factory import make_trade, settings_for
from utils.journal.judging_frame import frame_from_trades
from utils.judge.discipline import evaluate_discipline, kept_of, loader_over
from utils.judge.discipline_history import HistoryInputs, history_breaches
from utils.judge.entry_figures import kept_rows

FIGURES = ("open_before", "family_risk_before", "last_loss_before")


@pytest.fixture(scope="module")
def all_settings(tmp_path_factory):
    return [
        settings_for(tmp_path_factory.mktemp("figures"), **overrides)
        for overrides in SETTINGS_VARIANTS
    ]


def inputs(frame, journal, config, now, options, read_on=None) -> HistoryInputs:
    return HistoryInputs.judging(
        frame,
        load_trades=loader_over(journal),
        settings=config,
        now=now,
        read_on=read_on,
        **options,
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=journals(), cut=st.integers(0, 24), earlier=st.integers(0, 1100))
def test_figures_read_on_are_the_whole_sweeps(case, cut, earlier, all_settings):
    """The reading before saw the first `cut` trades, at an earlier moment."""
    config, journal, now = all_settings[case["settings"]], case["trades"], case["now"]
    frame = frame_from_trades(journal)
    kept = min(cut, len(frame))
    before = inputs(frame.iloc[:kept], journal, config, min(at(earlier), now), case["options"])
    read_on = inputs(frame, journal, config, now, case["options"], (before.entry_figures(), kept))
    whole = inputs(frame, journal, config, now, case["options"])
    for name in FIGURES:
        np.testing.assert_array_equal(getattr(read_on, name), getattr(whole, name), err_msg=name)
    pd.testing.assert_frame_equal(history_breaches(read_on), history_breaches(whole))


def test_a_new_trade_after_every_other_keeps_the_head(tmp_path):
    hours = [(1, 5, "-100"), (2, 3, "50"), (4, None, None), (6, 7, "-20")]
    journal = [
        make_trade(
            number,
            opened_at=at(4 * opened),
            closed_at=None if closed is None else at(4 * closed),
            net_pnl_usd=pnl,
        )
        for number, (opened, closed, pnl) in enumerate(hours, start=1)
    ]
    config, now = settings_for(tmp_path), at(40)
    frame = frame_from_trades(journal)
    before = inputs(frame.iloc[:3], journal, config, now, {})
    figures = before.entry_figures()
    read_on = inputs(frame, journal, config, now, {}, (figures, 3))
    assert kept_rows(figures, 3, read_on.opened, read_on.closed, frame["family"].to_numpy()) == 3
    assert read_on.open_before.tolist() == [0, 1, 1, 1]  # (the second closed by the fourth)
    assert read_on.last_loss_before.tolist() == [-1, -1, -1, 0]
    judge = {"load_trades": loader_over(journal), "settings": config, "now": now}
    before_report = evaluate_discipline(frame.iloc[:3], journaled_sessions=[], **judge)
    report = evaluate_discipline(
        frame, journaled_sessions=[], read_on=(kept_of(before_report), 3), **judge
    )
    assert kept_of(report).figures.open_before.tolist() == [0, 1, 1, 1]
