"""One-shot faults the simulated broker can be armed with, and the answer a status fault gives."""

from __future__ import annotations

import re
import secrets
from http import HTTPStatus
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from utils.sim.wire import Answer, error_answer


class Fault(BaseModel):
    """A one-shot fault armed for requests matching `method` and `path` (a regex search)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["status", "canned", "slow", "malformed", "drop", "redirect"]
    method: str | None = None
    path: str | None = None
    status: int = 500
    body: Any = None
    retry_after: str | None = None
    delay_s: float = 0.0
    handle_first: bool = True
    location: str | None = None

    def matches(self, method: str, path: str) -> bool:
        """True when this fault applies to the request."""
        method_ok = self.method is None or self.method.upper() == method
        return method_ok and (self.path is None or re.search(self.path, path) is not None)


def fault_answer(fault: Fault) -> Answer:
    """The error answer of a `status` fault, with its `Retry-After` when given."""
    headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
    try:
        phrase = HTTPStatus(fault.status).phrase
    except ValueError:
        phrase = "Error"
    code = phrase.lower().replace(" ", "_")
    message = (
        f"{phrase} (injected fault). Unique customer support identifier: {secrets.token_hex(16)}"
    )
    answer = error_answer(fault.status, code, message)
    return answer.model_copy(update={"headers": headers})
