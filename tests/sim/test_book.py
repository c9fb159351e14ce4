"""The simulated broker's book: buying power, fees, fill model, preflight, expiry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.tastytrade_support import SteppingClock
from utils.sim import market
from utils.spreads.symbols import OptionSymbol
from utils.sim.book import SimBook
from utils.sim.orders import FillBehavior, SimRequestError

ACCOUNT = "5SIM0001"
MARCH_20 = date(2026, 3, 20)  # a listed monthly on 2026-03-04 (SPY spot 545.16)
MARCH_6 = date(2026, 3, 6)  # a listed weekly


def put(strike: int | str, expiration: date = MARCH_20) -> str:
    return OptionSymbol(
        root="SPY", expiration=expiration, option_type="P", strike=Decimal(strike)
    ).occ


def leg(symbol: str, quantity: int, action: str, kind: str = "Equity Option") -> dict[str, Any]:
    return {"instrument-type": kind, "symbol": symbol, "quantity": quantity, "action": action}


def order(legs, price=None, effect=None, order_type="Limit", tif="Day", **extra) -> dict:
    body = {"time-in-force": tif, "order-type": order_type, "legs": legs, **extra}
    if price is not None:
        body["price"] = str(price)
    if effect is not None:
        body["price-effect"] = effect
    return body


def credit_spread(short: int, long: int, credit: str, quantity: int = 1, **kwargs) -> dict:
    legs = [leg(put(short, **kwargs), quantity, "Sell to Open")]
    legs.append(leg(put(long, **kwargs), quantity, "Buy to Open"))
    return order(legs, credit, "Credit")


def closing_spread(short: int, long: int, debit: str, **kwargs) -> dict:
    legs = [
        leg(put(short, **kwargs), 1, "Buy to Close"),
        leg(put(long, **kwargs), 1, "Sell to Close"),
    ]
    return order(legs, debit, "Debit")


@pytest.fixture
def clock():
    return SteppingClock()


def make_book(clock, behavior=FillBehavior.QUOTE, cash=Decimal(100000)) -> SimBook:
    return SimBook(clock=clock, account_number=ACCOUNT, starting_cash=cash, fill_behavior=behavior)


def submit_and_work(book: SimBook, body: dict) -> dict:
    order_id = book.submit(ACCOUNT, body)["order"]["id"]
    book.work()
    return book.order(ACCOUNT, order_id)


def preflight_codes(book: SimBook, body: dict) -> list[str]:
    with pytest.raises(SimRequestError) as raised:
        book.dry_run(ACCOUNT, body)
    assert raised.value.status == 422
    return [error["code"] for error in raised.value.errors]


# --- buying power and fees ------------------------------------------------------------------


def test_documented_dry_run_arithmetic_for_a_three_wide_spread_at_two_credit(clock):
    data = make_book(clock).dry_run(ACCOUNT, credit_spread(530, 527, "2.0"))
    effect, fees = data["buying-power-effect"], data["fee-calculation"]
    assert effect["change-in-margin-requirement"] == "300.0"
    assert effect["change-in-buying-power"] == "102.302"
    assert effect["change-in-buying-power-effect"] == "Debit"
    assert effect["new-buying-power"] == "99897.698"
    assert (fees["regulatory-fees"], fees["clearing-fees"], fees["commission"]) == (
        "0.102",
        "0.2",
        "2.0",
    )
    assert fees["total-fees"] == "2.302" and effect["is-spread"] is True


@settings(max_examples=40)
@given(
    width=st.sampled_from([1, 2, 3, 5, 10]),
    credit_cents=st.integers(min_value=1, max_value=99),
    quantity=st.integers(min_value=1, max_value=5),
)
def test_credit_spread_buying_power_change_is_width_minus_credit_plus_fees(
    width, credit_cents, quantity
):
    credit = Decimal(credit_cents) * width / 100
    book = make_book(SteppingClock())
    data = book.dry_run(ACCOUNT, credit_spread(530, 530 - width, str(credit), quantity))
    expected = (width * 100 - credit * 100 + Decimal("2.302")) * quantity
    assert Decimal(data["buying-power-effect"]["change-in-buying-power"]) == expected


def test_filled_spread_moves_cash_requirement_and_buying_power_by_the_dry_run(clock):
    book = make_book(clock, FillBehavior.IMMEDIATE)
    change = Decimal(
        book.dry_run(ACCOUNT, credit_spread(530, 525, "1.5"))["buying-power-effect"][
            "change-in-buying-power"
        ]
    )
    assert submit_and_work(book, credit_spread(530, 525, "1.5"))["status"] == "Filled"
    balance = book.balance(ACCOUNT)
    assert Decimal(balance["cash-balance"]) == Decimal(100000) + 150 - Decimal("2.302")
    assert balance["maintenance-requirement"] == "500.0"
    assert Decimal(balance["derivative-buying-power"]) == Decimal(100000) - change


def test_closing_the_spread_frees_the_requirement_and_charges_no_commission(clock):
    book = make_book(clock, FillBehavior.IMMEDIATE)
    submit_and_work(book, credit_spread(530, 525, "1.5"))
    close = submit_and_work(book, closing_spread(530, 525, "0.5"))
    assert close["status"] == "Filled" and book.positions(ACCOUNT) == []
    balance = book.balance(ACCOUNT)
    assert balance["maintenance-requirement"] == "0.0"
    # +150 credit, -50 debit, 2.302 to open, clearing + regulatory 0.302 to close
    assert Decimal(balance["cash-balance"]) == Decimal(100000) + 100 - Decimal("2.604")


def test_adding_to_a_position_averages_its_open_price(clock):
    book = make_book(clock, FillBehavior.IMMEDIATE, cash=Decimal(500000))  # naked: cash-secured
    for price in ("2.0", "3.0"):
        submit_and_work(book, order([leg(put(540), 1, "Sell to Open")], price, "Credit"))
    (position,) = book.positions(ACCOUNT)
    assert (position["quantity"], position["quantity-direction"]) == ("2.0", "Short")
    assert position["average-open-price"] == "2.5"


# --- fill model -----------------------------------------------------------------------------


def test_limit_at_the_mid_fills_and_one_cent_richer_stays_live(clock):
    book = make_book(clock)
    mid = (
        market.quote(put(530), clock.now.date()).mid - market.quote(put(525), clock.now.date()).mid
    )
    credit = mid.quantize(Decimal("0.01"), rounding="ROUND_FLOOR")
    assert submit_and_work(book, credit_spread(530, 525, str(credit)))["status"] == "Filled"
    richer = submit_and_work(book, credit_spread(530, 525, str(credit + Decimal("0.01"))))
    assert richer["status"] == "Live"


def test_fill_prices_of_the_legs_add_up_to_the_order_price(clock):
    book = make_book(clock, FillBehavior.IMMEDIATE)
    filled = submit_and_work(book, credit_spread(530, 525, "1.37", quantity=2))
    short, long_ = (Decimal(leg["fills"][0]["fill-price"]) for leg in filled["legs"])
    assert short - long_ == Decimal("1.37")


def test_market_order_fills_at_the_natural_price(clock):
    book = make_book(clock)
    body = order([leg("AAPL", 10, "Buy to Open", "Equity")], order_type="Market")
    filled = submit_and_work(book, body)
    ask = market.quote("AAPL", clock.now.date()).ask
    assert filled["legs"][0]["fills"][0]["fill-price"] == market.decimal_text(ask)


def test_legacy_cert_table_fills_market_at_one_dollar_and_limits_up_to_three(clock):
    book = make_book(clock, FillBehavior.LEGACY_CERT)
    market_buy = order([leg("AAPL", 1, "Buy to Open", "Equity")], order_type="Market")
    assert submit_and_work(book, market_buy)["legs"][0]["fills"][0]["fill-price"] == "1.0"
    assert submit_and_work(book, credit_spread(530, 525, "3.0"))["status"] == "Filled"
    assert submit_and_work(book, credit_spread(520, 515, "3.01"))["status"] == "Live"
    positions = {p["symbol"]: p["average-open-price"] for p in book.positions(ACCOUNT)}
    assert positions["AAPL"] == "1.0"


def test_day_order_expires_when_its_session_ends_and_gtc_stays(clock):
    book = make_book(clock, FillBehavior.NEVER)
    day = submit_and_work(book, credit_spread(530, 525, "9.0"))
    gtc = submit_and_work(book, credit_spread(520, 515, "9.0") | {"time-in-force": "GTC"})
    clock.advance(days=1)
    book.work()
    assert book.order(ACCOUNT, day["id"])["status"] == "Expired"
    assert book.order(ACCOUNT, gtc["id"])["status"] == "Live"


def test_ioc_order_that_does_not_fill_is_cancelled(clock):
    book = make_book(clock)
    assert (
        submit_and_work(
            book,
            credit_spread(
                530,
                525,
                "9.0",
            )
            | {"time-in-force": "IOC"},
        )["status"]
        == "Cancelled"
    )


def test_partial_fill_of_a_single_unit_fills_nothing_and_stays_live(clock):
    book = make_book(clock, FillBehavior.PARTIAL)
    partial = submit_and_work(book, credit_spread(530, 525, "1.0"))
    assert partial["status"] == "Live" and partial["legs"][0]["remaining-quantity"] == 1


# --- expiry ---------------------------------------------------------------------------------


def test_out_of_the_money_options_expire_worthless(clock):
    book = make_book(clock, FillBehavior.IMMEDIATE)
    submit_and_work(book, credit_spread(500, 495, "0.10", expiration=MARCH_6))
    cash = Decimal(book.balance(ACCOUNT)["cash-balance"])
    clock.advance(days=5)
    book.work()
    assert book.positions(ACCOUNT) == []
    expired = [t for t in book.transactions(ACCOUNT, start=None, end=None, ascending=False)[:2]]
    assert {t["transaction-sub-type"] for t in expired} == {"Expiration"}
    assert Decimal(book.balance(ACCOUNT)["cash-balance"]) == cash


def test_in_the_money_options_settle_in_cash_at_intrinsic_value(clock):
    book = make_book(clock, FillBehavior.IMMEDIATE)
    submit_and_work(book, credit_spread(600, 595, "4.90", expiration=MARCH_6))
    cash = Decimal(book.balance(ACCOUNT)["cash-balance"])
    clock.advance(days=5)
    book.work()
    settled = book.transactions(ACCOUNT, start=None, end=None, ascending=False)[:2]
    assert {t["transaction-sub-type"] for t in settled} == {
        "Cash Settled Assignment",
        "Cash Settled Exercise",
    }
    assert Decimal(book.balance(ACCOUNT)["cash-balance"]) == cash - 500


# --- preflight ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (order([leg("AAPL", 1, "Buy to Open", "Equity")], "10", "Credit"), "cant_buy_for_credit"),
        (credit_spread(530, 525, "1.0") | {"price-effect": "Debit"}, "cant_sell_for_debit"),
        (
            order([leg("AAPL", 1, "Buy to Open", "Equity")], order_type="Market", tif="GTC"),
            "gtc_market_orders_not_supported",
        ),
        (order([leg(put(530), 1, "Sell to Open")] * 2, "1", "Credit"), "duplicate_leg_symbols"),
        (
            order([leg(put(530 - n), 1, "Sell to Open") for n in range(5)], "1", "Credit"),
            "too_many_legs",
        ),
        (order([leg("SPY   260320P00531500", 1, "Sell to Open")], "1", "Credit"), "invalid_symbol"),
        (order([leg("ZZZZ", 1, "Buy to Open", "Equity")], "1", "Debit"), "invalid_symbol"),
        (order([leg(put(530), 1, "Sell to Open")], effect="Credit"), "price_required"),
        (
            order([leg("AAPL", 1, "Buy to Open", "Equity")], "1", "Debit", order_type="Market"),
            "price_not_allowed",
        ),
        (
            order(
                [leg(put(530), 1, "Sell to Open"), leg("QQQ   260320P00450000", 1, "Buy to Open")],
                "1",
                "Credit",
            ),
            "multiple_underlyings",
        ),
        (
            order([leg(put(530), 1, "Sell to Open")], "1", "Credit", tif="GTD"),
            "time_in_force_not_supported",
        ),
        (order([leg(put(530), 0, "Sell to Open")], "1", "Credit"), "invalid_quantity"),
    ],
)
def test_preflight_refuses_with_the_documented_envelope(clock, body, code):
    assert code in preflight_codes(make_book(clock), body)


def test_failed_dry_run_still_carries_its_buying_power_effect(clock):
    with pytest.raises(SimRequestError) as raised:
        make_book(clock).dry_run(
            ACCOUNT, credit_spread(530, 525, "1.0") | {"price-effect": "Debit"}
        )
    body = raised.value.body()
    assert body["error"]["code"] == "preflight_check_failure"
    assert body["data"]["buying-power-effect"]["change-in-margin-requirement"] == "500.0"


def test_insufficient_buying_power_is_refused(clock):
    book = make_book(clock, cash=Decimal(300))
    assert preflight_codes(book, credit_spread(530, 525, "1.0")) == ["margin_check_failed"]


def test_closing_without_a_position_warns_and_strict_validation_refuses(clock):
    book = make_book(clock)
    warnings = book.dry_run(ACCOUNT, closing_spread(530, 525, "1.0"))["warnings"]
    assert {w["code"] for w in warnings} == {"closing_with_no_position"}
    strict = closing_spread(530, 525, "1.0") | {
        "advanced-instructions": {"strict-position-effect-validation": True}
    }
    assert set(preflight_codes(book, strict)) == {"closing_with_no_position"}


def test_strict_validation_refuses_a_close_larger_than_the_position(clock):
    book = make_book(clock, FillBehavior.IMMEDIATE)
    submit_and_work(book, credit_spread(530, 525, "1.0"))
    strict = {"advanced-instructions": {"strict-position-effect-validation": True}}
    two_lots = order(
        [leg(put(530), 2, "Buy to Close"), leg(put(525), 2, "Sell to Close")], "2", "Debit"
    )
    assert set(preflight_codes(book, two_lots | strict)) == {"closing_with_no_position"}
    assert book.dry_run(ACCOUNT, closing_spread(530, 525, "1.0") | strict)["warnings"] == []


def test_opening_against_an_existing_position_is_refused(clock):
    book = make_book(clock, FillBehavior.IMMEDIATE)
    submit_and_work(book, order([leg(put(530), 1, "Sell to Open")], "5", "Credit"))
    body = order([leg(put(530), 1, "Buy to Open")], "5", "Debit")
    assert preflight_codes(book, body) == ["cant_open_against_position"]


def test_order_body_without_legs_is_a_400_naming_the_field(clock):
    with pytest.raises(SimRequestError) as raised:
        make_book(clock).submit(ACCOUNT, {"order-type": "Limit", "price": "x"})
    assert raised.value.status == 400 and raised.value.code == "validation_error"
    assert {e["code"] for e in raised.value.errors} == {"legs", "price"}


def test_unknown_account_and_order_are_not_found(clock):
    book = make_book(clock)
    for call in (lambda: book.positions("5WT99999"), lambda: book.order(ACCOUNT, 42)):
        with pytest.raises(SimRequestError) as raised:
            call()
        assert raised.value.status == 404
