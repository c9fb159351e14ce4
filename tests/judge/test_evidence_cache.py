"""The shared evidence reading is reused only while it is exactly the evidence a fresh reading
would give: every write (in this process or another), every instant of the data passing, and a
new session make it read anew, and what it returns always equals a fresh `gather_evidence`."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd
import pytest

from tests.support.journal_factory import close_for_pnl, new_trade, seed_journal
from tests.support.live_server import cockpit_settings
from utils.journal.exit_plan_rows import insert_declaration
from utils.journal.exit_plans import ExitPlan, PlanDeclared, PlaybookDraft
from utils.journal.store import Journal
from utils.judge.discipline_rules import RuleId
from utils.judge.evidence import CockpitEvidence, EvidenceStores, gather_evidence
from utils.judge.evidence_cache import EvidenceCache, EvidenceSource
from utils.records.alerts import AlertRule, AlertStore
from utils.records.latch import RollbackLatchStore, RollbackTrigger, TriggerCode
from utils.records.sandbox import SandboxValidationStore

NOW = datetime(2025, 3, 3, 15, 0, tzinfo=timezone.utc)  # Monday 10:00 in New York


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock(NOW)


class Rig:
    """Real stores on a seeded journal, the cache over them, and the moving clock."""

    def __init__(self, tmp_path, clock: Clock) -> None:
        self.settings = cockpit_settings(tmp_path)
        self.root = tmp_path
        self.clock = clock
        data = self.settings.data_dir
        seed_journal(data)
        self.stores = EvidenceStores(
            journal=Journal.open(data, clock=clock),
            alerts=AlertStore.open(data, halt_hours=self.settings.halt_hours, clock=clock),
            latch=RollbackLatchStore.open(data, clock=clock),
            sandbox=SandboxValidationStore.open(data, clock=clock),
        )
        self.journal, self.alerts = self.stores.journal, self.stores.alerts
        self.source = EvidenceSource(self.stores, self.settings, tmp_path)
        self.cache = EvidenceCache(clock)

    def evidence(self) -> CockpitEvidence:
        return self.cache.evidence(self.source, self.clock())

    def evidence_version(self):
        return self.cache.version(self.source, self.clock())

    def close(self) -> None:
        for store in (self.journal, self.alerts, self.stores.latch, self.stores.sandbox):
            store.close()


@pytest.fixture
def ctx(tmp_path, clock):
    rig = Rig(tmp_path, clock)
    yield rig
    rig.close()


def assert_same_evidence(cached: CockpitEvidence, fresh: CockpitEvidence) -> None:
    """Field by field (the judging and closed-trades frames compared as frames)."""
    for name in CockpitEvidence.model_fields:
        if name in ("frame", "closed"):
            pd.testing.assert_frame_equal(getattr(cached, name), getattr(fresh, name))
        else:
            assert getattr(cached, name) == getattr(fresh, name), name


TIMES = {"now", "evaluated_at", "decided_at"}


def without_times(evidence: CockpitEvidence) -> dict:
    """Every field but the frames, without the moments the reading was taken at."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in TIMES}
        if isinstance(value, (list, tuple)):
            return [strip(v) for v in value]
        return value

    return strip(evidence.model_dump(exclude={"closed", "frame"}))


def fresh(ctx) -> CockpitEvidence:
    return gather_evidence(ctx.stores, settings=ctx.settings, root=ctx.root, now=ctx.clock())


def test_one_reading_is_shared_while_nothing_changes(ctx, clock):
    first = ctx.evidence()
    version = ctx.evidence_version()
    clock.advance(seconds=30)
    assert ctx.evidence() is first
    assert ctx.evidence_version() == version
    again = fresh(ctx)
    assert without_times(first) == without_times(again), "only the times shown differ"
    pd.testing.assert_frame_equal(first.frame, again.frame)


