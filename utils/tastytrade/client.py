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

Shapes are in `utils.tastytrade.models`, errors in `utils.tastytrade.errors`, the token and its
cache in `utils.tastytrade.tokens`; this module imports all three, so callers may import any of
those names from here.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import requests
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from utils.core.broker_target import BaseUrlError, parse_base_url
from utils.core.config import BrokerCredentials
from utils.core.sessions import Clock, utc_now
from utils.tastytrade.errors import (
    AuthenticationError,
    ClientConfigError,
    InvalidRequest,
    MalformedResponse,
    NotFound,
    OrderOutcomeUnknown,
    PermissionDenied,
    PreflightRejected,
    RateLimited,
    ServerError,
    TastytradeApiError,
    TastytradeError,
    TransportError,
)
from utils.tastytrade.models import (
    ApiError,
    Balance,
    CustomerAccount,
    NestedOptionChain,
    NewOrder,
    NewOrderLeg,
    LegacySession,
    OAuthToken,
    Order,
    OrderPlacement,
    OrderResponse,
    Pagination,
    Position,
    Quote,
    TradingStatus,
    Transaction,
)
from utils.tastytrade.tokens import AccessToken, TokenCache

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 10.0
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
TOKEN_REFRESH_MARGIN = timedelta(seconds=60)
LEGACY_SESSION_LIFETIME = timedelta(hours=24)
MAX_QUOTE_SYMBOLS = 100
USER_AGENT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._+-]*$")
TOKEN_CACHE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9._-]*token[A-Za-z0-9._-]*\.json$")
_Model = TypeVar("_Model", bound=BaseModel)


# --- small value types --------------------------------------------------------------------


class RetryPolicy(BaseModel):
    """How GETs are retried: `attempts` in all, waits of `backoff_s * 2**n` capped.

    A `Retry-After` longer than `max_retry_after_s` is not waited for: the call raises
    `RateLimited` at once and the caller decides.
    """

    model_config = ConfigDict(frozen=True)

    attempts: int = 4
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0
    max_retry_after_s: float = 30.0

    def backoff(self, retry_number: int) -> float:
        """Seconds to wait before retry number `retry_number` (0-based)."""
        return min(self.max_backoff_s, self.backoff_s * 2**retry_number)


def new_client_order_id() -> str:
    """A fresh unique `external-identifier` for one order."""
    return str(uuid.uuid4())


def build_spread_order(
    legs: Iterable[NewOrderLeg | Mapping[str, Any]],
    *,
    price: Decimal,
    price_effect: Literal["Credit", "Debit"],
    time_in_force: str = "Day",
    source: str | None = None,
    external_identifier: str | None = None,
) -> NewOrder:
    """A Limit order body for a multi-leg spread, with a fresh external identifier.

    `legs` are NewOrderLeg models or dicts of the documented leg shape
    (`instrument-type`, `symbol`, `quantity`, `action`; snake_case keys work too); `price` is the
    positive net price per spread unit and `price_effect` says whether it is received or paid.
    Raises InvalidRequest naming the broken rule (1-4 legs, distinct symbols, positive price).
    """
    try:
        parsed = [
            leg if isinstance(leg, NewOrderLeg) else NewOrderLeg.model_validate(dict(leg))
            for leg in legs
        ]
        return NewOrder(
            time_in_force=time_in_force,
            order_type="Limit",
            price=Decimal(price),
            price_effect=price_effect,
            legs=parsed,
            source=source,
            external_identifier=external_identifier or new_client_order_id(),
        )
    except ValidationError as error:
        raise InvalidRequest(f"spread order refused: {_describe_validation(error)}") from None


