"""Who may talk to the simulated broker: its logins, the tokens it issues, and their checks.

`POST /oauth/token` (refresh-token grant of any registered client; 15-minute bearer tokens) and
the legacy `POST /sessions` / `DELETE /sessions` login (24-hour session tokens sent bare). Secrets
are compared in constant time; every token expires on the injected clock.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr

from utils.core.sessions import Clock
from utils.sim.orders import SimRequestError, not_found
from utils.sim.wire import Answer, error_answer, oauth_error

ACCESS_TOKEN_TTL_S = 900
SESSION_TTL = timedelta(hours=24)
BEARER_SCHEME = "Bearer"

TokenKind = Literal["bearer", "session"]


class SimLogins(BaseModel):
    """The logins the simulated broker accepts: one OAuth client and one legacy user."""

    model_config = ConfigDict(frozen=True)

    client_id: str
    client_secret: SecretStr
    refresh_token: SecretStr
    username: str
    password: SecretStr

    @classmethod
    def generate(cls) -> SimLogins:
        """Fresh random secrets (the default: nothing guessable, nothing to configure)."""
        return cls(
            client_id=f"sim-{secrets.token_hex(4)}",
            client_secret=secrets.token_urlsafe(24),
            refresh_token=secrets.token_urlsafe(32),
            username="sim-trader",
            password=secrets.token_urlsafe(16),
        )


@dataclass
class _Token:
    kind: TokenKind
    expires_at: datetime


class SimAuth:
    """The broker's logins and issued tokens; thread-safe."""

    def __init__(
        self,
        logins: SimLogins,
        *,
        clock: Clock,
        access_token_ttl_s: int = ACCESS_TOKEN_TTL_S,
        legacy_login_enabled: bool = True,
    ) -> None:
        self.logins = logins
        self._clock = clock
        self._oauth_clients = [(logins.client_id, logins.client_secret, logins.refresh_token)]
        self._access_token_ttl = timedelta(seconds=access_token_ttl_s)
        self._legacy_login_enabled = legacy_login_enabled
        self._tokens: dict[str, _Token] = {}
        self._lock = threading.Lock()

    def register_oauth_client(self, client_id: str, client_secret: str, refresh_token: str) -> None:
        """Accept one more OAuth client (id, secret and refresh token)."""
        with self._lock:
            self._oauth_clients.append(
                (client_id, SecretStr(client_secret), SecretStr(refresh_token))
            )

    def expire_tokens(self) -> None:
        """Every access token and session issued so far expires now."""
        now = self._clock()
        with self._lock:
            for token in self._tokens.values():
                token.expires_at = now

    def authorize(self, headers: Any) -> None:
        """Pass a request holding a valid unexpired token; raise a 401 SimRequestError if not."""
        authorization = headers.get("Authorization") or ""
        kind: TokenKind = "session"
        value = authorization
        if authorization.startswith("Bearer "):
            kind, value = "bearer", authorization.removeprefix("Bearer ")
        with self._lock:
            token = self._tokens.get(value) if value else None
        if token is None or token.kind != kind or token.expires_at <= self._clock():
            raise SimRequestError(
                401, "unauthorized", "Access token is missing, invalid or expired"
            )

    def oauth_token(self, body: Any) -> Answer:
        """`POST /oauth/token`: a bearer token for a registered client's refresh token."""
        fields = body if isinstance(body, dict) else {}
        grant = fields.get("grant_type")
        refresh, secret = fields.get("refresh_token"), fields.get("client_secret")
        if grant != "refresh_token":
            return oauth_error("unsupported_grant_type", "grant_type must be refresh_token")
        if not isinstance(refresh, str) or not isinstance(secret, str):
            return oauth_error("invalid_request", "refresh_token and client_secret are required")
        client_id = fields.get("client_id")
        with self._lock:
            clients = list(self._oauth_clients)
        for known_id, known_secret, known_refresh in clients:
            if (
                _same(secret, known_secret.get_secret_value())
                and _same(refresh, known_refresh.get_secret_value())
                and (client_id is None or _same(str(client_id), known_id))
            ):
                token, _ = self._issue("bearer", self._access_token_ttl)
                return Answer(
                    status=200,
                    body={
                        "access_token": token,
                        "token_type": BEARER_SCHEME,
                        "expires_in": int(self._access_token_ttl.total_seconds()),
                    },
                )
        return oauth_error("invalid_grant", "Invalid JWT")

    def sessions(self, method: str, body: Any, headers: Any) -> Answer:
        """`POST /sessions` (legacy login) and `DELETE /sessions` (log out)."""
        if method == "DELETE":
            self.authorize(headers)
            with self._lock:
                self._tokens.pop(headers.get("Authorization") or "", None)
            return Answer(status=204)
        if method != "POST":
            raise not_found(f"{method} /sessions")
        if not self._legacy_login_enabled:
            return error_answer(
                401,
                "invalid_credentials",
                "Legacy /sessions authentication has been decommissioned; use OAuth2.",
            )
        fields = body if isinstance(body, dict) else {}
        login, password = fields.get("login"), fields.get("password")
        if not (
            isinstance(login, str)
            and isinstance(password, str)
            and _same(login, self.logins.username)
            and _same(password, self.logins.password.get_secret_value())
        ):
            return error_answer(
                401,
                "invalid_credentials",
                "Invalid login, please check your username and password. Unique customer "
                f"support identifier: {secrets.token_hex(16)}",
            )
        token, expires_at = self._issue("session", SESSION_TTL)
        data = {
            "user": {
                "email": f"{self.logins.username}@sim.invalid",
                "external-id": "U-SIM-0001",
                "is-confirmed": True,
                "username": self.logins.username,
            },
            "session-expiration": expires_at.isoformat(timespec="milliseconds"),
            "session-token": token,
        }
        if fields.get("remember-me"):
            data["remember-token"] = secrets.token_urlsafe(24)
        return Answer(status=201, body={"data": data, "context": "/sessions"})

    def _issue(self, kind: TokenKind, ttl: timedelta) -> tuple[str, datetime]:
        value = secrets.token_urlsafe(32)
        expires_at = self._clock() + ttl
        with self._lock:
            self._tokens[value] = _Token(kind=kind, expires_at=expires_at)
        return value, expires_at


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
