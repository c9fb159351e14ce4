"""The guard's facade for the cards: mode, status, open/close, reconcile, journal failures."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.support.broker_support import GuardRig, order_posts
from tests.support.journal_factory import START, close_for_pnl, new_trade
from tests.support.tastytrade_support import USER_AGENT
from utils.records.alerts import AlertRule, AlertStore
from utils.records.audit import AuditKind
from utils.broker.guard import BrokerGuard
from utils.broker.evidence import guard_evidence
from utils.judge.mode import BrokerTarget, EffectiveMode
from utils.broker.models import GuardCode, GuardEvidence, PlacementOutcome, PreviewOutcome
from utils.core.config import PROJECT_ROOT, load_settings
from utils.judge.evidence import EvidenceStores, gather_evidence
from utils.records.latch import RollbackLatchStore, RollbackTrigger, TriggerCode
from utils.journal.store import Journal
from utils.journal.trade import Mode
from utils.broker.order_intent import OpenPosition, OrderIntent
from utils.records.sandbox import SandboxValidationStore
from utils.spreads.legs import PriceEffect
from utils.spreads.spread import Spread


@pytest.fixture
def make_rig(tmp_path):
    rigs: list[GuardRig] = []

    def build(**kwargs) -> GuardRig:
        rig = GuardRig(tmp_path / f"rig{len(rigs)}", **kwargs)
        rigs.append(rig)
        return rig

    yield build
    for rig in rigs:
        rig.close()


def test_mode_counts_a_rollback_trigger_without_writing_anything(make_rig):
    rig = make_rig(use_live=True, always_dry_run=False)
    rig.graduate()
    rig.evidence.rollback_triggers = (
        RollbackTrigger(code=TriggerCode.EXPECTANCY_NEGATIVE_LAST_10, sentence="-$12 per trade."),
    )
    decision = rig.guard.mode()
    assert decision.mode is EffectiveMode.LIVE_DRY_RUN
    assert "LATCH_SET" in decision.codes
    assert not rig.latch.state().active and rig.audit.entries() == []
    rig.guard.status()
    assert rig.latch.state().codes == (TriggerCode.EXPECTANCY_NEGATIVE_LAST_10,)
    assert [e.kind for e in rig.audit.entries()][:2] == [AuditKind.LATCH, AuditKind.MODE_CHANGE]


def test_status_without_sandbox_credentials_reads_the_simulator(make_rig):
    rig = make_rig(use_live=False, sandbox_creds=False, live_creds=False)
    status = rig.guard.status()
    assert status.mode.mode is EffectiveMode.SIM and status.mode.label == "SIM (dry-run)"
    assert status.error is None and len(status.accounts) == 1
    assert status.target_host == rig.clients.sim.url.split("//")[1]
    assert "no order was sent" in status.message


def test_status_auth_failure_on_live_is_an_anomaly(make_rig):
    wrong = "not-the-token"
    rig = make_rig(use_live=True, always_dry_run=True, tt_live_refresh_token=wrong)
    rig.graduate()
    status = rig.guard.status()
    assert status.error.code == GuardCode.BROKER_AUTH_FAILED
    assert [a.rule for a in rig.alerts.alerts()] == [AlertRule.AUTH_ANOMALY]
    assert rig.latch.state().active
    assert wrong not in status.message


def test_a_person_must_confirm_with_true_itself(make_rig):
    rig = make_rig(use_live=False, always_dry_run=False)
    intent = rig.intent()
    preview = rig.guard.preview(intent)
    token = preview.confirmation_token.get_secret_value()
    placement = rig.guard.place(token, intent=intent, confirmed_by_person="yes")  # type: ignore
    assert GuardCode.NOT_CONFIRMED_BY_PERSON in placement.codes
    assert order_posts(rig.sandbox, dry_run=False) == []
    assert rig.guard.place(token, intent=intent, confirmed_by_person=True).outcome.sent


def test_fill_that_cannot_be_journaled_is_a_high_alert_not_a_crash(make_rig):
    rig = make_rig(use_live=False, always_dry_run=False)
    raw = sqlite3.connect(rig.journal.path)
    raw.execute(
        "CREATE TRIGGER refuse_trades BEFORE INSERT ON trades "
        "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
    )
    raw.commit()
    raw.close()
    intent = rig.intent()
    preview = rig.guard.preview(intent)
    placement = rig.guard.place(
        preview.confirmation_token.get_secret_value(), intent=intent, confirmed_by_person=True
    )
    assert placement.outcome is PlacementOutcome.FILLED
    assert placement.journal_trade_id is None
    assert GuardCode.JOURNAL_WRITE_FAILED in placement.codes
    assert [a.rule for a in rig.alerts.alerts()] == [AlertRule.JOURNAL_WRITE_FAILURE]
    assert "Journal it by hand" in placement.message


def closing(intent: OrderIntent, client_order_id: str = "close-1") -> OrderIntent:
    return OrderIntent(
        spread=Spread(
            legs=intent.spread.closing_legs(), price=Decimal("2.50"), price_effect=PriceEffect.DEBIT
        ),
        client_order_id=client_order_id,
    )


def test_closing_order_must_close_exactly_the_named_open_trade(make_rig):
    rig = make_rig(use_live=False, always_dry_run=False)
    intent = rig.intent()
    preview = rig.guard.preview(intent)
    opened = rig.guard.place(
        preview.confirmation_token.get_secret_value(), intent=intent, confirmed_by_person=True
    )
    rig.evidence.open_positions = (OpenPosition.from_spread("1", intent.spread),)
    rig.clock.advance(minutes=2)
    for trade_id, wrong in ((999, "could not be read"), (opened.journal_trade_id, None)):
        result = rig.guard.preview(closing(intent), closes_trade_id=trade_id)
        if wrong is None:
            assert result.outcome.ready, result.message
        else:
            assert GuardCode.CLOSE_MISMATCH in result.codes and wrong in result.message
    half = closing(rig.intent(quantity=2))
    result = rig.guard.preview(half, closes_trade_id=opened.journal_trade_id)
    assert GuardCode.CLOSE_MISMATCH in result.codes
    opening = rig.guard.preview(rig.intent("x-2"), closes_trade_id=opened.journal_trade_id)
    assert GuardCode.CLOSE_MISMATCH in opening.codes
    assert len(order_posts(rig.sandbox, dry_run=False)) == 1


def test_reconcile_of_an_unknown_order_is_refused(make_rig):
    rig = make_rig()
    assert GuardCode.ORDER_NOT_FOUND in rig.guard.reconcile("nope").codes


def test_sim_dry_run_blocks_and_says_so(make_rig):
    rig = make_rig(use_live=False, always_dry_run=True, sandbox_creds=False)
    preview = rig.guard.preview(rig.intent())
    assert preview.outcome is PreviewOutcome.BLOCKED_BY_DRY_RUN
    assert preview.message.startswith("Blocked by dry-run (SIM (dry-run))")
    assert order_posts(rig.clients.sim.broker, dry_run=False) == []


def test_open_starts_the_simulator_and_close_stops_it(tmp_path):
    settings = load_settings(
        env_file=tmp_path / "none.env", data_dir=tmp_path, user_agent=USER_AGENT
    )

    def evidence(now):
        return GuardEvidence(gates=None, sandbox=None)

    guard = BrokerGuard.open(settings, evidence=evidence)
    try:
        status = guard.status()
        assert status.mode.target is BrokerTarget.SIM and status.error is None
        assert (tmp_path / "audit.sqlite3").exists()
        sim = guard._clients.sim
        assert sim is not None and sim.broker.requests
    finally:
        guard.close()
    with pytest.raises(RuntimeError):
        sim.url


def test_guard_evidence_keeps_each_modes_book_apart(tmp_path):
    settings = load_settings(env_file=tmp_path / "none.env", data_dir=tmp_path)
    stores = EvidenceStores(
        journal=Journal.open(tmp_path),
        alerts=AlertStore.open(tmp_path),
        latch=RollbackLatchStore.open(tmp_path),
        sandbox=SandboxValidationStore.open(tmp_path),
    )
    try:
        live = stores.journal.open_trade(new_trade(mode=Mode.LIVE, underlying="QQQ"))
        stores.journal.open_trade(new_trade(mode=Mode.SIM))
        losing = new_trade(mode=Mode.SIM, opened_at=START + timedelta(hours=1))
        lost = stores.journal.open_trade(losing)
        closed_at = START + timedelta(hours=2)
        stores.journal.close_trade(lost.id, close_for_pnl(losing, "-120", closed_at))
        now = START + timedelta(hours=3)
        evidence = guard_evidence(
            gather_evidence(stores, settings=settings, root=PROJECT_ROOT, now=now)
        )
    finally:
        for store in (stores.journal, stores.alerts, stores.latch, stores.sandbox):
            store.close()
    assert [p.position_id for p in evidence.positions_for(Mode.LIVE)] == [str(live.id)]
    assert [p.underlying for p in evidence.positions_for(Mode.SIM)] == ["SPY"]
    assert evidence.positions_for(Mode.SANDBOX) == ()
    assert len(evidence.open_positions) == 2
    assert evidence.positions_for(Mode.LIVE)[0].max_loss_usd == live.max_loss_usd
    assert evidence.last_loss_at == closed_at
    assert evidence.gates is not None and not evidence.gates.eligible
