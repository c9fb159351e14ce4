"""The evidence version over real orders (real HTTP against the simulator, real SQLite files):
a preview, a refused order or an export writes audit entries but keeps the shared evidence
reading; an opening order sent, and its cancel, make a new one that shows it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.broker_support import GuardRig
from tests.support.journal_factory import new_trade
from utils.broker.models import PlacementOutcome
from utils.journal.store import Journal
from utils.judge.compliance import export_compliance_snapshot
from utils.judge.evidence import EvidenceStores
from utils.judge.evidence_cache import EvidenceCache, EvidenceSource
from utils.sim.orders import FillBehavior


class Reading:
    """The app's shared evidence reading over the rig's stores, at the rig's clock."""

    def __init__(self, rig: GuardRig) -> None:
        self.rig = rig
        stores = EvidenceStores(
            journal=rig.journal,
            alerts=rig.alerts,
            latch=rig.latch,
            sandbox=rig.sandbox_store,
            audit=rig.audit,
        )
        self.source = EvidenceSource(stores, rig.settings, rig.tmp_path)
        self.cache = EvidenceCache(rig.clock)

    def evidence(self):
        return self.cache.evidence(self.source, self.rig.clock())

    def token(self) -> str:
        return self.cache.version(self.source, self.rig.clock()).token


def open_trade_count(evidence) -> int:
    return sum(len(risk.trade_ids) for risk in evidence.open_risk)


@pytest.fixture
def rig(tmp_path):
    rig = GuardRig(tmp_path, use_live=True, always_dry_run=False)
    rig.graduate()
    yield rig
    rig.close()


def preview(rig: GuardRig, client_order_id: str):
    intent = rig.intent(client_order_id)
    found = rig.guard.preview(intent)
    assert found.confirmation_token is not None, found.message
    return intent, found


def test_a_preview_and_an_export_keep_the_reading(rig):
    reading = Reading(rig)
    first, token = reading.evidence(), reading.token()
    head = rig.audit.head()[0]
    preview(rig, "previewed-1")
    export_compliance_snapshot(first, settings=rig.settings, root=rig.tmp_path, audit=rig.audit)
    assert rig.audit.head()[0] > head + 2, "the preview and the export were audited"
    assert reading.token() == token
    assert reading.evidence() is first


def test_an_opening_order_sent_and_its_cancel_make_new_readings(rig):
    reading = Reading(rig)
    first, token = reading.evidence(), reading.token()
    intent, found = preview(rig, "working-1")
    rig.live.next_order_fill(FillBehavior.NEVER)
    placement = rig.guard.place(
        found.confirmation_token.get_secret_value(), intent=intent, confirmed_by_person=True
    )
    assert placement.outcome is PlacementOutcome.WORKING
    assert reading.token() != token
    working = reading.evidence()
    assert working is not first
    assert [o.client_order_id for o in working.working] == ["working-1"]
    assert working.working[0].max_loss_usd > Decimal(0)
    rig.guard.cancel(placement.order_id, correlation_id=placement.correlation_id)
    rig.guard.reconcile(placement.correlation_id)
    assert reading.evidence() is not working
    assert reading.evidence().working == ()


@pytest.mark.parametrize("writer", ["the journal's connection", "another connection"])
def test_a_journal_write_makes_a_new_reading_though_anchor_writes_do_not(rig, writer):
    reading = Reading(rig)
    first = reading.evidence()
    preview(rig, "previewed-1")  # anchors the audit head in the journal file, more than once
    assert reading.evidence() is first
    if writer == "another connection":
        with Journal.open(rig.tmp_path) as other:
            other.open_trade(new_trade(opened_at=rig.clock()))
    else:
        rig.journal.open_trade(new_trade(opened_at=rig.clock()))
    second = reading.evidence()
    assert second is not first
    assert open_trade_count(second) == open_trade_count(first) + 1
