"""The broker guard: decides the effective mode, runs every order through the checks, the broker's
dry-run and the person's confirmation, and writes every step to the audit log. Fail closed.

Facade for the cards (everything returns frozen models with a `.message` to show as is):

    guard = BrokerGuard.open(settings, evidence=provide_evidence, journal=journal,
                             alerts=alerts, latch=latch, sandbox_store=sandbox_store)
    guard.mode() -> ModeDecision                 # effective mode, target, dry-run, reasons
    guard.status() -> BrokerStatus               # requested vs effective mode, accounts,
                                                 # balances, positions, or the error
    guard.preview(intent, account_number=None, closes_trade_id=None, plan=None) -> Preview
        # REFUSED (reasons), BLOCKED_BY_DRY_RUN (what would have happened), or READY_TO_CONFIRM
        # with `confirmation_token` (SecretStr, single use, valid settings.confirmation_ttl_s)
    guard.place(token, intent=intent, confirmed_by_person=True, account_number=None)
        -> Placement                             # refused, working, filled, rejected, unknown
    guard.reconcile(correlation_id) -> Placement # re-read a working order; journal its fill
    guard.cancel(order_id, correlation_id=None, account_number=None) -> CancelResult
    guard.run_sandbox_validation(progress=None) -> SandboxValidationRecord
    guard.close()

`provide_evidence(now) -> GuardEvidence` is the app's bridge to the journal and the judge: the
gate report, the latest sandbox validation record, ladder level and ramp stage, open spreads
(per mode), the last losing close and the rollback triggers holding now;
`utils.broker.evidence.guard_evidence(gather_evidence(...))` builds it. If it raises, LIVE stays
locked and the order is refused. Stores not passed to `open` are opened in the data folder.

An order's path (DESIGN.md section 4), each step audited under one correlation id:
INTENT -> GUARD_DECISION (the mode) -> account flags -> pre-trade checks (with the broker's
quotes and net liquidating value) -> PREFLIGHT_REQUEST -> `/orders/dry-run` -> PREFLIGHT_RESULT
-> the pre-trade checks again with the broker's fees -> in a dry-run mode stop: "blocked by
dry-run" and what would have happened -> otherwise CONFIRMATION (token minted) -> `place`: the
token redeemed for the same order, account, host, path and mode -> account flags and checks
again -> SUBMIT_ATTEMPT -> `/orders` (never resent; a lost answer is looked up) -> BROKER_ANSWER
-> FILL -> journal. A failed audit write refuses the order before anything is sent; after the
POST it is reported as an anomaly beside the order, never as "nothing was sent".

Modules: `utils.judge.mode` (the pure mode decision), `utils.broker.confirmation` (tokens),
`utils.broker.evidence` (the evidence from the cockpit's reading),
`utils.broker.checks` (pure checks on the broker's answers), `utils.broker.clients` (one client
per target), `utils.broker.fills` (fills into the journal), `utils.broker.models` (what the
cards get), `utils.broker.sandbox_validation` (checklist s4), `utils.sim.runtime` (the SIM broker).

Anomalies each raise a HIGH alert and set the rollback latch: an auth failure against LIVE, a
rejected or unexpectedly stated order, an order echo that differs from what was sent, a fill far
from the limit, a duplicate submit (a replayed token, or the same order sent again), an order
whose fate is unknown, account flags (closed, frozen, closing-only, margin call), and a missing
or unreadable dry-run answer. Orders refused for risk (not defined-risk, over the ladder cap,
over 20 % on one underlying, over the concurrency cap, an entry during a halt) raise their HIGH
alert too. Cancels always pass to the broker the order was sent to: they only take risk off.

The audit chain is checked (`AuditLog.check_chain`, edits and a truncation against the head
anchor) in full when the guard is built (the app's start-up), and cheaply before every preview
and placement: only the entries written since the last check, plus that the last verified one is
unchanged (an edit of an older entry waits for the next start-up or export, which check in full).
A broken chain refuses every opening order (AUDIT_CHAIN_BROKEN) and raises one HIGH alert per
cause per session. Closing orders and cancels still pass, audited as ever: a broken chain makes
the old trail untrustworthy, it does not stop new entries, and risk must always come off.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from utils.records.alerts import AlertRule, AlertStore
from utils.records.audit import AuditKind, AuditLog, AuditVerification, AuditWriteError
from utils.broker.checks import (
    account_refusals,
    dry_run_findings,
    echo_mismatch,
    fill_finding,
    filled_units,
    later_status_finding,
    net_fill_per_unit,
    order_binding,
    submit_status_finding,
    what_if,
)
from utils.judge.mode import (
    BrokerTarget,
    ModeDecision,
    ModeIntent,
    resolve_mode,
    sandbox_problem,
)
from utils.broker.models import (
    AccountView,
    BalanceView,
    BrokerStatus,
    CancelOutcome,
    CancelResult,
    EvidenceProvider,
    GuardCode,
    GuardEvidence,
    GuardReason,
    Placement,
    PlacementOutcome,
    PositionView,
    Preview,
    PreviewOutcome,
    TradePlan,
    WhatIf,
    reason,
)
from utils.core.config import Settings
from utils.broker.confirmation import (
    ConfirmationBook,
    ConfirmationRefused,
    RefusalCode,
    TargetBinding,
    token_reference,
)
from utils.judge.gates import LatchState, RollbackLatchStore, RollbackTrigger, TriggerCode
from utils.broker.clients import (
    BrokerClients,
    BrokerPort,
    BrokerUnavailable,
    ClientFactory,
    host_of,
    read_trading_status,
)
from utils.broker.fills import MODE_OF_TARGET, FilledOrder, journal_fill, placement_outcome
from utils.broker.pretrade import (
    HaltState,
    OpenPosition,
    OrderIntent,
    PretradeDecision,
    Quote,
    ReasonCode,
    RecentOrder,
    run_pretrade_checks,
)
from utils.records.sandbox import (
    SandboxMode,
    SandboxStep,
    SandboxValidationRecord,
    SandboxValidationStore,
)
from utils.records.sandbox import mask_account
from utils.broker.sandbox_validation import ValidationProgress, run_sandbox_validation
from utils.core.sessions import Clock, session_of, to_utc, utc_now
from utils.spreads.legs import PositionEffect
from utils.spreads.symbols import SymbolError, parse_occ
from utils.tastytrade.orders import build_spread_order
from utils.tastytrade.errors import (
    AuthenticationError,
    MalformedResponse,
    OrderOutcomeUnknown,
    PreflightRejected,
    RateLimited,
    ServerError,
    TastytradeApiError,
    TastytradeError,
    TransportError,
)
from utils.tastytrade.accounts import Balance, CustomerAccount
from utils.tastytrade.orders import NewOrder, Order, OrderPlacement, OrderResponse

__all__ = [
    "BrokerClients",
    "BrokerGuard",
    "BrokerPort",
    "GuardEvidence",
    "TradePlan",
]

logger = logging.getLogger(__name__)

UNDECIDED = "UNDECIDED"
RECENT_ORDERS_WINDOW = timedelta(minutes=2)
RECENT_AUDIT_ENTRIES = 2000
PENDING_KEEP = timedelta(minutes=30)

# Pre-trade denials that are HIGH alerts (utils.records.alerts): refused for risk, or during a halt.
RISK_ALERT_RULES: dict[ReasonCode, AlertRule] = {
    ReasonCode.NOT_DEFINED_RISK: AlertRule.NOT_DEFINED_RISK,
    ReasonCode.EXCEEDS_LADDER_CAP: AlertRule.OVER_LADDER_CAP,
    ReasonCode.SYMBOL_RISK_OVER_20PCT: AlertRule.OVER_SYMBOL_RISK,
    ReasonCode.TOO_MANY_CONCURRENT: AlertRule.OVER_CONCURRENCY,
    ReasonCode.HALTED: AlertRule.ENTRY_DURING_HALT,
}
ACCOUNT_FLAG_ANOMALIES = frozenset(
    {
        GuardCode.ACCOUNT_CLOSED,
        GuardCode.ACCOUNT_FROZEN,
        GuardCode.ACCOUNT_CLOSING_ONLY,
        GuardCode.ACCOUNT_MARGIN_CALL,
    }
)


class _Refused(Exception):
    """Unwinds an attempt with its reasons and anomalies (never leaves this module)."""

    def __init__(
        self,
        reasons: Sequence[GuardReason],
        anomalies: Sequence[GuardReason] = (),
        *,
        what_if: WhatIf | None = None,
        pretrade: PretradeDecision | None = None,
    ) -> None:
        super().__init__("; ".join(r.code for r in (*reasons, *anomalies)))
        self.reasons = tuple(reasons)
        self.anomalies = tuple(anomalies)
        self.what_if = what_if
        self.pretrade = pretrade


@dataclass
class _Attempt:
    """One call's context: correlation id, time, decision and where it goes."""

    correlation_id: str
    now: datetime
    decision: ModeDecision | None = None
    host: str | None = None
    account: str = ""
    order_text: str = ""
    mode_text: str | None = None
    submitted: bool = False
    client: BrokerPort | None = None
    evidence_error: str = ""

    @property
    def mode_label(self) -> str:
        if self.decision is not None:
            return self.decision.label
        return self.mode_text or UNDECIDED


