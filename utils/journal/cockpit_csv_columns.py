"""The journal CSV's per-trade cells parsed a whole column at a time (pandas), for the fast import.

Each parser accepts only the plain spelling the journal exports (e.g. `2025-01-17T14:30:00+00:00`,
`4.25`, `-125.00`) and says, per row, whether the cell was plain; a row with any other spelling
goes to the reference reader (`utils.journal.cockpit_csv_reader`), which accepts or names it.
On a plain cell the value is exactly the reference's: the same instant, the same decimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone

import numpy as np
import pandas as pd

# Years `utils.core.sessions.to_utc` accepts; fields a `datetime.fromisoformat` reads the same.
_TIME = (
    r"(?:19[7-9]\d|2\d\d\d)-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
    r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?[+-](?:0\d|1[0-3]):[0-5]\d"
)
# A price per share: at most 6 digits before the point and 4 after, no sign, no leading zero.
_PRICE = r"(0|[1-9]\d{0,5})(?:\.(\d{1,4}))?"
# Dollars and cents, as the journal writes them (`-125.00`).
_USD = r"(-?)(0|[1-9]\d{0,11})(?:\.(\d{1,2}))?"
PRICE_UNITS_PER_DOLLAR = 10_000  # a price held as an integer count of 1/10,000 dollar
_US_PER_HOUR = 3_600_000_000


@dataclass(frozen=True)
class TimeColumn:
    """A column of times: given, plain, microseconds since the epoch, and stamps as stored."""

    given: np.ndarray
    plain: np.ndarray
    micros: np.ndarray
    stamps: np.ndarray


@dataclass(frozen=True)
class NumberColumn:
    """A column of amounts: given, plain, and the integer value (price units or cents)."""

    given: np.ndarray
    plain: np.ndarray
    value: np.ndarray


def _stripped(cells: Sequence[str]) -> pd.Series:
    return pd.Series(cells, dtype=object).str.strip()


def times(cells: Sequence[str]) -> TimeColumn:
    """Parse ISO-8601 times with an offset (the stored stamp is fixed-width UTC text)."""
    text = _stripped(cells)
    given = (text != "").to_numpy()
    plain = text.str.fullmatch(_TIME).to_numpy(dtype=bool)
    parsed = pd.to_datetime(text.where(plain), format="ISO8601", utc=True, errors="coerce")
    parsed = parsed.dt.as_unit("us")
    plain = plain & parsed.notna().to_numpy()
    micros = parsed.to_numpy(dtype="datetime64[us]")
    stamps = np.char.add(np.datetime_as_string(micros, unit="us"), "+00:00")
    return TimeColumn(given, plain, micros.view("int64"), stamps)


def prices(cells: Sequence[str]) -> NumberColumn:
    """Parse prices per share into 1/10,000 dollar units."""
    text = _stripped(cells)
    parts = text.str.extract(f"^{_PRICE}$")
    plain = parts[0].notna().to_numpy()
    whole = pd.to_numeric(parts[0].fillna("0")).to_numpy(dtype=np.int64)
    fraction = pd.to_numeric(parts[1].fillna("").str.ljust(4, "0"))
    value = whole * PRICE_UNITS_PER_DOLLAR + fraction.to_numpy(dtype=np.int64)
    return NumberColumn((text != "").to_numpy(), plain, value)


def dollars(cells: Sequence[str]) -> NumberColumn:
    """Parse dollar amounts into cents."""
    text = _stripped(cells)
    parts = text.str.extract(f"^{_USD}$")
    plain = parts[1].notna().to_numpy()
    whole = pd.to_numeric(parts[1].fillna("0")).to_numpy(dtype=np.int64)
    cents = pd.to_numeric(parts[2].fillna("").str.ljust(2, "0"))
    value = whole * 100 + cents.to_numpy(dtype=np.int64)
    value = np.where(parts[0].to_numpy() == "-", -value, value)
    return NumberColumn((text != "").to_numpy(), plain, value)


def sessions(micros: np.ndarray, plain: np.ndarray, session_of) -> tuple[np.ndarray, np.ndarray]:
    """The session (ordinal, ISO text) of each plain time; New York's offset changes on the
    hour, so each distinct UTC hour is looked up once with `session_of`."""
    hours = np.where(plain, micros // _US_PER_HOUR, 0)
    distinct, where = np.unique(hours, return_inverse=True)
    days: list[date] = [
        session_of(datetime.fromtimestamp(int(hour) * 3600, tz=timezone.utc)) for hour in distinct
    ]
    ordinals = np.array([day.toordinal() for day in days], dtype=np.int64)[where]
    texts = np.array([day.isoformat() for day in days], dtype=object)[where]
    return ordinals, texts
