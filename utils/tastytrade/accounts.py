"""Accounts, balances, trading status and positions as the tastytrade API sends them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from utils.tastytrade.api_model import TastyModel


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
