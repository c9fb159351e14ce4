"""The option chain as the ticket reads it: listed expirations and strikes, the legs' quotes, and
the net price of a spread from those quotes.

Broker-neutral shapes (`utils.broker.ticket_market` fills them from tastytrade's nested chain and
quote snapshots), so the ticket's logic runs the same against the simulator, the sandbox or live.

Net price per unit of the ratio, per share, credit positive (research options_math.md 1):

    mid     = -sum(ratio_i x mid_i)          mid_i = (bid_i + ask_i) / 2
    natural = -sum(ratio_i x (ask_i if bought else bid_i))

The limit the ticket proposes is |mid| rounded to the nearest tick of the chain's tick sizes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import reduce
from math import gcd

from pydantic import BaseModel, ConfigDict

from utils.core.reasons import Reason, as_evidence
from utils.spreads.expirations import default_expiration
from utils.spreads.legs import Leg, PriceEffect
from utils.spreads.symbols import OptionSymbol, OptionType, SymbolError, parse_occ

CENT = Decimal("0.01")
ZERO = Decimal(0)


class MarketGapCode(StrEnum):
    """Why the ticket has no chain, quote or price from the broker."""

    NO_CHAIN = "NO_CHAIN"
    NOT_LISTED = "NOT_LISTED"
    NO_QUOTES = "NO_QUOTES"
    BROKER_UNAVAILABLE = "BROKER_UNAVAILABLE"


class MarketGap(Reason[MarketGapCode]):
    """What the broker could not give the ticket, and what the trader types instead."""


class TickSize(BaseModel):
    """A price increment, valid below `threshold` (everywhere when it has none)."""

    model_config = ConfigDict(frozen=True)

    value: Decimal
    threshold: Decimal | None = None


class ListedExpiration(BaseModel):
    """One expiration of the chain with its listed strikes (the same for calls and puts)."""

    model_config = ConfigDict(frozen=True)

    expiration: date
    days_to_expiration: int
    kind: str | None = None
    root: str
    strikes: tuple[Decimal, ...]

    def symbol(self, option_type: OptionType, strike: Decimal) -> str:
        """The OCC symbol of one listed contract."""
        return OptionSymbol(
            root=self.root, expiration=self.expiration, option_type=option_type, strike=strike
        ).occ

    @property
    def label(self) -> str:
        """`2026-04-17 · 44 DTE · Regular`."""
        kind = f" · {self.kind}" if self.kind else ""
        return f"{self.expiration.isoformat()} · {self.days_to_expiration} DTE{kind}"


class OptionChain(BaseModel):
    """An underlying's listed expirations and strikes, its price and its option tick sizes."""

    model_config = ConfigDict(frozen=True)

    underlying: str
    spot: Decimal | None = None
    multiplier: int = 100
    tick_sizes: tuple[TickSize, ...] = ()
    expirations: tuple[ListedExpiration, ...]

    def listed(self, expiration: date | str | None) -> ListedExpiration | None:
        """The listed expiration on that date, or None."""
        wanted = str(expiration or "")
        return next((e for e in self.expirations if e.expiration.isoformat() == wanted), None)

    def proposed(self, today: date) -> ListedExpiration | None:
        """The listed expiration nearest the ticket's default (about a month out)."""
        if not self.expirations:
            return None
        target = default_expiration(today)
        return min(
            self.expirations, key=lambda e: (abs((e.expiration - target).days), e.expiration)
        )

    def tick(self, price: Decimal) -> Decimal:
        """The price increment at `price` (a cent when the chain names none)."""
        for size in self.tick_sizes:
            if size.threshold is None or price < size.threshold:
                return size.value
        return CENT


class LegQuote(BaseModel):
    """Bid and ask of one option, with the delta and implied volatility when the broker sends
    them (floats: model statistics, not money)."""

    model_config = ConfigDict(frozen=True)

    bid: Decimal | None = None
    ask: Decimal | None = None
    delta: float | None = None
    volatility: float | None = None

    @property
    def mid(self) -> Decimal | None:
        """(bid + ask) / 2; None without a two-sided, uncrossed market."""
        if self.bid is None or self.ask is None or self.ask < self.bid:
            return None
        return (self.bid + self.ask) / 2


def quote_key(symbol: str) -> str:
    """The padded OCC form of a symbol, so quotes match legs however the padding came."""
    try:
        return parse_occ(symbol).occ
    except SymbolError:
        return symbol


class LegPrice(BaseModel):
    """One leg of the ticket with its quote: bought or sold, ratio per unit, bid, ask, mid."""

    model_config = ConfigDict(frozen=True)

    description: str
    ratio: int
    bid: Decimal
    ask: Decimal
    mid: Decimal
    delta: float | None = None
    volatility: float | None = None


class NetPrice(BaseModel):
    """A spread's price from its legs' quotes: per share, per unit of the ratio."""

    model_config = ConfigDict(frozen=True)

    legs: tuple[LegPrice, ...]
    mid: Decimal  # signed: credit positive
    natural: Decimal  # signed: what crossing every leg's market gets
    limit: Decimal  # |mid| on the tick grid
    tick: Decimal

    @property
    def price_effect(self) -> PriceEffect:
        """Credit when the mid collects money, else Debit."""
        return PriceEffect.CREDIT if self.mid >= 0 else PriceEffect.DEBIT

    @property
    def volatility(self) -> float | None:
        """The mean implied volatility of the legs that carry one (None when none does)."""
        values = [leg.volatility for leg in self.legs if leg.volatility is not None]
        return sum(values) / len(values) if values else None


def round_to_tick(price: Decimal, tick: Decimal) -> Decimal:
    """`price` on the tick grid (half up), never below one tick."""
    steps = (price / tick).to_integral_value(rounding=ROUND_HALF_UP)
    return max(tick, (steps * tick).quantize(CENT))


def price_legs(
    legs: Sequence[Leg], quotes: Mapping[str, LegQuote], chain: OptionChain
) -> NetPrice | MarketGap:
    """The legs' bid/ask/mid and the spread's net mid and natural price, or the gap (a leg
    without a two-sided quote) that leaves the price to the trader."""
    unit = reduce(gcd, (leg.quantity for leg in legs))
    priced: list[LegPrice] = []
    missing: list[str] = []
    mid = natural = ZERO
    for leg in legs:
        quote = quotes.get(leg.occ)
        if quote is None or quote.mid is None:
            missing.append(leg.describe())
            continue
        ratio = leg.signed_quantity // unit
        priced.append(
            LegPrice(
                description=leg.describe(),
                ratio=ratio,
                bid=quote.bid,
                ask=quote.ask,
                mid=quote.mid,
                delta=quote.delta,
                volatility=quote.volatility,
            )
        )
        mid -= ratio * quote.mid
        natural -= ratio * (quote.ask if ratio > 0 else quote.bid)
    if missing:
        return MarketGap(
            code=MarketGapCode.NO_QUOTES,
            sentence=f"No two-sided quote for {'; '.join(missing)}: type the limit price.",
            evidence=as_evidence(legs="; ".join(missing)),
        )
    tick = chain.tick(abs(mid))
    return NetPrice(
        legs=tuple(priced), mid=mid, natural=natural, limit=round_to_tick(abs(mid), tick), tick=tick
    )
