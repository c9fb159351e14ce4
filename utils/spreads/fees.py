"""Order fees: a configurable schedule for the cockpit's own estimate, and the broker's dry-run
breakdown, which is preferred whenever it is present.

Default schedule: tastytrade's published pricing (tastytrade.com/commissions-and-fees, read for
shared/research/options_math.md section 4): $1.00 per contract to open, $0.00 to close, capped at
$10 per leg for equity and ETF options (broad-based index options are not capped), clearing
$0.10 per contract. The regulatory pass-throughs (ORF, FINRA TAF, SEC section 31) come from an
older help article and change every year: they are estimates, kept configurable, and the dry-run's
`fee-calculation` replaces them. All amounts are `Decimal` dollars for the whole order.

    fees = order_fees(spread, FeeSchedule(), dry_run=response["data"])   # dry-run optional
    fee_aware_max_loss_usd(spread, fees)  # max loss + this order's fees + fees to close later
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from utils.spreads.legs import Leg, PositionEffect
from utils.spreads.spread import Spread

ZERO = Decimal(0)

# Broad-based index underlyings: excluded from the per-leg commission cap, and subject to the
# exchange's proprietary index option fee.
BROAD_BASED_INDEXES = frozenset({"SPX", "XSP", "NDX", "XND", "RUT", "MRUT", "VIX", "DJX", "OEX"})


class FeeError(Exception):
    """A dry-run fee breakdown the cockpit cannot read; the message names the field."""


class FeeSource(StrEnum):
    """Where a fee figure came from."""

    SCHEDULE = "schedule"
    DRY_RUN = "dry-run"


class FeeSchedule(BaseModel):
    """Per-contract rates for the cockpit's own fee estimate (tastytrade defaults, see module)."""

    model_config = ConfigDict(frozen=True)

    commission_open_per_contract: Decimal = Field(default=Decimal("1.00"), ge=0)
    commission_close_per_contract: Decimal = Field(default=Decimal("0.00"), ge=0)
    commission_cap_per_leg: Decimal | None = Field(default=Decimal("10.00"), ge=0)
    clearing_per_contract: Decimal = Field(default=Decimal("0.10"), ge=0)
    orf_per_contract: Decimal = Field(default=Decimal("0.0388"), ge=0)
    taf_per_sold_contract: Decimal = Field(default=Decimal("0.002"), ge=0)
    sec_rate_per_dollar_sold: Decimal = Field(default=ZERO, ge=0)
    index_option_fee_per_contract: Decimal = Field(default=ZERO, ge=0)
    uncapped_underlyings: frozenset[str] = BROAD_BASED_INDEXES


class FeeBreakdown(BaseModel):
    """Fees of one order by kind, in dollars (positive = paid)."""

    model_config = ConfigDict(frozen=True)

    commission_usd: Decimal
    clearing_usd: Decimal
    regulatory_usd: Decimal
    index_option_fees_usd: Decimal
    rebates_usd: Decimal = ZERO
    total_usd: Decimal
    source: FeeSource

    @classmethod
    def from_dry_run(cls, fee_calculation: Mapping[str, Any]) -> FeeBreakdown:
        """Read tastytrade's `fee-calculation` (or `closing-fee-calculation`) object."""
        return cls(
            commission_usd=_dry_run_amount(fee_calculation, "commission", required=False),
            clearing_usd=_dry_run_amount(fee_calculation, "clearing-fees", required=False),
            regulatory_usd=_dry_run_amount(fee_calculation, "regulatory-fees", required=False),
            index_option_fees_usd=_dry_run_amount(
                fee_calculation, "proprietary-index-option-fees", required=False
            ),
            rebates_usd=-_dry_run_amount(fee_calculation, "rebates", required=False),
            total_usd=_dry_run_amount(fee_calculation, "total-fees", required=True),
            source=FeeSource.DRY_RUN,
        )


