"""An account's transactions written as tastytrade's web platform exports them (research
tastytrade_api.md section 8.2): the 21-column header, newest first, dates in the trader's own
offset without a colon, signed Value, negative Commissions and Fees (`--` for none), upper snake
case actions, `M/D/YY` expirations and strikes without trailing zeros.

Written independently of `utils.journal.tastytrade_api_rows`, so a test comparing a sync with a
CSV import of the same history compares two readings, not one code path with itself.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta, timezone
from decimal import Decimal

from utils.journal.tastytrade_csv import HEADER_21
from utils.spreads.symbols import parse_occ
from utils.tastytrade.transactions import Transaction

NEW_YORK_WINTER = timezone(timedelta(hours=-5))


def _signed(amount: Decimal | None, effect: str | None) -> Decimal:
    if amount is None:
        return Decimal(0)
    return amount if effect == "Credit" else -amount if effect == "Debit" else Decimal(0)


def _cost(amount: Decimal) -> str:
    return "--" if amount == 0 else f"{amount:.2f}"


def export_row(t: Transaction) -> list[str]:
    """One transaction as a 21-column export row."""
    value = _signed(t.value, t.value_effect)
    commission = _signed(t.commission, t.commission_effect)
    fees = _signed(t.clearing_fees, t.clearing_fees_effect) + _signed(
        t.regulatory_fees, t.regulatory_fees_effect
    )
    quantity = int(t.quantity or 0)
    option = parse_occ(t.symbol) if t.instrument_type == "Equity Option" and t.symbol else None
    local = t.executed_at.astimezone(NEW_YORK_WINTER)
    return [
        local.strftime("%Y-%m-%dT%H:%M:%S%z"),
        t.transaction_type,
        t.transaction_sub_type or "",
        (t.action or "").upper().replace(" ", "_"),
        t.symbol or "",
        t.instrument_type or "",
        t.description or "",
        f"{value:,.2f}",
        str(quantity),
        f"{value / quantity:.2f}" if quantity else "0.00",
        _cost(commission),
        f"{fees:.2f}",
        "100" if option else "",
        option.root if option else "",
        t.underlying_symbol or "",
        (
            f"{option.expiration.month}/{option.expiration.day}/{option.expiration:%y}"
            if option
            else ""
        ),
        format(option.strike.normalize(), "f") if option else "",
        ("PUT" if option.option_type == "P" else "CALL") if option else "",
        "" if t.order_id is None else str(t.order_id),
        f"{value + commission + fees:.2f}",
        "USD",
    ]


def export_csv(transactions: list[Transaction]) -> str:
    """The export file's text: header, then the transactions newest first."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(HEADER_21)
    for t in sorted(transactions, key=lambda t: t.id, reverse=True):
        writer.writerow(export_row(t))
    return stream.getvalue()
