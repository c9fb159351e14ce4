"""Typed shapes of the tastytrade Open API (kebab-case JSON), as the client parses and sends them.

Money is `Decimal` (the API sends it as strings, sometimes as numbers); amounts are unsigned with
a sibling `*-effect` of Credit / Debit / None that gives the sign (see `signed_amount`). Unknown
extra fields are ignored, because the API adds fields without notice; a missing required field is
a validation error that the client turns into a `MalformedResponse` naming the field.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_serializer,
    field_validator,
    model_validator,
)


def kebab_alias(name: str) -> str:
    """The API's dasherized key for a Python field name (`price_effect` -> `price-effect`)."""
    return name.replace("_", "-")


class TastyModel(BaseModel):
    """Base for every API shape: kebab-case aliases, frozen, extra keys ignored."""

    model_config = ConfigDict(
        alias_generator=kebab_alias,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="ignore",
        frozen=True,
    )


class Effect(StrEnum):
    """The sign of an unsigned API amount."""

    CREDIT = "Credit"
    DEBIT = "Debit"
    NONE = "None"


def signed_amount(amount: Decimal, effect: str | None) -> Decimal:
    """An unsigned API amount with its sign applied: Debit is negative, Credit/None positive."""
    return -amount if effect == Effect.DEBIT else amount


class OrderStatus(StrEnum):
    """Order statuses of the documented lifecycle (the model keeps unknown ones as strings)."""

    RECEIVED = "Received"
    ROUTED = "Routed"
    IN_FLIGHT = "In Flight"
    CONTINGENT = "Contingent"
    LIVE = "Live"
    CANCEL_REQUESTED = "Cancel Requested"
    REPLACE_REQUESTED = "Replace Requested"
    FILLED = "Filled"
    CANCELLED = "Cancelled"
    EXPIRED = "Expired"
    REJECTED = "Rejected"
    REMOVED = "Removed"
    PARTIALLY_REMOVED = "Partially Removed"


TERMINAL_STATUSES = frozenset(
    {
        OrderStatus.FILLED,
        OrderStatus.CANCELLED,
        OrderStatus.EXPIRED,
        OrderStatus.REJECTED,
        OrderStatus.REMOVED,
        OrderStatus.PARTIALLY_REMOVED,
    }
)


# --- auth ---------------------------------------------------------------------------------


class OAuthToken(BaseModel):
    """`POST /oauth/token` answer (snake_case keys, not in the `data` envelope)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    access_token: SecretStr
    token_type: str = "Bearer"
    expires_in: int = 900


class SessionUser(TastyModel):
    """The user block of a legacy `/sessions` answer."""

    email: str | None = None
    username: str | None = None
    external_id: str | None = None


class LegacySession(TastyModel):
    """Legacy `POST /sessions` answer: a session token sent bare in `Authorization`."""

    session_token: SecretStr
    session_expiration: datetime | None = None
    remember_token: SecretStr | None = None
    user: SessionUser | None = None


# --- errors -------------------------------------------------------------------------------


class ApiErrorDetail(TastyModel):
    """One item of `error.errors[]` (seen both as code/message and as domain/reason)."""

    code: str | None = None
    message: str | None = None
    domain: str | None = None
    reason: str | None = None

    def describe(self) -> str:
        """`code: message` for a trader to read."""
        code = self.code or self.domain or "error"
        return f"{code}: {self.message or self.reason or ''}".rstrip(": ")


class ApiError(TastyModel):
    """The documented `error` envelope."""

    code: str | int | None = None
    message: str | None = None
    errors: list[ApiErrorDetail] = Field(default_factory=list)


class ApiMessage(TastyModel):
    """A warning or note of a dry-run/submit answer."""

    code: str | None = None
    message: str | None = None


# --- accounts, balances, positions --------------------------------------------------------


class Account(TastyModel):
    """One brokerage account (most fields are optional: the sandbox omits several)."""

    account_number: str
    nickname: str | None = None
    account_type_name: str | None = None
    margin_or_cash: str | None = None
    is_closed: bool | None = None
    is_firm_error: bool | None = None
    is_futures_approved: bool | None = None
    is_test_drive: bool | None = None
    day_trader_status: bool | None = None
    suitable_options_level: str | None = None
    external_id: str | None = None
    opened_at: datetime | None = None
    created_at: datetime | None = None
    funding_date: date | None = None


class CustomerAccount(TastyModel):
    """An item of `GET /customers/me/accounts`: the account and the user's authority on it."""

    account: Account
    authority_level: str | None = None


