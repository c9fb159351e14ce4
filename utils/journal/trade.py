"""The journal's data: one trade is one spread, from open to close, with its plan and outcome.

Sessions are New York trading days (`utils.core.sessions.session_of`). Net P&L of a closed trade:
    net_pnl_usd = multiplier * quantity * (signed entry + signed exit) - fees_usd
where a credit is positive and a debit negative. 1R = max_loss_usd (the spread's max loss at
entry for the whole quantity, before fees), so r_multiple = net_pnl_usd / max_loss_usd.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import reduce
from math import gcd
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from utils.core.money import CENT, round_to_cent
from utils.core.prevalidated import build_validated
from utils.core.sessions import session_of
from utils.journal.exit_plans import (
    ExitPlan,
    PlanDeclaration,
    PlanInForce,
    entry_plan_of,
    exit_plan_judging,
)
from utils.journal.fields import (
    BrokerOrderIds,
    FeeUsd,
    Labels,
    OptionalText,
    PricePerShare,
    Text,
    Underlying,
    UsdAmount,
    UtcDatetime,
)
from utils.journal.risk import Structure, TradeLeg, spread_risk
from utils.spreads.legs import PriceEffect
from utils.spreads.spread import Spread


class Mode(StrEnum):
    """Where a trade ran: the embedded simulator, the broker's sandbox, or the live account."""

    SIM = "SIM"
    SANDBOX = "SANDBOX"
    LIVE = "LIVE"


class TradeStatus(StrEnum):
    """Open until the whole spread is closed."""

    OPEN = "open"
    CLOSED = "closed"


class CloseReason(StrEnum):
    """Why a spread was closed."""

    PROFIT_TARGET = "profit_target"
    STOP_LOSS = "stop_loss"
    TIME_EXIT = "time_exit"
    DISCRETIONARY = "discretionary"
    CLOSING_ORDER = "closing_order"
    ROLLED = "rolled"
    EXPIRED = "expired"
    ASSIGNED = "assigned"
    EXERCISED = "exercised"


def signed_price(price: Decimal, effect: PriceEffect) -> Decimal:
    """A per-share price with its sign: credit positive, debit negative."""
    return price if effect is PriceEffect.CREDIT else -price


class Note(BaseModel):
    """A free-text note with the moment it was written."""

    model_config = ConfigDict(frozen=True)

    at: UtcDatetime
    text: Text


