"""The journal's sessions with journaled actions, read by one index seek per session, equal the
literal `SELECT DISTINCT` over every event."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.journal_factory import START, close_for_pnl, new_trade
from utils.journal.store import Journal

LITERAL_SQL = "SELECT DISTINCT session FROM journal_events ORDER BY session"

# (hours after START the trade opens, hours it stays open or None for still open)
trades_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=24 * 400),
        st.one_of(st.none(), st.integers(min_value=0, max_value=24 * 10)),
    ),
    max_size=25,
)


def literal_sessions(journal: Journal) -> list[date]:
    """Every event's session, distinct, by a connection of its own."""
    with sqlite3.connect(journal.path) as conn:
        rows = conn.execute(LITERAL_SQL).fetchall()
    return [date.fromisoformat(session) for (session,) in rows]


@settings(
    deadline=None, max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(trades=trades_strategy)
def test_journaled_sessions_equal_the_distinct_sessions_of_every_event(tmp_path_factory, trades):
    with Journal.open(tmp_path_factory.mktemp("journal")) as journal:
        for opened_hours, open_hours in trades:
            opened_at = START + timedelta(hours=opened_hours)
            entry = new_trade(opened_at=opened_at)
            trade = journal.open_trade(entry)
            if open_hours is not None:
                closed_at = opened_at + timedelta(hours=open_hours)
                journal.close_trade(trade.id, close_for_pnl(entry, 25, closed_at))
        sessions = journal.journaled_sessions()
        assert sessions == literal_sessions(journal)
        assert len(sessions) <= 2 * len(trades)


def test_an_empty_journal_has_no_journaled_session(tmp_path):
    with Journal.open(tmp_path) as journal:
        assert journal.journaled_sessions() == []
