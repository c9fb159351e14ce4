"""The guard's pure checks on what the broker says: account flags, dry-runs, echoes, fills."""

from __future__ import annotations

from decimal import Decimal

import pytest

from utils.broker.checks import (
    FILL_FAR_MIN_USD,
    TradingStatus,
    account_refusals,
    dry_run_findings,
    echo_mismatch,
    fill_finding,
    net_fill_per_unit,
    submit_status_finding,
)
from utils.broker.fills import placement_outcome
from utils.broker.models import GuardCode, PlacementOutcome
from utils.spreads.legs import PositionEffect
from utils.tastytrade.orders import build_spread_order
from utils.tastytrade.accounts import Balance, CustomerAccount
from utils.tastytrade.orders import Order, OrderResponse

SHORT = "SPY   260320P00543000"
LONG = "SPY   260320P00538000"


def customer(authority: str | None = "owner", **account) -> CustomerAccount:
    return CustomerAccount.model_validate(
        {"account": {"account-number": "5WT00001", **account}, "authority-level": authority}
    )


def balance(maintenance_excess: str = "1000") -> Balance:
    return Balance.model_validate(
        {
            "account-number": "5WT00001",
            "cash-balance": "10000",
            "net-liquidating-value": "10000",
            "derivative-buying-power": "9000",
            "maintenance-excess": maintenance_excess,
        }
    )


def codes(found) -> set[str]:
    return {item.code for item in found}


def test_a_clean_account_takes_any_order():
    for effect in PositionEffect:
        assert account_refusals(customer(), balance(), None, effect) == []


@pytest.mark.parametrize("authority", ["read-only", None, "viewer"])
def test_authority_must_allow_trading(authority):
    found = account_refusals(customer(authority), balance(), None, PositionEffect.CLOSING)
    assert codes(found) == {GuardCode.ACCOUNT_READ_ONLY}


def test_trade_only_authority_may_trade():
    assert account_refusals(customer("trade-only"), balance(), None, PositionEffect.OPENING) == []


@pytest.mark.parametrize("effect", list(PositionEffect))
def test_frozen_account_refuses_every_order(effect):
    status = TradingStatus(is_frozen=True, is_closing_only=False)
    assert codes(account_refusals(customer(), balance(), status, effect)) == {
        GuardCode.ACCOUNT_FROZEN
    }


def test_closed_account_refuses_every_order():
    found = account_refusals(
        customer(**{"is-closed": True}), balance(), None, PositionEffect.CLOSING
    )
    assert codes(found) == {GuardCode.ACCOUNT_CLOSED}


def test_closing_only_refuses_entries_but_not_closes():
    status = TradingStatus(is_frozen=False, is_closing_only=True)
    opening = account_refusals(customer(), balance(), status, PositionEffect.OPENING)
    assert codes(opening) == {GuardCode.ACCOUNT_CLOSING_ONLY}
    assert account_refusals(customer(), balance(), status, PositionEffect.CLOSING) == []


@pytest.mark.parametrize(
    ("excess", "status", "in_call"),
    [
        ("-0.01", None, True),
        ("0", None, False),
        (
            "100",
            TradingStatus(is_frozen=False, is_closing_only=False, is_in_margin_call=True),
            True,
        ),
    ],
)
def test_margin_call_refuses_entries_only(excess, status, in_call):
    opening = account_refusals(customer(), balance(excess), status, PositionEffect.OPENING)
    assert (GuardCode.ACCOUNT_MARGIN_CALL in codes(opening)) == in_call
    assert account_refusals(customer(), balance(excess), status, PositionEffect.CLOSING) == []


def test_a_trading_status_without_its_flags_is_unreadable():
    found = account_refusals(customer(), balance(), TradingStatus(), PositionEffect.CLOSING)
    assert codes(found) == {GuardCode.ACCOUNT_FLAGS_UNREADABLE}


def sent_order():
    return build_spread_order(
        [
            {
                "instrument-type": "Equity Option",
                "symbol": SHORT,
                "quantity": 1,
                "action": "Sell to Open",
            },
            {
                "instrument-type": "Equity Option",
                "symbol": LONG,
                "quantity": 1,
                "action": "Buy to Open",
            },
        ],
        price=Decimal("1.86"),
        price_effect="Credit",
    )


def order_json(*, price="1.86", effect="Credit", status="Live", fills=None, short=SHORT) -> dict:
    fills = fills or {}
    return {
        "id": 7,
        "account-number": "5WT00001",
        "time-in-force": "Day",
        "order-type": "Limit",
        "price": price,
        "price-effect": effect,
        "status": status,
        "legs": [
            {
                "instrument-type": "Equity Option",
                "symbol": short,
                "quantity": 1,
                "action": "Sell to Open",
                "fills": fills.get("short", []),
            },
            {
                "instrument-type": "Equity Option",
                "symbol": LONG,
                "quantity": 1,
                "action": "Buy to Open",
                "fills": fills.get("long", []),
            },
        ],
    }


