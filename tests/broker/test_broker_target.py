"""The broker target is a server, not a string (issue 11, findings 1-3).

No spelling of the live server or of tastytrade's production API is ever treated as a sandbox;
a base URL that is neither tastytrade over https nor this machine stops start-up; the guard over
real HTTP sends nothing to the live server when the "sandbox" is the live server by another name.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.broker_support import GuardRig, gate_report, order_posts, sandbox_record
from tests.support.tastytrade_support import SleepRecorder
from utils.broker.guard import BrokerClients, BrokerGuard
from utils.judge.mode import BrokerTarget, EffectiveMode, ModeCode, ModeIntent, resolve_mode
from utils.broker.models import PlacementOutcome
from utils.core.broker_target import (
    BaseUrlError,
    ServerKind,
    parse_base_url,
    sandbox_target_problem,
)
from utils.core.config import (
    DEFAULT_LIVE_URL,
    DEFAULT_SANDBOX_URL,
    ConfigError,
    Environment,
    load_settings,
)
from utils.judge.gates import LatchState, gate_sandbox_validated
from utils.records.alerts import HaltState
from utils.records.sandbox import SandboxMode
from utils.tastytrade.client import TastytradeClient
from utils.tastytrade.errors import ClientConfigError

LIVE_PORT = 8443
LOOPBACK_LIVE = f"http://127.0.0.1:{LIVE_PORT}"
PRODUCTION = ("api.tastyworks.com", "api.tastytrade.com")


def _random_case(draw, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if flip else c for c, flip in zip(text, flips))


@st.composite
def loopback_spellings(draw, port: int = LIVE_PORT) -> str:
    """Every way to write 'this machine, that port'."""
    host = draw(
        st.sampled_from(
            [
                "localhost",
                "localhost.",
                "app.localhost",
                "127.0.0.1",
                "127.0.0.1.",
                "[::1]",
                "[0:0:0:0:0:0:0:1]",
                "[::ffff:127.0.0.1]",
            ]
        )
        | st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(1, 254)).map(
            lambda t: f"127.{t[0]}.{t[1]}.{t[2]}"
        )
    )
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
    slash = draw(st.sampled_from(["", "/"]))
    return f"{scheme}://{_random_case(draw, host)}:{port}{slash}"


@st.composite
def production_spellings(draw) -> str:
    """tastytrade's production API by any case, trailing dots, subdomain, full-width form."""
    host = draw(st.sampled_from(PRODUCTION + ("tastyworks.com", "trade.api.tastytrade.com")))
    host = _random_case(draw, host) + "." * draw(st.integers(0, 2))
    if draw(st.booleans()):
        host = host.replace(".", "\uff0e", 1)  # a full-width dot folds to "." under IDNA
    port = draw(st.sampled_from(["", ":443"]))
    return f"https://{host}{port}{draw(st.sampled_from(['', '/']))}"


@given(loopback_spellings())
def test_no_spelling_of_the_loopback_live_server_is_a_sandbox(sandbox_url):
    assert sandbox_target_problem(sandbox_url, LOOPBACK_LIVE) is not None


@given(production_spellings())
def test_no_spelling_of_production_is_a_sandbox(sandbox_url):
    assert parse_base_url(sandbox_url).kind is ServerKind.PRODUCTION
    assert sandbox_target_problem(sandbox_url, LOOPBACK_LIVE) is not None


@given(loopback_spellings(port=LIVE_PORT + 1))
def test_another_port_on_this_machine_is_another_server(sandbox_url):
    assert sandbox_target_problem(sandbox_url, LOOPBACK_LIVE) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://api.cert.tastyworks.com",
        "https://API.CERT.tastyworks.com.",
        "https://api.cert.tastytrade.com/",
    ],
)
def test_documented_certification_hosts_are_the_sandbox(url):
    assert parse_base_url(url).kind is ServerKind.CERTIFICATION
    assert sandbox_target_problem(url, "https://api.tastyworks.com") is None


