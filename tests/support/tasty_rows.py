"""A small, exact tastytrade transaction history: N put credit spreads and extra orders.

`spread_history(n)` gives the header and rows (newest first, as tastytrade exports) of `n` SPY
put credit spreads, each opened by one order for a 1.20 credit and closed by another for a 0.70
debit, one spread a NYSE session apart; `naked_put_rows()` adds a naked short put on its own day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from utils.journal.tastytrade_csv import HEADER_21
from utils.spreads.symbols import format_occ

EXPIRY = date(2025, 6, 20)
FIRST_OPEN = datetime(2025, 1, 6, 15, 0, tzinfo=timezone.utc)
NAKED_AT = datetime(2025, 2, 26, 16, 0, tzinfo=timezone.utc)
NAKED_STRIKE = 560
NAKED_CREDIT = Decimal("250.00")


def leg_row(at, action, strike, value, order, quantity=1, option="P", sub_type=None):
    """One option Trade row of the 21-column export."""
    symbol = format_occ("SPY", EXPIRY, option, Decimal(strike))
    fees = "-1.00" if action.endswith("OPEN") else "--"
    average = f"{value / quantity:.2f}"
    total = value + Decimal(fees if fees != "--" else 0) - Decimal("0.14")
    kind = "PUT" if option == "P" else "CALL"
    return [
        at.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "Trade",
        sub_type or action.replace("_", " ").title(),
        action,
        symbol,
        "Equity Option",
        f"{action} {quantity} SPY {kind} {strike}",
        f"{value:,.2f}",
        str(quantity),
        average,
        fees,
        "-0.14",
        "100",
        "SPY",
        "SPY",
        f"{EXPIRY.month}/{EXPIRY.day}/{EXPIRY.year % 100}",
        str(strike),
        kind,
        str(order),
        f"{total:,.2f}",
        "USD",
    ]


def _weekdays(start: datetime, count: int) -> list[datetime]:
    days, at = [], start
    while len(days) < count:
        if at.weekday() < 5 and at.date() not in (date(2025, 1, 9), date(2025, 1, 20)):
            days.append(at)
        at += timedelta(days=1)
    return days


def spread_history(spreads: int) -> tuple[list[str], list[list[str]]]:
    """`spreads` SPY 520/515 put credit spreads: open for 1.20, closed for 0.70 an hour later."""
    rows = []
    for index, at in enumerate(_weekdays(FIRST_OPEN, spreads)):
        order = 10_000 + 2 * index
        rows += [
            leg_row(at, "SELL_TO_OPEN", 520, Decimal("310.00"), order),
            leg_row(at, "BUY_TO_OPEN", 515, Decimal("-190.00"), order),
            leg_row(at + timedelta(hours=1), "BUY_TO_CLOSE", 520, Decimal("-150.00"), order + 1),
            leg_row(at + timedelta(hours=1), "SELL_TO_CLOSE", 515, Decimal("80.00"), order + 1),
        ]
    return list(HEADER_21), list(reversed(rows))


def naked_put_rows() -> list[list[str]]:
    """A naked short SPY 560 put for a 2.50 credit, bought back for 1.00 two hours later."""
    return [
        leg_row(
            NAKED_AT + timedelta(hours=2), "BUY_TO_CLOSE", NAKED_STRIKE, Decimal("-100.00"), 777
        ),
        leg_row(NAKED_AT, "SELL_TO_OPEN", NAKED_STRIKE, NAKED_CREDIT, 776),
    ]