def test_echo_with_single_spaced_symbols_matches():
    echo = Order.model_validate(order_json(short="SPY 260320P00543000"))
    assert echo_mismatch(echo, sent_order()) is None


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"price": "1.85"}, "price"),
        ({"effect": "Debit"}, "price effect"),
        ({"short": LONG}, "legs"),
    ],
)
def test_echo_of_another_order_is_named(change, word):
    echo = Order.model_validate(order_json(**change))
    assert word in echo_mismatch(echo, sent_order())


def dry_run(**extra) -> OrderResponse:
    body = {
        "order": order_json(status="Received"),
        "buying-power-effect": {
            "change-in-margin-requirement": "500",
            "change-in-margin-requirement-effect": "Debit",
            "change-in-buying-power": "316.302",
            "change-in-buying-power-effect": "Debit",
            "current-buying-power": "100000",
            "current-buying-power-effect": "Credit",
            "new-buying-power": "99683.698",
            "new-buying-power-effect": "Credit",
        },
        "fee-calculation": {
            "regulatory-fees": "0.102",
            "regulatory-fees-effect": "Debit",
            "clearing-fees": "0.2",
            "clearing-fees-effect": "Debit",
            "commission": "2.0",
            "commission-effect": "Debit",
            "total-fees": "2.302",
            "total-fees-effect": "Debit",
        },
    }
    return OrderResponse.model_validate(body | extra)


def test_clean_dry_run_has_no_findings():
    assert dry_run_findings(dry_run(), sent_order()) == ([], [])


@pytest.mark.parametrize("code", ["tif.next_valid_session", "tif_next_valid_sesssion"])
def test_next_session_notice_is_benign(code):
    response = dry_run(warnings=[{"code": code, "message": "later"}])
    assert dry_run_findings(response, sent_order()) == ([], [])


def test_other_warnings_and_errors_refuse():
    response = dry_run(
        warnings=[{"code": "closing_with_no_position", "message": "x"}],
        errors=[{"code": "margin_check_failed", "message": "y"}],
    )
    refusals, anomalies = dry_run_findings(response, sent_order())
    assert codes(refusals) == {GuardCode.DRY_RUN_WARNING, GuardCode.DRY_RUN_ERRORS}
    assert anomalies == []


def test_dry_run_missing_its_figures_is_an_anomaly():
    response = dry_run()
    response = response.model_copy(update={"fee_calculation": None, "order": None})
    _, anomalies = dry_run_findings(response, sent_order())
    assert [a.code for a in anomalies] == [GuardCode.DRY_RUN_UNREADABLE] * 2


def fill(price: str, quantity: int = 1) -> list[dict]:
    return [{"quantity": quantity, "fill-price": price}]


def test_net_fill_per_unit_is_credit_positive():
    order = Order.model_validate(
        order_json(status="Filled", fills={"short": fill("5.80"), "long": fill("3.94")})
    )
    assert net_fill_per_unit(order) == Decimal("1.86")
    assert placement_outcome(order) is PlacementOutcome.FILLED


def test_no_net_fill_before_every_leg_fills():
    order = Order.model_validate(order_json(status="Live", fills={"short": fill("5.80")}))
    assert net_fill_per_unit(order) is None
    assert placement_outcome(order) is PlacementOutcome.WORKING


def test_filled_status_without_fills_is_not_yet_filled():
    order = Order.model_validate(order_json(status="Filled"))
    assert placement_outcome(order) is PlacementOutcome.PARTIALLY_FILLED


@pytest.mark.parametrize(
    ("net", "far"),
    [
        (Decimal("1.86"), False),
        (Decimal("1.855"), False),  # within the rounding tolerance
        (Decimal("1.8549"), True),  # worse than the limit
        (Decimal("1.86") + max(FILL_FAR_MIN_USD, Decimal("0.186")), False),
        (Decimal("1.86") + Decimal("0.1861"), True),
    ],
)
def test_fill_far_from_the_limit_boundaries(net, far):
    assert (fill_finding(Decimal("1.86"), "Credit", net, 7) is not None) == far


def test_debit_fill_worse_than_limit_is_flagged():
    worse = fill_finding(Decimal("2.00"), "Debit", Decimal("-2.01"), 7)
    assert worse.code == GuardCode.FILL_FAR_FROM_LIMIT
    assert worse.evidence == {"order_id": "7", "limit": "2.00 Debit", "fill": "2.0100 Debit"}
    assert fill_finding(Decimal("2.00"), "Debit", Decimal("-1.95"), 7) is None


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("Routed", None),
        ("Filled", None),
        ("Rejected", GuardCode.ORDER_REJECTED),
        ("Cancelled", GuardCode.ORDER_UNEXPECTED_STATUS),
        ("Teleported", GuardCode.ORDER_UNEXPECTED_STATUS),
    ],
)
def test_status_right_after_submit(status, code):
    finding = submit_status_finding(Order.model_validate(order_json(status=status)))
    assert (finding.code if finding else None) == code
