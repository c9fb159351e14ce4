"""The array fast paths of judging and rendering give exactly what their literal first versions
gave (tests/support/judging_fast_paths_reference.py, and the heap sweep kept in
utils.judge.history_sweeps): trade ids written as text, closed rows in close order with only
some columns, earlier trades closed by each entry, running totals per group, days moved to
sessions, the P&L calendar's grid (and of the recent closes only), the breaches' order, a long
evidence list shortened.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.judge_factory import make_trade, utc
from tests.support.judging_fast_paths_reference import (
    first_monday,
    literal_calendar,
    literal_closed_by,
    literal_on_sessions,
)
from utils.journal.judging_frame import frame_from_trades
from utils.judge.session_verdicts import _on_sessions
from utils.judge.history import LastIdsText, closed_by, ids_text, joined_integers
from utils.judge.history_sweeps import (
    NEVER,
    _swept,
    by_time_then,
    closed_by_entry,
    cumsum_by_group,
)
from utils.judge.metrics import (
    ROLLBACK_WINDOW_TRADES,
    closed_from_judging,
    daily_pnl,
    last_n_expectancy,
)
from utils.judge.pnl_calendar import calendar_grid, calendar_weeks, shown_closes
from utils.core.sessions import session_of

EXAMPLES = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
START = utc("2025-12-19T14:30:00Z")  # a Friday before Christmas: weekends and holidays near
INT64 = st.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max)


@EXAMPLES
@given(
    values=st.lists(st.one_of(st.integers(0, 10**7), INT64), max_size=60),
    separator=st.sampled_from([", ", ";", "", " | ", " · "]),
)
def test_integers_are_joined_as_str_joins_them(values, separator):
    array = np.array(values, dtype=np.int64)
    assert joined_integers(array, separator) == separator.join(map(str, values))


def test_the_ids_of_rows_read_as_the_gate_evidence_wrote_them():
    rows = pd.DataFrame({"id": [10, 9, 100, 1, 0, 99999, 100000]})
    assert ids_text(rows) == "10, 9, 100, 1, 0, 99999, 100000"
    assert ids_text(rows.iloc[:0]) == ""


@st.composite
def frames(draw):
    """A judging frame of trades on a 5-minute grid: ties in time, zero-length trades, open
    trades, closes at the moment asked; and that moment."""
    count = draw(st.integers(0, 25))
    trades = []
    for trade_id in draw(st.permutations(range(1, count + 1))):
        opened = START + timedelta(minutes=5 * draw(st.integers(0, 40)))
        duration = draw(st.sampled_from([None, 0, 5, 60, 600]))
        closed = None if duration is None else opened + timedelta(minutes=duration)
        trades.append(
            make_trade(
                trade_id,
                opened_at=opened,
                closed_at=closed,
                net_pnl_usd=None if closed is None else str(draw(st.integers(-300, 300))),
            )
        )
    moment = START + timedelta(minutes=5 * draw(st.integers(-1, 60)))
    return frame_from_trades(trades), moment


@EXAMPLES
@given(case=frames(), columns=st.sampled_from([None, ("id", "net_pnl_cents"), ("closed_at",)]))
def test_closed_rows_are_the_literal_rows_in_close_order(case, columns):
    frame, moment = case
    expected = literal_closed_by(frame, moment)
    if columns is not None:
        expected = expected[list(columns)]
    pd.testing.assert_frame_equal(closed_by(frame, moment, columns), expected)


@EXAMPLES
@given(case=frames(), columns=st.sampled_from([None, ("id", "net_pnl_cents"), ("net_pnl_cents",)]))
def test_closed_rows_from_the_closed_trades_are_the_literal_rows(case, columns):
    """Given the frame's closed trades, the rows closed by a moment are their head."""
    frame, moment = case
    expected = literal_closed_by(frame, moment)
    if columns is not None:
        expected = expected[list(columns)]
    found = closed_by(frame, moment, columns, closed_from_judging(frame))
    pd.testing.assert_frame_equal(found, expected, check_index_type=False)


@EXAMPLES
@given(case=frames())
def test_the_last_closed_trades_judge_the_last_window_alike(case):
    """The evidence judges the last window from the tail of the closed trades (in close
    order) only."""
    closed = closed_from_judging(case[0])
    tail = closed.tail(ROLLBACK_WINDOW_TRADES)
    assert last_n_expectancy(tail) == last_n_expectancy(closed)


@st.composite
def entries(draw):
    """Trades by entry (ties), closes at or after their entry (zero-length ones, open ones),
    weights and groups."""
    count = draw(st.integers(0, 40))
    opened = np.sort(np.array(draw(st.lists(st.integers(0, 12), min_size=count, max_size=count))))
    spans = draw(st.lists(st.sampled_from([0, 0, 1, 3, 20, -1]), min_size=count, max_size=count))
    closed = np.array([NEVER if s < 0 else o + s for o, s in zip(opened, spans)], dtype=np.int64)
    weights = np.array(draw(st.lists(st.integers(0, 500), min_size=count, max_size=count)))
    groups = np.array(draw(st.lists(st.integers(0, 2), min_size=count, max_size=count)))
    return opened.astype(np.int64), closed, weights.astype(np.int64), groups.astype(np.int64)