@pytest.mark.parametrize(
    "url",
    [
        "https://api.cert.tastyworks.com.evil.example",
        "https://api.tastyworks.com.evil.example",
        "https://evil-tastyworks.com",
        "https://tastyworks.com-evil.example",
        "https://api.cert.t\u0430styworks.com",  # Cyrillic 'a': a lookalike, not tastytrade
        "http://api.cert.tastyworks.com",  # plain http to tastytrade
        "not a url",
        "javascript:alert(1)",
        "ftp://api.cert.tastyworks.com",
        "https://api.cert.tastyworks.com/v2",
        "https://api.cert.tastyworks.com?x=1",
        "http://0.0.0.0:8050",
        "http://192.168.1.5:8050",
        "http://2130706433:8050",
        "http://127.1:8050",
        "https://a..tastyworks.com",
        "https://",
        "",
    ],
)
def test_lookalike_and_junk_base_urls_stop_start_up(tmp_path, url):
    with pytest.raises(BaseUrlError):
        parse_base_url(url)
    env = tmp_path / ".env"
    env.write_text(f"TASTY_BASE_URL_SANDBOX={url}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="TASTY_BASE_URL_SANDBOX"):
        load_settings(env_file=env, data_dir=tmp_path)


def test_credentials_in_a_base_url_are_refused_and_never_echoed(tmp_path):
    env = tmp_path / ".env"
    env.write_text("TASTY_BASE_URL_LIVE=https://me:hunter2secret@api.tastyworks.com\n")
    with pytest.raises(ConfigError, match="TASTY_BASE_URL_LIVE") as raised:
        load_settings(env_file=env, data_dir=tmp_path)
    assert "hunter2secret" not in str(raised.value)


def test_a_client_to_a_lookalike_host_is_never_built(tmp_path):
    settings = load_settings(env_file=tmp_path / "none.env", data_dir=tmp_path)
    creds = settings.credentials(Environment.SANDBOX).model_copy(
        update={"base_url": "https://api.cert.tastyworks.com.evil.example", "username": "u"}
    )
    with pytest.raises(ClientConfigError, match="neither a tastytrade host"):
        TastytradeClient(creds, data_dir=tmp_path, user_agent="spreads-cockpit/0.1")


def test_settings_store_the_normalised_url(tmp_path):
    env = tmp_path / ".env"
    env.write_text("TASTY_BASE_URL_LIVE=HTTPS://API.TastyWorks.COM.:443/\n")
    settings = load_settings(env_file=env, data_dir=tmp_path)
    assert settings.tasty_base_url_live == "https://api.tastyworks.com"


@pytest.mark.parametrize(
    "sandbox_url", ["https://api.tastyworks.com.", "https://API.tastytrade.com./"]
)
def test_trailing_dot_production_host_is_not_a_sandbox(tmp_path, sandbox_url):
    env = tmp_path / ".env"
    env.write_text(
        f"TASTY_BASE_URL_SANDBOX={sandbox_url}\nTT_SANDBOX_CLIENT_ID=c\n"
        "TT_SANDBOX_CLIENT_SECRET=s\nTT_SANDBOX_REFRESH_TOKEN=r\n"
    )
    settings = load_settings(env_file=env, data_dir=tmp_path)
    assert settings.credentials(Environment.SANDBOX).targets_real_tastytrade
    assert sandbox_target_problem(settings.tasty_base_url_sandbox, settings.tasty_base_url_live)


def test_localhost_that_resolves_elsewhere_is_refused():
    with pytest.raises(BaseUrlError, match="not this machine"):
        parse_base_url("http://localhost:8050", resolve=lambda host: ["192.0.2.7"])
    assert parse_base_url("http://localhost:8050", resolve=lambda host: ["::1", "127.0.0.1"])


# --- the guard over real HTTP: the "sandbox" is the live server by another name ---------------


@pytest.fixture
def rig(tmp_path):
    built = GuardRig(tmp_path, use_live=False, always_dry_run=False)
    yield built
    built.close()


def _aliased_guard(rig: GuardRig, sandbox_url: str, *, live_trio_as_sandbox: bool) -> BrokerGuard:
    """The finding's set-up: sandbox URL = the live server, the live OAuth trio in TT_SANDBOX_*."""
    update = {"tasty_base_url_sandbox": sandbox_url}
    if live_trio_as_sandbox:
        logins = rig.live.logins
        update |= {
            "tt_sandbox_client_id": logins.client_id,
            "tt_sandbox_client_secret": logins.client_secret,
            "tt_sandbox_refresh_token": logins.refresh_token,
        }
    settings = rig.settings.model_copy(update=update)
    return BrokerGuard(
        settings,
        audit=rig.audit,
        alerts=rig.alerts,
        latch=rig.latch,
        evidence=rig.evidence,
        clients=BrokerClients(settings, clock=rig.clock, sleep=SleepRecorder()),
        journal=rig.journal,
        sandbox_store=rig.sandbox_store,
        clock=rig.clock,
    )


ALIASES = (
    "http://localhost:{port}",
    "http://LOCALHOST.:{port}/",
    "http://127.0.0.2:{port}",
    "http://[::1]:{port}",
    "https://127.0.0.1:{port}",
    "http://[::ffff:127.0.0.1]:{port}",
)


@pytest.mark.parametrize("alias", ALIASES)
def test_sandbox_alias_of_the_live_server_sends_nothing_to_it(rig, alias):
    sandbox_url = alias.format(port=rig.live.url.rsplit(":", 1)[1])
    guard = _aliased_guard(rig, sandbox_url, live_trio_as_sandbox=True)
    try:
        status = guard.status()
        assert status.mode.target is BrokerTarget.SIM
        assert ModeCode.SANDBOX_URL_IS_LIVE in status.mode.codes
        record = guard.run_sandbox_validation()
        assert record.mode is SandboxMode.SIM  # proves nothing for LIVE's sandbox gate
        intent = rig.intent()
        preview = guard.preview(intent)
        assert preview.ready and preview.mode.target is BrokerTarget.SIM, preview.message
        placed = guard.place(
            preview.confirmation_token.get_secret_value(), intent=intent, confirmed_by_person=True
        )
        assert placed.outcome is PlacementOutcome.FILLED  # in the simulator
    finally:
        guard._clients.close()
    assert rig.live.requests == []
    assert order_posts(rig.live) == []


def test_sandbox_login_repeating_a_live_credential_is_not_a_sandbox(rig):
    guard = _aliased_guard(rig, rig.sandbox.url, live_trio_as_sandbox=True)
    try:
        status = guard.status()
        assert status.mode.target is BrokerTarget.SIM
        assert ModeCode.SANDBOX_CREDENTIALS_ARE_LIVE in status.mode.codes
        assert guard.run_sandbox_validation().mode is SandboxMode.SIM
    finally:
        guard._clients.close()
    assert rig.live.requests == [] and order_posts(rig.sandbox) == []


# --- a sandbox validation counts only for the server it ran against ---------------------------

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=timezone.utc)
GRADUATED = ModeIntent(
    use_live=True,
    always_dry_run=True,
    sandbox_credentials=True,
    live_credentials=True,
    sandbox_base_url=DEFAULT_SANDBOX_URL,
    live_base_url=DEFAULT_LIVE_URL,
)


