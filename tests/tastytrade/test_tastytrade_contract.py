"""Contract tests: the real client over real HTTP against the local tastytrade-compatible broker.

Every client call and every injected fault goes through 127.0.0.1 sockets; nothing is mocked.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from email.utils import format_datetime

import pytest
import requests
from pydantic import SecretStr

from tests.support.tastytrade_support import (
    USER_AGENT,
    SleepRecorder,
    SteppingClock,
    credit_order,
    make_client,
    paths,
    put_credit_spread,
)
from utils.sim.server import SimBroker
from utils.sim.auth import SimLogins
from utils.sim.orders import FillBehavior
from utils.tastytrade.orders import build_spread_order
from utils.tastytrade.retry import RetryPolicy
from utils.tastytrade.errors import (
    AuthenticationError,
    ClientConfigError,
    MalformedResponse,
    NotFound,
    OrderOutcomeUnknown,
    PreflightRejected,
    RateLimited,
    ServerError,
    TastytradeApiError,
    TransportError,
)
from utils.tastytrade.orders import OrderStatus

ORDERS = r"/orders$"


@pytest.fixture
def clock():
    return SteppingClock()


@pytest.fixture
def broker(clock):
    with SimBroker(clock=clock) as running:
        yield running


@pytest.fixture
def sleeps():
    return SleepRecorder()


@pytest.fixture
def client(broker, tmp_path, clock, sleeps):
    return make_client(broker, tmp_path, clock, sleep=sleeps)


@pytest.fixture
def account(client):
    return client.accounts()[0].account.account_number


@pytest.fixture(autouse=True)
def nothing_beyond_loopback(loopback_only):
    """Every test here must leave the suite's refused-connection list untouched."""
    before = list(loopback_only)
    yield
    assert loopback_only == before


# --- every call -----------------------------------------------------------------------------


def test_accounts_lists_the_simulated_account_with_owner_authority(client, broker):
    (entry,) = client.accounts()
    assert entry.account.account_number == broker.account_number
    assert entry.authority_level == "owner"
    assert entry.account.margin_or_cash == "Margin"


def test_balances_start_at_the_deposit_in_decimal(client, account):
    balance = client.balances(account)
    assert balance.cash_balance == Decimal(100000)
    assert balance.net_liquidating_value == Decimal(100000)
    assert balance.derivative_buying_power == Decimal(100000)
    assert isinstance(balance.maintenance_requirement, Decimal)


def test_positions_start_empty(client, account):
    assert client.positions(account) == []


def test_option_chain_lists_expirations_from_today_with_padded_symbols(client, clock):
    (chain,) = client.option_chain("SPY")
    today = clock.now.date()
    assert chain.underlying_symbol == "SPY" and chain.shares_per_contract == 100
    assert all(e.expiration_date >= today for e in chain.expirations)
    assert [e.days_to_expiration for e in chain.expirations] == [
        (e.expiration_date - today).days for e in chain.expirations
    ]
    row = chain.expirations[0].strikes[0]
    assert len(row.put) == 21 and row.put.startswith("SPY   ")


def test_quotes_return_bid_ask_and_mid_for_chain_symbols(client):
    expiration = client.option_chain("QQQ")[0].expirations[3]
    symbols = [row.put for row in expiration.strikes[:3]]
    quotes = client.quotes(equities=["QQQ"], equity_options=symbols)
    assert [q.symbol for q in quotes] == ["QQQ", *symbols]
    for quote in quotes:
        assert quote.bid <= quote.mid <= quote.ask


def test_dry_run_reports_buying_power_effect_and_fees_and_places_nothing(client, account):
    legs, _ = put_credit_spread(client, width=Decimal(5))
    response = client.dry_run(account, credit_order(legs, Decimal("1.20")))
    effect, fees = response.buying_power_effect, response.fee_calculation
    assert response.order is not None and response.order.id is None
    assert response.order.status == OrderStatus.RECEIVED
    assert fees.total_fees == Decimal("2.302") and fees.commission == Decimal("2.0")
    # margin = width x 100; BP change = margin - credit x 100 + fees (research 4.3)
    assert effect.change_in_margin_requirement == Decimal(500)
    assert effect.change_in_buying_power == Decimal("382.302")
    assert effect.change_in_buying_power_effect == "Debit"
    assert effect.new_buying_power == Decimal("99617.698")
    assert client.live_orders(account) == []


