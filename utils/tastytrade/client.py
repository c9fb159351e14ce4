"""REST client for the tastytrade Open API (`requests`): login, typed calls, safe retries.

Construction::

    client = TastytradeClient(
        settings.credentials(Environment.SANDBOX),
        data_dir=settings.data_dir,
        user_agent=settings.user_agent,      # product/version; tastytrade answers 401 without it
        timeout_s=10.0,                      # connect and read timeout of every call
        session=None,                        # a requests.Session to reuse (tests, pooling)
        sleep=time.sleep,                    # backoff sleeping, injectable so tests never sleep
        clock=utc_now,                       # token expiry and Retry-After dates
    )

Login: the OAuth2 refresh-token grant when the credentials hold the client id / secret /
refresh-token trio (`Authorization: Bearer <access token>`, 15 minutes, refreshed 60 s early and
once on a 401); otherwise the legacy `POST /sessions` username/password login (`Authorization:
<session token>`, no prefix), which tastytrade decommissioned on 2026-02-11 but the embedded
simulated broker still offers. The token is cached in `data_dir/<environment>_token.json`
(mode 0600); a cache that is corrupt, not owned by this user or readable by others is discarded
with a warning.

Failure handling: every call has a timeout; GETs (and the side-effect-free dry-run and token
calls) are retried with exponential backoff on 429 / 5xx / connection errors, honouring
`Retry-After`; an order POST is never retried: it carries a unique `external-identifier`, and when
its answer is lost the client looks the order up before anything else (`OrderOutcomeUnknown` when
it cannot tell). Redirects are never followed and environment proxies are ignored, so nothing but
the configured base URL is contacted. Errors are typed exceptions carrying the API's code and
message, never request headers or tokens.

Shapes are in `utils.tastytrade.accounts`, `market_data`, `orders` and `transactions`; errors in
`utils.tastytrade.errors` (import each name from there), answers read by
`utils.tastytrade.responses`, login in `utils.tastytrade.login`, retries in
`utils.tastytrade.retry`, the token and its cache in `utils.tastytrade.tokens`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from utils.core.broker_target import BaseUrlError, parse_base_url
from utils.core.config import BrokerCredentials
from utils.core.sessions import Clock, utc_now
from utils.tastytrade.accounts import Balance, CustomerAccount, Position, TradingStatus
from utils.tastytrade.api_model import Pagination
from utils.tastytrade.errors import (
    AuthenticationError,
    ClientConfigError,
    InvalidRequest,
    MalformedResponse,
    OrderOutcomeUnknown,
    TastytradeError,
    TransportError,
)
from utils.tastytrade.login import access_token_from, login_fingerprint, login_request
from utils.tastytrade.market_data import MarketMetric, NestedOptionChain, Quote
from utils.tastytrade.orders import (
    NewOrder,
    Order,
    OrderPlacement,
    OrderResponse,
    new_client_order_id,
)
from utils.tastytrade.responses import (
    api_error,
    data_of,
    items_of,
    parse_items,
    parse_model,
    response_json,
    succeeded,
)
from utils.tastytrade.retry import RETRYABLE_STATUSES, RetryPolicy, retry_after_s
from utils.tastytrade.tokens import AccessToken, TokenCache
from utils.tastytrade.transactions import Transaction

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 10.0
TOKEN_REFRESH_MARGIN = timedelta(seconds=60)
MAX_QUOTE_SYMBOLS = 100
USER_AGENT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._+-]*$")
TOKEN_CACHE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9._-]*token[A-Za-z0-9._-]*\.json$")


class TastytradeClient:
    """Typed, retrying client for one tastytrade environment (see the module docstring)."""

    def __init__(
        self,
        credentials: BrokerCredentials,
        *,
        data_dir: Path,
        user_agent: str,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Clock = utc_now,
        retry: RetryPolicy = RetryPolicy(),
        token_cache_name: str | None = None,
    ) -> None:
        """Check the configuration; nothing is contacted until the first call.

        Raises ClientConfigError for a User-Agent not in product/version form, a base URL that
        is not https (plain http is allowed to loopback only), no complete login, or a token
        cache name that the `data/*token*.json` ignore rule would not cover. A `session` given
        here is used as it is: set its `trust_env = False` to ignore proxy variables, as the
        client's own session does.
        """
        if not USER_AGENT_PATTERN.match(user_agent):
            raise ClientConfigError(
                f"USER_AGENT {user_agent!r} must look like product/version (e.g. "
                "spreads-cockpit/0.1): tastytrade answers 401 without one"
            )
        self._base_url = _checked_base_url(credentials.base_url)
        env = credentials.environment.value
        if not credentials.present:
            key = f"TT_{env.upper()}"
            raise ClientConfigError(
                f"no {env} login configured: set {key}_CLIENT_ID, {key}_CLIENT_SECRET and "
                f"{key}_REFRESH_TOKEN (or {key}_USER/{key}_PASS for the simulated broker)"
            )
        cache_name = token_cache_name or f"{env}_token.json"
        if not TOKEN_CACHE_NAME_PATTERN.match(cache_name):
            raise ClientConfigError(
                f"token cache name {cache_name!r} must be a bare *token*.json file name "
                "(the .gitignore rule data/*token*.json keeps it out of git)"
            )
        self._credentials = credentials
        self._user_agent = user_agent
        self._timeout = (timeout_s, timeout_s)
        self._sleep = sleep
        self._clock = clock
        self._retry = retry
        self._session = session if session is not None else _isolated_session()
        self._cache = TokenCache(
            Path(data_dir) / cache_name, login_fingerprint(self._base_url, credentials)
        )
        self._token: AccessToken | None = None
        self._token_lock = threading.Lock()

    def __repr__(self) -> str:
        env = self._credentials.environment.value
        return f"TastytradeClient(environment={env!r}, base_url={self._base_url!r})"

    @property
    def base_url(self) -> str:
        """The only origin this client ever contacts."""
        return self._base_url

    # -- public calls ----------------------------------------------------------------------

    def authenticate(self) -> None:
        """Log in now (or reuse a valid cached token); raises AuthenticationError if refused."""
        self._authorization()

    def accounts(self) -> list[CustomerAccount]:
        """The customer's accounts with the user's authority level on each."""
        path = "/customers/me/accounts"
        return parse_items(CustomerAccount, path, self._getdata_of(path))

    def balances(self, account_number: str, currency: str = "USD") -> Balance:
        """Balances of one account in one currency (`/balances/{currency}`, a single object)."""
        path = _account_path(account_number, "balances", currency)
        return parse_model(Balance, self._getdata_of(path), path)

    def trading_status(self, account_number: str) -> TradingStatus:
        """What the account may trade now (`/trading-status`: frozen, closing-only, margin call).

        Raises `MalformedResponse` when the answer is about another account.
        """
        path = _account_path(account_number, "trading-status")
        status = parse_model(TradingStatus, self._getdata_of(path), path)
        if status.account_number != account_number:
            raise MalformedResponse(
                f"{path}: the trading status answered is for another account, so this "
                "account's flags (frozen, closing-only, margin call) are unknown"
            )
        return status

    def positions(self, account_number: str) -> list[Position]:
        """Open positions of one account."""
        path = _account_path(account_number, "positions")
        return parse_items(Position, path, self._getdata_of(path))

    def option_chain(self, underlying: str) -> list[NestedOptionChain]:
        """The nested option chain of an underlying (expirations, strikes, call/put symbols)."""
        path = f"/option-chains/{_segment(underlying)}/nested"
        return parse_items(NestedOptionChain, path, self._getdata_of(path))

    def quotes(
        self, *, equities: Iterable[str] = (), equity_options: Iterable[str] = ()
    ) -> list[Quote]:
        """Quote snapshots (`/market-data/by-type`), at most 100 symbols in all."""
        equity_list, option_list = list(equities), list(equity_options)
        if len(equity_list) + len(option_list) > MAX_QUOTE_SYMBOLS:
            raise InvalidRequest(f"at most {MAX_QUOTE_SYMBOLS} symbols per quote request")
        params = {}
        if equity_list:
            params["equity"] = ",".join(equity_list)
        if option_list:
            params["equity-option"] = ",".join(option_list)
        path = "/market-data/by-type"
        return parse_items(Quote, path, self._getdata_of(path, params=params))

    def market_metrics(self, symbols: Iterable[str]) -> list[MarketMetric]:
        """IV index and rank, expiration IVs, earnings and ex-dividend dates (`/market-metrics`)."""
        path = "/market-metrics"
        params = {"symbols": ",".join(symbols)}
        return parse_items(MarketMetric, path, self._getdata_of(path, params=params))

    def dry_run(self, account_number: str, order: NewOrder) -> OrderResponse:
        """Preflight an order: buying-power effect, fees, warnings; nothing is placed.

        Raises PreflightRejected (with the broker's `response` when it sent one) when a check
        fails.
        """
        path = _account_path(account_number, "orders", "dry-run")
        body = self._request_json("POST", path, body=order.to_body(), retry=True)
        return parse_model(OrderResponse, data_of(body, path), path)

    def place_order(self, account_number: str, order: NewOrder) -> OrderPlacement:
        """Submit an order once; never resend it blindly.

        The order gets a unique `external-identifier` when it has none. If the answer is lost
        (timeout, dropped connection, unreadable body) the order is looked up by that identifier
        before anything else: found, it is returned with `recovered_by_lookup=True`; not found,
        OrderOutcomeUnknown is raised. A 401 (the token was refused before the order was read)
        is sent again once after a fresh login; nothing else is ever resent.
        """
        external_id = order.external_identifier or new_client_order_id()
        order = order.model_copy(update={"external_identifier": external_id})
        path = _account_path(account_number, "orders")
        self.authenticate()  # a login failure is not an order with an unknown outcome
        try:
            response = self._send("POST", path, body=order.to_body(), retry=False)
        except TransportError as error:
            return self._recover_order(account_number, external_id, str(error))
        if not succeeded(response):
            raise self._api_error(response, "POST", path)
        try:
            parsed = parse_model(
                OrderResponse, data_of(response_json(response, "POST", path), path), path
            )
            if parsed.order is None:
                raise MalformedResponse(f"POST {path}: the answer holds no order")
        except MalformedResponse as error:
            return self._recover_order(account_number, external_id, str(error))
        return OrderPlacement(
            external_identifier=external_id,
            order=parsed.order,
            response=parsed,
            recovered_by_lookup=False,
        )

    def order(self, account_number: str, order_id: int) -> Order:
        """One order by its id."""
        path = _account_path(account_number, "orders", str(int(order_id)))
        return parse_model(Order, self._getdata_of(path), path)

    def live_orders(self, account_number: str) -> list[Order]:
        """Orders created or updated today in any status, plus older working GTC orders."""
        path = _account_path(account_number, "orders", "live")
        return [parse_model(Order, item, path) for item in self._paged(path, {}, per_page=200)]

    def find_order(self, account_number: str, external_identifier: str) -> Order | None:
        """The live order carrying `external_identifier`, or None."""
        for order in self.live_orders(account_number):
            if order.external_identifier == external_identifier:
                return order
        return None

    def cancel_order(self, account_number: str, order_id: int) -> Order:
        """Ask to cancel a working order; it comes back `Cancel Requested`.

        A terminal order gives TastytradeApiError with code `cannot_update_order` (422).
        """
        path = _account_path(account_number, "orders", str(int(order_id)))
        body = self._request_json("DELETE", path, retry=False)
        return parse_model(Order, data_of(body, path), path)

    def transactions(
        self,
        account_number: str,
        *,
        start_date: date | None = None,
        end_date: date | None = None,
        per_page: int = 250,
    ) -> list[Transaction]:
        """Every transaction in the date range (all pages), newest first."""
        path = _account_path(account_number, "transactions")
        params: dict[str, str] = {}
        if start_date is not None:
            params["start-date"] = start_date.isoformat()
        if end_date is not None:
            params["end-date"] = end_date.isoformat()
        items = self._paged(path, params, per_page=per_page)
        return [parse_model(Transaction, item, path) for item in items]

    # -- order recovery --------------------------------------------------------------------

    def _recover_order(self, account_number: str, external_id: str, cause: str) -> OrderPlacement:
        logger.warning(
            "order %s: the POST got no usable answer (%s); looking it up before anything else",
            external_id,
            cause,
        )
        try:
            found = self.find_order(account_number, external_id)
        except TastytradeError as error:
            raise OrderOutcomeUnknown(external_id, f"the lookup failed too ({error})") from error
        if found is None:
            raise OrderOutcomeUnknown(external_id, "the POST got no answer and no order was found")
        logger.warning("order %s found by lookup with status %s", external_id, found.status)
        return OrderPlacement(
            external_identifier=external_id, order=found, response=None, recovered_by_lookup=True
        )

    # -- authentication --------------------------------------------------------------------

    def _authorization(self) -> str:
        with self._token_lock:
            now = self._clock()
            if self._token is None:
                self._token = self._cache.load()
            if self._token is None or self._token.expires_at - TOKEN_REFRESH_MARGIN <= now:
                self._token = self._login(now)
                self._cache.save(self._token)
            return self._token.authorization()

    def _forget_token(self, rejected: str) -> None:
        with self._token_lock:
            if self._token is not None and self._token.authorization() == rejected:
                self._token = None
                self._cache.discard()

    def _login(self, now: datetime) -> AccessToken:
        request = login_request(self._credentials)
        response = self._send(
            "POST", request.path, body=request.body, retry=True, authenticated=False
        )
        if not succeeded(response):
            error = self._api_error(response, "POST", request.path)
            raise AuthenticationError(
                error.status,
                error.code,
                f"{error.message}; check {request.hint}",
                method="POST",
                path=request.path,
                errors=error.errors,
            ) from None
        raw = response_json(response, "POST", request.path)
        return access_token_from(self._credentials, raw, request.path, now)

    # -- transport -------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        retry: bool,
        authenticated: bool = True,
    ) -> requests.Response:
        """One logical call: auth header, timeout, at most one re-login on 401, retries."""
        attempts = self._retry.attempts if retry else 1
        relogged = False
        retry_number = 0
        while True:
            headers = {"User-Agent": self._user_agent, "Accept": "application/json"}
            if body is not None:
                headers["Content-Type"] = "application/json"
            authorization = self._authorization() if authenticated else None
            if authorization is not None:
                headers["Authorization"] = authorization
            try:
                response = self._session.request(
                    method,
                    self._base_url + path,
                    params=params,
                    json=body,
                    headers=headers,
                    timeout=self._timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as error:
                cause = self._redact(f"{type(error).__name__}: {error}")
                if retry_number + 1 < attempts:
                    wait = self._retry.backoff(retry_number)
                    logger.warning("%s %s failed (%s); retrying in %s s", method, path, cause, wait)
                    self._sleep(wait)
                    retry_number += 1
                    continue
                raise TransportError(
                    f"{method} {path}: no answer from the broker ({cause})"
                ) from None
            logger.debug("%s %s -> %s", method, path, response.status_code)
            if response.status_code == 401 and authorization is not None and not relogged:
                logger.info("%s %s: token refused (401); logging in again once", method, path)
                self._forget_token(authorization)
                relogged = True
                continue
            if response.status_code in RETRYABLE_STATUSES and retry_number + 1 < attempts:
                wait = self._wait_before_retry(response, retry_number)
                if wait is not None:
                    logger.warning(
                        "%s %s answered %s; retrying in %s s",
                        method,
                        path,
                        response.status_code,
                        wait,
                    )
                    self._sleep(wait)
                    retry_number += 1
                    continue
            return response

    def _wait_before_retry(self, response: requests.Response, retry_number: int) -> float | None:
        retry_after = retry_after_s(response.headers.get("Retry-After"), self._clock())
        if retry_after is None:
            return self._retry.backoff(retry_number)
        if retry_after > self._retry.max_retry_after_s:
            return None
        return retry_after

    def _request_json(self, method: str, path: str, *, body: Any = None, retry: bool) -> Any:
        response = self._send(method, path, body=body, retry=retry)
        if not succeeded(response):
            raise self._api_error(response, method, path)
        return response_json(response, method, path)

    def _getdata_of(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        response = self._send("GET", path, params=params, retry=True)
        if not succeeded(response):
            raise self._api_error(response, "GET", path)
        return data_of(response_json(response, "GET", path), path)

    def _paged(self, path: str, params: Mapping[str, str], *, per_page: int) -> list[Any]:
        """Every item of a paged list, following `pagination` until the last page."""
        items: list[Any] = []
        page_offset = 0
        while True:
            page_params = {**params, "per-page": per_page, "page-offset": page_offset}
            response = self._send("GET", path, params=page_params, retry=True)
            if not succeeded(response):
                raise self._api_error(response, "GET", path)
            body = response_json(response, "GET", path)
            items.extend(items_of(data_of(body, path), path))
            pages = body.get("pagination") if isinstance(body, dict) else None
            if pages is None:
                return items
            pagination = parse_model(Pagination, pages, path + " pagination")
            if page_offset >= pagination.total_pages - 1:
                return items
            page_offset += 1  # our own count: a server echoing a stale offset cannot loop us

    def _api_error(self, response: requests.Response, method: str, path: str) -> TastytradeError:
        return api_error(response, method, path, redact=self._redact, now=self._clock())

    def _redact(self, text: str) -> str:
        creds = self._credentials
        secrets = [
            creds.client_secret,
            creds.refresh_token,
            creds.password,
            self._token.value if self._token is not None else None,
        ]
        for secret in secrets:
            value = secret.get_secret_value() if secret is not None else ""
            if len(value) >= 4:
                text = text.replace(value, "***")
        return text


def _isolated_session() -> requests.Session:
    """A Session that ignores proxy variables and .netrc: only the base URL is contacted."""
    session = requests.Session()
    session.trust_env = False
    return session


def _checked_base_url(base_url: str) -> str:
    """The normalised base URL: tastytrade over https or this machine, nothing else."""
    try:
        return parse_base_url(base_url).url
    except BaseUrlError as error:
        raise ClientConfigError(
            f"base URL refused: {error} (check the TASTY_BASE_URL_* keys)"
        ) from None


def _segment(value: str) -> str:
    """One URL path segment, fully quoted (so `/`, `..` or a scheme cannot change the target)."""
    return quote(str(value), safe="")


def _account_path(account_number: str, *rest: str) -> str:
    return "/".join(["/accounts", _segment(account_number), *(_segment(p) for p in rest)])
