"""What an import did to the rollback protocol is judged only when it changed the journal."""

from __future__ import annotations

from tests.support.judge_factory import settings_for
from tests.support.tasty_spreads_factory import write_spread_history
from utils.core.sessions import utc_now
from utils.journal.store import Journal
from utils.journal.trade import Mode
from utils.judge.import_effects import watch_rollback
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
