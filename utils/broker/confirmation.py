"""Single-use confirmation tokens, each bound to one exact order and the target it may go to.

Only a clean broker dry-run mints a token (`utils.broker.guard`); `place` redeems it. A token is
accepted once, within `ttl_s` seconds of minting (at exactly `ttl_s` it is still accepted, one
microsecond later it is not), and only for the order and target it was minted for:

- ORDER: the legs (OCC symbol, action, contracts), the limit price, the price effect, the order
  type and the time in force. A changed price, quantity or leg is refused.
- TARGET: the account, the HTTP method and path, the broker host and the effective mode. A token
  minted in SANDBOX cannot place in LIVE, nor for another account.

    book = ConfirmationBook(ttl_s=settings.confirmation_ttl_s, clock=clock)
    issued = book.mint(order, target, correlation_id="...")   # issued.token is a SecretStr
    book.redeem(issued.token.get_secret_value(), order, target)  # or ConfirmationRefused

Every presentation of a known token burns it, whatever the outcome: a token shown with a changed
order cannot be reused for the original either. Only a sha256 digest of each token is kept, in
memory, so a restart voids every outstanding token (fail closed).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator

from utils.core.sessions import Clock, to_utc, utc_now

TOKEN_BYTES = 32
# Burned and expired tokens are forgotten after this long; a forgotten token is UNKNOWN (refused).
FORGET_AFTER = timedelta(hours=1)


class RefusalCode(StrEnum):
    """Why a confirmation token was refused."""

    CONFIRMATION_UNKNOWN = "CONFIRMATION_UNKNOWN"
    CONFIRMATION_EXPIRED = "CONFIRMATION_EXPIRED"
    CONFIRMATION_REPLAYED = "CONFIRMATION_REPLAYED"
    ORDER_CHANGED = "ORDER_CHANGED"
    ACCOUNT_CHANGED = "ACCOUNT_CHANGED"
    TARGET_CHANGED = "TARGET_CHANGED"
    MODE_CHANGED = "MODE_CHANGED"


class ConfirmationRefused(Exception):
    """The token does not confirm this order now; `code` names why."""

    def __init__(self, code: RefusalCode, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


def _digest(payload: dict[str, object]) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _decimal_text(value: Decimal) -> str:
    """`2.50` and `2.5` are the same price; the text form must be too."""
    return format(value.normalize(), "f")


class BoundLeg(BaseModel):
    """One leg as the order sends it."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    action: str
    quantity: int

    def describe(self) -> str:
        """`Sell to Open 1 SPY   260320P00530000`."""
        return f"{self.action} {self.quantity} {self.symbol}"


class OrderBinding(BaseModel):
    """The exact order a token confirms."""

    model_config = ConfigDict(frozen=True)

    legs: tuple[BoundLeg, ...]
    price: Decimal
    price_effect: str
    order_type: str = "Limit"
    time_in_force: str = "Day"

    @field_validator("legs")
    @classmethod
    def _sorted_legs(cls, legs: tuple[BoundLeg, ...]) -> tuple[BoundLeg, ...]:
        return tuple(sorted(legs, key=lambda leg: (leg.symbol, leg.action, leg.quantity)))

    def canonical(self) -> dict[str, object]:
        """The fields hashed, in a form where equal orders give equal text."""
        return {
            "legs": [leg.model_dump() for leg in self.legs],
            "price": _decimal_text(self.price),
            "price_effect": self.price_effect,
            "order_type": self.order_type,
            "time_in_force": self.time_in_force,
        }

    @property
    def digest(self) -> str:
        """sha256 of the canonical order."""
        return _digest(self.canonical())

    def describe(self) -> str:
        """One line: legs, price and effect."""
        legs = "; ".join(leg.describe() for leg in self.legs)
        return f"{legs} @ {_decimal_text(self.price)} {self.price_effect}"


class TargetBinding(BaseModel):
    """Where the confirmed order may go: account, method, path, host and effective mode."""

    model_config = ConfigDict(frozen=True)

    account_number: str
    method: str
    path: str
    host: str
    mode: str

    @property
    def digest(self) -> str:
        """sha256 of the target."""
        return _digest(self.model_dump())


def binding_digest(order: OrderBinding, target: TargetBinding) -> str:
    """sha256 over the order and the target together (what the audit log records)."""
    return _digest({"order": order.canonical(), "target": target.model_dump()})


class IssuedConfirmation(BaseModel):
    """A freshly minted token; `token` is shown to the person once and never logged."""

    model_config = ConfigDict(frozen=True)

    token: SecretStr
    reference: str
    correlation_id: str
    binding_digest: str
    issued_at: datetime
    expires_at: datetime


class RedeemedConfirmation(BaseModel):
    """A token accepted for its order: what it confirmed and when."""

    model_config = ConfigDict(frozen=True)

    reference: str
    correlation_id: str
    binding_digest: str
    issued_at: datetime
    redeemed_at: datetime


class _Minted(BaseModel):
    model_config = ConfigDict(frozen=True)

    reference: str
    correlation_id: str
    order: OrderBinding
    target: TargetBinding
    issued_at: datetime
    expires_at: datetime
    burned_at: datetime | None = None


