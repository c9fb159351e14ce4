"""Confirmation tokens: single use, 60 s, bound to the exact order and target."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from utils.broker.confirmation import (
    BoundLeg,
    ConfirmationBook,
    ConfirmationRefused,
    OrderBinding,
    RefusalCode,
    TargetBinding,
    binding_digest,
    token_reference,
)

START = datetime(2026, 3, 4, 15, 0, tzinfo=timezone.utc)
SHORT = "SPY   260320P00543000"
LONG = "SPY   260320P00538000"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def order(**changes) -> OrderBinding:
    fields = {
        "legs": (
            BoundLeg(symbol=SHORT, action="Sell to Open", quantity=1),
            BoundLeg(symbol=LONG, action="Buy to Open", quantity=1),
        ),
        "price": Decimal("1.86"),
        "price_effect": "Credit",
    }
    return OrderBinding(**{**fields, **changes})


def target(**changes) -> TargetBinding:
    fields = {
        "account_number": "5LIVE0001",
        "method": "POST",
        "path": "/accounts/5LIVE0001/orders",
        "host": "api.tastyworks.com",
        "mode": "LIVE",
    }
    return TargetBinding(**{**fields, **changes})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def book(clock) -> ConfirmationBook:
    return ConfirmationBook(60, clock=clock)


def mint(book: ConfirmationBook) -> str:
    return book.mint(order(), target(), correlation_id="c-1").token.get_secret_value()


def refusal(book: ConfirmationBook, token: str, **kwargs) -> RefusalCode:
    with pytest.raises(ConfirmationRefused) as caught:
        book.redeem(token, kwargs.get("order", order()), kwargs.get("target", target()))
    return caught.value.code


def test_token_accepted_at_exactly_60_seconds(book, clock):
    token = mint(book)
    clock.now = START + timedelta(seconds=60)
    redeemed = book.redeem(token, order(), target())
    assert redeemed.correlation_id == "c-1"
    assert redeemed.redeemed_at == START + timedelta(seconds=60)


def test_token_refused_just_past_60_seconds(book, clock):
    token = mint(book)
    clock.now = START + timedelta(seconds=60, microseconds=1)
    assert refusal(book, token) is RefusalCode.CONFIRMATION_EXPIRED


def test_shorter_ttl_from_settings_is_honoured(clock):
    book = ConfirmationBook(30, clock=clock)
    token = mint(book)
    clock.now = START + timedelta(seconds=31)
    assert refusal(book, token) is RefusalCode.CONFIRMATION_EXPIRED


def test_token_places_at_most_once(book):
    token = mint(book)
    book.redeem(token, order(), target())
    assert refusal(book, token) is RefusalCode.CONFIRMATION_REPLAYED


def test_a_refused_presentation_burns_the_token(book):
    token = mint(book)
    assert refusal(book, token, order=order(price=Decimal("1.80"))) is RefusalCode.ORDER_CHANGED
    assert refusal(book, token) is RefusalCode.CONFIRMATION_REPLAYED


def test_unknown_token_refused(book):
    mint(book)
    assert refusal(book, "not-a-token") is RefusalCode.CONFIRMATION_UNKNOWN


def test_tokens_do_not_survive_a_new_book(clock):
    token = mint(ConfirmationBook(60, clock=clock))
    assert refusal(ConfirmationBook(60, clock=clock), token) is RefusalCode.CONFIRMATION_UNKNOWN


@pytest.mark.parametrize(
    "changed",
    [
        {"price": Decimal("1.85")},
        {"price_effect": "Debit"},
        {
            "legs": (
                BoundLeg(symbol=SHORT, action="Sell to Open", quantity=2),
                BoundLeg(symbol=LONG, action="Buy to Open", quantity=2),
            )
        },
        {
            "legs": (
                BoundLeg(symbol=SHORT, action="Sell to Open", quantity=1),
                BoundLeg(symbol="SPY   260320P00533000", action="Buy to Open", quantity=1),
            )
        },
        {
            "legs": (
                BoundLeg(symbol=SHORT, action="Buy to Open", quantity=1),
                BoundLeg(symbol=LONG, action="Sell to Open", quantity=1),
            )
        },
        {"order_type": "Market"},
        {"time_in_force": "GTC"},
    ],
    ids=["price", "effect", "quantity", "leg", "actions", "order-type", "time-in-force"],
)
def test_changed_order_refused(book, changed):
    token = mint(book)
    code = refusal(book, token, order=order(**changed))
    assert code is RefusalCode.ORDER_CHANGED


def test_changed_account_refused(book):
    token = mint(book)
    other = target(account_number="5LIVE0002", path="/accounts/5LIVE0002/orders")
    assert refusal(book, token, target=other) is RefusalCode.ACCOUNT_CHANGED


def test_token_from_another_mode_refused(book):
    token = book.mint(order(), target(mode="SANDBOX"), correlation_id="c").token.get_secret_value()
    assert refusal(book, token) is RefusalCode.MODE_CHANGED


@pytest.mark.parametrize(
    "changed",
    [{"host": "api.cert.tastyworks.com"}, {"path": "/accounts/5LIVE0001/orders/dry-run"}],
)
def test_changed_host_or_path_refused(book, changed):
    token = mint(book)
    assert refusal(book, token, target=target(**changed)) is RefusalCode.TARGET_CHANGED


def test_same_order_written_differently_is_the_same_order(book):
    token = mint(book)
    reordered = order(
        legs=(
            BoundLeg(symbol=LONG, action="Buy to Open", quantity=1),
            BoundLeg(symbol=SHORT, action="Sell to Open", quantity=1),
        ),
        price=Decimal("1.860"),
    )
    assert reordered.digest == order().digest
    redeemed = book.redeem(token, reordered, target())
    assert redeemed.correlation_id == "c-1"
    assert redeemed.binding_digest == binding_digest(order(), target())


def test_token_never_in_reprs_or_dumps(book):
    issued = book.mint(order(), target(), correlation_id="c")
    secret = issued.token.get_secret_value()
    assert secret not in repr(issued)
    assert secret not in issued.model_dump_json()
    assert issued.reference == token_reference(secret) and issued.reference not in secret


def test_binding_digest_covers_order_and_target():
    base = binding_digest(order(), target())
    assert binding_digest(order(price=Decimal("1.87")), target()) != base
    assert binding_digest(order(), target(mode="LIVE (dry-run)")) != base
    assert binding_digest(order(), target()) == base


@given(
    price=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50"), places=2),
    quantity=st.integers(min_value=1, max_value=10),
)
def test_any_other_price_or_quantity_is_refused(price, quantity):
    clock = Clock()
    book = ConfirmationBook(60, clock=clock)
    token = mint(book)
    legs = (
        BoundLeg(symbol=SHORT, action="Sell to Open", quantity=quantity),
        BoundLeg(symbol=LONG, action="Buy to Open", quantity=quantity),
    )
    given_order = order(price=price, legs=legs)
    if given_order.digest == order().digest:
        redeemed = book.redeem(token, given_order, target())
        assert redeemed.binding_digest == binding_digest(order(), target())
    else:
        assert refusal(book, token, order=given_order) is RefusalCode.ORDER_CHANGED


def test_ttl_must_be_positive():
    with pytest.raises(ValueError):
        ConfirmationBook(0)
