"""The research's JSON examples: the client's models parse them, the local broker answers alike."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import requests
from pydantic import ValidationError

from tests.support.tastytrade_support import (
    USER_AGENT,
    SteppingClock,
    credit_order,
    fixture,
    make_client,
    put_credit_spread,
)
from utils.sim import market
from utils.sim.server import SimBroker
from utils.tastytrade.orders import build_spread_order
from utils.tastytrade.accounts import Balance, CustomerAccount, Position
from utils.tastytrade.api_model import ApiError, Pagination
from utils.tastytrade.errors import MalformedResponse, PreflightRejected, TastytradeApiError
from utils.tastytrade.login import LegacySession, OAuthToken
from utils.tastytrade.market_data import NestedOptionChain, Quote
from utils.tastytrade.orders import FeeCalculation, Fill, NewOrder, Order, OrderResponse
from utils.tastytrade.transactions import Transaction

# Documented order fields (research 4.1, 4.4, 4.6) the broker adds beyond a given example.
ORDER_FIELDS = {
    "id",
    "underlying-instrument-type",
    "external-identifier",
    "source",
    "received-at",
    "live-at",
    "terminal-at",
    "cancelled-at",
    "reject-reason",
    "ext-exchange-order-number",
    "ext-client-order-id",
    "ext-global-order-number",
}
# Documented position and balance fields (research 3.3, 3.4) beyond the examples.
POSITION_FIELDS = {"mark", "mark-price", "expires-at"}
BALANCE_FIELDS = {"currency"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def shape_differences(
    expected: Any, actual: Any, extra_ok: set[str] = frozenset(), where: str = "$"
) -> list[str]:
    """Where `actual` departs from the example's keys and value kinds (null matches anything)."""
    if expected is None or actual is None:
        return []
    if _kind(expected) != _kind(actual):
        return [f"{where}: {_kind(actual)} where the example has {_kind(expected)}"]
    if isinstance(expected, dict):
        problems = [f"{where}.{key}: missing" for key in expected if key not in actual]
        problems += [
            f"{where}.{key}: not in the example"
            for key in actual
            if key not in expected and key not in extra_ok
        ]
        for key in expected.keys() & actual.keys():
            problems += shape_differences(expected[key], actual[key], extra_ok, f"{where}.{key}")
        return problems
    if isinstance(expected, list) and expected:
        return [
            problem
            for index, item in enumerate(actual)
            for problem in shape_differences(
                expected[min(index, len(expected) - 1)], item, extra_ok, f"{where}[{index}]"
            )
        ]
    return []


def test_shape_comparison_catches_a_missing_key_and_a_wrong_kind():
    example = {"data": {"items": [{"price": "1.0", "size": 1}]}}
    actual = {"data": {"items": [{"price": 1.0}]}}
    assert shape_differences(example, actual) == [
        "$.data.items[0].size: missing",
        "$.data.items[0].price: number where the example has str",
    ]


# --- the client's models parse every example ------------------------------------------------


def test_customer_accounts_example_parses():
    (entry,) = fixture("customer_accounts.json")["data"]["items"]
    parsed = CustomerAccount.model_validate(entry)
    assert parsed.account.account_number == "5WT00001" and parsed.authority_level == "owner"


def test_balance_example_parses_money_as_decimal():
    balance = Balance.model_validate(fixture("balances.json")["data"])
    assert balance.net_liquidating_value == Decimal("32520.734")
    assert balance.derivative_buying_power == Decimal("22828.524")


@pytest.mark.parametrize(
    ("item", "quantity", "multiplier"),
    [
        (fixture("positions.json")["data"]["items"][0], 100, 1),
        (fixture("position_sandbox_equity.json"), 1, 1),
        (fixture("position_option_short_put.json"), 1, 100),
    ],
    ids=["documented", "sandbox-numbers", "option"],
)
def test_position_examples_parse_numbers_or_strings(item, quantity, multiplier):
    position = Position.model_validate(item)
    assert (position.quantity, position.multiplier) == (Decimal(quantity), Decimal(multiplier))


def test_short_option_position_is_negative_with_its_expiry():
    position = Position.model_validate(fixture("position_option_short_put.json"))
    assert position.signed_quantity == Decimal(-1) and position.expires_at is not None


def test_order_request_examples_parse_and_serialize_back():
    for name in ("order_request_bear_call_spread.json", "order_request_put_credit_spread.json"):
        order = NewOrder.model_validate(fixture(name))
        assert NewOrder.model_validate(order.to_body()) == order


