"""Reading the journal back: trusted rows give the same trades as full validation, with the proof.

The read path (utils.journal.rows) builds models with `build_validated` and carries the journal's
defined-risk proof; these tests hold it to what validating every row again would give.
"""

from __future__ import annotations

import copy
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import BaseModel, ConfigDict, PrivateAttr, TypeAdapter, ValidationError

from tests.support.journal_factory import START, close_for_pnl, journal_trades, new_trade
from utils.journal.store import Journal
from utils.journal.risk import TradeLeg
from utils.journal.trade import CloseReason, Mode, Note, Trade, TradeClose
from utils.core.prevalidated import build_validated, field_names
from utils.spreads.legs import PriceEffect


@pytest.fixture
def journal(tmp_path):
    with Journal.open(tmp_path) as opened:
        yield opened


@pytest.fixture
def rich_journal(journal):
    """Every kind of stored fact: plans, tags, mistakes, notes, orders, rolls, closes, opens."""
    parent = journal_trades(journal, [-40, 25, 0])[0]
    condor = journal.open_trade(
        new_trade(
            opened_at=START + timedelta(days=5),
            structure="iron_condor",
            underlying="IWM",
            quantity=2,
            mode=Mode.LIVE,
            parent_id=parent.id,
            setup="  range day  ",
            profit_target_usd=Decimal("120.00"),
            stop_loss_usd=Decimal("300.00"),
            time_exit_at=START + timedelta(days=9),
            open_fees_usd=Decimal("4.16"),
            broker_order_ids=("A-1", "A-2"),
            tags=("high-iv", "earnings"),
        )
    )
    journal.add_mistake(condor.id, "sized up", at=START + timedelta(days=5, hours=1))
    journal.add_note(condor.id, "held through CPI", at=START + timedelta(days=6))
    journal.close_trade(
        condor.id,
        TradeClose(
            closed_at=START + timedelta(days=7),
            exit_price=Decimal("1.15"),
            exit_effect=PriceEffect.DEBIT,
            close_fees_usd=Decimal("4.16"),
            close_reason=CloseReason.PROFIT_TARGET,
            broker_order_ids=("A-3",),
            followed_plan=False,
        ),
    )
    journal.open_trade(new_trade(opened_at=START + timedelta(days=8), underlying="QQQ"))
    return journal


def test_loaded_trades_equal_a_full_validation_of_the_same_facts(rich_journal):
    trades = rich_journal.list_trades()
    assert len(trades) == 5 and trades[3].notes and trades[3].mistakes and trades[3].tags
    for trade in trades:
        assert Trade.model_validate(trade.model_dump()) == trade
        assert list(trade.__dict__) == list(Trade.model_fields)
        assert trade.model_fields_set == set(Trade.model_fields)
        assert all(list(leg.__dict__) == list(TradeLeg.model_fields) for leg in trade.legs)


def test_one_trade_reads_the_same_as_in_the_list(rich_journal):
    for trade in rich_journal.list_trades():
        assert rich_journal.get_trade(trade.id) == trade


def test_loaded_trades_carry_the_defined_risk_proof(rich_journal):
    trades = tuple(rich_journal.list_trades())
    assert all(trade.proved_defined_risk for trade in trades)
    again = TypeAdapter(tuple[Trade, ...]).validate_python(trades)
    assert all(after is before for after, before in zip(again, trades))


def test_a_copy_with_other_legs_loses_the_proof_and_is_proved_again(rich_journal):
    trade = rich_journal.list_trades()[0]
    assert trade.model_copy(update={"stop_loss_usd": None}).proved_defined_risk
    naked = trade.model_copy(update={"legs": trade.legs[:1]})
    assert not naked.proved_defined_risk

    class Holder(BaseModel):
        model_config = ConfigDict(frozen=True)
        trades: tuple[Trade, ...]

    with pytest.raises(ValidationError, match="not a defined-risk spread"):
        Holder(trades=(naked,))


def test_a_validated_trade_is_proved_and_a_bypassed_one_only_once_validated(rich_journal):
    assert new_trade().proved_defined_risk
    trade = rich_journal.list_trades()[1]
    bypassed = Trade.model_construct(**dict(trade))
    assert not bypassed.proved_defined_risk
    assert TypeAdapter(Trade).validate_python(bypassed).proved_defined_risk
    assert copy.deepcopy(trade).proved_defined_risk


def test_build_validated_is_model_construct_without_the_field_loop():
    fields = {
        "occ_symbol": "SPY   250207P00100000",
        "option_type": "P",
        "strike": Decimal("100"),
        "expiration": date(2025, 2, 7),
        "action": "Sell to Open",
        "quantity": 1,
    }
    built = build_validated(TradeLeg, dict(fields))
    constructed = TradeLeg.model_construct(**fields)
    assert built == constructed
    assert list(built.__dict__) == list(constructed.__dict__)
    assert built.model_fields_set == constructed.model_fields_set
    with pytest.raises(ValidationError, match="frozen"):
        built.quantity = 2


def test_a_shared_fields_set_is_copied_before_any_change():
    names = field_names(Note)
    first = build_validated(Note, {"at": START, "text": "a"}, names)
    second = build_validated(Note, {"at": START, "text": "b"}, names)
    changed = first.model_copy(update={"text": "c"})
    assert changed.text == "c" and second.text == "b"
    assert second.model_fields_set == names == {"at", "text"}
    assert changed.model_fields_set is not names


def test_private_defaults_are_each_instances_own():
    class Holder(BaseModel):
        model_config = ConfigDict(frozen=True)
        name: str
        _seen: list = PrivateAttr(default=[])
        _count: int = PrivateAttr(default=0)

    first = build_validated(Holder, {"name": "a"})
    second = build_validated(Holder, {"name": "b"})
    first._seen.append(1)
    first.__pydantic_private__["_count"] = 3
    assert second._seen == [] and second._count == 0
    assert first.__pydantic_private__ is not second.__pydantic_private__
    one, two = (build_validated(Trade, dict(t)) for t in (new_trade(), new_trade()))
    assert one.__pydantic_private__ is not two.__pydantic_private__


def test_journaled_sessions_are_the_sessions_frame_days(rich_journal):
    assert rich_journal.journaled_sessions() == list(rich_journal.sessions_frame()["session"])
    # Actions from Monday 6 to Tuesday 14 January 2025: the weekend's count for Monday 13.
    assert len(rich_journal.journaled_sessions()) == 5


def test_sessions_frame_lists_each_touched_trade_once_in_first_touch_order(journal):
    first = journal.open_trade(new_trade())
    second = journal.open_trade(new_trade(opened_at=START + timedelta(minutes=5)))
    journal.add_tag(first.id, "late", at=START + timedelta(minutes=10))
    journal.close_trade(second.id, close_for_pnl(second, 10, START + timedelta(minutes=20)))
    journal.add_note(first.id, "again", at=START + timedelta(minutes=30))
    sessions = journal.sessions_frame()
    assert sessions.loc[0, "trade_ids"] == (first.id, second.id)
    assert sessions.loc[0, "actions"] == 5
