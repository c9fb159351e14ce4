"""One shape for every "why": a typed code, a sentence a trader can act on, and the evidence.

Every check, gate, mode reason, guard reason, rollback trigger, violation and coach note is a
`Reason` over its own code enum, so a card, the export and the audit log read them alike:

    class CheckResult(Reason[ReasonCode]):
        passed: bool

    CheckResult(code=ReasonCode.HALTED, sentence="New entries are halted.", passed=False,
                evidence=as_evidence(until=halt.until))
"""

from __future__ import annotations

from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

CodeT = TypeVar("CodeT", bound=StrEnum)


class Reason(BaseModel, Generic[CodeT]):
    """A decision's why: its code, one sentence, and the evidence behind it (as text)."""

    model_config = ConfigDict(frozen=True)

    code: CodeT
    sentence: str
    evidence: dict[str, str] = Field(default_factory=dict)


def as_evidence(**values: object) -> dict[str, str]:
    """Evidence as text, in the order given; None becomes an empty string."""
    return {key: "" if value is None else str(value) for key, value in values.items()}