def test_order_at_the_mid_fills_and_moves_positions_balances_and_transactions(client, account):
    legs, credit = put_credit_spread(client, quantity=2)
    placement = client.place_order(account, credit_order(legs, credit))
    assert placement.order.status == OrderStatus.ROUTED and not placement.recovered_by_lookup
    order = client.order(account, placement.order.id)
    assert order.status == OrderStatus.FILLED
    assert order.external_identifier == placement.external_identifier
    assert all(leg.remaining_quantity == 0 and leg.fills for leg in order.legs)
    positions = {p.symbol: p.signed_quantity for p in client.positions(account)}
    assert positions == {legs[0]["symbol"]: Decimal(-2), legs[1]["symbol"]: Decimal(2)}
    fees = Decimal("2.302") * 2
    balance = client.balances(account)
    assert balance.cash_balance == Decimal(100000) + credit * 200 - fees
    assert balance.maintenance_requirement == Decimal(1000)
    trades = [t for t in client.transactions(account) if t.transaction_type == "Trade"]
    assert {t.order_id for t in trades} == {order.id} and len(trades) == 2
    assert sum(t.signed_net_value for t in trades) == credit * 200 - fees


def test_order_below_the_mid_stays_live_until_cancelled(client, account):
    legs, credit = put_credit_spread(client)
    placed = client.place_order(account, credit_order(legs, credit + Decimal("0.50"))).order
    assert client.order(account, placed.id).status == OrderStatus.LIVE
    assert [o.id for o in client.live_orders(account)] == [placed.id]
    assert client.cancel_order(account, placed.id).status == OrderStatus.CANCEL_REQUESTED
    assert client.order(account, placed.id).status == OrderStatus.CANCELLED
    assert client.positions(account) == []


def test_cancelling_a_filled_order_raises_cannot_update_order(client, account):
    legs, credit = put_credit_spread(client)
    placed = client.place_order(account, credit_order(legs, credit)).order
    assert client.order(account, placed.id).is_terminal
    with pytest.raises(TastytradeApiError) as raised:
        client.cancel_order(account, placed.id)
    assert (raised.value.status, raised.value.code) == (422, "cannot_update_order")


def test_transactions_follow_every_page(client, account, broker):
    legs, credit = put_credit_spread(client)
    placed = client.place_order(account, credit_order(legs, credit)).order
    client.order(account, placed.id)
    rows = client.transactions(account, per_page=1)
    assert [r.transaction_type for r in rows] == ["Trade", "Trade", "Money Movement"]
    pages = [r.query["page-offset"] for r in broker.requests if r.path.endswith("/transactions")]
    assert pages == [["0"], ["1"], ["2"]]


def test_transactions_filter_by_date(client, account, clock):
    assert len(client.transactions(account, start_date=clock.now.date())) == 1
    later = clock.now.date() + timedelta(days=1)
    assert client.transactions(account, start_date=later) == []


def test_preflight_rejection_carries_codes_and_the_dry_run_effect(client, account):
    legs, _ = put_credit_spread(client)
    selling_for_debit = build_spread_order(legs, price=Decimal("1.00"), price_effect="Debit")
    with pytest.raises(PreflightRejected) as raised:
        client.dry_run(account, selling_for_debit)
    assert raised.value.status == 422 and raised.value.code == "preflight_check_failure"
    assert [e.code for e in raised.value.errors] == ["cant_sell_for_debit"]
    assert raised.value.response is not None
    assert raised.value.response.buying_power_effect is not None
    with pytest.raises(PreflightRejected):
        client.place_order(account, selling_for_debit)
    assert client.live_orders(account) == []


