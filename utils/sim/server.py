"""A local tastytrade-compatible broker: a real HTTP server on 127.0.0.1 (random free port).

It is both the test double of `tastytrade.client.TastytradeClient` and the embedded SIM broker the
cockpit runs against when no sandbox credentials are set: the same client code talks to it.

    broker = SimBroker().start()             # fast: binds a port, starts one thread
    client = TastytradeClient(
        broker.credentials(),                 # OAuth trio (or login="legacy": user/pass)
        data_dir=settings.data_dir,
        user_agent=settings.user_agent,
        token_cache_name="sim_token.json",    # keep the real sandbox's cache apart
    )
    ...
    broker.stop()

Its logins are random per instance unless `logins` is given; its clock is injectable and sets
"today" for the market (chains, expirations, quotes), the sessions orders belong to, and expiry.

What it speaks (documented shapes of `shared/research/tastytrade_api.md`, kebab-case JSON, the
`data` / `items` envelope and the `error` envelope):
- `POST /oauth/token` (JSON or form; refresh-token grant of any registered client; 15-minute
  tokens) and the legacy `POST /sessions` / `DELETE /sessions` login with the configured user;
- `GET /customers/me/accounts[/{n}]`, `GET /accounts/{n}/balances[/{currency}]`,
  `GET /accounts/{n}/positions`, `GET /accounts/{n}/trading-status`,
  `GET /option-chains/{symbol}/nested`,
  `GET /market-data/by-type`, `GET /market-metrics?symbols=`, `POST /accounts/{n}/orders[/dry-run]`,
  `GET /accounts/{n}/orders[/live|/{id}]`, `DELETE /accounts/{n}/orders/{id}`,
  `GET /accounts/{n}/transactions` (paged with `per-page` / `page-offset`).
- Gates: a `User-Agent` of the form product/version (else the 401 nginx HTML page), a valid
  unexpired token (`Bearer <t>` for OAuth, the bare session token for the legacy login), and an
  `Accept-Version` not older than 20240501 (else 406).

The book (fill model, positions, balances) is `utils.sim.book`, order preflight and fees
`utils.sim.orders`, the market (chains, quotes) `utils.sim.market`, logins and tokens
`utils.sim.auth`, faults `utils.sim.faults`, the JSON envelopes `utils.sim.wire`. State is in
memory and lasts as long as the object.

Fault injection for tests (one-shot, matched on method and a path regex): `fail_next` (any status,
e.g. 429 with `Retry-After`, 500), `answer_next` (a given JSON body), `slow_next` (answer after a
delay, optionally handling the request first), `malformed_next` (truncated JSON), `drop_next`
(close without answering), `redirect_next`; `expire_tokens` (every issued token and session
expires now); `next_order_fill` / `set_fill_behavior` (fill, never fill, accept then reject,
partial fill); `set_trading_status` (frozen, closing-only, margin call, closed: reported only).
Every request is recorded (`requests`): method, path, query and body with secrets masked.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from decimal import Decimal
from http.server import ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import unquote

from pydantic import BaseModel, ConfigDict, SecretStr

from utils.core.config import BrokerCredentials, Environment
from utils.core.sessions import Clock, session_of, utc_now
from utils.sim import market
from utils.sim.market_metrics import market_metrics
from utils.sim.auth import ACCESS_TOKEN_TTL_S, SimAuth, SimLogins
from utils.sim.book import SimBook
from utils.sim.faults import Fault
from utils.sim.http_handler import SimRequestHandler
from utils.sim.orders import FillBehavior, SimRequestError, not_found
from utils.sim.wire import (
    Answer,
    date_param,
    error_answer,
    first_param,
    items,
    masked,
    paged,
    single,
)
from utils.tastytrade.client import USER_AGENT_PATTERN  # what the client may send

logger = logging.getLogger(__name__)

DEFAULT_ACCOUNT_NUMBER = "5SIM0001"
DEFAULT_STARTING_CASH = Decimal(100000)
OLDEST_API_VERSION = "20240501"
MAX_QUOTE_SYMBOLS = 100
NGINX_401 = (
    "<html><head><title>401 Authorization Required</title></head><body><center>"
    "<h1>401 Authorization Required</h1></center><hr><center>nginx</center></body></html>"
)


class RecordedRequest(BaseModel):
    """One request the broker received; the body has every secret-looking value masked."""

    model_config = ConfigDict(frozen=True)

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    user_agent: str | None
    auth_scheme: Literal["bearer", "session", "none"]
    received_at: datetime


class SimBroker:
    """The simulated tastytrade broker (see the module docstring)."""

    def __init__(
        self,
        *,
        clock: Clock = utc_now,
        logins: SimLogins | None = None,
        account_number: str = DEFAULT_ACCOUNT_NUMBER,
        starting_cash: Decimal = DEFAULT_STARTING_CASH,
        fill_behavior: FillBehavior = FillBehavior.QUOTE,
        access_token_ttl_s: int = ACCESS_TOKEN_TTL_S,
        legacy_login_enabled: bool = True,
    ) -> None:
        self._clock = clock
        self.auth = SimAuth(
            logins or SimLogins.generate(),
            clock=clock,
            access_token_ttl_s=access_token_ttl_s,
            legacy_login_enabled=legacy_login_enabled,
        )
        self.account_number = account_number
        self.book = SimBook(
            clock=clock,
            account_number=account_number,
            starting_cash=starting_cash,
            fill_behavior=fill_behavior,
        )
        self._faults: list[Fault] = []
        self._log: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> SimBroker:
        """Listen on 127.0.0.1 at a free port, serving from a daemon thread."""
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", 0), SimRequestHandler)
        server.daemon_threads = True
        server.broker = self  # type: ignore[attr-defined]
        self._stopping.clear()
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        logger.info("simulated broker listening on %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and release the port (slow faults still waiting are cut short)."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SimBroker:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL, e.g. `http://127.0.0.1:54321`."""
        if self._server is None:
            raise RuntimeError("the simulated broker is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def logins(self) -> SimLogins:
        """The OAuth client and legacy user this broker accepts."""
        return self.auth.logins

    def credentials(
        self,
        environment: Environment = Environment.SANDBOX,
        *,
        login: Literal["oauth", "legacy"] = "oauth",
    ) -> BrokerCredentials:
        """Credentials a TastytradeClient needs to log in here (OAuth trio or legacy user)."""
        if login == "oauth":
            return BrokerCredentials(
                environment=environment,
                base_url=self.url,
                client_id=SecretStr(self.logins.client_id),
                client_secret=self.logins.client_secret,
                refresh_token=self.logins.refresh_token,
            )
        return BrokerCredentials(
            environment=environment,
            base_url=self.url,
            username=SecretStr(self.logins.username),
            password=self.logins.password,
        )

    def register_oauth_client(self, client_id: str, client_secret: str, refresh_token: str) -> None:
        """Accept one more OAuth client (id, secret and refresh token)."""
        self.auth.register_oauth_client(client_id, client_secret, refresh_token)

    # -- observation -----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (secrets masked)."""
        with self._lock:
            return list(self._log)

    # -- fault injection -------------------------------------------------------------------

    def inject(self, fault: Fault, *, times: int = 1) -> None:
        """Arm `fault` for the next `times` matching requests."""
        with self._lock:
            self._faults.extend([fault] * times)

    def fail_next(
        self,
        status: int = 500,
        *,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
        retry_after: str | None = None,
    ) -> None:
        """Answer the next matching requests with `status` (e.g. 429 + Retry-After, 500)."""
        fault = Fault(
            kind="status", status=status, retry_after=retry_after, method=method, path=path
        )
        self.inject(fault, times=times)

    def slow_next(
        self,
        delay_s: float,
        *,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
        handle_first: bool = True,
    ) -> None:
        """Answer after `delay_s`; `handle_first` processes the request before waiting."""
        fault = Fault(
            kind="slow", delay_s=delay_s, handle_first=handle_first, method=method, path=path
        )
        self.inject(fault, times=times)

    def malformed_next(
        self, *, times: int = 1, method: str | None = None, path: str | None = None
    ) -> None:
        """Handle the request, then answer with truncated JSON."""
        self.inject(Fault(kind="malformed", method=method, path=path), times=times)

    def drop_next(
        self, *, times: int = 1, method: str | None = None, path: str | None = None
    ) -> None:
        """Handle the request, then close the connection without answering."""
        self.inject(Fault(kind="drop", method=method, path=path), times=times)

    def answer_next(
        self,
        body: Any,
        *,
        status: int = 200,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Answer the next matching requests with this JSON body, unhandled (shape tests)."""
        fault = Fault(kind="canned", status=status, body=body, method=method, path=path)
        self.inject(fault, times=times)

    def redirect_next(
        self, location: str, *, method: str | None = None, path: str | None = None
    ) -> None:
        """Answer with a 302 to `location` (a client must not follow it)."""
        self.inject(Fault(kind="redirect", location=location, method=method, path=path))

    def wait_unless_stopping(self, delay_s: float) -> bool:
        """Wait `delay_s` (a slow fault); True when the broker stopped meanwhile."""
        return self._stopping.wait(delay_s)

    def expire_tokens(self) -> None:
        """Every access token and session issued so far expires now."""
        self.auth.expire_tokens()

    def set_fill_behavior(self, behavior: FillBehavior) -> None:
        """How every later order is filled (see `utils.sim.book`)."""
        self.book.set_fill_behavior(behavior)

    def next_order_fill(self, behavior: FillBehavior) -> None:
        """How the next submitted order only is filled (e.g. REJECT, PARTIAL)."""
        self.book.next_order_fill(behavior)

    def add_account(self, number: str, starting_cash: Decimal = DEFAULT_STARTING_CASH) -> None:
        """Serve a second (third, ...) account under the same login."""
        self.book.add_account(number, starting_cash)

    def fill_rest(self, order_id: int, account_number: str | None = None) -> None:
        """Fill what remains of a working order now (e.g. the rest of a partial fill)."""
        self.book.fill_rest(account_number or self.account_number, order_id)

    def set_trading_status(
        self,
        *,
        is_frozen: bool = False,
        is_closing_only: bool = False,
        is_in_margin_call: bool = False,
        is_closed: bool = False,
    ) -> None:
        """The flags `GET /accounts/{n}/trading-status` reports from now on (all False unless
        given); reported only, orders are not refused because of them."""
        self.book.set_trading_status(
            is_frozen=is_frozen,
            is_closing_only=is_closing_only,
            is_in_margin_call=is_in_margin_call,
            is_closed=is_closed,
        )

    # -- request handling ------------------------------------------------------------------

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The first armed fault matching this request, disarmed (None when none matches)."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.matches(method, path):
                    return self._faults.pop(index)
        return None

    def record_request(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, headers: Any
    ) -> None:
        """Log a request (secrets masked) for tests to inspect."""
        authorization = headers.get("Authorization") or ""
        scheme: Literal["bearer", "session", "none"] = "none"
        if authorization.startswith("Bearer "):
            scheme = "bearer"
        elif authorization:
            scheme = "session"
        entry = RecordedRequest(
            method=method,
            path=path,
            query=masked(query),
            body=masked(body),
            user_agent=headers.get("User-Agent"),
            auth_scheme=scheme,
            received_at=self._clock(),
        )
        with self._lock:
            self._log.append(entry)

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, headers: Any
    ) -> Answer:
        """Route one request through the gates (User-Agent, API version, token) to its handler."""
        user_agent = headers.get("User-Agent") or ""
        if not USER_AGENT_PATTERN.match(user_agent):
            return Answer(status=401, html=NGINX_401)
        version = headers.get("Accept-Version")
        if version is not None and version < OLDEST_API_VERSION:
            return error_answer(406, 406, "The requested version is not supported.")
        try:
            if path == "/oauth/token" and method == "POST":
                return self.auth.oauth_token(body)
            if path == "/sessions":
                return self.auth.sessions(method, body, headers)
            self.auth.authorize(headers)
            self.book.work()
            return self._route(method, path, query, body)
        except SimRequestError as error:
            return Answer(status=error.status, body=error.body())

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Answer:
        segments = [unquote(part) for part in path.strip("/").split("/")]
        book = self.book
        match (method, segments):
            case ("GET", ["customers", "me", "accounts"]):
                return items(book.customer_accounts(), path)
            case ("GET", ["customers", "me", "accounts", number]):
                return single(book.account(number), path)
            case ("GET", ["accounts", number, "balances"]):
                return items([book.balance(number)], path)
            case ("GET", ["accounts", number, "balances", currency]):
                return single(book.balance(number, currency), path)
            case ("GET", ["accounts", number, "positions"]):
                return items(book.positions(number), path)
            case ("GET", ["accounts", number, "trading-status"]):
                return single(book.trading_status(number), path)
            case ("GET", ["option-chains", symbol, "nested"]):
                if symbol not in market.UNDERLYINGS:
                    raise not_found(f"option chain for {symbol}")
                today = session_of(self._clock())
                return items([market.nested_chain(symbol, today)], path)
            case ("GET", ["market-data", "by-type"]):
                return items(self._quotes(query), path)
            case ("GET", ["market-metrics"]):
                today = session_of(self._clock())
                symbols = (first_param(query, "symbols") or "").split(",")
                found = [market_metrics(symbol.strip(), today) for symbol in symbols]
                return items([item for item in found if item is not None], path)
            case ("POST", ["accounts", number, "orders", "dry-run"]):
                return single(book.dry_run(number, body), path, status=201)
            case ("POST", ["accounts", number, "orders"]):
                return single(book.submit(number, body), path, status=201)
            case ("GET", ["accounts", number, "orders", "live"]):
                return paged(book.live_orders(number), query, path, default=100, maximum=200)
            case ("GET", ["accounts", number, "orders"]):
                return paged(book.all_orders(number), query, path, default=100, maximum=200)
            case ("GET", ["accounts", number, "orders", order_id]) if order_id.isdigit():
                return single(book.order(number, int(order_id)), path)
            case ("DELETE", ["accounts", number, "orders", order_id]) if order_id.isdigit():
                return single(book.cancel(number, int(order_id)), path)
            case ("GET", ["accounts", number, "transactions"]):
                rows = book.transactions(
                    number,
                    start=date_param(query, "start-date"),
                    end=date_param(query, "end-date"),
                    ascending=first_param(query, "sort") == "Asc",
                )
                return paged(rows, query, path, default=250, maximum=2000)
        raise not_found(f"{method} {path}")

    def _quotes(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        symbols = [
            symbol
            for key in ("equity", "equity-option")
            for value in query.get(key, [])
            for symbol in value.split(",")
            if symbol
        ]
        if len(symbols) > MAX_QUOTE_SYMBOLS:
            raise SimRequestError(
                400, "too_many_symbols", f"at most {MAX_QUOTE_SYMBOLS} symbols per request"
            )
        now = self._clock()
        today = session_of(now)
        found = []
        for symbol in symbols:
            quote = market.quote(symbol, today)
            if quote is not None:
                found.append(market.quote_json(quote, now))
        return found
