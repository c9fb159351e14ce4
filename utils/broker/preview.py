"""Preview: an order's checks and the broker's dry-run, ending in a refusal, a dry-run block, or
a confirmation token (minted only from a clean dry-run in a mode that submits).

INTENT -> GUARD_DECISION (the mode) -> the audit chain -> evidence, close link -> account flags
-> pre-trade checks (with the broker's quotes and net liquidating value) -> PREFLIGHT_REQUEST ->
`/orders/dry-run` -> PREFLIGHT_RESULT -> the pre-trade checks again with the broker's fees -> in
a dry-run mode stop ("blocked by dry-run"), otherwise CONFIRMATION (minted). The previewed order
waits in `InFlight` for `place`. The dry-run POST is the only request here that carries an
order, and it places none.
"""

from __future__ import annotations

from utils.broker.answers import blocked_preview, ready_preview
from utils.broker.attempt import Attempt, masked_path
from utils.broker.checks import order_binding, what_if
from utils.broker.clients import BrokerPort
from utils.broker.confirmation import ConfirmationBook
from utils.broker.decisions import blocked_by_dry_run, dry_run_answer_verdict, dry_run_error_verdict
from utils.broker.gatekeeper import Gatekeeper, build_order, target_binding
from utils.broker.in_flight import InFlight, Pending
from utils.broker.mode_reader import ModeReader
from utils.broker.models import Preview, TradePlan
from utils.broker.order_intent import OrderIntent
from utils.broker.recorder import Recorder
from utils.records.audit import AuditKind
from utils.records.sandbox import mask_account
from utils.tastytrade.errors import TastytradeError
from utils.tastytrade.accounts import CustomerAccount
from utils.tastytrade.orders import NewOrder, OrderResponse


class PreviewStage:
    """Checks an order and asks the broker's dry-run; mints its confirmation when clean."""

    def __init__(
        self,
        *,
        modes: ModeReader,
        gate: Gatekeeper,
        recorder: Recorder,
        confirmations: ConfirmationBook,
        in_flight: InFlight,
    ) -> None:
        self._modes = modes
        self._gate = gate
        self._recorder = recorder
        self._confirmations = confirmations
        self._in_flight = in_flight

    def preview(
        self,
        attempt: Attempt,
        intent: OrderIntent,
        account_number: str | None,
        closes_trade_id: int | None,
        plan: TradePlan | None,
    ) -> Preview:
        """The order's path up to its confirmation; raises `Refused` when a step refuses."""
        reading = self._modes.read(attempt)
        decision = reading.decision
        self._recorder.write(
            attempt,
            AuditKind.INTENT,
            {
                "order": intent.fingerprint,
                "client_order_id": intent.client_order_id,
                "position_effect": intent.position_effect.value,
                "closes_trade_id": closes_trade_id,
                "account": mask_account(account_number) if account_number else None,
            },
        )
        self._recorder.write_decision(attempt, decision)
        decision = self._gate.route_close(attempt, decision, intent, closes_trade_id)
        self._recorder.require_intact_chain(attempt, intent.position_effect)
        evidence = self._gate.require_evidence(attempt, reading.evidence)
        self._gate.require_close_link(attempt, intent, closes_trade_id)
        order = build_order(intent)
        client = self._gate.client(attempt, decision.target)
        customer, balance = self._gate.account(
            attempt, client, account_number, intent.position_effect
        )
        self._gate.require_position(attempt, client, customer.account.account_number, intent)
        quotes = self._gate.quotes(client, intent)
        pretrade = self._gate.pretrade(
            attempt, intent, evidence, reading.halt, balance, quotes, "pretrade"
        )
        response = self._dry_run(attempt, client, customer, order)
        figures = what_if(response)
        priced = intent.model_copy(
            update={"dry_run": response.model_dump(mode="json", by_alias=True, exclude_none=True)}
        )
        pretrade = self._gate.pretrade(
            attempt,
            priced,
            evidence,
            reading.halt,
            balance,
            quotes,
            "pretrade_with_broker_fees",
            figures,
        )
        if not decision.submits(intent.position_effect):
            why = blocked_by_dry_run(decision)
            self._recorder.write(
                attempt,
                AuditKind.GUARD_DECISION,
                {"stage": "blocked_by_dry_run", "codes": [why.code], "what_if": figures.sentence},
            )
            return blocked_preview(attempt, decision, why, pretrade, figures)
        number = customer.account.account_number
        issued = self._confirmations.mint(
            order_binding(order),
            target_binding(attempt, decision, number),
            correlation_id=attempt.correlation_id,
        )
        self._recorder.write(
            attempt,
            AuditKind.CONFIRMATION,
            {
                "stage": "minted",
                "confirmation_ref": issued.reference,
                "binding_sha256": issued.binding_digest,
                "expires_at": issued.expires_at.isoformat(),
                "method": "POST",
                "path": masked_path(number),
            },
        )
        self._in_flight.hold(
            attempt.correlation_id,
            Pending(
                intent=priced,
                account_number=number,
                closes_trade_id=closes_trade_id,
                plan=plan,
                what_if=figures,
                created_at=attempt.now,
            ),
        )
        return ready_preview(
            attempt, decision, pretrade, figures, issued, self._confirmations.ttl_s
        )

    def _dry_run(
        self, attempt: Attempt, client: BrokerPort, customer: CustomerAccount, order: NewOrder
    ) -> OrderResponse:
        """The broker's preflight; anything but a clean answer refuses."""
        number = customer.account.account_number
        self._recorder.write(
            attempt,
            AuditKind.PREFLIGHT_REQUEST,
            {
                "method": "POST",
                "path": masked_path(number, dry_run=True),
                "order": order.to_body(),
            },
        )
        try:
            response = client.dry_run(number, order)
        except TastytradeError as error:
            judged = dry_run_error_verdict(error, attempt.target)
        else:
            judged = dry_run_answer_verdict(response, order)
        verdict = judged.verdict
        self._recorder.write_preflight(attempt, judged.outcome, verdict.findings, judged.what_if)
        self._recorder.enforce(attempt, verdict, what_if=judged.what_if)
        return response
