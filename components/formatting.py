"""How the cockpit shows numbers, times and names to a person: every card writes through here.

The shapes themselves are `utils.core.display` (pure, shared with the judge's sentences and
the CLI); this module adds what needs the settings (the display zone) or a card's vocabulary
(gate units, check names).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from utils.core.config import Settings
from utils.core.display import (
    duration,
    fall,
    label,
    number,
    percent,
    r_multiple,
    ratio,
    signed_usd,
    usd,
    utc_minute,
)
from utils.judge.gates import GateCode, GateResult

__all__ = [
    "check_label",
    "duration",
    "fall",
    "gate_figures",
    "label",
    "local_time",
    "number",
    "percent",
    "r_multiple",
    "ratio",
    "signed_usd",
    "since",
    "usd",
    "utc_minute",
]

PASSED_MARK = "✓"
FAILED_MARK = "✗"
# What each pre-trade check checks, named as the check (never its failure's code).
CHECK_NAMES = {
    "NOT_DEFINED_RISK": "Defined risk",
    "MIXED_OPEN_AND_CLOSE": "Opens or closes, not both",
    "CLOSE_WITHOUT_POSITION": "Closes a held position",
    "PRICE_ANOMALY": "Price within sane bounds",
    "HALTED": "No entry halt",
    "EXCEEDS_LADDER_CAP": "Within the ladder cap",
    "TOO_MANY_CONCURRENT": "Concurrent spreads within the cap",
    "SYMBOL_RISK_OVER_20PCT": "Underlying risk within 20 %",
    "DUPLICATE_ORDER": "Not a duplicate order",
    "RATE_LIMITED": "Within the order rate limit",
    "DTE_OUTSIDE_WINDOW": "Days to expiry within the window",
    "CREDIT_BELOW_MIN_PCT_OF_WIDTH": "Credit at least the minimum share of the width",
    "BID_ASK_TOO_WIDE": "Bid/ask spread narrow enough",
    "QUOTE_MISSING": "Quotes available",
    "REVENGE_GUARD": "Not a revenge entry",
}
# (unit after a count, unit of its headroom) of the counting gates.
COUNT_UNITS = {
    GateCode.MIN_TRADES: "trades",
    GateCode.MIN_CLEAN_SESSIONS: "clean sessions",
    GateCode.NO_HIGH_ALERT_LAST_SESSION: "HIGH alerts",
}


def local_time(moment: datetime | None, settings: Settings) -> str:
    """A stored UTC time in the trader's zone (DISPLAY_TIMEZONE, else the machine's), to the
    minute."""
    if moment is None:
        return "-"
    zone = ZoneInfo(settings.display_timezone) if settings.display_timezone else None
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def since(moment: datetime | None, now: datetime) -> str:
    """How long ago `moment` was: "13 d 14 h ago"."""
    return "-" if moment is None else f"{duration(now - moment)} ago"


def check_label(code: str, passed: bool) -> str:
    """A check named as what it checks, with its mark: "Defined risk ✓", "No entry halt ✗"."""
    name = CHECK_NAMES.get(str(code), label(code))
    return f"{name} {PASSED_MARK if passed else FAILED_MARK}"


def _count(value: Decimal, unit: str) -> str:
    """A count with its unit, singular for one: "1 trade", "24 trades"."""
    return f"{int(value)} {unit.removesuffix('s') if int(value) == 1 else unit}"


def gate_figures(gate: GateResult) -> tuple[str, str, str]:
    """A gate's actual value, its rule and its room, each with its unit ("$15.05 per trade",
    "> $0.00", "+$15.05"); yes/no gates keep their words and have no room."""
    if gate.actual is None or gate.threshold is None or gate.headroom is None:
        actual = gate.actual_text if gate.code is not GateCode.POSITIVE_EXPECTANCY else "none yet"
        rule = gate.threshold_text
        if gate.code is GateCode.POSITIVE_EXPECTANCY and gate.threshold is not None:
            rule = f"> {usd(gate.threshold)} per trade"
        return actual, rule, ""
    if gate.code is GateCode.POSITIVE_EXPECTANCY:
        return (
            f"{usd(gate.actual)} per trade",
            f"> {usd(gate.threshold)} per trade",
            signed_usd(gate.headroom),
        )
    if gate.code is GateCode.MIN_DISCIPLINE:
        room = int(gate.headroom)
        return f"{int(gate.actual)} / 100", f"≥ {int(gate.threshold)}", f"{room:+d} points"
    unit = COUNT_UNITS.get(gate.code, "")
    if gate.code is GateCode.NO_HIGH_ALERT_LAST_SESSION:
        return _count(gate.actual, unit), "none", ""
    room = int(gate.headroom)
    room_text = f"{-room} more needed" if room < 0 else f"+{room} spare"
    return _count(gate.actual, unit), f"≥ {int(gate.threshold)}", room_text
