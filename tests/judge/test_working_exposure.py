"""Working opening orders are exposure in discipline too: read from the real audit log by the
shared evidence reading, they count as open spreads (concurrency, 20 % per underlying) from the
moment they were sent until they fill, are cancelled or rejected."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tests.support.journal_factory import new_trade
from tests.support.judge_factory import make_trade, settings_for
from tests.support.live_server import cockpit_settings
from utils.core.sessions import session_of
from utils.journal.store import Journal
from utils.judge.discipline import evaluate_discipline
from utils.judge.discipline_rules import RuleId
from utils.judge.evidence import EvidenceStores, gather_evidence
from utils.judge.evidence_cache import EvidenceCache, EvidenceSource
from utils.records.alerts import AlertStore
from utils.records.audit import AuditKind, AuditLog
from utils.records.latch import RollbackLatchStore
from utils.records.sandbox import SandboxValidationStore
from utils.records.working_orders import WorkingOpening, working_openings

NOW = datetime(2025, 3, 3, 15, 0, tzinfo=timezone.utc)  # Monday 10:00 in New York


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Rig:
    """Real stores (journal, alerts, latch, sandbox, audit log) in a temporary data folder."""

    def __init__(self, tmp_path) -> None:
        self.settings = cockpit_settings(tmp_path)
        self.root = tmp_path
        self.clock = Clock(NOW - timedelta(hours=1))
        data = self.settings.data_dir
        self.audit = AuditLog.open(data, clock=self.clock)
        self.stores = EvidenceStores(
            journal=Journal.open(data, clock=self.clock),
            alerts=AlertStore.open(data, halt_hours=self.settings.halt_hours, clock=self.clock),
            latch=RollbackLatchStore.open(data, clock=self.clock),
            sandbox=SandboxValidationStore.open(data, clock=self.clock),
            audit=self.audit,
        )
        self.cache = EvidenceCache(self.clock)

    def send_opening(self, correlation_id: str, underlying: str, max_loss: str) -> None:
        self.audit.append(
            AuditKind.SUBMIT_ATTEMPT,
            correlation_id=correlation_id,
            effective_mode="SIM",
            body={
                "client_order_id": f"client-{correlation_id}",
                "position_effect": "opening",
                "target": "SIM",
                "underlying": underlying,
                "max_loss_usd": max_loss,
            },
        )

    def cancel(self, correlation_id: str) -> None:
        self.audit.append(
            AuditKind.CANCEL,
            correlation_id=correlation_id,
            effective_mode="SIM",
            body={"stage": "answered", "status": "Cancelled"},
        )

    def evidence(self):
        return gather_evidence(self.stores, settings=self.settings, root=self.root, now=NOW)

    def close(self) -> None:
        for store in (*vars(self.stores).values(),):
            store.close()


@pytest.fixture
def rig(tmp_path):
    made = Rig(tmp_path)
    yield made
    made.close()


def concurrency_violations(evidence):
    return [v for v in evidence.discipline.all_violations if v.code == RuleId.TOO_MANY_CONCURRENT]


def test_a_working_order_making_three_open_breaks_the_cap_in_its_session_until_cancelled(rig):
    for hours in (5, 4):
        rig.stores.journal.open_trade(new_trade(opened_at=NOW - timedelta(hours=hours)))
    baseline = rig.evidence().discipline.score
    assert concurrency_violations(rig.evidence()) == []
    rig.send_opening("qqq-1", "QQQ", "300.00")
    found = concurrency_violations(rig.evidence())
    assert [(v.session, v.trade_id) for v in found] == [(session_of(rig.clock()), None)]
    assert "Working order client-qqq-1" in found[0].sentence and "3 spreads" in found[0].sentence
    assert rig.evidence().discipline.score == baseline - 15
    rig.cancel("qqq-1")
    assert concurrency_violations(rig.evidence()) == []
    assert rig.evidence().discipline.score == baseline


def test_the_shared_reading_refreshes_when_a_working_order_is_sent(rig):
    for hours in (5, 4):
        rig.stores.journal.open_trade(new_trade(opened_at=NOW - timedelta(hours=hours)))
    source = EvidenceSource(rig.stores, rig.settings, rig.root)
    before = rig.cache.version(source, NOW)
    assert concurrency_violations(rig.cache.evidence(source, NOW)) == []
    rig.send_opening("qqq-1", "QQQ", "300.00")
    assert rig.cache.version(source, NOW) != before
    assert len(concurrency_violations(rig.cache.evidence(source, NOW))) == 1


def test_a_trade_opened_while_an_order_works_counts_it(tmp_path):
    sent = WorkingOpening(
        correlation_id="c1",
        client_order_id="x1",
        submitted_at=NOW - timedelta(hours=3),
        target="SIM",
        underlying="SPY",
        max_loss_usd=Decimal("1900"),
    )
    trades = [
        make_trade(1, opened_at=NOW - timedelta(hours=4)),
        make_trade(2, opened_at=NOW - timedelta(hours=2)),  # 1 open + 1 working + itself
    ]
    report = evaluate_discipline(trades, settings=settings_for(tmp_path), now=NOW, working=(sent,))
    codes = [(str(v.code), v.trade_id) for v in report.all_violations]
    assert ("TOO_MANY_CONCURRENT", 2) in codes
    assert ("UNDERLYING_RISK_OVER_LIMIT", 2) in codes  # $1,900 working + 2 x $400 > $2,000
    alone = evaluate_discipline(trades, settings=settings_for(tmp_path), now=NOW)
    assert [str(v.code) for v in alone.all_violations if v.trade_id == 2] == []


def test_a_working_order_over_the_underlying_limit_breaks_the_20_pct_rule(rig):
    rig.stores.journal.open_trade(new_trade(opened_at=NOW - timedelta(hours=5)))  # SPY, $500
    rig.send_opening("spy-2", "SPY", "1600.00")  # $2,100 on SPY > 20 % of $10,000
    found = [
        v
        for v in rig.evidence().discipline.all_violations
        if v.code == RuleId.UNDERLYING_RISK_OVER_LIMIT
    ]
    assert len(found) == 1 and found[0].trade_id is None and "$2,100.00" in found[0].sentence


def test_a_partially_filled_order_counts_only_its_unfilled_remainder(rig):
    rig.send_opening("spy-3", "SPY", "900.00")
    rig.audit.append(
        AuditKind.GUARD_DECISION,
        correlation_id="spy-3",
        effective_mode="SIM",
        body={"stage": "partially_filled", "order_id": 7, "filled_units": 2, "units": 3},
    )
    (order,) = working_openings(rig.audit.entries())
    assert (order.max_loss_usd, order.filled_units, order.units) == (Decimal(300), 2, 3)
