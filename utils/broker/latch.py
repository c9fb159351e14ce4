"""The trader clears the rollback latch: refused while a trigger holds, and audited.

The guard sets the latch (with an audit entry) when a rollback trigger fires; clearing it is the
person's act on the Broker card, judged on a fresh reading of the evidence.
"""

from __future__ import annotations

from utils.judge.evidence import CockpitEvidence
from utils.records.latch import LatchState, RollbackLatchStore
from utils.records.audit import AuditKind, AuditLog

CLEARED_ON_PAGE = "cleared on page"


def clear_rollback_latch(
    latch: RollbackLatchStore,
    audit: AuditLog,
    evidence: CockpitEvidence,
    *,
    note: str = CLEARED_ON_PAGE,
) -> LatchState:
    """Write the LATCH audit entry, then clear the latch.

    Raises LatchClearRefused while any rollback trigger still holds, AuditWriteError when the
    entry cannot be written (the latch then stays set).
    """
    return latch.clear(
        evidence.triggers,
        note=note,
        record=lambda: audit.append(
            AuditKind.LATCH,
            correlation_id=f"latch-{evidence.now:%Y%m%dT%H%M%S}",
            effective_mode=evidence.mode.label,
            body={"action": "clear", "active": False},
        ),
    )