def test_order_beyond_buying_power_is_refused(tmp_path, clock):
    with SimBroker(clock=clock, starting_cash=Decimal(300)) as small:
        client = make_client(small, tmp_path, clock)
        account = client.accounts()[0].account.account_number
        legs, _ = put_credit_spread(client, width=Decimal(10))
        with pytest.raises(PreflightRejected) as raised:
            client.place_order(account, credit_order(legs, Decimal("0.50")))
    assert [e.code for e in raised.value.errors] == ["margin_check_failed"]


def test_every_request_carries_the_user_agent(client, account, broker):
    client.balances(account)
    assert broker.requests and {r.user_agent for r in broker.requests} == {USER_AGENT}


def test_oauth_sends_a_bearer_token_and_legacy_login_a_bare_session_token(broker, tmp_path, clock):
    make_client(broker, tmp_path / "a", clock).accounts()
    make_client(broker, tmp_path / "b", clock, login="legacy").accounts()
    logins = [(r.path, r.auth_scheme) for r in broker.requests]
    assert logins == [
        ("/oauth/token", "none"),
        ("/customers/me/accounts", "bearer"),
        ("/sessions", "none"),
        ("/customers/me/accounts", "session"),
    ]


def test_broker_refuses_a_request_without_user_agent_with_the_nginx_page(broker):
    answer = requests.get(
        broker.url + "/customers/me/accounts", headers={"User-Agent": ""}, timeout=5
    )
    assert answer.status_code == 401 and "401 Authorization Required" in answer.text


def test_client_refuses_a_user_agent_without_a_version(broker, tmp_path):
    with pytest.raises(ClientConfigError, match="product/version"):
        make_client_with_agent(broker, tmp_path, "spreads-cockpit")


def make_client_with_agent(broker, tmp_path, agent):
    from utils.tastytrade.client import TastytradeClient

    return TastytradeClient(broker.credentials(), data_dir=tmp_path, user_agent=agent)


# --- authentication faults ------------------------------------------------------------------


def test_wrong_client_secret_raises_invalid_grant(broker, tmp_path, clock):
    good = broker.credentials()
    wrong = good.model_copy(update={"client_secret": SecretStr("not-the-secret")})
    client = make_client(broker, tmp_path, clock, credentials=wrong)
    with pytest.raises(AuthenticationError) as raised:
        client.accounts()
    assert raised.value.code == "invalid_grant"
    assert "TT_SANDBOX_CLIENT_SECRET" in str(raised.value)
    assert paths(broker) == ["/oauth/token"]


def test_wrong_legacy_password_raises_invalid_credentials(broker, tmp_path, clock):
    wrong = broker.credentials(login="legacy").model_copy(
        update={"password": SecretStr("nope-nope")}
    )
    client = make_client(broker, tmp_path, clock, credentials=wrong)
    with pytest.raises(AuthenticationError) as raised:
        client.accounts()
    assert (raised.value.status, raised.value.code) == (401, "invalid_credentials")


def test_expired_access_token_is_renewed_once_and_the_call_succeeds(client, broker):
    client.accounts()
    broker.expire_tokens()
    assert client.accounts()
    assert paths(broker) == [
        "/oauth/token",
        "/customers/me/accounts",
        "/customers/me/accounts",
        "/oauth/token",
        "/customers/me/accounts",
    ]


def test_expired_legacy_session_is_renewed(broker, tmp_path, clock):
    client = make_client(broker, tmp_path, clock, login="legacy")
    client.accounts()
    broker.expire_tokens()
    client.accounts()
    assert paths(broker).count("/sessions") == 2


def test_token_refused_after_renewal_raises_authentication_error(client, broker):
    client.accounts()
    broker.fail_next(401, times=2, path="/positions")
    with pytest.raises(AuthenticationError):
        client.positions(broker.account_number)
    assert paths(broker).count("/oauth/token") == 2


def test_token_is_renewed_before_it_expires_without_a_refusal(client, broker, clock):
    client.accounts()
    clock.advance(minutes=14, seconds=1)  # inside the 60 s refresh margin of a 15-minute token
    client.accounts()
    assert paths(broker) == [
        "/oauth/token",
        "/customers/me/accounts",
        "/oauth/token",
        "/customers/me/accounts",
    ]


