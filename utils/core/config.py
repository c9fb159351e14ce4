"""Settings from `.env` (pydantic-settings): modes, credentials, URLs, thresholds.

Safe defaults: with no `.env` at all the cockpit runs in SIM with dry-run on.
The checklist's gate numbers are floors: a `.env` may raise them, never lower them.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from utils.core.broker_target import BaseUrlError, is_loopback_host, parse_base_url, system_resolver
from utils.core.env_file import (
    EnvFileError,
    check_env_file,
    matches_secret,
    raw_secret_values,
    scrub,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SANDBOX_URL = "https://api.cert.tastyworks.com"
DEFAULT_LIVE_URL = "https://api.tastyworks.com"
BASE_URL_FIELDS = ("tasty_base_url_sandbox", "tasty_base_url_live")
# Read only from the process environment: another env file instead of PROJECT_ROOT/.env.
ENV_FILE_VARIABLE = "COCKPIT_ENV_FILE"
# Every money or percentage setting is finite and at most this large in size.
MAX_DECIMAL_SETTING = Decimal(10_000_000)
# tastytrade asks for `product/version`; a comment may follow after a space. No control chars.
USER_AGENT_SHAPE = re.compile(
    r"^[A-Za-z0-9][\w.~+-]*/[A-Za-z0-9][\w.~+-]*( [\x20-\x7e]{1,200})?$", re.ASCII
)

# Checklist floors (section 0, 5 and 8): a setting may be stricter, never looser.
GATE_FLOORS: dict[str, Decimal] = {
    "gate_min_trades": Decimal(25),
    "gate_min_clean_sessions": Decimal(15),
    "gate_min_expectancy_usd": Decimal(0),
    "gate_min_discipline": Decimal(70),
    "ramp_week2_min_discipline": Decimal(80),
    "halt_hours": Decimal(24),
}
# Ceilings: a setting may be lower (stricter), never higher.
RISK_CEILINGS: dict[str, Decimal] = {
    "symbol_risk_max_pct": Decimal(20),
    "confirmation_ttl_s": Decimal(60),
}


class ConfigError(Exception):
    """A `.env` value the cockpit refuses to start with; the message names the key."""


class Environment(StrEnum):
    """The two tastytrade environments a trader can hold credentials for."""

    SANDBOX = "sandbox"
    LIVE = "live"


class BrokerCredentials(BaseModel):
    """Credentials and base URL for one environment; secrets stay wrapped."""

    environment: Environment
    base_url: str
    client_id: SecretStr | None = None
    client_secret: SecretStr | None = None
    refresh_token: SecretStr | None = None
    username: SecretStr | None = None
    password: SecretStr | None = None

    @property
    def has_oauth(self) -> bool:
        """True when the OAuth2 trio (client id, secret, refresh token) is complete."""
        return all(_filled(s) for s in (self.client_id, self.client_secret, self.refresh_token))

    @property
    def has_legacy_login(self) -> bool:
        """True when the legacy `/sessions` username and password are both set."""
        return _filled(self.username) and _filled(self.password)

    @property
    def present(self) -> bool:
        """True when any complete way to log in is configured."""
        return self.has_oauth or self.has_legacy_login

    @property
    def targets_real_tastytrade(self) -> bool:
        """True when the base URL points at tastytrade's own servers."""
        try:
            return parse_base_url(self.base_url).is_tastytrade
        except BaseUrlError:
            return False


def _filled(secret: SecretStr | None) -> bool:
    return secret is not None and secret.get_secret_value().strip() != ""


