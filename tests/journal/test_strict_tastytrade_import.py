"""Finding 5: the tastytrade import names every bad cell and merges nothing silently."""

from __future__ import annotations

import csv
import sqlite3
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.tasty_rows import NAKED_AT, leg_row, spread_history
from utils.journal.store import Journal
from utils.journal.tastytrade_csv import HEADER_21
from utils.journal.trade import Mode

COLUMN = {name: index for index, name in enumerate(HEADER_21)}


def write(path, rows, header=HEADER_21):
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def history(spreads: int = 3) -> list[list[str]]:
    return spread_history(spreads)[1]


def with_cell(rows, line, column, value):
    copy = [list(row) for row in rows]
    copy[line - 2][COLUMN[column]] = value
    return copy


@pytest.fixture
def journal(tmp_path):
    with Journal.open(tmp_path / "data") as opened:
        yield opened


def refused(journal, path):
    report = journal.import_tastytrade_csv(path, mode=Mode.LIVE)
    assert not report.committed and journal.list_trades() == []
    return report


def only_issue(report):
    (issue,) = report.errors
    return issue


def test_a_formula_looking_order_number_is_a_named_error_not_a_silent_drop(journal, tmp_path):
    rows = with_cell(history(), 3, "Order #", "=1+1")
    issue = only_issue(refused(journal, write(tmp_path / "f.csv", rows)))
    assert (issue.line, issue.field) == (3, "Order #") and "'=1+1'" in issue.message


def test_every_bad_cell_of_a_row_is_named_not_only_the_first(journal, tmp_path):
    rows = with_cell(history(), 4, "Value", "80,00")
    rows = with_cell(rows, 4, "Quantity", "1.5")
    rows = with_cell(rows, 4, "Fees", "0.14")
    rows = with_cell(rows, 6, "Symbol", "SPY 450 PUT")
    report = refused(journal, write(tmp_path / "b.csv", rows))
    assert [(e.line, e.field) for e in report.errors] == [
        (4, "Quantity"),
        (4, "Value"),
        (4, "Fees"),
        (6, "Symbol"),
    ]


def test_one_order_number_on_two_days_is_refused_not_merged(journal, tmp_path):
    rows = history()
    # the second spread's opening order reuses the first's number, a day later
    first_open = rows[-1][COLUMN["Order #"]]
    later = [list(row) for row in rows]
    for row in later:
        if row[COLUMN["Order #"]] == str(int(first_open) + 2):
            row[COLUMN["Order #"]] = first_open
    report = refused(journal, write(tmp_path / "d.csv", later))
    assert any(
        e.field == "Order #" and "on another day" in e.message and first_open in e.message
        for e in report.errors
    )


def test_an_unknown_receive_deliver_on_a_held_leg_is_refused(journal, tmp_path):
    opening = [
        leg_row(NAKED_AT, "SELL_TO_OPEN", 520, Decimal("310.00"), 50),
        leg_row(NAKED_AT, "BUY_TO_OPEN", 515, Decimal("-190.00"), 50),
    ]
    event = leg_row(NAKED_AT + timedelta(days=1), "SELL_TO_OPEN", 520, Decimal("0.00"), 51)
    event[COLUMN["Type"]], event[COLUMN["Sub Type"]] = "Receive Deliver", "Symbol Change"
    event[COLUMN["Action"]] = event[COLUMN["Order #"]] = ""
    issue = only_issue(refused(journal, write(tmp_path / "u.csv", [event, *opening])))
    assert (issue.line, issue.field) == (2, "Sub Type") and "'Symbol Change'" in issue.message


def test_an_unknown_receive_deliver_on_a_leg_not_held_is_only_counted(journal, tmp_path):
    event = leg_row(NAKED_AT, "SELL_TO_OPEN", 600, Decimal("0.00"), 51)
    event[COLUMN["Type"]], event[COLUMN["Sub Type"]] = "Receive Deliver", "Symbol Change"
    event[COLUMN["Action"]] = event[COLUMN["Order #"]] = ""
    report = journal.import_tastytrade_csv(write(tmp_path / "n.csv", [event]), mode=Mode.LIVE)
    assert report.committed and report.ignored_rows == 1


