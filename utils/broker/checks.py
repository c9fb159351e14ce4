"""The guard's pure checks on what the broker says: account flags, dry-run answers, order echoes,
statuses and fills. Each returns `GuardReason`s (empty when all is well); the guard decides which
are refusals and which are anomalies.

Rules:
- Account: the login's authority on it must be `owner` or `trade-only`; a closed or frozen
  account (or one flagged as a firm error) refuses every order; closing-only and a margin call
  (trading status `is-in-margin-call`, or a negative maintenance excess) refuse opening orders.
- Dry-run: clean only with an order echo that matches what was sent (legs, price, effect, type),
  a buying-power effect, a fee calculation, no `errors` and no warning beyond the benign
  next-session notice (`BENIGN_WARNING_CODES`). tastytrade rejects a submit after a warning.
- Status after a submit: one of `ACCEPTED_STATUSES`; `Rejected` or anything else is an anomaly.
- Fill: the average net fill per spread unit may not be worse than the limit (tolerance
  `FILL_PRICE_TOLERANCE`, for per-leg rounding), nor better by more than
  max(`FILL_FAR_MIN_USD`, `FILL_FAR_PCT` % of the limit) per share: a limit order filled far
  from its price points at a wrong symbol, a stale quote or a broker fault.
"""

from __future__ import annotations

from decimal import Decimal
from functools import reduce
from math import gcd

from utils.broker.models import GuardCode, GuardReason, WhatIf, reason
from utils.broker.confirmation import BoundLeg, OrderBinding
from utils.records.sandbox import mask_account
from utils.spreads.legs import PositionEffect
from utils.core.money import usd
from utils.tastytrade.accounts import Balance, CustomerAccount
from utils.tastytrade.api_model import TastyModel, signed_amount
from utils.tastytrade.orders import NewOrder, Order, OrderResponse

TRADING_AUTHORITIES = frozenset({"owner", "trade-only"})
BENIGN_WARNING_CODES = frozenset(
    {"tif.next_valid_session", "tif_next_valid_sesssion", "tif_next_valid_session"}
)
ACCEPTED_STATUSES = frozenset({"Received", "Routed", "In Flight", "Contingent", "Live", "Filled"})
LATER_NORMAL_STATUSES = ACCEPTED_STATUSES | {"Cancel Requested", "Cancelled", "Expired"}
FILL_PRICE_TOLERANCE = Decimal("0.005")
FILL_FAR_MIN_USD = Decimal("0.10")
FILL_FAR_PCT = Decimal(10)
HUNDRED = Decimal(100)


class TradingStatus(TastyModel):
    """`GET /accounts/{n}/trading-status`, the flags the guard reads (None = not sent)."""

    account_number: str | None = None
    is_frozen: bool | None = None
    is_closed: bool | None = None
    is_closing_only: bool | None = None
    is_in_margin_call: bool | None = None


def account_refusals(
    customer: CustomerAccount,
    balance: Balance | None,
    status: TradingStatus | None,
    position_effect: PositionEffect,
) -> list[GuardReason]:
    """Why this account may not take this order now (empty when it may)."""
    account = customer.account
    who = mask_account(account.account_number)
    opening = position_effect is not PositionEffect.CLOSING
    found: list[GuardReason] = []
    authority = customer.authority_level
    if authority not in TRADING_AUTHORITIES:
        found.append(
            reason(
                GuardCode.ACCOUNT_READ_ONLY,
                f"Account {who}: this login's authority is {authority or 'not stated'}; "
                "placing orders needs owner or trade-only.",
                account=who,
                authority=authority or "",
            )
        )
    if account.is_closed or (status is not None and status.is_closed):
        found.append(reason(GuardCode.ACCOUNT_CLOSED, f"Account {who} is closed.", account=who))
    if account.is_firm_error:
        found.append(
            reason(
                GuardCode.ACCOUNT_FROZEN,
                f"Account {who} is flagged as a firm error by the broker; call tastytrade.",
                account=who,
            )
        )
    if status is not None:
        if status.is_frozen is None or status.is_closing_only is None:
            found.append(
                reason(
                    GuardCode.ACCOUNT_FLAGS_UNREADABLE,
                    f"Account {who}: the trading status lacks is-frozen or is-closing-only.",
                    account=who,
                )
            )
        if status.is_frozen:
            found.append(reason(GuardCode.ACCOUNT_FROZEN, f"Account {who} is frozen.", account=who))
        if status.is_closing_only and opening:
            found.append(
                reason(
                    GuardCode.ACCOUNT_CLOSING_ONLY,
                    f"Account {who} is closing-only: only closing orders are accepted.",
                    account=who,
                )
            )
    margin_call = status is not None and bool(status.is_in_margin_call)
    excess = None if balance is None else balance.maintenance_excess
    if excess is not None and excess < 0:
        margin_call = True
    if margin_call and opening:
        found.append(
            reason(
                GuardCode.ACCOUNT_MARGIN_CALL,
                f"Account {who} is in a margin call"
                + (f" (maintenance excess {usd(excess)})" if excess is not None else "")
                + ": only closing orders are accepted.",
                account=who,
            )
        )
    return found


