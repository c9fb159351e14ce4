"""The sandbox validation record: consistent, masked, append-only, and it survives a restart."""

from __future__ import annotations

import sqlite3

import pytest
from pydantic import ValidationError

from tests.support.judge_factory import utc
from utils.records.sandbox import (
    SandboxMode,
    SandboxStep,
    SandboxValidationRecord,
    SandboxValidationStore,
    mask_account,
)

RAN_AT = utc("2026-07-30T15:00:00Z")


def record(passed=True, account="5WT0001234", ran_at=RAN_AT):
    return SandboxValidationRecord(
        passed=passed,
        ran_at=ran_at,
        mode="SANDBOX",
        steps=(
            SandboxStep(name="login", passed=True),
            SandboxStep(name="dry-run order", passed=passed, detail="buying power -$400.00"),
        ),
        account=account,
    )


def test_account_number_is_masked_on_the_way_in():
    assert record().account == "********34"


def test_masking_is_idempotent_and_hides_short_values():
    assert mask_account(mask_account("5WT0001234")) == "********34"
    assert mask_account("12") == "**" and mask_account("") == ""


def test_passed_must_match_the_steps():
    with pytest.raises(ValidationError, match="contradicts the steps"):
        SandboxValidationRecord(
            passed=True,
            ran_at=RAN_AT,
            mode="SANDBOX",
            steps=(SandboxStep(name="login", passed=False),),
        )


def test_a_record_needs_at_least_one_step():
    with pytest.raises(ValidationError):
        SandboxValidationRecord(passed=True, ran_at=RAN_AT, mode="SANDBOX", steps=())


def test_naive_run_time_is_refused():
    with pytest.raises(ValidationError):
        record(ran_at=RAN_AT.replace(tzinfo=None))


def test_sentence_names_the_failed_steps():
    assert record(passed=False).sentence == (
        "SANDBOX validation failed at 2026-07-30 15:00 UTC: dry-run order."
    )


def test_store_is_empty_before_the_first_run(tmp_path):
    store = SandboxValidationStore.open(tmp_path)
    assert store.latest() is None and store.history() == []
    store.close()


def test_latest_record_survives_a_restart(tmp_path):
    store = SandboxValidationStore.open(tmp_path, clock=lambda: RAN_AT)
    store.record(record(passed=True))
    store.record(record(passed=False, ran_at=utc("2026-07-31T15:00:00Z")))
    store.close()
    reopened = SandboxValidationStore.open(tmp_path)
    latest, history = reopened.latest(), reopened.history()
    reopened.close()
    assert latest is not None and not latest.passed and latest.mode is SandboxMode.SANDBOX
    assert [r.passed for r in history] == [True, False]
    assert latest == record(passed=False, ran_at=utc("2026-07-31T15:00:00Z"))


def test_records_are_append_only(tmp_path):
    store = SandboxValidationStore.open(tmp_path, clock=lambda: RAN_AT)
    store.record(record(passed=False))
    store.close()
    conn = sqlite3.connect(tmp_path / "journal.sqlite3")
    try:
        with pytest.raises(sqlite3.DatabaseError, match="never changed"):
            conn.execute("UPDATE sandbox_validations SET passed = 1")
        with pytest.raises(sqlite3.DatabaseError, match="never deleted"):
            conn.execute("DELETE FROM sandbox_validations")
    finally:
        conn.close()


def test_full_account_number_never_reaches_the_file(tmp_path):
    store = SandboxValidationStore.open(tmp_path, clock=lambda: RAN_AT)
    store.record(record(account="5WT0001234"))
    store.close()
    for path in tmp_path.glob("journal.sqlite3*"):
        assert b"5WT0001234" not in path.read_bytes()