@pytest.mark.parametrize(
    "column, value, fragment",
    [
        ("Value", "-310.00", "contradicts Sell to Open"),
        ("Value", "--", "never guessed as $0"),
        ("Value", "320.00", "Quantity x Average Price"),
        ("Date", "1970-01-02T10:00:00-0500", "more than 4 years before"),
        ("Date", "2025-06-23T10:00:00-0400", "after it expired"),
    ],
)
def test_a_silently_merged_value_is_a_named_error(journal, tmp_path, column, value, fragment):
    rows = history()
    line = len(rows) + 1  # the oldest row: the first spread's short leg, SELL_TO_OPEN 310.00
    assert rows[line - 2][COLUMN["Action"]] == "SELL_TO_OPEN"
    issue = only_issue(
        refused(journal, write(tmp_path / "v.csv", with_cell(rows, line, column, value)))
    )
    assert (issue.line, issue.field) == (line, column) and fragment in issue.message


def test_import_the_good_orders_skips_a_bad_order_whole_and_records_it(journal, tmp_path):
    rows = history(3)
    line = len(rows) + 1  # the short leg of the first spread's opening order
    path = write(tmp_path / "g.csv", with_cell(rows, line, "Value", "--"))
    refused(journal, path)
    report = journal.import_tastytrade_csv(path, mode=Mode.LIVE, skip_bad=True)
    assert report.committed and report.added == 2  # the bad order's long leg is not a trade
    assert [(e.line, e.field) for e in report.errors] == [(line, "Value"), (line - 1, None)]
    assert "its order 10000, which has a bad row" in report.errors[1].message
    assert "2 row(s) skipped" in report.summary()
    assert {t.uid for t in journal.list_trades()} == {"tastytrade-10002", "tastytrade-10004"}
    with sqlite3.connect(journal.path) as conn:
        skips = conn.execute("SELECT line, field, message FROM import_skips").fetchall()
    assert skips == [(e.line, e.field, e.message) for e in report.errors]


CORRUPTIONS = {
    "Order #": ["=1+1", "+SUM(A1)", "@cmd", "1 2", "x" * 41],
    "Value": ["--", "-310.00", "1,0", "lots"],
    "Date": ["1970-01-02T10:00:00-0500", "yesterday", "2025-01-06T10:00:00"],
    "Action": ["SELL_SOMETHING"],
    "Symbol": ["SPY 520 PUT", "SPY"],
    "Quantity": ["0", "-1", "1.5"],
    "Average Price": ["3.10", "abc"],
    "Commissions": ["1.00", "(1.00)"],
}


@settings(max_examples=60)
@given(
    spread=st.integers(min_value=0, max_value=2),
    column=st.sampled_from(sorted(CORRUPTIONS)),
    pick=st.integers(min_value=0, max_value=10),
)
def test_any_bad_cell_is_a_named_error_for_that_cell_and_nothing_imported(
    tmp_path_factory, spread, column, pick
):
    folder = tmp_path_factory.mktemp("bad")
    rows = history(3)
    line = len(rows) + 1 - 4 * spread  # the short opening leg of spread `spread`
    value = CORRUPTIONS[column][pick % len(CORRUPTIONS[column])]
    with Journal.open(folder / "data") as journal:
        report = journal.import_tastytrade_csv(
            write(folder / "bad.csv", with_cell(rows, line, column, value)), mode=Mode.LIVE
        )
        assert not report.committed and journal.list_trades() == []
    where = {(e.line, e.field) for e in report.errors}
    named = column if column not in ("Average Price",) else "Value"
    assert (line, named) in where or (line, column) in where


@settings(max_examples=25)
@given(
    credits=st.lists(
        st.tuples(st.integers(min_value=101, max_value=499), st.integers(min_value=1, max_value=3)),
        min_size=1,
        max_size=6,
    )
)
def test_round_trip_every_generated_spread_is_journaled_with_its_price(tmp_path_factory, credits):
    folder = tmp_path_factory.mktemp("trip")
    rows = []
    for index, (credit_cents, quantity) in enumerate(credits):
        at = NAKED_AT + timedelta(days=index)
        short = Decimal(credit_cents + 100) * quantity
        rows += [
            leg_row(at, "SELL_TO_OPEN", 520, short, 100 + index, quantity=quantity),
            leg_row(
                at, "BUY_TO_OPEN", 515, Decimal(-100 * quantity), 100 + index, quantity=quantity
            ),
        ]
    with Journal.open(folder / "data") as journal:
        report = journal.import_tastytrade_csv(
            write(folder / "trip.csv", list(reversed(rows))), mode=Mode.LIVE
        )
        assert report.committed and report.errors == () and report.added == len(credits)
        trades = {t.uid: t for t in journal.list_trades()}
    for index, (credit_cents, quantity) in enumerate(credits):
        trade = trades[f"tastytrade-{100 + index}"]
        assert trade.quantity == quantity
        assert trade.entry_price == Decimal(credit_cents) / 100
        assert trade.max_loss_usd == (500 - Decimal(credit_cents)) * quantity
