"""The journal's data: one trade is one spread, from open to close, with its plan and outcome.

Money is `Decimal` in US dollars with at most 2 decimals (`*_usd`); prices are `Decimal` per
share of one spread unit. Timestamps are timezone-aware and normalised to UTC; a naive time is
refused. Sessions are New York trading days (`utils.core.sessions.session_of`).

Net P&L of a closed trade:
    net_pnl_usd = multiplier * quantity * (signed entry + signed exit) - fees_usd
where a credit is positive and a debit negative. 1R = max_loss_usd (the spread's max loss at
entry for the whole quantity, before fees), so r_multiple = net_pnl_usd / max_loss_usd.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import reduce
from math import gcd
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)

from utils.spreads.symbols import OptionType, SymbolError, parse_occ
from utils.core.money import CENT, round_to_cent
from utils.core.prevalidated import build_validated
from utils.core.sessions import session_of, to_utc
from utils.spreads.legs import Leg, LegAction, PriceEffect, SpreadError
from utils.spreads.spread import Spread
from utils.spreads.structures import Structure as ShapeName

LABEL_MAX_CHARS = 60
TEXT_MAX_CHARS = 4000
UNDERLYING_PATTERN = re.compile(r"^[A-Z0-9./]{1,10}$")
BROKER_ORDER_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class Mode(StrEnum):
    """Where a trade ran: the embedded simulator, the broker's sandbox, or the live account."""

    SIM = "SIM"
    SANDBOX = "SANDBOX"
    LIVE = "LIVE"


class Structure(StrEnum):
    """The defined-risk structures the journal knows."""

    VERTICAL = "vertical"
    IRON_CONDOR = "iron_condor"
    IRON_BUTTERFLY = "iron_butterfly"
    BUTTERFLY = "butterfly"
    OTHER = "other_defined_risk"


# The journal's coarse structure for each shape `utils.spreads.structures` recognises; shapes not
# listed (single legs, calendars, ratios with naked shorts...) are either refused by the
# defined-risk proof or journaled as `other_defined_risk`.
STRUCTURE_OF_SHAPE: dict[ShapeName, Structure] = {
    ShapeName.BULL_PUT_CREDIT: Structure.VERTICAL,
    ShapeName.BEAR_CALL_CREDIT: Structure.VERTICAL,
    ShapeName.BULL_CALL_DEBIT: Structure.VERTICAL,
    ShapeName.BEAR_PUT_DEBIT: Structure.VERTICAL,
    ShapeName.IRON_CONDOR: Structure.IRON_CONDOR,
    ShapeName.IRON_BUTTERFLY: Structure.IRON_BUTTERFLY,
    ShapeName.LONG_BUTTERFLY: Structure.BUTTERFLY,
    ShapeName.BROKEN_WING_BUTTERFLY: Structure.BUTTERFLY,
}


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


class JournalError(Exception):
    """A journal operation the trader asked for cannot be done; the message says why."""


def signed_price(price: Decimal, effect: PriceEffect) -> Decimal:
    """A per-share price with its sign: credit positive, debit negative."""
    return price if effect is PriceEffect.CREDIT else -price


