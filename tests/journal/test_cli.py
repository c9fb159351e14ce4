"""`python -m utils.journal`: import, export and stats with exit codes and clear messages."""

from __future__ import annotations

import json
import os
import subprocess  # nosec B404  # runs this interpreter on the project's own module
import sys
from pathlib import Path

from tests.support.journal_factory import journal_trades
from utils.journal.cli import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, main
from utils.journal.store import Journal

ROOT = Path(__file__).resolve().parents[2]
TASTY = ROOT / "tests" / "fixtures" / "journal" / "tasty_history.csv"


def test_import_of_a_tastytrade_export_needs_the_account_mode(tmp_path, capsys):
    code = main(["--data-dir", str(tmp_path), "import", str(TASTY)])
    assert code == EXIT_USAGE
    assert "--mode LIVE or --mode SANDBOX" in capsys.readouterr().err


def test_import_export_and_stats_round_trip(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path / "a"), "import", str(TASTY), "--mode", "LIVE"]) == 0
    out = capsys.readouterr()
    assert "7 added, 6 closed" in out.out and "warning: tasty_history.csv" in out.err
    export = tmp_path / "journal.csv"
    assert main(["--data-dir", str(tmp_path / "a"), "export", str(export)]) == EXIT_OK
    assert "exported 7 trade(s)" in capsys.readouterr().out
    assert main(["--data-dir", str(tmp_path / "b"), "import", str(export)]) == EXIT_OK
    assert main(["--data-dir", str(tmp_path / "b"), "stats", "--json"]) == EXIT_OK
    stats = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert stats["trades"] == 6 and stats["open_trades"] == 1
    assert stats["net_pnl_cents"] == -13786


def test_a_refused_import_exits_1_and_prints_each_error(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("uid,mode\r\nx,SIM\r\n", encoding="utf-8")
    code = main(["--data-dir", str(tmp_path), "import", str(bad)])
    assert code == EXIT_REFUSED
    captured = capsys.readouterr()
    assert "nothing imported" in captured.out
    assert "error: bad.csv line 1: missing column(s)" in captured.err


def test_a_missing_file_exits_2(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), "import", str(tmp_path / "none.csv")]) == 2
    assert "is not a file" in capsys.readouterr().err


def test_stats_prints_undefined_and_infinite_in_words(tmp_path, capsys):
    with Journal.open(tmp_path) as journal:
        journal_trades(journal, [50, 70])
    assert main(["--data-dir", str(tmp_path), "stats"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "profit_factor: infinite" in out and "avg_loss_usd: undefined" in out
    assert "(only 2 closed)" in out


def test_module_runs_as_a_script(tmp_path):
    result = subprocess.run(  # nosec B603  # fixed argv, no shell
        [sys.executable, "-m", "utils.journal", "--data-dir", str(tmp_path), "stats", "--json"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["trades"] == 0
