"""Which of the login's accounts orders use: the Broker card's picker reads this.

An account is shown masked with a ref (a short digest of its number), never its whole number.
The one used is the session's pick, else the `.env` key's (`TT_SANDBOX_ACCOUNT_NUMBER`,
`TT_LIVE_ACCOUNT_NUMBER`), else the login's only account; with several and neither, orders are
refused with ACCOUNT_AMBIGUOUS naming the key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from utils.broker.attempt import Attempt, Refused
from utils.broker.gatekeeper import Gatekeeper, account_key
from utils.broker.mode_reader import ModeReader
from utils.broker.recorder import Recorder
from utils.records.audit import AuditKind, AuditWriteError
from utils.tastytrade.errors import TastytradeError
from utils.judge.mode import BrokerTarget
from utils.records.sandbox import mask_account
from utils.tastytrade.accounts import CustomerAccount


def account_ref(number: str) -> str:
    """A short stable reference to an account that does not reveal its number."""
    return hashlib.sha256(number.encode()).hexdigest()[:12]


class AccountOption(BaseModel):
    """One account of the login."""

    model_config = ConfigDict(frozen=True)

    ref: str
    number: str
    masked: str
    nickname: str | None = None

    @property
    def label(self) -> str:
        """How the picker names it."""
        return f"{self.masked} {self.nickname or ''}".strip()


class AccountChoice(BaseModel):
    """The login's accounts and the one orders use (None: none chosen, or unreadable)."""

    model_config = ConfigDict(frozen=True)

    target: str
    key: str
    accounts: tuple[AccountOption, ...] = ()
    used_ref: str | None = None
    message: str

    @classmethod
    def of(
        cls, listed: Sequence[CustomerAccount], target: BrokerTarget, default: str | None
    ) -> AccountChoice:
        """The choice over the listed accounts, using `default` when it is among them."""
        options = tuple(
            AccountOption(
                ref=account_ref(c.account.account_number),
                number=c.account.account_number,
                masked=mask_account(c.account.account_number),
                nickname=c.account.nickname,
            )
            for c in listed
        )
        key = account_key(target)
        used = next((o for o in options if o.number == default), None)
        if used is None and len(options) == 1:
            used = options[0]
        if used is not None:
            message = f"Orders use account {used.masked} ({target})."
        elif default is not None:
            message = f"{key} names an account this login does not have: pick one."
        else:
            message = (
                f"This login has {len(options)} accounts: set {key} in .env, or pick one here "
                "for this session."
            )
        return cls(
            target=target.value,
            key=key,
            accounts=options,
            used_ref=None if used is None else used.ref,
            message=message,
        )

    @classmethod
    def unreadable(cls, target: BrokerTarget, why: str) -> AccountChoice:
        """No list: the broker could not be read."""
        return cls(
            target=target.value,
            key=account_key(target),
            message=f"The accounts could not be read: {why}",
        )

    @property
    def used_number(self) -> str | None:
        """The account number orders use now (None when none is settled)."""
        return next((a.number for a in self.accounts if a.ref == self.used_ref), None)


class AccountPicker:
    """Reads the current broker's accounts and holds the session's pick (audited)."""

    def __init__(self, *, modes: ModeReader, gate: Gatekeeper, recorder: Recorder) -> None:
        self._modes = modes
        self._gate = gate
        self._recorder = recorder

    def read(self, attempt: Attempt) -> AccountChoice:
        """The login's accounts and the one orders use (reads only)."""
        target = self._modes.read(attempt, audit=False).decision.target
        try:
            listed = self._gate.client(attempt, target).accounts()
        except Refused as refused:
            return AccountChoice.unreadable(target, refused.reasons[0].sentence)
        except TastytradeError as error:
            return AccountChoice.unreadable(target, str(error))
        return AccountChoice.of(listed, target, self._gate.default_account(target))

    def choose(self, attempt: Attempt, ref: str) -> AccountChoice:
        """Use the listed account with this ref (or number) for the session; the pick is
        audited first (a failed audit write keeps the account as it was)."""
        choice = self.read(attempt)
        found = [a for a in choice.accounts if ref in (a.ref, a.number)]
        if not found:
            return choice.model_copy(
                update={"message": "That account is not among this login's accounts."}
            )
        (picked,) = found
        if picked.ref == choice.used_ref:
            return choice  # already the one in use: nothing changes, nothing is audited
        target = BrokerTarget(choice.target)
        try:
            self._recorder.write(
                attempt,
                AuditKind.GUARD_DECISION,
                {"stage": "account_chosen", "account": picked.masked, "target": choice.target},
            )
        except AuditWriteError as error:
            found_reason = self._recorder.audit_failed(attempt, error)
            return choice.model_copy(update={"message": found_reason.sentence})
        self._gate.chosen_accounts[target] = picked.number
        return self.read(attempt)
