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
  `GET /market-data/by-type`, `POST /accounts/{n}/orders[/dry-run]`,
  `GET /accounts/{n}/orders[/live|/{id}]`, `DELETE /accounts/{n}/orders/{id}`,
  `GET /accounts/{n}/transactions` (paged with `per-page` / `page-offset`).
- Gates: a `User-Agent` of the form product/version (else the 401 nginx HTML page), a valid
  unexpired token (`Bearer <t>` for OAuth, the bare session token for the legacy login), and an
  `Accept-Version` not older than 20240501 (else 406).

The book (fill model, positions, balances) is `utils.sim.book`, order preflight and fees
`utils.sim.orders`, the market (chains, quotes) `utils.sim.market`. State is in
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

import hmac
import json
import logging
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import BaseModel, ConfigDict, SecretStr

from utils.sim import market
from utils.core.config import BrokerCredentials, Environment
from utils.core.sessions import Clock, session_of, utc_now
from utils.sim.book import SimBook
from utils.sim.orders import FillBehavior, SimRequestError, not_found

logger = logging.getLogger(__name__)

DEFAULT_ACCOUNT_NUMBER = "5SIM0001"
DEFAULT_STARTING_CASH = Decimal(100000)
ACCESS_TOKEN_TTL_S = 900
SESSION_TTL = timedelta(hours=24)
BEARER_SCHEME = "Bearer"
OLDEST_API_VERSION = "20240501"
USER_AGENT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._+-]*$")
SECRET_KEY_PATTERN = re.compile(r"password|secret|token", re.IGNORECASE)
MAX_QUOTE_SYMBOLS = 100
NGINX_401 = (
    "<html><head><title>401 Authorization Required</title></head><body><center>"
    "<h1>401 Authorization Required</h1></center><hr><center>nginx</center></body></html>"
)


