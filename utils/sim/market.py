"""Deterministic market of the simulated broker: SPY, QQQ, IWM, AAPL chains and quotes.

Everything is a pure function of the symbol and the trading day (`today`), so the same day always
gives the same chain and the same quotes, and a test can pin both by pinning the clock.

- Spot: a base price moved by at most +/-3 % by a hash of (symbol, day).
- Expirations: Fridays for the next 8 weeks ("Weekly"), every session of the next 10 days for
  SPY and QQQ, and the monthly of the next 6 months ("Regular"): on the NYSE calendar, a Friday
  that is a holiday (Good Friday, Juneteenth) moves to the session before it.
- Strikes: fine steps near the spot, coarse steps further out (e.g. SPY $1 within 6 %, $5 out to
  15 %), the same for every expiration.
- Option quotes: Black-Scholes (r = 4 %, no dividends) with a linear put skew, priced in floats
  (a model, not money) and leaving as Decimals on the tick grid; the bid/ask spread is 2 % of the
  value each side, between one tick and $0.10. Option quotes also carry the model's delta and
  implied volatility (`delta`, `volatility`, as DXLink's Greeks event names them): tastytrade's
  REST snapshot has no greeks, so a client must work without them too.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict

from utils.spreads.symbols import OptionSymbol, SymbolError, parse_occ
from utils.core.money import CENT, round_to_cent
from utils.core.sessions import NEW_YORK, session_of
from utils.core.trading_calendar import is_trading_day, session_on_or_before
from utils.spreads.expirations import monthly_expiration

RISK_FREE_RATE = 0.04
SKEW = 1.2
SPREAD_FRACTION = Decimal("0.02")
MAX_HALF_SPREAD = Decimal("0.10")
CONTRACT_MULTIPLIER = 100
GREEK_FIELDS = ("delta", "volatility")  # sent beyond the documented snapshot (see above)
OPTION_EXPIRY_TIME = time(16, 15)  # New York; tastytrade's expires-at for equity options


class UnderlyingSpec(BaseModel):
    """How the simulated market prices one underlying and lays out its chain."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    description: str
    base_price: Decimal
    volatility: float
    near_step: Decimal
    far_step: Decimal
    near_band: Decimal
    far_band: Decimal
    daily_expirations: bool
    tick_sizes: tuple[tuple[Decimal | None, Decimal], ...]  # (threshold, value)


UNDERLYINGS = MappingProxyType(
    {
        "SPY": UnderlyingSpec(
            symbol="SPY",
            description="SPDR S&P 500 ETF Trust",
            base_price=Decimal("560.00"),
            volatility=0.16,
            near_step=Decimal(1),
            far_step=Decimal(5),
            near_band=Decimal("0.06"),
            far_band=Decimal("0.15"),
            daily_expirations=True,
            tick_sizes=((None, CENT),),
        ),
        "QQQ": UnderlyingSpec(
            symbol="QQQ",
            description="Invesco QQQ Trust",
            base_price=Decimal("480.00"),
            volatility=0.20,
            near_step=Decimal(1),
            far_step=Decimal(5),
            near_band=Decimal("0.06"),
            far_band=Decimal("0.15"),
            daily_expirations=True,
            tick_sizes=((None, CENT),),
        ),
        "IWM": UnderlyingSpec(
            symbol="IWM",
            description="iShares Russell 2000 ETF",
            base_price=Decimal("215.00"),
            volatility=0.23,
            near_step=Decimal(1),
            far_step=Decimal(1),
            near_band=Decimal("0.15"),
            far_band=Decimal("0.15"),
            daily_expirations=False,
            tick_sizes=((None, CENT),),
        ),
        "AAPL": UnderlyingSpec(
            symbol="AAPL",
            description="Apple Inc.",
            base_price=Decimal("225.00"),
            volatility=0.27,
            near_step=Decimal("2.5"),
            far_step=Decimal(5),
            near_band=Decimal("0.10"),
            far_band=Decimal("0.20"),
            daily_expirations=False,
            tick_sizes=((Decimal(3), CENT), (None, Decimal("0.05"))),
        ),
    }
)


class SimQuote(BaseModel):
    """Bid, ask and mid of one instrument on one day."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    instrument_type: str
    bid: Decimal
    ask: Decimal
    delta: float | None = None
    volatility: float | None = None

    @property
    def mid(self) -> Decimal:
        """(bid + ask) / 2, which may fall on a half cent."""
        return (self.bid + self.ask) / 2


def decimal_text(value: Decimal) -> str:
    """A Decimal as the API writes it: plain digits, at least one decimal (`300.0`, `2.302`)."""
    text = format(value.normalize(), "f")
    return text if "." in text else text + ".0"


def option_of(symbol: str) -> OptionSymbol | None:
    """The parsed OCC symbol (padding may be collapsed), or None when it is not an option."""
    try:
        return parse_occ(symbol)
    except SymbolError:
        return None


def option_expires_at(expiration: date) -> datetime:
    """When an equity option expires: 16:15 New York on its expiration date, in UTC."""
    return datetime.combine(expiration, OPTION_EXPIRY_TIME, tzinfo=NEW_YORK).astimezone(
        timezone.utc
    )


def spot_price(symbol: str, day: date) -> Decimal:
    """The underlying's price on `day`: the base moved by a hash of (symbol, day), +/-3 %."""
    spec = UNDERLYINGS[symbol]
    digest = hashlib.sha256(f"{symbol}:{day.isoformat()}".encode()).digest()
    unit = Decimal(int.from_bytes(digest[:4], "big")) / Decimal(2**32 - 1)  # 0..1
    move = (unit * 2 - 1) * Decimal("0.03")
    return round_to_cent(spec.base_price * (1 + move))


