"""The compliance snapshot CSV: stable layout, byte-stable, atomic, RFC 4180, no secret ever.

The golden file tests/fixtures/judge/compliance_snapshot.golden.csv pins the exact bytes for the
fixed journal and clock below. After an intended change to the layout or a sentence, regenerate
it with `.venv/bin/python -m tests.judge.test_compliance` and review the diff.
"""

from __future__ import annotations

import csv
import io
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.judge_factory import (
    FIXTURES,
    daily_trades,
    green_ci,
    make_trade,
    sandbox_record,
    settings_for,
    utc,
)
from tests.support.tastytrade_support import SteppingClock
from utils.records.alerts import AlertRule, AlertStore
from utils.records.audit import AuditLog
from utils.judge.compliance import (
    COLUMNS,
    SECTIONS,
    ComplianceExportError,
    build_snapshot,
    snapshot_path,
    write_snapshot,
)
from utils.judge.discipline import evaluate_discipline
from utils.judge.gates import evaluate_gates
from utils.judge.ramp import first_live_order_at, ramp_level
from utils.judge.risk import open_risk_by_underlying
from utils.judge.rollback import rollback_triggers
from utils.records.latch import RollbackLatchStore

NOW = utc("2026-08-01T15:00:00Z")
GOLDEN = FIXTURES / "compliance_snapshot.golden.csv"
SECRET_FIELDS = (
    "tt_sandbox_client_id",
    "tt_sandbox_client_secret",
    "tt_sandbox_refresh_token",
    "tt_sandbox_user",
    "tt_sandbox_pass",
    "tt_live_client_id",
    "tt_live_client_secret",
    "tt_live_refresh_token",
    "tt_live_user",
    "tt_live_pass",
)
CANARIES = {
    field: f"CANARY-{field.replace('_', '-')}-5d1e{index}"
    for index, field in enumerate(SECRET_FIELDS)
}


def journal():
    trades = daily_trades(25)
    trades[19] = trades[19].model_copy(update={"mistakes": ("=cmd|' /C calc'!A0",)})
    trades.append(
        make_trade(
            26,
            opened_at="2026-07-31T14:00:00Z",
            profit_target_usd=None,
            stop_loss_usd=None,
            mode="LIVE",
        )
    )
    trades.append(make_trade(27, opened_at="2026-07-31T15:00:00Z", underlying="QQQ", mode="LIVE"))
    return trades


def snapshot_for(
    data_dir: Path,
    settings,
    *,
    alert_message="fill $0.40 from the limit, 3 legs",
    effective_reasons=("forced to SANDBOX: NO_HIGH_ALERT_LAST_SESSION fails", "latch set"),
):
    trades = journal()
    clock = SteppingClock(NOW - timedelta(hours=1))
    alerts_store = AlertStore.open(data_dir, clock=clock)
    alerts_store.raise_alert(AlertRule.ORDER_ANOMALY, alert_message, order_ref="c-42")
    alerts = alerts_store.alerts()
    clock.advance(hours=1)
    halt = alerts_store.halt_state()
    alerts_store.close()
    audit = AuditLog.open(data_dir, clock=lambda: NOW)
    audit.append("intent", correlation_id="c-42", effective_mode="SANDBOX", body={"qty": 1})
    audit.append("guard_decision", correlation_id="c-42", effective_mode="SANDBOX")
    discipline = evaluate_discipline(trades, settings=settings, now=NOW, alerts=alerts)
    gates = evaluate_gates(
        trades=trades,
        discipline=discipline,
        alerts=alerts,
        ci=green_ci(),
        sandbox=sandbox_record(),
        settings=settings,
        now=NOW,
    )
    found = rollback_triggers(
        trades=trades, discipline_score=discipline.score, alerts=alerts, settings=settings, now=NOW
    )
    latch_store = RollbackLatchStore.open(data_dir, clock=clock)
    latch = latch_store.set(found)
    latch_store.close()
    snapshot = build_snapshot(
        generated_at=NOW,
        app_version="0.1.0",
        git_commit="a" * 40,
        requested_mode="LIVE",
        requested_reasons=["USE_LIVE=true", "ALWAYS_DRY_RUN=true"],
        effective_mode="SANDBOX (dry-run)",
        effective_reasons=list(effective_reasons),
        gates=gates,
        discipline=discipline,
        trades=trades,
        alerts=alerts,
        halt=halt,
        latch=latch,
        ramp=ramp_level(
            settings=settings,
            now=NOW,
            first_live_order_at=first_live_order_at(trades),
            trades=trades,
            discipline_score=discipline.score,
        ),
        open_risk=open_risk_by_underlying(trades, settings=settings, now=NOW),
        sandbox=sandbox_record(),
        ci=green_ci(),
        settings=settings,
        audit=audit,
    )
    audit.close()
    return snapshot


@pytest.fixture
def settings(tmp_path):
    return settings_for(tmp_path)


def parsed(payload: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(payload.decode("utf-8"), newline="")))


def test_snapshot_bytes_match_the_golden_file(tmp_path, settings):
    payload = snapshot_for(tmp_path, settings).to_csv_bytes()
    assert payload == GOLDEN.read_bytes()


def test_same_journal_and_clock_give_the_same_bytes_in_another_folder(tmp_path):
    first = snapshot_for(tmp_path / "a", settings_for(tmp_path / "a")).to_csv_bytes()
    second = snapshot_for(tmp_path / "b", settings_for(tmp_path / "b")).to_csv_bytes()
    assert first == second
    assert str(tmp_path).encode() not in first


