"""A stamp of what the working-orders read depends on, so an audit entry that cannot change it
(a preview, a refusal, an export) does not force a new evidence reading.

The evidence reads the working opening orders from the audit log's last `window` entries
(`working_openings`). The stamp moves when an entry that can change them
(`working_orders.changes_working`) is appended or leaves that window, and, failing closed,
whenever another connection commits to the log (its edits are not known here), the head moves
back, or too many entries were appended to look at. This connection only appends, so between
two stamps its own commits are exactly the entries after the last head seen.

    working_version_of(audit, window=5000).stamp()  # equal stamps: equal working orders
"""

from __future__ import annotations

import itertools
import threading
from weakref import WeakKeyDictionary

from utils.records.audit import AuditLog
from utils.records.working_orders import changes_working

MAX_APPENDS_LOOKED_AT = 1000  # more appended since the last stamp: a new stamp, unread
_STAMPS = itertools.count(1)  # process-wide: two stamp objects never hand out the same value


class WorkingOrdersVersion:
    """The stamp of one audit log's working-orders read (thread-safe)."""

    def __init__(self, audit: AuditLog, *, window: int) -> None:
        self._audit = audit
        self._window = window
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None  # (others' stamp, head seq) last stamped
        self._stamp = next(_STAMPS)

    def stamp(self) -> int:
        """Equal to the last stamp while nothing the working-orders read uses has changed."""
        with self._lock:
            now = self._audit.others_version_and_head()
            if self._seen is None or not self._unchanged_since(*self._seen, *now):
                self._stamp = next(_STAMPS)
            self._seen = now
            return self._stamp

    def _unchanged_since(self, others: int, head: int, others_now: int, head_now: int) -> bool:
        """Only this connection appended since (others, head), and none of its entries, nor
        those that left the window, can change the working orders."""
        if others_now != others or head_now < head:
            return False
        if head_now - head > MAX_APPENDS_LOOKED_AT:
            return False
        added = self._audit.entries_between(head, head_now)
        left = self._audit.entries_between(
            max(0, head - self._window), max(0, head_now - self._window)
        )
        expected_left = max(0, head_now - self._window) - max(0, head - self._window)
        if len(added) != head_now - head or len(left) != expected_left:
            return False
        return not any(changes_working(entry) for entry in (*added, *left))


_VERSIONS: WeakKeyDictionary[AuditLog, dict[int, WorkingOrdersVersion]] = WeakKeyDictionary()
_VERSIONS_LOCK = threading.Lock()


def working_version_of(audit: AuditLog, *, window: int) -> WorkingOrdersVersion:
    """The one stamp object of `audit`'s working-orders read over its last `window` entries."""
    with _VERSIONS_LOCK:
        versions = _VERSIONS.setdefault(audit, {})
        if window not in versions:
            versions[window] = WorkingOrdersVersion(audit, window=window)
        return versions[window]
