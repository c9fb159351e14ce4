"""Errors of the tastytrade client: typed, carrying the API's code and message.

Messages never hold request headers, tokens or secrets; branch on `code`, never on `message`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from utils.tastytrade.api_model import ApiErrorDetail

if TYPE_CHECKING:  # orders' builder raises these errors: import its shapes for typing only
    from utils.tastytrade.orders import OrderResponse


class TastytradeError(Exception):
    """Base of every client error; messages never hold headers, tokens or secrets."""


class ClientConfigError(TastytradeError):
    """The client cannot be built as configured (base URL, User-Agent, missing login)."""


class InvalidRequest(TastytradeError):
    """A request the client refuses to send (an order breaking the documented rules, ...)."""


class TransportError(TastytradeError):
    """No usable answer: connection refused or reset, or a timeout (after any retries)."""


class MalformedResponse(TastytradeError):
    """An answer that is not JSON or lacks a required field (the message names it)."""


class OrderOutcomeUnknown(TastytradeError):
    """An order POST lost its answer and the lookup could not find the order.

    The order may still reach the broker: do not resend it; look up `external_identifier`
    among the live orders again first.
    """

    def __init__(self, external_identifier: str, detail: str) -> None:
        self.external_identifier = external_identifier
        super().__init__(
            f"order {external_identifier}: {detail}. It may still reach the broker: do not resend "
            "it; check the live orders for this external identifier first."
        )


class TastytradeApiError(TastytradeError):
    """The API answered with an error status; `code` and `message` come from its envelope."""

    def __init__(
        self,
        status: int,
        code: str | None,
        message: str,
        *,
        method: str,
        path: str,
        errors: Iterable[ApiErrorDetail] = (),
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.method = method
        self.path = path
        self.errors = list(errors)
        details = "; ".join(item.describe() for item in self.errors)
        label = f"{status} {code}" if code else str(status)
        super().__init__(
            f"tastytrade answered {label} to {method} {path}: {message}"
            + (f" ({details})" if details else "")
        )


class AuthenticationError(TastytradeApiError):
    """Login refused, or a token the API no longer accepts (401, OAuth `invalid_grant`)."""


class PermissionDenied(TastytradeApiError):
    """403: the account, scope or authority level does not allow this call."""


class NotFound(TastytradeApiError):
    """404: unknown endpoint, account, order or symbol."""


class PreflightRejected(TastytradeApiError):
    """422 `preflight_check_failure`; `errors` lists each failed check.

    For a dry-run the broker may still send the order's buying-power effect and fees:
    they are in `response` (None when absent).
    """

    def __init__(self, *args: Any, response: OrderResponse | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.response = response


class RateLimited(TastytradeApiError):
    """429 after the retries; `retry_after_s` is the broker's wait, if it gave one."""

    def __init__(self, *args: Any, retry_after_s: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after_s = retry_after_s


class ServerError(TastytradeApiError):
    """5xx after the retries (or at once for an order POST, which is never retried)."""
