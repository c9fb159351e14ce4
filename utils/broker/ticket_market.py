"""The order ticket's market: the chain, the legs' quotes and the underlying's metrics, read from
the effective mode's broker (the simulator, the sandbox or live) and turned into the broker-neutral
shapes of `utils.spreads.chain`.

Reads only: nothing here sends an order or writes the audit log. A broker that cannot answer
(no login, a 502 on `/market-data/by-type` or `/market-metrics` in the sandbox, an unknown
symbol) is a `MarketGap` saying what the trader types instead, never an exception on the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from utils.broker.clients import BrokerUnavailable
from utils.spreads.chain import (
    LegQuote,
    ListedExpiration,
    MarketGap,
    MarketGapCode,
    NetPrice,
    OptionChain,
    TickSize,
    price_legs,
    quote_key,
)
from utils.spreads.legs import Leg
from utils.spreads.market_events import UnderlyingEvents
from utils.spreads.strike_picker import StrikePick, pick_strikes
from utils.spreads.symbols import OptionType
from utils.spreads.ticket import STRUCTURES, TicketError, ticket_legs
from utils.tastytrade.errors import TastytradeError
from utils.tastytrade.market_data import MarketMetric, NestedOptionChain, Quote

QUOTES_PER_REQUEST = 100
CANDIDATE_BAND = Decimal("0.15")  # strikes within 15 % of the price are quoted for the pick


class MarketPort(Protocol):
    """What the ticket reads from a broker client; `TastytradeClient` provides it."""

    def option_chain(self, underlying: str) -> list[NestedOptionChain]: ...  # noqa: E704

    def quotes(  # noqa: E704
        self, *, equities: Sequence[str] = (), equity_options: Sequence[str] = ()
    ) -> list[Quote]: ...

    def market_metrics(self, symbols: Iterable[str]) -> list[MarketMetric]: ...  # noqa: E704


class TicketQuote(BaseModel):
    """The ticket's legs priced from the broker: the underlying's price, and the net price or
    why there is none (`gap`); both None while the fields do not describe legs yet."""

    model_config = ConfigDict(frozen=True)

    spot: Decimal | None = None
    price: NetPrice | None = None
    gap: MarketGap | None = None
    wrong_way: str | None = None  # the mid is a credit for a debit structure, or the reverse


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def chain_from(items: Sequence[NestedOptionChain], spot: Decimal | None) -> OptionChain:
    """One `OptionChain` from the nested chain's items (SPX-like chains have several roots)."""
    first = items[0]
    expirations = sorted(
        (
            ListedExpiration(
                expiration=expiration.expiration_date,
                days_to_expiration=expiration.days_to_expiration,
                kind=expiration.expiration_type,
                root=item.root_symbol,
                strikes=tuple(sorted(strike.strike_price for strike in expiration.strikes)),
            )
            for item in items
            for expiration in item.expirations
        ),
        key=lambda listed: (listed.expiration, listed.root),
    )
    return OptionChain(
        underlying=first.underlying_symbol,
        spot=spot,
        multiplier=first.shares_per_contract,
        tick_sizes=tuple(
            TickSize(value=size.value, threshold=size.threshold) for size in first.tick_sizes
        ),
        expirations=tuple(expirations),
    )


def events_from(metric: MarketMetric) -> UnderlyingEvents:
    """IV rank and event dates of a market-metrics item."""
    return UnderlyingEvents(
        symbol=metric.symbol,
        iv_rank=_float(metric.implied_volatility_index_rank),
        iv_index=_float(metric.implied_volatility_index),
        earnings=None if metric.earnings is None else metric.earnings.expected_report_date,
        ex_dividend=metric.dividend_ex_date,
    )