class Settings(BaseSettings):
    """Everything the cockpit reads from `.env` or the environment."""

    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        frozen=True,
    )

    # Mode and safety
    use_live: bool = False
    always_dry_run: bool = True

    # Sandbox credentials: OAuth2 (real tastytrade) and the legacy login (simulated broker)
    tt_sandbox_client_id: SecretStr | None = None
    tt_sandbox_client_secret: SecretStr | None = None
    tt_sandbox_refresh_token: SecretStr | None = None
    tt_sandbox_user: SecretStr | None = None
    tt_sandbox_pass: SecretStr | None = None

    # Live credentials (only used once every gate passes)
    tt_live_client_id: SecretStr | None = None
    tt_live_client_secret: SecretStr | None = None
    tt_live_refresh_token: SecretStr | None = None
    tt_live_user: SecretStr | None = None
    tt_live_pass: SecretStr | None = None

    # The account to trade when a login has several (the sandbox one also picks among SIM's)
    tt_sandbox_account_number: str | None = None
    tt_live_account_number: str | None = None

    # API endpoints
    tasty_base_url_sandbox: str = DEFAULT_SANDBOX_URL
    tasty_base_url_live: str = DEFAULT_LIVE_URL
    user_agent: str = "spreads-cockpit/0.1"

    # Where the cockpit keeps its state, and where it listens
    data_dir: Path = PROJECT_ROOT / "data"
    host: str = "127.0.0.1"
    port: int = Field(default=8050, ge=1, le=65535)
    dash_debug: bool = False
    display_timezone: str | None = None

    # Graduation gates (floors) and ramp
    gate_min_trades: int = 25
    gate_min_clean_sessions: int = 15
    gate_min_expectancy_usd: Decimal = Decimal(0)
    gate_min_discipline: int = 70
    ramp_week2_min_discipline: int = 80
    halt_hours: int = 24

    # Size ladder and pre-trade limits
    unit_max_loss_usd: Decimal = Field(default=Decimal(500), gt=0)
    ladder_max_level: int = Field(default=4, ge=1)
    risk_budget_usd: Decimal = Field(default=Decimal(10000), gt=0)
    max_concurrent_spreads: int = Field(default=2, ge=1)
    symbol_risk_max_pct: Decimal = Decimal(20)
    orders_per_minute: int = Field(default=5, ge=1)
    confirmation_ttl_s: int = 60

    # Entry filters a trader can tune
    entry_dte_min: int = Field(default=7, ge=0)
    entry_dte_max: int = Field(default=60, ge=0)
    min_credit_pct_of_width: Decimal = Field(default=Decimal(20), ge=0, le=100)
    max_bid_ask_width_usd: Decimal = Field(default=Decimal("0.50"), gt=0)
    revenge_guard_minutes: int = Field(default=30, ge=0)

    @field_validator(*BASE_URL_FIELDS, mode="after")
    @classmethod
    def _known_broker_server(cls, url: str) -> str:
        """Only tastytrade over https or this machine; stored in its normalised form."""
        try:
            return parse_base_url(url, resolve=system_resolver).url
        except BaseUrlError as error:
            raise ValueError(f"refused: {error}") from None

    @field_validator("tt_sandbox_account_number", "tt_live_account_number", mode="before")
    @classmethod
    def _account_number(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip() or None
        if isinstance(value, str) and not (value.isascii() and value.isalnum()):
            raise ValueError("must be a tastytrade account number (letters and digits only)")
        return value

    @field_validator("host")
    @classmethod
    def _loopback_only(cls, value: str) -> str:
        if not is_loopback_host(value):
            raise ValueError(
                "must be a loopback address (127.0.0.1, another 127.x.y.z, ::1 or localhost): "
                "the cockpit never listens beyond this machine"
            )
        return value

    @field_validator("user_agent")
    @classmethod
    def _product_slash_version(cls, value: str) -> str:
        if not USER_AGENT_SHAPE.match(value):
            raise ValueError(
                "must look like product/version (e.g. spreads-cockpit/0.1): tastytrade "
                "requires that shape"
            )
        return value

    @field_validator("display_timezone")
    @classmethod
    def _known_time_zone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(
                "is not a known time zone: use an IANA name such as America/New_York"
            ) from None
        return value

    @field_validator("data_dir", mode="before")
    @classmethod
    def _data_dir_named(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError(
                "is empty, which would put the cockpit's state in the working folder: name a "
                "folder, or remove the line to use data/ in the project"
            )
        return value

    @field_validator("*")
    @classmethod
    def _sane_amount(cls, value: object) -> object:
        if isinstance(value, Decimal) and (
            not value.is_finite() or abs(value) > MAX_DECIMAL_SETTING
        ):
            raise ValueError(f"must be a finite number no larger than {MAX_DECIMAL_SETTING:,}")
        return value

    @model_validator(mode="after")
    def _checklist_bounds(self) -> Settings:
        for name, floor in GATE_FLOORS.items():
            value = Decimal(getattr(self, name))
            if value < floor:
                raise ValueError(
                    f"{name.upper()}={value} is below the checklist floor of {floor}: "
                    "a gate may be raised, never lowered"
                )
        for name, ceiling in RISK_CEILINGS.items():
            value = Decimal(getattr(self, name))
            if value > ceiling or value <= 0:
                raise ValueError(
                    f"{name.upper()}={value} must be above 0 and at most {ceiling} "
                    "(the checklist's limit); it may be tightened, never loosened"
                )
        if self.entry_dte_min > self.entry_dte_max:
            raise ValueError("ENTRY_DTE_MIN must not exceed ENTRY_DTE_MAX")
        return self

    def secret_values(self) -> list[str]:
        """Every configured secret value, so writers can scrub them from what they store."""
        values = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr) and value.get_secret_value():
                values.append(value.get_secret_value())
        return values

    def sandbox_shares_live_credentials(self) -> bool:
        """True when a sandbox secret repeats a live one (the "sandbox" would log in live)."""
        sandbox, live = (self.credentials(env) for env in (Environment.SANDBOX, Environment.LIVE))

        def secrets(creds: BrokerCredentials) -> set[str]:
            values = {creds.client_secret, creds.refresh_token}
            if creds.has_legacy_login and creds.username and creds.password:
                pair = f"{creds.username.get_secret_value()}\n{creds.password.get_secret_value()}"
                values.add(SecretStr(pair))
            return {v.get_secret_value() for v in values if _filled(v)}

        return bool(secrets(sandbox) & secrets(live))

    def credentials(self, environment: Environment) -> BrokerCredentials:
        """The credentials and base URL configured for one environment."""
        prefix = "tt_sandbox_" if environment is Environment.SANDBOX else "tt_live_"
        url = (
            self.tasty_base_url_sandbox
            if environment is Environment.SANDBOX
            else self.tasty_base_url_live
        )
        return BrokerCredentials(
            environment=environment,
            base_url=url.rstrip("/"),
            client_id=getattr(self, prefix + "client_id"),
            client_secret=getattr(self, prefix + "client_secret"),
            refresh_token=getattr(self, prefix + "refresh_token"),
            username=getattr(self, prefix + "user"),
            password=getattr(self, prefix + "pass"),
        )


def credential_notes(settings: Settings) -> list[str]:
    """Plain-language notes about the configured logins (never their values)."""
    notes = []
    for environment in Environment:
        creds = settings.credentials(environment)
        if creds.has_legacy_login and not creds.has_oauth and creds.targets_real_tastytrade:
            key = f"TT_{environment.value.upper()}"
            notes.append(
                f"{environment.value}: only {key}_USER/{key}_PASS are set, but tastytrade "
                "accepts only OAuth2 since 2026-02-11; set "
                f"{key}_CLIENT_ID, {key}_CLIENT_SECRET and {key}_REFRESH_TOKEN."
            )
    return notes


def default_env_file() -> Path:
    """The env file: COCKPIT_ENV_FILE from the process environment, else PROJECT_ROOT/.env."""
    override = os.environ.get(ENV_FILE_VARIABLE, "").strip()
    return Path(override) if override else PROJECT_ROOT / ".env"


def ensure_data_dir(settings: Settings) -> Path:
    """Create DATA_DIR if needed and prove it takes a file; ConfigError naming DATA_DIR if not."""
    path = Path(settings.data_dir)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-check-"):
            pass
    except FileExistsError:
        problem = "is a file, not a folder"
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        problem = f"cannot be created or written ({reason})"
    else:
        return path
    message = (
        f"DATA_DIR={path} {problem}: point DATA_DIR at a folder you can write, "
        "or remove it to use data/ in the project"
    )
    raise ConfigError(scrub(message, settings.secret_values()))


def _secret_fields() -> set[str]:
    return {
        name
        for name, field in Settings.model_fields.items()
        if "SecretStr" in str(field.annotation)
    }


def describe_validation_error(error: ValidationError, secrets: Iterable[str] = ()) -> str:
    """Turn a pydantic error into lines naming each `.env` key, never echoing a secret.

    `secrets` are the values given for secret keys: a value that contains one is not quoted,
    and every line is scrubbed of them (a secret pasted as another key's value stays hidden).
    """
    secret_fields = _secret_fields()
    hidden = [s for s in secrets if s]
    lines = []
    for item in error.errors(include_url=False):
        field = str(item["loc"][0]) if item["loc"] else ""
        key = field.upper() if field else "settings"
        message = str(item["msg"]).removeprefix("Value error, ")
        if field and field not in secret_fields | set(BASE_URL_FIELDS) and "input" in item:
            given = str(item["input"])
            if matches_secret(given, hidden):
                message += " (value not shown: it matches a configured secret)"
            else:
                message += f" (got {given[:40]!r})"
        lines.append(scrub(f"{key}: {message}" if field else message, hidden))
    return "Invalid .env setting(s):\n  " + "\n  ".join(lines)


def load_settings(env_file: Path | None = None, **overrides: Any) -> Settings:
    """Read settings from `env_file` (default: `default_env_file()`) and the environment.

    Raises ConfigError with a message that names the offending key (or the file and line);
    secrets are never echoed.
    """
    path = Path(env_file) if env_file is not None else default_env_file()
    try:
        check_env_file(path)
    except EnvFileError as error:
        raise ConfigError(f"Invalid env file:\n  {error}") from None
    try:
        return Settings(_env_file=path, **overrides)
    except ValidationError as error:
        names = sorted(_secret_fields())
        given = [value for name, value in overrides.items() if name.lower() in names]
        secrets = raw_secret_values(path, names, os.environ, given)
        raise ConfigError(describe_validation_error(error, secrets)) from None
