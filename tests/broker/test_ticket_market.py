"""The ticket's market over real HTTP against the simulated broker: chain -> strikes -> net mid,
for every structure of the menu; and the sentences when quotes or metrics are unavailable."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tests.support.tastytrade_support import SleepRecorder, SteppingClock, make_client
from utils.broker.clients import BrokerUnavailable
from utils.broker.ticket_market import TicketMarket
from utils.sim import market
from utils.sim.server import SimBroker
from utils.spreads.chain import MarketGap, MarketGapCode, NetPrice, OptionChain
from utils.spreads.legs import PriceEffect
from utils.spreads.strike_picker import StrikePick
from utils.spreads.ticket import STRUCTURES, build_ticket_spread, ticket_legs

TODAY = date(2026, 3, 4)  # the stepping clock's day


@pytest.fixture
def clock():
    return SteppingClock()


@pytest.fixture
def broker(clock):
    with SimBroker(clock=clock) as running:
        yield running


@pytest.fixture
def desk(broker, tmp_path, clock):
    client = make_client(broker, tmp_path, clock, sleep=SleepRecorder())
    return TicketMarket(lambda: client)


@pytest.fixture
def spy(desk) -> OptionChain:
    chain = desk.chain("spy")
    assert isinstance(chain, OptionChain)
    return chain


def test_the_chain_lists_the_simulators_expirations_with_dte_and_the_price(spy):
    listed = [e.expiration for e in spy.expirations]
    assert listed == market.expirations("SPY", TODAY)
    assert spy.spot == market.spot_price("SPY", TODAY)
    april = spy.listed("2026-04-17")
    assert april.days_to_expiration == 44 and april.kind == "Regular"
    assert april.label == "2026-04-17 · 44 DTE · Regular"
    assert spy.proposed(TODAY).expiration == date(2026, 4, 17)  # third Friday of next month


def test_a_credit_vertical_is_picked_by_delta_and_priced_at_the_net_mid(desk, spy):
    pick = desk.pick("bull_put", spy, "2026-04-17")
    assert isinstance(pick, StrikePick) and pick.by_delta
    long_put, short_put = (Decimal(k) for k in pick.text.split(", "))
    quote = market.quote(spy.listed("2026-04-17").symbol("P", short_put), TODAY)
    assert abs(abs(quote.delta) - 0.30) < 0.05 and long_put == short_put - 5
    legs = ticket_legs(
        underlying="SPY", structure="bull_put", expiration="2026-04-17", strikes=pick.text
    )
    price = desk.price(legs, spy)
    assert isinstance(price, NetPrice)
    mids = {leg.describe(): market.quote(leg.occ, TODAY).mid for leg in legs}
    short, long = (mids[leg.describe()] for leg in legs)  # sold first, then bought
    assert price.mid == short - long > 0 and price.price_effect is PriceEffect.CREDIT
    assert price.limit == price.mid.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert price.natural < price.mid
    assert [(leg.bid, leg.ask) for leg in price.legs] == [
        (market.quote(leg.occ, TODAY).bid, market.quote(leg.occ, TODAY).ask) for leg in legs
    ]


@pytest.mark.parametrize("structure", sorted(STRUCTURES))
def test_every_structure_builds_from_the_chain_at_its_mid(desk, spy, structure):
    choice = STRUCTURES[structure][0]
    pick = desk.pick(structure, spy, "2026-04-17")
    assert isinstance(pick, StrikePick), pick
    quoted = desk.quote_ticket(
        underlying="SPY", structure=structure, expiration="2026-04-17", strikes=pick.text, chain=spy
    )
    price = quoted.price
    assert isinstance(price, NetPrice) and quoted.spot == spy.spot
    spread = build_ticket_spread(
        underlying="SPY",
        structure=structure,
        expiration="2026-04-17",
        strikes=pick.text,
        quantity=1,
        limit_price=str(price.limit),
    )
    assert spread.is_defined_risk, spread.proof.sentence
    if structure.startswith("bwb") and structure.endswith("debit"):
        # the simulator's skew makes a broken wing a credit: the ticket says so, never pays it
        assert price.price_effect.value == "Credit"
        assert quoted.wrong_way.startswith("At the mid these legs are a credit of")
    else:
        assert price.price_effect.value == choice.price_effect and quoted.wrong_way is None


def test_an_aapl_pick_respects_its_two_and_a_half_dollar_strikes(desk):
    chain = desk.chain("AAPL")
    pick = desk.pick("iron_condor", chain, chain.proposed(TODAY).expiration)
    strikes = [Decimal(k) for k in pick.text.split(", ")]
    assert all(k in chain.proposed(TODAY).strikes for k in strikes)
    assert strikes == sorted(strikes) and len(set(strikes)) == 4


def test_without_greeks_strikes_are_picked_by_distance(desk, spy, broker):
    no_greeks = {"data": {"items": []}}
    broker.answer_next(no_greeks, times=3, method="GET", path="/market-data/by-type")
    pick = desk.pick("bull_put", spy, "2026-04-17")
    assert isinstance(pick, StrikePick) and not pick.by_delta
    assert "distance" in pick.sentence
    short = Decimal(pick.text.split(", ")[1])
    assert short == min(
        spy.listed("2026-04-17").strikes, key=lambda k: abs(k - spy.spot * Decimal("0.97"))
    )


def test_unavailable_quotes_say_so_and_leave_the_price_to_the_trader(desk, spy, broker):
    broker.fail_next(502, times=4, method="GET", path="/market-data/by-type")
    legs = ticket_legs(
        underlying="SPY", structure="bull_put", expiration="2026-04-17", strikes="530, 535"
    )
    gap = desk.price(legs, spy)
    assert isinstance(gap, MarketGap) and gap.code is MarketGapCode.NO_QUOTES
    assert (
        gap.sentence.startswith("Quotes are unavailable") and "type the limit price" in gap.sentence
    )


def test_a_leg_without_a_quote_is_named_and_the_price_left_to_the_trader(desk):
    legs = ticket_legs(
        underlying="XYZ", structure="bull_put", expiration="2026-04-17", strikes="30, 35"
    )
    gap = desk.price(legs, None)
    assert isinstance(gap, MarketGap) and gap.code is MarketGapCode.NO_QUOTES
    assert "XYZ 2026-04-17 30 P" in gap.sentence and gap.sentence.endswith("type the limit price.")


def test_an_unknown_underlying_has_no_chain_and_says_to_type(desk):
    gap = desk.chain("XYZ")
    assert isinstance(gap, MarketGap) and gap.code is MarketGapCode.NO_CHAIN
    assert gap.sentence.startswith("No option chain for XYZ") and "type" in gap.sentence


def test_an_unreachable_broker_is_a_gap_not_an_exception():
    def unavailable():
        raise BrokerUnavailable("no sandbox login")

    gap = TicketMarket(unavailable).chain("SPY")
    assert gap.code is MarketGapCode.BROKER_UNAVAILABLE and "no sandbox login" in gap.sentence


def test_metrics_give_iv_rank_and_the_next_event_dates(desk):
    aapl = desk.events("AAPL")
    assert aapl.earnings == date(2026, 4, 30) and aapl.ex_dividend == date(2026, 5, 11)
    assert 0 <= aapl.iv_rank <= 1
    assert (
        desk.events("SPY").ex_dividend == date(2026, 3, 20) and desk.events("SPY").earnings is None
    )


def test_metrics_the_broker_refuses_are_simply_absent(desk, broker):
    broker.fail_next(502, times=4, method="GET", path="/market-metrics")
    assert desk.events("SPY") is None


def test_in_sandbox_mode_the_ticket_reads_the_sandbox_and_falls_back_when_it_502s(tmp_path):
    from tests.support.broker_support import GuardRig

    rig = GuardRig(tmp_path)  # sandbox login, ALWAYS_DRY_RUN: SANDBOX (dry-run)
    try:
        desk = TicketMarket(rig.guard.market_client)
        rig.sandbox.fail_next(502, times=99, method="GET", path="/market-(data|metrics)")
        chain = desk.chain("SPY")
        legs = ticket_legs(
            underlying="SPY", structure="bull_put", expiration="2026-04-17", strikes="530, 535"
        )
        gap = desk.price(legs, chain)
        pick = desk.pick("bull_put", chain, "2026-04-17")
        events = desk.events("SPY")
        chain_paths = [r.path for r in rig.sandbox.requests if "option-chains" in r.path]
        live_paths = [r.path for r in rig.live.requests]
        mode = rig.guard.mode().label
    finally:
        rig.close()
    assert mode == "SANDBOX (dry-run)"
    assert chain_paths == ["/option-chains/SPY/nested"] and live_paths == []
    assert chain.spot is None and len(chain.expirations) == len(market.expirations("SPY", TODAY))
    assert isinstance(gap, MarketGap) and gap.code is MarketGapCode.NO_QUOTES
    assert isinstance(pick, MarketGap) and "no quote for the underlying" in pick.sentence
    assert events is None


def test_the_ticket_is_priced_with_its_underlying_in_one_quote_request(desk, spy, broker):
    before = len(broker.requests)
    quoted = desk.quote_ticket(
        underlying="SPY",
        structure="iron_condor",
        expiration="2026-04-17",
        strikes="520, 525, 565, 570",
        chain=spy,
    )
    asked = [r for r in broker.requests[before:] if r.path == "/market-data/by-type"]
    assert len(asked) == 1
    assert quoted.spot == market.spot_price("SPY", TODAY) and len(quoted.price.legs) == 4


def test_typed_fields_that_do_not_make_legs_yet_ask_the_broker_nothing(desk, spy, broker):
    before = len(broker.requests)
    quoted = desk.quote_ticket(
        underlying="SPY", structure="iron_condor", expiration="2026-04-17", strikes="520", chain=spy
    )
    assert quoted.price is None and quoted.gap is None and len(broker.requests) == before
