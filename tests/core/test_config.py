"""Settings: safe defaults, checklist floors, malformed values, and no secret in errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from utils.core.config import (
    DEFAULT_LIVE_URL,
    DEFAULT_SANDBOX_URL,
    ConfigError,
    Environment,
    credential_notes,
    load_settings,
)

CANARY = "canary-secret-7f3a9"


def write_env(tmp_path, text: str):
    path = tmp_path / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_env_file_means_sim_with_dry_run(tmp_path):
    settings = load_settings(env_file=tmp_path / "missing.env")
    assert settings.use_live is False
    assert settings.always_dry_run is True
    assert settings.host == "127.0.0.1"
    assert settings.dash_debug is False
    assert settings.tasty_base_url_sandbox == DEFAULT_SANDBOX_URL
    assert settings.tasty_base_url_live == DEFAULT_LIVE_URL
    assert not settings.credentials(Environment.SANDBOX).present
    assert not settings.credentials(Environment.LIVE).present


def test_env_file_flips_modes(tmp_path):
    env = write_env(tmp_path, "USE_LIVE=true\nALWAYS_DRY_RUN=false\n")
    settings = load_settings(env_file=env)
    assert settings.use_live is True and settings.always_dry_run is False


def test_malformed_bool_names_the_key(tmp_path):
    env = write_env(tmp_path, "USE_LIVE=maybe\n")
    with pytest.raises(ConfigError, match="USE_LIVE") as raised:
        load_settings(env_file=env)
    assert "maybe" in str(raised.value)


@pytest.mark.parametrize(
    "line, key",
    [
        ("GATE_MIN_TRADES=24", "GATE_MIN_TRADES"),
        ("GATE_MIN_CLEAN_SESSIONS=14", "GATE_MIN_CLEAN_SESSIONS"),
        ("GATE_MIN_EXPECTANCY_USD=-0.01", "GATE_MIN_EXPECTANCY_USD"),
        ("GATE_MIN_DISCIPLINE=69", "GATE_MIN_DISCIPLINE"),
        ("RAMP_WEEK2_MIN_DISCIPLINE=79", "RAMP_WEEK2_MIN_DISCIPLINE"),
        ("HALT_HOURS=23", "HALT_HOURS"),
        ("SYMBOL_RISK_MAX_PCT=20.01", "SYMBOL_RISK_MAX_PCT"),
        ("CONFIRMATION_TTL_S=61", "CONFIRMATION_TTL_S"),
    ],
)
def test_lowering_a_checklist_limit_is_rejected(tmp_path, line, key):
    with pytest.raises(ConfigError, match=key):
        load_settings(env_file=write_env(tmp_path, line + "\n"))


def test_raising_a_gate_is_allowed(tmp_path):
    env = write_env(
        tmp_path, "GATE_MIN_TRADES=40\nGATE_MIN_DISCIPLINE=85\nSYMBOL_RISK_MAX_PCT=10\n"
    )
    settings = load_settings(env_file=env)
    assert settings.gate_min_trades == 40
    assert settings.gate_min_discipline == 85
    assert settings.symbol_risk_max_pct == Decimal(10)


def test_gates_at_their_floor_are_accepted(tmp_path):
    env = write_env(tmp_path, "GATE_MIN_TRADES=25\nGATE_MIN_DISCIPLINE=70\nHALT_HOURS=24\n")
    settings = load_settings(env_file=env)
    assert (settings.gate_min_trades, settings.gate_min_discipline) == (25, 70)


def test_secret_never_echoed_in_errors(tmp_path):
    env = write_env(
        tmp_path,
        f"TT_SANDBOX_PASS={CANARY}\nTT_LIVE_CLIENT_SECRET={CANARY}\nUSE_LIVE=perhaps\nPORT=x\n",
    )
    with pytest.raises(ConfigError) as raised:
        load_settings(env_file=env)
    assert CANARY not in str(raised.value)
    assert "USE_LIVE" in str(raised.value) and "PORT" in str(raised.value)


def test_secrets_are_masked_in_repr(tmp_path):
    env = write_env(tmp_path, f"TT_SANDBOX_CLIENT_SECRET={CANARY}\n")
    settings = load_settings(env_file=env)
    creds = settings.credentials(Environment.SANDBOX)
    assert CANARY not in repr(settings) and CANARY not in repr(creds)
    assert CANARY not in settings.model_dump_json()
    assert creds.client_secret.get_secret_value() == CANARY


def test_oauth_trio_complete_counts_as_credentials(tmp_path):
    env = write_env(
        tmp_path,
        "TT_SANDBOX_CLIENT_ID=id\nTT_SANDBOX_CLIENT_SECRET=s\nTT_SANDBOX_REFRESH_TOKEN=r\n",
    )
    creds = load_settings(env_file=env).credentials(Environment.SANDBOX)
    assert creds.has_oauth and creds.present and not creds.has_legacy_login


def test_incomplete_oauth_trio_is_not_credentials(tmp_path):
    env = write_env(tmp_path, "TT_SANDBOX_CLIENT_ID=id\nTT_SANDBOX_CLIENT_SECRET=s\n")
    assert not load_settings(env_file=env).credentials(Environment.SANDBOX).present


def test_legacy_login_against_real_tastytrade_asks_for_oauth(tmp_path):
    env = write_env(tmp_path, "TT_SANDBOX_USER=me\nTT_SANDBOX_PASS=pw\n")
    notes = credential_notes(load_settings(env_file=env))
    assert len(notes) == 1
    assert "OAuth2" in notes[0] and "TT_SANDBOX_CLIENT_ID" in notes[0]
    assert "pw" not in notes[0].replace("pwd", "")


def test_legacy_login_against_local_broker_needs_no_oauth(tmp_path):
    env = write_env(
        tmp_path,
        "TT_SANDBOX_USER=me\nTT_SANDBOX_PASS=pw\nTASTY_BASE_URL_SANDBOX=http://127.0.0.1:9999\n",
    )
    assert credential_notes(load_settings(env_file=env)) == []


def test_tastytrade_com_hostnames_count_as_real(tmp_path):
    env = write_env(tmp_path, "TASTY_BASE_URL_LIVE=https://api.tastytrade.com/\n")
    creds = load_settings(env_file=env).credentials(Environment.LIVE)
    assert creds.base_url == "https://api.tastytrade.com"
    assert creds.targets_real_tastytrade


def test_env_example_is_a_valid_safe_configuration():
    from utils.core.config import PROJECT_ROOT

    settings = load_settings(env_file=PROJECT_ROOT / ".env.example")
    assert settings.use_live is False and settings.always_dry_run is True
    assert not settings.credentials(Environment.SANDBOX).present


# --- Loopback only (issue 11, finding 6) -------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "localhost", "LOCALHOST"])
def test_loopback_hosts_are_accepted(tmp_path, host):
    assert load_settings(env_file=write_env(tmp_path, f"HOST={host}\n")).host == host


@pytest.mark.parametrize(
    "host",
    ["0.0.0.0", "", "256.1.1.1", "192.168.1.20", "10.0.0.7", "::", "[::1]", "cockpit.example"],
)
def test_a_host_beyond_loopback_is_refused(tmp_path, host):
    with pytest.raises(ConfigError, match="HOST") as raised:
        load_settings(env_file=write_env(tmp_path, f"HOST={host}\n"))
    assert "loopback" in str(raised.value)


# --- Start-up mistakes name the key (issue 11, finding 8) -------------------------------


@pytest.mark.parametrize(
    "line, key",
    [
        ("USER_AGENT=cockpit", "USER_AGENT"),
        ("USER_AGENT=cockpit/", "USER_AGENT"),
        ("USER_AGENT=/1.0", "USER_AGENT"),
        ("DISPLAY_TIMEZONE=Mars/Olympus", "DISPLAY_TIMEZONE"),
        ("DISPLAY_TIMEZONE=../../etc/passwd", "DISPLAY_TIMEZONE"),
        ("DATA_DIR=", "DATA_DIR"),
        ("DATA_DIR=  ", "DATA_DIR"),
        ("UNIT_MAX_LOSS_USD=1e400", "UNIT_MAX_LOSS_USD"),
        ("RISK_BUDGET_USD=10000001", "RISK_BUDGET_USD"),
        ("GATE_MIN_EXPECTANCY_USD=1e400", "GATE_MIN_EXPECTANCY_USD"),
        ("MAX_BID_ASK_WIDTH_USD=1e400", "MAX_BID_ASK_WIDTH_USD"),
        ("UNIT_MAX_LOSS_USD=NaN", "UNIT_MAX_LOSS_USD"),
        ("RISK_BUDGET_USD=Infinity", "RISK_BUDGET_USD"),
    ],
)
def test_a_start_up_mistake_names_the_key(tmp_path, line, key):
    with pytest.raises(ConfigError, match=key):
        load_settings(env_file=write_env(tmp_path, line + "\n"))


def test_a_header_injection_in_the_user_agent_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="USER_AGENT"):
        load_settings(user_agent="spreads-cockpit/0.1\r\nX-Evil: 1", env_file=tmp_path / "no.env")


@pytest.mark.parametrize(
    "agent", ["spreads-cockpit/0.1", "my-desk/2.3.1", "spreads-cockpit/0.1 (me@example.com)"]
)
def test_a_product_version_user_agent_is_accepted(tmp_path, agent):
    env = write_env(tmp_path, f"USER_AGENT={agent}\n")
    assert load_settings(env_file=env).user_agent == agent


def test_a_known_time_zone_and_a_large_but_sane_budget_are_accepted(tmp_path):
    env = write_env(tmp_path, "DISPLAY_TIMEZONE=America/New_York\nRISK_BUDGET_USD=10000000\n")
    settings = load_settings(env_file=env)
    assert settings.display_timezone == "America/New_York"
    assert settings.risk_budget_usd == Decimal(10_000_000)


def test_an_unterminated_quote_names_the_line_and_key_not_the_value(tmp_path):
    env = write_env(tmp_path, 'USE_LIVE=false\nGATE_MIN_TRADES="4071\nHALT_HOURS=24\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(env_file=env)
    message = str(raised.value)
    assert "GATE_MIN_TRADES" in message and "line 2" in message and str(env) in message
    assert "4071" not in message


def test_an_unparsable_secret_line_is_refused_without_its_value(tmp_path):
    env = write_env(tmp_path, f"TT_LIVE_PASS='{CANARY}\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(env_file=env)
    assert "TT_LIVE_PASS" in str(raised.value) and "line 1" in str(raised.value)
    assert CANARY not in str(raised.value)


def test_a_non_utf8_byte_names_the_file_and_line(tmp_path):
    env = tmp_path / ".env"
    env.write_bytes(b"USE_LIVE=false\nTT_LIVE_PASS=caf\xe9-" + CANARY.encode() + b"\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(env_file=env)
    message = str(raised.value)
    assert str(env) in message and "line 2" in message and "UTF-8" in message
    assert "TT_LIVE_PASS" in message
    assert CANARY not in message and "caf" not in message


@pytest.mark.parametrize(
    "secret_key, other",
    [
        ("TT_LIVE_REFRESH_TOKEN", "USER_AGENT"),
        ("TT_SANDBOX_PASS", "HOST"),
        ("TT_SANDBOX_CLIENT_SECRET", "DISPLAY_TIMEZONE"),
        ("TT_LIVE_PASS", "PORT"),
        ("TT_LIVE_CLIENT_ID", "USE_LIVE"),
    ],
)
def test_a_secret_used_as_another_keys_value_is_never_echoed(tmp_path, secret_key, other):
    env = write_env(tmp_path, f"{secret_key}={CANARY}\n{other}={CANARY}\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(env_file=env)
    echoed = CANARY in str(raised.value)
    assert not echoed, "a secret value appeared in the error"
    assert other in str(raised.value)


def test_a_long_secret_is_not_echoed_even_in_part(tmp_path):
    token = "rt-" + "9f8e7d6c5b4a" * 8  # longer than the 40 characters an error may quote
    env = write_env(tmp_path, f"TT_LIVE_REFRESH_TOKEN={token}\nUSER_AGENT={token}\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(env_file=env)
    echoed = token[:12] in str(raised.value)
    assert not echoed, "part of a secret appeared in the error"


def test_a_secret_from_the_environment_is_scrubbed_too(tmp_path, monkeypatch):
    monkeypatch.setenv("TT_SANDBOX_PASS", CANARY)
    env = write_env(tmp_path, f"HOST={CANARY}\n")
    with pytest.raises(ConfigError) as raised:
        load_settings(env_file=env)
    echoed = CANARY in str(raised.value)
    assert not echoed and "HOST" in str(raised.value)


def test_cockpit_env_file_points_at_another_env_file(tmp_path, monkeypatch):
    env = write_env(tmp_path, "GATE_MIN_TRADES=31\n")
    monkeypatch.setenv("COCKPIT_ENV_FILE", str(env))
    assert load_settings().gate_min_trades == 31


def test_a_byte_order_mark_does_not_hide_the_first_key(tmp_path):
    env = tmp_path / ".env"
    env.write_bytes(b"\xef\xbb\xbfUSE_LIVE=true\nALWAYS_DRY_RUN=true\n")
    assert load_settings(env_file=env).use_live is True
