"""The checks an order meets on its way to the broker, shared by preview and place (and the
account pick of a cancel): evidence, the close link, the target's client, the account and its
flags, the legs' quotes, and the pre-trade checks.

Each step reads what it needs (the journal, the broker, the audit log), asks a pure function in
`utils.broker.decisions` (or `utils.broker.checks`, `utils.broker.pretrade`) for the verdict, and
refuses through the `Recorder` by raising `Refused`. Nothing here sends an order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from utils.broker.attempt import Attempt, Refused, refusal
from utils.broker.checks import account_refusals
from utils.broker.clients import (
    BrokerPort,
    BrokerUnavailable,
    ClientFactory,
    host_of,
    read_trading_status,
)
from utils.broker.close_route import close_route, route_problem, unheld_legs
from utils.broker.confirmation import TargetBinding
from utils.broker.decisions import (
    account_verdict,
    broker_error_verdict,
    close_mismatch,
    pretrade_verdict,
)
from utils.broker.fills import MODE_OF_TARGET
from utils.broker.models import GuardCode, GuardEvidence, WhatIf
from utils.broker.pretrade import PretradeDecision, Quote, run_pretrade_checks
from utils.broker.order_intent import OpenPosition, OrderIntent, RecentOrder
from utils.broker.recorder import Recorder
from utils.broker.working import working_openings
from utils.core.config import Settings
from utils.judge.mode import BrokerTarget, ModeDecision, ModeIntent
from utils.records.alerts import HaltState
from utils.records.audit import AuditEntry, AuditKind
from utils.records.sandbox import mask_account
from utils.spreads.legs import PositionEffect
from utils.spreads.symbols import SymbolError, parse_occ
from utils.tastytrade.orders import build_spread_order
from utils.tastytrade.errors import TastytradeError
from utils.tastytrade.accounts import Balance, CustomerAccount
from utils.tastytrade.orders import NewOrder

RECENT_ORDERS_WINDOW = timedelta(minutes=2)
RECENT_AUDIT_ENTRIES = 2000
UNREADABLE_HALT = HaltState(
    active=True, reason="the halt state could not be read, so it counts as in force"
)


class Gatekeeper:
    """The order checks of preview and place; each refuses by raising `Refused`."""

    def __init__(
        self,
        settings: Settings,
        *,
        recorder: Recorder,
        clients: ClientFactory,
        journal: Any = None,
    ) -> None:
        self._settings = settings
        self._recorder = recorder
        self._clients = clients
        self._journal = journal
        self.chosen_accounts: dict[BrokerTarget, str] = {}  # the picker's choice, this session

    @property
    def max_concurrent_spreads(self) -> int:
        """The concurrency cap of the settings (the ramp may be tighter in LIVE)."""
        return self._settings.max_concurrent_spreads

    def default_account(self, target: BrokerTarget | None) -> str | None:
        """The account to use when none is named: this session's pick, else the .env key's."""
        if target is None:
            return None
        if target in self.chosen_accounts:
            return self.chosen_accounts[target]
        return getattr(self._settings, account_key(target).lower())

    def client(self, attempt: Attempt, target: BrokerTarget) -> BrokerPort:
        """The client of `target` (the attempt's own when the mode chose it); sets the host."""
        decided = attempt.decision is not None and attempt.decision.target is target
        if decided and attempt.client is not None:
            return attempt.client
        try:
            client = self._clients(target)
        except BrokerUnavailable as error:
            raise refusal(GuardCode.BROKER_UNAVAILABLE, f"No {target} broker: {error}") from None
        attempt.host = host_of(client)
        return client

    def refuse_broker_error(self, attempt: Attempt, error: TastytradeError, what: str) -> Refused:
        """A broker error on a read step as a refusal (an auth failure on LIVE is an anomaly)."""
        return self._recorder.refusal(attempt, broker_error_verdict(error, attempt.target, what))

    def choose_account(
        self,
        attempt: Attempt,
        client: BrokerPort,
        wanted: str | None,
        target: BrokerTarget | None = None,
    ) -> CustomerAccount:
        """The login's account to use: `wanted`, the default one, or its only one; refuses
        otherwise."""
        target = target or attempt.target
        try:
            accounts = client.accounts()
        except TastytradeError as error:
            raise self.refuse_broker_error(attempt, error, "Reading the account") from None
        return pick_account(accounts, wanted or self.default_account(target), target)

    def account(
        self,
        attempt: Attempt,
        client: BrokerPort,
        account_number: str | None,
        position_effect: PositionEffect,
    ) -> tuple[CustomerAccount, Balance]:
        """The account to trade, checked for flags; refuses when ambiguous, unknown or flagged."""
        try:
            wanted = account_number or self.default_account(attempt.target)
            customer = pick_account(client.accounts(), wanted, attempt.target)
            number = customer.account.account_number
            attempt.account = mask_account(number)
            balance = client.balances(number)
            status = read_trading_status(client, number)
        except TastytradeError as error:
            raise self.refuse_broker_error(attempt, error, "Reading the account") from None
        except ValidationError:
            raise refusal(
                GuardCode.ACCOUNT_FLAGS_UNREADABLE,
                "The account's trading status could not be read.",
            ) from None
        flags = account_refusals(customer, balance, status, position_effect)
        self._recorder.enforce(attempt, account_verdict(flags))
        return customer, balance

    @staticmethod
    def require_evidence(attempt: Attempt, evidence: GuardEvidence | None) -> GuardEvidence:
        """The evidence the mode was decided on; refuses when it could not be read."""
        if evidence is None:
            raise refusal(
                GuardCode.EVIDENCE_UNAVAILABLE,
                "The journal and gate evidence could not be read, so no order is checked or "
                f"sent ({attempt.evidence_error or 'no evidence'}).",
            )
        return evidence

    def require_close_link(
        self, attempt: Attempt, intent: OrderIntent, closes_trade_id: int | None
    ) -> None:
        """A closing order names the open journaled trade it closes, in the same mode, with
        exactly that trade's legs; an opening order names none."""
        if intent.position_effect is not PositionEffect.CLOSING:
            if closes_trade_id is not None:
                raise refusal(
                    GuardCode.CLOSE_MISMATCH,
                    f"The order opens legs, so it cannot close trade {closes_trade_id}.",
                )
            return
        if self._journal is None:
            return
        if closes_trade_id is None:
            raise refusal(
                GuardCode.CLOSE_NOT_LINKED,
                "A closing order must name the journaled trade it closes, so the close "
                "is journaled.",
            )
        try:
            trade = self._journal.get_trade(closes_trade_id)
            left = self._journal.open_units(trade.id)
        except Exception as error:  # a missing trade or an unreadable journal: refuse either way
            raise refusal(
                GuardCode.CLOSE_MISMATCH,
                f"Trade {closes_trade_id} could not be read from the journal: {error}",
            ) from None
        problem = close_mismatch(trade, intent, attempt.target, left)
        if problem is not None:
            raise refusal(
                GuardCode.CLOSE_MISMATCH, f"The order does not close trade {trade.id}: {problem}."
            )

    def route_close(
        self,
        attempt: Attempt,
        decision: ModeDecision,
        intent: OrderIntent,
        closes_trade_id: int | None,
    ) -> ModeDecision:
        """The decision an order runs under: a closing order of a journaled trade goes to that
        trade's broker (`utils.broker.close_route`), audited; any other order keeps the mode's."""
        if intent.position_effect is not PositionEffect.CLOSING or closes_trade_id is None:
            return decision
        if self._journal is None:
            return decision
        try:
            trade = self._journal.get_trade(closes_trade_id)
        except Exception:  # the close link refuses it, naming why
            return decision
        settings = ModeIntent.from_settings(self._settings)
        problem = route_problem(settings, trade.mode)
        if problem is not None:
            raise refusal(
                GuardCode.BROKER_UNAVAILABLE,
                f"Trade {trade.id} ran in {trade.mode}, and its broker cannot be reached: "
                f"{problem}. Close it at the broker.",
            )
        routed = close_route(settings, decision, trade.mode)
        self._recorder.write(
            attempt,
            AuditKind.GUARD_DECISION,
            {
                "stage": "close_route",
                "closes_trade_id": trade.id,
                "position_mode": trade.mode.value,
                "from": decision.label,
                "mode": routed.label,
                "target": routed.target.value,
                "submits": routed.submits(PositionEffect.CLOSING),
            },
        )
        if routed.target is not decision.target:
            attempt.client = None  # `client` opens the position's broker
        attempt.decision = routed
        return routed

    def require_position(
        self, attempt: Attempt, client: BrokerPort, account_number: str, intent: OrderIntent
    ) -> None:
        """A closing order reduces positions this broker's account holds; refuses otherwise,
        before anything reaches `/orders` (an opening order passes)."""
        if intent.position_effect is not PositionEffect.CLOSING:
            return
        try:
            positions = client.positions(account_number)
        except TastytradeError as error:
            raise self.refuse_broker_error(attempt, error, "Reading the positions") from None
        missing = unheld_legs(intent.spread.legs, positions)
        self._recorder.write(
            attempt,
            AuditKind.GUARD_DECISION,
            {"stage": "position_check", "target": attempt.target, "unheld_legs": missing},
        )
        if missing:
            raise refusal(
                GuardCode.CLOSE_NOT_HELD_AT_BROKER,
                f"The {attempt.target} account {mask_account(account_number)} holds no position "
                f"this order closes: {'; '.join(missing)}. Nothing was sent.",
                unheld_legs="; ".join(missing),
            )

    @staticmethod
    def quotes(client: BrokerPort, intent: OrderIntent) -> dict[str, Quote]:
        """Bid/ask of each leg from the broker (opening orders only: the width filter)."""
        if intent.position_effect is PositionEffect.CLOSING:
            return {}
        symbols = [leg.occ for leg in intent.spread.legs]
        try:
            answer = client.quotes(equity_options=symbols)
        except TastytradeError as error:
            raise refusal(
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

    def pretrade(
        self,
        attempt: Attempt,
        intent: OrderIntent,
        evidence: GuardEvidence,
        halt: HaltState | None,
        balance: Balance,
        quotes: dict[str, Quote],
        stage: str,
        figures: WhatIf | None = None,
        at_placement: bool = False,
    ) -> PretradeDecision:
        """The pre-trade checks, audited as `stage`; a denial refuses (and, at placement only,
        raises its HIGH alerts)."""
        entries = self._audit_entries()
        decision = run_pretrade_checks(
            intent,
            settings=self._settings,
            now=attempt.now,
            ladder_level=evidence.ladder_level,
            ramp_stage=evidence.ramp_stage,
            open_positions=positions_for(evidence, attempt),
            working_orders=working_openings(entries, target_of(attempt)),
            halt=halt if halt is not None else UNREADABLE_HALT,
            recent_orders=recent_orders(entries, attempt.now),
            last_loss_at=evidence.last_loss_at,
            net_liquidating_value_usd=balance.net_liquidating_value,
            quotes=quotes,
        )
        self._recorder.write_pretrade(attempt, stage, decision)
        verdict = pretrade_verdict(decision, at_placement=at_placement)
        self._recorder.enforce(attempt, verdict, what_if=figures, pretrade=decision)
        return decision

    def _audit_entries(self) -> list[AuditEntry]:
        """The latest audit entries: recent and working orders come from them (a restart
        forgets none)."""
        try:
            return self._recorder.audit.entries(limit=RECENT_AUDIT_ENTRIES)
        except (sqlite3.Error, ValueError) as error:
            raise refusal(
                GuardCode.AUDIT_UNREADABLE,
                f"The audit log could not be read for recent and working orders ({error}).",
            ) from None


def recent_orders(entries: Sequence[AuditEntry], now: datetime) -> list[RecentOrder]:
    """Orders submitted within `RECENT_ORDERS_WINDOW` of `now`, from the audit entries."""
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


def target_of(attempt: Attempt) -> str | None:
    """The broker target the order runs against (None before a decision: every target)."""
    return None if attempt.decision is None else attempt.decision.target.value


def positions_for(evidence: GuardEvidence, attempt: Attempt) -> tuple[OpenPosition, ...]:
    """The open spreads of the mode this order runs in (all of them before a decision)."""
    if attempt.decision is None:
        return evidence.open_positions
    return evidence.positions_for(MODE_OF_TARGET[attempt.decision.target])


def target_binding(attempt: Attempt, decision: ModeDecision, account_number: str) -> TargetBinding:
    """Where a confirmed order may go: this account's orders path, on this host, in this mode."""
    return TargetBinding(
        account_number=account_number,
        method="POST",
        path=f"/accounts/{account_number}/orders",
        host=attempt.host or "",
        mode=decision.label,
    )


def build_order(intent: OrderIntent) -> NewOrder:
    """The tastytrade order body for the intent (its client order id is the external id)."""
    try:
        return build_spread_order(
            intent.spread.to_order_legs(),
            price=intent.spread.price,
            price_effect=intent.spread.price_effect.value,  # type: ignore[arg-type]
            time_in_force=intent.time_in_force,
            external_identifier=intent.client_order_id,
        )
    except TastytradeError as error:
        raise refusal(GuardCode.ORDER_NOT_BUILDABLE, str(error)) from None


def account_key(target: BrokerTarget | None) -> str:
    """The .env key naming the account of a target (the sandbox one serves SIM too)."""
    return "TT_LIVE_ACCOUNT_NUMBER" if target is BrokerTarget.LIVE else "TT_SANDBOX_ACCOUNT_NUMBER"


def pick_account(
    accounts: Sequence[CustomerAccount], wanted: str | None, target: BrokerTarget | None = None
) -> CustomerAccount:
    """The account named `wanted`, or the login's only one; refuses when unknown or ambiguous,
    naming the .env key that picks one."""
    key = account_key(target)
    if wanted is not None:
        for customer in accounts:
            if customer.account.account_number == wanted:
                return customer
        raise refusal(
            GuardCode.ACCOUNT_NOT_FOUND,
            f"Account {mask_account(wanted)} is not among this login's accounts: check {key} "
            "in .env (or the account picked on the Broker card).",
        )
    if len(accounts) == 1:
        return accounts[0]
    if not accounts:
        raise refusal(GuardCode.ACCOUNT_NOT_FOUND, "This login has no account.")
    shown = ", ".join(mask_account(c.account.account_number) for c in accounts)
    raise refusal(
        GuardCode.ACCOUNT_AMBIGUOUS,
        f"This login has several accounts ({shown}): set {key} in .env to the one to trade, "
        "or pick one on the Broker card for this session.",
    )
