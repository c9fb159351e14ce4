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
    guard.order_book(account_number=None, reconcile=True) -> OrderBook  # working orders, fills
    guard.sync_fills(account_number=None, progress=None) -> SyncReport # transactions -> journal
    guard.accounts() / guard.choose_account(ref) -> AccountChoice      # the session's account
    guard.position_market(mode, underlying, symbols) -> PositionMarket
        # live quotes and tick sizes from the broker of a `mode` position (a closing ticket)
    guard.run_sandbox_validation(progress=None) -> SandboxValidationRecord
    guard.audit_chain(full=False) -> AuditVerification
    guard.close()

`provide_evidence(now) -> GuardEvidence` is the app's bridge to the journal and the judge
(`utils.broker.evidence.guard_evidence(gather_evidence(...))` builds it). If it raises, LIVE
stays locked and the order is refused. Stores not passed to `open` are opened in the data folder.

The gate decides, the executor sends. Each call takes the guard's lock, opens an `Attempt` (one
correlation id for all its audit entries) and runs one stage; a step that refuses raises
`Refused`, which the facade words as the answer (`utils.broker.answers`). The parts:

    mode_reader   evidence, halt and latch -> the effective mode (utils.judge.mode, pure)
    gatekeeper    the checks preview and place share: evidence, a close's route and link,
                  account, the broker's positions for a close, quotes, pre-trade checks
    decisions     the pure verdicts (what is refused, what is an anomaly, which alert)
    recorder      the audit log, HIGH alerts, the rollback latch, the audit chain
    preview       checks -> `/orders/dry-run` -> blocked, or a confirmation token
    place         confirmation -> checks again -> the one POST to `/orders` (the only sender)
    reconcile     status and fills -> journal; cancel
    order_book    working orders (broker + audit log), reconciled after a restart too
    broker_sync   the account's transactions -> the tastytrade import's assembly -> journal
    status        the Broker card's reading of accounts, balances and positions

A failed audit write refuses the order before anything is sent; after the POST it is reported as
an anomaly beside the order, never as "nothing was sent". Anomalies each raise a HIGH alert and
set the rollback latch: an auth failure against LIVE, a rejected or unexpectedly stated order,
an order echo that differs from what was sent, a fill far from the limit, a duplicate submit (a
replayed token, or the same order sent again), an order whose fate is unknown, account flags
(closed, frozen, closing-only, margin call), and a missing or unreadable dry-run answer. Orders
refused for risk at placement (not defined-risk, over the ladder cap, over 20 % on one
underlying, over the concurrency cap, an entry placed during a halt) raise their HIGH alert too;
a refused preview is a question: it shows its reasons and is audited, with no alert and no halt.
Cancels always pass to the broker the order was sent to: they only take risk off. Closing orders
go to the broker holding the trade they close, whatever the mode for entries, once it confirms
the position (`utils.broker.close_route`).

