"""The simulated market: deterministic chains and quotes relative to an injected day."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from utils.core.trading_calendar import is_trading_day
from utils.sim import market
from utils.spreads.symbols import parse_occ

WEDNESDAY = date(2026, 3, 4)
days = st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31))
underlyings = st.sampled_from(sorted(market.UNDERLYINGS))


def test_the_same_day_gives_the_same_chain_and_quotes():
    chain = market.nested_chain("SPY", WEDNESDAY)
    symbol = chain["expirations"][5]["strikes"][40]["put"]
    assert market.nested_chain("SPY", WEDNESDAY) == chain
    assert market.quote(symbol, WEDNESDAY) == market.quote(symbol, WEDNESDAY)


@settings(deadline=None)
@given(underlyings, days)
def test_spot_stays_within_three_percent_of_its_base(symbol, day):
    base = market.UNDERLYINGS[symbol].base_price
    assert abs(market.spot_price(symbol, day) - base) <= base * Decimal("0.03")


def test_spot_moves_from_day_to_day():
    prices = {market.spot_price("SPY", WEDNESDAY + timedelta(days=n)) for n in range(5)}
    assert len(prices) == 5


def test_expirations_list_weeklies_monthlies_and_spy_dailies():
    spy = market.expirations("SPY", WEDNESDAY)
    aapl = market.expirations("AAPL", WEDNESDAY)
    assert spy[:3] == [WEDNESDAY, date(2026, 3, 5), date(2026, 3, 6)]
    assert date(2026, 3, 20) in aapl  # the third Friday of March
    assert market.expiration_type("AAPL", WEDNESDAY, date(2026, 3, 20)) == "Regular"
    assert market.expiration_type("AAPL", WEDNESDAY, date(2026, 3, 13)) == "Weekly"
    # Fridays, except Good Friday (2026-04-03) and Juneteenth (2026-06-19, the June monthly):
    # those expire on the Thursday before.
    thursdays = {date(2026, 4, 2), date(2026, 6, 18)}
    assert thursdays <= set(aapl) and {date(2026, 4, 3), date(2026, 6, 19)}.isdisjoint(aapl)
    assert market.expiration_type("AAPL", WEDNESDAY, date(2026, 6, 18)) == "Regular"
    assert all(d.weekday() == 4 or d in thursdays for d in aapl)
    assert aapl[-1] == date(2026, 8, 21)  # six monthlies out


@settings(deadline=None)
@given(underlyings, days)
def test_expirations_start_today_or_later_and_are_weekdays(symbol, day):
    listed = market.expirations(symbol, day)
    assert listed and all(d >= day and d.weekday() < 5 for d in listed)
    assert all(is_trading_day(d) for d in listed)


def test_strikes_step_finely_near_the_spot_and_coarsely_further_out():
    spot = market.spot_price("SPY", WEDNESDAY)
    strikes = market.strikes("SPY", WEDNESDAY)
    near = [k for k in strikes if abs(k - spot) < spot * Decimal("0.05")]
    far = [k for k in strikes if k < spot * Decimal("0.9")]
    assert {b - a for a, b in zip(near, near[1:])} == {Decimal(1)}
    assert {b - a for a, b in zip(far, far[1:])} == {Decimal(5)}
    aapl_spot = market.spot_price("AAPL", WEDNESDAY)
    aapl_near = [k for k in market.strikes("AAPL", WEDNESDAY) if abs(k - aapl_spot) < 20]
    assert {b - a for a, b in zip(aapl_near, aapl_near[1:])} == {Decimal("2.5")}


def test_chain_symbols_are_padded_occ_and_listed():
    chain = market.nested_chain("IWM", WEDNESDAY)
    expiration = chain["expirations"][2]
    for row in expiration["strikes"]:
        option = parse_occ(row["put"])
        assert len(row["put"]) == 21 and option.strike == Decimal(row["strike-price"])
        assert option.expiration.isoformat() == expiration["expiration-date"]
        assert market.is_listed(row["call"], WEDNESDAY)
    assert expiration["expiration-date"] == "2026-03-20"  # IWM lists no dailies
    assert expiration["days-to-expiration"] == 16


def test_options_of_another_day_or_strike_are_not_listed():
    symbol = market.nested_chain("SPY", WEDNESDAY)["expirations"][0]["strikes"][0]["put"]
    assert not market.is_listed(symbol, WEDNESDAY + timedelta(days=1))  # expired
    assert not market.is_listed("SPY   260320P00000500", WEDNESDAY)
    assert market.quote("ZZZZ", WEDNESDAY) is None


@settings(deadline=None)
@given(underlyings, st.integers(min_value=0, max_value=12))
def test_put_quotes_rise_and_call_quotes_fall_with_the_strike(symbol, expiration_index):
    expirations = market.nested_chain(symbol, WEDNESDAY)["expirations"]
    rows = expirations[min(expiration_index, len(expirations) - 1)]["strikes"]
    puts = [market.quote(row["put"], WEDNESDAY) for row in rows]
    calls = [market.quote(row["call"], WEDNESDAY) for row in rows]
    assert all(a.mid <= b.mid for a, b in zip(puts, puts[1:]))
    assert all(a.mid >= b.mid for a, b in zip(calls, calls[1:]))
    for quote in puts + calls:
        assert Decimal(0) <= quote.bid < quote.ask
        assert quote.ask - quote.bid <= Decimal("0.20")


def test_option_quotes_carry_a_delta_and_an_iv_that_fit_the_option():
    chain = market.nested_chain("SPY", WEDNESDAY)
    row = next(r for r in chain["expirations"][12]["strikes"] if r["strike-price"] == "545.0")
    call, put = market.quote(row["call"], WEDNESDAY), market.quote(row["put"], WEDNESDAY)
    assert 0.4 < call.delta < 0.7 and -0.6 < put.delta < -0.3
    assert call.delta - put.delta == pytest.approx(1, abs=1e-3)  # put-call parity of deltas
    assert put.volatility == call.volatility and 0.1 < call.volatility < 0.3
    assert market.quote("SPY", WEDNESDAY).delta is None  # the underlying has no greeks