class SimLogins(BaseModel):
    """The logins the simulated broker accepts: one OAuth client and one legacy user."""

    model_config = ConfigDict(frozen=True)

    client_id: str
    client_secret: SecretStr
    refresh_token: SecretStr
    username: str
    password: SecretStr

    @classmethod
    def generate(cls) -> SimLogins:
        """Fresh random secrets (the default: nothing guessable, nothing to configure)."""
        return cls(
            client_id=f"sim-{secrets.token_hex(4)}",
            client_secret=secrets.token_urlsafe(24),
            refresh_token=secrets.token_urlsafe(32),
            username="sim-trader",
            password=secrets.token_urlsafe(16),
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


class Fault(BaseModel):
    """A one-shot fault armed for requests matching `method` and `path` (a regex search)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["status", "canned", "slow", "malformed", "drop", "redirect"]
    method: str | None = None
    path: str | None = None
    status: int = 500
    body: Any = None
    retry_after: str | None = None
    delay_s: float = 0.0
    handle_first: bool = True
    location: str | None = None

    def matches(self, method: str, path: str) -> bool:
        """True when this fault applies to the request."""
        method_ok = self.method is None or self.method.upper() == method
        return method_ok and (self.path is None or re.search(self.path, path) is not None)


class _Answer(BaseModel):
    status: int
    body: Any = None
    headers: dict[str, str] = {}
    html: str | None = None


@dataclass
class _Token:
    kind: Literal["bearer", "session"]
    expires_at: datetime


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
        self.logins = logins or SimLogins.generate()
        self.account_number = account_number
        self.book = SimBook(
            clock=clock,
            account_number=account_number,
            starting_cash=starting_cash,
            fill_behavior=fill_behavior,
        )
        self._oauth_clients = [
            (self.logins.client_id, self.logins.client_secret, self.logins.refresh_token)
        ]
        self._access_token_ttl = timedelta(seconds=access_token_ttl_s)
        self._legacy_login_enabled = legacy_login_enabled
        self._tokens: dict[str, _Token] = {}
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
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
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
        with self._lock:
            self._oauth_clients.append(
                (client_id, SecretStr(client_secret), SecretStr(refresh_token))
            )

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

    def expire_tokens(self) -> None:
        """Every access token and session issued so far expires now."""
        now = self._clock()
        with self._lock:
            for token in self._tokens.values():
                token.expires_at = now

    def set_fill_behavior(self, behavior: FillBehavior) -> None:
        """How every later order is filled (see `utils.sim.book`)."""
        self.book.set_fill_behavior(behavior)

    def next_order_fill(self, behavior: FillBehavior) -> None:
        """How the next submitted order only is filled (e.g. REJECT, PARTIAL)."""
        self.book.next_order_fill(behavior)

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

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.matches(method, path):
                    return self._faults.pop(index)
        return None

    def _record(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, headers: Any
    ) -> None:
        authorization = headers.get("Authorization") or ""
        scheme: Literal["bearer", "session", "none"] = "none"
        if authorization.startswith("Bearer "):
            scheme = "bearer"
        elif authorization:
            scheme = "session"
        entry = RecordedRequest(
            method=method,
            path=path,
            query=_masked(query),
            body=_masked(body),
            user_agent=headers.get("User-Agent"),
            auth_scheme=scheme,
            received_at=self._clock(),
        )
        with self._lock:
            self._log.append(entry)

    def _answer(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, headers: Any
    ) -> _Answer:
        """Route one request through the gates to its handler."""
        user_agent = headers.get("User-Agent") or ""
        if not USER_AGENT_PATTERN.match(user_agent):
            return _Answer(status=401, html=NGINX_401)
        version = headers.get("Accept-Version")
        if version is not None and version < OLDEST_API_VERSION:
            return _error(406, 406, "The requested version is not supported.")
        try:
            if path == "/oauth/token" and method == "POST":
                return self._oauth_token(body)
            if path == "/sessions":
                return self._sessions(method, body, headers)
            self._authorized(headers)
            self.book.work()
            return self._route(method, path, query, body)
        except SimRequestError as error:
            return _Answer(status=error.status, body=error.body())

    def _authorized(self, headers: Any) -> None:
        authorization = headers.get("Authorization") or ""
        kind: Literal["bearer", "session"] = "session"
        value = authorization
        if authorization.startswith("Bearer "):
            kind, value = "bearer", authorization.removeprefix("Bearer ")
        with self._lock:
            token = self._tokens.get(value) if value else None
        if token is None or token.kind != kind or token.expires_at <= self._clock():
            raise SimRequestError(
                401, "unauthorized", "Access token is missing, invalid or expired"
            )

    def _issue(self, kind: Literal["bearer", "session"], ttl: timedelta) -> tuple[str, datetime]:
        value = secrets.token_urlsafe(32)
        expires_at = self._clock() + ttl
        with self._lock:
            self._tokens[value] = _Token(kind=kind, expires_at=expires_at)
        return value, expires_at

    def _oauth_token(self, body: Any) -> _Answer:
        fields = body if isinstance(body, dict) else {}
        grant = fields.get("grant_type")
        refresh, secret = fields.get("refresh_token"), fields.get("client_secret")
        if grant != "refresh_token":
            return _oauth_error("unsupported_grant_type", "grant_type must be refresh_token")
        if not isinstance(refresh, str) or not isinstance(secret, str):
            return _oauth_error("invalid_request", "refresh_token and client_secret are required")
        client_id = fields.get("client_id")
        with self._lock:
            clients = list(self._oauth_clients)
        for known_id, known_secret, known_refresh in clients:
            if (
                _same(secret, known_secret.get_secret_value())
                and _same(refresh, known_refresh.get_secret_value())
                and (client_id is None or _same(str(client_id), known_id))
            ):
                token, _ = self._issue("bearer", self._access_token_ttl)
                return _Answer(
                    status=200,
                    body={
                        "access_token": token,
                        "token_type": BEARER_SCHEME,
                        "expires_in": int(self._access_token_ttl.total_seconds()),
                    },
                )
        return _oauth_error("invalid_grant", "Invalid JWT")

    def _sessions(self, method: str, body: Any, headers: Any) -> _Answer:
        if method == "DELETE":
            self._authorized(headers)
            with self._lock:
                self._tokens.pop(headers.get("Authorization") or "", None)
            return _Answer(status=204)
        if method != "POST":
            raise not_found(f"{method} /sessions")
        if not self._legacy_login_enabled:
            return _error(
                401,
                "invalid_credentials",
                "Legacy /sessions authentication has been decommissioned; use OAuth2.",
            )
        fields = body if isinstance(body, dict) else {}
        login, password = fields.get("login"), fields.get("password")
        if not (
            isinstance(login, str)
            and isinstance(password, str)
            and _same(login, self.logins.username)
            and _same(password, self.logins.password.get_secret_value())
        ):
            return _error(
                401,
                "invalid_credentials",
                "Invalid login, please check your username and password. Unique customer "
                f"support identifier: {secrets.token_hex(16)}",
            )
        token, expires_at = self._issue("session", SESSION_TTL)
        data = {
            "user": {
                "email": f"{self.logins.username}@sim.invalid",
                "external-id": "U-SIM-0001",
                "is-confirmed": True,
                "username": self.logins.username,
            },
            "session-expiration": expires_at.isoformat(timespec="milliseconds"),
            "session-token": token,
        }
        if fields.get("remember-me"):
            data["remember-token"] = secrets.token_urlsafe(24)
        return _Answer(status=201, body={"data": data, "context": "/sessions"})

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> _Answer:
        segments = [unquote(part) for part in path.strip("/").split("/")]
        book = self.book
        match (method, segments):
            case ("GET", ["customers", "me", "accounts"]):
                return _items(book.customer_accounts(), path)
            case ("GET", ["customers", "me", "accounts", number]):
                return _single(book.account(number), path)
            case ("GET", ["accounts", number, "balances"]):
                return _items([book.balance(number)], path)
            case ("GET", ["accounts", number, "balances", currency]):
                return _single(book.balance(number, currency), path)
            case ("GET", ["accounts", number, "positions"]):
                return _items(book.positions(number), path)
            case ("GET", ["accounts", number, "trading-status"]):
                return _single(book.trading_status(number), path)
            case ("GET", ["option-chains", symbol, "nested"]):
                if symbol not in market.UNDERLYINGS:
                    raise not_found(f"option chain for {symbol}")
                today = session_of(self._clock())
                return _items([market.nested_chain(symbol, today)], path)
            case ("GET", ["market-data", "by-type"]):
                return _items(self._quotes(query), path)
            case ("POST", ["accounts", number, "orders", "dry-run"]):
                return _single(book.dry_run(number, body), path, status=201)
            case ("POST", ["accounts", number, "orders"]):
                return _single(book.submit(number, body), path, status=201)
            case ("GET", ["accounts", number, "orders", "live"]):
                return _paged(book.live_orders(number), query, path, default=100, maximum=200)
            case ("GET", ["accounts", number, "orders"]):
                return _paged(book.all_orders(number), query, path, default=100, maximum=200)
            case ("GET", ["accounts", number, "orders", order_id]) if order_id.isdigit():
                return _single(book.order(number, int(order_id)), path)
            case ("DELETE", ["accounts", number, "orders", order_id]) if order_id.isdigit():
                return _single(book.cancel(number, int(order_id)), path)
            case ("GET", ["accounts", number, "transactions"]):
                rows = book.transactions(
                    number,
                    start=_date_param(query, "start-date"),
                    end=_date_param(query, "end-date"),
                    ascending=_first(query, "sort") == "Asc",
                )
                return _paged(rows, query, path, default=250, maximum=2000)
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
        items = []
        for symbol in symbols:
            quote = market.quote(symbol, today)
            if quote is not None:
                items.append(_quote_json(quote, now))
        return items


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP into `SimBroker._answer` calls, applying any armed fault."""

    protocol_version = "HTTP/1.0"
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle()

    def do_PUT(self) -> None:  # noqa: N802
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        logger.debug("simulated broker: " + format, *args)

    def _handle(self) -> None:
        broker: SimBroker = self.server.broker  # type: ignore[attr-defined]
        split = urlsplit(self.path)
        path, query = split.path, parse_qs(split.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = _decode_body(raw, self.headers.get("Content-Type") or "")
        broker._record(self.command, path, query, body, self.headers)
        fault = broker._take_fault(self.command, path)
        if fault is not None and fault.kind == "status":
            self._send(_fault_answer(fault))
            return
        if fault is not None and fault.kind == "canned":
            self._send(_Answer(status=fault.status, body=fault.body))
            return
        if fault is not None and fault.kind == "redirect":
            self._send(_Answer(status=302, headers={"Location": fault.location or "/"}))
            return
        if fault is not None and fault.kind == "slow" and not fault.handle_first:
            if broker._stopping.wait(fault.delay_s):
                return
        answer = broker._answer(self.command, path, query, body, self.headers)
        if fault is not None and fault.kind == "slow" and fault.handle_first:
            if broker._stopping.wait(fault.delay_s):
                return
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            return
        self._send(answer, truncate=fault is not None and fault.kind == "malformed")

    def _send(self, answer: _Answer, *, truncate: bool = False) -> None:
        if answer.html is not None:
            payload, content_type = answer.html.encode(), "text/html"
        elif answer.body is None:
            payload, content_type = b"", "application/json"
        else:
            payload, content_type = json.dumps(answer.body).encode(), "application/json"
        if truncate:
            payload = payload[: max(1, len(payload) // 2)]
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError as error:  # the client gave up (timeout) before the answer
            logger.debug("simulated broker: client went away (%s)", error)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _masked(value: Any) -> Any:
    """A copy of a request body with every value under a secret-looking key masked."""
    if isinstance(value, dict):
        return {
            key: "***" if SECRET_KEY_PATTERN.search(str(key)) else _masked(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value


def _decode_body(raw: bytes, content_type: str) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    if "application/x-www-form-urlencoded" in content_type:
        return {key: values[-1] for key, values in parse_qs(text).items()}
    try:
        return json.loads(text)
    except ValueError:
        return f"<{len(raw)} bytes that are not JSON>"


def _single(data: Any, path: str, *, status: int = 200) -> _Answer:
    return _Answer(status=status, body={"data": data, "context": path})


def _items(items: list[Any], path: str) -> _Answer:
    return _Answer(status=200, body={"data": {"items": items}, "context": path})


def _paged(
    rows: list[Any], query: dict[str, list[str]], path: str, *, default: int, maximum: int
) -> _Answer:
    per_page = min(max(_int_param(query, "per-page", default), 1), maximum)
    offset = max(_int_param(query, "page-offset", 0), 0)
    total_pages = max(1, -(-len(rows) // per_page))
    page = rows[offset * per_page : (offset + 1) * per_page]
    body = {
        "data": {"items": page},
        "context": path,
        "pagination": {
            "per-page": per_page,
            "page-offset": offset,
            "item-offset": offset * per_page,
            "total-items": len(rows),
            "total-pages": total_pages,
            "current-item-count": len(page),
            "previous-link": None,
            "next-link": None,
            "paging-link-template": None,
        },
    }
    return _Answer(status=200, body=body)


def _first(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


def _int_param(query: dict[str, list[str]], key: str, default: int) -> int:
    value = _first(query, key)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise SimRequestError(400, "validation_error", f"{key} must be an integer") from None


def _date_param(query: dict[str, list[str]], key: str) -> date | None:
    value = _first(query, key)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SimRequestError(400, "validation_error", f"{key} must be YYYY-MM-DD") from None


def _error(status: int, code: str | int, message: str) -> _Answer:
    return _Answer(status=status, body={"error": {"code": code, "message": message}})


def _oauth_error(code: str, description: str) -> _Answer:
    return _Answer(status=400, body={"error_code": code, "error_description": description})


def _fault_answer(fault: Fault) -> _Answer:
    headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
    try:
        phrase = HTTPStatus(fault.status).phrase
    except ValueError:
        phrase = "Error"
    code = phrase.lower().replace(" ", "_")
    message = (
        f"{phrase} (injected fault). Unique customer support identifier: {secrets.token_hex(16)}"
    )
    answer = _error(fault.status, code, message)
    return answer.model_copy(update={"headers": headers})


def _quote_json(quote: market.SimQuote, now: datetime) -> dict[str, Any]:
    mid = market.decimal_text(quote.mid)
    text = market.decimal_text
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
    }
