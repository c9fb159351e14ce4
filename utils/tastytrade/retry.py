"""When the tastytrade client calls again: exponential backoff, with `Retry-After` honoured."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime

from pydantic import BaseModel, ConfigDict

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


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


def retry_after_s(header: str | None, now: datetime) -> float | None:
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
