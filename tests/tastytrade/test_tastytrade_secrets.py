"""Secrets stay secret: the token cache file, logs, errors and the broker's request log."""

from __future__ import annotations

import json
import logging
import os
import stat
from decimal import Decimal

import pytest
from pydantic import SecretStr

from tests.support.tastytrade_support import (
    SteppingClock,
    credit_order,
    make_client,
    put_credit_spread,
)
from utils.sim.server import SimBroker
from utils.sim.auth import SimLogins
from utils.tastytrade.client import TastytradeClient
from utils.tastytrade.errors import ClientConfigError, TastytradeError

CANARIES = {
    "client_secret": "CANARY-CLIENT-SECRET-7f3a9d",
    "refresh_token": "CANARY-REFRESH-TOKEN-91bc0e",
    "password": "CANARY-PASSWORD-55de21",
}


@pytest.fixture
def clock():
    return SteppingClock()


@pytest.fixture
def broker(clock):
    logins = SimLogins(
        client_id="canary-client-id",
        client_secret=CANARIES["client_secret"],
        refresh_token=CANARIES["refresh_token"],
        username="canary-user",
        password=CANARIES["password"],
    )
    with SimBroker(clock=clock, logins=logins) as running:
        yield running


def cache_path(tmp_path):
    return tmp_path / "sandbox_token.json"


def cached_token(tmp_path) -> str:
    return json.loads(cache_path(tmp_path).read_text())["token"]


def token_logins(broker) -> int:
    return sum(r.path in ("/oauth/token", "/sessions") for r in broker.requests)


# --- the token cache --------------------------------------------------------------------------


def test_token_cache_is_created_readable_by_its_owner_only(broker, tmp_path, clock):
    make_client(broker, tmp_path, clock).accounts()
    assert stat.S_IMODE(os.stat(cache_path(tmp_path)).st_mode) == 0o600


def test_token_cache_holds_the_access_token_but_no_login_secret(broker, tmp_path, clock):
    make_client(broker, tmp_path, clock).accounts()
    text = cache_path(tmp_path).read_text()
    assert json.loads(text)["token"]
    assert all(secret not in text for secret in CANARIES.values())


def test_second_client_reuses_the_cached_token(broker, tmp_path, clock):
    make_client(broker, tmp_path, clock).accounts()
    make_client(broker, tmp_path, clock).accounts()
    assert token_logins(broker) == 1


def test_expired_cached_token_is_replaced(broker, tmp_path, clock):
    make_client(broker, tmp_path, clock).accounts()
    first = cached_token(tmp_path)
    clock.advance(minutes=20)
    make_client(broker, tmp_path, clock).accounts()
    assert token_logins(broker) == 2 and cached_token(tmp_path) != first


def test_corrupt_token_cache_is_discarded_with_a_warning(broker, tmp_path, clock, caplog):
    cache_path(tmp_path).write_text("{not json")
    os.chmod(cache_path(tmp_path), 0o600)
    make_client(broker, tmp_path, clock).accounts()
    assert "discarded: it is not a well-formed token cache" in caplog.text
    assert token_logins(broker) == 1 and cached_token(tmp_path)


def test_token_cache_readable_by_others_is_not_trusted(broker, tmp_path, clock, caplog):
    make_client(broker, tmp_path, clock).accounts()
    os.chmod(cache_path(tmp_path), 0o644)
    make_client(broker, tmp_path, clock).accounts()
    assert "let other users read it" in caplog.text
    assert token_logins(broker) == 2
    assert stat.S_IMODE(os.stat(cache_path(tmp_path)).st_mode) == 0o600


def test_token_cache_that_is_a_symlink_is_not_trusted(broker, tmp_path, clock, caplog):
    make_client(broker, tmp_path / "elsewhere", clock).accounts()
    cache_path(tmp_path).symlink_to(cache_path(tmp_path / "elsewhere"))
    make_client(broker, tmp_path, clock).accounts()
    assert "not a regular file" in caplog.text and token_logins(broker) == 2


def test_token_cache_with_a_naive_expiry_is_discarded(broker, tmp_path, clock, caplog):
    make_client(broker, tmp_path, clock).accounts()
    content = json.loads(cache_path(tmp_path).read_text())
    content["expires-at"] = "2099-01-01T00:00:00"
    cache_path(tmp_path).write_text(json.dumps(content))
    make_client(broker, tmp_path, clock).accounts()
    assert "not a well-formed token cache" in caplog.text and token_logins(broker) == 2


