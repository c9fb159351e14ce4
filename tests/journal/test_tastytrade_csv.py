"""tastytrade's transaction-history CSV: legs grouped into spreads, closes of every kind, safety."""

from __future__ import annotations

import csv
import gc
import io
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.bad_numbers import bad_number_texts

from utils.journal.store import Journal
from utils.journal.errors import JournalError
from utils.journal.risk import Structure
from utils.journal.trade import CloseReason, Mode, TradeStatus
from utils.journal.tastytrade_csv import HEADER_18, HEADER_20, HEADER_21, parse_tasty_csv

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "journal" / "tasty_history.csv"
UTC = timezone.utc

# uid -> (structure, underlying, net P&L, fees, close reason), worked from the fixture's rows.
EXPECTED_CLOSED = {
    # SPY 580/575 bull put: +310 -190 -150 +80 cash, fees 4 x 0.14 + 2 x 1.00
    "tastytrade-1001": ("vertical", "SPY", "47.44", "2.56", "closing_order"),
    # IWM iron condor for 1.30, all four legs expire: 130 - 4 x 1.14
    "tastytrade-2001": ("iron_condor", "IWM", "125.44", "4.56", "expired"),
    # SCHG 99/104 bear call for 2.50; 99 assigned (sell 100 @ 99), 104 exercised (buy @ 104)
    "tastytrade-3001": ("vertical", "SCHG", "-262.30", "12.30", "assigned"),
    # SPX 5900/5890 put spread for 4.00; 5900 cash-settled for -500, 5890 expires
    "tastytrade-9001": ("vertical", "SPX", "-103.32", "3.32", "assigned"),
    # QQQ 500/495 for 1.00, rolled for a 1.40 debit
    "tastytrade-5001": ("vertical", "QQQ", "-42.56", "2.56", "rolled"),
    # the rolled QQQ 490/485 for 1.20, closed for 0.20 after the March DST change
    "tastytrade-5002": ("vertical", "QQQ", "97.44", "2.56", "closing_order"),
}


@pytest.fixture
def journal(tmp_path):
    with Journal.open(tmp_path / "data") as opened:
        yield opened


def fixture_rows() -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(io.StringIO(FIXTURE.read_text("utf-8"), newline=""))
    header = next(reader)
    return header, list(reader)


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def by_uid(journal: Journal) -> dict:
    return {trade.uid: trade for trade in journal.list_trades()}


def assert_fixture_outcome(journal: Journal) -> None:
    trades = by_uid(journal)
    assert set(trades) == set(EXPECTED_CLOSED) | {"tastytrade-8001"}
    for uid, (structure, underlying, pnl, fees, reason) in EXPECTED_CLOSED.items():
        trade = trades[uid]
        assert trade.status is TradeStatus.CLOSED, uid
        assert trade.structure is Structure(structure), uid
        assert trade.underlying == underlying, uid
        assert trade.net_pnl_usd == Decimal(pnl), uid
        assert trade.fees_usd == Decimal(fees), uid
        assert trade.close_reason is CloseReason(reason), uid
        assert trade.mode is Mode.LIVE and trade.source == "tastytrade_csv"


def test_each_order_becomes_one_spread_and_every_kind_of_close_is_handled(journal):
    report = journal.import_tastytrade_csv(FIXTURE, mode=Mode.LIVE)
    assert report.committed and report.errors == ()
    assert (report.added, report.closed, report.ignored_rows) == (7, 6, 1)
    assert_fixture_outcome(journal)


def test_one_r_and_prices_come_from_the_legs(journal):
    journal.import_tastytrade_csv(FIXTURE, mode=Mode.LIVE)
    trades = by_uid(journal)
    spy = trades["tastytrade-1001"]
    assert (spy.entry_price, spy.entry_effect.value) == (Decimal("1.2"), "Credit")
    assert (spy.exit_price, spy.exit_effect.value) == (Decimal("0.7"), "Debit")
    assert spy.max_loss_usd == Decimal("380.00") and spy.max_profit_usd == Decimal("120.00")
    assert spy.open_fees_usd == Decimal("2.28")
    assert spy.broker_order_ids == ("1001", "1002")
    assert [leg.occ_symbol for leg in spy.legs] == [
        "SPY   250117P00580000",
        "SPY   250117P00575000",
    ]
    assert trades["tastytrade-2001"].max_loss_usd == Decimal("370.00")
    assert trades["tastytrade-9001"].legs[0].occ_symbol.startswith("SPXW")


