"""The working-orders stamp: it stays while the appended entries cannot change the working
opening orders (previews, refusals, exports) and moves for an order sent, its end, a partial
fill, an entry leaving the read window, or any other connection's write (real audit files)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from utils.records.audit import AuditKind, AuditLog
from utils.records.working_orders import working_openings
from utils.records.working_version import (
    MAX_APPENDS_LOOKED_AT,
    WorkingOrdersVersion,
    working_version_of,
)

OPENING = {
    "position_effect": "opening",
    "max_loss_usd": "120.00",
    "client_order_id": "co-1",
    "target": "live",
    "underlying": "SPY",
}
# (kind, body) of entries that cannot change the working orders: a preview, a refusal, an export
QUIET = [
    (AuditKind.INTENT, {"qty": 1}),
    (AuditKind.GUARD_DECISION, {"stage": "pretrade", "allowed": False}),
    (AuditKind.PREFLIGHT_REQUEST, {"dry_run": True}),
    (AuditKind.PREFLIGHT_RESULT, {"outcome": "ok"}),
    (AuditKind.CONFIRMATION, {"token": "x"}),
    (AuditKind.BROKER_ANSWER, {"outcome": "ok", "status": "Live"}),
    (AuditKind.EXPORT, {"rows": 44}),
    (AuditKind.MODE_CHANGE, {"to": "SIM"}),
]
# (kind, body) of entries that can: an order sent, its ends, a partial fill
MOVING = [
    (AuditKind.SUBMIT_ATTEMPT, OPENING),
    (AuditKind.FILL, {}),
    (AuditKind.BROKER_ANSWER, {"outcome": "error"}),
    (AuditKind.BROKER_ANSWER, {"outcome": "ok", "status": "Rejected"}),
    (AuditKind.CANCEL, {"stage": "answered", "status": "Cancelled"}),
    (AuditKind.GUARD_DECISION, {"stage": "order_ended"}),
    (AuditKind.GUARD_DECISION, {"stage": "partially_filled", "filled_units": 1, "units": 2}),
]


@pytest.fixture
def log(tmp_path):
    audit = AuditLog.open(tmp_path)
    yield audit
    audit.close()


def append(log: AuditLog, kind, body, cid: str = "order-1") -> None:
    log.append(kind, correlation_id=cid, effective_mode="LIVE", body=body)


@pytest.mark.parametrize("kind, body", QUIET)
def test_an_entry_that_cannot_change_the_working_orders_keeps_the_stamp(log, kind, body):
    version = WorkingOrdersVersion(log, window=100)
    append(log, AuditKind.SUBMIT_ATTEMPT, OPENING)
    before = version.stamp()
    append(log, kind, body)
    assert version.stamp() == before


@pytest.mark.parametrize("kind, body", MOVING)
def test_an_order_sent_its_end_or_a_partial_fill_moves_the_stamp(log, kind, body):
    version = WorkingOrdersVersion(log, window=100)
    append(log, AuditKind.INTENT, {})
    before = version.stamp()
    append(log, kind, body)
    assert version.stamp() != before


def test_an_order_leaving_the_read_window_moves_the_stamp(log):
    version = WorkingOrdersVersion(log, window=3)
    append(log, AuditKind.SUBMIT_ATTEMPT, OPENING)
    append(log, AuditKind.INTENT, {})
    first = version.stamp()
    append(log, AuditKind.EXPORT, {})
    assert version.stamp() == first, "the order is still in the last 3 entries"
    append(log, AuditKind.EXPORT, {})
    second = version.stamp()
    assert second != first, "the order left the window: the working orders read changed"
    append(log, AuditKind.EXPORT, {})
    assert version.stamp() == second


def test_any_write_by_another_connection_moves_the_stamp(log):
    version = WorkingOrdersVersion(log, window=100)
    before = version.stamp()
    other = AuditLog(log.path)
    try:
        append(other, AuditKind.EXPORT, {})
    finally:
        other.close()
    assert version.stamp() != before


def test_more_appends_than_are_looked_at_move_the_stamp(log):
    version = WorkingOrdersVersion(log, window=5000)
    before = version.stamp()
    for i in range(MAX_APPENDS_LOOKED_AT + 1):
        append(log, AuditKind.EXPORT, {}, cid=f"e{i}")
    assert version.stamp() != before


def test_two_stamp_objects_never_hand_out_the_same_value(log):
    assert (
        WorkingOrdersVersion(log, window=9).stamp() != WorkingOrdersVersion(log, window=9).stamp()
    )


def test_each_log_and_window_has_one_stamp_object(log):
    assert working_version_of(log, window=9) is working_version_of(log, window=9)
    assert working_version_of(log, window=9) is not working_version_of(log, window=10)


ENTRY = st.one_of(st.sampled_from(QUIET), st.sampled_from(QUIET), st.sampled_from(MOVING))


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    batches=st.lists(st.lists(st.tuples(ENTRY, st.integers(0, 2)), max_size=3), max_size=8),
    window=st.integers(1, 3),
)
def test_an_equal_stamp_means_equal_working_orders(tmp_path_factory, batches, window):
    """Against the literal read: equal stamps always mean the same working opening orders."""
    audit = AuditLog.open(tmp_path_factory.mktemp("audit"))
    try:
        version = WorkingOrdersVersion(audit, window=window)
        seen: dict[int, tuple] = {}
        for batch in [[], *batches]:
            for (kind, body), order in batch:
                body = {**body, "client_order_id": f"co-{order}"} if body is OPENING else body
                append(audit, kind, body, cid=f"order-{order}")
            working = working_openings(audit.entries(limit=window))
            assert seen.setdefault(version.stamp(), working) == working
    finally:
        audit.close()
