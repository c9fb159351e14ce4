"""An export imported again after overlapping ones: rows an earlier import ignored (a close of a
contract no journaled spread held then) come back as new rows, and must never close a spread
that opened after them (the journal refuses a close before its open)."""

from __future__ import annotations

import csv
from contextlib import closing
from pathlib import Path

import pytest

from tests.support.tasty_history_factory import random_history
from utils.journal.store import Journal
from utils.journal.trade import Mode

JOURNALED = "SELECT uid, opened_at, closed_at, net_pnl_cents FROM trades ORDER BY uid"
FILLS = "SELECT fill_key, trade_id, quantity, value_cents FROM trade_fills ORDER BY fill_key"


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="") as stream:
        csv.writer(stream).writerows([header, *rows])
    return path


def _state(journal: Journal) -> tuple[list[tuple], list[tuple]]:
    with closing(journal.connect()) as conn:
        return conn.execute(JOURNALED).fetchall(), conn.execute(FILLS).fetchall()


@pytest.mark.parametrize("seed", [11, 12])
def test_a_whole_history_imported_after_its_halves_changes_nothing(tmp_path, seed):
    header, rows = random_history(seed, 1500)  # newest first
    middle = len(rows) // 2
    older = _write(tmp_path / "older.csv", header, rows[middle:])
    newer = _write(tmp_path / "newer.csv", header, rows[:middle] + rows[middle : middle + 100])
    whole = _write(tmp_path / "whole.csv", header, rows)
    folder = tmp_path / "data"
    with Journal.open(folder) as journal:
        for path in (older, newer):
            assert journal.import_tastytrade_csv(path, mode=Mode.SANDBOX).committed
        before = _state(journal)

        again = journal.import_tastytrade_csv(whole, mode=Mode.SANDBOX)
        after = _state(journal)

    assert again.committed and again.added == 0 and again.closed == 0
    assert any("no journaled spread holds it" in warning.message for warning in again.warnings)
    assert after == before
    assert len(before[0]) > 300