class TicketMarket:
    """Chains, quotes and metrics for the ticket from the client `client_of()` returns."""

    def __init__(self, client_of: Callable[[], MarketPort]) -> None:
        self._client_of = client_of

    def _client(self) -> MarketPort | MarketGap:
        try:
            return self._client_of()
        except BrokerUnavailable as error:
            return MarketGap(
                code=MarketGapCode.BROKER_UNAVAILABLE,
                sentence=f"The broker cannot be reached ({error}): type expiration, strikes "
                "and price.",
            )

    def chain(self, underlying: str) -> OptionChain | MarketGap:
        """The underlying's listed expirations and strikes with its price (None when the broker
        has no quote for it), or why there is no chain."""
        symbol = str(underlying or "").strip().upper()
        client = self._client()
        if isinstance(client, MarketGap):
            return client
        try:
            items = client.option_chain(symbol) if symbol else []
        except TastytradeError as error:
            items, problem = [], str(error)
        else:
            problem = "it lists no options"
        if not items or not any(item.expirations for item in items):
            return MarketGap(
                code=MarketGapCode.NO_CHAIN,
                sentence=f"No option chain for {symbol or 'a blank symbol'} ({problem}): type "
                "expiration, strikes and price.",
            )
        return chain_from(items, self._spot(client, symbol))

    @staticmethod
    def _spot(client: MarketPort, symbol: str) -> Decimal | None:
        try:
            found = client.quotes(equities=[symbol])
        except TastytradeError:
            return None
        for quote in found:
            if quote.symbol == symbol:
                return quote.mid or quote.mark or quote.last
        return None

    def quotes(
        self, symbols: Sequence[str], underlying: str | None = None
    ) -> dict[str, LegQuote] | MarketGap:
        """Bid, ask (and greeks when sent) of each option, keyed by padded OCC symbol; with
        `underlying`, its quote too (keyed by its symbol), read in the same first request."""
        client = self._client()
        if isinstance(client, MarketGap):
            return client
        equities = [underlying] if underlying else []
        first = QUOTES_PER_REQUEST - len(equities)
        batches = [list(symbols[:first])] + [
            list(symbols[start : start + QUOTES_PER_REQUEST])
            for start in range(first, len(symbols), QUOTES_PER_REQUEST)
        ]
        found: dict[str, LegQuote] = {}
        try:
            for number, batch in enumerate(batches):
                answer = client.quotes(equities=[] if number else equities, equity_options=batch)
                for quote in answer:
                    key = quote.symbol if quote.symbol == underlying else quote_key(quote.symbol)
                    found[key] = LegQuote(
                        bid=quote.bid,
                        ask=quote.ask,
                        delta=_float(quote.delta),
                        volatility=_float(quote.volatility),
                    )
        except TastytradeError as error:
            return MarketGap(
                code=MarketGapCode.NO_QUOTES,
                sentence=f"Quotes are unavailable ({error}): type the limit price.",
            )
        return found

    def events(self, underlying: str) -> UnderlyingEvents | None:
        """IV rank, earnings and ex-dividend dates, or None where the broker offers no metrics
        (the sandbox answers 502)."""
        client = self._client()
        if isinstance(client, MarketGap):
            return None
        try:
            metrics = client.market_metrics([underlying])
        except TastytradeError:
            return None
        return next((events_from(m) for m in metrics if m.symbol == underlying), None)

    def pick(
        self, structure: str, chain: OptionChain, expiration: date | str | None
    ) -> StrikePick | MarketGap:
        """The structure's starting strikes on a listed expiration (by the quotes' deltas when
        they carry them)."""
        listed = chain.listed(expiration)
        if listed is None:
            return MarketGap(
                code=MarketGapCode.NOT_LISTED,
                sentence=f"{expiration} is not a listed expiration of {chain.underlying}: type "
                "the strikes.",
            )
        spot = chain.spot
        candidates = listed.strikes
        if spot is not None:
            candidates = tuple(k for k in listed.strikes if abs(k - spot) <= spot * CANDIDATE_BAND)
        symbols = [listed.symbol(kind, k) for k in candidates for kind in OptionType]
        quotes = self.quotes(symbols)
        return pick_strikes(
            structure, listed, spot, {} if isinstance(quotes, MarketGap) else quotes
        )

    def price(self, legs: Sequence[Leg], chain: OptionChain | None) -> NetPrice | MarketGap:
        """The legs' bid/ask/mid and the net mid on the tick grid (a cent without a chain's
        tick sizes), or why the price is typed."""
        return self._priced(legs, chain, self.quotes([leg.occ for leg in legs]))

    @staticmethod
    def _priced(
        legs: Sequence[Leg], chain: OptionChain | None, quotes: dict[str, LegQuote] | MarketGap
    ) -> NetPrice | MarketGap:
        if isinstance(quotes, MarketGap):
            return quotes
        if chain is None:
            chain = OptionChain(underlying=legs[0].underlying, expirations=())
        return price_legs(legs, quotes, chain)

    def quote_ticket(
        self,
        *,
        underlying: str,
        structure: str,
        expiration: date | str | None,
        strikes: str,
        chain: OptionChain | None,
    ) -> TicketQuote:
        """The ticket's fields priced now: the underlying's price and the legs' net mid, read in
        one request."""
        try:
            legs = ticket_legs(
                underlying=underlying, structure=structure, expiration=expiration, strikes=strikes
            )
        except TicketError:
            return TicketQuote()
        symbol = legs[0].underlying
        quotes = self.quotes([leg.occ for leg in legs], underlying=symbol)
        spot = None
        if not isinstance(quotes, MarketGap) and symbol in quotes:
            spot = quotes[symbol].mid
        priced = self._priced(legs, chain, quotes)
        if isinstance(priced, MarketGap):
            return TicketQuote(spot=spot, gap=priced)
        return TicketQuote(spot=spot, price=priced, wrong_way=_wrong_way(structure, priced))


def _wrong_way(structure: str, price: NetPrice) -> str | None:
    """Why the mid cannot be the limit: the legs collect money where the structure pays, or the
    reverse (a limit on the wrong side would pay for what the market pays you for)."""
    wanted = STRUCTURES[structure][0].price_effect
    if price.price_effect.value == wanted:
        return None
    return (
        f"At the mid these legs are a {price.price_effect.value.lower()} of {abs(price.mid)}, "
        f"not a {wanted.lower()}: pick the {price.price_effect.value.lower()} variant or other "
        "strikes, or type a limit."
    )
