"""Place: a confirmed order, cleared once more, sent once. The only module that sends an order.

`clear` is the gate: the person's confirmation, the audit chain, a close's route to the broker
of its position, the token redeemed for the same order, account, host, path and mode (burned
either way), the preview it came from, the account flags, the position a close reduces, a mode
that submits, the evidence, the close link and the pre-trade checks again (a duplicate is now
an anomaly). It sends nothing and returns a `ClearedOrder`, or raises `Refused`.

`submit` is the executor: SUBMIT_ATTEMPT is audited, then the one POST to `/orders`. It is never
resent: a lost answer (a timeout, a 5xx) is looked up by the order's external identifier. After
the POST a failure is reported beside the order (an anomaly), never as "nothing was sent".
"""

from __future__ import annotations

from dataclasses import dataclass

from utils.broker.attempt import Attempt, masked_path, refusal
from utils.broker.checks import echo_mismatch, order_binding, submit_status_finding
from utils.broker.clients import BrokerPort
from utils.broker.confirmation import (
    ConfirmationBook,
    ConfirmationRefused,
    TargetBinding,
    token_reference,
)
from utils.broker.decisions import (
    confirmation_verdict,
    entry_during_halt_verdict,
    submit_error_verdict,
)
from utils.broker.fills import placement_outcome
from utils.broker.gatekeeper import UNREADABLE_HALT, Gatekeeper, build_order, target_binding
from utils.broker.in_flight import InFlight, Pending, Placed
from utils.broker.mode_reader import ModeReader
from utils.broker.models import GuardCode, Placement, PlacementOutcome, reason
from utils.broker.order_intent import OrderIntent
from utils.broker.reconcile import ReconcileStage
from utils.broker.recorder import Recorder
from utils.broker.working import order_max_loss_usd
from utils.judge.mode import ModeDecision
from utils.records.alerts import AlertRule
from utils.records.audit import AuditKind
from utils.tastytrade.errors import OrderOutcomeUnknown, ServerError, TastytradeError
from utils.tastytrade.orders import NewOrder, OrderPlacement


@dataclass(frozen=True)
class ClearedOrder:
    """An order every check cleared for its one POST: the order, where it goes, its preview."""

    decision: ModeDecision
    client: BrokerPort
    account_number: str
    order: NewOrder
    pending: Pending


