"""Working opening orders as open spreads, for the discipline rules that judge open exposure.

An order sent and not yet filled, cancelled or rejected (`utils.records.working_orders`) counts
as an open spread from the moment it was sent: before each later entry, and at its own sending
(with the trades open then and the orders sent before it).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from utils.core.sessions import to_utc
from utils.journal.trade import Trade
from utils.judge.risk import open_at
from utils.records.working_orders import WorkingOpening
from utils.spreads.families import underlying_family

ZERO = Decimal(0)


@dataclass(frozen=True)
class WorkingBook:
    """The working opening orders, oldest first."""

    orders: tuple[WorkingOpening, ...]
    sent: tuple[datetime, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sent", tuple(to_utc(o.submitted_at) for o in self.orders))

    def before(self, moment: datetime) -> tuple[WorkingOpening, ...]:
        """The orders sent before `moment`."""
        return self.orders[: bisect_left(self.sent, to_utc(moment))]

    def risk_before(self, moment: datetime, family: str) -> Decimal:
        """The max loss (1R) of the orders on `family` sent before `moment`."""
        return sum((o.max_loss_usd for o in self.before(moment) if o.family == family), ZERO)

    def open_at_each_send(
        self, trades: Sequence[Trade]
    ) -> Iterator[tuple[WorkingOpening, list[str]]]:
        """Each order with what was open when it was sent: trade ids, then earlier orders."""
        for index, order in enumerate(self.orders):
            sent = self.sent[index]
            opened = [str(t.id) for t in trades if open_at(t, sent)]
            yield order, opened + [o.label for o in self.orders[:index]]

    def family_risk_at_each_send(
        self, trades: Sequence[Trade]
    ) -> Iterator[tuple[WorkingOpening, Decimal]]:
        """Each order with the max loss open on its family when it was sent (itself excluded)."""
        for index, order in enumerate(self.orders):
            sent, family = self.sent[index], order.family
            opened = sum(
                (
                    t.max_loss_usd
                    for t in trades
                    if open_at(t, sent) and underlying_family(t.underlying) == family
                ),
                ZERO,
            )
            earlier = sum((o.max_loss_usd for o in self.orders[:index] if o.family == family), ZERO)
            yield order, opened + earlier