class Balance(TastyModel):
    """Account balances in one currency; amounts are unsigned (see `pending_cash_effect`)."""

    account_number: str
    currency: str = "USD"
    cash_balance: Decimal
    net_liquidating_value: Decimal
    derivative_buying_power: Decimal
    equity_buying_power: Decimal | None = None
    maintenance_requirement: Decimal | None = None
    maintenance_excess: Decimal | None = None
    maintenance_call_value: Decimal | None = None
    margin_equity: Decimal | None = None
    long_derivative_value: Decimal | None = None
    short_derivative_value: Decimal | None = None
    long_equity_value: Decimal | None = None
    short_equity_value: Decimal | None = None
    used_derivative_buying_power: Decimal | None = None
    cash_available_to_withdraw: Decimal | None = None
    pending_cash: Decimal | None = None
    pending_cash_effect: str | None = None
    snapshot_date: date | None = None
    updated_at: datetime | None = None


class TradingStatus(TastyModel):
    """`GET /accounts/{n}/trading-status`: what the account may trade now.

    The flags are optional because a missing flag must read as "not sent", never as False: the
    broker guard refuses an order when `is-frozen` or `is-closing-only` is absent. The API sends
    about 40 more fields; those the cockpit does not read are ignored.
    """

    account_number: str
    is_frozen: bool | None = None
    is_closed: bool | None = None
    is_closing_only: bool | None = None
    is_in_margin_call: bool | None = None
    is_risk_reducing_only: bool | None = None
    is_pattern_day_trader: bool | None = None
    is_in_day_trade_equity_maintenance_call: bool | None = None
    day_trade_count: int | None = None
    options_level: str | None = None
    short_calls_enabled: bool | None = None
    updated_at: datetime | None = None


class Position(TastyModel):
    """One position; `quantity` is always positive, the side is in `quantity_direction`."""

    account_number: str
    symbol: str
    instrument_type: str
    underlying_symbol: str | None = None
    quantity: Decimal
    quantity_direction: str
    average_open_price: Decimal | None = None
    close_price: Decimal | None = None
    mark: Decimal | None = None
    mark_price: Decimal | None = None
    multiplier: Decimal = Decimal(1)
    cost_effect: str | None = None
    realized_day_gain: Decimal | None = None
    realized_day_gain_effect: str | None = None
    realized_today: Decimal | None = None
    realized_today_effect: str | None = None
    expires_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def signed_quantity(self) -> Decimal:
        """Quantity with the side applied: short positions are negative."""
        return -self.quantity if self.quantity_direction == "Short" else self.quantity


# --- option chains and quotes -------------------------------------------------------------


class TickSize(TastyModel):
    """A price increment, valid below `threshold` (or everywhere when it has none)."""

    value: Decimal
    threshold: Decimal | None = None


class ChainStrike(TastyModel):
    """One strike of a nested chain: the call and put OCC symbols."""

    strike_price: Decimal
    call: str
    put: str
    call_streamer_symbol: str | None = None
    put_streamer_symbol: str | None = None


class ChainExpiration(TastyModel):
    """One expiration of a nested chain."""

    expiration_date: date
    days_to_expiration: int
    expiration_type: str | None = None
    settlement_type: str | None = None
    strikes: list[ChainStrike]


