"""API transactions read as the CSV export's rows: the recorded sandbox transaction and its
export row give the same parsed row (kind, value, fees, key), so the two never double-count."""

from __future__ import annotations

from decimal import Decimal

from utils.journal.tastytrade_api_rows import rows_from_transactions
from utils.journal.tastytrade_csv import HEADER_21, RowKind, parse_tasty_csv
from utils.tastytrade.transactions import Transaction

# research tastytrade_api.md section 8.1: a real sandbox trade transaction, 2026-06
RECORDED = {
    "id": 1735820,
    "account-number": "5XX00000",
    "action": "Buy to Open",
    "clearing-fees": "0.1",
    "clearing-fees-effect": "Debit",
    "commission": "1.0",
    "commission-effect": "Debit",
    "created-at": "2026-06-05T13:30:02.910Z",
    "currency": "USD",
    "description": "Bought 1 SMCI 06/05/26 Call 45.00 @ 0.75",
    "executed-at": "2026-06-05T13:30:00.707Z",
    "instrument-type": "Equity Option",
    "net-value": "76.12",
    "net-value-effect": "Debit",
    "order-id": 1033431,
    "price": "0.75",
    "proprietary-index-option-fees": "0.0",
    "proprietary-index-option-fees-effect": "None",
    "quantity": "1.0",
    "regulatory-fees": "0.02",
    "regulatory-fees-effect": "Debit",
    "symbol": "SMCI  260605C00045000",
    "transaction-date": "2026-06-05",
    "transaction-sub-type": "Buy to Open",
    "transaction-type": "Trade",
    "underlying-symbol": "SMCI",
    "value": "75.0",
    "value-effect": "Debit",
}
DEPOSIT = {
    "id": 1729885,
    "account-number": "5XX00000",
    "executed-at": "2026-05-26T15:28:53.318Z",
    "transaction-date": "2026-05-26",
    "transaction-sub-type": "Deposit",
    "transaction-type": "Money Movement",
    "value": "100000.0",
    "value-effect": "Credit",
    "net-value": "100000.0",
    "net-value-effect": "Credit",
}
# the same fill as the web platform exports it (local time of a New York trader)
EXPORT_ROW = (
    "2026-06-05T09:30:00-0400,Trade,Buy to Open,BUY_TO_OPEN,SMCI  260605C00045000,"
    "Equity Option,Bought 1 SMCI 06/05/26 Call 45.00 @ 0.75,-75.00,1,-75.00,-1.00,-0.12,100,"
    "SMCI,SMCI,6/5/26,45,CALL,1033431,-76.12,USD"
)


def test_a_recorded_transaction_reads_as_its_export_row():
    api = rows_from_transactions([Transaction.model_validate(RECORDED)])
    csv = parse_tasty_csv(",".join(HEADER_21) + "\n" + EXPORT_ROW + "\n")

    (from_api,), (from_csv,) = api.rows, csv.rows
    assert from_api.key == from_csv.key
    assert from_api.kind is RowKind.OPTION_TRADE
    assert (from_api.value, from_api.fees) == (Decimal("-75.00"), Decimal("1.12"))
    assert from_api._replace(line=0) == from_csv._replace(line=0)


def test_money_movements_are_counted_not_journaled():
    parsed = rows_from_transactions([Transaction.model_validate(DEPOSIT)])
    assert parsed.rows == () and parsed.ignored_rows == 1 and parsed.errors == ()


def test_a_bad_transaction_is_named_by_id_and_field():
    bad = {**RECORDED, "symbol": "SMCI CALL"}
    parsed = rows_from_transactions([Transaction.model_validate(bad)])
    (issue,) = parsed.errors
    assert issue.field == "Symbol" and issue.message.startswith("transaction 1735820: ")


def test_rows_come_oldest_first_whatever_the_answers_order():
    later = {**RECORDED, "id": 1735821, "executed-at": "2026-06-05T14:00:00.000Z"}
    parsed = rows_from_transactions(
        [Transaction.model_validate(later), Transaction.model_validate(RECORDED)]
    )
    assert [r.executed_at.hour for r in parsed.rows] == [13, 14]