def order_binding(order: NewOrder) -> OrderBinding:
    """The confirmation binding of an order request."""
    return OrderBinding(
        legs=tuple(
            BoundLeg(symbol=leg.symbol, action=leg.action, quantity=int(leg.quantity))
            for leg in order.legs
        ),
        price=order.price if order.price is not None else Decimal(0),
        price_effect=str(order.price_effect.value if order.price_effect else ""),
        order_type=order.order_type,
        time_in_force=order.time_in_force,
    )


def _symbol_key(symbol: str) -> str:
    return "".join(symbol.split()).upper()


def echo_mismatch(echo: Order, sent: NewOrder) -> str | None:
    """How the broker's copy of an order differs from what was sent (None when it matches)."""
    sent_legs = sorted(
        (_symbol_key(leg.symbol), leg.action, Decimal(leg.quantity)) for leg in sent.legs
    )
    echo_legs = sorted((_symbol_key(leg.symbol), leg.action, leg.quantity) for leg in echo.legs)
    problems = []
    if sent_legs != echo_legs:
        problems.append("legs")
    if sent.price is not None and (echo.price is None or echo.price != sent.price):
        problems.append(f"price (sent {sent.price}, broker {echo.price})")
    sent_effect = sent.price_effect.value if sent.price_effect else None
    if sent_effect is not None and echo.price_effect != sent_effect:
        problems.append(f"price effect (sent {sent_effect}, broker {echo.price_effect})")
    if echo.order_type != sent.order_type:
        problems.append(f"order type (sent {sent.order_type}, broker {echo.order_type})")
    return ", ".join(problems) if problems else None


def what_if(response: OrderResponse) -> WhatIf:
    """The buying-power effect, fees and warnings of a dry-run answer (signed: paid < 0)."""
    bpe, fees, closing = (
        response.buying_power_effect,
        response.fee_calculation,
        response.closing_fee_calculation,
    )
    return WhatIf(
        buying_power_change_usd=(
            None
            if bpe is None
            else signed_amount(bpe.change_in_buying_power, bpe.change_in_buying_power_effect)
        ),
        new_buying_power_usd=(
            None
            if bpe is None
            else signed_amount(bpe.new_buying_power, bpe.new_buying_power_effect)
        ),
        margin_requirement_usd=None if bpe is None else bpe.change_in_margin_requirement,
        fees_usd=None if fees is None else -signed_amount(fees.total_fees, fees.total_fees_effect),
        closing_fees_usd=(
            None
            if closing is None
            else -signed_amount(closing.total_fees, closing.total_fees_effect)
        ),
        warnings=tuple(
            f"{w.code}: {w.message}" if w.code else str(w.message) for w in response.warnings
        ),
    )


def dry_run_findings(
    response: OrderResponse, sent: NewOrder
) -> tuple[list[GuardReason], list[GuardReason]]:
    """(refusals, anomalies) of a 2xx dry-run answer; both empty for a clean dry-run."""
    refusals: list[GuardReason] = []
    anomalies: list[GuardReason] = []
    if response.order is None:
        anomalies.append(
            reason(GuardCode.DRY_RUN_UNREADABLE, "The dry-run answer holds no order echo.")
        )
    else:
        mismatch = echo_mismatch(response.order, sent)
        if mismatch is not None:
            anomalies.append(
                reason(
                    GuardCode.DRY_RUN_MISMATCH,
                    f"The broker's dry-run is not of the order sent: {mismatch} differ.",
                    differs=mismatch,
                )
            )
    missing = [
        name
        for name, value in (
            ("buying-power-effect", response.buying_power_effect),
            ("fee-calculation", response.fee_calculation),
        )
        if value is None
    ]
    if missing:
        anomalies.append(
            reason(
                GuardCode.DRY_RUN_UNREADABLE,
                f"The dry-run answer lacks {' and '.join(missing)}: what the order would do is "
                "unknown.",
                missing=", ".join(missing),
            )
        )
    if response.errors:
        refusals.append(
            reason(
                GuardCode.DRY_RUN_ERRORS,
                "The broker's dry-run lists errors: "
                + "; ".join(e.describe() for e in response.errors)
                + ".",
            )
        )
    serious = [w for w in response.warnings if (w.code or "") not in BENIGN_WARNING_CODES]
    if serious:
        refusals.append(
            reason(
                GuardCode.DRY_RUN_WARNING,
                "The broker's dry-run warns: "
                + "; ".join(f"{w.code}: {w.message}" for w in serious)
                + ". tastytrade rejects an order submitted after such a warning.",
            )
        )
    return refusals, anomalies