def _dry_run_amount(data: Mapping[str, Any], key: str, required: bool) -> Decimal:
    """A fee amount with its effect applied: Debit (or None) is paid, Credit is received."""
    if key not in data:
        if required:
            raise FeeError(f"dry-run fee-calculation has no '{key}' field")
        return ZERO
    try:
        amount = Decimal(str(data[key]))
    except InvalidOperation:
        raise FeeError(f"dry-run fee-calculation '{key}' is not a number: {data[key]!r}") from None
    if not amount.is_finite():
        raise FeeError(f"dry-run fee-calculation '{key}' is not a number: {data[key]!r}")
    effect = str(data.get(f"{key}-effect", "Debit"))
    return -amount if effect == "Credit" else amount


class OrderFees(BaseModel):
    """Fees of this order, and the estimated fees to close what it opens (None when it opens
    nothing)."""

    model_config = ConfigDict(frozen=True)

    order: FeeBreakdown
    to_close: FeeBreakdown | None

    @property
    def total_usd(self) -> Decimal:
        """This order's fees plus the estimated closing fees."""
        closing = ZERO if self.to_close is None else self.to_close.total_usd
        return self.order.total_usd + closing


def estimate_fees(legs: Sequence[Leg], schedule: FeeSchedule) -> FeeBreakdown:
    """The schedule's estimate for one order of `legs` (opening or closing per leg action).

    commission = sum over legs of min(rate x contracts, cap) (no cap for broad-based indexes);
    clearing = rate x contracts; regulatory = ORF x contracts + on sells TAF x contracts +
    SEC rate x contracts x multiplier x price (price only when the leg carries one).
    """
    commission = clearing = regulatory = index_fees = ZERO
    for leg in legs:
        contracts = Decimal(leg.quantity)
        rate = (
            schedule.commission_open_per_contract
            if leg.action.is_opening
            else schedule.commission_close_per_contract
        )
        uncapped = leg.underlying in schedule.uncapped_underlyings
        leg_commission = rate * contracts
        if schedule.commission_cap_per_leg is not None and not uncapped:
            leg_commission = min(leg_commission, schedule.commission_cap_per_leg)
        commission += leg_commission
        clearing += schedule.clearing_per_contract * contracts
        regulatory += schedule.orf_per_contract * contracts
        if not leg.action.is_buy:
            regulatory += schedule.taf_per_sold_contract * contracts
            if leg.price is not None:
                proceeds = contracts * leg.multiplier * leg.price
                regulatory += schedule.sec_rate_per_dollar_sold * proceeds
        if uncapped:
            index_fees += schedule.index_option_fee_per_contract * contracts
    return FeeBreakdown(
        commission_usd=commission,
        clearing_usd=clearing,
        regulatory_usd=regulatory,
        index_option_fees_usd=index_fees,
        total_usd=commission + clearing + regulatory + index_fees,
        source=FeeSource.SCHEDULE,
    )


def order_fees(
    spread: Spread, schedule: FeeSchedule, dry_run: Mapping[str, Any] | None = None
) -> OrderFees:
    """Fees of `spread` as an order and of closing what it opens later.

    `dry_run` is the dry-run response's `data` object: its `fee-calculation` and
    `closing-fee-calculation` are used when present, the schedule fills any gap.
    """
    to_close_legs = [leg for leg in spread.closing_legs() if not leg.action.is_opening]
    dry_run = dry_run or {}
    if "fee-calculation" in dry_run:
        order = FeeBreakdown.from_dry_run(dry_run["fee-calculation"])
    else:
        order = estimate_fees(spread.legs, schedule)
    to_close = None
    if spread.position_effect is not PositionEffect.CLOSING:
        if "closing-fee-calculation" in dry_run:
            to_close = FeeBreakdown.from_dry_run(dry_run["closing-fee-calculation"])
        else:
            to_close = estimate_fees(to_close_legs, schedule)
    return OrderFees(order=order, to_close=to_close)


def fee_aware_max_loss_usd(spread: Spread, fees: OrderFees) -> Decimal | None:
    """Max loss + this order's fees + the estimated closing fees (research section 4.2);
    None when the max loss is unbounded or not computable."""
    max_loss = spread.max_loss_usd
    return None if max_loss is None else max_loss + fees.total_usd
