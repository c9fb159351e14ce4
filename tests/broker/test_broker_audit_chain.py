"""A broken audit chain, over real HTTP: opening orders refused by name with no order POST, one
HIGH alert per cause, closing orders still pass, the compliance export refused."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from tests.support.audit_support import drop_entries_after, edit_entry
from tests.support.broker_support import GuardRig, order_posts
from utils.records.alerts import AlertRule
from utils.records.audit import AuditChainBroken, AuditKind
from utils.broker.guard import BrokerGuard
from utils.broker.models import GuardCode, PlacementOutcome, PreviewOutcome
from utils.journal.trade import TradeStatus
from utils.broker.order_intent import OpenPosition, OrderIntent
from utils.spreads.legs import PriceEffect
from utils.spreads.spread import Spread


@pytest.fixture
def rig(tmp_path):
    rig = GuardRig(tmp_path, use_live=True, always_dry_run=False)
    rig.graduate()
    yield rig
    rig.close()


def restart(rig: GuardRig) -> BrokerGuard:
    """A new guard over the same files, as at the app's start-up."""
    rig.guard = BrokerGuard(
        rig.settings,
        audit=rig.audit,
        alerts=rig.alerts,
        latch=rig.latch,
        evidence=rig.evidence,
        clients=rig.clients,
        journal=rig.journal,
        sandbox_store=rig.sandbox_store,
        clock=rig.clock,
    )
    return rig.guard


def open_one(rig: GuardRig):
    """Place and fill one opening spread; return its intent and placement."""
    intent = rig.intent()
    preview = rig.guard.preview(intent, plan=rig.plan())
    assert preview.outcome.ready, preview.message
    token = preview.confirmation_token.get_secret_value()
    placement = rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert placement.outcome is PlacementOutcome.FILLED, placement.message
    return intent, placement


def chain_alerts(rig: GuardRig):
    return [a for a in rig.alerts.alerts() if a.rule is AlertRule.AUDIT_CHAIN_BROKEN]


def assert_openings_refused(rig: GuardRig, seq: int) -> None:
    for n in range(3):
        preview = rig.guard.preview(rig.intent(client_order_id=f"after-{n}"))
        assert preview.outcome is PreviewOutcome.REFUSED
        assert preview.confirmation_token is None
        assert GuardCode.AUDIT_CHAIN_BROKEN in preview.codes
        assert f"entry {seq}" in preview.message
    (alert,) = chain_alerts(rig)
    assert f"entry {seq}" in alert.message


def test_edited_entry_refuses_openings_with_one_alert_and_no_order_post(rig):
    open_one(rig)
    posts = len(order_posts(rig.live))
    edit_entry(rig.audit.path, 5)
    restart(rig)
    assert_openings_refused(rig, 5)
    assert len(order_posts(rig.live)) == posts
    refusal = [e for e in rig.audit.entries() if e.body.get("stage") == "audit_chain"]
    assert refusal and refusal[-1].body["codes"] == [GuardCode.AUDIT_CHAIN_BROKEN]


def test_an_edit_after_the_last_check_is_caught_before_the_next_preview(rig):
    rig.guard.preview(rig.intent())
    head, _ = rig.audit.head()
    edit_entry(rig.audit.path, head)
    preview = rig.guard.preview(rig.intent(client_order_id="second"))
    assert GuardCode.AUDIT_CHAIN_BROKEN in preview.codes
    assert len(order_posts(rig.live, dry_run=True)) == 1


def test_truncated_newest_entries_refuse_openings_through_the_anchor(rig):
    open_one(rig)
    posts = len(order_posts(rig.live))
    head, _ = rig.audit.head()
    drop_entries_after(rig.audit.path, head - 3)
    assert rig.audit.verify().ok
    restart(rig)
    assert_openings_refused(rig, head)
    assert len(order_posts(rig.live)) == posts