def test_a_roll_links_the_new_spread_to_the_one_it_closed(journal):
    journal.import_tastytrade_csv(FIXTURE, mode=Mode.LIVE)
    trades = by_uid(journal)
    child, parent = trades["tastytrade-5002"], trades["tastytrade-5001"]
    assert child.parent_id == parent.id and child.parent_uid == parent.uid
    assert parent.closed_at == child.opened_at
    assert child.close_session == date(2025, 3, 10)  # 11:00 EDT, the day after DST began


def test_an_assignment_that_leaves_shares_keeps_the_spread_open_with_a_note(journal):
    report = journal.import_tastytrade_csv(FIXTURE, mode=Mode.LIVE)
    ford = by_uid(journal)["tastytrade-8001"]
    assert ford.status is TradeStatus.OPEN and ford.net_pnl_usd is None
    assert "+100 shares of F" in ford.notes[0].text
    assert any("tastytrade-8001" in w.message for w in report.warnings)


def test_a_single_option_is_reported_not_journaled(journal):
    report = journal.import_tastytrade_csv(FIXTURE, mode=Mode.LIVE)
    (warning,) = [w for w in report.warnings if "6001" in w.message]
    assert warning.line == 20 and "single leg is not a spread" in warning.message
    assert not any("AAPL" in t.underlying for t in journal.list_trades())
    assert not any("closes" in w.message for w in report.warnings)  # its close is expected


def test_an_order_with_legs_on_two_underlyings_refuses_the_file(journal, tmp_path):
    header, rows = fixture_rows()
    mixed = [list(row) for row in rows]
    row = mixed[30 - 2]  # line 30: order 1001's SPY 575P (line 29 is its 580P), now a QQQ 575P
    assert row[header.index("Symbol")] == "SPY   250117P00575000"
    row[header.index("Symbol")] = "QQQ   250117P00575000"
    row[header.index("Root Symbol")] = "QQQ"
    row[header.index("Underlying Symbol")] = "QQQ"
    path = write_rows(tmp_path / "mixed.csv", header, mixed)
    report = journal.import_tastytrade_csv(path, mode=Mode.LIVE)
    assert not report.committed and journal.list_trades() == []
    (error,) = [e for e in report.errors if "order 1001" in e.message]
    assert error.line == 29 and "order 1001 (line(s) 29, 30)" in error.message
    assert "legs span underlyings ['QQQ', 'SPY']" in error.message


def test_importing_the_same_export_twice_adds_nothing(journal):
    journal.import_tastytrade_csv(FIXTURE, mode=Mode.LIVE)
    before = journal.list_trades()
    again = journal.import_tastytrade_csv(FIXTURE, mode=Mode.LIVE)
    assert again.committed and (again.added, again.closed) == (0, 0)
    assert again.skipped_duplicates == 32
    assert journal.list_trades() == before


def test_a_later_export_closes_spreads_opened_by_an_earlier_one(journal, tmp_path):
    header, rows = fixture_rows()
    cutoff = datetime(2025, 1, 8, tzinfo=UTC)
    older = [r for r in rows if datetime.fromisoformat(r[0]) < cutoff]
    newer = [r for r in rows if datetime.fromisoformat(r[0]) >= cutoff]
    first = journal.import_tastytrade_csv(
        write_rows(tmp_path / "a.csv", header, older), mode="LIVE"
    )
    assert by_uid(journal)["tastytrade-1001"].status is TradeStatus.OPEN
    second = journal.import_tastytrade_csv(
        write_rows(tmp_path / "b.csv", header, newer), mode="LIVE"
    )
    assert first.committed and second.committed and second.closed == 5
    assert_fixture_outcome(journal)
    assert journal.import_tastytrade_csv(FIXTURE, mode=Mode.LIVE).added == 0


@pytest.mark.parametrize("header", [HEADER_20, HEADER_18], ids=["20-column", "18-column"])
def test_older_export_headers_give_the_same_spreads(journal, tmp_path, header):
    full_header, rows = fixture_rows()
    keep = [full_header.index(name) for name in header]
    path = write_rows(tmp_path / "old.csv", header, [[row[i] for i in keep] for row in rows])
    report = journal.import_tastytrade_csv(path, mode=Mode.LIVE)
    assert report.committed, report.errors
    assert_fixture_outcome(journal)


