"""The ticket's exit plan with a playbook chosen: the typed amounts, completed by the playbook."""

from __future__ import annotations

from utils.broker.models import TradePlan
from utils.journal.exit_plans import Playbook, playbook_plan
from utils.spreads.spread import Spread


def plan_with_playbook(plan: TradePlan, playbook: Playbook, spread: Spread) -> TradePlan:
    """`plan` with each part it leaves blank taken from `playbook` for this spread (a typed
    target or stop wins); the setup names the playbook version. Journaled at entry."""
    given = playbook_plan(
        playbook,
        entry_price=spread.price,
        multiplier=spread.multiplier,
        quantity=spread.quantity,
        max_loss_usd=spread.max_loss_usd,
        max_profit_usd=spread.max_profit_usd,
        expiration=spread.expiration,
    )
    return plan.model_copy(
        update={
            "setup": plan.setup or f"playbook {playbook.title}: {playbook.describe()}",
            "profit_target_usd": plan.profit_target_usd or given.profit_target_usd,
            "stop_loss_usd": plan.stop_loss_usd or given.stop_loss_usd,
            "time_exit_at": plan.time_exit_at or given.time_exit_at,
        }
    )
