"""How the cockpit shows times and money to a person."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from utils.core import money
from utils.core.config import Settings


def local_time(moment: datetime | None, settings: Settings) -> str:
    """A stored UTC time in the trader's zone (DISPLAY_TIMEZONE, else the machine's)."""
    if moment is None:
        return "-"
    zone = ZoneInfo(settings.display_timezone) if settings.display_timezone else None
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def usd(amount: Decimal | float | None) -> str:
    """Dollars with sign and cents: -$1,234.50."""
    return "-" if amount is None else money.usd(Decimal(str(amount)))


def percent(fraction: Decimal | float | None, decimals: int = 0) -> str:
    """A fraction as a percentage: 0.625 -> "63 %" (decimals=0, half-up) or "62.5 %"."""
    if fraction is None:
        return "-"
    scaled = (Decimal(str(fraction)) * 100).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return f"{scaled + 0:,.{decimals}f} %"