def submit_status_finding(order: Order) -> GuardReason | None:
    """An anomaly when a just-submitted order is not in an accepted status."""
    if order.status in ACCEPTED_STATUSES:
        return None
    if order.status == "Rejected":
        why = f": {order.reject_reason}" if order.reject_reason else ""
        return reason(
            GuardCode.ORDER_REJECTED,
            f"The broker rejected order {order.id}{why}.",
            order_id=order.id,
            status=order.status,
        )
    return reason(
        GuardCode.ORDER_UNEXPECTED_STATUS,
        f"Order {order.id} is '{order.status}' right after it was submitted.",
        order_id=order.id,
        status=order.status,
    )


def later_status_finding(order: Order) -> GuardReason | None:
    """An anomaly when a working order later turns out rejected or in an unknown status."""
    if order.status in LATER_NORMAL_STATUSES:
        return None
    if order.status == "Rejected":
        why = f": {order.reject_reason}" if order.reject_reason else ""
        return reason(
            GuardCode.ORDER_REJECTED,
            f"Order {order.id} was accepted, then rejected{why}.",
            order_id=order.id,
            status=order.status,
        )
    return reason(
        GuardCode.ORDER_UNEXPECTED_STATUS,
        f"Order {order.id} is in the unexpected status '{order.status}'.",
        order_id=order.id,
        status=order.status,
    )


def filled_units(order: Order) -> tuple[int, int]:
    """(units filled on every leg, units ordered), from the legs' fills and quantities."""
    quantities = [int(leg.quantity) for leg in order.legs]
    if not quantities or min(quantities) <= 0:
        return 0, 0
    units = reduce(gcd, quantities)
    done = [
        int(sum((fill.quantity for fill in leg.fills), Decimal(0)) / (leg.quantity / units))
        for leg in order.legs
    ]
    return min(done), units


def net_fill_per_unit(order: Order) -> Decimal | None:
    """Average net fill per spread unit per share, credit positive (None before any full unit).

    net = sum over fills of (+price for a sell, -price for a buy) x contracts / units filled.
    """
    filled, _ = filled_units(order)
    if filled <= 0:
        return None
    total = Decimal(0)
    for leg in order.legs:
        sign = Decimal(-1) if leg.action.startswith("Buy") else Decimal(1)
        total += sum((sign * fill.quantity * fill.fill_price for fill in leg.fills), Decimal(0))
    return total / filled


def fill_finding(
    limit_price: Decimal, price_effect: str, net_fill: Decimal, order_id: int | None
) -> GuardReason | None:
    """An anomaly when the net fill is worse than the limit, or far better than it."""
    limit_signed = limit_price if price_effect == "Credit" else -limit_price
    worse_by = limit_signed - net_fill
    shown = f"{abs(net_fill):.4f} {'Credit' if net_fill >= 0 else 'Debit'}"
    evidence = {"order_id": order_id, "limit": f"{limit_price} {price_effect}", "fill": shown}
    if worse_by > FILL_PRICE_TOLERANCE:
        return reason(
            GuardCode.FILL_FAR_FROM_LIMIT,
            f"Order {order_id} filled at {shown}, worse than its limit of {limit_price} "
            f"{price_effect}: a limit order must never fill beyond its price.",
            **evidence,
        )
    allowed = max(FILL_FAR_MIN_USD, limit_price * FILL_FAR_PCT / HUNDRED)
    if -worse_by > allowed:
        return reason(
            GuardCode.FILL_FAR_FROM_LIMIT,
            f"Order {order_id} filled at {shown}, {-worse_by:.4f} better than its limit of "
            f"{limit_price} {price_effect} (more than {allowed}): check the symbols and quotes.",
            **evidence,
        )
    return None
