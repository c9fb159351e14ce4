"""Time conventions: store UTC, group by the America/New_York trading day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")

Clock = Callable[[], datetime]
SUPPORTED_YEARS = range(1970, 3000)  # timestamps a journal, an export or a form may hold


def utc_now() -> datetime:
    """The default clock: the current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def to_utc(moment: datetime) -> datetime:
    """Convert an aware datetime to UTC; a naive one, or one outside the years 1970 to 2999 (a
    typo, and where `datetime` overflows when moved across offsets), is refused, never guessed."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"timestamp {moment.isoformat()} has no UTC offset")
    if moment.year not in SUPPORTED_YEARS:
        raise ValueError(
            f"timestamp {moment.isoformat()} is outside the years "
            f"{SUPPORTED_YEARS[0]} to {SUPPORTED_YEARS[-1]}"
        )
    return moment.astimezone(timezone.utc)


def session_of(moment: datetime) -> date:
    """The trading session (New York calendar day) a moment belongs to."""
    return to_utc(moment).astimezone(NEW_YORK).date()
