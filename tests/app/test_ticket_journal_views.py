"""Order ticket and Journal cards rendered without a browser: risk summary, odds estimate,
placement, import report, messages and the trades grid's answer to one page request."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from components.cards import journal, journal_table, ticket
from tests.app.dash_tree import find, text
from utils.broker.models import Placement, PlacementOutcome
from utils.journal.import_report import ImportIssue, ImportReport
from utils.journal.table_view import PAGE_SIZE, TableFilters
from utils.spreads.ticket import build_ticket_spread
from utils.spreads.ticket_odds import ODDS_FORMULA, OddsGap, OddsGapCode, estimate_ticket_odds

NOW = datetime(2025, 1, 22, 21, 0, tzinfo=timezone.utc)  # 30 days before 16:00 NY on Feb 21
BULL_PUT = build_ticket_spread(
    underlying="SPY",
    structure="bull_put",
    expiration="2025-02-21",
    strikes="520, 525",
    quantity=1,
    limit_price="1.00",
)


def test_summary_lists_legs_and_risk():
    shown = ticket.summary(BULL_PUT)
    assert text(shown) == (
        "Sell to Open 1 SPY 2025-02-21 525 P Buy to Open 1 SPY 2025-02-21 520 P "
        "Structure Bull put credit Max profit $100.00 Max loss (1R) $400.00 Breakevens $524.00 "
        "Buying power (before fees) $400.00 Defined risk yes"
    )


def test_odds_are_marked_as_estimates_with_the_formula_and_the_assumed_iv():
    shown = ticket.odds(
        estimate_ticket_odds(BULL_PUT, underlying_price="530", implied_volatility_pct="", now=NOW)
    )
    assert text(shown) == (
        "Probability of profit (estimate) 56.7 % Expected value (estimate) -$106.53 "
        "1-SD move by expiration (estimate) ±$30.39 "
        "Estimate, before fees: lognormal model, underlying $530.00, IV 20.0 % (assumed: no IV "
        "entered; the model's default), 30.0 days to expiration."
    )
    labels = shown.children[0].children.children
    assert [row.children[0].children.title for row in labels] == [ODDS_FORMULA] * 3


def test_odds_with_a_typed_iv_say_nothing_is_assumed():
    shown = ticket.odds(
        estimate_ticket_odds(BULL_PUT, underlying_price="530", implied_volatility_pct="18", now=NOW)
    )
    assert text(shown.children[1]) == (
        "Estimate, before fees: lognormal model, underlying $530.00, IV 18.0 %, "
        "30.0 days to expiration."
    )


def test_without_odds_the_ticket_says_why():
    gap = OddsGap(code=OddsGapCode.NO_UNDERLYING_PRICE, sentence="Enter the underlying's price.")
    assert text(ticket.odds(gap)) == "Enter the underlying's price."


@pytest.mark.parametrize(
    ("outcome", "color"),
    [
        (PlacementOutcome.FILLED, "success"),
        (PlacementOutcome.WORKING, "success"),
        (PlacementOutcome.REJECTED, "danger"),
        (PlacementOutcome.REFUSED, "danger"),
    ],
)
def test_placement_outcome_and_its_color(outcome, color):
    shown = ticket.show_placement(
        Placement(outcome=outcome, correlation_id="c1", message="What the broker said.")
    )
    assert shown.color == color
    assert text(find(shown, ticket.Ids.PLACEMENT)) == outcome.value.upper()


def test_import_report_for_a_refused_file_lists_its_errors():
    report = ImportReport(
        source="tastytrade_csv",
        file_name="history.csv",
        committed=False,
        errors=(ImportIssue(line=3, field="Date", message="'yesterday' is not a date"),),
    )
    shown = journal.import_report(report)
    assert shown[0].id == journal.Ids.IMPORT_REFUSED and shown[0].color == "danger"
    assert text(shown[0]) == "history.csv: nothing imported, 1 error(s)"
    assert shown[1].id == journal.Ids.IMPORT_ERRORS
    assert text(shown[1]) == "line 3 (Date): 'yesterday' is not a date"


def test_import_report_for_a_committed_file():
    report = ImportReport(
        source="journal_csv", file_name="journal.csv", committed=True, added=4, closed=1
    )
    shown = journal.import_report(report)
    assert shown[0].id == journal.Ids.IMPORT_OK and shown[0].color == "success"
    assert text(shown) == "journal.csv: 4 added, 1 closed, 0 already in the journal"


def test_action_and_import_messages_never_share_an_id():
    ids = {
        journal.action_message("done", ok=True).id,
        journal.action_message("refused", ok=False).id,
        journal.Ids.IMPORT_OK,
        journal.Ids.IMPORT_REFUSED,
    }
    assert len(ids) == 4


def test_selected_trade_id():
    assert journal.selected_trade_id([{"id": 7, "status": "open"}]) == 7
    with pytest.raises(ValueError, match="select a trade in the table first"):
        journal.selected_trade_id([])


def test_the_grid_answers_a_page_request_with_its_sort(seeded_ctx):
    frame = seeded_ctx.journal.trades_frame()
    request = {
        "startRow": PAGE_SIZE,
        "endRow": 2 * PAGE_SIZE,
        "sortModel": [{"colId": "net_pnl_usd", "sort": "desc"}],
    }
    answer, matching = journal_table.grid_response(request, TableFilters(), frame)
    assert answer["rowCount"] == matching == 30 and len(answer["rowData"]) == PAGE_SIZE
    assert [row["net_pnl_usd"] for row in answer["rowData"]][-3:] == ["-$380.00"] * 3
    assert [row["loss"] for row in answer["rowData"]][-3:] == [True] * 3
    newest, _ = journal_table.grid_response(
        {"startRow": 0, "endRow": PAGE_SIZE}, TableFilters(), frame
    )
    assert newest["rowData"][0]["id"] == 30


def test_the_grid_pages_on_the_server_and_selects_one_row():
    grid = journal_table.trades_grid()
    assert grid.id == journal.Ids.TABLE and grid.rowModelType == "infinite"
    assert grid.dashGridOptions["paginationPageSize"] == PAGE_SIZE
    assert grid.dashGridOptions["cacheBlockSize"] == PAGE_SIZE
    assert grid.dashGridOptions["rowSelection"]["mode"] == "singleRow"
    assert [column["field"] for column in grid.columnDefs][:3] == ["id", "session", "structure"]
