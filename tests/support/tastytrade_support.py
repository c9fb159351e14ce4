"""Shared pieces of the tastytrade client and simulated-broker tests: clock, fixtures, spreads."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any, Literal

from utils.core.config import BrokerCredentials
from utils.sim.server import SimBroker
from utils.tastytrade.client import TastytradeClient
from utils.tastytrade.orders import build_spread_order
from utils.tastytrade.retry import RetryPolicy
from utils.tastytrade.orders import NewOrder

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tastytrade"
USER_AGENT = "spreads-cockpit-tests/0.1"
# Wednesday 2026-03-04, 10:00 in New York: a regular session with SPY/QQQ dailies listed.
START = datetime(2026, 3, 4, 15, 0, tzinfo=timezone.utc)


def fixture(name: str) -> Any:
    """A JSON fixture copied from the research notes."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class SteppingClock:
    """A clock that only moves when a test moves it (shared by client and broker)."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move time forward by `timedelta(**delta)`."""
        self.now += timedelta(**delta)


class SleepRecorder:
    """Stands in for time.sleep: records each backoff instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_client(
    broker: SimBroker,
    data_dir: Path,
    clock: SteppingClock,
    *,
    sleep: SleepRecorder | None = None,
    login: Literal["oauth", "legacy"] = "oauth",
    credentials: BrokerCredentials | None = None,
    timeout_s: float = 5.0,
    retry: RetryPolicy = RetryPolicy(),
) -> TastytradeClient:
    """A real client pointed at the simulated broker."""
    return TastytradeClient(
        credentials or broker.credentials(login=login),
        data_dir=data_dir,
        user_agent=USER_AGENT,
        timeout_s=timeout_s,
        sleep=sleep if sleep is not None else SleepRecorder(),
        clock=clock,
        retry=retry,
    )


def put_credit_spread(
    client: TastytradeClient,
    *,
    underlying: str = "SPY",
    min_dte: int = 14,
    width: Decimal = Decimal(5),
    quantity: int = 1,
    strikes_below_spot: Decimal = Decimal(15),
) -> tuple[list[dict[str, Any]], Decimal]:
    """Legs of an out-of-the-money put credit spread from the chain, and its net mid credit.

    The credit is rounded down to the cent, so an order at it fills under the quote fill model.
    """
    chain = client.option_chain(underlying)[0]
    expiration = next(e for e in chain.expirations if e.days_to_expiration >= min_dte)
    spot = client.quotes(equities=[underlying])[0].mid
    assert spot is not None
    by_strike = {row.strike_price: row for row in expiration.strikes}
    short_strike = max(k for k in by_strike if k <= spot - strikes_below_spot)
    short, long_ = by_strike[short_strike], by_strike[short_strike - width]
    quotes = {q.symbol: q for q in client.quotes(equity_options=[short.put, long_.put])}
    short_mid, long_mid = quotes[short.put].mid, quotes[long_.put].mid
    assert short_mid is not None and long_mid is not None
    legs = [
        {
            "instrument-type": "Equity Option",
            "symbol": short.put,
            "quantity": quantity,
            "action": "Sell to Open",
        },
        {
            "instrument-type": "Equity Option",
            "symbol": long_.put,
            "quantity": quantity,
            "action": "Buy to Open",
        },
    ]
    return legs, (short_mid - long_mid).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)


def credit_order(legs: list[dict[str, Any]], credit: Decimal) -> NewOrder:
    """A Day Limit order for the legs at `credit` per spread."""
    return build_spread_order(legs, price=credit, price_effect="Credit")


def paths(broker: SimBroker, method: str | None = None) -> list[str]:
    """The paths the broker received, optionally for one method only."""
    return [r.path for r in broker.requests if method is None or r.method == method]
