"""Account transactions as the tastytrade API sends them (one per leg of a multi-leg fill)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from utils.tastytrade.api_model import TastyModel, signed_amount


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