@dataclass
class _Pending:
    """A previewed order waiting for its confirmation."""

    intent: OrderIntent
    account_number: str
    closes_trade_id: int | None
    plan: TradePlan | None
    what_if: WhatIf
    created_at: datetime


@dataclass
class _Placed:
    """An order that reached a broker, until it is filled and journaled (or ends)."""

    pending: _Pending
    target: BrokerTarget
    mode_label: str
    host: str | None
    order_id: int | None
    external_identifier: str
    journal_trade_id: int | None = None
    fill_recorded: bool = False
    anomalies: list[GuardReason] = field(default_factory=list)


class BrokerGuard:
    """The order path and the read path of the cockpit (see the module docstring)."""

    def __init__(
        self,
        settings: Settings,
        *,
        audit: AuditLog,
        alerts: AlertStore,
        latch: RollbackLatchStore,
        evidence: EvidenceProvider,
        clients: ClientFactory,
        journal: Any = None,
        sandbox_store: SandboxValidationStore | None = None,
        clock: Clock = utc_now,
        confirmations: ConfirmationBook | None = None,
    ) -> None:
        self._settings = settings
        self._intent = ModeIntent.from_settings(settings)
        self._audit = audit
        self._alerts = alerts
        self._latch = latch
        self._evidence = evidence
        self._clients = clients
        self._journal = journal
        self._sandbox_store = sandbox_store
        self._clock = clock
        self._confirmations = confirmations or ConfirmationBook(
            settings.confirmation_ttl_s, clock=clock
        )
        self._lock = threading.RLock()
        self._pending: dict[str, _Pending] = {}
        self._placed: dict[str, _Placed] = {}
        self._last_mode: tuple[str, str] | None = None
        self._owned: list[Any] = []
        self._chain_alert_lock = threading.Lock()
        self.audit_chain(full=True)

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        evidence: EvidenceProvider,
        journal: Any = None,
        alerts: AlertStore | None = None,
        latch: RollbackLatchStore | None = None,
        sandbox_store: SandboxValidationStore | None = None,
        clock: Clock = utc_now,
    ) -> BrokerGuard:
        """A guard over the stores given (the ones not given are opened under
        `settings.data_dir` and closed by `close()`) and the clients of the settings."""
        data_dir = Path(settings.data_dir)
        clients = BrokerClients(settings, clock=clock)
        intent = ModeIntent.from_settings(settings)
        if not intent.sandbox_credentials or sandbox_problem(intent):
            clients(BrokerTarget.SIM)  # start the simulator now, so its secrets are redacted
        audit = AuditLog.open(data_dir, clock=clock, secret_values=clients.secret_values())
        owned: list[Any] = [audit, clients]
        if alerts is None:
            alerts = AlertStore.open(data_dir, halt_hours=settings.halt_hours, clock=clock)
            owned.append(alerts)
        if latch is None:
            latch = RollbackLatchStore.open(data_dir, clock=clock)
            owned.append(latch)
        if sandbox_store is None:
            sandbox_store = SandboxValidationStore.open(data_dir, clock=clock)
            owned.append(sandbox_store)
        guard = cls(
            settings,
            audit=audit,
            alerts=alerts,
            latch=latch,
            evidence=evidence,
            clients=clients,
            journal=journal,
            sandbox_store=sandbox_store,
            clock=clock,
        )
        guard._owned = owned
        return guard

    @property
    def audit(self) -> AuditLog:
        """The audit log every step is written to (shared with the app's own audit entries)."""
        return self._audit

    def close(self) -> None:
        """Close what `open` opened (stores and the simulator)."""
        for item in self._owned:
            item.close()
        self._owned = []

    # -- audit chain -----------------------------------------------------------------------

    def audit_chain(self, *, full: bool = False) -> AuditVerification:
        """Check the audit chain and its anchor now (see the module docstring); a broken chain
        raises its HIGH alert once per cause and session. Does not wait for an order in flight."""
        attempt = _Attempt(correlation_id=_new_id(), now=self._now())
        check = self._audit.check_chain(full=full)
        try:
            self._alert_broken_chain(attempt, check)
        except AuditWriteError as error:
            logger.error("the audit chain's alert could not be audited: %s", error)
        return check

    def _alert_broken_chain(self, attempt: _Attempt, check: AuditVerification) -> None:
        """One HIGH alert per cause (its message) and session for a broken chain."""
        if check.ok:
            return
        with self._chain_alert_lock:
            try:
                seen = any(
                    alert.rule is AlertRule.AUDIT_CHAIN_BROKEN and alert.message == check.message
                    for alert in self._alerts.alerts(session_of(attempt.now))
                )
            except sqlite3.Error as error:
                logger.error("HIGH alerts could not be read: %s", error)
                seen = False
            if not seen:
                logger.error("the audit chain is broken: %s", check.message)
                self._raise_alert(attempt, AlertRule.AUDIT_CHAIN_BROKEN, check.message)

    def _require_intact_chain(self, attempt: _Attempt, intent: OrderIntent) -> None:
        """An opening order needs an intact audit chain; a closing order passes (audited)."""
        check = self._audit.check_chain(full=False)
        self._alert_broken_chain(attempt, check)
        if check.ok or intent.position_effect is PositionEffect.CLOSING:
            return
        found = reason(
            GuardCode.AUDIT_CHAIN_BROKEN,
            f"The audit log cannot be trusted: {check.message}. Opening orders are refused "
            "until it is restored; closing orders and cancels still pass.",
            first_broken_seq=check.first_broken_seq,
            problem=check.problem,
        )
        self._write(
            attempt,
            AuditKind.GUARD_DECISION,
            {"stage": "audit_chain", "allowed": False, "codes": [found.code]},
        )
        raise _Refused([found])

    # -- mode ------------------------------------------------------------------------------

    def mode(self) -> ModeDecision:
        """The effective mode now (read only: nothing is written, nothing is sent)."""
        with self._lock:
            attempt = _Attempt(correlation_id=_new_id(), now=self._now())
            decision, _, _ = self._decide(attempt, audit=False)
            return decision

    def _decide(
        self, attempt: _Attempt, *, audit: bool = True
    ) -> tuple[ModeDecision, GuardEvidence | None, HaltState | None]:
        """Read the evidence, halt and latch; resolve the mode; audit a change of mode."""
        now = attempt.now
        evidence: GuardEvidence | None
        try:
            evidence = self._evidence(now)
        except Exception as error:  # the evidence provider is the app's; any failure locks LIVE
            logger.exception("the guard's evidence could not be read")
            attempt.evidence_error = f"{type(error).__name__}: {error}"
            evidence = None
        halt = self._read_halt(now)
        latch = self._read_latch()
        triggers = () if evidence is None else evidence.rollback_triggers
        if triggers:
            if audit:
                self._set_latch(attempt, triggers)
                latch = self._read_latch()
            if latch is not None and not latch.active:
                # Not yet persisted (a read-only call): the decision counts the latch as set.
                latch = LatchState(active=True, set_at=now, triggers=tuple(triggers))
        decision = resolve_mode(
            self._intent,
            gates=None if evidence is None else evidence.gates,
            sandbox=None if evidence is None else evidence.sandbox,
            halt=halt,
            latch=latch,
            now=now,
        )
        attempt.decision = decision
        try:
            attempt.client = self._clients(decision.target)
            attempt.host = host_of(attempt.client)
        except BrokerUnavailable:
            attempt.client = None  # the order path refuses with BROKER_UNAVAILABLE
        if audit:
            self._note_mode(attempt, decision)
        return decision, evidence, halt

    def _read_halt(self, now: datetime) -> HaltState | None:
        try:
            return self._alerts.halt_state(now)
        except sqlite3.Error as error:
            logger.error("the entry halt could not be read: %s", error)
            return None

    def _read_latch(self) -> LatchState | None:
        try:
            return self._latch.state()
        except sqlite3.Error as error:
            logger.error("the rollback latch could not be read: %s", error)
            return None

    def _note_mode(self, attempt: _Attempt, decision: ModeDecision) -> None:
        current = (decision.label, decision.target.value)
        if current == self._last_mode:
            return
        self._write(
            attempt,
            AuditKind.MODE_CHANGE,
            {
                "from": None if self._last_mode is None else self._last_mode[0],
                "to": decision.label,
                "target": decision.target.value,
                "requested": decision.requested,
                "codes": list(decision.codes),
            },
        )
        self._last_mode = current

    # -- read path -------------------------------------------------------------------------

    def status(self) -> BrokerStatus:
        """Requested vs effective mode and the target's accounts, balances and positions.

        Reads only (GET): works in every mode, LIVE (dry-run) included (checklist s5).
        """
        with self._lock:
            attempt = _Attempt(correlation_id=_new_id(), now=self._now())
            try:
                return self._status(attempt)
            except AuditWriteError as error:
                decision = attempt.decision or resolve_mode(
                    self._intent, gates=None, sandbox=None, halt=None, latch=None, now=attempt.now
                )
                found = reason(GuardCode.AUDIT_WRITE_FAILED, str(error))
                return self._status_error(decision, attempt, found)

    def _status(self, attempt: _Attempt) -> BrokerStatus:
        decision, _, _ = self._decide(attempt)
        try:
            client = self._clients(decision.target)
        except BrokerUnavailable as error:
            found = reason(GuardCode.BROKER_UNAVAILABLE, f"{decision.target}: {error}")
            return self._status_error(decision, attempt, found)
        attempt.host = host_of(client)
        try:
            return self._read_status(decision, client, attempt)
        except TastytradeError as error:
            found, anomaly = self._read_error(error, decision.target)
            if anomaly:
                found = self._anomaly(attempt, found, AlertRule.AUTH_ANOMALY)
            return self._status_error(decision, attempt, found)
        except ValidationError:
            found = reason(
                GuardCode.ACCOUNT_FLAGS_UNREADABLE, "The account's trading status is unreadable."
            )
            return self._status_error(decision, attempt, found)

    def _read_status(
        self, decision: ModeDecision, client: BrokerPort, attempt: _Attempt
    ) -> BrokerStatus:
        accounts, balances, positions = [], [], []
        for customer in client.accounts():
            number = customer.account.account_number
            balance = client.balances(number)
            status = read_trading_status(client, number)
            flags = account_refusals(customer, balance, status, PositionEffect.OPENING)
            accounts.append(
                AccountView(
                    account_number=number,
                    masked=mask_account(number),
                    nickname=customer.account.nickname,
                    authority_level=customer.authority_level,
                    flags=tuple(flags),
                )
            )
            balances.append(
                BalanceView(
                    account=mask_account(number),
                    net_liquidating_value_usd=balance.net_liquidating_value,
                    cash_balance_usd=balance.cash_balance,
                    derivative_buying_power_usd=balance.derivative_buying_power,
                    maintenance_requirement_usd=balance.maintenance_requirement,
                )
            )
            positions.extend(
                PositionView(
                    symbol=p.symbol,
                    underlying=p.underlying_symbol,
                    quantity=p.signed_quantity,
                    instrument_type=p.instrument_type,
                    average_open_price=p.average_open_price,
                    mark=p.mark if p.mark is not None else p.mark_price,
                )
                for p in client.positions(number)
            )
        where = f" from {attempt.host}" if attempt.host else ""
        return BrokerStatus(
            requested=decision.requested,
            mode=decision,
            target_host=attempt.host,
            read_at=attempt.now,
            accounts=tuple(accounts),
            balances=tuple(balances),
            positions=tuple(positions),
            message=f"{decision.sentence} Read {len(accounts)} account(s) and "
            f"{len(positions)} position leg(s){where}; no order was sent.",
        )

    @staticmethod
    def _status_error(
        decision: ModeDecision, attempt: _Attempt, error: GuardReason
    ) -> BrokerStatus:
        return BrokerStatus(
            requested=decision.requested,
            mode=decision,
            target_host=attempt.host,
            read_at=attempt.now,
            error=error,
            message=f"{decision.sentence} The broker could not be read: {error.sentence}",
        )

    @staticmethod
    def _read_error(
        error: TastytradeError, target: BrokerTarget | None
    ) -> tuple[GuardReason, bool]:
        """A broker failure as a reason; True when it is an anomaly (auth failure against LIVE)."""
        if isinstance(error, AuthenticationError):
            found = reason(
                GuardCode.BROKER_AUTH_FAILED,
                f"The {target or 'target'} broker refused the login: {error}",
            )
            return found, target is BrokerTarget.LIVE
        if isinstance(error, TransportError):
            return reason(GuardCode.BROKER_UNREACHABLE, str(error)), False
        if isinstance(error, RateLimited):
            return reason(GuardCode.BROKER_RATE_LIMITED, str(error)), False
        return reason(GuardCode.BROKER_ERROR, str(error)), False

    # -- preview ---------------------------------------------------------------------------

    def preview(
        self,
        intent: OrderIntent,
        *,
        account_number: str | None = None,
        closes_trade_id: int | None = None,
        plan: TradePlan | None = None,
    ) -> Preview:
        """Checks, then the broker's dry-run; a confirmation token only from a clean dry-run."""
        with self._lock:
            attempt = _Attempt(correlation_id=_new_id(), now=self._now())
            attempt.order_text = intent.fingerprint
            try:
                return self._preview(attempt, intent, account_number, closes_trade_id, plan)
            except _Refused as refused:
                return self._refused_preview(attempt, refused)
            except AuditWriteError as error:
                found = self._audit_failed(attempt, error)
                return self._refused_preview(attempt, _Refused([found]))

    def _preview(
        self,
        attempt: _Attempt,
        intent: OrderIntent,
        account_number: str | None,
        closes_trade_id: int | None,
        plan: TradePlan | None,
    ) -> Preview:
        decision, evidence, halt = self._decide(attempt)
        self._write(
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
        self._write_decision(attempt, decision)
        self._require_intact_chain(attempt, intent)
        evidence = self._require_evidence(attempt, evidence)
        self._require_close_link(attempt, intent, closes_trade_id)
        order = _build_order(intent)
        client = self._client(attempt, decision.target)
        customer, balance = self._account(attempt, client, account_number, intent)
        quotes = self._quotes(client, intent)
        pretrade = self._pretrade(attempt, intent, evidence, halt, balance, quotes, "pretrade")
        response = self._dry_run(attempt, client, customer, order)
        figures = what_if(response)
        priced = intent.model_copy(
            update={"dry_run": response.model_dump(mode="json", by_alias=True, exclude_none=True)}
        )
        pretrade = self._pretrade(
            attempt, priced, evidence, halt, balance, quotes, "pretrade_with_broker_fees", figures
        )
        number = customer.account.account_number
        pending = _Pending(
            intent=priced,
            account_number=number,
            closes_trade_id=closes_trade_id,
            plan=plan,
            what_if=figures,
            created_at=attempt.now,
        )
        if not decision.submits(intent.position_effect):
            return self._blocked_preview(attempt, decision, pretrade, figures)
        target = self._target_binding(attempt, decision, number)
        issued = self._confirmations.mint(
            order_binding(order), target, correlation_id=attempt.correlation_id
        )
        self._write(
            attempt,
            AuditKind.CONFIRMATION,
            {
                "stage": "minted",
                "confirmation_ref": issued.reference,
                "binding_sha256": issued.binding_digest,
                "expires_at": issued.expires_at.isoformat(),
                "method": target.method,
                "path": _masked_path(number),
            },
        )
        self._forget_old_pending(attempt.now)
        self._pending[attempt.correlation_id] = pending
        ttl = self._confirmations.ttl_s
        return Preview(
            outcome=PreviewOutcome.READY_TO_CONFIRM,
            correlation_id=attempt.correlation_id,
            mode=decision,
            target_host=attempt.host,
            account=attempt.account,
            order=attempt.order_text,
            pretrade=pretrade,
            what_if=figures,
            confirmation_token=issued.token,
            confirmation_ref=issued.reference,
            expires_at=issued.expires_at,
            message=f"Ready to place in {decision.label} on {attempt.host}: {figures.sentence} "
            f"Confirm within {ttl} s; the confirmation places this exact order once.",
        )

    def _blocked_preview(
        self,
        attempt: _Attempt,
        decision: ModeDecision,
        pretrade: PretradeDecision,
        figures: WhatIf,
    ) -> Preview:
        why = reason(
            GuardCode.BLOCKED_BY_DRY_RUN,
            f"Blocked by dry-run ({decision.label}): nothing was placed. "
            + " ".join(r.sentence for r in decision.reasons if r.blocking or "DRY_RUN" in r.code),
        )
        self._write(
            attempt,
            AuditKind.GUARD_DECISION,
            {"stage": "blocked_by_dry_run", "codes": [why.code], "what_if": figures.sentence},
        )
        return Preview(
            outcome=PreviewOutcome.BLOCKED_BY_DRY_RUN,
            correlation_id=attempt.correlation_id,
            mode=decision,
            target_host=attempt.host,
            account=attempt.account,
            order=attempt.order_text,
            reasons=(why,),
            pretrade=pretrade,
            what_if=figures,
            message=f"Blocked by dry-run ({decision.label}): nothing was placed. Had it been "
            f"sent, the broker says: {figures.sentence}",
        )

    def _refused_preview(self, attempt: _Attempt, refused: _Refused) -> Preview:
        sentences = " ".join(r.sentence for r in (*refused.reasons, *refused.anomalies))
        return Preview(
            outcome=PreviewOutcome.REFUSED,
            correlation_id=attempt.correlation_id,
            mode=attempt.decision,
            target_host=attempt.host,
            account=attempt.account,
            order=attempt.order_text,
            reasons=refused.reasons,
            anomalies=refused.anomalies,
            pretrade=refused.pretrade,
            what_if=refused.what_if,
            message=f"Refused: {sentences}",
        )

    # -- shared steps ----------------------------------------------------------------------

    def _write(self, attempt: _Attempt, kind: AuditKind, body: dict[str, Any]) -> None:
        """One audit entry of this attempt; AuditWriteError propagates (the order stops)."""
        self._audit.append(
            kind,
            correlation_id=attempt.correlation_id,
            effective_mode=attempt.mode_label,
            target_host=attempt.host,
            body=body,
        )

    def _write_decision(self, attempt: _Attempt, decision: ModeDecision) -> None:
        self._write(
            attempt,
            AuditKind.GUARD_DECISION,
            {
                "stage": "mode",
                "mode": decision.label,
                "target": decision.target.value,
                "dry_run": decision.dry_run,
                "closing_orders_submit": decision.closing_orders_submit,
                "codes": list(decision.codes),
                "reasons": [r.sentence for r in decision.reasons],
            },
        )

    def _audit_failed(self, attempt: _Attempt, error: AuditWriteError) -> GuardReason:
        found = reason(
            GuardCode.AUDIT_WRITE_FAILED,
            f"The audit log could not record this step ({error}); nothing more was sent.",
        )
        try:
            self._alerts.raise_alert(
                AlertRule.AUDIT_WRITE_FAILURE, found.sentence, order_ref=attempt.correlation_id
            )
        except sqlite3.Error as alert_error:
            logger.error("HIGH alert for an audit failure could not be stored: %s", alert_error)
        return found

    @staticmethod
    def _require_evidence(attempt: _Attempt, evidence: GuardEvidence | None) -> GuardEvidence:
        if evidence is None:
            raise _refusal(
                GuardCode.EVIDENCE_UNAVAILABLE,
                "The journal and gate evidence could not be read, so no order is checked or "
                f"sent ({attempt.evidence_error or 'no evidence'}).",
            )
        return evidence

    def _require_close_link(
        self, attempt: _Attempt, intent: OrderIntent, closes_trade_id: int | None
    ) -> None:
        """A closing order names the open journaled trade it closes, in the same mode, with
        exactly that trade's legs; an opening order names none."""
        closing = intent.position_effect is PositionEffect.CLOSING
        if not closing:
            if closes_trade_id is not None:
                raise _refusal(
                    GuardCode.CLOSE_MISMATCH,
                    f"The order opens legs, so it cannot close trade {closes_trade_id}.",
                )
            return
        if self._journal is None:
            return
        if closes_trade_id is None:
            raise _refusal(
                GuardCode.CLOSE_NOT_LINKED,
                "A closing order must name the journaled trade it closes, so the close "
                "is journaled.",
            )
        try:
            trade = self._journal.get_trade(closes_trade_id)
        except Exception as error:  # a missing trade or an unreadable journal: refuse either way
            raise _refusal(
                GuardCode.CLOSE_MISMATCH,
                f"Trade {closes_trade_id} could not be read from the journal: {error}",
            ) from None
        problem = _close_mismatch(trade, intent, _target_of(attempt))
        if problem is not None:
            raise _refusal(
                GuardCode.CLOSE_MISMATCH, f"The order does not close trade {trade.id}: {problem}."
            )

    def _client(self, attempt: _Attempt, target: BrokerTarget) -> BrokerPort:
        decided = attempt.decision is not None and attempt.decision.target is target
        if decided and attempt.client is not None:
            return attempt.client
        try:
            client = self._clients(target)
        except BrokerUnavailable as error:
            raise _Refused(
                [reason(GuardCode.BROKER_UNAVAILABLE, f"No {target} broker: {error}")]
            ) from None
        attempt.host = host_of(client)
        return client

    def _broker_failure(self, attempt: _Attempt, error: TastytradeError, what: str) -> _Refused:
        """A broker error on a read step as a refusal (an auth failure on LIVE is an anomaly)."""
        found, anomaly = self._read_error(error, _target_of(attempt))
        found = found.model_copy(update={"sentence": f"{what}: {found.sentence}"})
        if anomaly:
            return _Refused([], [self._anomaly(attempt, found, AlertRule.AUTH_ANOMALY)])
        return _Refused([found])

    def _account(
        self,
        attempt: _Attempt,
        client: BrokerPort,
        account_number: str | None,
        intent: OrderIntent,
    ) -> tuple[CustomerAccount, Balance]:
        """The account to trade, checked for flags; refuses when ambiguous, unknown or flagged."""
        try:
            accounts = client.accounts()
            customer = _pick_account(accounts, account_number)
            number = customer.account.account_number
            attempt.account = mask_account(number)
            balance = client.balances(number)
            status = read_trading_status(client, number)
        except TastytradeError as error:
            raise self._broker_failure(attempt, error, "Reading the account") from None
        except ValidationError:
            raise _refusal(
                GuardCode.ACCOUNT_FLAGS_UNREADABLE,
                "The account's trading status could not be read.",
            ) from None
        found = account_refusals(customer, balance, status, intent.position_effect)
        if found:
            anomalies = [
                self._anomaly(attempt, item, AlertRule.ORDER_ANOMALY)
                for item in found
                if item.code in ACCOUNT_FLAG_ANOMALIES
            ]
            refusals = [item for item in found if item.code not in ACCOUNT_FLAG_ANOMALIES]
            raise _Refused(refusals, anomalies)
        return customer, balance

    def _quotes(self, client: BrokerPort, intent: OrderIntent) -> dict[str, Quote]:
        """Bid/ask of each leg from the broker (opening orders only: the width filter)."""
        if intent.position_effect is PositionEffect.CLOSING:
            return {}
        symbols = [leg.occ for leg in intent.spread.legs]
        try:
            answer = client.quotes(equity_options=symbols)
        except TastytradeError as error:
            raise _refusal(
                GuardCode.QUOTES_UNAVAILABLE,
                f"The legs' quotes could not be read, so the bid/ask filter cannot run: "
                f"{error}",
            ) from None
        quotes = {}
        for item in answer:
            try:
                symbol = parse_occ(item.symbol).occ
            except SymbolError:
                continue
            if item.bid is not None and item.ask is not None and item.ask >= item.bid:
                quotes[symbol] = Quote(bid=item.bid, ask=item.ask)
        return quotes

    def _recent_orders(self, now: datetime) -> list[RecentOrder]:
        """Orders submitted lately, from the audit log (so a restart forgets none)."""
        try:
            entries = self._audit.entries(limit=RECENT_AUDIT_ENTRIES)
        except (sqlite3.Error, ValueError) as error:
            raise _refusal(
                GuardCode.AUDIT_UNREADABLE,
                f"The audit log could not be read for recent orders ({error}).",
            ) from None
        recent = []
        for entry in entries:
            if entry.kind != AuditKind.SUBMIT_ATTEMPT or now - entry.at > RECENT_ORDERS_WINDOW:
                continue
            body = entry.body
            client_id = body.get("client_order_id") or body.get("external_identifier")
            recent.append(
                RecentOrder(
                    client_order_id=str(client_id or "unknown"),
                    submitted_at=entry.at,
                    fingerprint=str(body.get("fingerprint", "")),
                )
            )
        return recent

    def _pretrade(
        self,
        attempt: _Attempt,
        intent: OrderIntent,
        evidence: GuardEvidence,
        halt: HaltState | None,
        balance: Balance,
        quotes: dict[str, Quote],
        stage: str,
        figures: WhatIf | None = None,
        duplicate_is_anomaly: bool = False,
    ) -> PretradeDecision:
        """The pre-trade checks; a denial raises the risk alerts and refuses."""
        effective_halt = (
            halt
            if halt is not None
            else HaltState(
                active=True, reason="the halt state could not be read, so it counts as in force"
            )
        )
        decision = run_pretrade_checks(
            intent,
            settings=self._settings,
            now=attempt.now,
            ladder_level=evidence.ladder_level,
            ramp_stage=evidence.ramp_stage,
            open_positions=_positions_for(evidence, attempt),
            halt=effective_halt,
            recent_orders=self._recent_orders(attempt.now),
            last_loss_at=evidence.last_loss_at,
            net_liquidating_value_usd=balance.net_liquidating_value,
            quotes=quotes,
        )
        self._write(
            attempt,
            AuditKind.GUARD_DECISION,
            {
                "stage": stage,
                "allowed": decision.allowed,
                "codes": [str(c) for c in decision.codes],
                "reasons": [c.sentence for c in decision.denials],
            },
        )
        if decision.allowed:
            return decision
        refusals, anomalies = [], []
        for check in decision.denials:
            found = GuardReason(
                code=str(check.code), sentence=check.sentence, evidence=dict(check.evidence)
            )
            if duplicate_is_anomaly and check.code is ReasonCode.DUPLICATE_ORDER:
                duplicate = reason(
                    GuardCode.DUPLICATE_SUBMIT, f"Duplicate submit refused: {check.sentence}"
                )
                anomalies.append(self._anomaly(attempt, duplicate, AlertRule.ORDER_ANOMALY))
                continue
            refusals.append(found)
        for rule in dict.fromkeys(
            RISK_ALERT_RULES[c] for c in decision.codes if c in RISK_ALERT_RULES
        ):
            self._raise_alert(attempt, rule, decision.sentence)
        raise _Refused(refusals, anomalies, what_if=figures, pretrade=decision)

    def _dry_run(
        self, attempt: _Attempt, client: BrokerPort, customer: CustomerAccount, order: NewOrder
    ) -> OrderResponse:
        """The broker's preflight; anything but a clean answer refuses."""
        number = customer.account.account_number
        self._write(
            attempt,
            AuditKind.PREFLIGHT_REQUEST,
            {
                "method": "POST",
                "path": _masked_path(number, dry_run=True),
                "order": order.to_body(),
            },
        )
        try:
            response = client.dry_run(number, order)
        except PreflightRejected as error:
            figures = what_if(error.response) if error.response is not None else None
            found = reason(
                GuardCode.DRY_RUN_REJECTED,
                "The broker's dry-run refused the order: "
                + ("; ".join(e.describe() for e in error.errors) or error.message)
                + ".",
            )
            self._write_preflight(attempt, "rejected", [found], figures)
            raise _Refused([found], what_if=figures) from None
        except (MalformedResponse, TransportError, ServerError) as error:
            code = (
                GuardCode.DRY_RUN_UNREADABLE
                if isinstance(error, MalformedResponse)
                else GuardCode.DRY_RUN_MISSING
            )
            found = reason(code, f"The broker's dry-run gave no usable answer: {error}")
            self._write_preflight(attempt, "missing", [found], None)
            raise _Refused([], [self._anomaly(attempt, found, AlertRule.ORDER_ANOMALY)]) from None
        except AuthenticationError as error:
            self._write_preflight(attempt, "auth_failed", [], None)
            raise self._broker_failure(attempt, error, "The dry-run") from None
        except TastytradeApiError as error:
            code = (
                GuardCode.BROKER_RATE_LIMITED
                if isinstance(error, RateLimited)
                else GuardCode.DRY_RUN_REJECTED
            )
            found = reason(code, f"The broker's dry-run refused the order: {error}")
            self._write_preflight(attempt, "refused", [found], None)
            raise _Refused([found]) from None
        except TastytradeError as error:
            found = reason(GuardCode.DRY_RUN_MISSING, f"The dry-run could not be sent: {error}")
            self._write_preflight(attempt, "not_sent", [found], None)
            raise _Refused([found]) from None
        refusals, anomalies = dry_run_findings(response, order)
        figures = what_if(response)
        self._write_preflight(attempt, "answered", [*refusals, *anomalies], figures)
        if anomalies:
            raised = [self._anomaly(attempt, a, AlertRule.ORDER_ANOMALY) for a in anomalies]
            raise _Refused(refusals, raised, what_if=figures)
        if refusals:
            raise _Refused(refusals, what_if=figures)
        return response

    def _write_preflight(
        self,
        attempt: _Attempt,
        outcome: str,
        findings: Sequence[GuardReason],
        figures: WhatIf | None,
    ) -> None:
        self._write(
            attempt,
            AuditKind.PREFLIGHT_RESULT,
            {
                "outcome": outcome,
                "codes": [f.code for f in findings],
                "findings": [f.sentence for f in findings],
                "what_if": None if figures is None else figures.model_dump(mode="json"),
            },
        )

    def _target_binding(
        self, attempt: _Attempt, decision: ModeDecision, account_number: str
    ) -> TargetBinding:
        return TargetBinding(
            account_number=account_number,
            method="POST",
            path=f"/accounts/{account_number}/orders",
            host=attempt.host or "",
            mode=decision.label,
        )

    # -- alerts, latch, anomalies ----------------------------------------------------------

    def _raise_alert(self, attempt: _Attempt, rule: AlertRule, message: str) -> int | None:
        """Store a HIGH alert (and its halt) and audit it; None when the store failed."""
        try:
            alert = self._alerts.raise_alert(rule, message, order_ref=attempt.correlation_id)
        except sqlite3.Error as error:
            logger.error("HIGH alert %s could not be stored: %s", rule, error)
            return None
        halt = self._read_halt(attempt.now)
        self._write(
            attempt,
            AuditKind.HALT,
            {
                "alert_id": alert.id,
                "rule": str(rule),
                "message": message,
                "halt_until": (
                    None if halt is None or halt.until is None else halt.until.isoformat()
                ),
            },
        )
        return alert.id

    def _set_latch(self, attempt: _Attempt, triggers: Sequence[RollbackTrigger]) -> None:
        try:
            before = self._latch.state()
            after = self._latch.set(triggers, attempt.now)
        except sqlite3.Error as error:
            logger.error("the rollback latch could not be set: %s", error)
            return
        if set(after.codes) != set(before.codes) or before.active != after.active:
            self._write(
                attempt,
                AuditKind.LATCH,
                {"active": after.active, "codes": [str(c) for c in after.codes]},
            )

    def _anomaly(self, attempt: _Attempt, found: GuardReason, rule: AlertRule) -> GuardReason:
        """Raise the HIGH alert and set the rollback latch for an anomaly; return it."""
        alert_id = self._raise_alert(attempt, rule, found.sentence)
        code = (
            TriggerCode.AUTH_ANOMALY
            if rule is AlertRule.AUTH_ANOMALY
            else TriggerCode.ORDER_ANOMALY
        )
        trigger = RollbackTrigger(
            code=code,
            sentence=found.sentence,
            evidence={"alert_id": str(alert_id), "reason": found.code},
        )
        self._set_latch(attempt, [trigger])
        return found.model_copy(update={"evidence": {**found.evidence, "alert_id": str(alert_id)}})

    # -- place -----------------------------------------------------------------------------

    def place(
        self,
        token: str,
        *,
        intent: OrderIntent,
        confirmed_by_person: bool,
        account_number: str | None = None,
    ) -> Placement:
        """Send the confirmed order once: only in SANDBOX or LIVE (or SIM), only for the exact
        order, account, host and mode the token was minted for, after every check again."""
        with self._lock:
            correlation = self._confirmations.peek(token) or _new_id()
            attempt = _Attempt(correlation_id=correlation, now=self._now())
            attempt.order_text = intent.fingerprint
            try:
                return self._place(attempt, token, intent, confirmed_by_person, account_number)
            except _Refused as refused:
                return self._refused_placement(attempt, refused)
            except AuditWriteError as error:
                found = self._audit_failed(attempt, error)
                placed = self._placed.get(attempt.correlation_id)
                if attempt.submitted and placed is not None:
                    # The POST went out: report the order, never "nothing was sent".
                    outcome = (
                        PlacementOutcome.UNKNOWN
                        if placed.order_id is None
                        else PlacementOutcome.WORKING
                    )
                    return self._placement(attempt, placed, outcome, [], [found])
                return self._refused_placement(attempt, _Refused([found]))

    def _place(
        self,
        attempt: _Attempt,
        token: str,
        intent: OrderIntent,
        confirmed_by_person: bool,
        account_number: str | None,
    ) -> Placement:
        decision, evidence, halt = self._decide(attempt)
        self._write(
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
            raise _refusal(
                GuardCode.NOT_CONFIRMED_BY_PERSON,
                "The order was not confirmed by a person; nothing was sent.",
            )
        self._require_intact_chain(attempt, intent)
        order = _build_order(intent)
        client = self._client(attempt, decision.target)
        pending = self._pending.get(attempt.correlation_id)
        number = account_number or (pending.account_number if pending else None)
        if number is None:
            try:
                number = _pick_account(client.accounts(), None).account.account_number
            except TastytradeError as error:
                raise self._broker_failure(attempt, error, "Reading the account") from None
        # The token is checked before the account is read: a changed mode, host or account is
        # refused for what it is, and the token is burned either way.
        target = self._target_binding(attempt, decision, number)
        try:
            redeemed = self._confirmations.redeem(token, order_binding(order), target)
        except ConfirmationRefused as refused:
            found = reason(refused.code, refused.message)
            self._write(
                attempt,
                AuditKind.CONFIRMATION,
                {"stage": "refused", "code": str(refused.code), "reason": refused.message},
            )
            if refused.code is RefusalCode.CONFIRMATION_REPLAYED:
                duplicate = reason(
                    GuardCode.DUPLICATE_SUBMIT,
                    f"Duplicate submit refused: {refused.message}",
                )
                raise _Refused(
                    [found], [self._anomaly(attempt, duplicate, AlertRule.ORDER_ANOMALY)]
                ) from None
            raise _Refused([found]) from None
        self._write(
            attempt,
            AuditKind.CONFIRMATION,
            {
                "stage": "accepted",
                "confirmation_ref": redeemed.reference,
                "binding_sha256": redeemed.binding_digest,
            },
        )
        if pending is None:
            raise _refusal(
                GuardCode.PREVIEW_NOT_FOUND,
                "The preview of this confirmation is gone; preview the order again.",
            )
        customer, balance = self._account(attempt, client, number, intent)
        if not decision.submits(intent.position_effect):
            raise _refusal(
                GuardCode.BLOCKED_BY_DRY_RUN,
                f"Blocked by dry-run ({decision.label}): nothing was placed.",
            )
        evidence = self._require_evidence(attempt, evidence)
        self._require_close_link(attempt, intent, pending.closes_trade_id)
        quotes = self._quotes(client, intent)
        self._pretrade(
            attempt,
            pending.intent,
            evidence,
            halt,
            balance,
            quotes,
            "pretrade_before_submit",
            pending.what_if,
            duplicate_is_anomaly=True,
        )
        return self._submit(
            attempt, decision, client, number, _build_order(pending.intent), pending
        )

    def _submit(
        self,
        attempt: _Attempt,
        decision: ModeDecision,
        client: BrokerPort,
        number: str,
        order: NewOrder,
        pending: _Pending,
    ) -> Placement:
        """The one POST to `/orders`, then what the broker says."""
        external_id = order.external_identifier or pending.intent.client_order_id
        self._write(
            attempt,
            AuditKind.SUBMIT_ATTEMPT,
            {
                "method": "POST",
                "path": _masked_path(number),
                "client_order_id": pending.intent.client_order_id,
                "external_identifier": external_id,
                "fingerprint": pending.intent.fingerprint,
                "order": order.to_body(),
            },
        )
        self._pending.pop(attempt.correlation_id, None)
        placed = _Placed(
            pending=pending,
            target=decision.target,
            mode_label=decision.label,
            host=attempt.host,
            order_id=None,
            external_identifier=external_id,
        )
        self._placed[attempt.correlation_id] = placed
        attempt.submitted = True
        try:
            result = client.place_order(number, order)
        except OrderOutcomeUnknown as error:
            return self._unknown_outcome(attempt, placed, str(error))
        except ServerError as error:
            return self._server_error_outcome(attempt, client, number, placed, error)
        except TastytradeError as error:
            return self._submit_refused(attempt, placed, error)
        return self._after_submit(attempt, client, number, order, placed, result)

    def _submit_refused(
        self, attempt: _Attempt, placed: _Placed, error: TastytradeError
    ) -> Placement:
        """The broker answered the POST with an error: the order was not accepted."""
        self._write_answer(attempt, "error", {"error": str(error)})
        if isinstance(error, AuthenticationError):
            found, anomaly = self._read_error(error, _target_of(attempt))
            anomalies = [self._anomaly(attempt, found, AlertRule.AUTH_ANOMALY)] if anomaly else []
            refusals = [] if anomaly else [found]
            return self._placement(attempt, placed, PlacementOutcome.REFUSED, refusals, anomalies)
        if isinstance(error, RateLimited):
            found = reason(GuardCode.BROKER_RATE_LIMITED, f"The order was not accepted: {error}")
            return self._placement(attempt, placed, PlacementOutcome.REFUSED, [found], [])
        if not isinstance(error, TastytradeApiError):
            # Raised before the POST left (login, transport, a request the client refused).
            found = reason(GuardCode.BROKER_ERROR, f"The order was not sent: {error}")
            return self._placement(attempt, placed, PlacementOutcome.REFUSED, [found], [])
        found = reason(GuardCode.ORDER_REJECTED, f"The broker rejected the order: {error}")
        anomaly = self._anomaly(attempt, found, AlertRule.ORDER_ANOMALY)
        return self._placement(attempt, placed, PlacementOutcome.REJECTED, [], [anomaly])

    def _unknown_outcome(self, attempt: _Attempt, placed: _Placed, detail: str) -> Placement:
        self._write_answer(attempt, "unknown", {"detail": detail})
        found = reason(
            GuardCode.ORDER_OUTCOME_UNKNOWN,
            f"The order's fate is unknown: {detail}",
            external_identifier=placed.external_identifier,
        )
        anomaly = self._anomaly(attempt, found, AlertRule.ORDER_ANOMALY)
        return self._placement(attempt, placed, PlacementOutcome.UNKNOWN, [], [anomaly])

    def _server_error_outcome(
        self,
        attempt: _Attempt,
        client: BrokerPort,
        number: str,
        placed: _Placed,
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
        placed.anomalies.append(self._anomaly(attempt, finding, AlertRule.ORDER_ANOMALY))
        return self._reconcile_order(attempt, client, number, placed, found_order)

    def _write_answer(self, attempt: _Attempt, outcome: str, body: dict[str, Any]) -> bool:
        """Audit the broker's answer; after a POST the order exists, so a failed write is
        raised as an alert and reported, never used to hide the order."""
        try:
            self._write(attempt, AuditKind.BROKER_ANSWER, {"outcome": outcome, **body})
            return True
        except AuditWriteError as error:
            self._audit_failed(attempt, error)
            return False

    def _after_submit(
        self,
        attempt: _Attempt,
        client: BrokerPort,
        number: str,
        order: NewOrder,
        placed: _Placed,
        result: OrderPlacement,
    ) -> Placement:
        answer = result.order
        placed.order_id = answer.id
        audited = self._write_answer(
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
        mismatch = echo_mismatch(answer, order)
        if mismatch is not None:
            found = reason(
                GuardCode.ORDER_MISMATCH,
                f"The broker's copy of order {answer.id} differs from what was sent: {mismatch}.",
            )
            placed.anomalies.append(self._anomaly(attempt, found, AlertRule.ORDER_ANOMALY))
        status = submit_status_finding(answer)
        if status is not None:
            placed.anomalies.append(self._anomaly(attempt, status, AlertRule.ORDER_ANOMALY))
            return self._placement(attempt, placed, placement_outcome(answer), [], [], answer)
        if answer.id is None:
            return self._placement(attempt, placed, placement_outcome(answer), [], [], answer)
        return self._reconcile_order(attempt, client, number, placed, None)

    # -- reconcile -------------------------------------------------------------------------

    def reconcile(self, correlation_id: str) -> Placement:
        """Re-read a placed order; journal it once it is filled (reads only, never resends)."""
        with self._lock:
            attempt = _Attempt(correlation_id=correlation_id, now=self._now())
            placed = self._placed.get(correlation_id)
            if placed is None:
                found = reason(
                    GuardCode.ORDER_NOT_FOUND,
                    f"No order placed in this cockpit session has correlation id "
                    f"{correlation_id}.",
                )
                return self._refused_placement(attempt, _Refused([found]))
            attempt.host = placed.host
            attempt.mode_text = placed.mode_label
            attempt.submitted = True
            try:
                client = self._clients(placed.target)
                number = placed.pending.account_number
                return self._reconcile_order(attempt, client, number, placed, None)
            except BrokerUnavailable as error:
                found = reason(GuardCode.BROKER_UNAVAILABLE, str(error))
                return self._placement(attempt, placed, PlacementOutcome.UNKNOWN, [found], [])
            except AuditWriteError as error:
                found = self._audit_failed(attempt, error)
                return self._placement(attempt, placed, PlacementOutcome.UNKNOWN, [found], [])

    def _reconcile_order(
        self,
        attempt: _Attempt,
        client: BrokerPort,
        number: str,
        placed: _Placed,
        known: Order | None,
    ) -> Placement:
        """Read the order's status and fills; check the fill; journal a complete fill."""
        order = known
        if order is None:
            if placed.order_id is None:
                return self._placement(attempt, placed, PlacementOutcome.UNKNOWN, [], [])
            try:
                order = client.order(number, placed.order_id)
            except TastytradeError as error:
                found = reason(
                    GuardCode.BROKER_ERROR,
                    f"Order {placed.order_id} was placed but its status could not be read: "
                    f"{error}",
                )
                return self._placement(attempt, placed, PlacementOutcome.WORKING, [found], [])
        placed.order_id = order.id
        later = later_status_finding(order)
        if later is not None and not any(a.code == later.code for a in placed.anomalies):
            placed.anomalies.append(self._anomaly(attempt, later, AlertRule.ORDER_ANOMALY))
        outcome = placement_outcome(order)
        if outcome is PlacementOutcome.FILLED and not placed.fill_recorded:
            self._record_fill(attempt, placed, order)
        return self._placement(attempt, placed, outcome, [], [], order)

    def _record_fill(self, attempt: _Attempt, placed: _Placed, order: Order) -> None:
        intent = placed.pending.intent
        net = net_fill_per_unit(order)
        if net is None:
            return
        placed.fill_recorded = True
        finding = fill_finding(intent.limit_price, intent.spread.price_effect.value, net, order.id)
        if finding is not None and not any(a.code == finding.code for a in placed.anomalies):
            placed.anomalies.append(self._anomaly(attempt, finding, AlertRule.ORDER_ANOMALY))
        filled_at = max(
            (f.filled_at for leg in order.legs for f in leg.fills if f.filled_at is not None),
            default=attempt.now,
        )
        try:
            self._write(
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
            placed.anomalies.append(self._audit_failed(attempt, error))
        if self._journal is None:
            return
        try:
            trade = journal_fill(
                self._journal,
                FilledOrder(
                    spread=placed.pending.intent.spread,
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
        except (
            Exception
        ) as error:  # the order is filled: any failure here must be shown, not raised
            logger.exception("order %s filled but could not be journaled", order.id)
            found = reason(
                GuardCode.JOURNAL_WRITE_FAILED,
                f"Order {order.id} filled but could not be journaled: {error}. Journal it by "
                "hand or import the broker's CSV.",
            )
            try:
                self._alerts.raise_alert(
                    AlertRule.JOURNAL_WRITE_FAILURE, found.sentence, order_ref=str(order.id)
                )
            except sqlite3.Error as alert_error:
                logger.error("journal failure alert could not be stored: %s", alert_error)
            placed.anomalies.append(found)
            return
        placed.journal_trade_id = trade.id

    def _placement(
        self,
        attempt: _Attempt,
        placed: _Placed,
        outcome: PlacementOutcome,
        reasons: Sequence[GuardReason],
        anomalies: Sequence[GuardReason],
        order: Order | None = None,
    ) -> Placement:
        all_anomalies = _unique([*placed.anomalies, *anomalies])
        intent = placed.pending.intent
        net = None if order is None else net_fill_per_unit(order)
        filled, units = (0, 0) if order is None else filled_units(order)
        status = None if order is None else order.status
        text = {
            PlacementOutcome.FILLED: f"Filled at {abs(net or 0):.2f} per spread"
            + (
                f"; journaled as trade {placed.journal_trade_id}."
                if placed.journal_trade_id
                else "; not journaled (see below)." if self._journal is not None else "."
            ),
            PlacementOutcome.PARTIALLY_FILLED: f"Partially filled: {filled} of {units} unit(s); "
            "it is journaled once complete.",
            PlacementOutcome.WORKING: f"Working at the broker ({status}); refresh to see fills.",
            PlacementOutcome.CANCELLED: f"The order ended {status}.",
            PlacementOutcome.REJECTED: "Rejected by the broker.",
            PlacementOutcome.UNKNOWN: "Its fate is unknown: do not resend it; check the "
            "broker's live orders for this identifier.",
            PlacementOutcome.REFUSED: "Not accepted by the broker.",
        }.get(outcome, "")
        extra = " ".join(r.sentence for r in (*reasons, *all_anomalies))
        return Placement(
            outcome=outcome,
            correlation_id=attempt.correlation_id,
            mode=placed.mode_label,
            target_host=placed.host,
            account=mask_account(placed.pending.account_number),
            order_id=placed.order_id,
            external_identifier=placed.external_identifier,
            status=status,
            limit_price=intent.limit_price,
            fill_price=net,
            journal_trade_id=placed.journal_trade_id,
            reasons=tuple(reasons),
            anomalies=all_anomalies,
            message=f"Order {placed.order_id or placed.external_identifier} "
            f"({placed.mode_label}, {placed.host}): {text} {extra}".strip(),
        )

    def _refused_placement(self, attempt: _Attempt, refused: _Refused) -> Placement:
        sentences = " ".join(r.sentence for r in (*refused.reasons, *refused.anomalies))
        return Placement(
            outcome=PlacementOutcome.REFUSED,
            correlation_id=attempt.correlation_id,
            mode=attempt.mode_label,
            target_host=attempt.host,
            account=attempt.account,
            reasons=refused.reasons,
            anomalies=refused.anomalies,
            message=f"Refused, nothing was sent: {sentences}",
        )

    # -- cancel ----------------------------------------------------------------------------

    def cancel(
        self,
        order_id: int,
        *,
        correlation_id: str | None = None,
        account_number: str | None = None,
    ) -> CancelResult:
        """Ask the broker to cancel a working order (allowed in every mode: it takes risk off).

        With the `correlation_id` of a placement, the cancel goes to the broker and account that
        order went to; otherwise to the current mode's target.
        """
        with self._lock:
            attempt = _Attempt(correlation_id=correlation_id or _new_id(), now=self._now())
            try:
                return self._cancel(attempt, order_id, correlation_id, account_number)
            except _Refused as refused:
                return CancelResult(
                    outcome=CancelOutcome.REFUSED,
                    correlation_id=attempt.correlation_id,
                    order_id=order_id,
                    reasons=refused.reasons + refused.anomalies,
                    message="Cancel not sent: "
                    + " ".join(r.sentence for r in (*refused.reasons, *refused.anomalies)),
                )
            except AuditWriteError as error:
                found = self._audit_failed(attempt, error)
                return CancelResult(
                    outcome=CancelOutcome.REFUSED,
                    correlation_id=attempt.correlation_id,
                    order_id=order_id,
                    reasons=(found,),
                    message=f"Cancel not sent: {found.sentence}",
                )

    def _cancel(
        self,
        attempt: _Attempt,
        order_id: int,
        correlation_id: str | None,
        account_number: str | None,
    ) -> CancelResult:
        decision, _, _ = self._decide(attempt)
        placed = self._placed.get(correlation_id) if correlation_id else None
        target = placed.target if placed is not None else decision.target
        client = self._client(attempt, target)
        if placed is not None and account_number is None:
            account_number = placed.pending.account_number
        try:
            customer = _pick_account(client.accounts(), account_number)
        except TastytradeError as error:
            raise self._broker_failure(attempt, error, "Reading the account") from None
        number = customer.account.account_number
        attempt.account = mask_account(number)
        self._write(
            attempt,
            AuditKind.CANCEL,
            {"stage": "request", "order_id": order_id, "path": _masked_path(number, order_id)},
        )
        try:
            answer = client.cancel_order(number, order_id)
        except TastytradeError as error:
            self._write(attempt, AuditKind.CANCEL, {"stage": "refused", "error": str(error)})
            raise _Refused(
                [reason(GuardCode.CANCEL_REFUSED, f"The broker refused the cancel: {error}")]
            ) from None
        self._write(
            attempt,
            AuditKind.CANCEL,
            {"stage": "answered", "order_id": order_id, "status": answer.status},
        )
        outcome = (
            CancelOutcome.CANCELLED
            if answer.status == "Cancelled"
            else CancelOutcome.CANCEL_REQUESTED
        )
        return CancelResult(
            outcome=outcome,
            correlation_id=attempt.correlation_id,
            order_id=order_id,
            status=answer.status,
            message=f"Order {order_id}: {answer.status} ({target}, {attempt.host}).",
        )

    # -- sandbox validation ----------------------------------------------------------------

    def run_sandbox_validation(
        self, progress: Callable[[ValidationProgress], None] | None = None
    ) -> SandboxValidationRecord:
        """Checklist s4 against the sandbox (or the simulator without sandbox credentials).

        The order is placed (then cancelled or closed) only when practice orders would be
        placed now: ALWAYS_DRY_RUN=false, no halt, no latch. Never touches LIVE.
        """
        if self._sandbox_store is None:
            raise RuntimeError("no sandbox validation store was given to the guard")
        with self._lock:
            attempt = _Attempt(correlation_id=_new_id(), now=self._now())
            halt, latch = self._read_halt(attempt.now), self._read_latch()
            practice = resolve_mode(
                self._intent.model_copy(update={"use_live": False}),
                gates=None,
                sandbox=None,
                halt=halt,
                latch=latch,
                now=attempt.now,
            )
            attempt.decision = practice
            mode = (
                SandboxMode.SANDBOX if practice.target is BrokerTarget.SANDBOX else SandboxMode.SIM
            )
            try:
                client = self._clients(practice.target)
            except BrokerUnavailable as error:
                return self._sandbox_store.record(
                    SandboxValidationRecord(
                        passed=False,
                        ran_at=attempt.now,
                        mode=mode,
                        steps=(SandboxStep(name="target", passed=False, detail=str(error)),),
                    )
                )
            attempt.host = host_of(client)
            return run_sandbox_validation(
                client,
                settings=self._settings,
                mode=mode,
                place_order=not practice.dry_run,
                audit=self._audit,
                store=self._sandbox_store,
                correlation_id=attempt.correlation_id,
                effective_mode=practice.label,
                progress=progress,
                clock=self._clock,
            )

    # -- small helpers ---------------------------------------------------------------------

    def _now(self) -> datetime:
        return to_utc(self._clock())

    def _forget_old_pending(self, now: datetime) -> None:
        stale = [cid for cid, p in self._pending.items() if now - p.created_at > PENDING_KEEP]
        for cid in stale:
            del self._pending[cid]


def _refusal(code: str, sentence: str, **evidence: object) -> _Refused:
    """A refusal with one reason."""
    return _Refused([reason(code, sentence, **evidence)])


def _unique(reasons: Sequence[GuardReason]) -> tuple[GuardReason, ...]:
    """Reasons without repeats (same code and sentence), first seen first."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for item in reasons:
        if (item.code, item.sentence) not in seen:
            seen.add((item.code, item.sentence))
            kept.append(item)
    return tuple(kept)


def _close_mismatch(trade: Any, intent: OrderIntent, target: BrokerTarget | None) -> str | None:
    """Why a closing order does not close exactly this journaled trade (None when it does)."""
    if trade.closed_at is not None:
        return "it is already closed"
    if target is None or trade.mode is not MODE_OF_TARGET[target]:
        return f"it ran in {trade.mode} and this order goes to {target}"
    expected = sorted(
        (leg.occ_symbol, leg.action.closing_counterpart.value, leg.quantity) for leg in trade.legs
    )
    given = sorted((leg.occ, leg.action.value, leg.quantity) for leg in intent.spread.legs)
    if expected != given:
        return "its legs are " + "; ".join(f"{a} {q} {s}" for s, a, q in expected)
    return None


def _positions_for(evidence: GuardEvidence, attempt: _Attempt) -> tuple[OpenPosition, ...]:
    """The open spreads of the mode this order runs in (all of them before a decision)."""
    if attempt.decision is None:
        return evidence.open_positions
    return evidence.positions_for(MODE_OF_TARGET[attempt.decision.target])


def _target_of(attempt: _Attempt) -> BrokerTarget | None:
    return None if attempt.decision is None else attempt.decision.target


def _new_id() -> str:
    return uuid.uuid4().hex


def _masked_path(account_number: str, order_id: int | None = None, *, dry_run: bool = False) -> str:
    path = f"/accounts/{mask_account(account_number)}/orders"
    if dry_run:
        return path + "/dry-run"
    return path if order_id is None else f"{path}/{order_id}"


def _build_order(intent: OrderIntent) -> NewOrder:
    """The tastytrade order body for the intent (its client order id is the external id)."""
    try:
        return build_spread_order(
            intent.spread.to_order_legs(),
            price=intent.spread.price,
            price_effect=intent.spread.price_effect.value,  # type: ignore[arg-type]
            external_identifier=intent.client_order_id,
        )
    except TastytradeError as error:
        raise _refusal(GuardCode.ORDER_NOT_BUILDABLE, str(error)) from None


def _pick_account(accounts: Sequence[CustomerAccount], wanted: str | None) -> CustomerAccount:
    if wanted is not None:
        for customer in accounts:
            if customer.account.account_number == wanted:
                return customer
        raise _refusal(
            GuardCode.ACCOUNT_NOT_FOUND,
            f"Account {mask_account(wanted)} is not among this login's accounts.",
        )
    if len(accounts) == 1:
        return accounts[0]
    if not accounts:
        raise _refusal(GuardCode.ACCOUNT_NOT_FOUND, "This login has no account.")
    shown = ", ".join(mask_account(c.account.account_number) for c in accounts)
    raise _refusal(
        GuardCode.ACCOUNT_AMBIGUOUS, f"This login has several accounts ({shown}): pick one."
    )