def test_spread_builder_produces_the_documented_request_body():
    example = fixture("order_request_put_credit_spread.json")
    order = build_spread_order(
        example["legs"],
        price=Decimal(example["price"]),
        price_effect="Credit",
        source=example["source"],
        external_identifier=example["external-identifier"],
    )
    strict = {"advanced-instructions": {"strict-position-effect-validation": True}}
    assert order.to_body() == example | strict


def test_dry_run_example_parses_with_its_buying_power_arithmetic():
    response = OrderResponse.model_validate(fixture("order_dry_run.json")["data"])
    effect = response.buying_power_effect
    assert response.order.id is None and response.order.updated_at == 0
    assert effect.change_in_buying_power == Decimal(300) - Decimal(200) + Decimal("2.302")
    assert response.fee_calculation.total_fees == Decimal("2.302")


def test_fee_breakdown_example_parses_with_its_warnings():
    example = fixture("order_dry_run_fee_breakdown.json")
    fees = FeeCalculation.model_validate(example["fee-calculation"])
    warnings = OrderResponse.model_validate({"warnings": example["warnings"]}).warnings
    assert fees.total_fees == Decimal("0.001166")
    assert [w.code for w in warnings] == ["closing_with_no_position", "tif.next_valid_session"]


def test_submit_example_parses_with_id_and_epoch_updated_at():
    order = OrderResponse.model_validate(fixture("order_submit.json")["data"]).order
    assert order.id == 771043 and order.updated_at == 1569954412572 and order.status == "Routed"


def test_cancel_example_and_fill_example_parse():
    order = Order.model_validate(fixture("order_cancel.json")["data"])
    fill = Fill.model_validate(fixture("order_fill.json"))
    assert order.status == "Cancel Requested" and not order.is_terminal
    assert fill.fill_price == Decimal("100.0") and fill.quantity == 100


def test_nested_chain_example_parses():
    (chain,) = fixture("option_chain_nested.json")["data"]["items"]
    parsed = NestedOptionChain.model_validate(chain)
    assert parsed.expirations[0].strikes[0].put == "AAPL  260612P00110000"
    assert parsed.tick_sizes[0].threshold == Decimal(3)


def test_quote_example_parses():
    (item,) = fixture("market_data_quote.json")["data"]["items"]
    assert Quote.model_validate(item).mid == Decimal("210.575")


def test_transaction_examples_parse_with_signed_net_values():
    trade = Transaction.model_validate(fixture("transaction_trade.json"))
    deposit = Transaction.model_validate(fixture("transaction_deposit.json"))
    assert trade.signed_net_value == Decimal("-76.12") and trade.order_id == 1033431
    assert deposit.signed_net_value == Decimal("100000.0")


def test_pagination_and_login_examples_parse():
    assert Pagination.model_validate(fixture("pagination.json")["pagination"]).total_pages == 7
    assert OAuthToken.model_validate(fixture("oauth_token.json")).expires_in == 900
    session = LegacySession.model_validate(fixture("sessions_create.json")["data"])
    assert session.session_token.get_secret_value() == "<session-token>"
    assert "<session-token>" not in repr(session)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("sessions_error_invalid_credentials.json", "invalid_credentials"),
        ("order_rejected_cant_buy_for_credit.json", "preflight_check_failure"),
        ("order_cancel_terminal_error.json", "cannot_update_order"),
        ("error_not_permitted.json", "not_permitted"),
        ("error_gtc_market_orders.json", "preflight_check_failure"),
        ("error_version_not_supported.json", 406),
    ],
)
def test_error_examples_parse(name, code):
    assert ApiError.model_validate(fixture(name)["error"]).code == code


def test_unknown_fields_are_tolerated():
    item = fixture("transaction_trade.json") | {"a-field-added-next-year": {"x": 1}}
    assert Transaction.model_validate(item).id == 1735820


def test_a_missing_required_field_is_a_clear_error():
    balance = dict(fixture("balances.json")["data"])
    del balance["net-liquidating-value"]
    with pytest.raises(ValidationError, match="net-liquidating-value"):
        Balance.model_validate(balance)


# --- the local broker answers in the same shapes --------------------------------------------


@pytest.fixture
def clock():
    return SteppingClock()


@pytest.fixture
def broker(clock):
    with SimBroker(clock=clock) as running:
        yield running


@pytest.fixture
def client(broker, tmp_path, clock):
    return make_client(broker, tmp_path, clock)