def expirations(symbol: str, today: date) -> list[date]:
    """Listed expirations of `symbol` from `today` on, each with its type."""
    return sorted(_expiration_types(symbol, today))


def expiration_type(symbol: str, today: date, expiration: date) -> str | None:
    """`Regular` (monthly) or `Weekly`, or None when `expiration` is not listed."""
    return _expiration_types(symbol, today).get(expiration)


def _expiration_types(symbol: str, today: date) -> dict[date, str]:
    spec = UNDERLYINGS[symbol]
    listed: dict[date, str] = {}
    if spec.daily_expirations:
        for offset in range(11):
            day = today + timedelta(days=offset)
            if is_trading_day(day):
                listed[day] = "Weekly"
    first_friday = today + timedelta(days=(4 - today.weekday()) % 7)
    for week in range(8):
        weekly = session_on_or_before(first_friday + timedelta(weeks=week))
        if weekly >= today:
            listed[weekly] = "Weekly"
    year, month = today.year, today.month
    for _ in range(7):
        monthly = monthly_expiration(year, month)
        if monthly >= today:
            listed[monthly] = "Regular"
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    regular = sorted(d for d, kind in listed.items() if kind == "Regular")[:6]
    return {d: kind for d, kind in listed.items() if kind == "Weekly" or d in regular}


def strikes(symbol: str, today: date) -> list[Decimal]:
    """Listed strikes: `near_step` within `near_band` of the spot, `far_step` out to `far_band`."""
    spec = UNDERLYINGS[symbol]
    spot = spot_price(symbol, today)
    listed: set[Decimal] = set()
    for step, band in ((spec.near_step, spec.near_band), (spec.far_step, spec.far_band)):
        low = _align_up(spot * (1 - band), step)
        strike = low
        while strike <= spot * (1 + band):
            listed.add(strike)
            strike += step
    return sorted(listed)


def _align_up(value: Decimal, step: Decimal) -> Decimal:
    return ((value / step).to_integral_value(rounding=ROUND_CEILING) * step).quantize(CENT)


def is_listed(symbol: str, today: date) -> bool:
    """True for a simulated underlying, or an option of its chain that has not expired."""
    if symbol in UNDERLYINGS:
        return True
    option = option_of(symbol)
    return (
        option is not None
        and option.root in UNDERLYINGS
        and expiration_type(option.root, today, option.expiration) is not None
        and option.strike in strikes(option.root, today)
    )


def tick_size(symbol: str, price: Decimal) -> Decimal:
    """The price increment of an underlying's options at `price`."""
    for threshold, value in UNDERLYINGS[symbol].tick_sizes:
        if threshold is None or price < threshold:
            return value
    return CENT


