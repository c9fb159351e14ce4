"""Time conventions: store UTC, group by the NYSE trading session.

A moment belongs to the New York calendar day it falls on when that day is an NYSE session;
a moment on a weekend or an exchange holiday belongs to the next session (the first one in
which the trader can act on it). So a note written on a Saturday counts for Monday's session,
and a Saturday is never a session (`utils.core.trading_calendar` holds the calendar).
`session_ordinals` is `session_of` over a whole column of instants at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from utils.core.trading_calendar import next_session, next_session_ordinals

NEW_YORK = ZoneInfo("America/New_York")
NO_SESSION = 0  # the session ordinal of a missing instant (no real date has ordinal 0)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

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


def new_york_day(moment: datetime) -> date:
    """The New York calendar day of a moment, trading day or not (for calendar spans)."""
    return to_utc(moment).astimezone(NEW_YORK).date()


def session_of(moment: datetime) -> date:
    """The NYSE session a moment belongs to: its New York day, or the next session when that
    day is a weekend or a holiday."""
    return next_session(new_york_day(moment))


def session_ordinals(instants: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """`session_of` of many timezone-aware instants, as `date.toordinal()` values (int64);
    NO_SESSION where an instant is missing (NaT)."""
    stamps = pd.DatetimeIndex(instants)
    if stamps.tz is None:
        raise ValueError("instants without a UTC offset have no session")
    missing = np.asarray(stamps.isna())
    present = stamps[~missing]
    if len(present) and (
        present.min().year < SUPPORTED_YEARS[0] or present.max().year > SUPPORTED_YEARS[-1]
    ):
        raise ValueError(
            f"an instant is outside the years {SUPPORTED_YEARS[0]} to {SUPPORTED_YEARS[-1]}"
        )
    local = stamps.tz_convert(NEW_YORK).tz_localize(None)
    days = np.asarray(local.values.astype("datetime64[D]").astype(np.int64)) + _EPOCH_ORDINAL
    sessions = next_session_ordinals(np.where(missing, _EPOCH_ORDINAL, days))
    sessions[missing] = NO_SESSION
    return sessions