def raw(broker, method, path, token=None, headers=None, **kwargs):
    """The broker's JSON answer to a request made without the client."""
    headers = {"User-Agent": USER_AGENT, **(headers or {})}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    answer = requests.request(method, broker.url + path, headers=headers, timeout=5, **kwargs)
    return answer.status_code, answer.json()


@pytest.fixture
def token(broker):
    logins = broker.logins
    _, body = raw(
        broker,
        "POST",
        "/oauth/token",
        json={
            "grant_type": "refresh_token",
            "refresh_token": logins.refresh_token.get_secret_value(),
            "client_secret": logins.client_secret.get_secret_value(),
        },
    )
    return body["access_token"]


def filled_spread(client, broker):
    legs, credit = put_credit_spread(client)
    placed = client.place_order(broker.account_number, credit_order(legs, credit)).order
    client.order(broker.account_number, placed.id)
    return legs, placed


def test_broker_token_answer_matches_the_example(broker, token):
    status, body = raw(
        broker,
        "POST",
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": broker.logins.refresh_token.get_secret_value(),
            "client_secret": broker.logins.client_secret.get_secret_value(),
        },
    )
    assert status == 200 and shape_differences(fixture("oauth_token.json"), body) == []


def test_broker_oauth_refusal_matches_the_example(broker):
    status, body = raw(
        broker,
        "POST",
        "/oauth/token",
        json={"grant_type": "refresh_token", "refresh_token": "x", "client_secret": "y"},
    )
    assert status == 400
    assert shape_differences(fixture("oauth_error_invalid_grant.json"), body) == []


def test_broker_legacy_login_and_refusal_match_the_examples(broker):
    good = {
        "login": broker.logins.username,
        "password": broker.logins.password.get_secret_value(),
        "remember-me": True,
    }
    assert shape_differences(fixture("sessions_request.json"), good) == []
    status, body = raw(broker, "POST", "/sessions", json=good)
    assert status == 201 and shape_differences(fixture("sessions_create.json"), body) == []
    status, body = raw(broker, "POST", "/sessions", json=good | {"password": "wrong"})
    example = fixture("sessions_error_invalid_credentials.json")
    assert status == 401 and shape_differences(example, body) == []


def test_broker_refuses_an_old_accept_version_like_the_example(broker, token):
    status, body = raw(
        broker, "GET", "/customers/me/accounts", token, headers={"Accept-Version": "20200101"}
    )
    assert status == 406
    assert shape_differences(fixture("error_version_not_supported.json"), body) == []


def test_broker_accounts_match_the_example(broker, token):
    _, body = raw(broker, "GET", "/customers/me/accounts", token)
    assert shape_differences(fixture("customer_accounts.json"), body) == []


def test_broker_balances_match_the_example(broker, token):
    _, body = raw(broker, "GET", f"/accounts/{broker.account_number}/balances/USD", token)
    assert shape_differences(fixture("balances.json"), body, BALANCE_FIELDS) == []


def test_broker_positions_match_the_examples(client, broker, token):
    filled_spread(client, broker)
    _, body = raw(broker, "GET", f"/accounts/{broker.account_number}/positions", token)
    assert len(body["data"]["items"]) == 2
    assert shape_differences(fixture("positions.json"), body, POSITION_FIELDS) == []
    documented = POSITION_FIELDS | set(fixture("positions.json")["data"]["items"][0])
    example = fixture("position_option_short_put.json")
    assert shape_differences(example, body["data"]["items"][0], documented) == []


def test_broker_dry_run_and_submit_match_the_examples(client, broker, token):
    legs, credit = put_credit_spread(client)
    order_body = credit_order(legs, credit).to_body()
    path = f"/accounts/{broker.account_number}/orders"
    status, dry_run = raw(broker, "POST", path + "/dry-run", token, json=order_body)
    example = fixture("order_dry_run.json")
    example.pop("api-version")
    assert status == 201 and shape_differences(example, dry_run, ORDER_FIELDS) == []
    assert "id" not in dry_run["data"]["order"]
    status, submitted = raw(broker, "POST", path, token, json=order_body)
    example = fixture("order_submit.json")
    example.pop("api-version")
    assert status == 201 and shape_differences(example, submitted, ORDER_FIELDS) == []