def test_header_and_section_order_are_the_contract(tmp_path, settings):
    rows = parsed(snapshot_for(tmp_path, settings).to_csv_bytes())
    assert (
        tuple(rows[0])
        == COLUMNS
        == (
            "section",
            "item",
            "value",
            "threshold",
            "passed",
            "headroom",
            "detail",
        )
    )
    sections = [row[0] for row in rows[1:]]
    assert list(dict.fromkeys(sections)) == list(SECTIONS)
    assert sections == sorted(sections, key=SECTIONS.index)
    assert all(len(row) == len(COLUMNS) for row in rows)


def test_every_gate_and_the_facts_the_checklist_asks_for_are_present(tmp_path, settings):
    rows = parsed(snapshot_for(tmp_path, settings).to_csv_bytes())
    items = {(row[0], row[1]): row for row in rows[1:]}
    assert items[("gate", "MIN_TRADES")][2:6] == ["25", ">= 25", "true", "0"]
    assert items[("gate", "NO_HIGH_ALERT_LAST_SESSION")][4] == "false"
    assert items[("gate", "eligible")][2] == "false"
    assert items[("mode", "effective_mode")][2] == "SANDBOX (dry-run)"
    assert items[("halt", "until")][2] == "2026-08-02T14:00:00Z"
    assert items[("latch", "active")][2] == "true"
    assert items[("alerts", "HIGH:ORDER_PLACEMENT_ANOMALY")][6].endswith(
        "fill $0.40 from the limit, 3 legs"
    )
    assert items[("open_risk", "S&P 500")][2:6] == ["400.00", "2000.00", "true", "1600.00"]
    assert items[("ramp", "stage")][2] == "live_week_1"
    assert len(items[("audit", "head_hash")][2]) == 64
    assert ("discipline", "violation:NO_PLANNED_EXIT") in items


def test_times_are_iso_8601_utc(tmp_path, settings):
    rows = parsed(snapshot_for(tmp_path, settings).to_csv_bytes())
    items = {(row[0], row[1]): row for row in rows[1:]}
    assert items[("snapshot", "generated_at")][2] == "2026-08-01T15:00:00Z"
    assert items[("snapshot", "session_timezone")][2] == "America/New_York"


def test_formula_like_text_is_neutralised_but_numbers_are_not(tmp_path, settings):
    reasons = ['=HYPERLINK("http://x")', "@SUM(A1)"]
    rows = parsed(snapshot_for(tmp_path, settings, effective_reasons=reasons).to_csv_bytes())
    items = {(row[0], row[1]): row for row in rows[1:]}
    assert items[("mode", "effective_mode")][6] == '\'=HYPERLINK("http://x"); @SUM(A1)'
    assert items[("alerts", "last_session_high_alerts")][5] == "-1"
    assert items[("discipline", "violation:NO_PLANNED_EXIT")][2] == "-8"
    cells = [cell for row in rows for cell in row]
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)


def test_no_canary_credential_appears_in_any_exported_byte(tmp_path):
    settings = settings_for(tmp_path, **CANARIES)
    leaked_message = f"401 with token {CANARIES['tt_live_refresh_token']} in the response"
    path = write_snapshot(snapshot_for(tmp_path, settings, alert_message=leaked_message), tmp_path)
    payload = path.read_bytes()
    for canary in CANARIES.values():
        assert canary.encode() not in payload
        assert canary.lower().encode() not in payload.lower()
    assert b"401 with token [REDACTED] in the response" in payload


def test_write_is_atomic_and_replaces_the_previous_file(tmp_path, settings):
    snapshot = snapshot_for(tmp_path, settings)
    target = snapshot_path(tmp_path)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"old")
    path = write_snapshot(snapshot, tmp_path)
    assert path == tmp_path / "export" / "compliance_snapshot.csv"
    assert path.read_bytes() == snapshot.to_csv_bytes()
    assert [p.name for p in path.parent.iterdir()] == ["compliance_snapshot.csv"]


def test_an_unwritable_export_folder_is_an_error_naming_the_path(tmp_path, settings):
    snapshot = snapshot_for(tmp_path, settings)
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "export").write_text("a file where the folder should be")
    with pytest.raises(ComplianceExportError, match="compliance_snapshot.csv"):
        write_snapshot(snapshot, blocked)


def test_text_with_commas_quotes_and_newlines_round_trips(tmp_path, settings):
    message = 'broker said "rejected", then\r\nretry refused'
    payload = snapshot_for(tmp_path, settings, alert_message=message).to_csv_bytes()
    rows = parsed(payload)
    details = [row[6] for row in rows if row[1] == "HIGH:ORDER_PLACEMENT_ANOMALY"]
    assert details[0].endswith(message)
    assert b'""rejected""' in payload


def test_the_docs_describe_the_same_layout():
    doc = (Path(__file__).parents[2] / "docs" / "DISCIPLINE_AND_GATES.md").read_text()
    assert "`" + ",".join(COLUMNS) + "`" in doc
    positions = [doc.index(f"`{section}`") for section in SECTIONS]
    assert positions == sorted(positions)


def _regenerate_golden(folder: Path) -> None:
    payload = snapshot_for(folder, settings_for(folder)).to_csv_bytes()
    GOLDEN.write_bytes(payload)
    print(f"wrote {GOLDEN} ({len(payload)} bytes)")


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        _regenerate_golden(Path(folder))
    sys.exit(0)
