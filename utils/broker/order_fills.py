"""The fills of one of the cockpit's opening orders, journaled in batches, each exactly once.

    trade = journal_new_fills(journal, order, source=OrderSource(...), now=now)

A batch is every broker fill of the order not journaled yet (keyed `order-<order id>-<fill
id>`): whole spread units on every leg, or nothing (legs filled unevenly wait for the rest).
The first batch is the trade `order-<external identifier>`, later ones (a partial fill, then
the rest) `order-<external identifier>-<n>`; each has the legs' real fill prices (its entry is
the batch's net fill per unit), the fees the broker charged for those fills (from the account's
transactions, else the dry-run's estimate for that share of the order), the ticket's plan
scaled to the batch (a roll's replacement keeps its link to the spread it rolls from), the mode of
the broker it ran at and the account.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from math import gcd
from typing import Any

from utils.broker.fills import MODE_OF_TARGET
from utils.broker.models import TradePlan
from utils.core.money import round_to_cent, to_cents
from utils.core.sessions import session_of, to_utc
from utils.journal.broker_fills import FillsAlreadyJournaled
from utils.journal.tastytrade_book import OPENING
from utils.journal.tastytrade_plan import PlannedFill
from utils.journal.risk import TradeLeg
from utils.journal.trade import NewTrade, Trade
from utils.judge.mode import BrokerTarget
from utils.spreads.legs import PriceEffect
from utils.spreads.symbols import parse_occ, underlying_for_root
from utils.tastytrade.errors import TastytradeError
from utils.tastytrade.orders import Order
from utils.tastytrade.transactions import Transaction

SOURCE_ORDER_FILL = "broker"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OrderSource:
    """What the cockpit knows of an order it sent: where, under which id, with which plan."""

    target: BrokerTarget
    external_identifier: str
    account_number: str | None
    plan: TradePlan | None = None
    estimated_fees_usd: Decimal | None = None  # the dry-run's, for the whole order


@dataclass(frozen=True)
class FillBatch:
    """Fills of an order not journaled yet, making whole spread units."""

    units: int
    net_per_unit: Decimal  # per share, credit positive
    filled_at: datetime
    fills: tuple[PlannedFill, ...]


def fill_key(order_id: int, fill_id: str) -> str:
    """The journal's key of one broker fill of an order."""
    return f"order-{order_id}-{fill_id}"


def _fill_id(leg_index: int, fill_index: int, raw: str | None) -> str:
    return raw or f"leg{leg_index}-fill{fill_index}"


def new_fill_batch(
    order: Order, known_keys: frozenset[str], fallback_at: datetime
) -> FillBatch | None:
    """The order's fills not in `known_keys`, when they make whole units on every leg (a fill
    without its time is dated `fallback_at`, when it was read)."""
    quantities = [int(leg.quantity) for leg in order.legs]
    if order.id is None or not quantities or min(quantities) <= 0:
        return None
    size = 0
    for quantity in quantities:
        size = gcd(size, quantity)
    fills: list[PlannedFill] = []
    units_per_leg = []
    total = Decimal(0)
    moments = []
    for index, leg in enumerate(order.legs):
        buys = leg.action.startswith("Buy")
        new_quantity = Decimal(0)
        for number, fill in enumerate(leg.fills):
            key = fill_key(order.id, _fill_id(index, number, fill.fill_id))
            if key in known_keys:
                continue
            new_quantity += fill.quantity
            value = fill.fill_price * fill.quantity * 100 * (-1 if buys else 1)
            total += fill.fill_price * fill.quantity * (-1 if buys else 1)
            at = to_utc(fill.filled_at) if fill.filled_at else None
            moments.append(at)
            fills.append(
                PlannedFill(
                    trade_uid="",
                    fill_key=key,
                    order_id=str(order.id),
                    symbol=leg.symbol,
                    kind=OPENING,
                    quantity=int(fill.quantity) * (1 if buys else -1),
                    value_cents=to_cents(value),
                    fees_cents=0,
                    executed_at=at or datetime.min,
                    line=0,
                )
            )
        ratio = Decimal(leg.quantity) / size
        units_per_leg.append(new_quantity / ratio)
    units = units_per_leg[0]
    if units <= 0 or any(u != units for u in units_per_leg) or units != int(units):
        return None
    known_moments = [m for m in moments if m is not None]
    filled_at = max(known_moments) if known_moments else to_utc(fallback_at)
    dated = tuple(
        f if f.executed_at != datetime.min else f._replace(executed_at=filled_at) for f in fills
    )
    return FillBatch(
        units=int(units),
        net_per_unit=total / int(units),
        filled_at=filled_at,
        fills=dated,
    )


