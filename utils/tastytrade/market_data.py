"""Option chains, quote snapshots and market metrics as the tastytrade API sends them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from utils.tastytrade.api_model import TastyModel


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
    # DXLink's Greeks fields; tastytrade's REST snapshot lacks them [U], the simulator sends them
    delta: Decimal | None = None
    volatility: Decimal | None = None


class ExpirationVolatility(TastyModel):
    """The implied volatility the market prices one expiration at."""

    expiration_date: date
    implied_volatility: Decimal | None = None


class Earnings(TastyModel):
    """The next (or last) earnings report of a market-metrics item."""

    expected_report_date: date | None = None


class MarketMetric(TastyModel):
    """One item of `GET /market-metrics?symbols=` (production only per the docs; may be 502)."""

    symbol: str
    implied_volatility_index: Decimal | None = None
    implied_volatility_index_rank: Decimal | None = None
    option_expiration_implied_volatilities: list[ExpirationVolatility] = Field(default_factory=list)
    earnings: Earnings | None = None
    dividend_ex_date: date | None = None