def _money(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite amount")
    if value != value.quantize(CENT):
        raise ValueError(f"{value} has more than 2 decimals (cents)")
    return value.quantize(CENT)


def _price(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0:
        raise ValueError("must be a finite price of 0 or more (its sign is the effect)")
    return value


def _utc(moment: datetime) -> datetime:
    return to_utc(moment)


def clean_label(text: str) -> str:
    """A tag or mistake label, stripped; refused when empty, too long or holding ';'."""
    cleaned = text.strip()
    if not cleaned or len(cleaned) > LABEL_MAX_CHARS:
        raise ValueError(f"a tag or mistake must have 1 to {LABEL_MAX_CHARS} characters")
    if any(ch in cleaned for ch in ";\r\n\t"):
        raise ValueError(f"{cleaned!r} contains ';', a tab or a line break")
    return cleaned


def _labels(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(clean_label(v) for v in values))


def _underlying(text: str) -> str:
    cleaned = text.strip().upper()
    if not UNDERLYING_PATTERN.match(cleaned):
        raise ValueError(f"{text!r} is not an underlying symbol (1-10 of A-Z 0-9 . /)")
    return cleaned


def _order_ids(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if not BROKER_ORDER_ID_PATTERN.match(value):
            raise ValueError(f"{value!r} is not a broker order id")
    return tuple(dict.fromkeys(values))


UsdAmount = Annotated[Decimal, AfterValidator(_money)]
PricePerShare = Annotated[Decimal, AfterValidator(_price)]
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_utc)]
Labels = Annotated[tuple[str, ...], AfterValidator(_labels)]
Underlying = Annotated[str, AfterValidator(_underlying)]
BrokerOrderIds = Annotated[tuple[str, ...], AfterValidator(_order_ids)]
Text = Annotated[str, Field(min_length=1, max_length=TEXT_MAX_CHARS)]


def _trimmed(text: str | None) -> str | None:
    return (text or "").strip() or None


OptionalText = Annotated[str | None, Field(max_length=TEXT_MAX_CHARS), AfterValidator(_trimmed)]


class TradeLeg(BaseModel):
    """One option leg of a spread: its OCC symbol, opening action and total contracts.

    `option_type`, `strike` and `expiration` are read from the OCC symbol when omitted, and
    must agree with it when given.
    """

    model_config = ConfigDict(frozen=True)

    occ_symbol: str
    option_type: OptionType
    strike: Decimal
    expiration: date
    action: LegAction
    quantity: int = Field(ge=1)

    @model_validator(mode="before")
    @classmethod
    def _read_occ_symbol(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("occ_symbol"), str):
            return data
        try:
            symbol = parse_occ(data["occ_symbol"].strip().upper())
        except SymbolError as error:
            raise ValueError(str(error)) from None
        filled = {**data, "occ_symbol": symbol.occ}
        from_symbol = {
            "option_type": symbol.option_type,
            "strike": symbol.strike,
            "expiration": symbol.expiration,
        }
        for name, value in from_symbol.items():
            given = data.get(name)
            if given is None or given == "":
                filled[name] = value
            elif str(given).strip().upper() != str(value).upper() and not _same_number(
                given, value
            ):
                raise ValueError(f"{name} {given!r} disagrees with the OCC symbol ({value})")
        if isinstance(data.get("action"), str):
            try:
                filled["action"] = LegAction.parse(data["action"])
            except SpreadError as error:
                raise ValueError(str(error)) from None
        return filled

    @model_validator(mode="after")
    def _opening_action(self) -> TradeLeg:
        if not self.action.is_opening:
            raise ValueError(
                f"leg {self.occ_symbol.strip()} action {self.action.value!r}: a journaled "
                "spread lists how each leg was opened (Buy to Open or Sell to Open)"
            )
        return self

    @property
    def signed_quantity(self) -> int:
        """Contracts held: positive long, negative short."""
        return self.quantity if self.action is LegAction.BUY_TO_OPEN else -self.quantity


def _same_number(given: Any, value: Any) -> bool:
    try:
        return Decimal(str(given)) == Decimal(str(value))
    except ArithmeticError:
        return False


class SpreadRisk(BaseModel):
    """What the legs and entry price imply: the structure, 1R and the max profit."""

    model_config = ConfigDict(frozen=True)

    shape: ShapeName
    structure: Structure
    max_loss_usd: Decimal
    max_profit_usd: Decimal | None


def spread_risk(
    legs: tuple[TradeLeg, ...],
    *,
    underlying: str,
    multiplier: int,
    entry_price: Decimal,
    entry_effect: PriceEffect,
) -> SpreadRisk:
    """Recognise the structure, prove it defined-risk and compute its max loss and profit.

    Uses `utils.spreads.spread` (the exact expiration payoff, before fees). Raises ValueError with a
    sentence a trader can act on when the legs are not a defined-risk spread.
    """
    try:
        spread = Spread(
            legs=tuple(
                Leg(
                    symbol=leg.occ_symbol,
                    action=leg.action,
                    quantity=leg.quantity,
                    underlying=underlying,
                    multiplier=multiplier,
                )
                for leg in legs
            ),
            price=entry_price,
            price_effect=entry_effect,
        )
        proof = spread.proof
    except (SpreadError, SymbolError) as error:
        raise ValueError(str(error)) from None
    if not proof.defined_risk:
        raise ValueError(f"the legs are not a defined-risk spread: {proof.sentence}")
    max_loss = proof.max_loss_usd  # the proof's expiration payoff: one computation, not two
    if max_loss is None or max_loss <= 0:
        raise ValueError(
            f"an entry {entry_effect.value.lower()} of {entry_price} is at or beyond the "
            "spread's width (max loss <= 0): check the price, it looks like a data error"
        )
    shape = spread.structure
    max_profit = spread.max_profit_usd
    return SpreadRisk(
        shape=shape,
        structure=STRUCTURE_OF_SHAPE.get(shape, Structure.OTHER),
        max_loss_usd=round_to_cent(max_loss),
        max_profit_usd=round_to_cent(max_profit) if max_profit and max_profit > 0 else None,
    )


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
    open_fees_usd: UsdAmount = Decimal("0.00")
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
        if self.proved_defined_risk:
            return self  # the same facts already passed every check below
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
    close_fees_usd: UsdAmount = Decimal("0.00")
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


class ImportIssue(BaseModel):
    """One problem in an imported file: where (line, field) and what to do about it."""

    model_config = ConfigDict(frozen=True)

    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "file"
        return f"{where}{f' ({self.field})' if self.field else ''}: {self.message}"


class ImportReport(BaseModel):
    """What an import did: counts, and every error (nothing imported) or warning."""

    model_config = ConfigDict(frozen=True)

    source: str
    file_name: str
    committed: bool
    added: int = 0
    closed: int = 0
    skipped_duplicates: int = 0
    skipped_bad: int = 0
    ignored_rows: int = 0
    errors: tuple[ImportIssue, ...] = ()
    warnings: tuple[ImportIssue, ...] = ()

    def summary(self) -> str:
        """One line for a card or the command line."""
        if not self.committed:
            return f"{self.file_name}: nothing imported, {len(self.errors)} error(s)"
        parts = [f"{self.added} added", f"{self.skipped_duplicates} already in the journal"]
        if self.closed:
            parts.insert(1, f"{self.closed} closed")
        if self.skipped_bad:
            parts.append(f"{self.skipped_bad} bad row(s) skipped")
        if self.warnings:
            parts.append(f"{len(self.warnings)} warning(s)")
        return f"{self.file_name}: " + ", ".join(parts)


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