class PlaceStage:
    """Clears a confirmed order (`clear`), then sends it once (`submit`)."""

    def __init__(
        self,
        *,
        modes: ModeReader,
        gate: Gatekeeper,
        recorder: Recorder,
        confirmations: ConfirmationBook,
        in_flight: InFlight,
        reconcile: ReconcileStage,
    ) -> None:
        self._modes = modes
        self._gate = gate
        self._recorder = recorder
        self._confirmations = confirmations
        self._in_flight = in_flight
        self._reconcile = reconcile

    def clear(
        self,
        attempt: Attempt,
        token: str,
        intent: OrderIntent,
        confirmed_by_person: bool,
        account_number: str | None,
    ) -> ClearedOrder:
        """Every check before the POST, in order; raises `Refused` at the first that refuses."""
        reading = self._modes.read(attempt)
        decision = reading.decision
        self._recorder.write(
            attempt,
            AuditKind.CONFIRMATION,
            {
                "stage": "presented",
                "confirmation_ref": token_reference(token),
                "confirmed_by_person": confirmed_by_person,
                "order": intent.fingerprint,
            },
        )
        if confirmed_by_person is not True:
            raise refusal(
                GuardCode.NOT_CONFIRMED_BY_PERSON,
                "The order was not confirmed by a person; nothing was sent.",
            )
        self._recorder.require_intact_chain(attempt, intent.position_effect)
        halt = reading.halt if reading.halt is not None else UNREADABLE_HALT
        self._recorder.enforce(attempt, entry_during_halt_verdict(intent, halt, attempt.now))
        order = build_order(intent)
        pending = self._in_flight.pending.get(attempt.correlation_id)
        if pending is not None:
            decision = self._gate.route_close(attempt, decision, intent, pending.closes_trade_id)
        client = self._gate.client(attempt, decision.target)
        number = account_number or (pending.account_number if pending else None)
        if number is None:
            number = self._gate.choose_account(attempt, client, None).account.account_number
        # The token is checked before the account is read: a changed mode, host or account is
        # refused for what it is, and the token is burned either way.
        self._redeem(attempt, token, order, target_binding(attempt, decision, number))
        if pending is None:
            raise refusal(
                GuardCode.PREVIEW_NOT_FOUND,
                "The preview of this confirmation is gone; preview the order again.",
            )
        _, balance = self._gate.account(attempt, client, number, intent.position_effect)
        self._gate.require_position(attempt, client, number, intent)
        if not decision.submits(intent.position_effect):
            raise refusal(
                GuardCode.BLOCKED_BY_DRY_RUN,
                f"Blocked by dry-run ({decision.label}): nothing was placed.",
            )
        evidence = self._gate.require_evidence(attempt, reading.evidence)
        self._gate.require_close_link(attempt, intent, pending.closes_trade_id)
        quotes = self._gate.quotes(client, intent)
        self._gate.pretrade(
            attempt,
            pending.intent,
            evidence,
            reading.halt,
            balance,
            quotes,
            "pretrade_before_submit",
            pending.what_if,
            at_placement=True,
        )
        return ClearedOrder(
            decision=decision,
            client=client,
            account_number=number,
            order=build_order(pending.intent),
            pending=pending,
        )

    def _redeem(self, attempt: Attempt, token: str, order: NewOrder, target: TargetBinding) -> None:
        """Redeem the token for exactly this order and target; audit the answer either way."""
        try:
            redeemed = self._confirmations.redeem(token, order_binding(order), target)
        except ConfirmationRefused as refused:
            self._recorder.write(
                attempt,
                AuditKind.CONFIRMATION,
                {"stage": "refused", "code": str(refused.code), "reason": refused.message},
            )
            raise self._recorder.refusal(attempt, confirmation_verdict(refused)) from None
        self._recorder.write(
            attempt,
            AuditKind.CONFIRMATION,
            {
                "stage": "accepted",
                "confirmation_ref": redeemed.reference,
                "binding_sha256": redeemed.binding_digest,
            },
        )

    def submit(self, attempt: Attempt, cleared: ClearedOrder) -> Placement:
        """The one POST to `/orders`, then what the broker says."""
        order, pending, number = cleared.order, cleared.pending, cleared.account_number
        external_id = order.external_identifier or pending.intent.client_order_id
        self._recorder.write(
            attempt,
            AuditKind.SUBMIT_ATTEMPT,
            {
                "method": "POST",
                "path": masked_path(number),
                "client_order_id": pending.intent.client_order_id,
                "external_identifier": external_id,
                "fingerprint": pending.intent.fingerprint,
                "position_effect": pending.intent.position_effect.value,
                "target": cleared.decision.target.value,
                "underlying": pending.intent.spread.underlying,
                "max_loss_usd": str(order_max_loss_usd(pending.intent)),
                "order": order.to_body(),
                "plan": pending.plan.model_dump(mode="json") if pending.plan else None,
                "estimated_fees_usd": (
                    None if pending.what_if.fees_usd is None else str(pending.what_if.fees_usd)
                ),
            },
        )
        self._in_flight.pending.pop(attempt.correlation_id, None)
        placed = Placed(
            pending=pending,
            target=cleared.decision.target,
            mode_label=cleared.decision.label,
            host=attempt.host,
            order_id=None,
            external_identifier=external_id,
        )
        self._in_flight.placed[attempt.correlation_id] = placed
        attempt.submitted = True
        try:
            result = cleared.client.place_order(number, order)
        except OrderOutcomeUnknown as error:
            return self._unknown_outcome(attempt, placed, str(error))
        except ServerError as error:
            return self._after_server_error(attempt, cleared.client, number, placed, error)
        except TastytradeError as error:
            self._recorder.write_answer(attempt, "error", {"error": str(error)})
            outcome, verdict = submit_error_verdict(error, attempt.target)
            refusals, anomalies = self._recorder.record(attempt, verdict)
            return self._reconcile.answer(attempt, placed, outcome, refusals, anomalies)
        return self._after_submit(attempt, cleared, placed, result)

    def _unknown_outcome(self, attempt: Attempt, placed: Placed, detail: str) -> Placement:
        self._recorder.write_answer(attempt, "unknown", {"detail": detail})
        found = reason(
            GuardCode.ORDER_OUTCOME_UNKNOWN,
            f"The order's fate is unknown: {detail}",
            external_identifier=placed.external_identifier,
        )
        anomaly = self._recorder.anomaly(attempt, found, AlertRule.ORDER_ANOMALY)
        return self._reconcile.answer(attempt, placed, PlacementOutcome.UNKNOWN, [], [anomaly])

    def _after_server_error(
        self,
        attempt: Attempt,
        client: BrokerPort,
        number: str,
        placed: Placed,
        error: ServerError,
    ) -> Placement:
        """A 5xx to the order POST: the order may exist; look it up, never resend."""
        try:
            found_order = client.find_order(number, placed.external_identifier)
        except TastytradeError as lookup_error:
            return self._unknown_outcome(
                attempt, placed, f"{error}; the lookup failed too ({lookup_error})"
            )
        if found_order is None:
            return self._unknown_outcome(
                attempt, placed, f"{error}; no order with its identifier was found (yet)"
            )
        finding = reason(
            GuardCode.ORDER_UNEXPECTED_STATUS,
            f"The broker answered {error.status} to the order but the order exists "
            f"(id {found_order.id}, {found_order.status}).",
        )
        placed.anomalies.append(self._recorder.anomaly(attempt, finding, AlertRule.ORDER_ANOMALY))
        return self._reconcile.follow(attempt, client, number, placed, found_order)

    def _after_submit(
        self, attempt: Attempt, cleared: ClearedOrder, placed: Placed, result: OrderPlacement
    ) -> Placement:
        """The broker took the POST: audit its answer, check its echo and status, follow it."""
        answer = result.order
        placed.order_id = answer.id
        audited = self._recorder.write_answer(
            attempt,
            "accepted",
            {
                "order_id": answer.id,
                "status": answer.status,
                "recovered_by_lookup": result.recovered_by_lookup,
                "external_identifier": result.external_identifier,
            },
        )
        if not audited:
            placed.anomalies.append(
                reason(
                    GuardCode.AUDIT_WRITE_FAILED,
                    "The broker's answer could not be written to the audit log.",
                )
            )
        mismatch = echo_mismatch(answer, cleared.order)
        if mismatch is not None:
            found = reason(
                GuardCode.ORDER_MISMATCH,
                f"The broker's copy of order {answer.id} differs from what was sent: {mismatch}.",
            )
            placed.anomalies.append(self._recorder.anomaly(attempt, found, AlertRule.ORDER_ANOMALY))
        status = submit_status_finding(answer)
        if status is not None:
            placed.anomalies.append(
                self._recorder.anomaly(attempt, status, AlertRule.ORDER_ANOMALY)
            )
        if status is not None or answer.id is None:
            outcome = placement_outcome(answer)
            return self._reconcile.answer(attempt, placed, outcome, [], [], answer)
        return self._reconcile.follow(attempt, cleared.client, cleared.account_number, placed)