class NestedOptionChain(TastyModel):
    """One item of `GET /option-chains/{symbol}/nested` (SPX-like chains have several)."""

    underlying_symbol: str
    root_symbol: str
    option_chain_type: str | None = None
    shares_per_contract: int = 100
    tick_sizes: list[TickSize] = Field(default_factory=list)
    expirations: list[ChainExpiration]


class Quote(TastyModel):
    """A market-data snapshot (`GET /market-data/by-type`)."""

    symbol: str
    instrument_type: str
    bid: Decimal | None = None
    ask: Decimal | None = None
    mid: Decimal | None = None
    mark: Decimal | None = None
    last: Decimal | None = None
    updated_at: datetime | None = None


# --- orders -------------------------------------------------------------------------------


class NewOrderLeg(TastyModel):
    """One leg of an order request (a whole quantity is sent as a JSON number)."""

    instrument_type: str
    symbol: str
    quantity: Decimal = Field(gt=0)
    action: str

    @field_serializer("quantity")
    def _quantity_number(self, quantity: Decimal) -> int | str:
        return int(quantity) if quantity == quantity.to_integral_value() else str(quantity)


class NewOrder(TastyModel):
    """An order request body; serialize with `to_body()`.

    Rules checked here (the server checks them too): 1 to 4 legs with distinct symbols; `price`
    positive and present exactly for Limit / Stop Limit; `price_effect` whenever `price` is set.
    """

    time_in_force: str = "Day"
    order_type: str = "Limit"
    price: Decimal | None = None
    price_effect: Effect | None = None
    legs: list[NewOrderLeg]
    source: str | None = None
    external_identifier: str | None = None
    gtc_date: date | None = None
    advanced_instructions: dict[str, bool] | None = None

    @field_validator("price")
    @classmethod
    def _price_positive(cls, price: Decimal | None) -> Decimal | None:
        if price is not None and price <= 0:
            raise ValueError("price must be positive; the direction goes in price-effect")
        return price

    @model_validator(mode="after")
    def _documented_rules(self) -> NewOrder:
        if not 1 <= len(self.legs) <= 4:
            raise ValueError(f"an order has 1 to 4 legs, this one has {len(self.legs)}")
        symbols = [leg.symbol for leg in self.legs]
        if len(set(symbols)) != len(symbols):
            raise ValueError("each leg must have a distinct symbol")
        priced = self.order_type in ("Limit", "Stop Limit")
        if priced and self.price is None:
            raise ValueError(f"a {self.order_type} order needs a price")
        if not priced and self.price is not None:
            raise ValueError(f"a {self.order_type} order must not carry a price")
        if self.price is not None and self.price_effect not in (Effect.CREDIT, Effect.DEBIT):
            raise ValueError("price-effect must be Credit or Debit when a price is set")
        return self

    def to_body(self) -> dict[str, object]:
        """The JSON body the API expects (kebab-case keys, Decimals as strings, no nulls)."""
        return self.model_dump(mode="json", exclude_none=True)


class Fill(TastyModel):
    """One execution on an order leg."""

    fill_id: str | None = None
    quantity: Decimal
    fill_price: Decimal
    filled_at: datetime | None = None
    destination_venue: str | None = None
    ext_exec_id: str | None = None
    ext_group_fill_id: str | None = None


class OrderLeg(TastyModel):
    """A leg of a placed order, with what remains to fill and its fills."""

    instrument_type: str
    symbol: str
    quantity: Decimal
    remaining_quantity: Decimal | None = None
    action: str
    fills: list[Fill] = Field(default_factory=list)


