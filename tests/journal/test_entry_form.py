"""The Journal card's typed close and manual entry, read into the journal's models."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from pydantic import ValidationError

from utils.core.sessions import NEW_YORK
from utils.journal.entry_form import close_from_form, new_york_time, opened_from_form
from utils.journal.trade import CloseReason, Mode
from utils.spreads.legs import PriceEffect
from utils.spreads.ticket import TicketError, build_ticket_spread

NOW = datetime(2025, 3, 3, 15, 0, tzinfo=timezone.utc)
SPREAD = build_ticket_spread(
    underlying="SPY",
    structure="bull_put",
    expiration="2025-04-17",
    strikes="520, 525",
    quantity=2,
    limit_price="1.00",
)


@pytest.mark.parametrize(("answer", "followed"), [("yes", True), ("no", False), ("", None)])
def test_close_from_the_form(answer, followed):
    close = close_from_form(
        exit_price="0.40",
        exit_effect="debit",
        fees="1.30",
        reason="stop_loss",
        followed=answer,
        now=NOW,
    )
    assert (close.closed_at, close.exit_price, close.exit_effect) == (
        NOW,
        Decimal("0.40"),
        PriceEffect.DEBIT,
    )
    assert close.close_fees_usd == Decimal("1.30") and close.close_reason is CloseReason.STOP_LOSS
    assert close.followed_plan is followed


def test_blank_closing_fees_are_zero_and_a_blank_price_names_the_field():
    close = close_from_form(
        exit_price="0.40",
        exit_effect="Debit",
        fees="",
        reason="closing_order",
        followed=None,
        now=NOW,
    )
    assert close.close_fees_usd == Decimal("0")
    with pytest.raises(TicketError, match="^exit price: enter an amount$"):
        close_from_form(
            exit_price=" ",
            exit_effect="Debit",
            fees="0",
            reason="closing_order",
            followed="",
            now=NOW,
        )


def test_an_unknown_close_reason_is_refused_by_the_model():
    with pytest.raises(ValidationError, match="close_reason"):
        close_from_form(
            exit_price="0.4", exit_effect="Debit", fees="0", reason="luck", followed="", now=NOW
        )


def test_times_are_typed_in_new_york():
    assert new_york_time("opened at", "2025-03-03T09:45") == datetime(
        2025, 3, 3, 9, 45, tzinfo=NEW_YORK
    )
    assert new_york_time("opened at", "") is None
    with pytest.raises(ValueError, match="^time exit: 'soon' is not a date and time$"):
        new_york_time("time exit", "soon")


def test_opened_from_the_form():
    trade = opened_from_form(
        SPREAD,
        opened_at="",
        mode="SIM",
        fees="2.60",
        profit_target="60",
        stop_loss="240",
        time_exit="2025-04-10T15:30",
        setup="  breakout ",
        now=NOW,
    )
    assert (trade.opened_at, trade.mode, trade.quantity) == (NOW, Mode.SIM, 2)
    assert (trade.open_fees_usd, trade.profit_target_usd, trade.stop_loss_usd) == (
        Decimal("2.60"),
        Decimal("60"),
        Decimal("240"),
    )
    assert trade.time_exit_at == datetime(2025, 4, 10, 15, 30, tzinfo=NEW_YORK)
    assert trade.setup == "breakout" and trade.max_loss_usd == Decimal("800.00")