def test_oauth_client_registered_later_is_accepted(broker, tmp_path, clock):
    broker.register_oauth_client("second-app", "second-secret-value", "second-refresh-value")
    credentials = broker.credentials().model_copy(
        update={
            "client_id": SecretStr("second-app"),
            "client_secret": SecretStr("second-secret-value"),
            "refresh_token": SecretStr("second-refresh-value"),
        }
    )
    assert make_client(broker, tmp_path, clock, credentials=credentials).accounts()


# --- transport faults -----------------------------------------------------------------------


def test_429_waits_the_retry_after_then_succeeds(client, broker, sleeps):
    broker.fail_next(429, retry_after="2", path="/positions")
    assert client.positions(broker.account_number) == []
    assert sleeps.waits == [2.0]


def test_429_with_an_http_date_retry_after_waits_until_that_date(client, broker, sleeps, clock):
    when = format_datetime(clock.now + timedelta(seconds=3), usegmt=True)
    broker.fail_next(429, retry_after=when, path="/positions")
    client.positions(broker.account_number)
    assert sleeps.waits == [3.0]


def test_429_past_the_retries_raises_rate_limited(client, broker, sleeps):
    broker.fail_next(429, times=4, retry_after="1", path="/positions")
    with pytest.raises(RateLimited) as raised:
        client.positions(broker.account_number)
    assert raised.value.retry_after_s == 1.0 and sleeps.waits == [1.0, 1.0, 1.0]


def test_429_asking_for_a_long_wait_raises_at_once(client, broker, sleeps):
    broker.fail_next(429, retry_after="120", path="/positions")
    with pytest.raises(RateLimited) as raised:
        client.positions(broker.account_number)
    assert raised.value.retry_after_s == 120.0 and sleeps.waits == []


def test_500_is_retried_with_exponential_backoff(client, broker, sleeps):
    broker.fail_next(500, times=2, path="/balances")
    assert client.balances(broker.account_number).cash_balance == Decimal(100000)
    assert sleeps.waits == [0.5, 1.0]


def test_500_past_the_retries_raises_server_error_with_the_code(client, broker, sleeps):
    broker.fail_next(503, times=4, path="/balances")
    with pytest.raises(ServerError) as raised:
        client.balances(broker.account_number)
    assert (raised.value.status, raised.value.code) == (503, "service_unavailable")
    assert sleeps.waits == [0.5, 1.0, 2.0]


def test_broker_down_raises_transport_error_after_backing_off(client, broker, sleeps):
    client.accounts()
    broker.stop()
    with pytest.raises(TransportError, match="no answer from the broker"):
        client.positions(broker.account_number)
    assert sleeps.waits == [0.5, 1.0, 2.0]


def test_slow_get_past_the_timeout_is_retried(broker, tmp_path, clock, sleeps):
    client = make_client(broker, tmp_path, clock, sleep=sleeps, timeout_s=0.2)
    client.accounts()
    broker.slow_next(1.0, path="/positions")
    assert client.positions(broker.account_number) == []
    assert paths(broker).count("/accounts/5SIM0001/positions") == 2 and sleeps.waits == [0.5]


def test_malformed_json_raises_malformed_response(client, broker):
    broker.malformed_next(path="/balances")
    with pytest.raises(MalformedResponse, match="not JSON"):
        client.balances(broker.account_number)


def test_redirect_is_not_followed_and_no_other_host_is_contacted(client, broker, loopback_only):
    broker.redirect_next("http://192.0.2.10/customers/me/accounts", path="/accounts")
    with pytest.raises(TastytradeApiError, match="redirect") as raised:
        client.accounts()
    assert raised.value.status == 302
    assert loopback_only == []


def test_account_number_cannot_steer_the_request_elsewhere(client, broker):
    with pytest.raises(NotFound):
        client.positions("http://192.0.2.10/x/../../customers")
    assert (
        paths(broker)[-1] == "/accounts/http%3A%2F%2F192.0.2.10%2Fx%2F..%2F..%2Fcustomers/positions"
    )