WRITES = {
    "open a trade": lambda ctx, clock: ctx.journal.open_trade(new_trade(opened_at=clock())),
    "tag a trade": lambda ctx, clock: ctx.journal.add_tag(1, "earnings"),
    "raise a HIGH alert": lambda ctx, clock: ctx.alerts.raise_alert(
        AlertRule.AUTH_ANOMALY, "token refused"
    ),
    "set the rollback latch": lambda ctx, clock: ctx.stores.latch.set(
        [RollbackTrigger(code=TriggerCode.DISCIPLINE_BELOW_MIN, sentence="discipline 60")]
    ),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_every_write_gives_a_fresh_reading(ctx, clock, write):
    before = ctx.evidence()
    version = ctx.evidence_version()
    WRITES[write](ctx, clock)
    after = ctx.evidence()
    assert after is not before
    assert ctx.evidence_version() != version
    assert_same_evidence(after, fresh(ctx))


def test_a_write_by_another_connection_is_seen(ctx, clock):
    """An import by the command line (another process) writes through its own connection."""
    before = ctx.evidence()
    with Journal.open(ctx.settings.data_dir) as other:
        trade = other.open_trade(new_trade(opened_at=clock() - timedelta(hours=1)))
        other.close_trade(trade.id, close_for_pnl(trade, "-400", clock() - timedelta(minutes=1)))
    after = ctx.evidence()
    assert after is not before and after.metrics.trades == before.metrics.trades + 1
    assert_same_evidence(after, fresh(ctx))


def test_a_time_exit_passing_makes_a_new_reading(ctx, clock):
    """An open trade held past its planned time exit breaks a rule the moment it passes."""
    ctx.journal.open_trade(
        new_trade(opened_at=clock(), time_exit_at=clock() + timedelta(seconds=20))
    )
    before = ctx.evidence()
    clock.advance(seconds=19)
    assert ctx.evidence() is before, "before the time exit the trade is not late"
    clock.advance(seconds=1, microseconds=1)
    after = ctx.evidence()
    assert after is not before
    late = [v for v in after.discipline.violations if v.code == RuleId.HELD_PAST_TIME_EXIT]
    assert len(late) == 1 and not any(
        v.code == RuleId.HELD_PAST_TIME_EXIT for v in before.discipline.violations
    )
    assert_same_evidence(after, fresh(ctx))


def test_a_playbook_time_exit_passing_makes_a_new_reading(ctx, clock):
    """The time exit of a plan declared by playbook at import counts as one at entry."""
    trade = ctx.journal.open_trade(new_trade(opened_at=clock()))
    playbook = ctx.journal.save_playbook(PlaybookDraft(name="Zero DTE", time_exit_dte=0))
    deadline = ExitPlan(time_exit_at=clock() + timedelta(seconds=20))
    with sqlite3.connect(ctx.settings.data_dir / "journal.sqlite3") as conn:  # as an import does
        insert_declaration(
            conn,
            trade.id,
            deadline,
            declared=PlanDeclared.PLAYBOOK_AT_IMPORT,
            recorded_at=clock(),
            playbook_id=playbook.id,
        )
    before = ctx.evidence()
    assert before.frame["plan_by_playbook"].any()
    clock.advance(seconds=19)
    assert ctx.evidence() is before, "before the time exit the trade is not late"
    clock.advance(seconds=1, microseconds=1)
    after = ctx.evidence()
    assert after is not before
    late = [v for v in after.discipline.violations if v.code == RuleId.HELD_PAST_TIME_EXIT]
    assert [v.trade_id for v in late] == [trade.id]
    assert_same_evidence(after, fresh(ctx))


def test_a_halt_ending_makes_a_new_reading(ctx, clock):
    ctx.alerts.raise_alert(AlertRule.AUTH_ANOMALY, "token refused")
    halted = ctx.evidence()
    assert halted.halt.in_force(clock())
    clock.advance(hours=ctx.settings.halt_hours)
    after = ctx.evidence()
    assert after is not halted and not after.halt.in_force(clock())
    assert_same_evidence(after, fresh(ctx))


def test_a_new_session_or_an_old_reading_is_read_anew(ctx, clock):
    first = ctx.evidence()
    clock.now = datetime(2025, 3, 4, 4, 59, 59, tzinfo=timezone.utc)  # 23:59:59 in New York
    late = ctx.evidence()
    assert late is not first, "older than the maximum age"
    clock.advance(seconds=1)  # midnight in New York: Tuesday's session
    assert ctx.evidence() is not late
    assert ctx.evidence_version().session != first.discipline.window_last_session


def test_the_version_token_is_a_short_stable_text(ctx):
    token = ctx.evidence_version().token
    assert token == ctx.evidence_version().token and len(token) < 80
    ctx.journal.add_tag(2, "late")
    assert ctx.evidence_version().token != token


def test_other_stores_or_settings_read_anew(ctx, tmp_path):
    first = ctx.evidence()
    tighter = ctx.settings.model_copy(update={"gate_min_discipline": 90})
    other = EvidenceSource(ctx.stores, tighter, tmp_path)
    assert ctx.cache.evidence(other, ctx.clock()) is not first


def test_a_clock_going_back_reads_anew(ctx, clock):
    first = ctx.evidence()
    clock.advance(seconds=-1)
    assert ctx.evidence() is not first


def test_money_values_stay_exact_in_the_shared_reading(ctx):
    evidence = ctx.evidence()
    models = ctx.journal.list_trades()
    exact = sum(Decimal(str(t.net_pnl_usd)) for t in models if t.net_pnl_usd is not None) * 100
    assert evidence.metrics.net_pnl_cents == int(exact) == evidence.frame["net_pnl_cents"].sum()


def test_a_reading_longer_than_the_maximum_age_is_still_reused(ctx, clock):
    """On a very large journal a reading may take minutes; its age counts from its end."""
    slow = EvidenceCache(lambda: clock() + timedelta(minutes=2))  # ends two minutes later
    first = slow.evidence(ctx.source, clock())
    clock.advance(minutes=2, seconds=30)
    assert slow.evidence(ctx.source, clock()) is first
    clock.advance(minutes=1)
    assert slow.evidence(ctx.source, clock()) is not first


def test_a_time_exit_declared_after_entry_passing_makes_a_new_reading(ctx, clock):
    trade = ctx.journal.open_trade(new_trade(opened_at=clock() - timedelta(hours=1)))
    ctx.journal.declare_exit_plan(
        trade.id, ExitPlan(time_exit_at=clock() + timedelta(seconds=20)), at=clock()
    )
    before = ctx.evidence()
    clock.advance(seconds=19)
    assert ctx.evidence() is before
    clock.advance(seconds=1, microseconds=1)
    after = ctx.evidence()
    assert after is not before
    assert any(v.code == RuleId.HELD_PAST_TIME_EXIT for v in after.discipline.all_violations)
    assert_same_evidence(after, fresh(ctx))


def test_a_fresh_reading_is_gathered_anew_and_then_shared(ctx, clock):
    """The broker guard's reading for an order: never the shared one reused, always the
    evidence gathered at its moment, and the cards then share it."""
    shared = ctx.evidence()
    clock.advance(seconds=5)
    anew = ctx.cache.fresh(ctx.source, clock())
    assert anew is not shared and anew.now == clock()
    assert_same_evidence(anew, fresh(ctx))
    assert ctx.evidence() is anew
    ctx.journal.add_tag(1, "earnings")
    after = ctx.cache.fresh(ctx.source, clock())
    assert after is not anew
    assert_same_evidence(after, fresh(ctx))
