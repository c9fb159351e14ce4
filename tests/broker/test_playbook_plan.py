"""The ticket's playbook fills the blank parts of the exit plan journaled at entry."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from utils.broker.models import TradePlan
from utils.broker.playbook_plan import plan_with_playbook
from utils.journal.exit_plans import Playbook
from utils.spreads.ticket import build_ticket_spread

PLAYBOOK = Playbook(
    id=1,
    name="50/2x/21",
    version=3,
    target_pct_of_max_profit=50,
    stop_multiple_of_entry=Decimal("2"),
    time_exit_dte=21,
    recorded_at=datetime(2026, 1, 2, tzinfo=timezone.utc),
)
SPREAD = build_ticket_spread(
    underlying="SPY",
    structure="bull_put",
    expiration="2026-06-18",  # the June monthly, moved before Juneteenth
    strikes="520, 525",
    quantity=2,
    limit_price="1.00",
)


def test_the_playbook_fills_every_blank_part():
    plan = plan_with_playbook(TradePlan(), PLAYBOOK, SPREAD)
    assert plan.profit_target_usd == Decimal("100.00")  # 50 % of $200
    assert plan.stop_loss_usd == Decimal("400.00")  # a loss of 2 x 1.00 x 100 x 2
    # 21 days before 2026-06-18 is Thursday 28 May: its close, 16:00 New York (EDT).
    assert plan.time_exit_at == datetime(2026, 5, 28, 20, 0, tzinfo=timezone.utc)
    assert plan.setup == (
        "playbook 50/2x/21 (v3): target 50 % of max profit, stop 2x the entry price, "
        "exit at 21 DTE"
    )


def test_what_the_trader_typed_wins():
    typed = TradePlan(profit_target_usd=Decimal("120.00"))
    plan = plan_with_playbook(typed, PLAYBOOK, SPREAD)
    assert plan.profit_target_usd == Decimal("120.00")
    assert plan.stop_loss_usd == Decimal("400.00")
