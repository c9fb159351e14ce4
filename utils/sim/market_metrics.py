"""Market metrics of the simulated broker (`GET /market-metrics?symbols=`), deterministic per day.

The shape follows a recorded tastytrade answer (research tastytrade_api.md 6.3): IV index and its
rank (0..1), the implied volatility of each listed expiration, the next earnings report and the
next ex-dividend date. Dates follow a fixed yearly pattern close to the real ones:

- SPY, QQQ, IWM: ex-dividend on the third Friday of March, June, September and December;
- AAPL: earnings on Jan 29, Apr 30, Jul 30 and Oct 29; ex-dividend on Feb 9, May 11, Aug 10, Nov 9.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from utils.sim.market import UNDERLYINGS, expirations
from utils.spreads.expirations import third_friday

QUARTERLY_ETF_MONTHS = (3, 6, 9, 12)
AAPL_EARNINGS = ((1, 29), (4, 30), (7, 30), (10, 29))
AAPL_EX_DIVIDEND = ((2, 9), (5, 11), (8, 10), (11, 9))


def _next_date(today: date, month_days: tuple[tuple[int, int], ...]) -> date:
    """The first (month, day) of this year or the next that falls on or after `today`."""
    candidates = [date(today.year + n, m, d) for n in (0, 1) for m, d in month_days]
    return min(day for day in candidates if day >= today)


def ex_dividend_date(symbol: str, today: date) -> date | None:
    """The next ex-dividend date on or after `today` (None for an underlying without one)."""
    if symbol == "AAPL":
        return _next_date(today, AAPL_EX_DIVIDEND)
    if symbol in UNDERLYINGS:
        fridays = [
            third_friday(today.year + n, month) for n in (0, 1) for month in QUARTERLY_ETF_MONTHS
        ]
        return min(day for day in fridays if day >= today)
    return None


def earnings_date(symbol: str, today: date) -> date | None:
    """The next expected earnings report on or after `today` (ETFs have none)."""
    return _next_date(today, AAPL_EARNINGS) if symbol == "AAPL" else None


def iv_rank(symbol: str, today: date) -> float:
    """IV rank (0..1) of the day: a hash of (symbol, day), so a test can pin it with the clock."""
    digest = hashlib.sha256(f"rank:{symbol}:{today.isoformat()}".encode()).digest()
    return round(int.from_bytes(digest[:2], "big") / 65535, 4)


def market_metrics(symbol: str, today: date) -> dict[str, Any] | None:
    """One item of `GET /market-metrics`, or None for a symbol the simulator does not list."""
    spec = UNDERLYINGS.get(symbol)
    if spec is None:
        return None
    earnings = earnings_date(symbol, today)
    ex_dividend = ex_dividend_date(symbol, today)
    item: dict[str, Any] = {
        "symbol": symbol,
        "implied-volatility-index": repr(spec.volatility),
        "implied-volatility-index-rank": repr(iv_rank(symbol, today)),
        "implied-volatility-percentile": repr(iv_rank(symbol, today)),
        "liquidity-rating": 4,
        "option-expiration-implied-volatilities": [
            {
                "expiration-date": expiration.isoformat(),
                "option-chain-type": "Standard",
                "settlement-type": "PM",
                "implied-volatility": repr(spec.volatility),
            }
            for expiration in expirations(symbol, today)
        ],
        "dividend-ex-date": None if ex_dividend is None else ex_dividend.isoformat(),
    }
    if earnings is not None:
        item["earnings"] = {
            "visible": True,
            "expected-report-date": earnings.isoformat(),
            "estimated": False,
        }
    return item
