"""The compliance snapshot: `data/export/compliance_snapshot.csv` (checklist s3, s6, s10).

One CSV a trader keeps with session notes: which mode was asked for and which ran, every gate,
expectancy, discipline and its violations, the last session's HIGH alerts, halt and latch, ramp
and caps, open risk per underlying, sandbox and CI status, and the audit log's head (seq, hash),
written only when the audit chain and its anchor check out.

Format (a contract, pinned by tests/fixtures/judge/compliance_snapshot.golden.csv):

- UTF-8, RFC 4180 (comma, double-quote quoting when needed, CRLF line ends), one header row:
  `section,item,value,threshold,passed,headroom,detail`.
- One fact per row, sections always in this order: snapshot, mode, gate, expectancy,
  discipline, alerts, halt, latch, ramp, open_risk, sandbox, ci, audit (see `SECTIONS`).
  Within a section the fixed rows come first, then the listed ones (violations, alerts,
  underlyings) in a stable order.
- Times are ISO-8601 UTC with `Z`; money is dollars with cents; `passed` is `true`/`false` or
  empty when the row is not a check; numbers are never quoted or prefixed, text that starts
  with `= + - @` is prefixed with `'` (spreadsheet formula injection).
- No secret: every configured secret value (settings' SecretStr fields) is replaced by
  `[REDACTED]` in every cell, whatever text carried it; credentials themselves are never read
  into the snapshot, only their absence or presence through the modes' reasons.
- Byte-stable: the same inputs (journal, clock, states) give the same bytes.

    snapshot = build_snapshot(generated_at=now, app_version=..., git_commit=...,
        requested_mode="LIVE", requested_reasons=[...], effective_mode="SANDBOX (dry-run)",
        effective_reasons=[...], gates=gate_report, discipline=discipline_report,
        trades=trades, alerts=alerts, halt=halt_state, latch=latch_state, ramp=ramp_decision,
        open_risk=open_risk_rows, sandbox=latest_record, ci=ci_status, settings=settings,
        audit=audit_log)
    path = write_snapshot(snapshot, settings.data_dir)   # atomic: temp file + rename
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from utils.records.alerts import Alert, HaltState
from utils.records.audit import AuditChainBroken, AuditKind, AuditLog, redact
from utils.project.ci_status import CiStatus
from utils.core.files import StorageError, write_bytes_atomically
from utils.core.config import Settings
from utils.judge.discipline import DisciplineReport
from utils.judge.evidence import CockpitEvidence
from utils.judge.gates import GateReport, last_session
from utils.journal.trade import Trade
from utils.judge.history import closed_by, exact_expectancy_usd, ids_of, judging_frame_of
from utils.judge.metrics import ROLLBACK_WINDOW_TRADES
from utils.judge.ramp import RampDecision
from utils.judge.risk import UnderlyingRisk
from utils.records.latch import LatchState
from utils.project.git import head_commit
from utils.records.sandbox import SandboxValidationRecord
from utils.core.money import plain_usd
from utils.core.sessions import NEW_YORK, session_of, to_utc

EXPORT_DIR = "export"
SNAPSHOT_FILENAME = "compliance_snapshot.csv"
APP_VERSION = "0.1.0"
COLUMNS = ("section", "item", "value", "threshold", "passed", "headroom", "detail")
SECTIONS = (
    "snapshot",
    "mode",
    "gate",
    "expectancy",
    "discipline",
    "alerts",
    "halt",
    "latch",
    "ramp",
    "open_risk",
    "sandbox",
    "ci",
    "audit",
)
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ComplianceExportError(Exception):
    """The snapshot could not be written; the message names the path and the cause."""


class ComplianceSnapshot(BaseModel):
    """The snapshot's rows (header first), ready to be written."""

    model_config = ConfigDict(frozen=True)

    generated_at: datetime
    rows: tuple[tuple[str, ...], ...]

    def to_csv_bytes(self) -> bytes:
        """RFC 4180 CSV bytes (UTF-8, CRLF)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(COLUMNS)
        writer.writerows(self.rows)
        return buffer.getvalue().encode("utf-8")


def iso_utc(moment: datetime | None) -> str:
    """ISO-8601 in UTC with a `Z` (empty for None)."""
    if moment is None:
        return ""
    return to_utc(moment).isoformat().replace("+00:00", "Z")


def _usd(amount: Decimal | None) -> str:
    return "" if amount is None else plain_usd(amount)


def _bool(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _row(
    section: str,
    item: str,
    value: object = "",
    threshold: object = "",
    passed: bool | None = None,
    headroom: object = "",
    detail: object = "",
) -> tuple[str, ...]:
    return (
        section,
        item,
        _text(value),
        _text(threshold),
        _bool(passed),
        _text(headroom),
        _text(detail),
    )


def _snapshot_rows(generated_at: datetime, app_version: str, git_commit: str | None) -> list:
    return [
        _row("snapshot", "generated_at", iso_utc(generated_at)),
        _row("snapshot", "app_version", app_version),
        _row("snapshot", "git_commit", git_commit or "unknown"),
        _row("snapshot", "session_timezone", str(NEW_YORK)),
    ]


def _mode_rows(
    requested: str,
    requested_reasons: Sequence[str],
    effective: str,
    effective_reasons: Sequence[str],
) -> list:
    return [
        _row("mode", "requested_mode", requested, detail="; ".join(requested_reasons)),
        _row("mode", "effective_mode", effective, detail="; ".join(effective_reasons)),
    ]


def _gate_rows(gates: GateReport) -> list:
    rows = [
        _row(
            "gate",
            str(gate.code),
            gate.actual_text,
            gate.threshold_text,
            gate.passed,
            gate.headroom_text,
            gate.sentence,
        )
        for gate in gates.gates
    ]
    detail = "; ".join(gates.reasons) if gates.reasons else "every gate passes"
    rows.append(
        _row("gate", "eligible", _bool(gates.eligible), passed=gates.eligible, detail=detail)
    )
    return rows


def _expectancy_rows(trades: pd.DataFrame, generated_at: datetime) -> list:
    closed = closed_by(trades, generated_at)
    # `closed` is in close order: its tail is the last-10 window, and of the whole history
    # only the mean R multiple is needed (as `summarize` takes it: float $ / float 1R).
    last = closed.tail(ROLLBACK_WINDOW_TRADES)
    pnl_usd = closed["net_pnl_cents"].to_numpy(dtype="float64", na_value=np.nan) / 100
    one_r = closed["max_loss_cents"].to_numpy(dtype="float64") / 100
    r_expectancy = float((pnl_usd / one_r).mean()) if len(closed) else ""
    return [
        _row("expectancy", "closed_trades", len(closed)),
        _row("expectancy", "expectancy_usd", _usd(exact_expectancy_usd(closed))),
        _row(
            "expectancy",
            "r_expectancy",
            "" if r_expectancy == "" else f"{r_expectancy:.4f}",
            detail="mean of net P&L / 1R (1R = max loss at entry)",
        ),
        _row(
            "expectancy",
            "last_10_expectancy_usd",
            _usd(exact_expectancy_usd(last)),
            detail=f"{len(last)} of {ROLLBACK_WINDOW_TRADES} trades: "
            + ", ".join(str(i) for i in ids_of(last)),
        ),
    ]


def _discipline_rows(discipline: DisciplineReport, settings: Settings) -> list:
    threshold = settings.gate_min_discipline
    rows = [
        _row(
            "discipline",
            "score",
            discipline.score,
            f">= {threshold}",
            discipline.score >= threshold,
            discipline.score - threshold,
            discipline.sentence,
        ),
        _row(
            "discipline",
            "window",
            discipline.trades_in_window,
            detail=f"trades {', '.join(str(i) for i in discipline.window_trade_ids)}; sessions "
            f"{discipline.window_first_session} to {discipline.window_last_session}",
        ),
        _row("discipline", "clean_sessions", len(discipline.clean_sessions)),
    ]
    for group in discipline.plans:
        rows.append(
            _row(
                "discipline",
                f"exit_plans:{group.declared}",
                len(group.trade_ids),
                detail=f"{group.source}: trades {', '.join(str(i) for i in group.trade_ids)}",
            )
        )
    for violation in discipline.violations:
        where = (
            f"trade {violation.trade_id}"
            if violation.alert_id is None
            else f"alert {violation.alert_id}"
        )
        rows.append(
            _row(
                "discipline",
                f"violation:{violation.code}",
                -violation.points,
                detail=f"{where}, session {violation.session}, {iso_utc(violation.at)}: "
                f"{violation.sentence}",
            )
        )
    return rows


def _alert_rows(
    alerts: Sequence[Alert], discipline: DisciplineReport, generated_at: datetime
) -> list:
    known = [a for a in alerts if to_utc(a.raised_at) <= to_utc(generated_at)]
    session: date | None = last_session(discipline, known, session_of(generated_at))
    found = [a for a in known if a.session == session]
    rows = [
        _row(
            "alerts",
            "last_session_high_alerts",
            len(found),
            "<= 0",
            not found,
            -len(found),
            "" if session is None else f"session {session}",
        )
    ]
    for alert in found:
        link = f"trade {alert.trade_id}" if alert.trade_id is not None else ""
        link = link or (f"order {alert.order_ref}" if alert.order_ref else "")
        acked = iso_utc(alert.acknowledged_at) or "not acknowledged"
        rows.append(
            _row(
                "alerts",
                f"HIGH:{alert.rule}",
                alert.id,
                detail=f"{iso_utc(alert.raised_at)}; {link or 'no link'}; {acked}; "
                f"{alert.message}",
            )
        )
    return rows


def _halt_rows(halt: HaltState) -> list:
    return [
        _row("halt", "active", _bool(halt.active), detail=halt.reason),
        _row("halt", "started_at", iso_utc(halt.started_at)),
        _row("halt", "until", iso_utc(halt.until)),
    ]


def _latch_rows(latch: LatchState) -> list:
    return [
        _row("latch", "active", _bool(latch.active), detail="; ".join(latch.codes)),
        _row("latch", "set_at", iso_utc(latch.set_at)),
        _row("latch", "cleared_at", iso_utc(latch.cleared_at)),
        _row(
            "latch",
            "triggers",
            len(latch.triggers),
            detail=" ".join(t.sentence for t in latch.triggers),
        ),
        _row(
            "latch",
            "rollback_sequence",
            detail=" ".join(f"{i}. {s}" for i, s in enumerate(latch.rollback_sequence, 1)),
        ),
    ]


def _ramp_rows(ramp: RampDecision) -> list:
    limits = ramp.limits
    return [
        _row("ramp", "stage", ramp.stage.value, detail=ramp.sentence),
        _row("ramp", "week", "" if ramp.week is None else ramp.week),
        _row("ramp", "first_live_order_at", iso_utc(ramp.first_live_order_at)),
        _row("ramp", "ladder_level", limits.effective_level),
        _row("ramp", "max_units", limits.max_contracts),
        _row("ramp", "max_loss_usd", _usd(limits.max_loss_usd)),
        _row("ramp", "max_concurrent_spreads", limits.max_concurrent_spreads),
    ]


def _open_risk_rows(open_risk: Sequence[UnderlyingRisk]) -> list:
    rows = [_row("open_risk", "underlyings", len(open_risk))]
    for risk in sorted(open_risk, key=lambda r: r.family):
        rows.append(
            _row(
                "open_risk",
                risk.family,
                _usd(risk.open_risk_usd),
                _usd(risk.limit_usd),
                risk.within_limit,
                _usd(risk.limit_usd - risk.open_risk_usd),
                f"{risk.pct_of_capital} % of risk capital; trades "
                + ", ".join(str(i) for i in risk.trade_ids),
            )
        )
    return rows


def _sandbox_rows(sandbox: SandboxValidationRecord | None) -> list:
    if sandbox is None:
        return [_row("sandbox", "validation", "none", "passed", False, detail="not run yet")]
    return [
        _row(
            "sandbox",
            "validation",
            "passed" if sandbox.passed else "failed",
            "passed",
            sandbox.passed,
            detail=f"{sandbox.sentence} Account {sandbox.account or 'not recorded'}.",
        )
    ]


def _ci_rows(ci: CiStatus) -> list:
    commit = "" if ci.record is None else _text(ci.record.commit)
    return [
        _row(
            "ci",
            "status",
            "green" if ci.green else "not green",
            "green",
            ci.green,
            detail=f"{ci.reason}: {ci.message}",
        ),
        _row("ci", "record_commit", commit),
    ]


def _audit_rows(audit: AuditLog | None) -> list:
    if audit is None:
        return [
            _row("audit", "head_seq", "", detail="no audit log given"),
            _row("audit", "head_hash", "", detail="no audit log given"),
        ]
    seq, digest = audit.head()
    return [_row("audit", "head_seq", seq), _row("audit", "head_hash", digest)]


def _neutralised(cell: str) -> str:
    """Text starting like a spreadsheet formula gets a leading quote; numbers stay as they are."""
    if cell.startswith(FORMULA_STARTS) and not NUMBER.match(cell):
        return "'" + cell
    return cell


def _clean_rows(rows: Iterable[tuple[str, ...]], secrets: Sequence[str]) -> tuple:
    cleaned = []
    for row in rows:
        scrubbed = tuple(redact(list(row), secrets))
        cleaned.append(tuple(_neutralised(cell) for cell in scrubbed))
    return tuple(cleaned)


def build_snapshot(
    *,
    generated_at: datetime,
    app_version: str,
    git_commit: str | None,
    requested_mode: str,
    requested_reasons: Sequence[str],
    effective_mode: str,
    effective_reasons: Sequence[str],
    gates: GateReport,
    discipline: DisciplineReport,
    trades: pd.DataFrame | Sequence[Trade],
    alerts: Sequence[Alert],
    halt: HaltState,
    latch: LatchState,
    ramp: RampDecision,
    open_risk: Sequence[UnderlyingRisk],
    sandbox: SandboxValidationRecord | None,
    ci: CiStatus,
    settings: Settings,
    audit: AuditLog | None = None,
) -> ComplianceSnapshot:
    """Assemble every row of the snapshot from the states passed in (no store is opened);
    `trades` is the judging frame (or journal models, judged through their frame)."""
    rows = [
        *_snapshot_rows(generated_at, app_version, git_commit),
        *_mode_rows(requested_mode, requested_reasons, effective_mode, effective_reasons),
        *_gate_rows(gates),
        *_expectancy_rows(judging_frame_of(trades), generated_at),
        *_discipline_rows(discipline, settings),
        *_alert_rows(alerts, discipline, generated_at),
        *_halt_rows(halt),
        *_latch_rows(latch),
        *_ramp_rows(ramp),
        *_open_risk_rows(open_risk),
        *_sandbox_rows(sandbox),
        *_ci_rows(ci),
        *_audit_rows(audit),
    ]
    return ComplianceSnapshot(
        generated_at=to_utc(generated_at), rows=_clean_rows(rows, settings.secret_values())
    )


def snapshot_path(data_dir: Path) -> Path:
    """Where the snapshot is written: `data_dir/export/compliance_snapshot.csv`."""
    return data_dir / EXPORT_DIR / SNAPSHOT_FILENAME


def write_snapshot(snapshot: ComplianceSnapshot, data_dir: Path) -> Path:
    """Write the CSV whole or not at all (utils.core.files); return its path.

    ComplianceExportError says why when the disk is full or the folder read-only.
    """
    path = snapshot_path(data_dir)
    try:
        return write_bytes_atomically(path, snapshot.to_csv_bytes())
    except StorageError as error:
        raise ComplianceExportError(str(error)) from None


def export_compliance_snapshot(
    evidence: CockpitEvidence, *, settings: Settings, root: Path, audit: AuditLog
) -> tuple[Path, ComplianceSnapshot]:
    """Write `data/export/compliance_snapshot.csv` from one reading of the evidence; audit it.

    The audit chain and its anchor are checked first: a broken chain raises AuditChainBroken
    and nothing is written (a snapshot must not vouch for a broken log). The check recomputes
    only the entries since the last verified one unless another connection wrote to the log
    (`AuditLog.check_chain`), so an edit anywhere in the chain still refuses the export.
    """
    check = audit.check_chain(full=False)
    if not check.ok:
        raise AuditChainBroken(check, "the compliance snapshot was not written")
    mode = evidence.mode
    snapshot = build_snapshot(
        generated_at=evidence.now,
        app_version=APP_VERSION,
        git_commit=head_commit(root),
        requested_mode=mode.requested,
        requested_reasons=[],
        effective_mode=mode.label,
        effective_reasons=[reason.sentence for reason in mode.reasons],
        gates=evidence.gates,
        discipline=evidence.discipline,
        trades=evidence.frame,
        alerts=evidence.alerts,
        halt=evidence.halt,
        latch=evidence.latch,
        ramp=evidence.ramp,
        open_risk=evidence.open_risk,
        sandbox=evidence.sandbox,
        ci=evidence.ci,
        settings=settings,
        audit=audit,
    )
    path = write_snapshot(snapshot, settings.data_dir)
    audit.append(
        AuditKind.EXPORT,
        correlation_id=f"export-{evidence.now:%Y%m%dT%H%M%S}",
        effective_mode=mode.label,
        body={"path": str(path), "rows": len(snapshot.rows), "eligible": evidence.gates.eligible},
    )
    return path, snapshot