def _live_decision(server: str):
    return resolve_mode(
        GRADUATED,
        gates=gate_report(NOW),
        sandbox=sandbox_record("passed", NOW, server),
        halt=HaltState(active=False),
        latch=LatchState(active=False),
        now=NOW,
    )


def test_a_validation_of_the_configured_sandbox_unlocks_live_dry_run():
    assert _live_decision("https://api.cert.tastyworks.com").mode is EffectiveMode.LIVE_DRY_RUN


@pytest.mark.parametrize("server", ["", "https://api.tastyworks.com", "http://127.0.0.1:9", "junk"])
def test_a_validation_elsewhere_or_of_unknown_server_does_not_unlock_live(server):
    decision = _live_decision(server)
    assert decision.mode is EffectiveMode.FORCED_SANDBOX
    assert ModeCode.SANDBOX_NOT_VALIDATED in decision.codes


def test_the_graduation_gate_reads_the_validated_server_too(tmp_path):
    settings = load_settings(env_file=tmp_path / "none.env", data_dir=tmp_path)
    good = sandbox_record("passed", NOW, DEFAULT_SANDBOX_URL)
    assert gate_sandbox_validated(good, settings).passed
    for server in ("", DEFAULT_LIVE_URL):
        gate = gate_sandbox_validated(sandbox_record("passed", NOW, server), settings)
        assert not gate.passed and "does not count" in gate.sentence
