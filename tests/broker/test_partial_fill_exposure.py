"""A partially filled working order counts only its unfilled remainder as exposure: its filled
units are a journaled trade already. Real HTTP against the simulator, real SQLite files."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.broker_support import GuardRig
from utils.broker.models import PlacementOutcome
from utils.broker.working import working_openings
from utils.judge.ramp import RampStage
from utils.records.audit import AuditKind
from utils.sim.orders import FillBehavior


@pytest.fixture
def rig(tmp_path):
    rig = GuardRig(tmp_path, use_live=True, always_dry_run=False)
    rig.graduate()
    yield rig
    rig.close()


def test_a_partially_filled_order_counts_its_unfilled_half_not_the_whole_order(rig):
    rig.evidence.ladder_level, rig.evidence.ramp_stage = 2, RampStage.LIVE_STEADY
    intent = rig.intent("partial-x", quantity=2)
    preview = rig.guard.preview(intent, plan=rig.plan())
    assert preview.confirmation_token is not None, preview.message
    rig.live.next_order_fill(FillBehavior.PARTIAL)
    placed = rig.guard.place(
        preview.confirmation_token.get_secret_value(), intent=intent, confirmed_by_person=True
    )
    assert placed.outcome is PlacementOutcome.PARTIALLY_FILLED
    (trade,) = rig.journal.list_trades()
    assert trade.quantity == 1
    entries = rig.audit.entries()
    (submitted,) = [e for e in entries if e.kind == AuditKind.SUBMIT_ATTEMPT]
    whole = Decimal(submitted.body["max_loss_usd"])

    (working,) = working_openings(entries, "LIVE")

    assert working.max_loss_usd == whole / 2  # 1 of 2 units still working

    rig.live.fill_rest(placed.order_id)
    rig.guard.order_book()
    assert working_openings(rig.audit.entries(), "LIVE") == ()
