"""Expiration dates the ticket proposes and how far away they are.

Monthly equity options expire on the third Friday of the month; when that Friday is an NYSE
holiday (Good Friday, Juneteenth) they expire on the session before it, as the exchanges
list them. The ticket proposes the monthly about a month out, a common 30-45 DTE entry.
Options stop trading at the close of their expiration day (16:00 New York, 13:00 on an early
close), so time to expiration counts to that moment.

DTE is calendar days, the trader's convention ("45 DTE", "21 DTE"): the entry window
(ENTRY_DTE_MIN/MAX) and a playbook's time exit are set in calendar days.
`trading_days_to_expiration` gives the sessions left, shown beside DTE where a rule uses it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from utils.core.sessions import to_utc
from utils.core.trading_calendar import session_close, session_on_or_before, sessions_between

FRIDAY = 4
SECONDS_PER_DAY = 86_400


def third_friday(year: int, month: int) -> date:
    """The third Friday of a month (a calendar date; see `monthly_expiration`)."""
    first = date(year, month, 1)
    return first + timedelta(days=(FRIDAY - first.weekday()) % 7 + 14)


def monthly_expiration(year: int, month: int) -> date:
    """The monthly options expiration: the third Friday, or the session before it when that
    Friday is an exchange holiday."""
    return session_on_or_before(third_friday(year, month))


def default_expiration(today: date) -> date:
    """Next month's monthly expiration: the ticket's default, about a month out."""
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return monthly_expiration(next_month.year, next_month.month)


def days_to_expiration(expiration: date, now: datetime) -> float:
    """Calendar days (fractional) from `now` to the close on `expiration`; <= 0 once past."""
    return (session_close(expiration) - to_utc(now)).total_seconds() / SECONDS_PER_DAY


def trading_days_to_expiration(expiration: date, today: date) -> int:
    """Sessions after `today` up to and including `expiration` (0 on expiration day)."""
    return sessions_between(today, expiration)