class Order(TastyModel):
    """A placed order (a dry-run order has no `id` and `updated-at` 0)."""

    id: int | None = None
    account_number: str
    time_in_force: str
    order_type: str
    size: Decimal | None = None
    underlying_symbol: str | None = None
    underlying_instrument_type: str | None = None
    price: Decimal | None = None
    price_effect: str | None = None
    status: str
    cancellable: bool | None = None
    editable: bool | None = None
    edited: bool | None = None
    external_identifier: str | None = None
    reject_reason: str | None = None
    received_at: datetime | None = None
    live_at: datetime | None = None
    terminal_at: datetime | None = None
    cancelled_at: datetime | None = None
    updated_at: int | None = None
    legs: list[OrderLeg]

    @property
    def is_terminal(self) -> bool:
        """True once the order can no longer change (Filled, Cancelled, Rejected, ...)."""
        return self.status in TERMINAL_STATUSES


class BuyingPowerEffect(TastyModel):
    """How an order changes buying power; every amount is unsigned plus an effect."""

    change_in_margin_requirement: Decimal
    change_in_margin_requirement_effect: str
    change_in_buying_power: Decimal
    change_in_buying_power_effect: str
    current_buying_power: Decimal
    current_buying_power_effect: str
    new_buying_power: Decimal
    new_buying_power_effect: str
    isolated_order_margin_requirement: Decimal | None = None
    isolated_order_margin_requirement_effect: str | None = None
    is_spread: bool | None = None
    impact: Decimal | None = None
    effect: str | None = None


class FeeCalculation(TastyModel):
    """Estimated fees of an order; `total_fees` is the sum of the others."""

    regulatory_fees: Decimal
    regulatory_fees_effect: str
    clearing_fees: Decimal
    clearing_fees_effect: str
    commission: Decimal
    commission_effect: str
    proprietary_index_option_fees: Decimal | None = None
    proprietary_index_option_fees_effect: str | None = None
    total_fees: Decimal
    total_fees_effect: str


class OrderResponse(TastyModel):
    """`data` of a dry-run or submit answer."""

    order: Order | None = None
    warnings: list[ApiMessage] = Field(default_factory=list)
    errors: list[ApiErrorDetail] = Field(default_factory=list)
    notes: list[ApiMessage] = Field(default_factory=list)
    buying_power_effect: BuyingPowerEffect | None = None
    fee_calculation: FeeCalculation | None = None
    closing_fee_calculation: FeeCalculation | None = None


class OrderPlacement(BaseModel):
    """What `place_order` established: the order, and whether it was found by a lookup.

    `response` is the broker's answer to the POST; it is None when the answer was lost (timeout,
    dropped connection, unreadable body) and the order was found afterwards by its
    `external_identifier` (`recovered_by_lookup` is then True).
    """

    model_config = ConfigDict(frozen=True)

    external_identifier: str
    order: Order
    response: OrderResponse | None
    recovered_by_lookup: bool


# --- transactions -------------------------------------------------------------------------


class Transaction(TastyModel):
    """One account transaction (a multi-leg fill gives one per leg, linked by `order_id`)."""

    id: int
    account_number: str
    transaction_type: str
    transaction_sub_type: str | None = None
    description: str | None = None
    executed_at: datetime
    transaction_date: date
    action: str | None = None
    symbol: str | None = None
    underlying_symbol: str | None = None
    instrument_type: str | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    value: Decimal
    value_effect: str
    net_value: Decimal
    net_value_effect: str
    commission: Decimal | None = None
    commission_effect: str | None = None
    clearing_fees: Decimal | None = None
    clearing_fees_effect: str | None = None
    regulatory_fees: Decimal | None = None
    regulatory_fees_effect: str | None = None
    proprietary_index_option_fees: Decimal | None = None
    proprietary_index_option_fees_effect: str | None = None
    order_id: int | None = None
    currency: str | None = None

    @property
    def signed_net_value(self) -> Decimal:
        """Net value with its sign: money in is positive, money out negative."""
        return signed_amount(self.net_value, self.net_value_effect)


class Pagination(TastyModel):
    """The `pagination` block of a paged list."""

    per_page: int
    page_offset: int
    total_pages: int
    total_items: int | None = None
    current_item_count: int | None = None
