"""The broker clients the guard talks to: one per target (SIM, SANDBOX, LIVE), built from the
settings, and the narrow `BrokerPort` the guard needs from each.

    clients = BrokerClients(settings, clock=clock)      # lazily builds TastytradeClients
    client = clients(BrokerTarget.LIVE)                  # BrokerUnavailable when it cannot
    clients.close()                                      # stops the simulator it started

SIM is the embedded simulator (`utils.sim.runtime`), started on first use unless
`start_sim=False`. Each client keeps its own token cache (`sim_token.json`,
`sandbox_token.json`, `live_token.json`). Building a client contacts nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol
from urllib.parse import urlparse

from utils.broker.checks import TradingStatus
from utils.judge.mode import BrokerTarget, ModeIntent, sandbox_problem
from utils.core.config import Environment, Settings
from utils.core.sessions import Clock, utc_now
from utils.sim.runtime import SimRuntime
from utils.tastytrade.client import TastytradeClient
from utils.tastytrade.errors import TastytradeError
from utils.tastytrade.accounts import Balance, CustomerAccount, Position
from utils.tastytrade.orders import NewOrder, Order, OrderPlacement, OrderResponse
from utils.tastytrade.market_data import Quote as BrokerQuote


class BrokerPort(Protocol):
    """What the guard needs from a broker client; `TastytradeClient` provides it.

    A client may also offer `trading_status(account_number)` returning an object with the
    `is_frozen`, `is_closing_only`, `is_in_margin_call` and `is_closed` flags of tastytrade's
    `GET /accounts/{n}/trading-status` (`TastytradeClient.trading_status` does); the guard then
    refuses on those flags too. It stays out of the protocol so thinner clients still fit.
    """

    @property
    def base_url(self) -> str: ...  # noqa: E704

    def authenticate(self) -> None: ...  # noqa: E704

    def accounts(self) -> list[CustomerAccount]: ...  # noqa: E704

    def balances(self, account_number: str, currency: str = "USD") -> Balance: ...  # noqa: E704

    def positions(self, account_number: str) -> list[Position]: ...  # noqa: E704

    def quotes(  # noqa: E704
        self, *, equities: Sequence[str] = (), equity_options: Sequence[str] = ()
    ) -> list[BrokerQuote]: ...

    def dry_run(self, account_number: str, order: NewOrder) -> OrderResponse: ...  # noqa: E704

    def place_order(self, account_number: str, order: NewOrder) -> OrderPlacement: ...  # noqa: E704

    def order(self, account_number: str, order_id: int) -> Order: ...  # noqa: E704

    def find_order(  # noqa: E704
        self, account_number: str, external_identifier: str
    ) -> Order | None: ...

    def cancel_order(self, account_number: str, order_id: int) -> Order: ...  # noqa: E704


ClientFactory = Callable[[BrokerTarget], BrokerPort]


class BrokerUnavailable(Exception):
    """No client can be built for a target (no login, bad URL, simulator not running)."""


class BrokerClients:
    """Builds (once) the client of each target from the settings; SIM starts the simulator."""

    def __init__(
        self,
        settings: Settings,
        *,
        sim: SimRuntime | None = None,
        clock: Clock = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        timeout_s: float = 10.0,
        start_sim: bool = True,
    ) -> None:
        self._settings = settings
        self._sim = sim
        self._owns_sim = False
        self._clock = clock
        self._sleep = sleep
        self._timeout_s = timeout_s
        self._start_sim = start_sim
        self._clients: dict[BrokerTarget, BrokerPort] = {}
        self._lock = threading.Lock()

    @property
    def sim(self) -> SimRuntime | None:
        """The simulator in use (None before SIM was first needed)."""
        return self._sim

    def __call__(self, target: BrokerTarget) -> BrokerPort:
        with self._lock:
            if target not in self._clients:
                self._clients[target] = self._build(target)
            return self._clients[target]

    def _build(self, target: BrokerTarget) -> BrokerPort:
        settings = self._settings
        cache_name = None
        if target is BrokerTarget.SIM:
            if self._sim is None:
                if not self._start_sim:
                    raise BrokerUnavailable("the embedded simulator is not running")
                try:
                    self._sim = SimRuntime.start(clock=self._clock)
                except OSError as error:
                    raise BrokerUnavailable(
                        f"the embedded simulator could not start: {error}"
                    ) from None
                self._owns_sim = True
            credentials = self._sim.credentials
            cache_name = self._sim.token_cache_name
        else:
            if target is BrokerTarget.SANDBOX:
                problem = sandbox_problem(ModeIntent.from_settings(settings))
                if problem is not None:
                    raise BrokerUnavailable(problem.sentence)
            environment = Environment(target.value.lower())
            credentials = settings.credentials(environment)
        try:
            return TastytradeClient(
                credentials,
                data_dir=settings.data_dir,
                user_agent=settings.user_agent,
                timeout_s=self._timeout_s,
                sleep=self._sleep,
                clock=self._clock,
                token_cache_name=cache_name,
            )
        except TastytradeError as error:
            raise BrokerUnavailable(str(error)) from None

    def secret_values(self) -> tuple[str, ...]:
        """Every configured secret (and the simulator's), for the audit log's redaction."""
        values: list[str] = []
        for environment in Environment:
            creds = self._settings.credentials(environment)
            for secret in (creds.client_secret, creds.refresh_token, creds.password):
                if secret is not None and secret.get_secret_value():
                    values.append(secret.get_secret_value())
        if self._sim is not None:
            values.extend(self._sim.secret_values())
        return tuple(values)

    def close(self) -> None:
        """Stop the simulator if this object started it."""
        if self._owns_sim and self._sim is not None:
            self._sim.stop()
            self._sim = None


def host_of(client: BrokerPort) -> str:
    """`host:port` of the client's base URL (what the audit log records as the target)."""
    return urlparse(client.base_url).netloc


def read_trading_status(client: BrokerPort, account_number: str) -> TradingStatus | None:
    """The account's trading status when the client offers `trading_status` (else None).

    `TastytradeClient.trading_status` answers a `utils.tastytrade.accounts.TradingStatus`,
    read here by attribute into the guard's model. Raises pydantic's ValidationError when the
    answer lacks the shape of a trading status, and the client's errors (`TastytradeError`) as
    they come.
    """
    reader = getattr(client, "trading_status", None)
    if reader is None:
        return None
    raw = reader(account_number)
    if isinstance(raw, TradingStatus):
        return raw
    if isinstance(raw, dict):
        return TradingStatus.model_validate(raw)
    return TradingStatus.model_validate(raw, from_attributes=True)
