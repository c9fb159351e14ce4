"""The order book: every working order of an account, read from the broker (`/orders/live`) and
from the audit log (the cockpit's own orders, also after a restart), and their reconciliation.

    book = stage.read(attempt, account_number)          # GETs only
    book = stage.reconcile(attempt, account_number)     # then the book

Reconciling reads each order the audit log shows sent and not ended (at the broker it went to;
the account is searched among the login's when a restart forgot it), journals its fills not
journaled yet (a partial fill, then the rest: `utils.broker.order_fills`, once each by order id
and fill id), and audits its end (FILL when completely filled; `order_ended` when cancelled,
rejected or expired) so it stops counting as a working order. Nothing here sends an order.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from utils.broker.attempt import Attempt, Refused
from utils.broker.checks import filled_units
from utils.broker.clients import BrokerPort, BrokerUnavailable, ClientFactory
from utils.broker.fills import MODE_OF_TARGET, WORKING_STATUSES, placement_outcome
from utils.broker.gatekeeper import Gatekeeper
from utils.broker.in_flight import InFlight
from utils.broker.mode_reader import ModeReader
from utils.broker.models import GuardCode, GuardReason, PlacementOutcome, TradePlan, reason
from utils.broker.order_fills import OrderSource
from utils.broker.reconcile import AUDITED_ORDERS_READ, ENDED_OUTCOMES, ReconcileStage
from utils.broker.recorder import Recorder
from utils.broker.working import ORDER_ENDED_STAGE, AuditedOrder, audited_orders
from utils.judge.mode import BrokerTarget
from utils.records.audit import AuditKind, AuditWriteError
from utils.records.sandbox import mask_account
from utils.tastytrade.errors import TastytradeError
from utils.tastytrade.orders import Order

logger = logging.getLogger(__name__)


class BookOrder(BaseModel):
    """One working order as the book shows it."""

    model_config = ConfigDict(frozen=True)

    order_id: int | None
    correlation_id: str | None  # the cockpit's, when the cockpit sent it
    source: str  # "cockpit" or "broker" (placed elsewhere)
    underlying: str
    legs: tuple[str, ...]
    price_text: str
    status: str
    submitted_at: datetime | None
    age_s: int | None
    mode: str
    filled_units: int = 0
    units: int = 0
    cancellable: bool = False


class OrderBook(BaseModel):
    """The working orders of one account, and what reconciling did."""

    model_config = ConfigDict(frozen=True)

    read_at: datetime
    target: str
    account: str  # masked
    orders: tuple[BookOrder, ...] = ()
    journaled_trade_ids: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()
    error: GuardReason | None = None
    open_spreads: int | None = None  # journaled open trades in this mode (None: unreadable)
    working_openings: int = 0  # opening orders sent and not ended: they count as open
    max_concurrent: int | None = None

    @property
    def exposure(self) -> str:
        """Open spreads plus working opening orders, as the concurrency cap counts them."""
        if self.open_spreads is None:
            return (
                f"{self.working_openings} opening order(s) working; the journal's open "
                "spreads could not be read."
            )
        total = self.open_spreads + self.working_openings
        return (
            f"Exposure in {self.target}: {self.open_spreads} spread(s) open + "
            f"{self.working_openings} opening order(s) working = {total} of at most "
            f"{self.max_concurrent} at once."
        )

    @property
    def message(self) -> str:
        """One line for the card."""
        if self.error is not None:
            return f"{self.error.code}: {self.error.sentence}"
        count = len(self.orders)
        text = f"{count} working order(s) in {self.account} ({self.target})"
        if self.journaled_trade_ids:
            text += f"; journaled fills as trade(s) {', '.join(map(str, self.journaled_trade_ids))}"
        return text + "."


def _legs_text(legs: Any) -> tuple[str, ...]:
    shown = []
    for leg in legs:
        if isinstance(leg, dict):
            action, quantity, symbol = leg.get("action"), leg.get("quantity"), leg.get("symbol")
        else:
            action, quantity, symbol = leg.action, leg.quantity, leg.symbol
        shown.append(f"{action} {quantity} {str(symbol).strip()}")
    return tuple(shown)


def _price_text(price: Any, effect: Any) -> str:
    if price is None:
        return "market"
    return f"{Decimal(str(price)):.2f} {effect or ''}".strip()


def _age(now: datetime, since: datetime | None) -> int | None:
    return None if since is None else max(int((now - since).total_seconds()), 0)


def book_row(
    order: Order, now: datetime, audited: AuditedOrder | None, target: BrokerTarget
) -> BookOrder:
    """A broker order as a book row (the audit log names the cockpit's mode when it sent it)."""
    filled, units = filled_units(order)
    since = order.received_at or (audited.submitted_at if audited else None)
    return BookOrder(
        order_id=order.id,
        correlation_id=audited.correlation_id if audited else None,
        source="cockpit" if audited else "broker",
        underlying=order.underlying_symbol or (audited.underlying if audited else ""),
        legs=_legs_text(order.legs),
        price_text=_price_text(order.price, order.price_effect),
        status=order.status,
        submitted_at=since,
        age_s=_age(now, since),
        mode=audited.mode_label if audited else str(target),
        filled_units=filled,
        units=units,
        cancellable=order.id is not None and order.status in WORKING_STATUSES,
    )


def unanswered_row(audited: AuditedOrder, now: datetime, target: BrokerTarget) -> BookOrder:
    """A cockpit order this account's list does not show: no answer yet, another account, or
    another broker (a LIVE order while entries are forced to SANDBOX: it can still be
    cancelled, at the broker it went to)."""
    body = audited.order
    if audited.order_id is None:
        status = "outcome unknown"
    elif audited.target != target.value:
        status = f"working at {audited.target}"
    else:
        status = "not in this account's list"
    return BookOrder(
        order_id=audited.order_id,
        correlation_id=audited.correlation_id,
        source="cockpit",
        underlying=audited.underlying,
        legs=_legs_text(body.get("legs", [])),
        price_text=_price_text(body.get("price"), body.get("price-effect")),
        status=status,
        submitted_at=audited.submitted_at,
        age_s=_age(now, audited.submitted_at),
        mode=audited.mode_label,
        cancellable=audited.order_id is not None,
    )


def _plan_of(audited: AuditedOrder) -> TradePlan | None:
    if audited.plan is None:
        return None
    try:
        return TradePlan.model_validate(audited.plan)
    except ValidationError:
        return None


class OrderBookStage:
    """Reads and reconciles the order book (see the module docstring)."""

    def __init__(
        self,
        *,
        modes: ModeReader,
        gate: Gatekeeper,
        recorder: Recorder,
        clients: ClientFactory,
        in_flight: InFlight,
        reconcile: ReconcileStage,
    ) -> None:
        self._modes = modes
        self._gate = gate
        self._recorder = recorder
        self._clients = clients
        self._in_flight = in_flight
        self._reconcile = reconcile

    def answer(self, attempt: Attempt, account_number: str | None, reconcile: bool) -> OrderBook:
        """The book (reconciled first when asked), or the reason it could not be read."""
        target = self._modes.read(attempt, audit=False).decision.target.value
        try:
            if reconcile:
                return self.reconcile(attempt, account_number)
            return self.read(attempt, account_number)
        except Refused as refused:
            return order_book_error(attempt, target, refused.reasons[0])
        except BrokerUnavailable as error:
            found = reason(GuardCode.BROKER_UNAVAILABLE, str(error))
            return order_book_error(attempt, target, found)
        except AuditWriteError as error:
            return order_book_error(attempt, target, self._recorder.audit_failed(attempt, error))

    def audited(self) -> tuple[AuditedOrder, ...]:
        """The orders the audit log shows sent and not ended."""
        return audited_orders(self._recorder.audit.entries(limit=AUDITED_ORDERS_READ))

    def read(self, attempt: Attempt, account_number: str | None, notes=(), journaled=()):
        """The working orders of the account (the current mode's broker)."""
        reading = self._modes.read(attempt, audit=False)
        target = reading.decision.target
        client = self._gate.client(attempt, target)
        customer = self._gate.choose_account(attempt, client, account_number, target)
        number = customer.account.account_number
        try:
            live = client.live_orders(number)
        except TastytradeError as error:
            raise self._gate.refuse_broker_error(attempt, error, "Reading the orders") from None
        audited = self.audited()
        here = [o for o in audited if o.target == target.value]
        mine = {o.order_id: o for o in here if o.order_id is not None}
        rows = [
            book_row(order, attempt.now, mine.get(order.id or -1), target)
            for order in live
            if order.status in WORKING_STATUSES
        ]
        shown = {row.order_id for row in rows}
        rows += [
            unanswered_row(order, attempt.now, target)
            for order in audited
            if order.target != target.value or order.order_id not in shown
        ]
        rows.sort(
            key=lambda r: (r.submitted_at or attempt.now, r.order_id is None, r.order_id or 0)
        )
        return OrderBook(
            read_at=attempt.now,
            target=target.value,
            account=mask_account(number),
            orders=tuple(rows),
            journaled_trade_ids=tuple(journaled),
            notes=tuple(notes),
            open_spreads=(
                None
                if reading.evidence is None
                else len(reading.evidence.positions_for(MODE_OF_TARGET[target]))
            ),
            working_openings=sum(
                1 for o in audited if o.target == target.value and o.position_effect == "opening"
            ),
            max_concurrent=self._gate.max_concurrent_spreads,
        )

    def reconcile(self, attempt: Attempt, account_number: str | None) -> OrderBook:
        """Follow every audited order to its fills and end, then read the book."""
        notes: list[str] = []
        journaled: list[int] = []
        for audited in self.audited():
            if audited.order_id is None:
                continue
            try:
                trade_ids, note = self._follow(attempt, audited, account_number)
            except Refused as refused:
                note = f"order {audited.order_id}: {refused.reasons[0].sentence}"
                trade_ids = []
            journaled += trade_ids
            if note:
                notes.append(note)
        return self.read(attempt, account_number, notes, journaled)

    def _follow(
        self, attempt: Attempt, audited: AuditedOrder, wanted: str | None
    ) -> tuple[list[int], str | None]:
        try:
            target = BrokerTarget(audited.target)
            client = self._clients(target)
        except (ValueError, BrokerUnavailable) as error:
            return [], f"order {audited.order_id}: its broker is not reachable now ({error})"
        placed = self._in_flight.placed.get(audited.correlation_id)
        if placed is not None:
            follow_attempt = Attempt(correlation_id=audited.correlation_id, now=attempt.now)
            follow_attempt.mode_text, follow_attempt.host = placed.mode_label, placed.host
            follow_attempt.submitted = True
            known = len(placed.journaled_trade_ids)
            self._reconcile.follow(follow_attempt, client, placed.pending.account_number, placed)
            return placed.journaled_trade_ids[known:], None
        found = self._find(client, audited.order_id or 0, wanted, target, attempt)
        if found is None:
            return [], f"order {audited.order_id} was not found in this login's accounts"
        number, order = found
        follow_attempt = Attempt(correlation_id=audited.correlation_id, now=attempt.now)
        follow_attempt.mode_text = audited.mode_label
        follow_attempt.account = mask_account(number)
        ids: list[int] = []
        problems: list[GuardReason] = []
        if audited.position_effect == "opening":
            source = OrderSource(
                target=target,
                external_identifier=audited.external_identifier,
                account_number=number,
                plan=_plan_of(audited),
                estimated_fees_usd=(
                    Decimal(audited.estimated_fees_usd) if audited.estimated_fees_usd else None
                ),
            )
            trade_id, problems = self._reconcile.journal_fills(
                follow_attempt, client, number, order, source
            )
            if trade_id is not None:
                ids.append(trade_id)
        self._record_outcome(follow_attempt, order)
        note = problems[0].sentence if problems else None
        return ids, note

    def _find(
        self,
        client: BrokerPort,
        order_id: int,
        wanted: str | None,
        target: BrokerTarget,
        attempt: Attempt,
    ) -> tuple[str, Order] | None:
        """The order in the wanted (or default) account, else in any of the login's."""
        first = wanted or self._gate.default_account(target)
        try:
            numbers = [c.account.account_number for c in client.accounts()]
        except TastytradeError as error:
            raise self._gate.refuse_broker_error(attempt, error, "Reading the accounts") from None
        ordered = ([first] if first in numbers else []) + [n for n in numbers if n != first]
        for number in ordered:
            try:
                return number, client.order(number, order_id)
            except TastytradeError:
                continue
        return None

    def _record_outcome(self, attempt: Attempt, order: Order) -> None:
        """Audit a complete fill (FILL) or an end without one, so the order stops counting."""
        outcome = placement_outcome(order)
        if outcome is PlacementOutcome.FILLED:
            self._recorder.write(
                attempt,
                AuditKind.FILL,
                {"order_id": order.id, "status": order.status, "read_by": "order_book"},
            )
        elif outcome in ENDED_OUTCOMES:
            self._recorder.write(
                attempt,
                AuditKind.GUARD_DECISION,
                {"stage": ORDER_ENDED_STAGE, "order_id": order.id, "status": order.status},
            )


def order_book_error(attempt: Attempt, target: str, found: GuardReason) -> OrderBook:
    """The book that could not be read, with why."""
    return OrderBook(read_at=attempt.now, target=target, account="", error=found)