def test_broker_fills_and_cancel_match_the_examples(client, broker, token):
    _, placed = filled_spread(client, broker)
    path = f"/accounts/{broker.account_number}/orders/{placed.id}"
    _, body = raw(broker, "GET", path, token)
    fills = [fill for leg in body["data"]["legs"] for fill in leg["fills"]]
    assert fills and all(shape_differences(fixture("order_fill.json"), f) == [] for f in fills)
    status, refusal = raw(broker, "DELETE", path, token)
    assert status == 422
    assert shape_differences(fixture("order_cancel_terminal_error.json"), refusal) == []
    legs, credit = put_credit_spread(client)
    live = client.place_order(broker.account_number, credit_order(legs, credit + 1)).order
    status, cancelled = raw(
        broker, "DELETE", f"/accounts/{broker.account_number}/orders/{live.id}", token
    )
    assert status == 200
    assert shape_differences(fixture("order_cancel.json"), cancelled, ORDER_FIELDS) == []


def test_broker_preflight_refusal_matches_the_example(client, broker, token):
    legs, _ = put_credit_spread(client)
    body = build_spread_order(legs, price=Decimal(1), price_effect="Debit").to_body()
    path = f"/accounts/{broker.account_number}/orders"
    status, refusal = raw(broker, "POST", path, token, json=body)
    assert status == 422
    example = fixture("order_rejected_cant_buy_for_credit.json")
    assert shape_differences(example, refusal) == []


def test_broker_chain_and_quotes_match_the_examples(broker, token):
    _, chain = raw(broker, "GET", "/option-chains/AAPL/nested", token)
    assert shape_differences(fixture("option_chain_nested.json"), chain) == []
    symbol = chain["data"]["items"][0]["expirations"][0]["strikes"][0]["put"]
    _, quotes = raw(broker, "GET", "/market-data/by-type", token, params={"equity-option": symbol})
    assert quotes["data"]["items"]
    # option quotes also carry the model's greeks, DXLink's field names, beyond the REST example
    greeks = set(market.GREEK_FIELDS)
    assert greeks <= quotes["data"]["items"][0].keys()
    assert shape_differences(fixture("market_data_quote.json"), quotes, extra_ok=greeks) == []
    _, metrics = raw(broker, "GET", "/market-metrics", token, params={"symbols": "AAPL"})
    assert shape_differences(fixture("market_metrics.json"), metrics) == []


def test_broker_transactions_match_the_examples(client, broker, token):
    filled_spread(client, broker)
    _, body = raw(broker, "GET", f"/accounts/{broker.account_number}/transactions", token)
    trade, _, deposit = body["data"]["items"]
    assert shape_differences(fixture("transaction_trade.json"), trade) == []
    assert shape_differences(fixture("transaction_deposit.json"), deposit) == []
    assert shape_differences(fixture("pagination.json")["pagination"], body["pagination"]) == []


# --- the examples served over HTTP reach the caller as typed values -------------------------


def test_documented_reads_served_over_http_parse_in_the_client(client, broker):
    account = broker.account_number
    broker.answer_next(fixture("customer_accounts.json"), path="/customers/me/accounts")
    broker.answer_next(fixture("balances.json"), path="/balances")
    broker.answer_next(fixture("positions.json"), path="/positions")
    broker.answer_next(fixture("option_chain_nested.json"), path="/option-chains")
    broker.answer_next(fixture("market_data_quote.json"), path="/market-data")
    broker.answer_next(fixture("order_cancel.json"), method="GET", path="/orders/12345")
    assert client.accounts()[0].account.account_number == "5WT00001"
    assert client.balances(account).cash_balance == Decimal("7218.997")
    assert client.positions(account)[0].average_open_price == Decimal("288.7")
    assert client.option_chain("AAPL")[0].expirations[0].settlement_type == "PM"
    assert client.quotes(equities=["AAPL"])[0].bid == Decimal("210.55")
    assert client.order(account, 12345).price == Decimal("100.0")


def test_documented_order_answers_served_over_http_parse_in_the_client(client, broker):
    account = broker.account_number
    order = build_spread_order(
        fixture("order_request_bear_call_spread.json")["legs"],
        price=Decimal("0.85"),
        price_effect="Credit",
    )
    broker.answer_next(fixture("order_dry_run.json"), status=201, path="/dry-run")
    broker.answer_next(fixture("order_submit.json"), status=201, method="POST", path="/orders$")
    broker.answer_next(fixture("order_cancel.json"), method="DELETE")
    dry_run = client.dry_run(account, order)
    assert dry_run.buying_power_effect.change_in_buying_power == Decimal("102.302")
    placement = client.place_order(account, order)
    assert placement.order.id == 771043 and placement.response.fee_calculation.total_fees
    assert client.cancel_order(account, 12345).status == "Cancel Requested"


