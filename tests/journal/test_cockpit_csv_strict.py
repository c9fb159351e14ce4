"""Finding 5 for the cockpit's journal CSV: any bad cell of any kind is named by line and column,
every one of them, and nothing is imported; the good rows only on the trader's choice."""

from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.journal.test_cockpit_csv import good_rows, write_csv
from utils.journal.store import Journal

BAD_CELLS = {
    "mode": ["PAPER", "live!"],
    "structure": ["strangle", "naked"],
    "quantity": ["0", "1.5", "-1", "1e3"],
    "multiplier": ["0", "x"],
    "legs": ["[", "{}", '[{"occ_symbol": "SPY"}]'],
    "opened_at": ["2025-13-01T10:00:00+00:00", "2025-01-06T10:00:00", "0001-01-01T00:00:00+00:00"],
    "entry_price": ["-1.00", "1_00", "abc"],
    "entry_effect": ["Both", "sideways"],
    "max_loss_usd": ["-5.00", "9" * 20],
    "open_fees_usd": ["-5.00", "(1.00)"],
    "closed_at": ["yesterday", "2025-01-06T10:00:00"],
    "exit_price": ["--", "1,0"],
    "exit_effect": ["Maybe"],
    "close_fees_usd": ["-0.14", "0.1.4"],
    "net_pnl_usd": ["1e2", "12345.67"],
    "followed_plan": ["perhaps", "2"],
    "notes": ["[1, 2]", "not json"],
}


@settings(max_examples=60)
@given(
    row=st.integers(min_value=0, max_value=2),
    column=st.sampled_from(sorted(BAD_CELLS)),
    pick=st.integers(min_value=0, max_value=5),
)
def test_any_bad_cell_is_a_named_error_for_that_cell_and_nothing_imported(
    tmp_path_factory, row, column, pick
):
    folder = tmp_path_factory.mktemp("bad")
    value = BAD_CELLS[column][pick % len(BAD_CELLS[column])]
    with Journal.open(folder / "source") as source, Journal.open(folder / "target") as target:
        rows = good_rows(source, folder)
        rows[row] = {**rows[row], column: value}
        report = target.import_journal_csv(write_csv(folder, rows))
        assert not report.committed and target.list_trades() == []
    assert (row + 2, column) in {(e.line, e.field) for e in report.errors}, report.errors


def test_every_bad_cell_of_every_row_is_named(tmp_path):
    with Journal.open(tmp_path / "s") as journal:
        rows = good_rows(journal, tmp_path)
    rows[0] = {**rows[0], "quantity": "1.5", "entry_effect": "Both", "open_fees_usd": "-1.00"}
    rows[2] = {**rows[2], "exit_price": "--"}
    with Journal.open(tmp_path / "t") as target:
        report = target.import_journal_csv(write_csv(tmp_path, rows))
        assert not report.committed and target.list_trades() == []
        named = {(e.line, e.field) for e in report.errors}
        assert {
            (2, "quantity"),
            (2, "entry_effect"),
            (2, "open_fees_usd"),
            (4, "exit_price"),
        } <= named
        good = target.import_journal_csv(write_csv(tmp_path, rows), skip_bad=True)
        assert good.committed and good.added == 1 and good.skipped_bad == 2
    with sqlite3.connect(target.path) as conn:
        lines = {line for (line,) in conn.execute("SELECT line FROM import_skips")}
    assert lines == {2, 4}, "the import record lists what was skipped"


@settings(max_examples=15)
@given(pnls=st.lists(st.integers(min_value=-300, max_value=300), min_size=1, max_size=8))
def test_round_trip_export_import_export_is_identical(tmp_path_factory, pnls):
    from tests.support.journal_factory import journal_trades

    folder = tmp_path_factory.mktemp("trip")
    with Journal.open(folder / "a") as source, Journal.open(folder / "b") as target:
        journal_trades(source, pnls)
        first = folder / "first.csv"
        source.export_journal_csv(first)
        assert target.import_journal_csv(first).added == len(pnls)
        second = folder / "second.csv"
        target.export_journal_csv(second)
    assert second.read_bytes() == first.read_bytes()
