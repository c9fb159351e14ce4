"""A plain tastytrade history: N SPY put credit verticals, one opened per NYSE session,
closed the next session at 14:00 New York (issue 13, finding 7: a history with no exit plan).

Each spread sells the 500 put at 1.20 and buys the 495 put at 0.20 (a 1.00 credit: max profit
$100, 1R $400), expiring 2025-04-17 (the monthly moved before Good Friday). It is bought back
for 0.50 (a $50 gain before fees), except the trades in `losers`, bought back for 3.50 (a $250
loss before fees, beyond a 2x-credit stop of $200).
"""

from __future__ import annotations

import csv
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from utils.core.trading_calendar import next_session
from utils.spreads.symbols import format_occ

HEADER = (
    "Date,Type,Sub Type,Action,Symbol,Instrument Type,Description,Value,Quantity,Average Price,"
    "Commissions,Fees,Multiplier,Root Symbol,Underlying Symbol,Expiration Date,Strike Price,"
    "Call or Put,Order #,Total,Currency"
).split(",")
EXPIRY = date(2025, 4, 17)
FIRST_SESSION = date(2025, 1, 6)
OPEN_PRICES = {500: Decimal("1.20"), 495: Decimal("0.20")}
WIN_PRICES = {500: Decimal("0.60"), 495: Decimal("0.10")}
LOSS_PRICES = {500: Decimal("4.00"), 495: Decimal("0.50")}
OPEN_TIME = time(15, 0)  # UTC: 10:00 New York in winter
CLOSE_TIME = time(19, 0)


def _sessions(count: int) -> list[date]:
    days, day = [], FIRST_SESSION
    while len(days) < count:
        day = next_session(day)
        days.append(day)
        day += timedelta(days=1)
    return days


def _row(at: datetime, action: str, strike: int, price: Decimal, order: int) -> list[str]:
    sells = action.startswith("SELL")
    value = price * 100 * (1 if sells else -1)
    commission = Decimal("-1.00") if action.endswith("OPEN") else Decimal("0")
    fees = Decimal("-0.14")
    symbol = format_occ("SPY", EXPIRY, "P", Decimal(strike))
    sub_type = " ".join(word.capitalize() for word in action.lower().split("_"))
    verb = "Sold" if sells else "Bought"
    return [
        at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
        "Trade",
        sub_type.replace(" To ", " to "),
        action,
        symbol,
        "Equity Option",
        f"{verb} 1 SPY 4/17/25 Put {strike}.00 @ {price:.2f}",
        f"{value:.2f}",
        "1",
        f"{value:.2f}",
        f"{commission:.2f}" if commission else "--",
        f"{fees:.2f}",
        "100",
        "SPY",
        "SPY",
        "4/17/25",
        str(strike),
        "PUT",
        str(order),
        f"{value + commission + fees:.2f}",
        "USD",
    ]


def write_spread_history(path: Path, spreads: int = 30, losers: tuple[int, ...] = ()) -> Path:
    """Write the history (newest row first, as tastytrade exports it); `losers` are 1-based."""
    sessions = _sessions(spreads + 1)
    rows = []
    for number in range(1, spreads + 1):
        opened = datetime.combine(sessions[number - 1], OPEN_TIME, timezone.utc)
        closed = datetime.combine(sessions[number], CLOSE_TIME, timezone.utc)
        exit_prices = LOSS_PRICES if number in losers else WIN_PRICES
        rows += [
            _row(opened, "SELL_TO_OPEN", 500, OPEN_PRICES[500], 1000 + number),
            _row(opened, "BUY_TO_OPEN", 495, OPEN_PRICES[495], 1000 + number),
            _row(closed, "BUY_TO_CLOSE", 500, exit_prices[500], 2000 + number),
            _row(closed, "SELL_TO_CLOSE", 495, exit_prices[495], 2000 + number),
        ]
    rows.sort(key=lambda row: row[0], reverse=True)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path