def _normal_cdf(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _volatility(option: OptionSymbol, s: float) -> float:
    """The model's implied volatility of one strike: the base with a linear put skew."""
    base = UNDERLYINGS[option.root].volatility
    return min(2.5 * base, max(0.5 * base, base * (1 + SKEW * (s - float(option.strike)) / s)))


def _d1_d2(option: OptionSymbol, s: float, today: date) -> tuple[float, float, float, float]:
    years = (max((option.expiration - today).days, 0) + 0.25) / 365
    vol = _volatility(option, s)
    k = float(option.strike)
    d1 = (math.log(s / k) + (RISK_FREE_RATE + vol * vol / 2) * years) / (vol * math.sqrt(years))
    return d1, d1 - vol * math.sqrt(years), years, vol


def option_value(option: OptionSymbol, spot: Decimal, today: date) -> float:
    """Black-Scholes value per share (floats: a model, not money), with a put skew."""
    s, k = float(spot), float(option.strike)
    d1, d2, years, _ = _d1_d2(option, s, today)
    discount = math.exp(-RISK_FREE_RATE * years)
    if option.option_type == "C":
        return s * _normal_cdf(d1) - k * discount * _normal_cdf(d2)
    return k * discount * _normal_cdf(-d2) - s * _normal_cdf(-d1)


def option_greeks(option: OptionSymbol, spot: Decimal, today: date) -> tuple[float, float]:
    """(delta, implied volatility) of the model: N(d1) for a call, N(d1) - 1 for a put."""
    d1, _, _, vol = _d1_d2(option, float(spot), today)
    delta = _normal_cdf(d1) if option.option_type == "C" else _normal_cdf(d1) - 1
    return round(delta, 4), round(vol, 4)


def quote(symbol: str, today: date) -> SimQuote | None:
    """The day's quote of a listed underlying or option; None for an unknown symbol."""
    if symbol in UNDERLYINGS:
        spot = spot_price(symbol, today)
        return SimQuote(symbol=symbol, instrument_type="Equity", bid=spot - CENT, ask=spot + CENT)
    option = option_of(symbol)
    if option is None or option.root not in UNDERLYINGS:
        return None
    spot = spot_price(option.root, today)
    value = Decimal(repr(option_value(option, spot, today)))
    tick = tick_size(option.root, value)
    mid = max(tick, _to_tick(value, tick))
    half = min(MAX_HALF_SPREAD, max(tick, _to_tick(value * SPREAD_FRACTION, tick)))
    delta, volatility = option_greeks(option, spot, today)
    return SimQuote(
        symbol=symbol,
        instrument_type="Equity Option",
        bid=max(mid - half, Decimal(0)),
        ask=mid + half,
        delta=delta,
        volatility=volatility,
    )


def _to_tick(value: Decimal, tick: Decimal) -> Decimal:
    return ((value / tick).to_integral_value(rounding=ROUND_HALF_UP) * tick).quantize(CENT)


def intrinsic_value(option: OptionSymbol, spot: Decimal) -> Decimal:
    """What one share of the option is worth at expiry with the underlying at `spot`."""
    if option.option_type == "C":
        return max(spot - option.strike, Decimal(0))
    return max(option.strike - spot, Decimal(0))


def nested_chain(symbol: str, today: date) -> dict[str, Any]:
    """One item of `GET /option-chains/{symbol}/nested`, in the documented shape."""
    spec = UNDERLYINGS[symbol]
    listed_strikes = strikes(symbol, today)
    types = _expiration_types(symbol, today)
    return {
        "underlying-symbol": symbol,
        "root-symbol": symbol,
        "option-chain-type": "Standard",
        "shares-per-contract": CONTRACT_MULTIPLIER,
        "tick-sizes": [
            {"value": str(value)} | ({"threshold": str(limit)} if limit is not None else {})
            for limit, value in spec.tick_sizes
        ],
        "deliverables": [
            {
                "id": 1,
                "amount": "100.0",
                "deliverable-type": "Shares",
                "description": f"100 shares of {symbol}",
                "instrument-type": "Equity",
                "percent": "100",
                "root-symbol": symbol,
                "symbol": symbol,
            }
        ],
        "expirations": [
            {
                "expiration-type": types[expiration],
                "expiration-date": expiration.isoformat(),
                "days-to-expiration": (expiration - today).days,
                "settlement-type": "PM",
                "strikes": [_strike_row(symbol, expiration, strike) for strike in listed_strikes],
            }
            for expiration in sorted(types)
        ],
    }


def _strike_row(root: str, expiration: date, strike: Decimal) -> dict[str, str]:
    call = OptionSymbol(root=root, expiration=expiration, option_type="C", strike=strike)
    put = OptionSymbol(root=root, expiration=expiration, option_type="P", strike=strike)
    return {
        "strike-price": decimal_text(strike),
        "call": call.occ,
        "call-streamer-symbol": call.streamer,
        "put": put.occ,
        "put-streamer-symbol": put.streamer,
    }


def quote_json(quote: SimQuote, now: datetime) -> dict[str, Any]:
    """A quote as `GET /market-data/by-type` returns it, stamped `now`."""
    mid = decimal_text(quote.mid)
    text = decimal_text
    return {
        "symbol": quote.symbol,
        "instrument-type": quote.instrument_type,
        "updated-at": now.isoformat(timespec="milliseconds"),
        "bid": text(quote.bid),
        "bid-size": "10.0",
        "ask": text(quote.ask),
        "ask-size": "10.0",
        "mid": mid,
        "mark": mid,
        "last": mid,
        "last-mkt": mid,
        "beta": "1.0",
        "dividend-amount": "0.0",
        "dividend-frequency": "0.0",
        "open": mid,
        "day-high-price": text(quote.ask),
        "day-low-price": text(quote.bid),
        "close": mid,
        "close-price-type": "Regular",
        "prev-close": mid,
        "prev-close-price-type": "Final",
        "summary-date": session_of(now).isoformat(),
        "prev-close-date": (session_of(now) - timedelta(days=1)).isoformat(),
        "low-limit-price": text(quote.bid * Decimal("0.9")),
        "high-limit-price": text(quote.ask * Decimal("1.1")),
        "is-trading-halted": False,
        "halt-start-time": -1,
        "halt-end-time": -1,
        "year-low-price": text(quote.bid * Decimal("0.8")),
        "year-high-price": text(quote.ask * Decimal("1.2")),
        "volume": "1000.0",
    } | _greeks_json(quote)


def _greeks_json(quote: SimQuote) -> dict[str, str]:
    if quote.delta is None or quote.volatility is None:
        return {}
    return dict(zip(GREEK_FIELDS, (repr(quote.delta), repr(quote.volatility))))