# --- order placement faults: never resend blindly -------------------------------------------


def test_order_post_timeout_is_looked_up_not_resent(broker, tmp_path, clock):
    legs, credit = put_credit_spread(make_client(broker, tmp_path, clock))
    client = make_client(broker, tmp_path, clock, timeout_s=0.2)
    broker.slow_next(1.0, method="POST", path=ORDERS)
    placement = client.place_order(broker.account_number, credit_order(legs, credit))
    assert placement.recovered_by_lookup and placement.response is None
    assert placement.order.external_identifier == placement.external_identifier
    assert paths(broker, "POST").count("/accounts/5SIM0001/orders") == 1


def test_order_post_dropped_connection_is_looked_up(client, broker):
    legs, credit = put_credit_spread(client)
    broker.drop_next(method="POST", path=ORDERS)
    placement = client.place_order(broker.account_number, credit_order(legs, credit))
    assert placement.recovered_by_lookup
    assert paths(broker, "POST").count("/accounts/5SIM0001/orders") == 1


def test_order_post_unreadable_answer_is_looked_up(client, broker):
    legs, credit = put_credit_spread(client)
    broker.malformed_next(method="POST", path=ORDERS)
    placement = client.place_order(broker.account_number, credit_order(legs, credit))
    assert placement.recovered_by_lookup and placement.order.id is not None


def test_order_lost_before_reaching_the_broker_raises_outcome_unknown(broker, tmp_path, clock):
    legs, credit = put_credit_spread(make_client(broker, tmp_path, clock))
    client = make_client(broker, tmp_path, clock, timeout_s=0.2)
    order = credit_order(legs, credit)
    broker.slow_next(5.0, method="POST", path=ORDERS, handle_first=False)
    with pytest.raises(OrderOutcomeUnknown) as raised:
        client.place_order(broker.account_number, order)
    assert raised.value.external_identifier == order.external_identifier
    assert "do not resend" in str(raised.value)
    assert paths(broker, "POST").count("/accounts/5SIM0001/orders") == 1


def test_order_post_server_error_is_not_retried(client, broker, sleeps):
    legs, credit = put_credit_spread(client)
    broker.fail_next(500, method="POST", path=ORDERS)
    with pytest.raises(ServerError):
        client.place_order(broker.account_number, credit_order(legs, credit))
    assert paths(broker, "POST").count("/accounts/5SIM0001/orders") == 1 and sleeps.waits == []


def test_order_post_rate_limited_is_not_retried(client, broker, sleeps):
    legs, credit = put_credit_spread(client)
    broker.fail_next(429, retry_after="1", method="POST", path=ORDERS)
    with pytest.raises(RateLimited):
        client.place_order(broker.account_number, credit_order(legs, credit))
    assert paths(broker, "POST").count("/accounts/5SIM0001/orders") == 1 and sleeps.waits == []


def test_order_post_with_an_expired_token_is_sent_again_after_login(client, broker):
    legs, credit = put_credit_spread(client)
    broker.expire_tokens()
    placement = client.place_order(broker.account_number, credit_order(legs, credit))
    assert not placement.recovered_by_lookup
    assert [o.id for o in client.live_orders(broker.account_number)] == [placement.order.id]


def test_every_order_gets_its_own_external_identifier(client, broker):
    legs, credit = put_credit_spread(client)
    first = client.place_order(broker.account_number, credit_order(legs, credit + 1))
    second = client.place_order(broker.account_number, credit_order(legs, credit + 1))
    assert first.external_identifier != second.external_identifier


# --- order lifecycle faults -----------------------------------------------------------------


def test_order_accepted_then_rejected(client, broker):
    legs, credit = put_credit_spread(client)
    broker.next_order_fill(FillBehavior.REJECT)
    placed = client.place_order(broker.account_number, credit_order(legs, credit)).order
    assert placed.status == OrderStatus.ROUTED
    rejected = client.order(broker.account_number, placed.id)
    assert rejected.status == OrderStatus.REJECTED and rejected.reject_reason
    assert client.positions(broker.account_number) == []