class NewTrade(BaseModel):
    """What the trader (or an importer) knows when a spread is opened.

    `structure`, `max_loss_usd` (1R) and `max_profit_usd` are computed from the legs and the
    entry price when omitted, and must agree with that computation (to the cent) when given.
    `quantity` is the number of spread units: the gcd of leg contracts.

    The instance remembers the facts its defined-risk proof passed on (`proved_defined_risk`):
    validating it again unchanged (e.g. as a field of another model) skips the proof, while a
    copy with other legs or prices, or a `model_construct` that bypassed validation, is proved
    again.
    """

    model_config = ConfigDict(frozen=True)

    _proved_facts: tuple[Any, ...] | None = PrivateAttr(default=None)
    # Set by the journal on a position it holds that is NOT a defined-risk spread (flagged at
    # import, utils.journal.undefined_risk): validating it again keeps it as it was journaled.
    _flagged_not_defined_risk: bool = PrivateAttr(default=False)

    uid: str | None = Field(default=None, min_length=1, max_length=80)
    structure: Structure = None  # type: ignore[assignment]  # set from the legs when omitted
    underlying: Underlying
    legs: tuple[TradeLeg, ...] = Field(min_length=2)
    quantity: int = Field(ge=1)
    multiplier: int = Field(default=100, ge=1)
    opened_at: UtcDatetime
    entry_price: PricePerShare
    entry_effect: PriceEffect
    max_loss_usd: UsdAmount = Field(default=None, gt=0)  # type: ignore[assignment]
    max_profit_usd: UsdAmount | None = Field(default=None, gt=0)
    open_fees_usd: FeeUsd = Decimal("0.00")
    mode: Mode
    broker_order_ids: BrokerOrderIds = ()
    parent_id: int | None = None
    setup: OptionalText = None
    profit_target_usd: UsdAmount | None = Field(default=None, gt=0)
    stop_loss_usd: UsdAmount | None = Field(default=None, gt=0)
    time_exit_at: UtcDatetime | None = None
    tags: Labels = ()
    source: str = Field(default="manual", min_length=1, max_length=40)

    @model_validator(mode="before")
    @classmethod
    def _effect_spelling(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("entry_effect"), str):
            return {**data, "entry_effect": data["entry_effect"].strip().capitalize()}
        return data

    @model_validator(mode="after")
    def _legs_make_this_spread(self) -> NewTrade:
        if self.proved_defined_risk or self.flagged_not_defined_risk:
            return self  # the same facts already passed every check below, or are flagged
        symbols = [leg.occ_symbol for leg in self.legs]
        if len(set(symbols)) != len(symbols):
            raise ValueError("a leg list repeats an OCC symbol; merge the quantities")
        expired = [leg for leg in self.legs if leg.expiration < self.session]
        if expired:
            raise ValueError(
                f"leg {expired[0].occ_symbol.strip()} expired on {expired[0].expiration}, "
                f"before the trade opened ({self.session})"
            )
        unit = reduce(gcd, (leg.quantity for leg in self.legs))
        if self.quantity != unit:
            raise ValueError(
                f"quantity {self.quantity} must be the number of spread units, the greatest "
                f"common divisor of the leg contracts ({unit})"
            )
        risk = spread_risk(
            self.legs,
            underlying=self.underlying,
            multiplier=self.multiplier,
            entry_price=self.entry_price,
            entry_effect=self.entry_effect,
        )
        if self.structure is not None and self.structure is not risk.structure:
            raise ValueError(
                f"structure {self.structure.value!r} does not match the legs, which form a "
                f"{risk.shape.label.lower()} ({risk.structure.value})"
            )
        _agree("max_loss_usd", self.max_loss_usd, risk.max_loss_usd)
        _agree("max_profit_usd", self.max_profit_usd, risk.max_profit_usd)
        object.__setattr__(self, "structure", risk.structure)
        object.__setattr__(self, "max_loss_usd", risk.max_loss_usd)
        object.__setattr__(self, "max_profit_usd", risk.max_profit_usd)
        self._proved_facts = self._proof_facts()
        return self

    def _proof_facts(self) -> tuple[Any, ...]:
        """Every field the opening checks and the defined-risk proof read (or set)."""
        return (
            self.legs,
            self.underlying,
            self.multiplier,
            self.quantity,
            self.opened_at,
            self.entry_price,
            self.entry_effect,
            self.structure,
            self.max_loss_usd,
            self.max_profit_usd,
        )

    @property
    def proved_defined_risk(self) -> bool:
        """True when these legs, prices and 1R are the ones the defined-risk proof passed on
        (at validation, or when the journal wrote them); False for a bypassed or altered copy."""
        # The private-attribute store itself: `self._proved_facts` would go through pydantic's
        # __getattr__, a measurable cost when every trade of a large journal is checked.
        private = self.__pydantic_private__
        proved = None if private is None else private.get("_proved_facts")
        return proved is not None and proved == self._proof_facts()

    @property
    def flagged_not_defined_risk(self) -> bool:
        """True for a trade the journal holds flagged as not a defined-risk spread."""
        private = self.__pydantic_private__
        return bool(private and private.get("_flagged_not_defined_risk"))

    @property
    def session(self) -> date:
        """The New York trading day the trade opened in."""
        return session_of(self.opened_at)


def _agree(name: str, given: Decimal | None, computed: Decimal | None) -> None:
    if given is not None and (computed is None or abs(given - computed) > CENT):
        shown = "unbounded" if computed is None else f"{computed}"
        raise ValueError(
            f"{name} {given} does not match the legs and entry price, which give {shown} "
            "(expiration payoff, before fees)"
        )


class TradeClose(BaseModel):
    """How a spread was closed: when, at what net price per share, fees, and why."""

    model_config = ConfigDict(frozen=True)

    closed_at: UtcDatetime
    exit_price: PricePerShare
    exit_effect: PriceEffect
    close_fees_usd: FeeUsd = Decimal("0.00")
    close_reason: CloseReason = CloseReason.CLOSING_ORDER
    broker_order_ids: BrokerOrderIds = ()
    followed_plan: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _effect_spelling(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("exit_effect"), str):
            return {**data, "exit_effect": data["exit_effect"].strip().capitalize()}
        return data


