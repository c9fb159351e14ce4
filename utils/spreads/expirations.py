"""Expiration dates the ticket proposes and how far away they are.

Monthly equity options expire on the third Friday of the month; the ticket proposes the one
about a month out, a common 30-45 DTE entry. Equity options stop trading at 16:00 New York on
their expiration day, so time to expiration counts to that moment.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from utils.core.sessions import NEW_YORK, to_utc

FRIDAY = 4
LAST_TRADE_TIME = time(16, 0)  # New York
SECONDS_PER_DAY = 86_400


def third_friday(year: int, month: int) -> date:
    """The third Friday of a month: the monthly options expiration."""
    first = date(year, month, 1)
    return first + timedelta(days=(FRIDAY - first.weekday()) % 7 + 14)


def default_expiration(today: date) -> date:
    """The third Friday of next month: the ticket's default, about a month out."""
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return third_friday(next_month.year, next_month.month)


def days_to_expiration(expiration: date, now: datetime) -> float:
    """Calendar days (fractional) from `now` to 16:00 New York on `expiration`; <= 0 once past."""
    closes = datetime.combine(expiration, LAST_TRADE_TIME, tzinfo=NEW_YORK)
    return (to_utc(closes) - to_utc(now)).total_seconds() / SECONDS_PER_DAY
