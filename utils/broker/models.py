"""What the broker guard returns to the cards: frozen models with codes, sentences and evidence.

Every refusal carries at least one `GuardReason` (a typed code, a sentence and the evidence);
anomalies are listed apart (each also raised a HIGH alert and set the rollback latch). `.message`
is the text a card shows as is. Money is `Decimal` dollars; account numbers in reasons and
messages are masked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from utils.broker.confirmation import RefusalCode
from utils.core.reasons import Reason, as_evidence
from utils.judge.mode import ModeDecision
from utils.judge.gates import GateReport
from utils.records.latch import RollbackTrigger
from utils.journal.trade import CloseReason, Mode
from utils.judge.ramp import RampStage
from utils.broker.order_intent import OpenPosition
from utils.broker.pretrade import PretradeDecision
from utils.broker.pretrade_context import ReasonCode
from utils.records.sandbox import SandboxValidationRecord
from utils.core.money import usd


class GuardCode(StrEnum):
    """Named reasons the guard refuses an order, or flags an anomaly (beside the pre-trade
    checks' `ReasonCode` and the confirmation's `RefusalCode`: see `GuardReasonCode`)."""

    AUDIT_WRITE_FAILED = "AUDIT_WRITE_FAILED"
    AUDIT_UNREADABLE = "AUDIT_UNREADABLE"
    AUDIT_CHAIN_BROKEN = "AUDIT_CHAIN_BROKEN"
    EVIDENCE_UNAVAILABLE = "EVIDENCE_UNAVAILABLE"
    BROKER_UNAVAILABLE = "BROKER_UNAVAILABLE"
    BROKER_AUTH_FAILED = "BROKER_AUTH_FAILED"
    BROKER_UNREACHABLE = "BROKER_UNREACHABLE"
    BROKER_ERROR = "BROKER_ERROR"
    BROKER_RATE_LIMITED = "BROKER_RATE_LIMITED"
    ACCOUNT_NOT_FOUND = "ACCOUNT_NOT_FOUND"
    ACCOUNT_AMBIGUOUS = "ACCOUNT_AMBIGUOUS"
    ACCOUNT_READ_ONLY = "ACCOUNT_READ_ONLY"
    ACCOUNT_CLOSED = "ACCOUNT_CLOSED"
    ACCOUNT_FROZEN = "ACCOUNT_FROZEN"
    ACCOUNT_CLOSING_ONLY = "ACCOUNT_CLOSING_ONLY"
    ACCOUNT_MARGIN_CALL = "ACCOUNT_MARGIN_CALL"
    ACCOUNT_FLAGS_UNREADABLE = "ACCOUNT_FLAGS_UNREADABLE"
    QUOTES_UNAVAILABLE = "QUOTES_UNAVAILABLE"
    CLOSE_NOT_LINKED = "CLOSE_NOT_LINKED"
    CLOSE_MISMATCH = "CLOSE_MISMATCH"
    CLOSE_NOT_HELD_AT_BROKER = "CLOSE_NOT_HELD_AT_BROKER"
    ORDER_NOT_BUILDABLE = "ORDER_NOT_BUILDABLE"
    DRY_RUN_REJECTED = "DRY_RUN_REJECTED"
    DRY_RUN_UNREADABLE = "DRY_RUN_UNREADABLE"
    DRY_RUN_MISSING = "DRY_RUN_MISSING"
    DRY_RUN_WARNING = "DRY_RUN_WARNING"
    DRY_RUN_ERRORS = "DRY_RUN_ERRORS"
    DRY_RUN_MISMATCH = "DRY_RUN_MISMATCH"
    BLOCKED_BY_DRY_RUN = "BLOCKED_BY_DRY_RUN"
    NOT_CONFIRMED_BY_PERSON = "NOT_CONFIRMED_BY_PERSON"
    PREVIEW_NOT_FOUND = "PREVIEW_NOT_FOUND"
    DUPLICATE_SUBMIT = "DUPLICATE_SUBMIT"
    ORDER_REJECTED = "ORDER_REJECTED"
    ORDER_UNEXPECTED_STATUS = "ORDER_UNEXPECTED_STATUS"
    ORDER_OUTCOME_UNKNOWN = "ORDER_OUTCOME_UNKNOWN"
    ORDER_MISMATCH = "ORDER_MISMATCH"
    FILL_FAR_FROM_LIMIT = "FILL_FAR_FROM_LIMIT"
    JOURNAL_WRITE_FAILED = "JOURNAL_WRITE_FAILED"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    CANCEL_REFUSED = "CANCEL_REFUSED"


# A guard reason's code: the guard's own, or a pre-trade check's or a confirmation refusal's
# code kept as that step named it (the three enums share no value).
GuardReasonCode = GuardCode | ReasonCode | RefusalCode


class GuardReason(Reason[GuardReasonCode]):
    """Why the guard refused an order or flagged an anomaly: its code, a sentence, the evidence."""


def reason(code: GuardReasonCode, sentence: str, **evidence: object) -> GuardReason:
    """A GuardReason with its evidence as text."""
    return GuardReason(code=code, sentence=sentence, evidence=as_evidence(**evidence))


class TradePlan(BaseModel):
    """The plan journaled with an opening trade (the ticket's exit plan and notes); for a roll's
    opening, the trade it rolls from; for a closing order, why it closes (default: a closing
    order)."""

    model_config = ConfigDict(frozen=True)

    setup: str | None = None
    profit_target_usd: Decimal | None = None
    stop_loss_usd: Decimal | None = None
    time_exit_at: datetime | None = None
    tags: tuple[str, ...] = ()
    rolled_from_trade_id: int | None = None
    close_reason: CloseReason | None = None


class GuardEvidence(BaseModel):
    """What the guard reads from the journal and the judge at each step (supplied by the app).

    `rollback_triggers` are the triggers holding now (`gates.rollback_triggers`): the guard
    latches them before deciding the mode. `open_positions_by_mode`, when given, holds the open
    spreads of each mode (SIM, SANDBOX, LIVE): an order is checked against its own mode's book;
    otherwise every open spread in `open_positions` counts (the stricter reading).
    """

    model_config = ConfigDict(frozen=True)

    gates: GateReport | None
    sandbox: SandboxValidationRecord | None
    ladder_level: int = Field(default=1, ge=1)
    ramp_stage: RampStage = RampStage.OBSERVATION
    open_positions: tuple[OpenPosition, ...] = ()
    open_positions_by_mode: dict[Mode, tuple[OpenPosition, ...]] | None = None
    last_loss_at: datetime | None = None
    rollback_triggers: tuple[RollbackTrigger, ...] = ()

    def positions_for(self, mode: Mode) -> tuple[OpenPosition, ...]:
        """The open spreads an order in `mode` is checked against."""
        if self.open_positions_by_mode is None:
            return self.open_positions
        return self.open_positions_by_mode.get(mode, ())


EvidenceProvider = Callable[[datetime], GuardEvidence]


class WhatIf(BaseModel):
    """What the broker's dry-run says the order would do."""

    model_config = ConfigDict(frozen=True)

    buying_power_change_usd: Decimal | None = None
    new_buying_power_usd: Decimal | None = None
    margin_requirement_usd: Decimal | None = None
    fees_usd: Decimal | None = None
    closing_fees_usd: Decimal | None = None
    warnings: tuple[str, ...] = ()

    @property
    def sentence(self) -> str:
        """`Buying power -$102.30 (to $99,897.70), margin $300.00, fees $2.30; warnings: ...`."""
        parts = []
        if self.buying_power_change_usd is not None:
            change = self.buying_power_change_usd
            text = f"buying power {'' if change < 0 else '+'}{usd(change)}"
            if self.new_buying_power_usd is not None:
                text += f" (to {usd(self.new_buying_power_usd)})"
            parts.append(text)
        if self.margin_requirement_usd is not None:
            parts.append(f"margin requirement {usd(self.margin_requirement_usd)}")
        if self.fees_usd is not None:
            parts.append(f"fees {usd(self.fees_usd)}")
        if self.closing_fees_usd is not None:
            parts.append(f"estimated fees to close {usd(self.closing_fees_usd)}")
        text = ", ".join(parts) if parts else "no buying-power or fee figures"
        if self.warnings:
            text += "; broker warnings: " + "; ".join(self.warnings)
        return text[0].upper() + text[1:] + "."


class PreviewOutcome(StrEnum):
    """How a preview ended."""

    REFUSED = "refused"
    BLOCKED_BY_DRY_RUN = "blocked by dry-run"
    READY_TO_CONFIRM = "ready to confirm"

    @property
    def refused(self) -> bool:
        """True when a check, the broker's dry-run or a failure refused the order."""
        return self is PreviewOutcome.REFUSED

    @property
    def ready(self) -> bool:
        """True when the order may be confirmed (a token was minted)."""
        return self is PreviewOutcome.READY_TO_CONFIRM


class Preview(BaseModel):
    """The answer to `BrokerGuard.preview`: a refusal, a dry-run block, or a confirmation token."""

    model_config = ConfigDict(frozen=True)

    outcome: PreviewOutcome
    correlation_id: str
    mode: ModeDecision | None
    target_host: str | None = None
    account: str = ""
    order: str = ""
    reasons: tuple[GuardReason, ...] = ()
    anomalies: tuple[GuardReason, ...] = ()
    pretrade: PretradeDecision | None = None
    what_if: WhatIf | None = None
    confirmation_token: SecretStr | None = None
    confirmation_ref: str | None = None
    expires_at: datetime | None = None
    message: str

    @property
    def codes(self) -> tuple[GuardReasonCode, ...]:
        """Every reason and anomaly code."""
        return tuple(r.code for r in (*self.reasons, *self.anomalies))


class PlacementOutcome(StrEnum):
    """How a placement ended."""

    REFUSED = "refused"
    BLOCKED_BY_DRY_RUN = "blocked by dry-run"
    WORKING = "working"
    PARTIALLY_FILLED = "partially filled"
    FILLED = "filled"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def sent(self) -> bool:
        """True when an order exists (or may exist) at the broker."""
        return self not in (PlacementOutcome.REFUSED, PlacementOutcome.BLOCKED_BY_DRY_RUN)

    @property
    def accepted(self) -> bool:
        """True when the broker took the order: working, partially filled or filled."""
        return self in (
            PlacementOutcome.WORKING,
            PlacementOutcome.PARTIALLY_FILLED,
            PlacementOutcome.FILLED,
        )

    @property
    def working(self) -> bool:
        """True while the order may still fill or be cancelled (working or partially filled)."""
        return self in (PlacementOutcome.WORKING, PlacementOutcome.PARTIALLY_FILLED)


class Placement(BaseModel):
    """The answer to `BrokerGuard.place` / `reconcile`: what reached the broker and how it is."""

    model_config = ConfigDict(frozen=True)

    outcome: PlacementOutcome
    correlation_id: str
    mode: str = ""
    target_host: str | None = None
    account: str = ""
    order_id: int | None = None
    external_identifier: str | None = None
    status: str | None = None
    limit_price: Decimal | None = None
    fill_price: Decimal | None = None
    journal_trade_id: int | None = None
    reasons: tuple[GuardReason, ...] = ()
    anomalies: tuple[GuardReason, ...] = ()
    message: str

    @property
    def codes(self) -> tuple[GuardReasonCode, ...]:
        """Every reason and anomaly code."""
        return tuple(r.code for r in (*self.reasons, *self.anomalies))


class CancelOutcome(StrEnum):
    """How a cancel request ended."""

    REFUSED = "refused"
    CANCEL_REQUESTED = "cancel requested"
    CANCELLED = "cancelled"

    @property
    def refused(self) -> bool:
        """True when the cancel was not sent or the broker refused it."""
        return self is CancelOutcome.REFUSED


class CancelResult(BaseModel):
    """The answer to `BrokerGuard.cancel`."""

    model_config = ConfigDict(frozen=True)

    outcome: CancelOutcome
    correlation_id: str
    order_id: int
    status: str | None = None
    reasons: tuple[GuardReason, ...] = ()
    message: str


class AccountView(BaseModel):
    """One account as the Broker card lists it."""

    model_config = ConfigDict(frozen=True)

    account_number: str
    masked: str
    nickname: str | None = None
    authority_level: str | None = None
    flags: tuple[GuardReason, ...] = ()


class BalanceView(BaseModel):
    """The balance figures the card shows."""

    model_config = ConfigDict(frozen=True)

    account: str
    net_liquidating_value_usd: Decimal
    cash_balance_usd: Decimal
    derivative_buying_power_usd: Decimal
    maintenance_requirement_usd: Decimal | None = None


class PositionView(BaseModel):
    """One broker position (a leg), signed: short is negative."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    underlying: str | None
    quantity: Decimal
    instrument_type: str
    average_open_price: Decimal | None = None
    mark: Decimal | None = None


class BrokerStatus(BaseModel):
    """The Broker card: requested vs effective mode, reasons, and what the broker says."""

    model_config = ConfigDict(frozen=True)

    requested: str
    mode: ModeDecision
    target_host: str | None
    read_at: datetime
    accounts: tuple[AccountView, ...] = ()
    balances: tuple[BalanceView, ...] = ()
    positions: tuple[PositionView, ...] = ()
    error: GuardReason | None = None
    message: str