def test_the_legacy_tastyworks_export_is_refused_with_a_hint(journal, tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_text(
        "Date/Time,Transaction Code,Transaction Subcode,Symbol,Buy/Sell,Open/Close,Quantity,"
        "Expiration Date,Strike,Call/Put,Price,Fees,Amount,Description,Account Reference\r\n",
        encoding="utf-8",
    )
    report = journal.import_tastytrade_csv(path, mode=Mode.LIVE)
    assert not report.committed and "legacy tastyworks export" in report.errors[0].message


def test_a_header_with_missing_columns_names_them(journal, tmp_path):
    path = write_rows(tmp_path / "x.csv", [c for c in HEADER_21 if c != "Order #"], [])
    report = journal.import_tastytrade_csv(path, mode=Mode.LIVE)
    assert not report.committed and "missing column(s): Order #" in report.errors[0].message


def corrupt(rows: list[list[str]], line: int, column: str, value: str) -> list[list[str]]:
    copy = [list(row) for row in rows]
    copy[line - 2][HEADER_21.index(column)] = value
    return copy


@pytest.mark.parametrize(
    "column, value, fragment",
    [
        ("Date", "16/08/2024 15:57", "is not a date"),
        ("Value", "lots", "not a number"),
        ("Symbol", "SPY 450 PUT", "is not OSI"),
        ("Order #", "", "grouped by order"),
        ("Quantity", "1.5", "whole number"),
        ("Value", "80,00", "groups of three digits"),
        ("Value", "1_000.00", "underscores"),
        ("Fees", "(0.14)", "parentheses"),
        ("Quantity", "1e3", "exponent"),
        ("Commissions", "100.00", "fees are debits"),
        ("Fees", "0.14", "fees are debits"),
        ("Value", "1e400", "exponent"),
        ("Quantity", "9" * 40, "at most 12 digits"),
        ("Date", "0001-01-01T10:00:00-0500", "outside the years 1970 to 2999"),
        ("Date", "9999-12-31T23:00:00-0500", "outside the years 1970 to 2999"),
    ],
)
def test_a_bad_row_imports_nothing_and_names_line_and_column(
    journal, tmp_path, column, value, fragment
):
    header, rows = fixture_rows()
    path = write_rows(tmp_path / "bad.csv", header, corrupt(rows, 5, column, value))
    report = journal.import_tastytrade_csv(path, mode=Mode.LIVE)
    assert not report.committed and journal.list_trades() == []
    (issue,) = report.errors
    assert (issue.line, issue.field) == (5, column) and fragment in issue.message


def test_skip_bad_imports_the_rest_and_lists_the_bad_row(journal, tmp_path):
    header, rows = fixture_rows()
    path = write_rows(tmp_path / "bad.csv", header, corrupt(rows, 2, "Value", "n/a"))
    report = journal.import_tastytrade_csv(path, mode=Mode.LIVE, skip_bad=True)
    assert report.committed and report.skipped_bad == 2
    assert [(e.line, e.field) for e in report.errors] == [(2, "Value"), (3, None)]
    assert "skipped with its order 5003" in report.errors[1].message
    # line 2 was the QQQ close of 490P: the rolled spread stays open, with a warning
    assert by_uid(journal)["tastytrade-5002"].status is TradeStatus.OPEN
    assert by_uid(journal)["tastytrade-1001"].net_pnl_usd == Decimal("47.44")


def test_a_duplicated_row_is_refused_naming_both_lines(journal, tmp_path):
    header, rows = fixture_rows()
    path = write_rows(tmp_path / "dup.csv", header, rows[:3] + [rows[1]] + rows[3:])
    report = journal.import_tastytrade_csv(path, mode=Mode.LIVE)
    assert not report.committed
    (issue,) = report.errors
    assert issue.line == 5 and "duplicates line 3" in issue.message


def test_empty_non_utf8_and_oversized_files_are_refused(journal, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "empty" in journal.import_tastytrade_csv(empty, mode="LIVE").errors[0].message
    latin = tmp_path / "latin.csv"
    latin.write_bytes(FIXTURE.read_bytes().replace(b"Removal", b"R\xe9moval", 1))
    report = journal.import_tastytrade_csv(latin, mode="LIVE")
    assert not report.committed and "not UTF-8" in report.errors[0].message
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as stream:
        stream.write(FIXTURE.read_bytes())
        stream.truncate(50 * 1024 * 1024)
    report = journal.import_tastytrade_csv(huge, mode="LIVE")
    assert not report.committed and "over the 25 MB import limit" in report.errors[0].message
    assert journal.list_trades() == []


def vertical_rows(order: str, when: str, quantity: int, action_pair: tuple, prices: tuple):
    """Two legs of a SPY 450/445 put vertical as export rows."""
    rows = []
    for (action, strike), price in zip(action_pair, prices):
        sign = -1 if action.startswith("BUY") else 1
        value = Decimal(price) * 100 * quantity * sign
        rows.append(
            [
                when,
                "Trade",
                action.replace("_", " ").title().replace(" To ", " to "),
                action,
                f"SPY   250117P00{strike}000",
                "Equity Option",
                "",
                f"{value:.2f}",
                str(quantity),
                f"{value / quantity:.2f}",
                "--",
                "0.00",
                "100",
                "SPY",
                "SPY",
                "1/17/25",
                str(strike),
                "PUT",
                order,
                f"{value:.2f}",
                "USD",
            ]
        )
    return rows


def test_a_spread_closed_in_two_orders_across_two_files_closes_once_flat(journal, tmp_path):
    opening = vertical_rows(
        "1",
        "2025-01-06T10:00:00-0500",
        2,
        (("SELL_TO_OPEN", 450), ("BUY_TO_OPEN", 445)),
        ("3", "1"),
    )
    first_half = vertical_rows(
        "2",
        "2025-01-07T10:00:00-0500",
        1,
        (("BUY_TO_CLOSE", 450), ("SELL_TO_CLOSE", 445)),
        ("2", "1"),
    )
    second_half = vertical_rows(
        "3",
        "2025-01-08T10:00:00-0500",
        1,
        (("BUY_TO_CLOSE", 450), ("SELL_TO_CLOSE", 445)),
        ("1", "0.5"),
    )
    one = write_rows(tmp_path / "one.csv", HEADER_21, first_half + opening)
    two = write_rows(tmp_path / "two.csv", HEADER_21, second_half + first_half)
    assert journal.import_tastytrade_csv(one, mode="SANDBOX").added == 1
    (trade,) = journal.list_trades()
    assert trade.quantity == 2 and trade.status is TradeStatus.OPEN
    report = journal.import_tastytrade_csv(two, mode="SANDBOX")
    assert (report.closed, report.skipped_duplicates) == (1, 2)
    (trade,) = journal.list_trades()
    # opened for 2.00 x 2; closed 1 for 1.00 and 1 for 0.50: 400 - 100 - 50 = 250
    assert trade.net_pnl_usd == Decimal("250.00") and trade.mode is Mode.SANDBOX
    assert (trade.exit_price, trade.exit_effect.value) == (Decimal("0.75"), "Debit")
    assert trade.broker_order_ids == ("1", "2", "3")


def test_parser_takes_rows_oldest_first_and_counts_ignored_ones():
    parsed = parse_tasty_csv(FIXTURE.read_text("utf-8"))
    assert parsed.header == "21-column" and parsed.ignored_rows == 1
    times = [row.executed_at for row in parsed.rows]
    assert times == sorted(times)
    assert parsed.rows[0].executed_at == datetime(2024, 8, 16, 13, 57, 13, tzinfo=UTC)


def test_a_tastytrade_export_cannot_be_journaled_as_sim(journal):
    with pytest.raises(JournalError, match="LIVE or SANDBOX"):
        journal.import_tastytrade_csv(FIXTURE, mode=Mode.SIM)
    assert journal.list_trades() == []


TRADE_LINES = [number for number, row in enumerate(fixture_rows()[1], start=2) if row[1] == "Trade"]


@settings(max_examples=40)
@given(
    line=st.sampled_from(TRADE_LINES),
    column=st.sampled_from(["Value", "Quantity", "Commissions", "Fees"]),
    text=bad_number_texts(),
)
def test_any_bad_number_cell_is_one_named_error_and_nothing_imported(
    tmp_path_factory, line, column, text
):
    folder = tmp_path_factory.mktemp("bad")
    header, rows = fixture_rows()
    path = write_rows(folder / "bad.csv", header, corrupt(rows, line, column, text))
    with Journal.open(folder / "data") as journal:
        report = journal.import_tastytrade_csv(path, mode=Mode.LIVE)
        assert not report.committed and journal.list_trades() == []
    (issue,) = report.errors
    assert (issue.line, issue.field) == (line, column)
    assert issue.message.startswith(f"{text[:40]!r} is not a number: ")


@pytest.mark.parametrize("collecting", [True, False])
def test_an_import_leaves_the_garbage_collector_as_it_found_it(journal, tmp_path, collecting):
    header, rows = fixture_rows()
    bad = [[*rows[0][:7], "--", *rows[0][8:]], *rows[1:]]  # a Value of "--": refused
    was = gc.isenabled()
    (gc.enable if collecting else gc.disable)()
    try:
        refused = journal.import_tastytrade_csv(
            write_rows(tmp_path / "bad.csv", header, bad), mode=Mode.LIVE
        )
        assert gc.isenabled() is collecting
        imported = journal.import_tastytrade_csv(
            write_rows(tmp_path / "ok.csv", header, rows), mode=Mode.LIVE
        )
        assert gc.isenabled() is collecting
    finally:
        (gc.enable if was else gc.disable)()
    assert not refused.committed and imported.committed
