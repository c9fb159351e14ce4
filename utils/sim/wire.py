"""The simulated broker's wire format: answers, tastytrade's JSON envelopes, query parameters.

Envelopes as tastytrade sends them (shared/research/tastytrade_api.md): `{"data": ..., "context":
path}`, `{"data": {"items": [...]}}` with `pagination`, and `{"error": {"code", "message"}}`;
OAuth errors use `error_code` / `error_description`.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any
from urllib.parse import parse_qs

from pydantic import BaseModel

from utils.sim.orders import SimRequestError

SECRET_KEY_PATTERN = re.compile(r"password|secret|token", re.IGNORECASE)


class Answer(BaseModel):
    """One HTTP answer: status, a JSON body (or an HTML page) and extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = {}
    html: str | None = None


def single(data: Any, path: str, *, status: int = 200) -> Answer:
    """One object in tastytrade's `data` envelope."""
    return Answer(status=status, body={"data": data, "context": path})


def items(rows: list[Any], path: str) -> Answer:
    """A list in tastytrade's `data.items` envelope, unpaged."""
    return Answer(status=200, body={"data": {"items": rows}, "context": path})


def paged(
    rows: list[Any], query: dict[str, list[str]], path: str, *, default: int, maximum: int
) -> Answer:
    """One page of `rows` (`per-page`, `page-offset`) with tastytrade's pagination block."""
    per_page = min(max(int_param(query, "per-page", default), 1), maximum)
    offset = max(int_param(query, "page-offset", 0), 0)
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
    return Answer(status=200, body=body)


def error_answer(status: int, code: str | int, message: str) -> Answer:
    """tastytrade's error envelope."""
    return Answer(status=status, body={"error": {"code": code, "message": message}})


def oauth_error(code: str, description: str) -> Answer:
    """An OAuth2 token endpoint error (RFC 6749 section 5.2)."""
    return Answer(status=400, body={"error_code": code, "error_description": description})


def first_param(query: dict[str, list[str]], key: str) -> str | None:
    """The first value of a query parameter, if given."""
    values = query.get(key)
    return values[0] if values else None


def int_param(query: dict[str, list[str]], key: str, default: int) -> int:
    """An integer query parameter; a 400 validation error when it is not one."""
    value = first_param(query, key)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise SimRequestError(400, "validation_error", f"{key} must be an integer") from None


def date_param(query: dict[str, list[str]], key: str) -> date | None:
    """A YYYY-MM-DD query parameter; a 400 validation error when it is not one."""
    value = first_param(query, key)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SimRequestError(400, "validation_error", f"{key} must be YYYY-MM-DD") from None


def decode_body(raw: bytes, content_type: str) -> Any:
    """A request body as JSON or form fields (a placeholder text when it is neither)."""
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    if "application/x-www-form-urlencoded" in content_type:
        return {key: values[-1] for key, values in parse_qs(text).items()}
    try:
        return json.loads(text)
    except ValueError:
        return f"<{len(raw)} bytes that are not JSON>"


def masked(value: Any) -> Any:
    """A copy of a request body with every value under a secret-looking key masked."""
    if isinstance(value, dict):
        return {
            key: "***" if SECRET_KEY_PATTERN.search(str(key)) else masked(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value
