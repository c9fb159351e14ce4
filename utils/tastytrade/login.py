"""Logging in to tastytrade: the OAuth2 refresh-token grant, or the legacy session login.

OAuth: `POST /oauth/token` with the client id / secret / refresh-token trio gives a 15-minute
bearer token. Legacy: `POST /sessions` with username and password gives a session token sent bare
in `Authorization` (tastytrade decommissioned it on 2026-02-11; the simulated broker keeps it).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

from utils.core.config import BrokerCredentials
from utils.tastytrade.api_model import TastyModel
from utils.tastytrade.responses import data_of, parse_model
from utils.tastytrade.tokens import AccessToken

logger = logging.getLogger(__name__)

LEGACY_SESSION_LIFETIME = timedelta(hours=24)


class OAuthToken(BaseModel):
    """`POST /oauth/token` answer (snake_case keys, not in the `data` envelope)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    access_token: SecretStr
    token_type: str = "Bearer"
    expires_in: int = 900


class SessionUser(TastyModel):
    """The user block of a legacy `/sessions` answer."""

    email: str | None = None
    username: str | None = None
    external_id: str | None = None


class LegacySession(TastyModel):
    """Legacy `POST /sessions` answer: a session token sent bare in `Authorization`."""

    session_token: SecretStr
    session_expiration: datetime | None = None
    remember_token: SecretStr | None = None
    user: SessionUser | None = None


class LoginRequest(BaseModel):
    """The login call for a set of credentials, and the settings to check when it is refused."""

    model_config = ConfigDict(frozen=True)

    path: str
    body: dict[str, Any]
    hint: str


def login_request(credentials: BrokerCredentials) -> LoginRequest:
    """OAuth when the credentials hold the trio, otherwise the legacy username/password login."""
    key = f"TT_{credentials.environment.value.upper()}"
    if credentials.has_oauth:
        return LoginRequest(
            path="/oauth/token",
            hint=f"{key}_CLIENT_SECRET and {key}_REFRESH_TOKEN",
            body={
                "grant_type": "refresh_token",
                "refresh_token": _secret(credentials.refresh_token),
                "client_secret": _secret(credentials.client_secret),
                "client_id": _secret(credentials.client_id),
            },
        )
    return LoginRequest(
        path="/sessions",
        hint=f"{key}_USER and {key}_PASS",
        body={
            "login": _secret(credentials.username),
            "password": _secret(credentials.password),
            "remember-me": False,
        },
    )


def access_token_from(
    credentials: BrokerCredentials, raw: Any, path: str, now: datetime
) -> AccessToken:
    """The access token in a successful login answer, with its expiry."""
    if credentials.has_oauth:
        token = parse_model(OAuthToken, raw, path)
        expires_at = now + timedelta(seconds=token.expires_in)
        logger.info("obtained an access token (valid %s s)", token.expires_in)
        return AccessToken(kind="oauth", value=token.access_token, expires_at=expires_at)
    session = parse_model(LegacySession, data_of(raw, path), path)
    expires_at = session.session_expiration or now + LEGACY_SESSION_LIFETIME
    logger.info("opened a legacy session (until %s)", expires_at.isoformat())
    return AccessToken(kind="session", value=session.session_token, expires_at=expires_at)


def login_fingerprint(base_url: str, credentials: BrokerCredentials) -> str:
    """Which login a cached token belongs to: base URL, login kind and identity, hashed."""
    who = credentials.client_id if credentials.has_oauth else credentials.username
    identity = who.get_secret_value() if who is not None else ""
    kind = "oauth" if credentials.has_oauth else "session"
    return hashlib.sha256(f"{base_url}|{kind}|{identity}".encode()).hexdigest()[:32]


def _secret(value: SecretStr | None) -> str:
    return value.get_secret_value() if value is not None else ""
