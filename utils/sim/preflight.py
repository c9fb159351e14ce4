"""An order's preflight against the simulated account: position checks, buying-power effect, fees.

An order's buying-power change = margin change + fees - premium received (the documented
arithmetic: a 3-wide credit spread at 2.00 -> 102.302); an order that would leave negative buying
power is refused.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from utils.sim.account import SimAccount, maintenance_requirement
from utils.sim.fills import net_credit
from utils.sim.market import decimal_text
from utils.sim.orders import (
    CLOSE_ACTIONS,
    CLOSING_WITH_NO_POSITION,
    NO_FEES,
    OPEN_ACTIONS,
    SimOrder,
    amount_json,
    check_structure,
    effect_of,
    fee_json,
    leg_fees,
    order_json,
)

# A code the research could not pin down (tastytrade_api.md section 11): a documented guess.
INSUFFICIENT_BUYING_POWER = "margin_check_failed"


def evaluate_order(
    account: SimAccount, order: SimOrder, today: date
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The dry-run/submit `data` for an order, and the preflight errors (empty if none)."""
    errors: list[dict[str, str]] = []
    warnings: list[dict[str, str]] = []

    def error(code: str, message: str) -> None:
        errors.append({"code": code, "message": message})

    check_structure(order, today, error)
    holdings = account.holdings()
    for leg in order.legs:
        held = holdings.get(leg.symbol, Decimal(0))
        # With strict-position-effect-validation tastytrade refuses such a close instead of
        # turning it into an opening order; the code of that refusal is undocumented
        # (tastytrade_api.md documents only the warning), so the simulator refuses with the
        # warning's code inside `preflight_check_failure`. A close larger than the position
        # counts as one without a position.
        closes_nothing = leg.signed(leg.quantity) * held >= 0
        closes_too_much = leg.quantity > abs(held)
        if leg.action in CLOSE_ACTIONS and (closes_nothing or closes_too_much):
            if order.strict_position_effect:
                error("closing_with_no_position", CLOSING_WITH_NO_POSITION)
            else:
                warnings.append(
                    {"code": "closing_with_no_position", "message": CLOSING_WITH_NO_POSITION}
                )
        if leg.action in OPEN_ACTIONS and leg.signed(leg.quantity) * held < 0:
            error(
                "cant_open_against_position",
                f"You cannot {leg.action.lower()} {leg.symbol.strip()} while holding the "
                "opposite side; close it instead",
            )
    fees = NO_FEES
    for leg in order.legs:
        fees = fees + leg_fees(leg, leg.quantity)
    if order.price is not None:
        premium = order.signed_premium(order.price, order.size)
    else:  # Market: the natural side of the quotes sets price and direction
        natural = net_credit(order, today, "natural") or Decimal(0)
        premium = natural * order.size * order.multiplier
    after = dict(holdings)
    for leg in order.legs:
        after[leg.symbol] = after.get(leg.symbol, Decimal(0)) + leg.signed(leg.quantity)
    current_requirement = maintenance_requirement(holdings, today)
    margin_change = maintenance_requirement(after, today) - current_requirement
    own_legs = {leg.symbol: leg.signed(leg.quantity) for leg in order.legs}
    isolated = maintenance_requirement(own_legs, today)
    current_bp = account.cash - current_requirement
    bp_change = margin_change + fees.total - premium
    new_bp = current_bp - bp_change
    if not errors and bp_change > 0 and new_bp < 0:
        error(
            INSUFFICIENT_BUYING_POWER,
            f"Insufficient buying power: the order needs {decimal_text(bp_change)}, "
            f"{decimal_text(current_bp)} is available",
        )
    data = {
        "order": order_json(order),
        "warnings": warnings,
        "buying-power-effect": {
            **amount_json("change-in-margin-requirement", margin_change),
            **amount_json("change-in-buying-power", bp_change),
            **amount_json("current-buying-power", -current_bp),
            **amount_json("new-buying-power", -new_bp),
            **amount_json("isolated-order-margin-requirement", isolated),
            "is-spread": len(order.legs) > 1,
            "impact": decimal_text(abs(bp_change)),
            "effect": effect_of(bp_change),
        },
        "fee-calculation": fee_json(fees),
    }
    return data, errors
