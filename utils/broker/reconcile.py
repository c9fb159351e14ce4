"""After the POST: follow a placed order (its status and fills), journal a complete fill once,
and cancel a working order. Reads and cancels only; nothing here sends an order.

A later rejection or an unknown status, a fill far from the limit, and a fill the journal could
not take are anomalies reported beside the order (the journal failure as its own HIGH alert).
A cancel goes to the broker and account its order went to; it passes in every mode, a broken
audit chain included: it only takes risk off.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from utils.broker.answers import placement, refused_placement
from utils.broker.attempt import Attempt, Refused, masked_path
from utils.broker.checks import fill_finding, later_status_finding, net_fill_per_unit
from utils.broker.clients import BrokerPort, BrokerUnavailable, ClientFactory
from utils.broker.fills import FilledOrder, journal_fill, placement_outcome
from utils.broker.order_fills import OrderSource, journal_new_fills, order_transactions
from utils.broker.gatekeeper import Gatekeeper
from utils.broker.in_flight import InFlight, Placed
from utils.broker.mode_reader import ModeReader
from utils.broker.models import (
    CancelOutcome,
    CancelResult,
    GuardCode,
    GuardReason,
    Placement,
    PlacementOutcome,
    reason,
)
from utils.broker.recorder import Recorder
from utils.broker.working import ORDER_ENDED_STAGE, audited_orders
from utils.judge.mode import BrokerTarget
from utils.core.sessions import to_utc
from utils.records.alerts import AlertRule
from utils.records.audit import AuditKind, AuditWriteError
from utils.records.sandbox import mask_account
from utils.tastytrade.errors import TastytradeError
from utils.tastytrade.orders import Order

AUDITED_ORDERS_READ = 5000
ENDED_OUTCOMES = frozenset({PlacementOutcome.REJECTED, PlacementOutcome.CANCELLED})

logger = logging.getLogger(__name__)


class ReconcileStage:
    """Follows placed orders to their fill and journal entry; cancels working ones."""

    def __init__(
        self,
        *,
        modes: ModeReader,
        gate: Gatekeeper,
        recorder: Recorder,
        clients: ClientFactory,
        in_flight: InFlight,
        journal: Any = None,
    ) -> None:
        self._modes = modes
        self._gate = gate
        self._recorder = recorder
        self._clients = clients
        self._in_flight = in_flight
        self._journal = journal

    def answer(
        self,
        attempt: Attempt,
        placed: Placed,
        outcome: PlacementOutcome,
        reasons: Sequence[GuardReason],
        anomalies: Sequence[GuardReason],
        order: Order | None = None,
    ) -> Placement:
        """A placed order's answer as it stands now."""
        return placement(
            attempt,
            placed,
            outcome,
            reasons,
            anomalies,
            order,
            journaling=self._journal is not None,
        )

    def reconcile(self, attempt: Attempt) -> Placement:
        """Re-read the order placed under the attempt's correlation id (never resends)."""
        placed = self._in_flight.placed.get(attempt.correlation_id)
        if placed is None:
            found = reason(
                GuardCode.ORDER_NOT_FOUND,
                f"No order placed in this cockpit session has correlation id "
                f"{attempt.correlation_id}.",
            )
            return refused_placement(attempt, Refused([found]))
        attempt.host = placed.host
        attempt.mode_text = placed.mode_label
        attempt.submitted = True
        try:
            client = self._clients(placed.target)
            return self.follow(attempt, client, placed.pending.account_number, placed)
        except BrokerUnavailable as error:
            found = reason(GuardCode.BROKER_UNAVAILABLE, str(error))
            return self.answer(attempt, placed, PlacementOutcome.UNKNOWN, [found], [])
        except AuditWriteError as error:
            found = self._recorder.audit_failed(attempt, error)
            return self.answer(attempt, placed, PlacementOutcome.UNKNOWN, [found], [])

    def follow(
        self,
        attempt: Attempt,
        client: BrokerPort,
        number: str,
        placed: Placed,
        known: Order | None = None,
    ) -> Placement:
        """Read the order's status and fills (unless `known`); check them; journal a full fill."""
        order = known
        if order is None:
            if placed.order_id is None:
                return self.answer(attempt, placed, PlacementOutcome.UNKNOWN, [], [])
            try:
                order = client.order(number, placed.order_id)
            except TastytradeError as error:
                found = reason(
                    GuardCode.BROKER_ERROR,
                    f"Order {placed.order_id} was placed but its status could not be read: "
                    f"{error}",
                )
                return self.answer(attempt, placed, PlacementOutcome.WORKING, [found], [])
        placed.order_id = order.id
        later = later_status_finding(order)
        if later is not None and not any(a.code == later.code for a in placed.anomalies):
            placed.anomalies.append(self._recorder.anomaly(attempt, later, AlertRule.ORDER_ANOMALY))
        outcome = placement_outcome(order)
        if placed.pending.closes_trade_id is None:
            source = OrderSource(
                target=placed.target,
                external_identifier=placed.external_identifier,
                account_number=number,
                plan=placed.pending.plan,
                estimated_fees_usd=placed.pending.what_if.fees_usd,
            )
            trade_id, problems = self.journal_fills(attempt, client, number, order, source)
            placed.anomalies.extend(problems)
            if trade_id is not None:
                placed.journaled_trade_ids.append(trade_id)
            if placed.journal_trade_id is None:
                placed.journal_trade_id = trade_id
        if outcome in ENDED_OUTCOMES and not placed.end_recorded:
            self._record_end(attempt, placed, order)
        if outcome is PlacementOutcome.FILLED and not placed.fill_recorded:
            self._record_fill(attempt, placed, order)
        return self.answer(attempt, placed, outcome, [], [], order)

    def journal_fills(
        self,
        attempt: Attempt,
        client: BrokerPort,
        number: str,
        order: Order,
        source: OrderSource,
    ) -> tuple[int | None, list[GuardReason]]:
        """Journal an opening order's fills not journaled yet (a partial fill, then the rest),
        each once; the first new trade's id, and a failure as a reason (and its HIGH alert)."""
        if self._journal is None or order.id is None:
            return None, []
        if not any(leg.fills for leg in order.legs):
            return None, []
        try:
            trade = journal_new_fills(
                self._journal,
                order,
                source=source,
                now=attempt.now,
                read_transactions=lambda: order_transactions(client, number, order),
            )
        except Exception as error:  # the order is filled: any failure here is shown, not raised
            logger.exception("order %s filled but could not be journaled", order.id)
            found = reason(
                GuardCode.JOURNAL_WRITE_FAILED,
                f"Order {order.id} filled but could not be journaled: {error}. Journal it by "
                "hand or sync from the broker.",
            )
            self._recorder.store_alert(
                AlertRule.JOURNAL_WRITE_FAILURE, found.sentence, str(order.id)
            )
            return None, [found]
        return (None if trade is None else trade.id), []

    def _record_end(self, attempt: Attempt, placed: Placed, order: Order) -> None:
        """Audit that the order ended unfilled, once: it stops counting as a working order
        (an unwritten end keeps it counting, failing closed)."""
        try:
            self._recorder.write(
                attempt,
                AuditKind.GUARD_DECISION,
                {"stage": ORDER_ENDED_STAGE, "order_id": order.id, "status": order.status},
            )
        except AuditWriteError as error:
            placed.anomalies.append(self._recorder.audit_failed(attempt, error))
            return
        placed.end_recorded = True

    def _record_fill(self, attempt: Attempt, placed: Placed, order: Order) -> None:
        """Check the fill against the limit and audit it (FILL), once; a closing order closes
        its journaled trade (an opening one was journaled by `journal_fills`)."""
        intent = placed.pending.intent
        net = net_fill_per_unit(order)
        if net is None:
            return
        placed.fill_recorded = True
        finding = fill_finding(intent.limit_price, intent.spread.price_effect.value, net, order.id)
        if finding is not None and not any(a.code == finding.code for a in placed.anomalies):
            placed.anomalies.append(
                self._recorder.anomaly(attempt, finding, AlertRule.ORDER_ANOMALY)
            )
        filled_at = max(
            (f.filled_at for leg in order.legs for f in leg.fills if f.filled_at is not None),
            default=attempt.now,
        )
        try:
            self._recorder.write(
                attempt,
                AuditKind.FILL,
                {
                    "order_id": order.id,
                    "net_fill_per_unit": format(net, "f"),
                    "limit": f"{intent.limit_price} {intent.spread.price_effect.value}",
                    "filled_at": to_utc(filled_at).isoformat(),
                },
            )
        except AuditWriteError as error:
            placed.anomalies.append(self._recorder.audit_failed(attempt, error))
        if self._journal is None or placed.pending.closes_trade_id is None:
            return
        try:
            trade = journal_fill(
                self._journal,
                FilledOrder(
                    spread=intent.spread,
                    net_fill_per_unit=net,
                    filled_at=filled_at,
                    fees_usd=placed.pending.what_if.fees_usd,
                    target=placed.target,
                    order_id=order.id,
                    external_identifier=placed.external_identifier,
                    closes_trade_id=placed.pending.closes_trade_id,
                    plan=placed.pending.plan,
                ),
            )
        except Exception as error:  # the order is filled: any failure here is shown, not raised
            logger.exception("order %s filled but could not be journaled", order.id)
            found = reason(
                GuardCode.JOURNAL_WRITE_FAILED,
                f"Order {order.id} filled but could not be journaled: {error}. Journal it by "
                "hand or import the broker's CSV.",
            )
            self._recorder.store_alert(
                AlertRule.JOURNAL_WRITE_FAILURE, found.sentence, str(order.id)
            )
            placed.anomalies.append(found)
            return
        placed.journal_trade_id = trade.id

    def _audited_target(self, correlation_id: str) -> BrokerTarget | None:
        """The broker an order the audit log shows sent went to (after a restart)."""
        entries = self._recorder.audit.entries(limit=AUDITED_ORDERS_READ)
        for order in audited_orders(entries):
            if order.correlation_id == correlation_id:
                try:
                    return BrokerTarget(order.target)
                except ValueError:
                    return None
        return None

    def cancel(
        self,
        attempt: Attempt,
        order_id: int,
        correlation_id: str | None,
        account_number: str | None,
    ) -> CancelResult:
        """Ask the broker the order went to (else the current mode's) to cancel it."""
        decision = self._modes.read(attempt).decision
        placed = self._in_flight.placed.get(correlation_id) if correlation_id else None
        target = placed.target if placed is not None else decision.target
        if placed is None and correlation_id:
            target = self._audited_target(correlation_id) or target
        client = self._gate.client(attempt, target)
        if placed is not None and account_number is None:
            account_number = placed.pending.account_number
        number = self._gate.choose_account(
            attempt, client, account_number, target
        ).account.account_number
        attempt.account = mask_account(number)
        self._recorder.write(
            attempt,
            AuditKind.CANCEL,
            {"stage": "request", "order_id": order_id, "path": masked_path(number, order_id)},
        )
        try:
            answer = client.cancel_order(number, order_id)
        except TastytradeError as error:
            self._recorder.write(
                attempt, AuditKind.CANCEL, {"stage": "refused", "error": str(error)}
            )
            raise Refused(
                [reason(GuardCode.CANCEL_REFUSED, f"The broker refused the cancel: {error}")]
            ) from None
        self._recorder.write(
            attempt,
            AuditKind.CANCEL,
            {"stage": "answered", "order_id": order_id, "status": answer.status},
        )
        return CancelResult(
            outcome=(
                CancelOutcome.CANCELLED
                if answer.status == "Cancelled"
                else CancelOutcome.CANCEL_REQUESTED
            ),
            correlation_id=attempt.correlation_id,
            order_id=order_id,
            status=answer.status,
            message=f"Order {order_id}: {answer.status} ({target}, {attempt.host}).",
        )