The audit chain is checked in full when the guard is built (the app's start-up), and cheaply
before every preview and placement (the entries written since the last check, plus the last
verified one; the whole chain again when another connection wrote to the log). A broken chain
refuses every opening order (AUDIT_CHAIN_BROKEN) and raises one HIGH alert per cause per
session; closing orders and cancels still pass, audited as ever.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from utils.broker.answers import (
    refused_cancel,
    refused_placement,
    refused_preview,
    status_error,
)
from utils.broker.attempt import Attempt, Refused, new_correlation_id
from utils.broker.clients import (
    BrokerClients,
    BrokerPort,
    BrokerUnavailable,
    ClientFactory,
    host_of,
)
from utils.broker.confirmation import ConfirmationBook
from utils.broker.decisions import broker_error_verdict
from utils.broker.gatekeeper import Gatekeeper
from utils.broker.in_flight import InFlight
from utils.broker.mode_reader import ModeReader
from utils.broker.models import (
    BrokerStatus,
    CancelResult,
    EvidenceProvider,
    GuardCode,
    Placement,
    PlacementOutcome,
    Preview,
    TradePlan,
    reason,
)
from utils.broker.place import PlaceStage
from utils.broker.position_market import PositionMarket, position_market
from utils.broker.order_intent import OrderIntent
from utils.broker.preview import PreviewStage
from utils.broker.reconcile import ReconcileStage
from utils.broker.account_choice import AccountChoice, AccountPicker
from utils.broker.broker_sync import SyncReport, SyncStage
from utils.broker.order_book import OrderBook, OrderBookStage
from utils.broker.recorder import Recorder
from utils.broker.sandbox_validation import ValidationProgress, run_sandbox_validation
from utils.broker.status import read_broker_status
from utils.core.config import Settings
from utils.core.sessions import Clock, to_utc, utc_now
from utils.records.latch import RollbackLatchStore
from utils.journal.trade import Mode
from utils.judge.mode import BrokerTarget, ModeDecision, ModeIntent, resolve_mode, sandbox_problem
from utils.records.alerts import AlertStore
from utils.records.audit import AuditLog, AuditVerification, AuditWriteError
from utils.records.sandbox import (
    SandboxMode,
    SandboxStep,
    SandboxValidationRecord,
    SandboxValidationStore,
)
from utils.tastytrade.errors import TastytradeError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GuardStages:
    """The guard's parts, wired once over the same stores, clients and orders in flight."""

    recorder: Recorder
    modes: ModeReader
    confirmations: ConfirmationBook
    in_flight: InFlight
    preview: PreviewStage
    place: PlaceStage
    reconcile: ReconcileStage
    order_book: OrderBookStage
    sync: SyncStage
    accounts: AccountPicker

    @classmethod
    def wire(
        cls,
        settings: Settings,
        *,
        audit: AuditLog,
        alerts: AlertStore,
        latch: RollbackLatchStore,
        evidence: EvidenceProvider,
        clients: ClientFactory,
        journal: Any = None,
        clock: Clock = utc_now,
    ) -> GuardStages:
        """Every stage over these stores and clients, sharing one trail and one in-flight book."""
        recorder = Recorder(audit, alerts, latch)
        modes = ModeReader(
            ModeIntent.from_settings(settings),
            evidence=evidence,
            recorder=recorder,
            clients=clients,
        )
        gate = Gatekeeper(settings, recorder=recorder, clients=clients, journal=journal)
        confirmations = ConfirmationBook(settings.confirmation_ttl_s, clock=clock)
        in_flight = InFlight()
        reconcile = ReconcileStage(
            modes=modes,
            gate=gate,
            recorder=recorder,
            clients=clients,
            in_flight=in_flight,
            journal=journal,
        )
        preview = PreviewStage(
            modes=modes,
            gate=gate,
            recorder=recorder,
            confirmations=confirmations,
            in_flight=in_flight,
        )
        place = PlaceStage(
            modes=modes,
            gate=gate,
            recorder=recorder,
            confirmations=confirmations,
            in_flight=in_flight,
            reconcile=reconcile,
        )
        order_book = OrderBookStage(
            modes=modes,
            gate=gate,
            recorder=recorder,
            clients=clients,
            in_flight=in_flight,
            reconcile=reconcile,
        )
        sync = SyncStage(modes=modes, gate=gate, recorder=recorder, journal=journal)
        return cls(
            recorder=recorder,
            modes=modes,
            confirmations=confirmations,
            in_flight=in_flight,
            preview=preview,
            place=place,
            reconcile=reconcile,
            order_book=order_book,
            sync=sync,
            accounts=AccountPicker(modes=modes, gate=gate, recorder=recorder),
        )


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
    ) -> None:
        self._settings = settings
        self._clients = clients
        self._journal = journal
        self._sandbox_store = sandbox_store
        self._clock = clock
        self._stages = GuardStages.wire(
            settings,
            audit=audit,
            alerts=alerts,
            latch=latch,
            evidence=evidence,
            clients=clients,
            journal=journal,
            clock=clock,
        )
        self._lock = threading.RLock()
        self._owned: list[Any] = []
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
        return self._stages.recorder.audit

    def close(self) -> None:
        """Close what `open` opened (stores and the simulator)."""
        for item in self._owned:
            item.close()
        self._owned = []

    def _attempt(self, correlation_id: str | None = None) -> Attempt:
        return Attempt(
            correlation_id=correlation_id or new_correlation_id(), now=to_utc(self._clock())
        )

    def audit_chain(self, *, full: bool = False) -> AuditVerification:
        """Check the audit chain and its anchor now (see the module docstring); a broken chain
        raises its HIGH alert once per cause and session. Does not wait for an order in flight."""
        recorder = self._stages.recorder
        check = recorder.audit.check_chain(full=full)
        try:
            recorder.alert_broken_chain(self._attempt(), check)
        except AuditWriteError as error:
            logger.error("the audit chain's alert could not be audited: %s", error)
        return check

    def mode(self) -> ModeDecision:
        """The effective mode now (read only: nothing is written, nothing is sent)."""
        with self._lock:
            return self._stages.modes.read(self._attempt(), audit=False).decision

    def market_client(self) -> BrokerPort:
        """The client of the effective mode's broker, for chains and quotes (reads only);
        BrokerUnavailable when it cannot be built."""
        return self._clients(self.mode().target)

    def status(self) -> BrokerStatus:
        """Requested vs effective mode and the target's accounts, balances and positions.

        Reads only (GET): works in every mode, LIVE (dry-run) included (checklist s5).
        """
        with self._lock:
            attempt = self._attempt()
            try:
                return self._status(attempt)
            except AuditWriteError as error:
                decision = attempt.decision or resolve_mode(
                    self._stages.modes.intent,
                    gates=None,
                    sandbox=None,
                    halt=None,
                    latch=None,
                    now=attempt.now,
                )
                found = reason(GuardCode.AUDIT_WRITE_FAILED, str(error))
                return status_error(decision, attempt, found)

    def _status(self, attempt: Attempt) -> BrokerStatus:
        decision = self._stages.modes.read(attempt).decision
        try:
            client = self._clients(decision.target)
        except BrokerUnavailable as error:
            found = reason(GuardCode.BROKER_UNAVAILABLE, f"{decision.target}: {error}")
            return status_error(decision, attempt, found)
        attempt.host = host_of(client)
        try:
            return read_broker_status(decision, client, attempt)
        except TastytradeError as error:
            verdict = broker_error_verdict(error, decision.target)
            refusals, anomalies = self._stages.recorder.record(attempt, verdict)
            (found,) = (*refusals, *anomalies)  # a refusal, or the auth anomaly against LIVE
            return status_error(decision, attempt, found)
        except ValidationError:
            found = reason(
                GuardCode.ACCOUNT_FLAGS_UNREADABLE, "The account's trading status is unreadable."
            )
            return status_error(decision, attempt, found)

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
            attempt = self._attempt()
            attempt.order_text = intent.fingerprint
            try:
                return self._stages.preview.preview(
                    attempt, intent, account_number, closes_trade_id, plan
                )
            except Refused as refused:
                return refused_preview(attempt, refused)
            except AuditWriteError as error:
                found = self._stages.recorder.audit_failed(attempt, error)
                return refused_preview(attempt, Refused([found]))

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
        stages = self._stages
        with self._lock:
            attempt = self._attempt(stages.confirmations.peek(token))
            attempt.order_text = intent.fingerprint
            try:
                cleared = stages.place.clear(
                    attempt, token, intent, confirmed_by_person, account_number
                )
                return stages.place.submit(attempt, cleared)
            except Refused as refused:
                return refused_placement(attempt, refused)
            except AuditWriteError as error:
                found = stages.recorder.audit_failed(attempt, error)
                placed = stages.in_flight.placed.get(attempt.correlation_id)
                if attempt.submitted and placed is not None:
                    # The POST went out: report the order, never "nothing was sent".
                    outcome = (
                        PlacementOutcome.UNKNOWN
                        if placed.order_id is None
                        else PlacementOutcome.WORKING
                    )
                    return stages.reconcile.answer(attempt, placed, outcome, [], [found])
                return refused_placement(attempt, Refused([found]))

    def reconcile(self, correlation_id: str) -> Placement:
        """Re-read a placed order; journal it once it is filled (reads only, never resends)."""
        with self._lock:
            return self._stages.reconcile.reconcile(self._attempt(correlation_id))

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
            attempt = self._attempt(correlation_id)
            try:
                return self._stages.reconcile.cancel(
                    attempt, order_id, correlation_id, account_number
                )
            except Refused as refused:
                return refused_cancel(attempt, order_id, refused)
            except AuditWriteError as error:
                found = self._stages.recorder.audit_failed(attempt, error)
                return refused_cancel(attempt, order_id, Refused([found]))

    def order_book(self, *, account_number: str | None = None, reconcile: bool = True) -> OrderBook:
        """Every working order of the account (broker and audit log); with `reconcile`, each of
        the cockpit's orders is first followed to its fills (journaled once) and its end."""
        with self._lock:
            return self._stages.order_book.answer(self._attempt(), account_number, reconcile)

    def sync_fills(
        self,
        *,
        account_number: str | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> SyncReport:
        """Journal the account's transactions since the last sync (reads only)."""
        if self._journal is None:
            raise RuntimeError("no journal was given to the guard")
        with self._lock:
            return self._stages.sync.answer(self._attempt(), account_number, progress)

    def accounts(self) -> AccountChoice:
        """The current broker's accounts, and which one orders use (reads only)."""
        with self._lock:
            return self._stages.accounts.read(self._attempt())

    def choose_account(self, ref: str) -> AccountChoice:
        """Use the account with this ref (or number) for the rest of the session, once the
        broker lists it; audited."""
        with self._lock:
            return self._stages.accounts.choose(self._attempt(), ref)

    def position_market(
        self, mode: Mode, underlying: str, symbols: Sequence[str]
    ) -> PositionMarket:
        """Live quotes and tick sizes from the broker of a `mode` position (reads only)."""
        with self._lock:
            return position_market(
                self._clients, self._stages.modes.intent, mode, underlying, symbols
            )

    def run_sandbox_validation(
        self, progress: Callable[[ValidationProgress], None] | None = None
    ) -> SandboxValidationRecord:
        """Checklist s4 against the sandbox (or the simulator without sandbox credentials).

        The order is placed (then cancelled or closed) only when practice orders would be
        placed now: ALWAYS_DRY_RUN=false, no halt, no latch. Never touches LIVE.
        """
        if self._sandbox_store is None:
            raise RuntimeError("no sandbox validation store was given to the guard")
        recorder = self._stages.recorder
        with self._lock:
            attempt = self._attempt()
            practice = resolve_mode(
                self._stages.modes.intent.model_copy(update={"use_live": False}),
                gates=None,
                sandbox=None,
                halt=recorder.read_halt(),
                latch=recorder.read_latch(),
                now=attempt.now,
            )
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
            return run_sandbox_validation(
                client,
                settings=self._settings,
                mode=mode,
                place_order=not practice.dry_run,
                audit=recorder.audit,
                store=self._sandbox_store,
                correlation_id=attempt.correlation_id,
                effective_mode=practice.label,
                progress=progress,
                clock=self._clock,
            )
