"""The closing ticket over real HTTP against the simulated brokers: prefilled at the mid of the
position's broker's quotes, a partial close keeps the rest open, the last units close the trade
at the weighted exit, and the ticket still closes during a halt; a "close" that would open
anything (more than held, a leg not held) is refused before anything reaches `/orders`."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.broker.test_close_route import LIVE_ORDERS, close_through
from tests.support.broker_support import LIVE_ACCOUNT, GuardRig, order_posts
from utils.broker.close_ticket import CloseTicketError, close_intent
from utils.broker.closing_desk import open_spreads, prepare_close, preview_close
from utils.broker.models import GuardCode, PlacementOutcome, PreviewOutcome
from utils.broker.order_intent import OpenPosition, OrderIntent
from utils.core.money import round_to_cent
from utils.journal.trade import CloseReason, Mode, NewTrade, TradeStatus
from utils.judge.gates import GateCode
from utils.judge.mode import BrokerTarget
from utils.judge.ramp import RampStage
from utils.records.alerts import AlertRule
from utils.sim import market
from utils.sim.orders import FillBehavior
from utils.spreads.closing import BidAsk, closing_price, net_mid_per_unit
from utils.spreads.legs import Leg, PositionEffect, PriceEffect
from utils.spreads.spread import Spread


@pytest.fixture
def live_rig(tmp_path):
    """USE_LIVE=true, ALWAYS_DRY_RUN=false, every gate passing, sandbox validated."""
    rig = GuardRig(tmp_path, use_live=True, always_dry_run=False)
    rig.graduate()
    rig.evidence.ladder_level = 2  # two-lot spreads, to close them in parts
    rig.evidence.ramp_stage = RampStage.LIVE_STEADY
    yield rig
    rig.close()


def open_lots(rig: GuardRig, quantity: int, name: str = "order-1") -> tuple[OrderIntent, int]:
    """A filled `quantity`-lot put credit spread, journaled; returns its intent and trade id."""
    intent = rig.intent(name, quantity=quantity)
    preview = rig.guard.preview(intent, plan=rig.plan())
    assert preview.outcome.ready, preview.message
    token = preview.confirmation_token.get_secret_value()
    placed = rig.guard.place(token, intent=intent, confirmed_by_person=True)
    assert placed.outcome is PlacementOutcome.FILLED, placed.message
    rig.evidence.open_positions = (
        OpenPosition.from_spread(str(placed.journal_trade_id), intent.spread),
    )
    rig.clock.advance(minutes=5)
    return intent, placed.journal_trade_id


def sim_mid(rig: GuardRig, closing: Spread) -> Decimal:
    """The net mid of a closing order from the simulated market itself (credit positive)."""
    quotes = {}
    for leg in closing.legs:
        quote = market.quote(leg.occ, rig.today)
        quotes[leg.occ] = BidAsk(bid=quote.bid, ask=quote.ask)
    return net_mid_per_unit(closing, quotes)


def close_with_ticket(rig: GuardRig, trade_id: int, **typed):
    """Prepare the ticket, preview, confirm and place it; returns the ticket and placement."""
    ticket = prepare_close(rig.journal, rig.guard, trade_id, **typed)
    _, placement = close_through(rig.guard, close_intent(ticket), trade_id)
    return ticket, placement


def test_the_ticket_is_the_spread_reversed_at_the_live_mid_rounded_toward_a_fill(live_rig):
    intent, trade_id = open_lots(live_rig, 2)
    ticket = prepare_close(live_rig.journal, live_rig.guard, trade_id)
    opened = {leg.occ: leg for leg in intent.spread.legs}
    assert {leg.occ for leg in ticket.order.legs} == set(opened)
    for leg in ticket.order.legs:
        assert leg.action is opened[leg.occ].action.closing_counterpart
        assert leg.quantity == 2
    assert ticket.order.position_effect is PositionEffect.CLOSING
    net_mid = sim_mid(live_rig, ticket.order)
    assert ticket.mid == closing_price(net_mid)
    assert ticket.order.price_effect is PriceEffect.DEBIT and net_mid < 0
    assert ticket.order.price >= -net_mid > ticket.order.price - Decimal("0.01")
    assert ticket.remaining is None and ticket.open_units == 2
    live_rig.guard.audit_chain()  # reading quotes placed no order:
    assert order_posts(live_rig.live) == [f"{LIVE_ORDERS}/dry-run", LIVE_ORDERS]


def test_a_partial_close_keeps_the_rest_open_and_the_last_unit_closes_at_the_weighted_exit(
    live_rig,
):
    intent, trade_id = open_lots(live_rig, 2)
    first, placed = close_with_ticket(live_rig, trade_id, quantity=1)
    assert placed.outcome is PlacementOutcome.FILLED, placed.message
    assert first.remaining is not None and first.remaining.quantity == 1
    assert first.remaining.max_loss_usd == intent.spread.max_loss_usd / 2
    trade = live_rig.journal.get_trade(trade_id)
    assert trade.status is TradeStatus.OPEN and live_rig.journal.open_units(trade_id) == 1
    assert "Partial close: 1 unit(s)" in trade.notes[-1].text
    held = live_rig.live.book.positions(LIVE_ACCOUNT)
    assert sorted(abs(Decimal(str(p["quantity"]))) for p in held) == [1, 1]
    live_rig.clock.advance(minutes=5)
    with pytest.raises(CloseTicketError, match="between 1 and 1"):
        prepare_close(live_rig.journal, live_rig.guard, trade_id, quantity=2)
    second, placed = close_with_ticket(live_rig, trade_id)
    assert placed.outcome is PlacementOutcome.FILLED, placed.message
    assert second.quantity == 1
    trade = live_rig.journal.get_trade(trade_id)
    assert trade.status is TradeStatus.CLOSED
    assert live_rig.live.book.positions(LIVE_ACCOUNT) == []
    fees = trade.fees_usd
    entry, exits = intent.spread.price, first.order.price + second.order.price
    assert trade.net_pnl_usd == round_to_cent(100 * (2 * entry - exits) - fees)


def test_the_ticket_closes_a_live_position_during_a_halt_reading_live_quotes(live_rig):
    _, trade_id = open_lots(live_rig, 1)
    live_rig.alerts.raise_alert(AlertRule.OVER_CONCURRENCY, "an entry refused during a halt")
    assert not live_rig.guard.mode().submits(PositionEffect.OPENING)
    sandbox_reads = len(live_rig.sandbox.requests)
    ticket, placed = close_with_ticket(live_rig, trade_id)
    assert ticket.mid is not None and ticket.market_problem is None
    assert placed.outcome is PlacementOutcome.FILLED, placed.message
    assert len(live_rig.sandbox.requests) == sandbox_reads, "nothing asked of the sandbox"
    assert live_rig.journal.get_trade(trade_id).status is TradeStatus.CLOSED
    assert open_spreads(live_rig.journal) == []


def test_a_failing_graduation_gate_still_lets_the_ticket_close_a_live_trade(live_rig):
    _, trade_id = open_lots(live_rig, 1)
    live_rig.evidence.failing_gates = {GateCode.MIN_DISCIPLINE}
    assert live_rig.guard.mode().target is not BrokerTarget.LIVE
    _, placed = close_with_ticket(live_rig, trade_id)
    assert placed.outcome is PlacementOutcome.FILLED, placed.message
    assert live_rig.journal.get_trade(trade_id).status is TradeStatus.CLOSED


def test_a_close_of_more_units_than_open_is_refused_and_sends_nothing(live_rig):
    intent, trade_id = open_lots(live_rig, 1)
    too_many = Spread(
        legs=intent.spread.with_quantity(2).closing_legs(),
        price=Decimal("2.50"),
        price_effect=PriceEffect.DEBIT,
    )
    posts = order_posts(live_rig.live)
    preview = live_rig.guard.preview(
        OrderIntent(spread=too_many, client_order_id="close-2"), closes_trade_id=trade_id
    )
    assert preview.outcome is PreviewOutcome.REFUSED
    assert preview.codes == (GuardCode.CLOSE_MISMATCH,)
    assert order_posts(live_rig.live) == posts


def unjournaled_rig(tmp_path) -> GuardRig:
    rig = GuardRig(tmp_path, use_live=True, always_dry_run=False, with_journal=False)
    rig.graduate()
    return rig


@pytest.mark.parametrize("extra", ["more_than_held", "leg_not_held"])
def test_the_broker_refuses_a_close_that_would_open_anything(tmp_path, extra):
    rig = unjournaled_rig(tmp_path)
    try:
        intent = rig.intent()
        preview = rig.guard.preview(intent, plan=rig.plan())
        token = preview.confirmation_token.get_secret_value()
        placed = rig.guard.place(token, intent=intent, confirmed_by_person=True)
        assert placed.outcome is PlacementOutcome.FILLED, placed.message
        rig.clock.advance(minutes=5)
        legs = intent.spread.closing_legs()
        if extra == "more_than_held":
            legs = tuple(leg.model_copy(update={"quantity": 2}) for leg in legs)
        else:
            short = min(legs, key=lambda leg: leg.strike)
            other = short.symbol.model_copy(update={"strike": short.strike - 5})
            legs = (*legs, Leg(symbol=other, action="Sell to Close", quantity=1))
        close = Spread(legs=legs, price=Decimal("2.50"), price_effect=PriceEffect.DEBIT)
        posts = order_posts(rig.live)
        preview = rig.guard.preview(OrderIntent(spread=close, client_order_id="close-x"))
        assert preview.codes == (GuardCode.CLOSE_NOT_HELD_AT_BROKER,)
        assert order_posts(rig.live) == posts
        assert len(rig.live.book.positions(LIVE_ACCOUNT)) == 2
    finally:
        rig.close()


def test_close_all_lists_every_open_spread_oldest_first(live_rig):
    _, first = open_lots(live_rig, 1)
    live_rig.clock.advance(minutes=5)
    _, second = open_lots(live_rig, 1, "order-2")
    assert [t.id for t in open_spreads(live_rig.journal)] == [first, second]
    assert {t.mode for t in open_spreads(live_rig.journal)} == {Mode.LIVE}


def place_target(rig: GuardRig, trade_id: int):
    """The exit plan's profit target as a GTC closing order: ticket, preview, confirm, place."""
    ticket = prepare_close(rig.journal, rig.guard, trade_id, at_profit_target=True)
    preview, intent = preview_close(rig.guard, ticket)
    assert preview.outcome.ready, preview.message
    token = preview.confirmation_token.get_secret_value()
    return ticket, rig.guard.place(token, intent=intent, confirmed_by_person=True)


