"""Random tastytrade transaction histories: many spreads sharing contracts, every kind of close.

`random_history(seed, spreads)` writes the rows of a history as tastytrade exports it (newest
first): put credit spreads of 1-3 contracts on a few shared strikes and expiries, opened by
orders; partial and full closing orders; rolls (an order that closes and opens); a single-leg
order (not a spread); a close of more than is held; and, at each expiry, physical assignments
and exercises (with their stock rows) or expirations of whatever is still open.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from utils.journal.tastytrade_csv import HEADER_21
from utils.spreads.symbols import format_occ

START = datetime(2025, 1, 6, 15, 0, tzinfo=timezone.utc)
EXPIRIES = (date(2025, 2, 21), date(2025, 3, 21), date(2025, 4, 17))
SHORT_STRIKES = (500, 505, 510)
WIDTH = 5


class _History:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.rows: list[list[str]] = []
        self.net: dict[tuple[date, int], int] = defaultdict(int)  # (expiry, strike) -> signed
        self.open: list[tuple[date, int, int]] = []  # (expiry, short strike, quantity)
        self.order = 1000
        self.at = START

    def tick(self) -> datetime:
        self.at += timedelta(minutes=self.rng.randint(1, 90))
        return self.at

    def leg(self, at: datetime, action: str, expiry: date, strike: int, quantity: int) -> None:
        buys = action.startswith("BUY")
        price = Decimal(self.rng.randint(5, 400)) / 100
        value = price * 100 * quantity * (-1 if buys else 1)
        self.row(
            at,
            "Trade",
            _sub_type(action),
            action,
            expiry,
            strike,
            quantity,
            value,
            "-1.00" if action.endswith("OPEN") else "--",
            str(self.order),
        )
        self.net[expiry, strike] += quantity if buys else -quantity

    def row(self, at, kind, sub_type, action, expiry, strike, quantity, value, commission, order):
        symbol = format_occ("SPY", expiry, "P", Decimal(strike))
        self.rows.append(
            [
                at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                kind,
                sub_type,
                action,
                symbol,
                "Equity Option",
                f"{sub_type} {symbol}",
                f"{value:.2f}",
                str(quantity),
                f"{value / quantity:.2f}",
                commission,
                "-0.14" if kind == "Trade" else "0.00",
                "100",
                "SPY",
                "SPY",
                f"{expiry.month}/{expiry.day}/{expiry:%y}",
                str(strike),
                "PUT",
                order,
                f"{value:.2f}",
                "USD",
            ]
        )

    def open_spread(self, at: datetime, expiry: date | None = None) -> None:
        expiry = expiry or self.rng.choice([e for e in EXPIRIES if e > at.date()])
        strike, quantity = self.rng.choice(SHORT_STRIKES), self.rng.randint(1, 3)
        self.leg(at, "SELL_TO_OPEN", expiry, strike, quantity)
        self.leg(at, "BUY_TO_OPEN", expiry, strike - WIDTH, quantity)
        self.open.append((expiry, strike, quantity))

    def close_some(self, at: datetime) -> tuple[date, int] | None:
        candidates = [s for s in self.open if s[0] > at.date()]
        if not candidates:
            return None
        expiry, strike, quantity = spread = self.rng.choice(candidates)
        self.open.remove(spread)
        taken = self.rng.randint(1, quantity)
        self.leg(at, "BUY_TO_CLOSE", expiry, strike, taken)
        self.leg(at, "SELL_TO_CLOSE", expiry, strike - WIDTH, taken)
        if taken < quantity:
            self.open.append((expiry, strike, quantity - taken))
        return expiry, strike

    def expire(self, expiry: date) -> None:
        """The first expiry assigns shorts and exercises longs, the second assigns shorts only
        (the longs expire, leaving shares), the third lets everything expire."""
        at = datetime(expiry.year, expiry.month, expiry.day, 22, tzinfo=timezone.utc)
        self.at = max(self.at, at)
        fate = EXPIRIES.index(expiry)
        for (when, strike), held in sorted(self.net.items()):
            if when != expiry or held == 0:
                continue
            quantity = abs(held)
            if fate < 2 and held < 0:
                self.row(
                    at,
                    "Receive Deliver",
                    "Assignment",
                    "",
                    expiry,
                    strike,
                    quantity,
                    Decimal(0),
                    "--",
                    "",
                )
                self.stock(at, "BUY_TO_OPEN", strike, quantity)
            elif fate == 0 and held > 0:
                self.row(
                    at,
                    "Receive Deliver",
                    "Exercise",
                    "",
                    expiry,
                    strike,
                    quantity,
                    Decimal(0),
                    "--",
                    "",
                )
                self.stock(at, "SELL_TO_CLOSE", strike, quantity)
            else:
                self.row(
                    at,
                    "Receive Deliver",
                    "Expiration",
                    "",
                    expiry,
                    strike,
                    quantity,
                    Decimal(0),
                    "--",
                    "",
                )
            self.net[when, strike] = 0
        self.open = [s for s in self.open if s[0] != expiry]

    def stock(self, at: datetime, action: str, strike: int, contracts: int) -> None:
        shares = 100 * contracts
        value = Decimal(strike * shares) * (-1 if action.startswith("BUY") else 1)
        sub_type = _sub_type(action)
        self.rows.append(
            [
                at.strftime("%Y-%m-%dT%H:%M:%S+0000"),
                "Receive Deliver",
                sub_type,
                action,
                "SPY",
                "Equity",
                f"{sub_type} {shares} SPY @ {strike}",
                f"{value:.2f}",
                str(shares),
                f"{value / shares:.2f}",
                "--",
                "-5.00",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                f"{value:.2f}",
                "USD",
            ]
        )


def _sub_type(action: str) -> str:
    verb, _, side = action.lower().split("_")
    return f"{verb.title()} to {side.title()}"


def random_history(seed: int, spreads: int) -> tuple[list[str], list[list[str]]]:
    """The header and rows (newest first) of a history opening about `spreads` spreads."""
    history = _History(seed)
    expiries = list(EXPIRIES)
    per_expiry = spreads // len(EXPIRIES)
    for expiry in expiries:
        for _ in range(per_expiry):
            at = history.tick()
            history.order += 1
            choice = history.rng.random()
            if choice < 0.45:
                history.open_spread(at, expiry)
            elif choice < 0.8:
                history.close_some(at)
            elif choice < 0.95:
                closed = history.close_some(at)  # a roll: the same order opens the next one
                if closed is not None:
                    history.open_spread(at, expiry)
            elif choice < 0.975:
                history.leg(at, "SELL_TO_OPEN", expiry, 520, 1)  # a single leg: not a spread
            else:
                history.leg(at, "BUY_TO_CLOSE", expiry, SHORT_STRIKES[0], 9)  # more than held
        history.expire(expiry)
    return list(HEADER_21), list(reversed(history.rows))
