"""Reading tastytrade's answers: the `data` envelope, typed models, and errors as exceptions.

An answer that is not JSON or lacks a documented field is a `MalformedResponse` naming it; an
error status becomes the typed `TastytradeApiError` subclass for it, carrying the API's code and
message (passed through `redact`, so no secret leaves in a message).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError

from utils.tastytrade.api_model import ApiError, describe_validation
from utils.tastytrade.errors import (
    AuthenticationError,
    MalformedResponse,
    NotFound,
    PermissionDenied,
    PreflightRejected,
    RateLimited,
    ServerError,
    TastytradeApiError,
    TastytradeError,
)
from utils.tastytrade.orders import OrderResponse
from utils.tastytrade.retry import retry_after_s

Model = TypeVar("Model", bound=BaseModel)


def parse_model(model: type[Model], raw: Any, where: str) -> Model:
    """`raw` as `model`; MalformedResponse naming the fields that do not match."""
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise MalformedResponse(
            f"{where}: the answer does not match the documented {model.__name__} shape "
            f"({describe_validation(error)})"
        ) from None


def parse_items(model: type[Model], path: str, data: Any) -> list[Model]:
    """Each item of a `data.items` list as `model`."""
    return [parse_model(model, item, path) for item in items_of(data, path)]


def succeeded(response: requests.Response) -> bool:
    """2xx only: `Response.ok` also accepts redirects, which this client never follows."""
    return 200 <= response.status_code < 300


def response_json(response: requests.Response, method: str, path: str) -> Any:
    """The answer's JSON body; MalformedResponse when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        raise MalformedResponse(
            f"{method} {path}: the broker answered {response.status_code} with a body that is "
            "not JSON"
        ) from None


def data_of(body: Any, path: str) -> Any:
    """The `data` envelope of an answer."""
    if not isinstance(body, dict) or "data" not in body:
        raise MalformedResponse(f"{path}: the answer has no 'data' envelope")
    return body["data"]


def items_of(data: Any, path: str) -> list[Any]:
    """The raw `items` list inside a `data` envelope."""
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise MalformedResponse(f"{path}: the answer has no 'data.items' list")
    return data["items"]


def api_error(
    response: requests.Response,
    method: str,
    path: str,
    *,
    redact: Callable[[str], str],
    now: datetime,
) -> TastytradeError:
    """The typed error for a non-2xx answer (401, 403, 404, 422 preflight, 429, 5xx...)."""
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
    message = redact(error.message or _status_text(response))
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
        retry_after = retry_after_s(response.headers.get("Retry-After"), now)
        return RateLimited(status, code, message, retry_after_s=retry_after, **kwargs)
    if status >= 500:
        return ServerError(status, code, message, **kwargs)
    return TastytradeApiError(status, code, message, **kwargs)


def _status_text(response: requests.Response) -> str:
    if "html" in response.headers.get("Content-Type", "") and response.status_code == 401:
        return "HTML 401 page: the User-Agent header was missing or not in product/version form"
    return f"HTTP {response.status_code} {response.reason or ''}".strip()


def _lenient(model: type[Model], raw: Any) -> Model | None:
    try:
        return model.model_validate(raw) if raw is not None else None
    except ValidationError:
        return None
