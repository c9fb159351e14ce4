"""An order of an opening shape proved earlier in the file plans exactly what validating it
plans (`utils.journal.tastytrade_shapes` against the literal planner in tests/support)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.tasty_shape_history import EXPIRIES, history_text, order_strategy
from tests.support.tastytrade_plan_reference import plan_import_by_scan
from utils.journal.tastytrade_book import JournalBook
from utils.journal.tastytrade_csv import parse_tasty_csv
from utils.journal.tastytrade_plan import plan_import
from utils.journal.trade import Mode


@settings(deadline=None, max_examples=60)
@given(st.lists(order_strategy, min_size=1, max_size=40))
def test_orders_of_a_proven_shape_plan_as_validating_each_one_plans(orders):
    parsed = parse_tasty_csv(history_text(orders))
    assert parsed.errors == ()

    plan = plan_import(parsed, JournalBook(), mode=Mode.LIVE)

    assert plan == plan_import_by_scan(parsed, JournalBook(), mode=Mode.LIVE)
    for opening in plan.openings:  # each trade carries the proof of its own facts, or its flag
        trade = opening.trade
        assert trade.proved_defined_risk != (opening.risk_flag is not None)


def test_repeated_orders_of_one_shape_each_journal_their_own_uid_time_and_order():
    orders = [(0, EXPIRIES[0], 500, 1, "1.00", "-1.00", True, 5)] * 3
    parsed = parse_tasty_csv(history_text(orders))

    plan = plan_import(parsed, JournalBook(), mode=Mode.LIVE)

    assert plan == plan_import_by_scan(parsed, JournalBook(), mode=Mode.LIVE)
    trades = [opening.trade for opening in plan.openings]
    assert [t.uid for t in trades] == ["tastytrade-5001", "tastytrade-5002", "tastytrade-5003"]
    assert [t.broker_order_ids for t in trades] == [("5001",), ("5002",), ("5003",)]
    assert len({t.opened_at for t in trades}) == 3
    assert all(t.proved_defined_risk for t in trades)
    assert len(plan.closings) == 3
