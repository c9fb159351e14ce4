"""Orders: the request body the client sends (and its builder), placed orders, fills, dry-runs."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)

from utils.tastytrade.api_model import (
    ApiErrorDetail,
    ApiMessage,
    Effect,
    TastyModel,
    describe_validation,
)
from utils.tastytrade.errors import InvalidRequest


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


def new_client_order_id() -> str:
    """A fresh unique `external-identifier` for one order."""
    return str(uuid.uuid4())


# Every order the cockpit builds asks the broker to keep its position effect as sent: without it
# tastytrade silently turns a closing order with no position into an opening one (the dry-run
# only warns `closing_with_no_position`). On opening orders it costs nothing and means the broker
# never re-labels any order the person confirmed.
STRICT_POSITION_EFFECT = {"strict-position-effect-validation": True}


def build_spread_order(
    legs: Iterable[NewOrderLeg | Mapping[str, Any]],
    *,
    price: Decimal,
    price_effect: Literal["Credit", "Debit"],
    time_in_force: str = "Day",
    source: str | None = None,
    external_identifier: str | None = None,
) -> NewOrder:
    """A Limit order body for a multi-leg spread, with a fresh external identifier and
    `strict-position-effect-validation` on (STRICT_POSITION_EFFECT).

    `legs` are NewOrderLeg models or dicts of the documented leg shape
    (`instrument-type`, `symbol`, `quantity`, `action`; snake_case keys work too); `price` is the
    positive net price per spread unit and `price_effect` says whether it is received or paid.
    Raises InvalidRequest naming the broken rule (1-4 legs, distinct symbols, positive price).
    """
    try:
        parsed = [
            leg if isinstance(leg, NewOrderLeg) else NewOrderLeg.model_validate(dict(leg))
            for leg in legs
        ]
        return NewOrder(
            time_in_force=time_in_force,
            order_type="Limit",
            price=Decimal(price),
            price_effect=price_effect,
            legs=parsed,
            source=source,
            external_identifier=external_identifier or new_client_order_id(),
            advanced_instructions=dict(STRICT_POSITION_EFFECT),
        )
    except ValidationError as error:
        raise InvalidRequest(f"spread order refused: {describe_validation(error)}") from None
