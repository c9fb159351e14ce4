"""The indexed closing rule plans exactly what the original full scan planned."""

from __future__ import annotations

import csv
import io

import pytest

from tests.support.tasty_history_factory import random_history
from tests.support.tastytrade_plan_reference import plan_import_by_scan
from utils.journal.importer import _tasty_book
from utils.journal.store import Journal
from utils.journal.tastytrade_book import JournalBook
from utils.journal.tastytrade_csv import parse_tasty_csv
from utils.journal.tastytrade_plan import plan_import
from utils.journal.trade import CloseReason, Mode, TradeStatus


def as_text(header: list[str], rows: list[list[str]]) -> str:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return stream.getvalue()


@pytest.mark.parametrize("seed", [1, 4, 5])
def test_a_generated_history_plans_the_same_as_the_full_scan(seed):
    header, rows = random_history(seed, 600)
    parsed = parse_tasty_csv(as_text(header, rows))
    assert parsed.errors == ()

    plan = plan_import(parsed, JournalBook(), mode=Mode.LIVE)

    assert plan == plan_import_by_scan(parsed, JournalBook(), mode=Mode.LIVE)
    reasons = {closing.close.close_reason for closing in plan.closings}
    assert {CloseReason.CLOSING_ORDER, CloseReason.ROLLED, CloseReason.EXPIRED} <= reasons
    assert CloseReason.ASSIGNED in reasons
    assert len(plan.openings) > 200 and plan.warnings and plan.notes


@pytest.mark.parametrize("seed", [2, 3])
def test_a_history_split_in_two_files_plans_the_same_on_a_journal_with_open_spreads(tmp_path, seed):
    header, rows = random_history(seed, 600)
    newest, oldest = rows[: len(rows) // 2], rows[len(rows) // 2 :]
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(as_text(header, oldest), encoding="utf-8")
    second.write_text(as_text(header, newest + oldest[:50]), encoding="utf-8")
    with Journal.open(tmp_path / "data") as journal:
        assert journal.import_tastytrade_csv(first, mode=Mode.LIVE).committed
        book = _tasty_book(journal.connect())
        assert book.open_spreads
        parsed = parse_tasty_csv(second.read_text("utf-8"))

        plan = plan_import(parsed, book, mode=Mode.LIVE)

        assert plan == plan_import_by_scan(parsed, book, mode=Mode.LIVE)
        assert 0 < plan.skipped_duplicates <= 50  # rows never journaled are not known
        report = journal.import_tastytrade_csv(second, mode=Mode.LIVE)
        assert report.committed
        closed = {t.uid for t in journal.list_trades() if t.status is TradeStatus.CLOSED}
        assert {closing.trade_uid for closing in plan.closings} <= closed
