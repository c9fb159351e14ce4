"""What an import did to the rollback protocol is judged only when it changed the journal."""

from __future__ import annotations

from hypothesis import HealthCheck, given
from hypothesis import settings as settings_of_hypothesis
from hypothesis import strategies as st

from tests.support.judge_factory import settings_for
from tests.support.tasty_spreads_factory import write_spread_history
from utils.core.sessions import utc_now
from utils.journal.store import Journal
from utils.journal.trade import Mode
from utils.judge.discipline import evaluate_discipline
from utils.judge.import_effects import triggers_now, watch_rollback
from utils.judge.rollback import rollback_triggers
from utils.records.alerts import AlertStore


def test_an_import_that_changed_nothing_is_not_blamed_for_a_trigger_that_fired_meanwhile(
    tmp_path,
):
    history = write_spread_history(tmp_path / "history.csv")
    settings = settings_for(tmp_path)
    with Journal.open(tmp_path / "data") as journal:
        alerts = AlertStore.open(tmp_path / "data")
        try:
            watch = watch_rollback(journal, alerts.alerts, settings=settings, now=utc_now())
            # another import (another process) makes the discipline trigger hold
            journal.import_tastytrade_csv(history, mode=Mode.LIVE)
            again = journal.import_tastytrade_csv(history, mode=Mode.LIVE)
            assert again.committed and again.added == again.closed == 0
            assert watch.reported(again).rollback == ()
        finally:
            alerts.close()


def test_an_import_that_added_trades_reports_the_trigger_it_made_fire(tmp_path):
    history = write_spread_history(tmp_path / "history.csv")
    settings = settings_for(tmp_path)
    with Journal.open(tmp_path / "data") as journal:
        alerts = AlertStore.open(tmp_path / "data")
        try:
            watch = watch_rollback(journal, alerts.alerts, settings=settings, now=utc_now())
            report = watch.reported(journal.import_tastytrade_csv(history, mode=Mode.LIVE))
        finally:
            alerts.close()
    assert report.rollback[0] == "DISCIPLINE_BELOW_MIN: Discipline 0/100 is below 70."


def literal_triggers(journal: Journal, alerts, *, settings, now) -> list:
    """The reference: every trade as a model, discipline and triggers over all of them."""
    trades = journal.list_trades()
    discipline = evaluate_discipline(
        trades,
        settings=settings,
        now=now,
        alerts=alerts,
        journaled_sessions=journal.journaled_sessions(),
    )
    return rollback_triggers(
        trades=trades,
        discipline_score=discipline.score,
        alerts=alerts,
        settings=settings,
        now=now,
    )


@settings_of_hypothesis(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    losers=st.sets(st.integers(1, 24), max_size=14),
    cut=st.integers(0, 26),
)
def test_the_triggers_read_from_the_judging_frame_are_the_literal_ones(
    tmp_path_factory, losers, cut
):
    folder = tmp_path_factory.mktemp("triggers")
    history = write_spread_history(folder / "history.csv", spreads=24, losers=tuple(losers))
    settings = settings_for(folder)
    with Journal.open(folder / "data") as journal:
        journal.import_tastytrade_csv(history, mode=Mode.LIVE)
        closes = sorted(t.closed_at for t in journal.list_trades())
        for now in (utc_now(), closes[min(cut, len(closes) - 1)]):
            assert triggers_now(journal, [], settings=settings, now=now) == literal_triggers(
                journal, [], settings=settings, now=now
            )