class Trade(NewTrade):
    """A journaled spread: its opening facts plus its close, fees, P&L and review."""

    id: int
    uid: str = Field(min_length=1, max_length=80)
    parent_uid: str | None = None
    closed_at: UtcDatetime | None = None
    exit_price: PricePerShare | None = None
    exit_effect: PriceEffect | None = None
    fees_usd: UsdAmount = Decimal("0.00")
    net_pnl_usd: UsdAmount | None = None
    close_reason: CloseReason | None = None
    followed_plan: bool | None = None
    mistakes: Labels = ()
    notes: tuple[Note, ...] = ()
    exit_plans: tuple[PlanDeclaration, ...] = ()

    @classmethod
    def from_journal(cls, fields: dict[str, Any], fields_set: set[str] | None = None) -> Trade:
        """A trade from the journal's stored facts, without validating or proving them again.

        Only for rows the journal validated when it wrote them (its triggers keep the opening
        facts unchanged): the instance carries that proof (`proved_defined_risk`). `fields`
        holds every field in declaration order and `fields_set` may be shared, as
        `utils.core.prevalidated.build_validated` allows.
        """
        trade = build_validated(cls, fields, fields_set)
        trade.__pydantic_private__["_proved_facts"] = trade._proof_facts()
        return trade

    @property
    def status(self) -> TradeStatus:
        """Closed once a close is recorded."""
        return TradeStatus.OPEN if self.closed_at is None else TradeStatus.CLOSED

    @property
    def close_session(self) -> date | None:
        """The New York trading day the trade closed in, if closed."""
        return None if self.closed_at is None else session_of(self.closed_at)

    @property
    def entry_plan(self) -> PlanInForce:
        """The plan that counts for the entry and how it was declared (see
        `utils.journal.exit_plans`): at entry, by playbook at import, or none."""
        return entry_plan_of(
            profit_target_usd=self.profit_target_usd,
            stop_loss_usd=self.stop_loss_usd,
            time_exit_at=self.time_exit_at,
            declarations=self.exit_plans,
        )

    def exit_plan_at(self, moment: datetime) -> ExitPlan | None:
        """The plan an exit at `moment` is judged against (the entry plan, completed by a plan
        declared after entry at or before `moment`)."""
        entry = self.entry_plan
        if not self.exit_plans:
            return entry.plan
        return exit_plan_judging(entry, self.exit_plans, moment)

    @property
    def r_multiple(self) -> Decimal | None:
        """Net P&L in units of 1R (the max loss at entry), if closed."""
        if self.net_pnl_usd is None:
            return None
        return self.net_pnl_usd / self.max_loss_usd


def net_pnl_usd(
    *,
    multiplier: int,
    quantity: int,
    entry_price: Decimal,
    entry_effect: PriceEffect,
    exit_price: Decimal,
    exit_effect: PriceEffect,
    fees_usd: Decimal,
) -> Decimal:
    """multiplier * quantity * (signed entry + signed exit) - fees, rounded half-up to cents."""
    gross = (
        multiplier
        * quantity
        * (signed_price(entry_price, entry_effect) + signed_price(exit_price, exit_effect))
    )
    return round_to_cent(gross - fees_usd)


def new_trade_from_spread(spread: Spread, **fields: Any) -> NewTrade:
    """The journal entry for an opened `spread` (its legs, quantity, price and effect).

    `fields` are the rest of `NewTrade` (opened_at, mode, plan, fees, ids...); structure, 1R and
    max profit are computed from the legs.
    """
    legs = tuple(
        TradeLeg(occ_symbol=leg.occ, action=leg.action, quantity=leg.quantity)
        for leg in spread.legs
    )
    return NewTrade(
        underlying=spread.underlying,
        legs=legs,
        quantity=spread.quantity,
        multiplier=spread.multiplier,
        entry_price=spread.price,
        entry_effect=spread.price_effect,
        **fields,
    )
