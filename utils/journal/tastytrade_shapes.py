"""Each opening shape of a tastytrade file validated once: the planner's fast path.

An order's opening legs are validated as a trade (`tastytrade_plan._Planner.validated_opening`:
the defined-risk proof, or the not-defined-risk flag, and every field check). Every cell that
check reads except the order's own number and time forms the order's SHAPE: its contracts with
their action and quantity, underlying, multiplier, cash and fees (as written, so `2.0` and `2.00`
are two shapes), and the import's mode. A later order of a proven shape takes the proven trade
with its own uid, order id and opening time, no proof run again, when those pass the checks the
model applies to them (a uid of at most 80 characters, an order id the journal accepts, no leg
expired before the opening's session); otherwise, and for any order whose shape is unusual (one
contract both bought and sold), the order is validated as before, so every problem is named
exactly as the validation names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import NamedTuple

from utils.core.prevalidated import updated_copy
from utils.journal.cockpit_csv_cells import SessionMemo
from utils.journal.fields import BROKER_ORDER_ID_PATTERN
from utils.journal.tastytrade_csv import TastyRow
from utils.journal.trade import Mode, NewTrade
from utils.journal.undefined_risk import RiskFlag
from utils.spreads.legs import LegAction

UID_MAX_CHARS = 80  # NewTrade.uid's limit
# (mode, multiplier, underlying, cash, fees, ((contract, action, contracts), ...))
OpeningShape = tuple[Mode, int, str, str, str, tuple[tuple[str, LegAction, int], ...]]


def opening_shape(contracts: dict[str, list[TastyRow]], mode: Mode) -> OpeningShape | None:
    """The shape of an order's opening rows grouped by contract (`mode`: the import's, a
    `Mode`); None when a contract is both bought and sold (validation names that)."""
    legs = []
    cash = fees = Decimal(0)
    for symbol, group in contracts.items():
        action = group[0].action
        if action is None:
            return None
        quantity = 0
        for row in group:
            if row.action is not action:
                return None
            quantity += row.quantity
            cash += row.value
            fees += row.fees
        legs.append((symbol, action, quantity))
    first = next(iter(contracts.values()))[0]
    return (mode, first.multiplier, first.underlying, str(cash), str(fees), tuple(legs))


@dataclass(frozen=True)
class ProvenShape:
    """The trade validated for the first order of a shape, and the last session its legs allow."""

    trade: NewTrade
    flag: RiskFlag | None
    last_session: str  # ISO date of the earliest leg expiration

    @classmethod
    def of(cls, trade: NewTrade, flag: RiskFlag | None) -> ProvenShape:
        """The proven shape of a validated trade."""
        last = min(leg.expiration for leg in trade.legs)
        return cls(trade=trade, flag=flag, last_session=last.isoformat())

    def copy_for(
        self, uid: str, order_id: str, opened_at: datetime, sessions: SessionMemo
    ) -> ShapeCopy | None:
        """The proven trade as this order's (its uid, order id and opening time), exactly what
        validating the order gives; None when those need the validation's own checks."""
        if (
            len(uid) > UID_MAX_CHARS
            or not BROKER_ORDER_ID_PATTERN.match(order_id)
            or opened_at.tzinfo is not timezone.utc
            or sessions(opened_at) > self.last_session
        ):
            return None
        return ShapeCopy(self.trade, uid, (order_id,), opened_at, proved=self.flag is None)


class ShapeCopy(NamedTuple):
    """An order's trade as the proven trade `of` its shape with the order's own uid, order ids
    and opening time (`ProvenShape.copy_for` checked them): the trade is made when asked for
    (`trade`); its rows are the proven trade's with these cells (`bulk_writes.TradeCopy`). A
    named tuple: one is made per order."""

    of: NewTrade
    uid: str
    broker_order_ids: tuple[str, ...]
    opened_at: datetime
    proved: bool  # a defined-risk spread: the copy carries the proof of its own facts

    def trade(self) -> NewTrade:
        """The copy as a trade, exactly what validating the order gives."""
        update = {
            "uid": self.uid,
            "opened_at": self.opened_at,
            "broker_order_ids": self.broker_order_ids,
        }
        trade = updated_copy(self.of, update)
        if self.proved:  # the proof's facts now hold this opening time
            trade.__pydantic_private__["_proved_facts"] = trade._proof_facts()
        return trade
