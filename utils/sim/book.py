"""The simulated broker's book: one account's cash, positions, orders, fills and transactions.

It answers in the documented tastytrade JSON shapes (kebab-case, unsigned amounts plus `*-effect`)
and raises `SimRequestError` for answers in the `error` envelope. All state lives in one
`SimBook` object guarded by a lock; nothing is global. Order parsing, preflight rules and fees
are in `utils.sim.orders`.

Order lifecycle: a submitted order answers `Routed`; the book works it at the start of the next
request (`work`): it fills, goes `Live`, or is rejected per its fill behaviour. A cancel answers
`Cancel Requested` and becomes `Cancelled` on the next request. A `Day` order still working after
its session ends is `Expired`; an `IOC` order that does not fill at once is `Cancelled`. The
simulated market is always open (a trader may rehearse at any hour).

Fill model (`FillBehavior`, set per broker and overridable for the next order):
- `quote` (default): a Limit order fills in full at its limit price once that price is at or
  better than the mid of the day's simulated quotes (credit at or below the net mid credit, debit
  at or above the net mid debit); otherwise it stays Live and is checked again on every request.
  A Market order fills at the natural price (buys at the ask, sells at the bid).
- `legacy-cert`: the old documented sandbox table: Market orders fill at $1, Limit orders priced
  at or below $3 fill at their limit, others stay Live.
- `immediate` fills at the limit whatever the quotes; `never` stays Live; `reject` is accepted then
  `Rejected`; `partial` fills half the order's size (rounded down) and leaves the rest Live.
Leg fill prices are the legs' mids shifted on the most expensive leg so that they add up to the
order's net price.

Money (Decimal): maintenance requirement = for the options of each (underlying, expiration), the
worst expiry loss of their payoff over a price grid (0, every strike, 3x the highest strike), so
a naked short put is cash-secured; short stock 150 % of its value. Derivative buying power = cash
- maintenance requirement; an order's buying-power change = margin change + fees - premium
received (the documented arithmetic: a 3-wide credit spread at 2.00 -> 102.302). Options left at
expiry settle in cash at intrinsic value against the day's simulated spot (a simplification: real
equity options deliver shares).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from utils.sim import market
from utils.spreads.symbols import OptionSymbol
from utils.core.money import CENT
from utils.core.sessions import Clock, session_of
from utils.sim.market import decimal_text
from utils.sim.orders import (
    CLOSE_ACTIONS,
    CLOSING_WITH_NO_POSITION,
    NO_FEES,
    Fees,
    OPEN_ACTIONS,
    WORKING,
    FillBehavior,
    SimLeg,
    SimOrder,
    SimRequestError,
    amount_json,
    check_structure,
    effect_of,
    fee_effect,
    fee_json,
    iso_time,
    json_number,
    leg_fees,
    not_found,
    option_words,
    order_json,
    parse_order,
    preflight_failure,
    root_of,
)

SHORT_STOCK_REQUIREMENT = Decimal("1.5")
LEGACY_CERT_MARKET_PRICE = Decimal(1)
LEGACY_CERT_FILL_LIMIT = Decimal(3)
FILL_VENUE = "MARKET_SIMULATOR"
# A code the research could not pin down (tastytrade_api.md section 11): a documented guess.
INSUFFICIENT_BUYING_POWER = "margin_check_failed"

TRADING_FLAGS = ("is-frozen", "is-closing-only", "is-in-margin-call", "is-closed")


@dataclass
class _Position:
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
class _Account:
    number: str
    opened_at: datetime
    cash: Decimal
    positions: dict[str, _Position] = field(default_factory=dict)
    orders: dict[int, SimOrder] = field(default_factory=dict)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    flags: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(TRADING_FLAGS, False))


class SimBook:
    """Accounts, orders and the fill engine of the simulated broker (thread-safe)."""

    def __init__(
        self,
        *,
        clock: Clock,
        account_number: str,
        starting_cash: Decimal,
        fill_behavior: FillBehavior = FillBehavior.QUOTE,
    ) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self._fill_behavior = fill_behavior
        self._next_behaviors: list[FillBehavior] = []
        self._next_order_id = 100001
        self._next_transaction_id = 500001
        now = clock()
        self._account = _Account(number=account_number, opened_at=now, cash=Decimal(0))
        self._add_transaction(
            {
                "transaction-type": "Money Movement",
                "transaction-sub-type": "Deposit",
                "description": "Cash deposit",
                "value": decimal_text(starting_cash),
                "value-effect": "Credit",
                "net-value": decimal_text(starting_cash),
                "net-value-effect": "Credit",
            },
            now,
        )
        self._account.cash = starting_cash

    # -- controls --------------------------------------------------------------------------

    def set_fill_behavior(self, behavior: FillBehavior) -> None:
        """The behaviour of every order from now on (one-shot overrides still apply first)."""
        with self._lock:
            self._fill_behavior = behavior

    def next_order_fill(self, behavior: FillBehavior) -> None:
        """Queue a behaviour for the next submitted order only."""
        with self._lock:
            self._next_behaviors.append(behavior)

    def set_trading_status(
        self,
        *,
        is_frozen: bool = False,
        is_closing_only: bool = False,
        is_in_margin_call: bool = False,
        is_closed: bool = False,
    ) -> None:
        """The flags `trading-status` reports from now on (all False unless given).

        They are reported only: the book does not refuse orders because of them.
        """
        with self._lock:
            self._account.flags = {
                "is-frozen": is_frozen,
                "is-closing-only": is_closing_only,
                "is-in-margin-call": is_in_margin_call,
                "is-closed": is_closed,
            }

    # -- reads -----------------------------------------------------------------------------

    def customer_accounts(self) -> list[dict[str, Any]]:
        """Items of `GET /customers/me/accounts`."""
        return [{"account": self._account_json(), "authority-level": "owner"}]

    def account(self, number: str) -> dict[str, Any]:
        """`GET /customers/me/accounts/{n}`: the bare account object."""
        self._checked(number)
        return self._account_json()

    def balance(self, number: str, currency: str = "USD") -> dict[str, Any]:
        """The balance object of one account (only USD exists)."""
        if currency != "USD":
            raise not_found(f"balance in {currency}")
        with self._lock:
            account = self._checked(number)
            now = self._clock()
            today = session_of(now)
            values = self._position_values(account, today)
            requirement = self._margin(self._holdings(account), today)
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

    def trading_status(self, number: str) -> dict[str, Any]:
        """`GET /accounts/{n}/trading-status`: the documented flags, as set by the test."""
        with self._lock:
            account = self._checked(number)
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
                "updated-at": iso_time(self._clock()),
            }

    def positions(self, number: str) -> list[dict[str, Any]]:
        """Open positions (quantity unsigned plus `quantity-direction`)."""
        with self._lock:
            account = self._checked(number)
            today = session_of(self._clock())
            return [self._position_json(p, today) for p in account.positions.values()]

    def order(self, number: str, order_id: int) -> dict[str, Any]:
        """One order by id."""
        with self._lock:
            return order_json(self._order(number, order_id))

    def live_orders(self, number: str) -> list[dict[str, Any]]:
        """Orders received or updated today in any status, plus working GTC orders."""
        with self._lock:
            account = self._checked(number)
            today = session_of(self._clock())
            return [
                order_json(order)
                for order in sorted(account.orders.values(), key=lambda o: -(o.id or 0))
                if (order.updated_at and session_of(order.updated_at) == today)
                or (order.received_at and session_of(order.received_at) == today)
                or order.status in WORKING
            ]

    def all_orders(self, number: str) -> list[dict[str, Any]]:
        """Every order of the account, newest first (`GET /accounts/{n}/orders`)."""
        with self._lock:
            account = self._checked(number)
            ordered = sorted(account.orders.values(), key=lambda o: -(o.id or 0))
            return [order_json(order) for order in ordered]

    def transactions(
        self, number: str, *, start: date | None, end: date | None, ascending: bool
    ) -> list[dict[str, Any]]:
        """Transactions within [start, end] (by transaction date), newest first by default."""
        with self._lock:
            account = self._checked(number)
            rows = [
                row
                for row in account.transactions
                if (start is None or date.fromisoformat(row["transaction-date"]) >= start)
                and (end is None or date.fromisoformat(row["transaction-date"]) <= end)
            ]
            rows.sort(key=lambda row: row["id"], reverse=not ascending)
            return [dict(row) for row in rows]

    # -- orders ----------------------------------------------------------------------------

    def dry_run(self, number: str, body: Any) -> dict[str, Any]:
        """Preflight an order: order echo, buying-power effect, fees, warnings.

        A failed check raises 422 `preflight_check_failure` that still carries the `data`.
        """
        with self._lock:
            account = self._checked(number)
            order = parse_order(body, account_number=account.number, behavior=self._fill_behavior)
            data, errors = self._evaluate(account, order)
            if errors:
                raise preflight_failure(errors, data)
            return data

    def submit(self, number: str, body: Any) -> dict[str, Any]:
        """Accept an order (status `Routed`) or raise 422 `preflight_check_failure`."""
        with self._lock:
            account = self._checked(number)
            order = parse_order(body, account_number=account.number, behavior=self._fill_behavior)
            data, errors = self._evaluate(account, order)
            if errors:
                raise preflight_failure(errors, None)
            now = self._clock()
            order.id = self._next_order_id
            self._next_order_id += 1
            order.status = "Routed"
            order.received_at = order.updated_at = now
            if self._next_behaviors:
                order.behavior = self._next_behaviors.pop(0)
            account.orders[order.id] = order
            data["order"] = order_json(order)
            return data

    def cancel(self, number: str, order_id: int) -> dict[str, Any]:
        """Request a cancel: `Cancel Requested` now, `Cancelled` on the next request."""
        with self._lock:
            order = self._order(number, order_id)
            if order.status not in WORKING:
                raise SimRequestError(
                    422, "cannot_update_order", "the order could not be cancelled"
                )
            order.status = "Cancel Requested"
            order.updated_at = self._clock()
            return order_json(order)

    # -- the engine ------------------------------------------------------------------------

    def work(self) -> None:
        """Advance time: expire stale orders and options, settle cancels, work open orders."""
        with self._lock:
            now = self._clock()
            today = session_of(now)
            account = self._account
            for order in sorted(account.orders.values(), key=lambda o: o.id or 0):
                stale = order.received_at is not None and session_of(order.received_at) < today
                if order.status in WORKING and order.time_in_force == "Day" and stale:
                    self._finish(order, "Expired", now)
                elif order.status == "Cancel Requested":
                    order.cancelled_at = now
                    self._finish(order, "Cancelled", now)
                elif order.status == "Routed":
                    self._route(account, order, now)
                elif order.status == "Live" and order.behavior in _RECHECKED:
                    self._try_fill(account, order, now)
            self._settle_expired_options(account, now)

    def _route(self, account: _Account, order: SimOrder, now: datetime) -> None:
        if order.behavior is FillBehavior.REJECT:
            order.reject_reason = "Rejected by the simulated exchange (fault injection)"
            self._finish(order, "Rejected", now)
            return
        order.status, order.live_at, order.updated_at = "Live", now, now
        if order.behavior is FillBehavior.NEVER:
            return
        if order.behavior is FillBehavior.PARTIAL:
            units = order.size // 2
            if units:
                self._execute(
                    account, order, units, self._limit_or_natural(order, session_of(now)), now
                )
            return
        self._try_fill(account, order, now)
        if order.time_in_force == "IOC" and order.status == "Live":
            order.cancelled_at = now
            self._finish(order, "Cancelled", now)

    def _try_fill(self, account: _Account, order: SimOrder, now: datetime) -> None:
        price = self._fill_price(order, session_of(now))
        if price is not None:
            self._execute(account, order, order.remaining_units, price, now)

    def _fill_price(self, order: SimOrder, today: date) -> Decimal | None:
        """The net price the order fills at now, or None if it does not fill."""
        if order.behavior is FillBehavior.LEGACY_CERT and order.order_type == "Market":
            return LEGACY_CERT_MARKET_PRICE
        if order.behavior is FillBehavior.IMMEDIATE or order.price is None:
            return self._limit_or_natural(order, today)
        if order.behavior is FillBehavior.LEGACY_CERT:
            return order.price if order.price <= LEGACY_CERT_FILL_LIMIT else None
        net_mid = self._net_credit(order, today, "mid")
        if net_mid is None:
            return None
        at_or_better = (
            order.price <= net_mid if order.price_effect == "Credit" else order.price >= -net_mid
        )
        return order.price if at_or_better else None

    def _limit_or_natural(self, order: SimOrder, today: date) -> Decimal:
        if order.price is not None:
            return order.price
        natural = self._net_credit(order, today, "natural") or Decimal(0)
        return abs(natural)

    def _net_credit(self, order: SimOrder, today: date, side: str) -> Decimal | None:
        """Net credit per unit from the quotes (negative = debit); natural = bid/ask side."""
        total = Decimal(0)
        for leg in order.legs:
            quote = market.quote(leg.symbol, today)
            if quote is None:
                return None
            if side == "mid":
                price = quote.mid
            else:
                price = quote.ask if leg.is_buy else quote.bid
            ratio = leg.quantity / order.size
            total += -price * ratio if leg.is_buy else price * ratio
        return total

    def _leg_prices(self, order: SimOrder, net_price: Decimal, today: date) -> list[Decimal]:
        """Per-leg fill prices: the legs' mids, shifted on the priciest leg to hit the net."""
        mids = []
        for leg in order.legs:
            quote = market.quote(leg.symbol, today)
            mids.append(quote.mid.quantize(CENT) if quote else net_price)
        if len(order.legs) == 1:
            return [net_price]
        target = net_price if order.price_effect == "Credit" else -net_price
        natural = sum(
            (-m if leg.is_buy else m) * leg.quantity / order.size
            for leg, m in zip(order.legs, mids, strict=True)
        )
        pivot = max(range(len(mids)), key=lambda i: mids[i])
        leg = order.legs[pivot]
        shift = (target - natural) * order.size / leg.quantity
        adjusted = mids[pivot] - shift if leg.is_buy else mids[pivot] + shift
        mids[pivot] = max(adjusted.quantize(CENT), CENT)
        return mids

    def _execute(
        self, account: _Account, order: SimOrder, units: int, net_price: Decimal, now: datetime
    ) -> None:
        """Fill `units` spread units: fills, positions, cash and one transaction per leg."""
        today = session_of(now)
        prices = self._leg_prices(order, net_price, today)
        for number, (leg, price) in enumerate(zip(order.legs, prices, strict=True), start=1):
            quantity = leg.quantity * units / order.size
            fill_id = f"SIM_{order.id}_{len(leg.fills) + 1}_{number}"
            leg.fills.append(
                {
                    "ext-group-fill-id": str(order.id),
                    "ext-exec-id": fill_id,
                    "fill-id": fill_id,
                    "quantity": json_number(quantity),
                    "fill-price": decimal_text(price),
                    "filled-at": iso_time(now),
                    "destination-venue": FILL_VENUE,
                }
            )
            leg.remaining -= quantity
            fees = leg_fees(leg, quantity)
            self._apply_fill(account, leg, quantity, price, now)
            account.cash += leg.signed(quantity) * -price * leg.multiplier - fees.total
            self._trade_transaction(order, leg, quantity, price, fees, now)
        order.updated_at = now
        if all(leg.remaining == 0 for leg in order.legs):
            self._finish(order, "Filled", now)

    def _apply_fill(
        self, account: _Account, leg: SimLeg, quantity: Decimal, price: Decimal, now: datetime
    ) -> None:
        delta = leg.signed(quantity)
        position = account.positions.get(leg.symbol)
        if position is None:
            account.positions[leg.symbol] = _Position(
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

    def _settle_expired_options(self, account: _Account, now: datetime) -> None:
        for position in list(account.positions.values()):
            option = market.option_of(position.symbol)
            if option is None or now < market.option_expires_at(option.expiration):
                continue
            spot = market.spot_price(option.root, option.expiration)
            intrinsic = market.intrinsic_value(option, spot)
            value = intrinsic * abs(position.quantity) * position.multiplier
            long = position.quantity > 0
            if intrinsic == 0:
                sub_type, description = "Expiration", "due to expiration"
            else:
                sub_type = "Cash Settled Exercise" if long else "Cash Settled Assignment"
                description = f"settled in cash at {decimal_text(intrinsic)} (simulated)"
            effect = "None" if value == 0 else ("Credit" if long else "Debit")
            account.cash += value if long else -value
            self._add_transaction(
                {
                    "transaction-type": "Receive Deliver",
                    "transaction-sub-type": sub_type,
                    "description": f"Removal of {json_number(abs(position.quantity))} "
                    f"{option_words(option)} {description}",
                    "symbol": position.symbol,
                    "underlying-symbol": option.root,
                    "instrument-type": "Equity Option",
                    "quantity": decimal_text(abs(position.quantity)),
                    "price": decimal_text(intrinsic),
                    "value": decimal_text(value),
                    "value-effect": effect,
                    "net-value": decimal_text(value),
                    "net-value-effect": effect,
                },
                now,
            )
            del account.positions[position.symbol]

    def _finish(self, order: SimOrder, status: str, now: datetime) -> None:
        order.status, order.terminal_at, order.updated_at = status, now, now

    # -- evaluation ------------------------------------------------------------------------

    def _evaluate(
        self, account: _Account, order: SimOrder
    ) -> tuple[dict[str, Any], list[dict[str, str]]]:
        """The dry-run/submit `data` for an order, and the preflight errors (empty if none)."""
        today = session_of(self._clock())
        errors: list[dict[str, str]] = []
        warnings: list[dict[str, str]] = []

        def error(code: str, message: str) -> None:
            errors.append({"code": code, "message": message})

        check_structure(order, today, error)
        holdings = self._holdings(account)
        for leg in order.legs:
            held = holdings.get(leg.symbol, Decimal(0))
            if leg.action in CLOSE_ACTIONS and leg.signed(leg.quantity) * held >= 0:
                if order.strict_position_effect:
                    error("closing_with_no_position", CLOSING_WITH_NO_POSITION)
                else:
                    warnings.append(
                        {"code": "closing_with_no_position", "message": CLOSING_WITH_NO_POSITION}
                    )
            if leg.action in OPEN_ACTIONS and leg.signed(leg.quantity) * held < 0:
                error(
                    "cant_open_against_position",
                    f"You cannot {leg.action.lower()} {leg.symbol.strip()} while holding the "
                    "opposite side; close it instead",
                )
        fees = NO_FEES
        for leg in order.legs:
            fees = fees + leg_fees(leg, leg.quantity)
        if order.price is not None:
            premium = order.signed_premium(order.price, order.size)
        else:  # Market: the natural side of the quotes sets price and direction
            natural = self._net_credit(order, today, "natural") or Decimal(0)
            premium = natural * order.size * order.multiplier
        after = dict(holdings)
        for leg in order.legs:
            after[leg.symbol] = after.get(leg.symbol, Decimal(0)) + leg.signed(leg.quantity)
        current_requirement = self._margin(holdings, today)
        margin_change = self._margin(after, today) - current_requirement
        own_legs = {leg.symbol: leg.signed(leg.quantity) for leg in order.legs}
        isolated = self._margin(own_legs, today)
        current_bp = account.cash - current_requirement
        bp_change = margin_change + fees.total - premium
        new_bp = current_bp - bp_change
        if not errors and bp_change > 0 and new_bp < 0:
            error(
                INSUFFICIENT_BUYING_POWER,
                f"Insufficient buying power: the order needs {decimal_text(bp_change)}, "
                f"{decimal_text(current_bp)} is available",
            )
        data = {
            "order": order_json(order),
            "warnings": warnings,
            "buying-power-effect": {
                **amount_json("change-in-margin-requirement", margin_change),
                **amount_json("change-in-buying-power", bp_change),
                **amount_json("current-buying-power", -current_bp),
                **amount_json("new-buying-power", -new_bp),
                **amount_json("isolated-order-margin-requirement", isolated),
                "is-spread": len(order.legs) > 1,
                "impact": decimal_text(abs(bp_change)),
                "effect": effect_of(bp_change),
            },
            "fee-calculation": fee_json(fees),
        }
        return data, errors

    # -- helpers ---------------------------------------------------------------------------

    def _checked(self, number: str) -> _Account:
        if number != self._account.number:
            raise not_found(f"account {number}")
        return self._account

    def _order(self, number: str, order_id: int) -> SimOrder:
        account = self._checked(number)
        order = account.orders.get(order_id)
        if order is None:
            raise not_found(f"order {order_id}")
        return order

    @staticmethod
    def _holdings(account: _Account) -> dict[str, Decimal]:
        return {symbol: p.quantity for symbol, p in account.positions.items()}

    @staticmethod
    def _margin(holdings: dict[str, Decimal], today: date) -> Decimal:
        """Maintenance requirement of signed holdings (see the module docstring)."""
        groups: dict[tuple[str, date], list[tuple[OptionSymbol, Decimal]]] = {}
        requirement = Decimal(0)
        for symbol, quantity in holdings.items():
            option = market.option_of(symbol)
            if option is None:
                if quantity < 0:
                    price = _mark(symbol, today, Decimal(0))
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

    def _position_values(self, account: _Account, today: date) -> dict[str, Decimal]:
        kinds = ("long-equity", "short-equity", "long-derivative", "short-derivative")
        values = {kind: Decimal(0) for kind in kinds}
        for position in account.positions.values():
            mark = _mark(position.symbol, today, position.average_open_price)
            value = mark * abs(position.quantity) * position.multiplier
            kind = "derivative" if position.instrument_type == "Equity Option" else "equity"
            side = "long" if position.quantity > 0 else "short"
            values[f"{side}-{kind}"] += value
        values["long"] = values["long-equity"] + values["long-derivative"]
        values["short"] = values["short-equity"] + values["short-derivative"]
        return values

    def _account_json(self) -> dict[str, Any]:
        opened = iso_time(self._account.opened_at)
        return {
            "account-number": self._account.number,
            "external-id": f"A{self._account.number}",
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
            "funding-date": session_of(self._account.opened_at).isoformat(),
            "investment-objective": "SPECULATION",
            "futures-account-purpose": "SPECULATING",
            "suitable-options-level": "No Restrictions",
            "created-at": opened,
        }

    def _position_json(self, position: _Position, today: date) -> dict[str, Any]:
        mark = _mark(position.symbol, today, position.average_open_price)
        body: dict[str, Any] = {
            "account-number": self._account.number,
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

    def _trade_transaction(
        self,
        order: SimOrder,
        leg: SimLeg,
        quantity: Decimal,
        price: Decimal,
        fees: Fees,
        now: datetime,
    ) -> None:
        value = price * quantity * leg.multiplier
        value_effect = "Debit" if leg.is_buy else "Credit"
        signed_net = (-value if leg.is_buy else value) - fees.total
        verb = "Bought" if leg.is_buy else "Sold"
        option = market.option_of(leg.symbol)
        what = option_words(option) if option else leg.symbol
        self._add_transaction(
            {
                "transaction-type": "Trade",
                "transaction-sub-type": leg.action,
                "action": leg.action,
                "description": f"{verb} {json_number(quantity)} {what} @ {decimal_text(price)}",
                "symbol": leg.symbol,
                "underlying-symbol": order.underlying,
                "instrument-type": leg.instrument_type,
                "quantity": decimal_text(quantity),
                "price": decimal_text(price),
                "value": decimal_text(value),
                "value-effect": value_effect,
                "net-value": decimal_text(abs(signed_net)),
                "net-value-effect": "Debit" if signed_net < 0 else "Credit",
                "commission": decimal_text(fees.commission),
                "commission-effect": fee_effect(fees.commission),
                "clearing-fees": decimal_text(fees.clearing),
                "clearing-fees-effect": fee_effect(fees.clearing),
                "regulatory-fees": decimal_text(fees.regulatory),
                "regulatory-fees-effect": fee_effect(fees.regulatory),
                "proprietary-index-option-fees": "0.0",
                "proprietary-index-option-fees-effect": "None",
                "order-id": order.id,
                "destination-venue": FILL_VENUE,
                "exec-id": f"SIM_{order.id}_{len(leg.fills)}",
                "is-estimated-fee": True,
            },
            now,
        )

    def _add_transaction(self, fields: dict[str, Any], now: datetime) -> None:
        row = {
            "id": self._next_transaction_id,
            "account-number": self._account.number,
            "currency": "USD",
            "created-at": iso_time(now),
            "executed-at": iso_time(now),
            "transaction-date": session_of(now).isoformat(),
            "is-estimated-fee": True,
        }
        row.update(fields)
        self._next_transaction_id += 1
        self._account.transactions.append(row)


_RECHECKED = frozenset({FillBehavior.QUOTE, FillBehavior.LEGACY_CERT})
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


def _mark(symbol: str, today: date, fallback: Decimal) -> Decimal:
    quote = market.quote(symbol, today)
    return quote.mid if quote is not None else fallback