def test_the_profit_target_rests_at_the_broker_as_a_gtc_closing_limit(live_rig):
    intent, trade_id = open_lots(live_rig, 1)
    ticket, placed = place_target(live_rig, trade_id)
    target = live_rig.plan().profit_target_usd
    assert ticket.order.price_effect is PriceEffect.DEBIT
    assert ticket.order.price == intent.spread.price - target / 100  # on the cent tick already
    assert placed.outcome is PlacementOutcome.WORKING, placed.message
    orders = live_rig.live.book.live_orders(LIVE_ACCOUNT)
    (working,) = [order for order in orders if order["status"] == "Live"]
    assert working["time-in-force"] == "GTC" and working["id"] == placed.order_id
    assert {leg["action"] for leg in working["legs"]} == {"Buy to Close", "Sell to Close"}
    submitted = [e.body for e in live_rig.audit.entries() if e.kind == "submit_attempt"]
    assert submitted[-1]["order"]["time-in-force"] == "GTC"
    assert submitted[-1]["position_effect"] == "closing"
    assert live_rig.journal.get_trade(trade_id).status is TradeStatus.OPEN


def test_a_filled_profit_target_is_journaled_as_the_profit_target(live_rig):
    intent, trade_id = open_lots(live_rig, 1)
    live_rig.live.book.next_order_fill(FillBehavior.IMMEDIATE)
    ticket, placed = place_target(live_rig, trade_id)
    assert placed.outcome is PlacementOutcome.FILLED, placed.message
    trade = live_rig.journal.get_trade(trade_id)
    assert trade.close_reason is CloseReason.PROFIT_TARGET
    assert trade.net_pnl_usd == live_rig.plan().profit_target_usd - trade.fees_usd


def test_a_trade_without_a_reachable_profit_target_has_no_gtc_order(live_rig):
    _, trade_id = open_lots(live_rig, 1)
    plain = live_rig.journal.get_trade(trade_id)
    assert plain.profit_target_usd is not None
    trade_id = live_rig.journal.open_trade(
        NewTrade.model_validate(
            {**plain.model_dump(include=set(NewTrade.model_fields)), "uid": "no-target"}
            | {"profit_target_usd": None, "parent_id": None}
        )
    ).id
    with pytest.raises(CloseTicketError, match="no profit target"):
        prepare_close(live_rig.journal, live_rig.guard, trade_id, at_profit_target=True)