def test_token_cache_of_another_login_is_ignored(broker, tmp_path, clock):
    make_client(broker, tmp_path, clock).accounts()
    make_client(broker, tmp_path, clock, login="legacy").accounts()
    assert [r.path for r in broker.requests if r.path in ("/oauth/token", "/sessions")] == [
        "/oauth/token",
        "/sessions",
    ]


def test_token_cache_name_must_match_the_gitignore_rule(broker, tmp_path):
    with pytest.raises(ClientConfigError, match=r"\*token\*\.json"):
        TastytradeClient(
            broker.credentials(),
            data_dir=tmp_path,
            user_agent="x/1",
            token_cache_name="../cache.json",
        )


def test_client_without_any_login_names_the_keys_to_set(broker, tmp_path):
    empty = broker.credentials().model_copy(
        update={"client_id": None, "client_secret": None, "refresh_token": None}
    )
    with pytest.raises(ClientConfigError, match="TT_SANDBOX_CLIENT_ID"):
        TastytradeClient(empty, data_dir=tmp_path, user_agent="x/1")


def test_plain_http_to_a_remote_host_is_refused(broker, tmp_path):
    remote = broker.credentials().model_copy(update={"base_url": "http://192.0.2.1"})
    with pytest.raises(ClientConfigError, match="neither a tastytrade host"):
        TastytradeClient(remote, data_dir=tmp_path, user_agent="x/1")


# --- canary: no secret or token in any log line, error or recorded request ---------------------


def test_tokens_and_secrets_never_reach_logs_errors_or_the_request_log(
    broker, tmp_path, clock, caplog
):
    caplog.set_level(logging.DEBUG)
    tokens: set[str] = set()
    errors: list[str] = []

    def attempt(call):
        try:
            call()
        except TastytradeError as error:
            errors.extend([str(error), repr(error)])

    client = make_client(broker, tmp_path / "oauth", clock)
    account = client.accounts()[0].account.account_number
    tokens.add(cached_token(tmp_path / "oauth"))
    legs, credit = put_credit_spread(client)
    client.dry_run(account, credit_order(legs, credit))
    placed = client.place_order(account, credit_order(legs, credit + Decimal(1))).order
    client.live_orders(account)
    client.cancel_order(account, placed.id)
    client.transactions(account)
    client.balances(account)
    broker.expire_tokens()
    client.positions(account)
    tokens.add(cached_token(tmp_path / "oauth"))
    broker.fail_next(429, retry_after="0", path="/positions")
    broker.fail_next(401, times=2, path="/positions")
    attempt(lambda: client.positions(account))
    tokens.add(cached_token(tmp_path / "oauth"))
    broker.slow_next(1.0, method="POST", path=r"/orders$", handle_first=False)
    impatient = make_client(broker, tmp_path / "oauth", clock, timeout_s=0.2)
    attempt(lambda: impatient.place_order(account, credit_order(legs, credit)))
    legacy = make_client(broker, tmp_path / "legacy", clock, login="legacy")
    legacy.accounts()
    tokens.add(cached_token(tmp_path / "legacy"))
    for wrong in (
        broker.credentials().model_copy(update={"client_secret": SecretStr("wrong-secret")}),
        broker.credentials(login="legacy").model_copy(
            update={"password": SecretStr("wrong-password")}
        ),
    ):
        attempt(
            lambda: make_client(broker, tmp_path / "wrong", clock, credentials=wrong).accounts()
        )

    seen = "\n".join(
        [
            caplog.text,
            *errors,
            repr(client),
            repr(broker.credentials()),
            json.dumps([r.model_dump(mode="json") for r in broker.requests]),
        ]
    )
    assert "GET /customers/me/accounts" in caplog.text and len(errors) == 8
    assert len(tokens) == 4
    leaked = [s for s in [*CANARIES.values(), *tokens] if s in seen]
    assert leaked == []
    token_bodies = [r.body for r in broker.requests if r.path == "/oauth/token"]
    assert token_bodies and all(body["client_secret"] == "***" for body in token_bodies)