@EXAMPLES
@given(case=entries())
def test_earlier_closes_by_entry_are_the_heap_sweeps(case):
    opened, closed, weights, groups = case
    assert closed_by_entry(opened, closed, weights, groups).tolist() == (
        _swept(opened, closed, weights, groups).tolist()
    )


@EXAMPLES
@given(
    values=st.lists(st.integers(-1000, 1000), max_size=40),
    seed=st.integers(0, 2**16),
    kinds=st.integers(1, 4),
)
def test_running_totals_per_group_are_pandas_groupby_cumsum(values, seed, kinds):
    groups = np.random.default_rng(seed).integers(0, kinds, len(values))
    expected = pd.Series(values, dtype="int64").groupby(groups).cumsum().to_numpy()
    assert cumsum_by_group(np.array(values, dtype=np.int64), groups).tolist() == expected.tolist()


DAYS = st.dates(date(2025, 11, 20), date(2026, 1, 12)) | st.dates(
    date(1990, 1, 1), date(2099, 1, 1)
)


@EXAMPLES
@given(counts=st.dictionaries(DAYS, st.integers(1, 5), max_size=20))
def test_days_move_to_sessions_as_day_by_day(counts):
    assert _on_sessions(Counter(counts)) == literal_on_sessions(Counter(counts))


@EXAMPLES
@given(
    days=st.dictionaries(
        st.dates(date(2024, 1, 1), date(2026, 6, 30)),
        st.floats(-5000, 5000, allow_nan=False).map(lambda x: round(x, 2)),
        min_size=1,
        max_size=40,
    )
)
def test_the_calendar_grid_is_the_day_by_day_grid(days):
    sessions = sorted(days)
    daily = pd.DataFrame(
        {"trades": 1, "net_pnl_usd": [days[s] for s in sessions]},
        index=pd.Index(sessions, name="session", dtype=object),
    )
    count = calendar_weeks(sessions[0], sessions[-1])
    start = first_monday(sessions[-1], count)
    expected_z, expected_cells = literal_calendar(daily, start, count)
    grid = calendar_grid(daily)
    assert list(grid.weeks) == [start + timedelta(weeks=i) for i in range(count)]
    np.testing.assert_array_equal(grid.pnl_usd, expected_z)
    cells = [[None] * count for _ in range(5)]
    for row, column, session, pnl in grid.cells():
        cells[row][column] = (session, pnl)
    assert cells == expected_cells


@EXAMPLES
@given(
    closes=st.lists(
        st.tuples(st.integers(0, 3000), st.integers(-(10**6), 10**6)), min_size=1, max_size=40
    )
)
def test_the_calendar_of_the_recent_closes_is_that_of_every_close(closes):
    """Closes hours apart over up to 13 years, weekends and holidays included."""
    closed_at = START + pd.to_timedelta(np.cumsum([hours for hours, _ in closes]), unit="h")
    closed = pd.DataFrame(
        {
            "id": np.arange(1, len(closes) + 1),
            "closed_at": closed_at,
            "close_session": [session_of(moment) for moment in closed_at],
            "net_pnl_usd": [cents / 100 for _, cents in closes],
            "mode": "sim",
        }
    )
    every, recent = calendar_grid(daily_pnl(closed)), calendar_grid(daily_pnl(shown_closes(closed)))
    assert every.weeks == recent.weeks
    np.testing.assert_array_equal(every.pnl_usd, recent.pnl_usd)


@EXAMPLES
@given(
    readings=st.lists(
        st.tuples(st.integers(0, 3), st.lists(st.integers(0, 10**6), max_size=8)), max_size=8
    )
)
def test_ids_written_after_a_known_head_read_as_written_whole(readings):
    last, ids = LastIdsText(), []
    for kept, added in readings:  # each reading keeps some of the last one's ids, adds others
        ids = ids[: len(ids) - kept] + added if kept else ids + added
        array = np.array(ids, dtype=np.int64)
        assert last.text(array) == ", ".join(map(str, ids))


@EXAMPLES
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 5),
            st.integers(0, 14),
            st.one_of(st.integers(0, 5), st.integers(0, 2**40 + 1)),
            st.one_of(st.integers(0, 3), st.integers(-1, 2**17 + 1)),
        ),
        max_size=40,
    )
)
def test_the_breaches_are_ordered_as_a_sort_by_all_four_keys(rows):
    at, rules, trades, alerts = np.array(rows, dtype=np.int64).reshape(-1, 4).T
    expected = np.lexsort((alerts, trades, rules, at))
    np.testing.assert_array_equal(by_time_then(at, rules, trades, alerts), expected)
