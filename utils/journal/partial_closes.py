"""Closing part of a spread's units: the trade stays open (its opening facts never change) until
its last unit closes; then it closes once, at the quantity-weighted exit of every part:

    exit (signed, per share) = sum(units_i x signed exit_i) / quantity
    fees = opening fees + every part's closing fees

so its net P&L is the sum of the cash of every part, by the journal's one formula. Each part is
kept (append-only) with a note on the trade saying what was closed.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal

from utils.core.money import from_cents, to_cents
from utils.journal import writes
from utils.journal.errors import JournalError
from utils.journal.trade import Note, TradeClose, signed_price
from utils.spreads.legs import PriceEffect

EXIT_PLACES = Decimal("1e-10")  # a weighted exit to 10 places: P&L exact to far below a cent


def units_closed(conn: sqlite3.Connection, trade_id: int) -> int:
    """Units of the trade closed by partial closes so far."""
    row = conn.execute(
        "SELECT COALESCE(SUM(quantity), 0) FROM trade_partial_closes WHERE trade_id = ?",
        (trade_id,),
    ).fetchone()
    return int(row[0])


def open_units(conn: sqlite3.Connection, trade_id: int) -> int:
    """Units of the trade still open (0 once it is closed)."""
    row = writes.require_trade(conn, trade_id)
    if row["closed_at"] is not None:
        return 0
    return int(row["quantity"]) - units_closed(conn, trade_id)


def close_units(
    conn: sqlite3.Connection, trade_id: int, quantity: int | None, close: TradeClose, at
) -> None:
    """Close `quantity` units (all open ones when None) at `close`'s price and fees."""
    left = open_units(conn, trade_id)
    if left == 0:
        raise JournalError(f"trade {trade_id} is already closed")
    units = left if quantity is None else quantity
    if not 1 <= units <= left:
        raise JournalError(f"trade {trade_id}: cannot close {units} unit(s), {left} open")
    if units < left:
        _insert_part(conn, trade_id, units, close, at)
        return
    writes.close_trade(conn, trade_id, _whole_close(conn, trade_id, units, close))


def _insert_part(
    conn: sqlite3.Connection, trade_id: int, units: int, close: TradeClose, at
) -> None:
    conn.execute(
        "INSERT INTO trade_partial_closes (trade_id, quantity, closed_at, exit_price, "
        "exit_effect, fees_cents, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            trade_id,
            units,
            writes.stamp(close.closed_at),
            str(close.exit_price),
            close.exit_effect.value,
            to_cents(close.close_fees_usd),
            writes.stamp(at),
        ),
    )
    writes.add_order_ids(conn, trade_id, close.broker_order_ids, "close")
    text = (
        f"Partial close: {units} unit(s) at {close.exit_price} "
        f"{close.exit_effect.value.lower()}, fees {close.close_fees_usd}"
        + (f", order {', '.join(close.broker_order_ids)}" if close.broker_order_ids else "")
        + "."
    )
    writes.insert_note(conn, trade_id, Note(at=close.closed_at, text=text))


def _whole_close(
    conn: sqlite3.Connection, trade_id: int, last_units: int, last: TradeClose
) -> TradeClose:
    """The trade's one close: the weighted exit and the summed fees of every part."""
    parts = conn.execute(
        "SELECT quantity, exit_price, exit_effect, fees_cents FROM trade_partial_closes "
        "WHERE trade_id = ? ORDER BY id",
        (trade_id,),
    ).fetchall()
    if not parts:
        return last
    quantity = last_units + sum(int(units) for units, *_ in parts)
    cash = last_units * signed_price(last.exit_price, last.exit_effect)
    fees = last.close_fees_usd
    for units, price, effect, fees_cents in parts:
        cash += int(units) * signed_price(Decimal(price), PriceEffect(effect))
        fees += from_cents(fees_cents)
    exit_signed = Decimal(format((cash / quantity).quantize(EXIT_PLACES).normalize(), "f"))
    return last.model_copy(
        update={
            "exit_price": abs(exit_signed),
            "exit_effect": PriceEffect.CREDIT if exit_signed > 0 else PriceEffect.DEBIT,
            "close_fees_usd": fees,
        }
    )