def _describe_validation(error: ValidationError) -> str:
    parts = []
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in item["loc"])
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def _retry_after_s(header: str | None, now: datetime) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or an HTTP date); None if unusable."""
    if not header:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(header) - now).total_seconds())
    except (TypeError, ValueError):
        return None


# --- the client ---------------------------------------------------------------------------


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
        self._cache = TokenCache(Path(data_dir) / cache_name, self._login_fingerprint())
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
        return self._items(CustomerAccount, path, self._get_data(path))

    def balances(self, account_number: str, currency: str = "USD") -> Balance:
        """Balances of one account in one currency (`/balances/{currency}`, a single object)."""
        path = _account_path(account_number, "balances", currency)
        return self._parse(Balance, self._get_data(path), path)

    def trading_status(self, account_number: str) -> TradingStatus:
        """What the account may trade now (`/trading-status`: frozen, closing-only, margin call).

        Raises `MalformedResponse` when the answer is about another account.
        """
        path = _account_path(account_number, "trading-status")
        status = self._parse(TradingStatus, self._get_data(path), path)
        if status.account_number != account_number:
            raise MalformedResponse(
                f"{path}: the trading status answered is for another account, so this "
                "account's flags (frozen, closing-only, margin call) are unknown"
            )
        return status

    def positions(self, account_number: str) -> list[Position]:
        """Open positions of one account."""
        path = _account_path(account_number, "positions")
        return self._items(Position, path, self._get_data(path))

    def option_chain(self, underlying: str) -> list[NestedOptionChain]:
        """The nested option chain of an underlying (expirations, strikes, call/put symbols)."""
        path = f"/option-chains/{_segment(underlying)}/nested"
        return self._items(NestedOptionChain, path, self._get_data(path))

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
        return self._items(Quote, path, self._get_data(path, params=params))

    def dry_run(self, account_number: str, order: NewOrder) -> OrderResponse:
        """Preflight an order: buying-power effect, fees, warnings; nothing is placed.

        Raises PreflightRejected (with the broker's `response` when it sent one) when a check
        fails.
        """
        path = _account_path(account_number, "orders", "dry-run")
        body = self._request_json("POST", path, body=order.to_body(), retry=True)
        return self._parse(OrderResponse, _data(body, path), path)

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
        if not _succeeded(response):
            raise self._api_error(response, "POST", path)
        try:
            parsed = self._parse(OrderResponse, _data(_json(response, "POST", path), path), path)
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
        return self._parse(Order, self._get_data(path), path)

    def live_orders(self, account_number: str) -> list[Order]:
        """Orders created or updated today in any status, plus older working GTC orders."""
        path = _account_path(account_number, "orders", "live")
        return [self._parse(Order, item, path) for item in self._paged(path, {}, per_page=200)]

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
        return self._parse(Order, _data(body, path), path)

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
        return [self._parse(Transaction, item, path) for item in items]

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

    def _login_fingerprint(self) -> str:
        creds = self._credentials
        who = creds.client_id if creds.has_oauth else creds.username
        identity = who.get_secret_value() if who is not None else ""
        kind = "oauth" if creds.has_oauth else "session"
        digest = hashlib.sha256(f"{self._base_url}|{kind}|{identity}".encode()).hexdigest()
        return digest[:32]

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
        creds = self._credentials
        key = f"TT_{creds.environment.value.upper()}"
        if creds.has_oauth:
            path, hint = "/oauth/token", f"{key}_CLIENT_SECRET and {key}_REFRESH_TOKEN"
            body = {
                "grant_type": "refresh_token",
                "refresh_token": _secret(creds.refresh_token),
                "client_secret": _secret(creds.client_secret),
                "client_id": _secret(creds.client_id),
            }
        else:
            path, hint = "/sessions", f"{key}_USER and {key}_PASS"
            body = {
                "login": _secret(creds.username),
                "password": _secret(creds.password),
                "remember-me": False,
            }
        response = self._send("POST", path, body=body, retry=True, authenticated=False)
        if not _succeeded(response):
            error = self._api_error(response, "POST", path)
            raise AuthenticationError(
                error.status,
                error.code,
                f"{error.message}; check {hint}",
                method="POST",
                path=path,
                errors=error.errors,
            ) from None
        raw = _json(response, "POST", path)
        if creds.has_oauth:
            token = self._parse(OAuthToken, raw, path)
            expires_at = now + timedelta(seconds=token.expires_in)
            logger.info("obtained an access token (valid %s s)", token.expires_in)
            return AccessToken(kind="oauth", value=token.access_token, expires_at=expires_at)
        session = self._parse(LegacySession, _data(raw, path), path)
        expires_at = session.session_expiration or now + LEGACY_SESSION_LIFETIME
        logger.info("opened a legacy session (until %s)", expires_at.isoformat())
        return AccessToken(kind="session", value=session.session_token, expires_at=expires_at)

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
        retry_after = _retry_after_s(response.headers.get("Retry-After"), self._clock())
        if retry_after is None:
            return self._retry.backoff(retry_number)
        if retry_after > self._retry.max_retry_after_s:
            return None
        return retry_after

    def _request_json(self, method: str, path: str, *, body: Any = None, retry: bool) -> Any:
        response = self._send(method, path, body=body, retry=retry)
        if not _succeeded(response):
            raise self._api_error(response, method, path)
        return _json(response, method, path)

    def _get_data(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        response = self._send("GET", path, params=params, retry=True)
        if not _succeeded(response):
            raise self._api_error(response, "GET", path)
        return _data(_json(response, "GET", path), path)

    def _paged(self, path: str, params: Mapping[str, str], *, per_page: int) -> list[Any]:
        """Every item of a paged list, following `pagination` until the last page."""
        items: list[Any] = []
        page_offset = 0
        while True:
            page_params = {**params, "per-page": per_page, "page-offset": page_offset}
            response = self._send("GET", path, params=page_params, retry=True)
            if not _succeeded(response):
                raise self._api_error(response, "GET", path)
            body = _json(response, "GET", path)
            items.extend(_raw_items(_data(body, path), path))
            pages = body.get("pagination") if isinstance(body, dict) else None
            if pages is None:
                return items
            pagination = self._parse(Pagination, pages, path + " pagination")
            if page_offset >= pagination.total_pages - 1:
                return items
            page_offset += 1  # our own count: a server echoing a stale offset cannot loop us

    def _api_error(self, response: requests.Response, method: str, path: str) -> TastytradeError:
        status = response.status_code
        if 300 <= status < 400:
            return TastytradeApiError(
                status,
                None,
                "the broker answered with a redirect; the client follows none "
                "(it contacts only its configured base URL)",
                method=method,
                path=path,
            )
        try:
            body = response.json()
        except ValueError:
            body = None
        error = ApiError()
        data = None
        if isinstance(body, dict):
            data = body.get("data")
            if isinstance(body.get("error"), dict):
                try:
                    error = ApiError.model_validate(body["error"])
                except ValidationError:
                    error = ApiError()
            elif "error_code" in body:
                error = ApiError(
                    code=str(body.get("error_code")), message=body.get("error_description")
                )
        code = str(error.code) if error.code is not None else None
        message = self._redact(error.message or _status_text(response))
        kwargs: dict[str, Any] = {"method": method, "path": path, "errors": error.errors}
        if status == 401 or code in ("invalid_grant", "invalid_credentials"):
            return AuthenticationError(status, code, message, **kwargs)
        if status == 403:
            return PermissionDenied(status, code, message, **kwargs)
        if status == 404:
            return NotFound(status, code, message, **kwargs)
        if status == 422 and code == "preflight_check_failure":
            dry_run = _lenient(OrderResponse, data)
            return PreflightRejected(status, code, message, response=dry_run, **kwargs)
        if status == 429:
            retry_after = _retry_after_s(response.headers.get("Retry-After"), self._clock())
            return RateLimited(status, code, message, retry_after_s=retry_after, **kwargs)
        if status >= 500:
            return ServerError(status, code, message, **kwargs)
        return TastytradeApiError(status, code, message, **kwargs)

    # -- parsing ---------------------------------------------------------------------------

    def _parse(self, model: type[_Model], raw: Any, where: str) -> _Model:
        try:
            return model.model_validate(raw)
        except ValidationError as error:
            raise MalformedResponse(
                f"{where}: the answer does not match the documented {model.__name__} shape "
                f"({_describe_validation(error)})"
            ) from None

    def _items(self, model: type[_Model], path: str, data: Any) -> list[_Model]:
        return [self._parse(model, item, path) for item in _raw_items(data, path)]

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


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""


def _succeeded(response: requests.Response) -> bool:
    """2xx only: `Response.ok` also accepts redirects, which this client never follows."""
    return 200 <= response.status_code < 300


def _status_text(response: requests.Response) -> str:
    if "html" in response.headers.get("Content-Type", "") and response.status_code == 401:
        return "HTML 401 page: the User-Agent header was missing or not in product/version form"
    return f"HTTP {response.status_code} {response.reason or ''}".strip()


def _json(response: requests.Response, method: str, path: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise MalformedResponse(
            f"{method} {path}: the broker answered {response.status_code} with a body that is "
            "not JSON"
        ) from None


def _data(body: Any, path: str) -> Any:
    if not isinstance(body, dict) or "data" not in body:
        raise MalformedResponse(f"{path}: the answer has no 'data' envelope")
    return body["data"]


def _raw_items(data: Any, path: str) -> list[Any]:
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise MalformedResponse(f"{path}: the answer has no 'data.items' list")
    return data["items"]


def _lenient(model: type[_Model], raw: Any) -> _Model | None:
    try:
        return model.model_validate(raw) if raw is not None else None
    except ValidationError:
        return None