def test_partial_fill_leaves_the_rest_live(client, broker):
    legs, credit = put_credit_spread(client, quantity=3)
    broker.next_order_fill(FillBehavior.PARTIAL)
    placed = client.place_order(broker.account_number, credit_order(legs, credit)).order
    order = client.order(broker.account_number, placed.id)
    assert order.status == OrderStatus.LIVE
    assert [(leg.quantity, leg.remaining_quantity) for leg in order.legs] == [(3, 2), (3, 2)]
    assert {p.quantity for p in client.positions(broker.account_number)} == {Decimal(1)}
    client.cancel_order(broker.account_number, placed.id)
    assert client.order(broker.account_number, placed.id).status == OrderStatus.CANCELLED


def test_order_that_never_fills_stays_live(client, broker):
    legs, credit = put_credit_spread(client)
    broker.set_fill_behavior(FillBehavior.NEVER)
    placed = client.place_order(broker.account_number, credit_order(legs, credit)).order
    assert client.order(broker.account_number, placed.id).status == OrderStatus.LIVE


def test_retry_policy_attempts_bound_the_calls(broker, tmp_path, clock, sleeps):
    client = make_client(
        broker, tmp_path, clock, sleep=sleeps, retry=RetryPolicy(attempts=2, backoff_s=0.1)
    )
    broker.fail_next(500, times=2, path="/positions")
    with pytest.raises(ServerError):
        client.positions(broker.account_number)
    assert sleeps.waits == [0.1]


def test_sim_broker_logins_can_be_given(tmp_path, clock):
    logins = SimLogins(
        client_id="given-client",
        client_secret="given-secret-1234",
        refresh_token="given-refresh-1234",
        username="given-user",
        password="given-password",
    )
    with SimBroker(clock=clock, logins=logins) as broker:
        assert make_client(broker, tmp_path, clock, login="legacy").accounts()
        assert broker.credentials().client_id.get_secret_value() == "given-client"


# --- trading status (GET /accounts/{n}/trading-status) --------------------------------------

TRADING_FLAGS = ("is_frozen", "is_closing_only", "is_in_margin_call", "is_closed")


def test_trading_status_flags_start_false_over_http(client, account):
    status = client.trading_status(account)
    assert status.account_number == account
    assert {flag: getattr(status, flag) for flag in TRADING_FLAGS} == dict.fromkeys(
        TRADING_FLAGS, False
    )


@pytest.mark.parametrize("flag", TRADING_FLAGS)
def test_trading_status_reports_the_flag_the_broker_sets(client, broker, account, flag):
    broker.set_trading_status(**{flag: True})
    status = client.trading_status(account)
    assert [name for name in TRADING_FLAGS if getattr(status, name)] == [flag]
    broker.set_trading_status()
    assert getattr(client.trading_status(account), flag) is False


def test_trading_status_is_retried_on_500(client, broker, sleeps, account):
    broker.fail_next(500, times=2, path="/trading-status")
    assert client.trading_status(account).is_frozen is False
    assert sleeps.waits == [0.5, 1.0]


def test_trading_status_without_its_flags_reads_them_as_not_sent(client, broker, account):
    broker.answer_next({"data": {"account-number": account}}, path="/trading-status")
    status = client.trading_status(account)
    assert status.is_frozen is None and status.is_closing_only is None


def test_trading_status_of_another_account_is_malformed(client, broker, account):
    other = {"account-number": "5OTHER001", "is-frozen": False, "is-closing-only": False}
    broker.answer_next({"data": other}, path="/trading-status")
    with pytest.raises(MalformedResponse, match="another account"):
        client.trading_status(account)


def test_trading_status_without_an_account_number_is_malformed(client, broker, account):
    broker.answer_next({"data": {"is-frozen": False}}, path="/trading-status")
    with pytest.raises(MalformedResponse, match="account-number"):
        client.trading_status(account)


def test_trading_status_of_an_unknown_account_is_not_found(client):
    with pytest.raises(NotFound):
        client.trading_status("5NOPE0001")
