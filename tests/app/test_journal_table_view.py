"""The journal table and the selected trade without a browser: rows in words, an empty journal
that says what to do, the detail panel with notes and tags, close fields reset on selection,
and the note box cleared after saving."""

from __future__ import annotations

import re
from decimal import Decimal

from app_dash import create_app
from components.cards import journal_table
from components.cards.journal import Ids
from tests.app.dash_tree import find, text
from tests.app.test_journal_busy_view import _callback
from tests.support.journal_factory import new_trade
from utils.journal.table_view import PAGE_SIZE, TableFilters
from utils.journal.trade import CloseReason, TradeClose
from utils.spreads.legs import PriceEffect

FIRST_PAGE = {"startRow": 0, "endRow": PAGE_SIZE}


def test_rows_read_in_words_with_money_and_r_in_one_shape(seeded_ctx):
    answer, _ = journal_table.grid_response(
        FIRST_PAGE, TableFilters(), seeded_ctx.journal.trades_frame()
    )
    row = answer["rowData"][0]
    assert (row["structure"], row["status"], row["close_reason"]) == (
        "Vertical",
        "Closed",
        "Closing order",
    )
    assert row["max_loss_usd"] == "$500.00"
    shown = " ".join(str(value) for r in answer["rowData"] for value in r.values())
    assert "_" not in shown, "no internal value (closing_order, iron_condor) on the page"
    assert all(re.fullmatch(r"[-+]?\d+\.\d{2} R", r["r_multiple"]) for r in answer["rowData"])


def test_headers_carry_no_unit_the_values_already_have():
    headers = {c["field"]: c["headerName"] for c in journal_table.trades_grid().columnDefs}
    assert headers["max_loss_usd"] == "1R" and headers["net_pnl_usd"] == "Net P&L"
    assert headers["close_reason"] == "Closed by"


def test_an_empty_journal_says_what_to_do(empty_ctx):
    frame = empty_ctx.journal.trades_frame()
    _, matching = journal_table.grid_response(FIRST_PAGE, TableFilters(), frame)
    shown = journal_table.empty_message(matching, TableFilters(), len(frame))
    assert shown.id == journal_table.Ids.EMPTY
    assert "No trades yet" in text(shown) and "import a CSV" in text(shown)


def test_a_filter_that_matches_nothing_says_so(seeded_ctx):
    frame = seeded_ctx.journal.trades_frame()
    filters = TableFilters(underlying="QQQ")
    _, matching = journal_table.grid_response(FIRST_PAGE, filters, frame)
    assert text(journal_table.empty_message(matching, filters, len(frame))) == (
        journal_table.NO_MATCH
    )
    assert journal_table.empty_message(30, TableFilters(), 30) is None


def test_the_selected_trade_shows_its_plan_outcome_tags_and_notes(seeded_ctx):
    journal = seeded_ctx.journal
    journal.add_tag(3, "earnings")
    journal.add_mistake(3, "chased")
    journal.add_note(3, "took it early before the Fed")
    detail = journal_table.render_detail(journal.get_trade(3), seeded_ctx.settings)
    shown = " ".join(text(detail).split())
    assert shown.startswith("Trade 3: SPY vertical, 1 unit(s), SIM, closed")
    assert "Closed by: Closing order" in shown and "Net P&L: $95.00 (+0.19 R)" in shown
    assert "Tags: earnings" in shown and "Mistakes: chased" in shown
    assert "took it early before the Fed" in shown
    assert "Profit target: $250.00" in shown and "Stop loss: $500.00" in shown


def test_nothing_selected_says_how_to_select():
    assert text(journal_table.render_detail(None, None)) == journal_table.NOTHING_SELECTED


def test_selecting_a_trade_resets_the_close_fields(empty_ctx):
    journal = empty_ctx.journal
    credit = journal.open_trade(new_trade())
    reset = _callback(create_app(empty_ctx), "reset_close_fields")
    assert reset([{"id": credit.id}]) == ("", "Debit", "0", "closing_order", "")
    assert reset([]) == ("", "Debit", "0", "closing_order", "")
    bought = credit.model_copy(update={"entry_effect": PriceEffect.DEBIT})
    assert journal_table.close_defaults(bought)[1] == "Credit", "a debit is sold back for a credit"


def test_saving_a_note_clears_the_box_and_the_detail_shows_it(seeded_ctx, monkeypatch):
    app = create_app(seeded_ctx)
    review = _callback(app, "review")
    detail = _callback(app, "detail")
    monkeypatch.setattr(
        "components.cards.journal.callback_ctx",
        type("Triggered", (), {"triggered_id": Ids.NOTE_BUTTON})(),
    )
    message, version, box = review(None, None, 1, [{"id": 5}], " rolled too late ", 4)
    assert (message.id, version, box) == (Ids.ACTION_OK, 5, "")
    assert "rolled too late" in text(detail([{"id": 5}], version))
    refused, same, kept = review(None, None, 2, [], "keep me", 5)
    assert (refused.id, same, kept) == (Ids.ACTION_REFUSED, 5, "keep me")


def test_the_close_reason_choices_read_as_words(empty_ctx):
    from components.cards import journal

    card = journal.layout(empty_ctx)
    select = find(card, Ids.CLOSE_REASON)
    labels = {o["value"]: o["label"] for o in select.options}
    assert labels[CloseReason.CLOSING_ORDER.value] == "Closing order"
    assert labels[CloseReason.PROFIT_TARGET.value] == "Profit target"
    assert find(card, journal_table.Ids.DETAIL) is not None


def test_a_closed_trade_can_be_selected_after_a_close(empty_ctx):
    journal = empty_ctx.journal
    trade = journal.open_trade(new_trade())
    journal.close_trade(
        trade.id,
        TradeClose(
            closed_at=trade.opened_at,
            exit_price=Decimal("1.00"),
            exit_effect=PriceEffect.DEBIT,
        ),
    )
    shown = text(journal_table.render_detail(journal.get_trade(trade.id), empty_ctx.settings))
    assert "Net P&L: $400.00 (+0.80 R)" in " ".join(shown.split())
