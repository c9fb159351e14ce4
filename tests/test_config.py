"""Settings: safe defaults, checklist floors, malformed values, and no secret in errors."""

from __future__ import annotations

from decimal import Decimal

import pytest

from utils.config import (
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
    from utils.config import PROJECT_ROOT

    settings = load_settings(env_file=PROJECT_ROOT / ".env.example")
    assert settings.use_live is False and settings.always_dry_run is True
    assert not settings.credentials(Environment.SANDBOX).present
