"""The orders between a preview and their end, kept in memory for this cockpit session.

A preview leaves a `Pending` order under its correlation id; `place` takes it and leaves a
`Placed` one, which `reconcile` and `cancel` follow until it is filled and journaled. A restart
forgets both (their confirmation tokens die with it); working orders still count as exposure after
a restart because `utils.broker.working` reads them from the audit log. Pending previews are
forgotten after `PENDING_KEEP`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from utils.broker.models import GuardReason, TradePlan, WhatIf
from utils.broker.order_intent import OrderIntent
from utils.judge.mode import BrokerTarget

PENDING_KEEP = timedelta(minutes=30)


@dataclass
class Pending:
    """A previewed order waiting for its confirmation."""

    intent: OrderIntent
    account_number: str
    closes_trade_id: int | None
    plan: TradePlan | None
    what_if: WhatIf
    created_at: datetime


@dataclass
class Placed:
    """An order that reached a broker, until it is filled and journaled (or ends)."""

    pending: Pending
    target: BrokerTarget
    mode_label: str
    host: str | None
    order_id: int | None
    external_identifier: str
    journal_trade_id: int | None = None
    fill_recorded: bool = False
    end_recorded: bool = False
    anomalies: list[GuardReason] = field(default_factory=list)
    journaled_trade_ids: list[int] = field(default_factory=list)  # one per fill batch


class InFlight:
    """Pending and placed orders by correlation id (the guard's lock guards every call)."""

    def __init__(self) -> None:
        self.pending: dict[str, Pending] = {}
        self.placed: dict[str, Placed] = {}

    def hold(self, correlation_id: str, pending: Pending) -> None:
        """Keep a previewed order for its confirmation (and forget stale ones)."""
        stale = [
            cid
            for cid, item in self.pending.items()
            if pending.created_at - item.created_at > PENDING_KEEP
        ]
        for cid in stale:
            del self.pending[cid]
        self.pending[correlation_id] = pending