def token_reference(token: str) -> str:
    """A short public name for a token (first 12 hex of its sha256), safe to log and audit."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:12]


class ConfirmationBook:
    """Mints and redeems confirmation tokens (in memory, thread-safe)."""

    def __init__(self, ttl_s: int, *, clock: Clock = utc_now) -> None:
        if ttl_s <= 0:
            raise ValueError(f"confirmation TTL must be positive, got {ttl_s} s")
        self._ttl = timedelta(seconds=ttl_s)
        self._clock = clock
        self._lock = threading.Lock()
        self._minted: dict[str, _Minted] = {}

    @property
    def ttl_s(self) -> int:
        """How long a token stays valid, in seconds."""
        return int(self._ttl.total_seconds())

    def mint(
        self, order: OrderBinding, target: TargetBinding, *, correlation_id: str
    ) -> IssuedConfirmation:
        """A new single-use token for exactly this order and target, valid `ttl_s` seconds."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        key = hashlib.sha256(token.encode("utf-8")).hexdigest()
        now = to_utc(self._clock())
        minted = _Minted(
            reference=key[:12],
            correlation_id=correlation_id,
            order=order,
            target=target,
            issued_at=now,
            expires_at=now + self._ttl,
        )
        with self._lock:
            self._forget_old(now)
            self._minted[key] = minted
        return IssuedConfirmation(
            token=SecretStr(token),
            reference=minted.reference,
            correlation_id=correlation_id,
            binding_digest=binding_digest(order, target),
            issued_at=minted.issued_at,
            expires_at=minted.expires_at,
        )

    def peek(self, token: str) -> str | None:
        """The correlation id a token was minted for, without burning it (None if unknown)."""
        key = hashlib.sha256(token.encode("utf-8")).hexdigest()
        with self._lock:
            minted = self._minted.get(key)
        return None if minted is None else minted.correlation_id

    def redeem(
        self, token: str, order: OrderBinding, target: TargetBinding
    ) -> RedeemedConfirmation:
        """Accept the token for this order and target, once; otherwise raise ConfirmationRefused.

        The token is burned by this call whatever the outcome.
        """
        key = hashlib.sha256(token.encode("utf-8")).hexdigest()
        now = to_utc(self._clock())
        with self._lock:
            minted = self._minted.get(key)
            if minted is None:
                raise ConfirmationRefused(
                    RefusalCode.CONFIRMATION_UNKNOWN,
                    "this confirmation was not issued by this cockpit session (or was "
                    "forgotten after a restart): preview the order again",
                )
            if minted.burned_at is not None:
                raise ConfirmationRefused(
                    RefusalCode.CONFIRMATION_REPLAYED,
                    f"confirmation {minted.reference} was already used at "
                    f"{minted.burned_at.isoformat()}: a confirmation places at most one order",
                )
            self._minted[key] = minted.model_copy(update={"burned_at": now})
        if now > minted.expires_at:
            age = (now - minted.issued_at).total_seconds()
            raise ConfirmationRefused(
                RefusalCode.CONFIRMATION_EXPIRED,
                f"confirmation {minted.reference} expired: it is {age:g} s old and valid for "
                f"{self.ttl_s} s; preview the order again",
            )
        _require_same_target(minted.target, target)
        _require_same_order(minted.order, order)
        return RedeemedConfirmation(
            reference=minted.reference,
            correlation_id=minted.correlation_id,
            binding_digest=binding_digest(order, target),
            issued_at=minted.issued_at,
            redeemed_at=now,
        )

    def _forget_old(self, now: datetime) -> None:
        stale = [key for key, m in self._minted.items() if now - m.expires_at > FORGET_AFTER]
        for key in stale:
            del self._minted[key]


def _require_same_target(minted: TargetBinding, given: TargetBinding) -> None:
    if minted.mode != given.mode:
        raise ConfirmationRefused(
            RefusalCode.MODE_CHANGED,
            f"the confirmation was issued in {minted.mode} but the order would now run in "
            f"{given.mode}: preview it again in the current mode",
        )
    if minted.account_number != given.account_number:
        raise ConfirmationRefused(
            RefusalCode.ACCOUNT_CHANGED,
            "the confirmation was issued for another account: preview the order again for "
            "this account",
        )
    if (minted.host, minted.method, minted.path) != (given.host, given.method, given.path):
        raise ConfirmationRefused(
            RefusalCode.TARGET_CHANGED,
            f"the confirmation was issued for {minted.method} {minted.host} but the order would "
            f"now go to {given.method} {given.host}: preview it again",
        )


def _require_same_order(minted: OrderBinding, given: OrderBinding) -> None:
    if minted.digest == given.digest:
        return
    changed = [
        name
        for name, before, after in (
            ("price", _decimal_text(minted.price), _decimal_text(given.price)),
            ("price effect", minted.price_effect, given.price_effect),
            ("legs or quantities", minted.legs, given.legs),
            ("order type", minted.order_type, given.order_type),
            ("time in force", minted.time_in_force, given.time_in_force),
        )
        if before != after
    ]
    raise ConfirmationRefused(
        RefusalCode.ORDER_CHANGED,
        f"the order changed since it was confirmed ({', '.join(changed)}): confirmed "
        f"{minted.describe()}, now {given.describe()}; preview the changed order again",
    )
