"""The command line on strict imports: every bad cell printed, --import-good, a naked trade's
HIGH alert, and a write that cannot happen is a message with exit code 1, never a traceback."""

from __future__ import annotations

import csv

from tests.support.tasty_rows import naked_put_rows, spread_history
from utils.journal.cli import EXIT_OK, EXIT_REFUSED, main
from utils.journal.store import Journal
from utils.records.alerts import AlertStore


def write(path, rows):
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(spread_history(0)[0])
        writer.writerows(rows)
    return path


def bad_values(rows, count):
    copy = [list(row) for row in rows]
    for row in copy[:count]:
        row[7] = "--"
    return copy


def test_every_bad_cell_is_printed_and_import_good_skips_them(tmp_path, capsys):
    path = write(tmp_path / "h.csv", bad_values(spread_history(20)[1], 60))
    data = ["--data-dir", str(tmp_path / "data")]
    assert main([*data, "import", str(path), "--mode", "LIVE"]) == EXIT_REFUSED
    err = capsys.readouterr().err
    assert err.count("(Value): is '--'") == 60, "all of them, not a page"
    assert "add --import-good" in err
    assert main([*data, "import", str(path), "--mode", "LIVE", "--import-good"]) == EXIT_OK
    captured = capsys.readouterr()
    assert "60 row(s) skipped" in captured.out and captured.err.count("skipped: h.csv") == 60
    with Journal.open(tmp_path / "data") as journal:
        assert len(journal.list_trades()) == 5  # 15 spreads touched by a bad row, skipped whole


def test_a_naked_put_prints_its_high_alert(tmp_path, capsys):
    path = write(tmp_path / "n.csv", naked_put_rows() + spread_history(30)[1])
    assert main(["--data-dir", str(tmp_path), "import", str(path), "--mode", "LIVE"]) == EXIT_OK
    captured = capsys.readouterr()
    assert "31 added, 1 NOT defined-risk" in captured.out
    assert "HIGH alert 1 UNDEFINED_RISK_TRADE_JOURNALED" in captured.err
    alerts = AlertStore.open(tmp_path)
    try:
        assert len(alerts.alerts()) == 1
    finally:
        alerts.close()


def test_an_export_that_cannot_be_written_is_a_message_and_exit_1(tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the export folder should be", encoding="utf-8")
    code = main(["--data-dir", str(tmp_path), "export", str(blocker / "journal.csv")])
    assert code == EXIT_REFUSED
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write journal.csv") and "Traceback" not in err
    assert blocker.read_text(encoding="utf-8").startswith("a file")
