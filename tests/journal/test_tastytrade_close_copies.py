"""A spread's close copied from a close of the same amounts validated earlier in the file plans
exactly what validating each close plans, and `updated_copy` is `model_copy(update=...)`."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.tasty_history_factory import random_history
from tests.support.tasty_shape_history import EXPIRIES, history_text, order_strategy
from utils.core.prevalidated import updated_copy
from utils.journal import tastytrade_plan
from utils.journal.tastytrade_book import JournalBook
from utils.journal.tastytrade_csv import parse_tasty_csv
from utils.journal.tastytrade_plan import CloseCopy, _Planner, _Spread, plan_import
from utils.journal.trade import CloseReason, Mode, NewTrade, TradeClose
from utils.journal.undefined_risk import FlaggedNewTrade
from utils.spreads.legs import PriceEffect

AT = datetime(2025, 2, 3, 15, 30, tzinfo=timezone.utc)
ORDER = (EXPIRIES[0], 500, 1, "1.00", "-1.00", True, 5)  # an order of `order_strategy` less shape


class ValidatingPlanner(_Planner):
    """The planner validating every close (no close copied)."""

    def close_of(self, spread: _Spread, at: datetime) -> TradeClose:
        """The close validated from the spread's amounts."""
        self.closes.clear()
        return super().close_of(spread, at)


def _plans(text: str):
    parsed = parse_tasty_csv(text)
    fast = plan_import(parsed, JournalBook(), mode=Mode.LIVE)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tastytrade_plan, "_Planner", ValidatingPlanner)
        literal = plan_import(parsed, JournalBook(), mode=Mode.LIVE)
    return fast, literal


def _assert_same_closes(fast, literal) -> None:
    assert fast == literal
    for mine, theirs in zip(fast.closings, literal.closings):
        assert list(mine.close.__dict__.items()) == list(theirs.close.__dict__.items())
        assert mine.close.model_fields_set == theirs.close.model_fields_set


@settings(deadline=None, max_examples=40)
@given(st.lists(order_strategy, min_size=1, max_size=40))
def test_closes_of_repeated_amounts_plan_as_validating_each_close(orders):
    fast, literal = _plans(history_text(orders))

    _assert_same_closes(fast, literal)


@pytest.mark.parametrize("seed", [1, 4])
def test_a_history_with_rolls_and_assignments_closes_as_validating_each_close(seed):
    header, rows = random_history(seed, 400)
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\r\n").writerows([header, *rows])

    fast, literal = _plans(stream.getvalue())

    assert len(fast.closings) > 100
    _assert_same_closes(fast, literal)


def test_a_close_of_the_same_amounts_takes_its_own_time_and_orders():
    planner = _Planner(mode=Mode.LIVE, book=JournalBook())
    spread = _Spread("u1", 100, 1, "SPY", AT, close_cents=-5000, close_fees_cents=114)
    spread.close_order_ids = ["7"]
    first = planner.close_of(spread, AT)
    spread.close_order_ids = ["8", "9"]

    later = planner.close_of(spread, AT + timedelta(days=1))

    assert isinstance(later, CloseCopy)  # the first close's amounts, not validated again
    assert later.close() == TradeClose(
        closed_at=AT + timedelta(days=1),
        exit_price=Decimal("0.5"),
        exit_effect=PriceEffect.DEBIT,
        close_fees_usd=Decimal("1.14"),
        close_reason=CloseReason.CLOSING_ORDER,
        broker_order_ids=("8", "9"),
    )
    assert first.broker_order_ids == ("7",) and first.closed_at == AT


@settings(deadline=None, max_examples=50)
@given(
    st.sampled_from([NewTrade, FlaggedNewTrade, TradeClose]),
    st.text(alphabet="abc-1", min_size=1, max_size=8),
    st.datetimes(timezones=st.just(timezone.utc)),
)
def test_an_updated_copy_is_the_model_copy(kind, text, moment):
    original = _instance(kind)
    update = (
        {"closed_at": moment, "broker_order_ids": (text,)}
        if kind is TradeClose
        else {"uid": text, "opened_at": moment, "broker_order_ids": (text,)}
    )

    copied = updated_copy(original, update)
    expected = original.model_copy(update=update)

    assert copied == expected and type(copied) is type(expected)
    assert list(copied.__dict__.items()) == list(expected.__dict__.items())
    assert copied.__pydantic_fields_set__ == expected.__pydantic_fields_set__
    assert copied.__pydantic_private__ == expected.__pydantic_private__
    assert copied.__pydantic_extra__ == expected.__pydantic_extra__
    assert original == _instance(kind)  # the original is unchanged


def _instance(kind):
    if kind is TradeClose:
        return TradeClose(
            closed_at=AT,
            exit_price=Decimal("1.25"),
            exit_effect=PriceEffect.CREDIT,
            close_fees_usd=Decimal("1.14"),
            broker_order_ids=("1",),
        )
    parsed = parse_tasty_csv(history_text([(2 if kind is FlaggedNewTrade else 0, *ORDER)]))
    (opening,) = plan_import(parsed, JournalBook(), mode=Mode.LIVE).openings
    assert type(opening.trade) is kind
    return opening.trade
