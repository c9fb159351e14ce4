"""The simulated account: its positions, the margin they need, and how they read as JSON.

Maintenance requirement = for the options of each (underlying, expiration), the worst expiry loss
of their payoff over a price grid (0, every strike, 3x the highest strike), so a naked short put
is cash-secured; short stock 150 % of its value. Derivative buying power = cash - maintenance
requirement. Marks are the mids of the day's simulated quotes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from utils.core.sessions import session_of
from utils.sim import market
from utils.sim.market import decimal_text
from utils.sim.orders import SimLeg, SimOrder, iso_time, root_of
from utils.spreads.symbols import OptionSymbol

SHORT_STOCK_REQUIREMENT = Decimal("1.5")
TRADING_FLAGS = ("is-frozen", "is-closing-only", "is-in-margin-call", "is-closed")


@dataclass
class SimPosition:
    """One open position: signed quantity (short is negative) at its average open price."""

    symbol: str
    instrument_type: str
    underlying: str
    quantity: Decimal  # signed: short is negative
    average_open_price: Decimal
    multiplier: int
    created_at: datetime
    updated_at: datetime
    realized_today: Decimal = Decimal(0)


@dataclass
class SimAccount:
    """The one account of the simulated broker: cash, positions, orders, transactions, flags."""

    number: str
    opened_at: datetime
    cash: Decimal
    positions: dict[str, SimPosition] = field(default_factory=dict)
    orders: dict[int, SimOrder] = field(default_factory=dict)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    flags: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(TRADING_FLAGS, False))

    def holdings(self) -> dict[str, Decimal]:
        """Signed quantity per symbol."""
        return {symbol: p.quantity for symbol, p in self.positions.items()}


def apply_fill(
    account: SimAccount, leg: SimLeg, quantity: Decimal, price: Decimal, now: datetime
) -> None:
    """Book a leg's fill into the account's positions: average price, realized gain, removal."""
    delta = leg.signed(quantity)
    position = account.positions.get(leg.symbol)
    if position is None:
        account.positions[leg.symbol] = SimPosition(
            symbol=leg.symbol,
            instrument_type=leg.instrument_type,
            underlying=root_of(leg.symbol),
            quantity=delta,
            average_open_price=price,
            multiplier=leg.multiplier,
            created_at=now,
            updated_at=now,
        )
        return
    old = position.quantity
    new = old + delta
    if old == 0 or (old > 0) == (delta > 0):  # adding to the position
        position.average_open_price = (
            (position.average_open_price * abs(old) + price * abs(delta)) / abs(new)
        ).quantize(Decimal("0.0001"))
    else:
        closed = min(abs(delta), abs(old))
        direction = 1 if old > 0 else -1
        position.realized_today += (
            (price - position.average_open_price) * closed * direction * position.multiplier
        )
        if (new > 0) != (old > 0) and new != 0:  # flipped through zero
            position.average_open_price = price
    position.quantity = new
    position.updated_at = now
    if new == 0:
        del account.positions[leg.symbol]


def maintenance_requirement(holdings: dict[str, Decimal], today: date) -> Decimal:
    """Maintenance requirement of signed holdings (see the module docstring)."""
    groups: dict[tuple[str, date], list[tuple[OptionSymbol, Decimal]]] = {}
    requirement = Decimal(0)
    for symbol, quantity in holdings.items():
        option = market.option_of(symbol)
        if option is None:
            if quantity < 0:
                price = marked_price(symbol, today, Decimal(0))
                requirement += -quantity * price * SHORT_STOCK_REQUIREMENT
            continue
        groups.setdefault((option.root, option.expiration), []).append((option, quantity))
    for legs in groups.values():
        top = max(option.strike for option, _ in legs)
        grid = {Decimal(0), top * 3, *(option.strike for option, _ in legs)}
        worst = min(
            sum(
                (market.intrinsic_value(option, price) * quantity for option, quantity in legs),
                Decimal(0),
            )
            for price in grid
        )
        requirement += max(-worst, Decimal(0)) * market.CONTRACT_MULTIPLIER
    return requirement


def position_values(account: SimAccount, today: date) -> dict[str, Decimal]:
    """Marked value of long and short equity and derivative positions, and their totals."""
    kinds = ("long-equity", "short-equity", "long-derivative", "short-derivative")
    values = {kind: Decimal(0) for kind in kinds}
    for position in account.positions.values():
        mark = marked_price(position.symbol, today, position.average_open_price)
        value = mark * abs(position.quantity) * position.multiplier
        kind = "derivative" if position.instrument_type == "Equity Option" else "equity"
        side = "long" if position.quantity > 0 else "short"
        values[f"{side}-{kind}"] += value
    values["long"] = values["long-equity"] + values["long-derivative"]
    values["short"] = values["short-equity"] + values["short-derivative"]
    return values


def balance_json(account: SimAccount, now: datetime) -> dict[str, Any]:
    """The balance object of the account (USD), marked at `now`."""
    today = session_of(now)
    values = position_values(account, today)
    requirement = maintenance_requirement(account.holdings(), today)
    net_liq = account.cash + values["long"] - values["short"]
    buying_power = account.cash - requirement
    zero = "0.0"
    body = {key: zero for key in _BALANCE_ZERO_KEYS}
    body.update(
        {
            "account-number": account.number,
            "currency": "USD",
            "cash-balance": decimal_text(account.cash),
            "long-equity-value": decimal_text(values["long-equity"]),
            "short-equity-value": decimal_text(values["short-equity"]),
            "long-derivative-value": decimal_text(values["long-derivative"]),
            "short-derivative-value": decimal_text(values["short-derivative"]),
            "long-margineable-value": decimal_text(values["long-equity"]),
            "short-margineable-value": decimal_text(values["short-equity"]),
            "margin-equity": decimal_text(net_liq),
            "equity-buying-power": decimal_text(buying_power),
            "derivative-buying-power": decimal_text(buying_power),
            "maintenance-requirement": decimal_text(requirement),
            "net-liquidating-value": decimal_text(net_liq),
            "cash-available-to-withdraw": decimal_text(max(buying_power, Decimal(0))),
            "day-trade-excess": decimal_text(buying_power),
            "pending-cash-effect": "None",
            "unsettled-cryptocurrency-fiat-effect": "None",
            "closed-loop-available-balance": decimal_text(max(buying_power, Decimal(0))),
            "used-derivative-buying-power": decimal_text(requirement),
            "snapshot-date": today.isoformat(),
            "reg-t-margin-requirement": decimal_text(requirement),
            "maintenance-excess": decimal_text(buying_power),
            "effective-cryptocurrency-buying-power": decimal_text(buying_power),
            "updated-at": iso_time(now),
        }
    )
    return body


def trading_status_json(account: SimAccount, now: datetime) -> dict[str, Any]:
    """`GET /accounts/{n}/trading-status`: the documented flags, as set by the test."""
    return {
        "account-number": account.number,
        "day-trade-count": 0,
        "fee-schedule-name": "default",
        "is-aggregated-at-clearing": False,
        "is-cryptocurrency-enabled": False,
        "is-futures-enabled": False,
        "is-in-day-trade-equity-maintenance-call": False,
        "is-pattern-day-trader": False,
        "is-portfolio-margin-enabled": False,
        "is-risk-reducing-only": False,
        "options-level": "No Restrictions",
        "short-calls-enabled": True,
        **account.flags,
        "updated-at": iso_time(now),
    }


def account_json(account: SimAccount) -> dict[str, Any]:
    """The account object of `GET /customers/me/accounts`."""
    opened = iso_time(account.opened_at)
    return {
        "account-number": account.number,
        "external-id": f"A{account.number}",
        "opened-at": opened,
        "nickname": "Simulated",
        "account-type-name": "Individual",
        "day-trader-status": False,
        "is-closed": False,
        "is-firm-error": False,
        "is-firm-proprietary": False,
        "is-futures-approved": False,
        "is-test-drive": True,
        "margin-or-cash": "Margin",
        "is-foreign": False,
        "funding-date": session_of(account.opened_at).isoformat(),
        "investment-objective": "SPECULATION",
        "futures-account-purpose": "SPECULATING",
        "suitable-options-level": "No Restrictions",
        "created-at": opened,
    }


def position_json(account: SimAccount, position: SimPosition, today: date) -> dict[str, Any]:
    """One position as `GET /accounts/{n}/positions` lists it (quantity unsigned)."""
    mark = marked_price(position.symbol, today, position.average_open_price)
    body: dict[str, Any] = {
        "account-number": account.number,
        "symbol": position.symbol,
        "instrument-type": position.instrument_type,
        "underlying-symbol": position.underlying,
        "quantity": decimal_text(abs(position.quantity)),
        "quantity-direction": "Long" if position.quantity > 0 else "Short",
        "close-price": decimal_text(mark),
        "average-open-price": decimal_text(position.average_open_price),
        "average-yearly-market-close-price": decimal_text(mark),
        "average-daily-market-close-price": decimal_text(mark),
        "mark": decimal_text(mark),
        "mark-price": decimal_text(mark),
        "multiplier": position.multiplier,
        "cost-effect": "Credit" if position.quantity < 0 else "Debit",
        "is-suppressed": False,
        "is-frozen": False,
        "restricted-quantity": "0.0",
        "realized-day-gain": decimal_text(abs(position.realized_today)),
        "realized-day-gain-effect": _gain_effect(position.realized_today),
        "realized-day-gain-date": today.isoformat(),
        "realized-today": decimal_text(abs(position.realized_today)),
        "realized-today-effect": _gain_effect(position.realized_today),
        "realized-today-date": today.isoformat(),
        "created-at": iso_time(position.created_at),
        "updated-at": iso_time(position.updated_at),
    }
    option = market.option_of(position.symbol)
    if option is not None:
        body["expires-at"] = iso_time(market.option_expires_at(option.expiration))
    return body


def marked_price(symbol: str, today: date, fallback: Decimal) -> Decimal:
    """The day's mid of a symbol, or `fallback` when it has no quote."""
    quote = market.quote(symbol, today)
    return quote.mid if quote is not None else fallback


_BALANCE_ZERO_KEYS = (
    "long-futures-value",
    "short-futures-value",
    "long-futures-derivative-value",
    "short-futures-derivative-value",
    "day-trading-buying-power",
    "futures-margin-requirement",
    "available-trading-funds",
    "maintenance-call-value",
    "reg-t-call-value",
    "day-trading-call-value",
    "day-equity-call-value",
    "pending-cash",
    "long-cryptocurrency-value",
    "short-cryptocurrency-value",
    "cryptocurrency-margin-requirement",
    "unsettled-cryptocurrency-fiat-amount",
    "equity-offering-margin-requirement",
    "long-bond-value",
    "bond-margin-requirement",
    "futures-overnight-margin-requirement",
    "futures-intraday-margin-requirement",
    "pending-margin-interest",
)


def _gain_effect(gain: Decimal) -> str:
    if gain > 0:
        return "Credit"
    return "Debit" if gain < 0 else "None"
