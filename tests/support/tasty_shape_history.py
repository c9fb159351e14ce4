"""Random tastytrade histories of a few opening shapes repeated (verticals, naked shorts,
strangles, single longs, iron condors, ratios), some closed by later orders: the inputs of the
shape and bulk-write equivalence tests. `history_text(orders)` is the export, newest first."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import strategies as st

from utils.journal.tastytrade_csv import HEADER_21
from utils.spreads.symbols import format_occ

START = datetime(2025, 1, 6, 15, 0, tzinfo=timezone.utc)
EXPIRIES = (date(2025, 3, 21), date(2025, 4, 17))
# opening legs of an order: (action, put or call, strike offset); a vertical, a naked short put,
# a strangle, a single long put, an iron condor, a ratio
SHAPES = (
    (("SELL_TO_OPEN", "P", 0), ("BUY_TO_OPEN", "P", -5)),
    (("SELL_TO_OPEN", "P", 0),),
    (("SELL_TO_OPEN", "P", 0), ("SELL_TO_OPEN", "C", 20)),
    (("BUY_TO_OPEN", "P", 0),),
    (
        ("SELL_TO_OPEN", "P", 0),
        ("BUY_TO_OPEN", "P", -5),
        ("SELL_TO_OPEN", "C", 20),
        ("BUY_TO_OPEN", "C", 25),
    ),
    (("SELL_TO_OPEN", "P", 0), ("SELL_TO_OPEN", "P", -5), ("BUY_TO_OPEN", "P", -10)),
)
CLOSE = {"SELL_TO_OPEN": "BUY_TO_CLOSE", "BUY_TO_OPEN": "SELL_TO_CLOSE"}

order_strategy = st.tuples(
    st.integers(0, len(SHAPES) - 1),  # shape
    st.sampled_from(EXPIRIES),
    st.sampled_from((500, 510)),  # strike
    st.integers(1, 2),  # contracts per leg
    st.sampled_from(("1.00", "1.50", "2.5", "0.75")),  # price per share of each leg
    st.sampled_from(("-1.00", "--")),  # commissions
    st.booleans(),  # closed by a later order
    st.integers(1, 600),  # minutes after the previous order
)


def history_text(orders) -> str:
    """The export of `orders` (drawn from `order_strategy`), newest row first."""
    rows, at, number = [], START, 5000
    closes = []
    for shape, expiry, strike, quantity, price, commission, closed, minutes in orders:
        at += timedelta(minutes=minutes)
        number += 1
        legs = [(a, kind, strike + offset) for a, kind, offset in SHAPES[shape]]
        rows += _legs(at, number, legs, expiry, quantity, price, commission)
        if closed:
            closes.append(([(CLOSE[a], kind, k) for a, kind, k in legs], expiry, quantity, price))
    for legs, expiry, quantity, price in closes:
        at += timedelta(minutes=7)
        number += 1
        rows += _legs(at, number, legs, expiry, quantity, price, "--")
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(HEADER_21)
    writer.writerows(reversed(rows))  # newest first, as tastytrade exports
    return stream.getvalue()


def _legs(at, number, legs, expiry, quantity, price, commission):
    rows = []
    for action, kind, strike in legs:
        symbol = format_occ("SPY", expiry, kind, Decimal(strike))
        per_contract = Decimal(price) * 100 * (-1 if action.startswith("BUY") else 1)
        value = per_contract * quantity
        rows.append(
            [
                at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "Trade",
                action.replace("_", " ").title(),
                action,
                symbol,
                "Equity Option",
                "",
                f"{value:.2f}",
                str(quantity),
                f"{per_contract:.2f}",
                commission,
                "-0.14",
                "100",
                "SPY",
                "SPY",
                "",
                str(strike),
                "PUT" if kind == "P" else "CALL",
                str(number),
                f"{value:.2f}",
                "USD",
            ]
        )
    return rows
