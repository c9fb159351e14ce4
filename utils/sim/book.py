"""The simulated broker's book: its accounts' orders, their lifecycle, fills and transactions.

It answers in the documented tastytrade JSON shapes (kebab-case, unsigned amounts plus `*-effect`)
and raises `SimRequestError` for answers in the `error` envelope. All state lives in one
`SimBook` object guarded by a lock; nothing is global. Order parsing, preflight rules and fees
are in `utils.sim.orders`, the preflight in `utils.sim.preflight`, the fill model in
`utils.sim.fills`, positions and margin in `utils.sim.account`.

Order lifecycle: a submitted order answers `Routed`; the book works it at the start of the next
request (`work`): it fills, goes `Live`, or is rejected per its fill behaviour. A cancel answers
`Cancel Requested` and becomes `Cancelled` on the next request. A `Day` order still working after
its session ends is `Expired`; an `IOC` order that does not fill at once is `Cancelled`. The
simulated market is always open (a trader may rehearse at any hour).

Fill behaviours (`FillBehavior`, set per broker and overridable for the next order): `quote`
(default), `legacy-cert`, `immediate` (see `utils.sim.fills`); `never` stays Live; `reject` is
accepted then `Rejected`; `partial` fills half the order's size (rounded down) and leaves the
rest Live.

Money is Decimal; an order's buying-power effect is `utils.sim.preflight`'s. Options left at
expiry settle in cash at intrinsic value against the day's simulated spot (a simplification: real
equity options deliver shares).
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from utils.core.sessions import Clock, session_of
from utils.sim import market
from utils.sim.account import (
    SimAccount,
    account_json,
    apply_fill,
    balance_json,
    position_json,
    trading_status_json,
)
from utils.sim.fills import RECHECKED, fill_price, leg_prices, limit_or_natural
from utils.sim.market import decimal_text
from utils.sim.preflight import evaluate_order
from utils.sim.orders import (
    Fees,
    WORKING,
    FillBehavior,
    SimLeg,
    SimOrder,
    SimRequestError,
    fee_effect,
    iso_time,
    json_number,
    leg_fees,
    not_found,
    option_words,
    order_json,
    parse_order,
    preflight_failure,
)

FILL_VENUE = "MARKET_SIMULATOR"


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
        self._accounts: dict[str, SimAccount] = {}
        self.add_account(account_number, starting_cash)
        self._account = self._accounts[account_number]

    # -- controls --------------------------------------------------------------------------

    def add_account(self, number: str, starting_cash: Decimal) -> None:
        """Open another account under the same login (a second account makes the login's
        account choice ambiguous, as an IRA beside a margin account does)."""
        with self._lock:
            if number in self._accounts:
                raise ValueError(f"account {number} exists already")
            now = self._clock()
            account = SimAccount(number=number, opened_at=now, cash=Decimal(0))
            self._accounts[number] = account
            self._add_transaction(
                account,
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
            account.cash = starting_cash

    def fill_rest(self, number: str, order_id: int) -> None:
        """Fill what remains of a working order at its limit now (the test's hand on the
        exchange: e.g. the rest of a partial fill)."""
        with self._lock:
            order = self._order(number, order_id)
            if order.status not in WORKING:
                raise ValueError(f"order {order_id} is {order.status}, not working")
            now = self._clock()
            price = limit_or_natural(order, session_of(now))
            self._execute(self._accounts[number], order, order.remaining_units, price, now)

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
        """The flags `trading-status` reports for the first account (all False unless given).

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
        return [
            {"account": account_json(account), "authority-level": "owner"}
            for account in self._accounts.values()
        ]

    def account(self, number: str) -> dict[str, Any]:
        """`GET /customers/me/accounts/{n}`: the bare account object."""
        return account_json(self._checked(number))

    def balance(self, number: str, currency: str = "USD") -> dict[str, Any]:
        """The balance object of one account (only USD exists)."""
        with self._lock:
            return balance_json(self._checked(number), self._clock())

    def trading_status(self, number: str) -> dict[str, Any]:
        """`GET /accounts/{n}/trading-status`: the documented flags, as set by the test."""
        with self._lock:
            return trading_status_json(self._checked(number), self._clock())

    def positions(self, number: str) -> list[dict[str, Any]]:
        """Open positions (quantity unsigned plus `quantity-direction`)."""
        with self._lock:
            account = self._checked(number)
            today = session_of(self._clock())
            return [position_json(account, p, today) for p in account.positions.values()]

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
            data, errors = evaluate_order(account, order, session_of(self._clock()))
            if errors:
                raise preflight_failure(errors, data)
            return data

    def submit(self, number: str, body: Any) -> dict[str, Any]:
        """Accept an order (status `Routed`) or raise 422 `preflight_check_failure`."""
        with self._lock:
            account = self._checked(number)
            order = parse_order(body, account_number=account.number, behavior=self._fill_behavior)
            data, errors = evaluate_order(account, order, session_of(self._clock()))
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
            for account in self._accounts.values():
                self._work_account(account, now, today)

    def _work_account(self, account: SimAccount, now: datetime, today: date) -> None:
        for order in sorted(account.orders.values(), key=lambda o: o.id or 0):
            stale = order.received_at is not None and session_of(order.received_at) < today
            if order.status in WORKING and order.time_in_force == "Day" and stale:
                self._finish(order, "Expired", now)
            elif order.status == "Cancel Requested":
                order.cancelled_at = now
                self._finish(order, "Cancelled", now)
            elif order.status == "Routed":
                self._route(account, order, now)
            elif order.status == "Live" and order.behavior in RECHECKED:
                self._try_fill(account, order, now)
        self._settle_expired_options(account, now)

    def _route(self, account: SimAccount, order: SimOrder, now: datetime) -> None:
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
                self._execute(account, order, units, limit_or_natural(order, session_of(now)), now)
            return
        self._try_fill(account, order, now)
        if order.time_in_force == "IOC" and order.status == "Live":
            order.cancelled_at = now
            self._finish(order, "Cancelled", now)

    def _try_fill(self, account: SimAccount, order: SimOrder, now: datetime) -> None:
        price = fill_price(order, session_of(now))
        if price is not None:
            self._execute(account, order, order.remaining_units, price, now)

    def _execute(
        self, account: SimAccount, order: SimOrder, units: int, net_price: Decimal, now: datetime
    ) -> None:
        """Fill `units` spread units: fills, positions, cash and one transaction per leg."""
        today = session_of(now)
        prices = leg_prices(order, net_price, today)
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
            apply_fill(account, leg, quantity, price, now)
            account.cash += leg.signed(quantity) * -price * leg.multiplier - fees.total
            self._trade_transaction(order, leg, quantity, price, fees, now)
        order.updated_at = now
        if all(leg.remaining == 0 for leg in order.legs):
            self._finish(order, "Filled", now)

    def _settle_expired_options(self, account: SimAccount, now: datetime) -> None:
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
                account,
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

    # -- helpers ---------------------------------------------------------------------------

    def _checked(self, number: str) -> SimAccount:
        account = self._accounts.get(number)
        if account is None:
            raise not_found(f"account {number}")
        return account

    def _order(self, number: str, order_id: int) -> SimOrder:
        account = self._checked(number)
        order = account.orders.get(order_id)
        if order is None:
            raise not_found(f"order {order_id}")
        return order

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
            self._accounts[order.account_number],
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

    def _add_transaction(self, account: SimAccount, fields: dict[str, Any], now: datetime) -> None:
        row = {
            "id": self._next_transaction_id,
            "account-number": account.number,
            "currency": "USD",
            "created-at": iso_time(now),
            "executed-at": iso_time(now),
            "transaction-date": session_of(now).isoformat(),
            "is-estimated-fee": True,
        }
        row.update(fields)
        self._next_transaction_id += 1
        account.transactions.append(row)
