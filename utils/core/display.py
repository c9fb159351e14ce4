"""How a number, a span of time or an internal name reads to a person: one function per shape.

Pure (no Dash), so the judge's sentences, the CLI and the cards write the same shapes:

    usd(-1234.5)                    -> "-$1,234.50"   (never "$-1234.50", never "$382.5816")
    signed_usd(15.05)               -> "+$15.05"
    r_multiple(0.2)                 -> "+0.20 R"
    percent(0.625)                  -> "63 %" (half-up); "62.5 %" with decimals=1
    duration(timedelta(days=13.6))  -> "13 d 14 h"  (never "19547.5 minutes")
    ratio(inf)                      -> "∞ (no losses)"
    fall(-137.56)                   -> "$137.56"      (a drawdown: a positive amount, a fall)
    utc_minute(moment)              -> "2025-03-03 15:00 UTC" (no seconds, no microseconds)
    label("iron_condor")            -> "Iron condor"
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum

from utils.core import money

NONE_SHOWN = "-"
INFINITE = "∞"
Number = Decimal | float | int


def _decimal(value: Number | None) -> Decimal | None:
    """The value as a finite Decimal (floats through their shortest text); None when it has none."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def usd(amount: Number | None) -> str:
    """Dollars with the sign first, thousands separators and cents: -$1,234.56; "-" when unknown."""
    value = _decimal(amount)
    return NONE_SHOWN if value is None else money.usd(value)


def signed_usd(amount: Number | None) -> str:
    """Dollars with an explicit sign, for a change or a headroom: +$15.05, -$3.00, $0.00."""
    value = _decimal(amount)
    if value is None:
        return NONE_SHOWN
    text = money.usd(value)
    return text if text.startswith("-") or money.round_to_cent(value) == 0 else f"+{text}"


def fall(drawdown_usd: Number | None) -> str:
    """A drawdown as the positive amount equity fell from its peak: $137.56."""
    value = _decimal(drawdown_usd)
    return NONE_SHOWN if value is None else money.usd(abs(value))


def r_multiple(value: Number | None) -> str:
    """An R multiple to 2 decimals with its sign: +0.48 R, -1.00 R."""
    number = _decimal(value)
    if number is None:
        return NONE_SHOWN
    rounded = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) + 0
    return f"{'+' if rounded > 0 else ''}{rounded:.2f} R"


def number(value: Number | None, decimals: int = 2) -> str:
    """A plain figure to `decimals` places with thousands separators: 1,234.50."""
    found = _decimal(value)
    if found is None:
        return NONE_SHOWN
    rounded = found.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{rounded + 0:,.{decimals}f}"


def percent(fraction: Number | None, decimals: int = 0) -> str:
    """A fraction as a percentage, half-up: 0.625 -> "63 %", or "62.5 %" with decimals=1."""
    found = _decimal(fraction)
    return NONE_SHOWN if found is None else f"{number(found * 100, decimals)} %"


def ratio(value: Number | None, infinite_because: str = "no losses") -> str:
    """A ratio to 2 decimals; an infinite one says why: "∞ (no losses)"."""
    if isinstance(value, float) and math.isinf(value) and value > 0:
        return f"{INFINITE} ({infinite_because})"
    return number(value, 2)


def duration(span: timedelta) -> str:
    """A span of time in the two largest units: "13 d 14 h", "2 h 05 m", "4 m", "45 s"."""
    seconds = int(abs(span).total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} m"
    if minutes:
        return f"{minutes} m"
    return f"{secs} s"


def utc_minute(moment: datetime | None) -> str:
    """A time in UTC to the minute, for sentences written before a display zone is known."""
    if moment is None:
        return NONE_SHOWN
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def label(value: str | Enum | None) -> str:
    """An internal value as words: "iron_condor" -> "Iron condor", "closing_order" ->
    "Closing order"; "" stays "" (nothing to say)."""
    if value is None:
        return ""
    text = str(value.value if isinstance(value, Enum) else value).strip()
    words = text.replace("_", " ").replace("-", " ").lower()
    return words[:1].upper() + words[1:]
