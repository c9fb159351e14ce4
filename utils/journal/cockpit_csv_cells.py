"""The journal CSV's per-trade cells read straight into the form the journal stores, for the fast
import (`utils.journal.cockpit_csv_chunks`).

Each reader returns None for a cell it does not vouch for; the row then goes to the reference
reader (`utils.journal.cockpit_csv_reader`), which accepts or names it. A cell a reader accepts
means exactly what the reference makes of it: times by the same `datetime.fromisoformat` and
`to_utc`, prices and dollars only in the plain spelling the journal exports (`4.25`, `-125.00`),
where the decimal the reference parses is the cell's text itself.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

from utils.core.sessions import SUPPORTED_YEARS, new_york_day, to_utc
from utils.core.trading_calendar import next_session
from utils.journal.writes import stamp

PRICE_UNITS_PER_DOLLAR = 10_000  # a price held as an integer count of 1/10,000 dollar
# A price per share: no sign, no leading zero, at most 4 decimals.
_PRICE = re.compile(r"(0|[1-9]\d{0,11})(?:\.(\d{1,4}))?")
# Dollars and cents, as the journal writes them (`-125.00`).
_USD = re.compile(r"(-?)(0|[1-9]\d{0,11})(?:\.(\d{1,2}))?")
# A time spelled in UTC as `datetime.isoformat` writes it (`2025-01-17T14:30:00+00:00`).
_UTC_SPELLING = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{6})?\+00:00", re.ASCII)


class SessionMemo:
    """`session_of` for the many moments of one import, looked up once per UTC hour (New York's
    offset changes only on the hour, so every moment of a UTC hour has the same New York day),
    for stored UTC text once per part of a UTC day (`of_stamp`), and once per New York day."""

    def __init__(self) -> None:
        self._by_day: dict[date, str] = {}
        self._by_hour: dict[tuple[int, int, int, int], str] = {}
        self._by_day_part: dict[str, str] = {}

    def __call__(self, moment: datetime) -> str:
        """The NYSE session `moment` belongs to, as ISO text (`session_of(moment).isoformat()`)."""
        if moment.tzinfo is not timezone.utc:
            return self._of_day(new_york_day(moment))
        hour = (moment.year, moment.month, moment.day, moment.hour)
        session = self._by_hour.get(hour)
        if session is None:
            session = self._by_hour[hour] = self._of_day(new_york_day(moment))
        return session

    def of_stamp(self, text: str) -> str:
        """The session of a stored UTC time (`stamp`'s text), looked up once per part of a UTC
        day: New York is 4 or 5 hours behind UTC, so a UTC day's moments before 04:00 fall on
        New York's day before, those from 05:00 on the same day, and 04:xx on either."""
        hour = text[11:13]
        part = text[:10] + ("<04" if hour < "04" else hour if hour == "04" else ">04")
        session = self._by_day_part.get(part)
        if session is None:
            session = self._by_day_part[part] = self(datetime.fromisoformat(text))
        return session

    def _of_day(self, day: date) -> str:
        session = self._by_day.get(day)
        if session is None:
            session = self._by_day[day] = next_session(day).isoformat()
        return session


def utc_time(cell: str) -> datetime | None:
    """An ISO-8601 time with an offset, in UTC (as the reference's `_timestamp` and the models'
    `UtcDatetime` make it); None when empty or refused."""
    try:
        moment = datetime.fromisoformat(cell.strip())
        if moment.utcoffset() is None:
            return None
        return to_utc(moment)
    except ValueError:
        return None


def utc_stamp(cell: str) -> str | None:
    """`stamp(utc_time(cell))`, the stored text of the cell's time (None when empty or refused);
    a time already spelled in UTC is checked and respelled as text, no datetime converted."""
    found = _UTC_SPELLING.fullmatch(cell)
    if found is None:
        moment = utc_time(cell)
        return None if moment is None else stamp(moment)
    whole, fraction = found.groups()
    if int(whole[:4]) not in SUPPORTED_YEARS:
        return None
    try:
        datetime.fromisoformat(whole)  # a real day and time of day
    except ValueError:
        return None
    return f"{whole}{fraction or '.000000'}+00:00"


def price_units(cell: str) -> int | None:
    """A price per share in 1/10,000 dollar units; None unless in the plain spelling."""
    found = _PRICE.fullmatch(cell.strip())
    if found is None:
        return None
    whole, decimals = found.groups()
    return int(whole) * PRICE_UNITS_PER_DOLLAR + int((decimals or "").ljust(4, "0"))


def cents(cell: str) -> int | None:
    """A dollar amount in cents; None unless in the plain spelling."""
    found = _USD.fullmatch(cell.strip())
    if found is None:
        return None
    sign, whole, decimals = found.groups()
    amount = int(whole) * 100 + int((decimals or "").ljust(2, "0"))
    return -amount if sign else amount