def test_documented_pagination_served_over_http_is_followed_page_by_page(client, broker):
    page = {
        "data": {"items": [fixture("transaction_trade.json"), fixture("transaction_deposit.json")]},
        "context": "/accounts/5XX00000/transactions",
        **fixture("pagination.json"),
    }
    broker.answer_next(page, times=7, path="/transactions")
    rows = client.transactions(broker.account_number)
    assert len(rows) == 14  # total-pages 7, two items each
    assert [r.query["page-offset"] for r in broker.requests if "transactions" in r.path] == [
        [str(n)] for n in range(7)
    ]


@pytest.mark.parametrize(
    ("name", "status", "error", "code"),
    [
        (
            "order_rejected_cant_buy_for_credit.json",
            422,
            "PreflightRejected",
            "preflight_check_failure",
        ),
        ("order_cancel_terminal_error.json", 422, "TastytradeApiError", "cannot_update_order"),
        ("error_not_permitted.json", 403, "PermissionDenied", "not_permitted"),
        ("error_version_not_supported.json", 406, "TastytradeApiError", "406"),
        ("oauth_error_invalid_grant.json", 400, "AuthenticationError", "invalid_grant"),
    ],
)
def test_documented_errors_served_over_http_raise_typed_errors(
    client, broker, name, status, error, code
):
    client.authenticate()
    broker.answer_next(fixture(name), status=status, path="/positions")
    with pytest.raises(TastytradeApiError) as raised:
        client.positions(broker.account_number)
    assert type(raised.value).__name__ == error
    assert (raised.value.status, raised.value.code) == (status, code)


def test_documented_logins_served_over_http_are_cached(broker, tmp_path, clock):
    broker.answer_next(fixture("oauth_token.json"), path="/oauth/token")
    make_client(broker, tmp_path / "oauth", clock).authenticate()
    broker.answer_next(fixture("sessions_create.json"), status=201, path="/sessions")
    make_client(broker, tmp_path / "legacy", clock, login="legacy").authenticate()
    cached = [
        json.loads((tmp_path / kind / "sandbox_token.json").read_text())["token"]
        for kind in ("oauth", "legacy")
    ]
    assert cached == ["<JWT>", "<session-token>"]


def test_answer_missing_a_required_field_raises_malformed_response_naming_it(client, broker):
    balance = fixture("balances.json")
    del balance["data"]["net-liquidating-value"]
    broker.answer_next(balance, path="/balances")
    with pytest.raises(MalformedResponse, match="net-liquidating-value"):
        client.balances(broker.account_number)


def test_spread_orders_ask_for_strict_position_effect_and_a_baseless_close_is_refused(
    client, broker
):
    legs, credit = put_credit_spread(client)
    counterpart = {"Sell to Open": "Buy to Close", "Buy to Open": "Sell to Close"}
    closing = [dict(leg, action=counterpart[leg["action"]]) for leg in legs]
    order = build_spread_order(closing, price=credit, price_effect="Debit")
    assert order.to_body()["advanced-instructions"] == {"strict-position-effect-validation": True}
    with pytest.raises(PreflightRejected) as raised:
        client.dry_run(broker.account_number, order)
    assert raised.value.code == "preflight_check_failure"
    assert {item.code for item in raised.value.errors} == {"closing_with_no_position"}
    with pytest.raises(PreflightRejected):
        client.place_order(broker.account_number, order)
    assert [r.path for r in broker.requests if r.method == "POST" and "/orders" in r.path] == [
        f"/accounts/{broker.account_number}/orders/dry-run",
        f"/accounts/{broker.account_number}/orders",
    ]
    assert broker.book.all_orders(broker.account_number) == []
    assert broker.book.positions(broker.account_number) == []


def test_recorded_market_metrics_parse_into_iv_rank_and_event_dates(client, broker):
    broker.answer_next(fixture("market_metrics.json"), path="/market-metrics")
    (aapl,) = client.market_metrics(["AAPL"])
    assert aapl.implied_volatility_index_rank == Decimal("0.427330631")
    assert aapl.earnings.expected_report_date == date(2026, 7, 30)
    assert aapl.dividend_ex_date == date(2026, 8, 10)
    assert aapl.option_expiration_implied_volatilities[0].implied_volatility == Decimal(
        "0.374500134"
    )
