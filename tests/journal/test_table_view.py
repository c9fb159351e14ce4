"""The journal table's view: filters, sort, one block of display rows, and the matching count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.journal_factory import journal_trades, new_trade
from utils.journal.store import Journal
from utils.journal.table_view import (
    PAGE_SIZE,
    TABLE_FIELDS,
    TableFilters,
    TableSort,
    table_page,
)

PNLS = [120, -380, 95, 110, 60, -200, 130, 0.5, 125, 90] * 2  # 20 closed trades


@pytest.fixture(scope="module")
def frame(tmp_path_factory):
    """20 closed SPY verticals (ids 1-20), an open QQQ iron condor (21) tagged "Earnings"."""
    journal = Journal.open(tmp_path_factory.mktemp("journal"))
    journal_trades(journal, PNLS, step=timedelta(days=1))
    condor = journal.open_trade(new_trade(structure="iron_condor", underlying="QQQ"))
    journal.add_tag(condor.id, "Earnings")
    journal.add_mistake(condor.id, "late entry")
    trades = journal.trades_frame()
    journal.close()
    return trades


def ids(page) -> list[int]:
    return [row["id"] for row in page.rows]


def test_first_page_is_the_newest_fifteen(frame):
    page = table_page(frame, TableFilters(), None)
    assert page.matching == 21
    assert ids(page) == list(range(21, 6, -1)) and len(page.rows) == PAGE_SIZE


def test_the_second_block_holds_the_rest(frame):
    page = table_page(frame, TableFilters(), None, PAGE_SIZE, 2 * PAGE_SIZE)
    assert ids(page) == [6, 5, 4, 3, 2, 1] and page.matching == 21


def test_a_display_row_has_the_table_columns_as_text_and_rounded_r(frame):
    page = table_page(frame, TableFilters(structure="iron_condor"), None)
    assert page.rows == [
        {
            "id": 21,
            "session": "2025-01-06",
            "structure": "iron_condor",
            "underlying": "QQQ",
            "quantity": 1,
            "mode": "SIM",
            "status": "open",
            "max_loss_usd": 500.0,
            "net_pnl_usd": None,
            "r_multiple": None,
            "close_reason": "",
            "tags": "Earnings",
            "mistakes": "late entry",
        }
    ]
    assert tuple(page.rows[0]) == TABLE_FIELDS


def test_closed_rows_show_pnl_and_r_to_two_places(frame):
    (row,) = table_page(frame, TableFilters(), None, 19, 20).rows
    assert (row["id"], row["net_pnl_usd"], row["r_multiple"]) == (2, -380.0, -0.76)


def test_sort_by_a_column_either_way(frame):
    ascending = table_page(frame, TableFilters(), TableSort(column="net_pnl_usd", ascending=True))
    descending = table_page(frame, TableFilters(), TableSort(column="net_pnl_usd", ascending=False))
    assert [row["net_pnl_usd"] for row in ascending.rows[:4]] == [-380.0, -380.0, -200.0, -200.0]
    assert [row["net_pnl_usd"] for row in descending.rows[:2]] == [130.0, 130.0]


def test_an_unknown_sort_column_falls_back_to_newest_first(frame):
    page = table_page(frame, TableFilters(), TableSort(column="uid", ascending=True))
    assert ids(page)[:3] == [21, 20, 19]


@pytest.mark.parametrize(
    ("filters", "matching"),
    [
        (TableFilters(underlying=" qqq "), 1),
        (TableFilters(underlying="IWM"), 0),
        (TableFilters(underlying="   "), 21),
        (TableFilters(structure="vertical"), 20),
        (TableFilters(tag="earnings"), 1),
        (TableFilters(session="2025-01-06"), 2),
        (TableFilters(structure="vertical", session="2025-01-06"), 1),
    ],
)
def test_filters(frame, filters, matching):
    assert table_page(frame, filters, None).matching == matching


def test_an_empty_journal_has_no_rows(tmp_path):
    journal = Journal.open(tmp_path)
    page = table_page(journal.trades_frame(), TableFilters(), None)
    journal.close()
    assert page.rows == [] and page.matching == 0