def order_fees_charged(order_id: int, transactions: Sequence[Transaction]) -> Decimal | None:
    """What the broker charged for an order's fills so far (None without its transactions)."""
    mine = [t for t in transactions if t.order_id == order_id and t.transaction_type == "Trade"]
    if not mine:
        return None
    total = Decimal(0)
    for t in mine:
        total += -(t.signed_net_value - _signed_value(t))
    return total


def _signed_value(transaction: Transaction) -> Decimal:
    return transaction.value if transaction.value_effect == "Credit" else -transaction.value


def order_transactions(client: Any, number: str, order: Order) -> list[Transaction]:
    """The account's transactions since the order was received, for the fees it was charged
    (empty when the client cannot list them or the read fails: the estimate stands in)."""
    reader = getattr(client, "transactions", None)
    if reader is None:
        return []
    start = session_of(order.received_at) if order.received_at else None
    try:
        return list(reader(number, start_date=start))
    except TastytradeError as error:
        logger.warning("order %s: transactions unreadable, fees estimated (%s)", order.id, error)
        return []


def _scaled(amount: Decimal | None, units: int, size: int) -> Decimal | None:
    return None if amount is None else round_to_cent(amount * units / size)


def journal_new_fills(
    journal: Any,
    order: Order,
    *,
    source: OrderSource,
    now: datetime,
    read_transactions: Callable[[], Sequence[Transaction]] = tuple,
) -> Trade | None:
    """Journal the order's fills not journaled yet as one spread (None when there are none
    making whole units, or another reader journaled them first)."""
    if order.id is None:
        return None
    order_ref = str(order.id)
    batch = new_fill_batch(order, journal.order_fill_keys(order_ref), now)
    if batch is None:
        return None
    size = 0
    for leg in order.legs:
        size = gcd(size, int(leg.quantity))
    earlier = journal.order_trade_count(order_ref)
    charged = order_fees_charged(order.id, read_transactions())  # read only for a new batch
    if charged is not None:
        journaled = Decimal(journal.order_fees_cents(order_ref)) / 100
        fees = max(round_to_cent(charged) - journaled, Decimal("0.00"))
    else:
        fees = _scaled(source.estimated_fees_usd, batch.units, size) or Decimal("0.00")
    fills = [
        f._replace(fees_cents=to_cents(fees) if i == 0 else 0) for i, f in enumerate(batch.fills)
    ]
    plan = source.plan or TradePlan()
    legs = tuple(
        TradeLeg.model_validate(
            {
                "occ_symbol": leg.symbol,
                "action": leg.action,
                "quantity": int(Decimal(leg.quantity) / size) * batch.units,
            }
        )
        for leg in order.legs
    )
    root = parse_occ(order.legs[0].symbol).root
    uid = f"order-{source.external_identifier}"
    new = NewTrade(
        uid=uid if earlier == 0 else f"{uid}-{earlier + 1}",
        underlying=order.underlying_symbol or underlying_for_root(root),
        legs=legs,
        quantity=batch.units,
        opened_at=batch.filled_at,
        entry_price=abs(batch.net_per_unit),
        entry_effect=PriceEffect.CREDIT if batch.net_per_unit >= 0 else PriceEffect.DEBIT,
        open_fees_usd=fees,
        mode=MODE_OF_TARGET[source.target],
        broker_order_ids=(order_ref,),
        parent_id=plan.rolled_from_trade_id,  # a roll's replacement links to the spread it rolls
        setup=plan.setup,
        profit_target_usd=_scaled(plan.profit_target_usd, batch.units, size),
        stop_loss_usd=_scaled(plan.stop_loss_usd, batch.units, size),
        time_exit_at=plan.time_exit_at,
        tags=plan.tags,
        source=SOURCE_ORDER_FILL,
    )
    try:
        return journal.open_order_batch(new, fills, source.account_number)
    except FillsAlreadyJournaled:
        return None  # another reader was first: the fills are in the journal once
