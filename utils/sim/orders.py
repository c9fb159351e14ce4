"""Order requests of the simulated broker: parsing, preflight rules, fees and the JSON shapes.

Preflight follows the documented rules (research sections 4.1 and 10): Limit orders need a
positive price and a Credit/Debit effect, Market orders carry no price and are never GTC, at most
4 legs with distinct symbols and one underlying, an equity order has one leg, symbols must be
listed, and no buying for a credit or selling for a debit. Codes the research could not pin down
are documented guesses: `invalid_symbol`, `margin_check_failed` (insufficient buying power).

Fees (Decimal): options cost $1.00 per contract to open and nothing to close, clearing $0.10 and
regulatory fees $0.051 per contract (the documented example: 2 contracts -> 0.102 / 0.2 / 2.0);
equities clear at $0.0008 a share, and sells pay a $0.000166 a share TAF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from math import gcd
from typing import Any

from utils.sim import market
from utils.spreads.symbols import OptionSymbol
from utils.sim.market import decimal_text

OPEN_ACTIONS = frozenset({"Buy to Open", "Sell to Open"})
CLOSE_ACTIONS = frozenset({"Buy to Close", "Sell to Close"})
BUY_ACTIONS = frozenset({"Buy to Open", "Buy to Close"})
ORDER_TYPES = frozenset({"Limit", "Market"})
TIMES_IN_FORCE = frozenset({"Day", "GTC", "IOC"})
INSTRUMENT_TYPES = frozenset({"Equity", "Equity Option"})
WORKING = frozenset({"Received", "Routed", "Live"})
OPTION_COMMISSION_TO_OPEN = Decimal("1.00")
OPTION_CLEARING_FEE = Decimal("0.10")
OPTION_REGULATORY_FEE = Decimal("0.051")
EQUITY_CLEARING_FEE = Decimal("0.0008")
EQUITY_SELL_TAF = Decimal("0.000166")
CLOSING_WITH_NO_POSITION = (
    "You cannot route a closing order without an existing position to close. This order will "
    "be updated to an opening order when routed."
)
UNKNOWN_SYMBOL = "invalid_symbol"


class FillBehavior(StrEnum):
    """How the simulated exchange treats an order (the fill model of `utils.sim.book`)."""

    QUOTE = "quote"
    LEGACY_CERT = "legacy-cert"
    IMMEDIATE = "immediate"
    NEVER = "never"
    REJECT = "reject"
    PARTIAL = "partial"


class SimRequestError(Exception):
    """An answer in the documented `error` envelope; `data` rides along for a failed dry-run."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        errors: list[dict[str, str]] | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors or []
        self.data = data

    def body(self) -> dict[str, Any]:
        """The JSON body: `{"error": {...}}`, plus `data` when there is one."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.errors:
            error["errors"] = self.errors
        return {"error": error} | ({"data": self.data} if self.data is not None else {})


def not_found(what: str) -> SimRequestError:
    """404 in the error envelope (the code string is a guess: none is documented)."""
    return SimRequestError(404, "not_found", f"{what} not found")


@dataclass
class SimLeg:
    """One leg of an order on the book, with what remains to fill and its fills (JSON)."""

    instrument_type: str
    symbol: str
    quantity: Decimal
    action: str
    remaining: Decimal
    fills: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_buy(self) -> bool:
        """True for Buy to Open / Buy to Close."""
        return self.action in BUY_ACTIONS

    @property
    def multiplier(self) -> int:
        """Shares per unit: 100 for an equity option, 1 for a share."""
        return market.CONTRACT_MULTIPLIER if self.instrument_type == "Equity Option" else 1

    def signed(self, quantity: Decimal) -> Decimal:
        """`quantity` as a change of position: buys add, sells subtract."""
        return quantity if self.is_buy else -quantity


@dataclass
class SimOrder:
    """An order as the book keeps it (mutable: its status and fills move as it is worked)."""

    account_number: str
    time_in_force: str
    order_type: str
    price: Decimal | None
    price_effect: str | None
    legs: list[SimLeg]
    behavior: FillBehavior
    strict_position_effect: bool
    external_identifier: str | None = None
    source: str | None = None
    id: int | None = None
    status: str = "Received"
    received_at: datetime | None = None
    updated_at: datetime | None = None
    live_at: datetime | None = None
    terminal_at: datetime | None = None
    cancelled_at: datetime | None = None
    reject_reason: str | None = None

    @property
    def size(self) -> int:
        """Spread units: the gcd of the leg quantities."""
        quantities = [int(leg.quantity) for leg in self.legs]
        result = 0
        for quantity in quantities:
            result = gcd(result, quantity)
        return max(result, 1)

    @property
    def underlying(self) -> str:
        """The underlying symbol shared by the legs."""
        return root_of(self.legs[0].symbol)

    @property
    def multiplier(self) -> int:
        """The largest leg multiplier (100 as soon as one leg is an option)."""
        return max(leg.multiplier for leg in self.legs)

    @property
    def remaining_units(self) -> int:
        """Spread units still to fill."""
        leg = self.legs[0]
        return int(leg.remaining * self.size / leg.quantity)

    def signed_premium(self, net_price: Decimal, units: int) -> Decimal:
        """Cash the order moves at `net_price` per unit: a credit is positive."""
        amount = net_price * units * self.multiplier
        return amount if self.price_effect == "Credit" else -amount


@dataclass(frozen=True)
class Fees:
    """Commission, clearing and regulatory fees of a fill or an order estimate."""

    commission: Decimal
    clearing: Decimal
    regulatory: Decimal

    @property
    def total(self) -> Decimal:
        """The sum of the three fees."""
        return self.commission + self.clearing + self.regulatory

    def __add__(self, other: Fees) -> Fees:
        return Fees(
            self.commission + other.commission,
            self.clearing + other.clearing,
            self.regulatory + other.regulatory,
        )


NO_FEES = Fees(Decimal(0), Decimal(0), Decimal(0))


def parse_order(body: Any, *, account_number: str, behavior: FillBehavior) -> SimOrder:
    """Build an order from a request body or raise 400 naming the bad fields."""
    problems: list[dict[str, str]] = []

    def problem(code: str, message: str) -> None:
        problems.append({"code": code, "message": message})

    if not isinstance(body, dict):
        raise SimRequestError(400, "validation_error", "the body must be a JSON object")
    legs: list[SimLeg] = []
    raw_legs = body.get("legs")
    if not isinstance(raw_legs, list) or not raw_legs:
        problem("legs", "legs must be a non-empty list")
        raw_legs = []
    for index, raw in enumerate(raw_legs):
        leg = _parse_leg(raw, index, problem)
        if leg is not None:
            legs.append(leg)
    price = _decimal(body.get("price"))
    if body.get("price") is not None and price is None:
        problem("price", f"price {body.get('price')!r} is not a number")
    if problems:
        raise SimRequestError(400, "validation_error", "Invalid order body", problems)
    instructions = body.get("advanced-instructions") or {}
    return SimOrder(
        account_number=account_number,
        time_in_force=str(body.get("time-in-force", "")),
        order_type=str(body.get("order-type", "")),
        price=price,
        price_effect=body.get("price-effect"),
        legs=legs,
        behavior=behavior,
        strict_position_effect=bool(
            isinstance(instructions, dict) and instructions.get("strict-position-effect-validation")
        ),
        external_identifier=body.get("external-identifier"),
        source=body.get("source"),
    )


def order_json(order: SimOrder) -> dict[str, Any]:
    """An order in the documented shape (a dry-run order has no id)."""
    body: dict[str, Any] = {}
    if order.id is not None:  # a dry-run order has no id and no exchange identifiers
        body.update(
            {
                "id": order.id,
                "ext-exchange-order-number": f"SIM{order.id}",
                "ext-client-order-id": f"sim-{order.id}",
                "ext-global-order-number": order.id,
            }
        )
    body.update(
        {
            "account-number": order.account_number,
            "time-in-force": order.time_in_force,
            "order-type": order.order_type,
            "size": order.size,
            "underlying-symbol": order.underlying,
            "underlying-instrument-type": "Equity",
            "status": order.status,
            "cancellable": order.status in ("Received", "Live"),
            "editable": order.status in ("Received", "Live"),
            "edited": False,
        }
    )
    if order.price is not None:
        body["price"] = decimal_text(order.price)
    if order.price_effect is not None:
        body["price-effect"] = order.price_effect
    for key, value in (
        ("external-identifier", order.external_identifier),
        ("source", order.source),
        ("reject-reason", order.reject_reason),
    ):
        if value is not None:
            body[key] = value
    for key, moment in (
        ("received-at", order.received_at),
        ("live-at", order.live_at),
        ("terminal-at", order.terminal_at),
        ("cancelled-at", order.cancelled_at),
    ):
        if moment is not None:
            body[key] = iso_time(moment)
    body["updated-at"] = _epoch_ms(order.updated_at) if order.updated_at else 0
    body["legs"] = [
        {
            "instrument-type": leg.instrument_type,
            "symbol": leg.symbol,
            "quantity": json_number(leg.quantity),
            "remaining-quantity": json_number(leg.remaining),
            "action": leg.action,
            "fills": [dict(fill) for fill in leg.fills],
        }
        for leg in order.legs
    ]
    return body


def _parse_leg(raw: Any, index: int, problem: Any) -> SimLeg | None:
    where = f"legs[{index}]"
    if not isinstance(raw, dict):
        problem(where, f"{where} must be an object")
        return None
    missing = [k for k in ("instrument-type", "symbol", "quantity", "action") if k not in raw]
    if missing:
        problem(where, f"{where} is missing {', '.join(missing)}")
        return None
    quantity = _decimal(raw["quantity"])
    if quantity is None:
        problem(where, f"{where}.quantity {raw['quantity']!r} is not a number")
        return None
    return SimLeg(
        instrument_type=str(raw["instrument-type"]),
        symbol=str(raw["symbol"]),
        quantity=quantity,
        action=str(raw["action"]),
        remaining=quantity,
    )


def check_structure(order: SimOrder, today: date, error: Any) -> None:
    """The documented preflight rules that depend on the order alone."""
    if order.order_type not in ORDER_TYPES:
        error(
            "order_type_not_supported",
            f"The simulator takes Limit and Market orders, not {order.order_type!r}.",
        )
    if order.time_in_force not in TIMES_IN_FORCE:
        error(
            "time_in_force_not_supported",
            f"The simulator takes Day, GTC and IOC, not {order.time_in_force!r}.",
        )
    if order.order_type == "Market" and order.time_in_force == "GTC":
        error("gtc_market_orders_not_supported", "GTC/GTD Market orders are not supported.")
    if order.order_type == "Limit" and (order.price is None or order.price <= 0):
        error("price_required", "A Limit order needs a positive price.")
    if order.order_type == "Market" and order.price is not None:
        error("price_not_allowed", "A Market order must not carry a price.")
    if order.price is not None and order.price_effect not in ("Credit", "Debit"):
        error("price_effect_required", "price-effect must be Credit or Debit when a price is set.")
    symbols = [leg.symbol for leg in order.legs]
    if len(set(symbols)) != len(symbols):
        error("duplicate_leg_symbols", "Each leg must have a distinct symbol.")
    if len(order.legs) > 4:
        error("too_many_legs", "Option orders have at most 4 legs.")
    if len(order.legs) > 1 and any(leg.instrument_type == "Equity" for leg in order.legs):
        error("equity_order_single_leg", "Equity orders have exactly one leg.")
    if order.order_type == "Market" and len(order.legs) > 1:
        error("market_order_single_leg", "Market orders have exactly one leg.")
    if len({root_of(symbol) for symbol in symbols}) > 1:
        error("multiple_underlyings", "All legs must share one underlying.")
    for leg in order.legs:
        is_option = market.option_of(leg.symbol) is not None
        if leg.instrument_type not in INSTRUMENT_TYPES:
            error(
                "instrument_type_not_supported",
                f"The simulator does not trade {leg.instrument_type}.",
            )
        elif leg.action not in OPEN_ACTIONS | CLOSE_ACTIONS:
            error("invalid_action", f"{leg.action!r} is not a valid action.")
        elif leg.quantity <= 0 or leg.quantity != leg.quantity.to_integral_value():
            error(
                "invalid_quantity",
                f"{leg.symbol.strip()}: the quantity must be a positive whole number.",
            )
        elif not market.is_listed(leg.symbol, today) or is_option != (
            leg.instrument_type == "Equity Option"
        ):
            error(
                UNKNOWN_SYMBOL, f"{leg.symbol.strip()} is not a known {leg.instrument_type} symbol."
            )
    _check_direction(order, today, error)


def _check_direction(order: SimOrder, today: date, error: Any) -> None:
    """Buying for a credit or selling for a debit is refused (direction from the mids)."""
    if order.price_effect is None or not order.legs:
        return
    if len(order.legs) == 1:
        buying = order.legs[0].is_buy
    else:
        net = Decimal(0)
        for leg in order.legs:
            quote = market.quote(leg.symbol, today)
            if quote is None:
                return
            net += -quote.mid if leg.is_buy else quote.mid
        if net == 0:
            return
        buying = net < 0
    if buying and order.price_effect == "Credit":
        error("cant_buy_for_credit", "You cannot buy for a credit.")
    if not buying and order.price_effect == "Debit":
        error("cant_sell_for_debit", "You cannot sell for a debit.")


def root_of(symbol: str) -> str:
    """The underlying of an option symbol, or the symbol itself for a share."""
    option = market.option_of(symbol)
    return option.root if option is not None else symbol


def preflight_failure(errors: list[dict[str, str]], data: dict[str, Any] | None) -> SimRequestError:
    """422 `preflight_check_failure` listing `errors` (with the dry-run `data`, if any)."""
    return SimRequestError(
        422, "preflight_check_failure", "One or more preflight checks failed", errors, data
    )


def leg_fees(leg: SimLeg, quantity: Decimal) -> Fees:
    """Fees of `quantity` of one leg (see the module docstring for the schedule)."""
    if leg.instrument_type == "Equity Option":
        commission = (
            OPTION_COMMISSION_TO_OPEN * quantity if leg.action in OPEN_ACTIONS else Decimal(0)
        )
        return Fees(commission, OPTION_CLEARING_FEE * quantity, OPTION_REGULATORY_FEE * quantity)
    regulatory = Decimal(0) if leg.is_buy else EQUITY_SELL_TAF * quantity
    return Fees(Decimal(0), EQUITY_CLEARING_FEE * quantity, regulatory)


def fee_json(fees: Fees) -> dict[str, str]:
    """The documented `fee-calculation` object."""
    return {
        "regulatory-fees": decimal_text(fees.regulatory),
        "regulatory-fees-effect": fee_effect(fees.regulatory),
        "clearing-fees": decimal_text(fees.clearing),
        "clearing-fees-effect": fee_effect(fees.clearing),
        "commission": decimal_text(fees.commission),
        "commission-effect": fee_effect(fees.commission),
        "proprietary-index-option-fees": "0.0",
        "proprietary-index-option-fees-effect": "None",
        "total-fees": decimal_text(fees.total),
        "total-fees-effect": fee_effect(fees.total),
    }


def amount_json(key: str, signed_debit: Decimal) -> dict[str, str]:
    """`key` unsigned plus `key-effect`: positive is a Debit, negative a Credit."""
    return {key: decimal_text(abs(signed_debit)), f"{key}-effect": effect_of(signed_debit)}


def effect_of(signed_debit: Decimal) -> str:
    """Debit for a positive amount, Credit for a negative one, None for zero."""
    if signed_debit > 0:
        return "Debit"
    return "Credit" if signed_debit < 0 else "None"


def fee_effect(fee: Decimal) -> str:
    """A fee's effect: Debit when charged, None when zero."""
    return "Debit" if fee > 0 else "None"


def option_words(option: OptionSymbol) -> str:
    """`SPY 03/20/26 Put 530.00`, as transaction descriptions name an option."""
    kind = "Call" if option.option_type == "C" else "Put"
    return f"{option.root} {option.expiration:%m/%d/%y} {kind} {option.strike:.2f}"


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def json_number(value: Decimal) -> int | str:
    """A quantity as the API writes it: a JSON number when whole."""
    return int(value) if value == value.to_integral_value() else decimal_text(value)


def iso_time(moment: datetime) -> str:
    """An API timestamp: UTC, milliseconds, `+00:00`."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