def test_a_confirmed_opening_is_refused_at_place_when_the_chain_broke_meanwhile(rig):
    intent = rig.intent()
    preview = rig.guard.preview(intent)
    assert preview.outcome.ready
    edit_entry(rig.audit.path, rig.audit.head()[0])
    placement = rig.guard.place(
        preview.confirmation_token.get_secret_value(), intent=intent, confirmed_by_person=True
    )
    assert placement.outcome is PlacementOutcome.REFUSED
    assert GuardCode.AUDIT_CHAIN_BROKEN in placement.codes
    assert order_posts(rig.live, dry_run=False) == []


def test_closing_order_still_passes_and_is_audited_when_the_chain_is_broken(rig):
    intent, opened = open_one(rig)
    rig.evidence.open_positions = (
        OpenPosition.from_spread(str(opened.journal_trade_id), intent.spread),
    )
    edit_entry(rig.audit.path, 3)
    restart(rig)
    rig.clock.advance(minutes=5)
    close = OrderIntent(
        spread=Spread(
            legs=intent.spread.closing_legs(), price=Decimal("2.50"), price_effect=PriceEffect.DEBIT
        ),
        client_order_id="close-1",
    )
    preview = rig.guard.preview(close, closes_trade_id=opened.journal_trade_id)
    assert preview.outcome.ready, preview.message
    placement = rig.guard.place(
        preview.confirmation_token.get_secret_value(), intent=close, confirmed_by_person=True
    )
    assert placement.outcome is PlacementOutcome.FILLED, placement.message
    assert rig.journal.get_trade(opened.journal_trade_id).status is TradeStatus.CLOSED
    assert len(order_posts(rig.live, dry_run=False)) == 2
    kinds = [e.kind for e in rig.audit.entries(correlation_id=placement.correlation_id)]
    assert AuditKind.SUBMIT_ATTEMPT in kinds and AuditKind.FILL in kinds
    assert len(chain_alerts(rig)) == 1


def test_start_up_check_raises_the_alert_once_per_cause_across_restarts(rig):
    rig.guard.preview(rig.intent())
    edit_entry(rig.audit.path, 2)
    restart(rig)
    restart(rig)
    assert rig.guard.audit_chain().first_broken_seq == 2
    assert len(chain_alerts(rig)) == 1


def test_intact_chain_passes_and_anchors(rig):
    open_one(rig)
    check = rig.guard.audit_chain(full=True)
    assert check.ok and check.anchor_seq == check.head_seq == 14
    assert chain_alerts(rig) == []


# --- the compliance export ----------------------------------------------------------------------


def export(rig: GuardRig):
    from utils.judge.compliance import export_compliance_snapshot
    from utils.judge.evidence import EvidenceStores, gather_evidence

    stores = EvidenceStores(
        journal=rig.journal, alerts=rig.alerts, latch=rig.latch, sandbox=rig.sandbox_store
    )
    evidence = gather_evidence(stores, settings=rig.settings, root=rig.tmp_path, now=rig.clock())
    return export_compliance_snapshot(
        evidence, settings=rig.settings, root=rig.tmp_path, audit=rig.audit
    )


def test_export_writes_the_head_seq_and_hash(rig):
    rig.guard.preview(rig.intent())
    seq, digest = rig.audit.head()
    path, _ = export(rig)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    items = {(row[0], row[1]): row[2] for row in rows[1:]}
    assert items[("audit", "head_seq")] == str(seq)
    assert items[("audit", "head_hash")] == digest
    assert rig.audit.entries()[-1].kind == AuditKind.EXPORT


@pytest.mark.parametrize("damage", ["edit", "truncate"])
def test_export_is_refused_on_a_broken_chain(rig, damage):
    rig.guard.preview(rig.intent())
    seq, _ = rig.audit.head()
    if damage == "edit":
        edit_entry(rig.audit.path, 2)
    else:
        drop_entries_after(rig.audit.path, seq - 2)
    with pytest.raises(AuditChainBroken, match="not written") as refused:
        export(rig)
    assert refused.value.check.first_broken_seq == (2 if damage == "edit" else seq)
    assert not (rig.tmp_path / "export" / "compliance_snapshot.csv").exists()
