"""Exit plans recorded after entry and playbooks, kept append-only in the journal (issue 13, #7)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import ValidationError

from tests.support.journal_factory import START, new_trade
from tests.support.tasty_spreads_factory import write_spread_history
from utils.journal.errors import JournalError
from utils.journal.exit_plans import ExitPlan, PlanDeclared, PlaybookDraft, playbook_plan
from utils.journal.store import Journal

UTC = timezone.utc
RECORDED = datetime(2025, 1, 8, 16, 0, tzinfo=UTC)
RULES = PlaybookDraft(
    name="Put spread 50/2x/21",
    target_pct_of_max_profit=50,
    stop_multiple_of_entry=Decimal("2"),
    time_exit_dte=21,
)


@pytest.fixture
def journal(tmp_path):
    with Journal.open(tmp_path) as opened:
        yield opened


def test_a_plan_declared_after_entry_is_kept_with_its_time(journal):
    trade = journal.open_trade(new_trade())
    assert trade.entry_plan.declared is PlanDeclared.NONE
    plan = ExitPlan(profit_target_usd=Decimal("250.00"), stop_loss_usd=Decimal("500.00"))
    updated = journal.declare_exit_plan(trade.id, plan, at=RECORDED)
    (declaration,) = updated.exit_plans
    assert declaration.declared is PlanDeclared.AFTER_ENTRY
    assert declaration.recorded_at == RECORDED and declaration.plan == plan
    assert declaration.source == "declared after entry at 2025-01-08 16:00Z"
    # The opening facts are unchanged and the entry is still unplanned.
    assert updated.profit_target_usd is None and updated.stop_loss_usd is None
    assert updated.entry_plan.declared is PlanDeclared.AFTER_ENTRY
    assert updated.entry_plan.plan is None
    assert journal.get_trade(trade.id).exit_plans == updated.exit_plans


def test_a_changed_plan_adds_a_declaration_and_none_is_ever_rewritten(journal):
    trade = journal.open_trade(new_trade())
    journal.declare_exit_plan(trade.id, ExitPlan(stop_loss_usd=Decimal("300.00")), at=RECORDED)
    later = RECORDED + timedelta(days=1)
    changed = journal.declare_exit_plan(
        trade.id, ExitPlan(stop_loss_usd=Decimal("200.00")), at=later
    )
    assert [d.plan.stop_loss_usd for d in changed.exit_plans] == [Decimal("300.00"), Decimal("200")]
    with sqlite3.connect(journal.path) as conn:
        with pytest.raises(sqlite3.IntegrityError, match="never changes"):
            conn.execute("UPDATE exit_plans SET stop_loss_cents = 1")
        with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
            conn.execute("DELETE FROM exit_plans")


def test_an_empty_plan_or_a_time_exit_before_the_open_is_refused(journal):
    trade = journal.open_trade(new_trade())
    with pytest.raises(ValidationError, match="needs a profit target, a stop or a time exit"):
        ExitPlan()
    with pytest.raises(JournalError, match="not after the trade opened"):
        journal.declare_exit_plan(trade.id, ExitPlan(time_exit_at=START - timedelta(hours=1)))
    with pytest.raises(JournalError, match="no trade 99"):
        journal.declare_exit_plan(99, ExitPlan(stop_loss_usd=Decimal("1.00")))


def test_playbooks_are_versioned_never_rewritten(journal):
    first = journal.save_playbook(RULES)
    assert (first.version, first.title) == (1, "Put spread 50/2x/21 (v1)")
    assert journal.save_playbook(RULES) == first  # the same rules keep their version
    edited = journal.save_playbook(RULES.model_copy(update={"time_exit_dte": 14}))
    assert edited.version == 2 and edited.time_exit_dte == 14
    assert [p.title for p in journal.playbooks()] == ["Put spread 50/2x/21 (v2)"]
    assert journal.playbook("Put spread 50/2x/21") == edited
    with pytest.raises(JournalError, match="no playbook called 'nope'"):
        journal.playbook("nope")
    assert RULES.describe() == "target 50 % of max profit, stop 2x the entry price, exit at 21 DTE"


def test_a_playbook_needs_a_rule_and_a_plain_name():
    with pytest.raises(ValidationError, match="needs a profit target"):
        PlaybookDraft(name="empty")
    with pytest.raises(ValidationError):
        PlaybookDraft(name="a;b", time_exit_dte=21)
    with pytest.raises(ValidationError):
        PlaybookDraft(name="x", target_pct_of_max_profit=101)


def test_a_playbook_gives_each_spread_its_plan_on_the_trading_calendar():
    plan = playbook_plan(
        RULES,
        entry_price=Decimal("1.00"),
        multiplier=100,
        quantity=2,
        max_loss_usd=Decimal("800.00"),
        max_profit_usd=Decimal("200.00"),
        expiration=date(2025, 12, 19),
    )
    assert plan.profit_target_usd == Decimal("100.00")  # 50 % of $200
    assert plan.stop_loss_usd == Decimal("400.00")  # 2 x 1.00 x 100 x 2
    # 21 days before 2025-12-19 is Friday 28 November, an early close (13:00 New York).
    assert plan.time_exit_at == datetime(2025, 11, 28, 18, 0, tzinfo=UTC)
    on_a_holiday = playbook_plan(
        RULES.model_copy(update={"time_exit_dte": 1}),
        entry_price=Decimal("4.50"),
        multiplier=100,
        quantity=1,
        max_loss_usd=Decimal("50.00"),
        max_profit_usd=Decimal("450.00"),
        expiration=date(2025, 12, 26),  # 1 day before is Christmas: the session before it
    )
    assert on_a_holiday.time_exit_at == datetime(2025, 12, 24, 18, 0, tzinfo=UTC)
    assert on_a_holiday.stop_loss_usd == Decimal("50.00")  # never beyond 1R


def test_importing_a_history_with_a_playbook_declares_it_for_each_trade(tmp_path):
    clock_at = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
    journal = Journal.open(tmp_path, clock=lambda: clock_at)
    journal.save_playbook(RULES)
    history = write_spread_history(tmp_path / "history.csv")
    report = journal.import_tastytrade_csv(history, mode="LIVE", playbook=RULES.name)
    assert report.committed and report.added == 30 and report.playbook_declared == 30
    assert "playbook Put spread 50/2x/21 (v1) declared at import for 30 trade(s)" in (
        report.summary()
    )
    for trade in journal.list_trades():
        assert trade.profit_target_usd is None  # the opening facts say what the broker said
        entry = trade.entry_plan
        assert entry.declared is PlanDeclared.PLAYBOOK_AT_IMPORT
        assert (
            entry.source
            == "playbook Put spread 50/2x/21 (v1), declared at import 2025-03-03 12:00Z"
        )
        assert entry.plan.profit_target_usd == Decimal("50.00")
        assert entry.plan.stop_loss_usd == Decimal("200.00")
        assert entry.plan.time_exit_at == datetime(2025, 3, 27, 20, 0, tzinfo=UTC)
    again = journal.import_tastytrade_csv(history, mode="LIVE", playbook=RULES.name)
    assert again.added == 0 and again.playbook_declared == 0  # declared once
    journal.close()


def test_a_playbook_declared_on_a_later_import_covers_trades_already_journaled(tmp_path):
    journal = Journal.open(tmp_path)
    history = write_spread_history(tmp_path / "history.csv", spreads=3)
    assert journal.import_tastytrade_csv(history, mode="LIVE").added == 3
    journal.save_playbook(RULES)
    report = journal.import_tastytrade_csv(history, mode="LIVE", playbook=RULES.name)
    assert report.added == 0 and report.playbook_declared == 3
    journal.close()


def test_an_unknown_playbook_refuses_the_import(tmp_path):
    journal = Journal.open(tmp_path)
    history = write_spread_history(tmp_path / "history.csv", spreads=2)
    report = journal.import_tastytrade_csv(history, mode="LIVE", playbook="missing")
    assert not report.committed and journal.list_trades() == []
    assert str(report.errors[0]) == (
        "file (playbook): there is no playbook called 'missing'; create it first"
    )
    journal.close()
