"""The simulator's market metrics over real HTTP: IV rank, expiration IVs, earnings and
ex-dividend dates in tastytrade's recorded shape, the same for the same day."""

from __future__ import annotations

from datetime import date

from tests.support.tastytrade_support import SteppingClock, make_client
from utils.sim.market_metrics import ex_dividend_date, market_metrics
from utils.sim.server import SimBroker

WEDNESDAY = date(2026, 3, 4)


def test_metrics_are_served_in_the_recorded_shape(tmp_path):
    clock = SteppingClock()
    with SimBroker(clock=clock) as broker:
        client = make_client(broker, tmp_path, clock)
        aapl, spy = client.market_metrics(["AAPL", "SPY", "XYZ"])
    assert (aapl.symbol, spy.symbol) == ("AAPL", "SPY")  # an unknown symbol is left out
    assert aapl.earnings.expected_report_date == date(2026, 4, 30)
    assert aapl.dividend_ex_date == date(2026, 5, 11) and spy.earnings is None
    assert spy.dividend_ex_date == date(2026, 3, 20)  # the third Friday of March
    assert 0 <= aapl.implied_volatility_index_rank <= 1
    assert aapl.option_expiration_implied_volatilities[0].expiration_date == date(2026, 3, 6)


def test_the_same_day_gives_the_same_metrics_and_dates_roll_forward():
    assert market_metrics("QQQ", WEDNESDAY) == market_metrics("QQQ", WEDNESDAY)
    assert ex_dividend_date("SPY", date(2026, 3, 21)) == date(2026, 6, 19)
    assert ex_dividend_date("SPY", date(2026, 12, 19)) == date(2027, 3, 19)
    assert market_metrics("XYZ", WEDNESDAY) is None
