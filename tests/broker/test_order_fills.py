"""A batch of an order's fills: whole units on every leg, each fill once, net per unit."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from utils.broker.order_fills import fill_key, new_fill_batch
from utils.tastytrade.orders import Order

READ_AT = datetime(2026, 3, 4, 16, 0, tzinfo=timezone.utc)
SHORT, LONG = "SPY   260417P00525000", "SPY   260417P00520000"


def order(short_fills, long_fills, quantity=2) -> Order:
    def leg(symbol, action, fills):
        return {
            "instrument-type": "Equity Option",
            "symbol": symbol,
            "quantity": quantity,
            "action": action,
            "fills": [
                {"fill-id": f"{symbol[-9:]}-{n}", "quantity": q, "fill-price": p, **extra}
                for n, (q, p, extra) in enumerate(fills)
            ],
        }

    return Order.model_validate(
        {
            "id": 7,
            "account-number": "5X",
            "time-in-force": "Day",
            "order-type": "Limit",
            "status": "Live",
            "legs": [
                leg(SHORT, "Sell to Open", short_fills),
                leg(LONG, "Buy to Open", long_fills),
            ],
        }
    )


AT = {"filled-at": "2026-03-04T15:00:00.000+00:00"}


def test_a_partial_fill_is_one_unit_at_its_net_credit():
    batch = new_fill_batch(order([(1, "2.10", AT)], [(1, "1.05", AT)]), frozenset(), READ_AT)
    assert batch.units == 1 and batch.net_per_unit == Decimal("1.05")
    assert [(f.symbol, f.quantity, f.value_cents) for f in batch.fills] == [
        (SHORT, -1, 21000),
        (LONG, 1, -10500),
    ]
    assert batch.filled_at == datetime(2026, 3, 4, 15, 0, tzinfo=timezone.utc)


def test_fills_already_journaled_are_not_taken_again():
    filled = order([(1, "2.10", AT), (1, "2.20", AT)], [(1, "1.05", AT), (1, "1.00", AT)])
    first = new_fill_batch(filled, frozenset(), READ_AT)
    assert first.units == 2
    known = frozenset({fill_key(7, f"{SHORT[-9:]}-0"), fill_key(7, f"{LONG[-9:]}-0")})
    rest = new_fill_batch(filled, known, READ_AT)
    assert rest.units == 1 and rest.net_per_unit == Decimal("1.20")
    assert new_fill_batch(filled, frozenset(f.fill_key for f in first.fills), READ_AT) is None


def test_legs_filled_unevenly_wait_for_the_rest():
    assert new_fill_batch(order([(1, "2.10", AT)], []), frozenset(), READ_AT) is None


def test_a_fill_without_its_time_is_dated_when_it_was_read():
    batch = new_fill_batch(order([(2, "2.10", {})], [(2, "1.05", {})]), frozenset(), READ_AT)
    assert batch.filled_at == READ_AT and all(f.executed_at == READ_AT for f in batch.fills)
