"""The access token of a tastytrade login, and its cache file (mode 0600, never trusted blindly)."""

from __future__ import annotations

import json
import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, SecretStr, ValidationError

logger = logging.getLogger(__name__)


class AccessToken(BaseModel):
    """A token the API accepts until `expires_at`; `kind` decides the header form."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["oauth", "session"]
    value: SecretStr
    expires_at: AwareDatetime

    def authorization(self) -> str:
        """The `Authorization` header value: `Bearer <t>` for OAuth, bare for a session."""
        secret = self.value.get_secret_value()
        return f"Bearer {secret}" if self.kind == "oauth" else secret


class TokenCache:
    """One JSON file holding the current access token, mode 0600, bound to one login.

    The file is trusted only when it is a regular file owned by this user, unreadable by others,
    well-formed, and written for the same base URL and login (`fingerprint`); otherwise it is
    discarded with a warning. It never holds the refresh token, client secret or password.
    """

    def __init__(self, path: Path, fingerprint: str) -> None:
        self.path = path
        self._fingerprint = fingerprint

    def load(self) -> AccessToken | None:
        """The cached token, or None when there is none or it cannot be trusted."""
        try:
            info = os.lstat(self.path)
        except FileNotFoundError:
            return None
        problem = self._untrusted_because(info)
        if problem is None:
            try:
                raw = json.loads(self.path.read_text(encoding="utf-8"))
                if raw.get("fingerprint") != self._fingerprint:
                    logger.info("token cache %s belongs to another login; ignored", self.path)
                    return None
                return AccessToken(
                    kind=raw["kind"], value=raw["token"], expires_at=raw["expires-at"]
                )
            except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError):
                problem = "it is not a well-formed token cache"
        logger.warning("token cache %s discarded: %s", self.path, problem)
        self.discard()
        return None

    def save(self, token: AccessToken) -> None:
        """Write the token atomically to a file created with mode 0600."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "fingerprint": self._fingerprint,
            "kind": token.kind,
            "token": token.value.get_secret_value(),
            "expires-at": token.expires_at.isoformat(),
        }
        handle, temp_name = tempfile.mkstemp(dir=self.path.parent, prefix=".token-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(payload, stream)
            os.chmod(temp_name, 0o600)
            os.replace(temp_name, self.path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise

    def discard(self) -> None:
        """Remove the cache file (a missing file is fine)."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as error:
            logger.warning("token cache %s could not be removed: %s", self.path, error.strerror)

    @staticmethod
    def _untrusted_because(info: os.stat_result) -> str | None:
        if not stat.S_ISREG(info.st_mode):
            return "it is not a regular file"
        getuid = getattr(os, "getuid", None)
        if getuid is not None and info.st_uid != getuid():
            return "it is owned by another user"
        if info.st_mode & 0o077:
            return f"its permissions {oct(info.st_mode & 0o777)} let other users read it"
        return None
