"""tastytrade's account transactions (`GET /accounts/{n}/transactions`) read as the rows of its
transaction-history CSV, so a sync from the broker and a CSV import are one assembly.

Each transaction becomes the cells the web platform's export would show for it (research
tastytrade_api.md sections 8.1 and 8.2) and is parsed by the CSV importer's own row parser: the
same kinds, the same checks and the same row key (UTC time to the second, order, symbol, sub
type, quantity, signed value to the cent). So a sync then a CSV import of the same history (or
the reverse) finds every fill already journaled. Value and fees are signed from their `-effect`
(a credit positive, fees as the negative costs the export shows); an option's multiplier is
100, as the export writes it. A bad transaction is an issue naming its id and field; the line
number of an API row is its position in the answer (1 = first transaction read).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from utils.journal.import_report import ImportIssue
from utils.journal.tastytrade_cells import RowError
from utils.journal.tastytrade_csv import OPTION_INSTRUMENTS, RowReader, TastyCsv, TastyRow
from utils.tastytrade.api_model import signed_amount
from utils.tastytrade.transactions import Transaction

API_HEADER = "api"
OPTION_MULTIPLIER = "100"


def _signed_text(amount: Decimal | None, effect: str | None) -> str:
    """`amount` signed by its effect, written with cents as the export writes money."""
    if amount is None:
        return "0.00"
    return f"{signed_amount(amount, effect or 'None'):.2f}"


def _fees_text(transaction: Transaction) -> str:
    """The export's Fees cell: clearing, regulatory and index-option fees as a signed amount."""
    total = Decimal(0)
    for amount, effect in (
        (transaction.clearing_fees, transaction.clearing_fees_effect),
        (transaction.regulatory_fees, transaction.regulatory_fees_effect),
        (
            transaction.proprietary_index_option_fees,
            transaction.proprietary_index_option_fees_effect,
        ),
    ):
        if amount is not None:
            total += signed_amount(amount, effect or "None")
    return f"{total:.2f}"


def transaction_cells(transaction: Transaction) -> dict[str, str]:
    """The CSV export's cells of one transaction (the columns the row parser reads)."""
    moment = transaction.executed_at.replace(microsecond=0)
    instrument = transaction.instrument_type or ""
    quantity = transaction.quantity
    return {
        "Date": moment.isoformat(),
        "Type": transaction.transaction_type,
        "Sub Type": transaction.transaction_sub_type or "",
        "Action": transaction.action or "",
        "Symbol": transaction.symbol or "",
        "Instrument Type": instrument,
        "Description": transaction.description or "",
        "Value": _signed_text(transaction.value, transaction.value_effect),
        "Quantity": "0" if quantity is None else format(quantity.normalize(), "f"),
        "Commissions": _signed_text(transaction.commission, transaction.commission_effect),
        "Fees": _fees_text(transaction),
        "Multiplier": OPTION_MULTIPLIER if instrument in OPTION_INSTRUMENTS else "",
        "Underlying Symbol": transaction.underlying_symbol or "",
        "Order #": "" if transaction.order_id is None else str(transaction.order_id),
    }


def rows_from_transactions(transactions: Iterable[Transaction]) -> TastyCsv:
    """The transactions as the CSV importer's parsed rows: relevant ones oldest first (by time,
    then id: the API lists newest first), bad ones as issues naming the transaction, the others
    counted as ignored."""
    rows: list[TastyRow] = []
    errors: list[ImportIssue] = []
    ignored = 0
    first_of: dict[str, int] = {}
    bad_orders: set[str] = set()
    read_row = RowReader()
    ordered = sorted(transactions, key=lambda t: (t.executed_at, t.id))
    for line, transaction in enumerate(ordered, start=1):
        try:
            row = read_row(line, transaction_cells(transaction))
        except RowError as error:
            errors.extend(
                ImportIssue(
                    line=line,
                    field=cell.column,
                    message=f"transaction {transaction.id}: {cell.message}",
                )
                for cell in error.errors
            )
            if error.order_text:
                bad_orders.add(error.order_text)
            continue
        if row is None:
            ignored += 1
            continue
        if row.key in first_of:
            message = (
                f"transaction {transaction.id} duplicates transaction {first_of[row.key]} "
                "(same time, order, symbol, value)"
            )
            errors.append(ImportIssue(line=line, field=None, message=message))
            continue
        first_of[row.key] = transaction.id
        rows.append(row)
    rows.sort(key=lambda r: (r.executed_at, r.line))
    return TastyCsv(header=API_HEADER, rows=tuple(rows), errors=tuple(errors), ignored_rows=ignored)


def order_ids_of(rows: Sequence[TastyRow]) -> frozenset[str]:
    """The broker order ids the rows belong to."""
    return frozenset(row.order_id for row in rows if row.order_id)
