"""The embedded SIM broker of the running cockpit: a `SimBroker` on 127.0.0.1 and its login.

With no sandbox credentials the cockpit trades against this local simulator (DESIGN.md section 3,
mode SIM), through the same `TastytradeClient` that talks to tastytrade. The login is generated
afresh at every start (nothing to configure, nothing guessable) and lives only in memory; the
client's token cache for it is `data/sim_token.json`, apart from the sandbox's and live caches.

    sim = SimRuntime.start()          # binds a free loopback port, serves from one thread
    sim.credentials                   # BrokerCredentials for TastytradeClient (OAuth trio)
    sim.url, sim.broker               # base URL; the SimBroker (request log, faults) for tests
    sim.stop()

The simulator keeps its book in memory: its orders and positions vanish with the process (the
journal keeps the trades).
"""

from __future__ import annotations

from pydantic import SecretStr

from utils.core.config import BrokerCredentials, Environment
from utils.core.sessions import Clock, utc_now
from utils.sim.server import SimBroker

SIM_TOKEN_CACHE_NAME = "sim_token.json"  # nosec B105  # a file name, not a password


class SimRuntime:
    """A started simulated broker and the credentials that log in to it."""

    token_cache_name = SIM_TOKEN_CACHE_NAME

    def __init__(self, broker: SimBroker) -> None:
        self.broker = broker

    @classmethod
    def start(cls, *, clock: Clock = utc_now) -> SimRuntime:
        """Start a simulator with a freshly generated login on a free loopback port."""
        return cls(SimBroker(clock=clock).start())

    @property
    def url(self) -> str:
        """The simulator's base URL (`http://127.0.0.1:<port>`)."""
        return self.broker.url

    @property
    def credentials(self) -> BrokerCredentials:
        """The OAuth trio for this simulator; `environment` is SANDBOX (it is no live broker)."""
        logins = self.broker.logins
        return BrokerCredentials(
            environment=Environment.SANDBOX,
            base_url=self.url,
            client_id=SecretStr(logins.client_id),
            client_secret=logins.client_secret,
            refresh_token=logins.refresh_token,
        )

    def secret_values(self) -> tuple[str, ...]:
        """The generated secrets, for the audit log's redaction list."""
        logins = self.broker.logins
        return (
            logins.client_secret.get_secret_value(),
            logins.refresh_token.get_secret_value(),
            logins.password.get_secret_value(),
        )

    def stop(self) -> None:
        """Stop serving and release the port."""
        self.broker.stop()
