"""Finding 6: a naked trade done at the broker is journaled, flagged, counted and alerted."""

from __future__ import annotations

import csv
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from tests.support.judge_factory import settings_for
from tests.support.tasty_rows import NAKED_AT, naked_put_rows, spread_history
from utils.journal.store import Journal
from utils.journal.trade import Mode, TradeStatus
from utils.judge.discipline import evaluate_discipline
from utils.judge.discipline_rules import RuleId
from utils.judge.metrics import closed_trades, summarize, trades_to_frame
from utils.records.alerts import AlertRule, AlertStore
from utils.records.undefined_risk_alerts import alert_undefined_risk_trades

NOW = datetime(2025, 3, 10, 15, 0, tzinfo=timezone.utc)
NAKED_SESSION = date(2025, 2, 26)


def write(path, header, rows):
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def imported(tmp_path):
    header, rows = spread_history(30)
    path = write(tmp_path / "history.csv", header, naked_put_rows() + rows)
    with Journal.open(tmp_path / "data", clock=lambda: NOW) as journal:
        report = journal.import_tastytrade_csv(path, mode=Mode.LIVE)
        yield journal, report


def naked(journal):
    (trade,) = [t for t in journal.list_trades() if t.uid == "tastytrade-776"]
    return trade


def test_a_naked_short_put_is_journaled_as_a_flagged_trade(imported):
    journal, report = imported
    assert report.committed and report.errors == ()
    assert (report.added, report.flagged, report.closed) == (31, 1, 31)
    assert "1 NOT defined-risk" in report.summary()
    trade = naked(journal)
    assert trade.status is TradeStatus.CLOSED and len(trade.legs) == 1
    # 250 credit - 100 debit - fees (1.00 + 0.14 + 0.14)
    assert trade.net_pnl_usd == Decimal("148.72")
    # the documented stand-in for 1R: the loss to zero, strike x 100 - credit
    assert trade.max_loss_usd == Decimal("55750.00")
    assert "Not a defined-risk spread (Short put)" in trade.notes[0].text
    assert not trade.proved_defined_risk
    (flagged,) = journal.flagged_trades()
    assert (flagged.trade_id, flagged.session, flagged.shape) == (
        trade.id,
        NAKED_SESSION,
        "Short put",
    )


def test_the_naked_trade_is_a_not_defined_risk_violation_in_its_session(imported, tmp_path):
    journal, _ = imported
    trades = journal.list_trades()
    report = evaluate_discipline(trades, settings=settings_for(tmp_path), now=NOW)
    (violation,) = [v for v in report.all_violations if v.code is RuleId.NOT_DEFINED_RISK]
    assert violation.trade_id == naked(journal).id and violation.session == NAKED_SESSION
    assert all(
        v.trade_id == naked(journal).id
        for v in report.all_violations
        if v.code is RuleId.NOT_DEFINED_RISK
    )


def test_one_high_alert_for_the_naked_trades_session_never_twice(imported, tmp_path):
    journal, _ = imported
    alerts = AlertStore.open(tmp_path / "data", clock=lambda: NOW)
    try:
        (alert,) = alert_undefined_risk_trades(journal.flagged_trades(), alerts)
        assert alert.rule is AlertRule.UNDEFINED_RISK_JOURNALED and alert.severity == "HIGH"
        assert alert.session == NAKED_SESSION and alert.trade_id == naked(journal).id
        assert "SPY short put" in alert.message
        assert alert_undefined_risk_trades(journal.flagged_trades(), alerts) == []
        assert len(alerts.alerts()) == 1
    finally:
        alerts.close()


def test_metrics_include_the_naked_trades_pnl(imported):
    journal, _ = imported
    summary = summarize(closed_trades(trades_to_frame(journal.list_trades())))
    assert summary.trades == 31
    assert Decimal(str(round(summary.net_pnl_usd, 2))) == Decimal("47.44") * 30 + Decimal("148.72")


def test_a_short_strangle_is_flagged_and_its_1r_stand_in_is_documented(tmp_path):
    from tests.support.tasty_rows import leg_row

    rows = [
        leg_row(NAKED_AT, "SELL_TO_OPEN", 540, Decimal("200.00"), 900),
        leg_row(NAKED_AT, "SELL_TO_OPEN", 600, Decimal("150.00"), 900, option="C"),
    ]
    header, _ = spread_history(0)
    with Journal.open(tmp_path / "data") as journal:
        report = journal.import_tastytrade_csv(write(tmp_path / "s.csv", header, rows), mode="LIVE")
        assert report.committed and (report.added, report.flagged) == (1, 1)
        (trade,) = journal.list_trades()
        # worst of: underlying at 0 (540 x 100 - 350) and at 2 x 600 (600 x 100 - 350)
        assert trade.max_loss_usd == Decimal("59650.00")
        assert journal.flagged_trades()[0].shape == "Custom"
        assert "Uncovered short" in trade.notes[0].text


def test_a_flagged_trade_round_trips_through_the_journal_csv(imported, tmp_path):
    journal, _ = imported
    export = tmp_path / "journal.csv"
    journal.export_journal_csv(export)
    with Journal.open(tmp_path / "again", clock=lambda: NOW) as again:
        report = again.import_journal_csv(export)
        assert report.committed and (report.added, report.flagged) == (31, 1)
        (flagged,) = again.flagged_trades()
        trade = again.get_trade(flagged.trade_id)
        assert trade.max_loss_usd == Decimal("55750.00") and trade.net_pnl_usd == Decimal("148.72")
        second = tmp_path / "second.csv"
        again.export_journal_csv(second)
    assert second.read_bytes() == export.read_bytes()


def test_a_journal_csv_row_with_a_wrong_1r_for_a_naked_position_is_refused(imported, tmp_path):
    journal, _ = imported
    export = tmp_path / "journal.csv"
    journal.export_journal_csv(export)
    text = export.read_text(encoding="utf-8").replace("55750.00", "380.00")
    export.write_text(text, encoding="utf-8")
    with Journal.open(tmp_path / "again") as again:
        report = again.import_journal_csv(export)
        assert not report.committed and again.list_trades() == []
    assert any("not a defined-risk spread" in e.message for e in report.errors)
