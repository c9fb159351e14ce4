"""Discipline judges exit plans by when they were declared (issue 13, finding 7)."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from tests.support.judge_factory import make_trade, settings_for, utc
from tests.support.tasty_spreads_factory import write_spread_history
from utils.journal.exit_plans import ExitPlan, PlanDeclaration, PlanDeclared, PlaybookDraft
from utils.journal.store import Journal
from utils.judge.discipline import evaluate_discipline
from utils.judge.discipline_rules import RuleId

UTC = timezone.utc
IMPORTED_AT = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
NOW = datetime(2025, 3, 4, 21, 0, tzinfo=UTC)
PLAYBOOK = PlaybookDraft(
    name="50/2x/21",
    target_pct_of_max_profit=50,
    stop_multiple_of_entry=Decimal(2),
    time_exit_dte=21,
)


@pytest.fixture
def settings(tmp_path):
    return settings_for(tmp_path)


def imported_discipline(tmp_path, settings, playbook: str | None):
    journal = Journal.open(tmp_path / "data", clock=lambda: IMPORTED_AT)
    journal.save_playbook(PLAYBOOK)
    history = write_spread_history(tmp_path / "history.csv", losers=(25, 28))
    report = journal.import_tastytrade_csv(history, mode="LIVE", playbook=playbook)
    assert report.committed and report.added == 30
    trades = journal.list_trades()
    sessions = journal.journaled_sessions()
    journal.close()
    return evaluate_discipline(trades, settings=settings, now=NOW, journaled_sessions=sessions)


def test_an_imported_history_without_a_plan_scores_zero(tmp_path, settings):
    report = imported_discipline(tmp_path, settings, playbook=None)
    assert report.score == 0
    assert {str(p.rule): p.count for p in report.parts} == {"NO_PLANNED_EXIT": 20}


def test_the_same_history_imported_with_a_playbook_is_judged_by_the_playbook(tmp_path, settings):
    report = imported_discipline(tmp_path, settings, playbook="50/2x/21")
    # Every trade has the playbook's plan (declared at import); two losses went past its
    # 2x-credit stop ($250 lost before fees against a $200 stop).
    assert {str(p.rule): p.count for p in report.parts} == {"CLOSED_BEYOND_STOP": 2}
    assert report.score == 80
    beyond = [v for v in report.violations if v.code is RuleId.CLOSED_BEYOND_STOP]
    assert beyond[0].sentence.endswith(
        "lost $250.00 before fees, beyond its $200.00 stop "
        "(playbook 50/2x/21 (v1), declared at import 2025-03-03 12:00Z)."
    )
    assert len(report.clean_sessions) == 29  # 31 sessions, 2 with a close beyond the stop


def declared(at: str, stop: str | None = None, time_exit_at: str | None = None, n: int = 1):
    plan = ExitPlan(
        stop_loss_usd=None if stop is None else Decimal(stop),
        time_exit_at=None if time_exit_at is None else utc(time_exit_at),
    )
    return PlanDeclaration(id=n, declared=PlanDeclared.AFTER_ENTRY, plan=plan, recorded_at=utc(at))


def unplanned(**kwargs):
    return make_trade(1, profit_target_usd=None, stop_loss_usd=None, **kwargs)


def rules(trades, settings, now=NOW):
    return sorted(
        str(v.code) for v in evaluate_discipline(trades, settings=settings, now=now).all_violations
    )


def test_a_plan_declared_after_entry_never_makes_the_entry_planned(settings):
    trade = unplanned(opened_at="2025-02-03T15:00:00Z").model_copy(
        update={"exit_plans": (declared("2025-02-03T16:00:00Z", stop="200.00"),)}
    )
    report = evaluate_discipline([trade], settings=settings, now=NOW)
    (violation,) = report.all_violations
    assert violation.code is RuleId.NO_PLANNED_EXIT
    assert violation.sentence == (
        "Trade 1 (SPY vertical) was opened without a target, stop or time exit "
        "(no plan at entry; declared after entry at 2025-02-03 16:00Z: not counted)."
    )


def test_a_stop_declared_after_entry_judges_only_later_closes(settings):
    loss = {"net_pnl_usd": "-252.00", "fees_usd": "2.00"}
    after = unplanned(
        opened_at="2025-02-03T15:00:00Z", closed_at="2025-02-05T15:00:00Z", **loss
    ).model_copy(update={"exit_plans": (declared("2025-02-04T15:00:00Z", stop="200.00"),)})
    assert rules([after], settings) == ["CLOSED_BEYOND_STOP", "NO_PLANNED_EXIT"]
    too_late = after.model_copy(
        update={"exit_plans": (declared("2025-02-06T15:00:00Z", stop="200.00"),)}
    )
    assert rules([too_late], settings) == ["NO_PLANNED_EXIT"]


def test_a_stop_moved_after_entry_does_not_move_the_rule(settings):
    trade = make_trade(
        1,
        opened_at="2025-02-03T15:00:00Z",
        closed_at="2025-02-05T15:00:00Z",
        net_pnl_usd="-252.00",
        stop_loss_usd="200.00",
    ).model_copy(update={"exit_plans": (declared("2025-02-04T15:00:00Z", stop="300.00"),)})
    assert rules([trade], settings) == ["CLOSED_BEYOND_STOP"]


def test_a_time_exit_declared_after_entry_holds_an_open_trade_to_it(settings):
    trade = unplanned(opened_at="2025-02-03T15:00:00Z").model_copy(
        update={
            "exit_plans": (declared("2025-02-04T15:00:00Z", time_exit_at="2025-02-10T21:00:00Z"),)
        }
    )
    before = utc("2025-02-10T20:59:00Z")
    assert rules([trade], settings, now=before) == ["NO_PLANNED_EXIT"]
    assert rules([trade], settings) == ["HELD_PAST_TIME_EXIT", "NO_PLANNED_EXIT"]
