"""Broker and Export cards rendered without a browser: mode, latch, account, validation, export."""

from __future__ import annotations

from datetime import datetime, timezone
from components.cards import broker, export
from components.jobs import Job
from tests.support.judge_factory import sandbox_record
from tests.app.dash_tree import find, text
from utils.broker.sandbox_validation import ValidationProgress
from utils.records.latch import LatchState, RollbackTrigger, TriggerCode
from utils.records.audit import AuditChainBroken, AuditVerification

SET_AT = datetime(2025, 3, 3, 14, 30, tzinfo=timezone.utc)


def test_mode_in_sim_with_its_reasons_and_an_intact_chain(empty_ctx):
    chain = empty_ctx.guard.audit_chain()
    body = broker.render_mode(empty_ctx.evidence(), chain, empty_ctx.settings)
    assert text(body[0]) == "Requested in .env: USE_LIVE=false, ALWAYS_DRY_RUN=true"
    assert text(find(body, broker.Ids.EFFECTIVE_MODE)) == "SIM (dry-run)"
    assert text(find(body, broker.Ids.MODE_REASONS)) == (
        "No sandbox login is configured: orders go to the embedded simulator. "
        "USE_LIVE=false: practice mode. "
        "ALWAYS_DRY_RUN=true: every order stops after the broker's dry-run."
    )
    assert text(find(body, broker.Ids.AUDIT_CHAIN)) == (
        f"Audit log intact: head seq 0, {chain.head_hash[:12]}..."
    )
    latch_button = find(body, broker.Ids.LATCH_CLEAR)
    assert latch_button.hidden and find(body, broker.Ids.LATCH) is None


def test_a_set_latch_lists_its_triggers_and_offers_the_clear(empty_ctx):
    latch = LatchState(
        active=True,
        set_at=SET_AT,
        triggers=(
            RollbackTrigger(code=TriggerCode.ORDER_ANOMALY, sentence="An order was rejected."),
        ),
    )
    shown = broker.render_latch(latch, empty_ctx.settings)
    assert shown.id == broker.Ids.LATCH and shown.color == "danger"
    assert text(shown).startswith(
        "Rollback latch SET  since 2025-03-03 09:30 EST: orders are forced to dry-run whatever "
        ".env says. An order was rejected. Rollback sequence:"
    )
    assert text(shown).endswith("Clear the latch")


def test_a_broken_chain_names_its_first_broken_entry():
    check = AuditVerification(ok=False, checked=6, first_broken_seq=4, message="entry 4 was edited")
    line = broker.render_audit_chain(check)
    assert line.id == broker.Ids.AUDIT_CHAIN and line.color == "danger"
    assert text(line) == (
        "Audit chain broken at entry 4:  entry 4 was edited. Opening orders are refused and the "
        "compliance export is stopped; closing orders and cancels still pass. Check it from a "
        "shell with `python -m utils.records.audit verify`."
    )


def test_account_read_from_the_simulator(empty_ctx):
    body = broker.render_account(empty_ctx.guard.status(), empty_ctx.settings)
    accounts = text(find(body, broker.Ids.ACCOUNTS))
    assert "net liq $100,000.00, cash $100,000.00, option buying power $100,000.00" in accounts
    assert text(body[2]) == "Positions (0) none"


def test_validation_progress_lines_and_verdicts():
    step = ValidationProgress(step="dry-run", index=2, total=7, passed=True, detail="ok in SIM")
    assert broker.validation_line(step) == "[2/7] dry-run: ok - ok in SIM"
    running = ValidationProgress(step="login", index=1, total=7, passed=None)
    assert broker.validation_line(running) == "[1/7] login: running"
    lines = [f"line {n}" for n in range(20)]
    shown = broker.render_validation(Job(id="j", name="v", lines=lines), None)
    assert text(shown) == "running... " + " ".join(lines[-12:])
    failed = broker.render_validation(
        Job(id="j", name="v", lines=[], done=True, error="no login"), None
    )
    assert text(failed) == "ERROR  The validation stopped before its end: no login"


def test_validation_shows_every_step_from_the_first_once():
    steps = [("target", True), ("login", True), ("accounts", True), ("balances", True)]
    steps += [("positions", True), ("spread", True), ("dry-run", None)]
    lines = []
    for index, (name, passed) in enumerate(steps, start=1):
        running = ValidationProgress(step=name, index=index, total=7, passed=None)
        lines.append(broker.validation_line(running))
        if passed is not None:
            lines.append(
                broker.validation_line(
                    ValidationProgress(step=name, index=index, total=7, passed=passed)
                )
            )
    shown = broker.render_validation(Job(id="j", name="v", lines=lines), None)[1].children
    assert [text(line) for line in shown] == [
        "[1/7] target: ok",
        "[2/7] login: ok",
        "[3/7] accounts: ok",
        "[4/7] balances: ok",
        "[5/7] positions: ok",
        "[6/7] spread: ok",
        "[7/7] dry-run: running",
    ]


def test_the_last_validation_is_shown_after_a_reload(empty_ctx):
    empty_ctx.stores.sandbox.record(sandbox_record(passed=False))
    card = broker.layout(empty_ctx)
    shown = text(find(card, broker.Ids.VALIDATE_OUTPUT))
    assert shown == (
        "FAILED  last run 2026-07-30 11:00 EDT in SANDBOX " "[1/2] login: ok [2/2] dry-run: FAILED"
    )
    assert text(find(card, broker.Ids.VALIDATION_VERDICT)) == "FAILED"


def test_the_account_panel_refreshes_when_the_journal_changes(empty_ctx):
    from app_dash import create_app
    from components.signals import JOURNAL_CHANGED

    app = create_app(empty_ctx)
    (entry,) = [e for key, e in app.callback_map.items() if broker.Ids.ACCOUNT_BODY in key]
    assert {"id": JOURNAL_CHANGED, "property": "data"} in entry["inputs"]


def test_export_written_and_refused_messages(tmp_path):
    path = tmp_path / "export" / "compliance_snapshot.csv"
    written = export.render_written(path, 42)
    assert text(find(written, export.Ids.PATH)) == str(path)
    assert text(written) == f"Written:  {path}  (42 rows). The download starts now."
    check = AuditVerification(ok=False, checked=6, first_broken_seq=4, message="entry 4 was edited")
    refused = export.render_refused(AuditChainBroken(check, "the export is refused"))
    assert refused.id == export.Ids.REFUSED
    assert text(refused) == (
        "Export refused: the audit chain is broken.  entry 4 was edited; the export is refused. "
        "Restore data/audit.sqlite3 (see `python -m utils.records.audit verify`), then export "
        "again."
    )
