"""Live quotes for closing a position, read from the broker where the position lives.

A closing ticket prices its limit at the mid of the legs' quotes (`utils.spreads.closing`); the
quotes and the chain's tick sizes come from the broker of the trade's mode (SIM, SANDBOX or
LIVE), the same broker its closing order goes to (`utils.broker.close_route`). Reads only: no
order, nothing written. A quote that cannot be read is a `problem` sentence, never a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from utils.broker.close_route import TARGET_OF_MODE, route_problem
from utils.broker.clients import BrokerUnavailable, ClientFactory
from utils.journal.trade import Mode
from utils.judge.mode import ModeIntent
from utils.spreads.closing import BidAsk
from utils.spreads.symbols import SymbolError, parse_occ
from utils.tastytrade.errors import TastytradeError
from utils.tastytrade.market_data import NestedOptionChain
from utils.tastytrade.market_data import Quote as BrokerQuote


class QuoteReader(Protocol):
    """What reading a position's market needs from a broker client."""

    def quotes(  # noqa: E704
        self, *, equities: Sequence[str] = (), equity_options: Sequence[str] = ()
    ) -> list[BrokerQuote]: ...

    def option_chain(self, underlying: str) -> list[NestedOptionChain]: ...  # noqa: E704


class PositionMarket(BaseModel):
    """The legs' bid/ask by OCC symbol and the chain's (threshold, tick) sizes, or why not."""

    model_config = ConfigDict(frozen=True)

    quotes: dict[str, BidAsk] = {}
    tick_sizes: tuple[tuple[Decimal | None, Decimal], ...] = ()
    problem: str | None = None


def read_position_market(
    client: QuoteReader, underlying: str, symbols: Sequence[str]
) -> PositionMarket:
    """The legs' quotes (uncrossed, both sides present) and the underlying's tick sizes."""
    try:
        answer = client.quotes(equity_options=list(symbols))
    except TastytradeError as error:
        return PositionMarket(problem=f"the legs' quotes could not be read: {error}")
    quotes = {}
    for item in answer:
        try:
            symbol = parse_occ(item.symbol).occ
        except SymbolError:
            continue
        if item.bid is not None and item.ask is not None and item.ask >= item.bid:
            quotes[symbol] = BidAsk(bid=item.bid, ask=item.ask)
    missing = [s.strip() for s in symbols if s not in quotes]
    try:
        chains = client.option_chain(underlying)
    except TastytradeError as error:
        return PositionMarket(quotes=quotes, problem=f"the tick sizes could not be read: {error}")
    ticks = tuple((size.threshold, size.value) for chain in chains[:1] for size in chain.tick_sizes)
    problem = f"no two-sided quote for {', '.join(missing)}" if missing else None
    return PositionMarket(quotes=quotes, tick_sizes=ticks, problem=problem)


def position_market(
    clients: ClientFactory,
    intent: ModeIntent,
    mode: Mode,
    underlying: str,
    symbols: Sequence[str],
) -> PositionMarket:
    """The market of a `mode` position, read from that mode's broker (or why it cannot be)."""
    problem = route_problem(intent, mode)
    if problem is not None:
        return PositionMarket(problem=f"the {mode} broker cannot be reached: {problem}")
    try:
        client = clients(TARGET_OF_MODE[mode])
    except BrokerUnavailable as error:
        return PositionMarket(problem=f"the {mode} broker cannot be reached: {error}")
    return read_position_market(client, underlying, symbols)  # type: ignore[arg-type]
