"""`python -m utils.journal playbook ...` and `import --playbook NAME`; an import that makes a
rollback trigger fire says so (issue 13, finding 7)."""

from __future__ import annotations

import pytest

from tests.support.tasty_spreads_factory import write_spread_history
from utils.journal.cli import EXIT_OK, EXIT_REFUSED, main
from utils.journal.store import Journal


@pytest.fixture(autouse=True)
def no_env_file(tmp_path, monkeypatch):
    monkeypatch.setenv("COCKPIT_ENV_FILE", str(tmp_path / "none.env"))


def test_playbooks_are_saved_and_listed(tmp_path, capsys):
    data = str(tmp_path / "data")
    args = ["--data-dir", data, "playbook", "save", "50/2x/21"]
    rules = ["--target-pct", "50", "--stop-x", "2", "--dte", "21"]
    assert main([*args, *rules]) == EXIT_OK
    assert main(["--data-dir", data, "playbook", "list"]) == EXIT_OK
    assert capsys.readouterr().out.splitlines() == [
        "saved 50/2x/21 (v1): target 50 % of max profit, stop 2x the entry price, exit at 21 DTE",
        "50/2x/21 (v1): target 50 % of max profit, stop 2x the entry price, exit at 21 DTE",
    ]
    assert main([*args, "--target-pct", "150"]) == EXIT_REFUSED
    assert "target_pct_of_max_profit" in capsys.readouterr().err


def test_an_import_that_fires_a_rollback_trigger_says_so(tmp_path, capsys):
    history = write_spread_history(tmp_path / "history.csv")
    code = main(["--data-dir", str(tmp_path / "data"), "import", str(history), "--mode", "LIVE"])
    assert code == EXIT_OK
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "history.csv: 30 added, 30 closed, 0 already in the journal"
    assert out[1] == "rollback: DISCIPLINE_BELOW_MIN: Discipline 0/100 is below 70."
    assert out[2].startswith("rollback: The broker guard sets the rollback latch")


def test_an_import_with_a_playbook_is_judged_by_it(tmp_path, capsys):
    data = str(tmp_path / "data")
    save = ["--data-dir", data, "playbook", "save", "50/2x/21", "--stop-x", "2", "--dte", "21"]
    assert main(save) == EXIT_OK
    history = write_spread_history(tmp_path / "history.csv", losers=(25,))
    importing = ["--data-dir", data, "import", str(history), "--mode", "LIVE"]
    assert main([*importing, "--playbook", "50/2x/21"]) == EXIT_OK
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == (
        "history.csv: 30 added, 30 closed, 0 already in the journal, playbook 50/2x/21 (v1) "
        "declared at import for 30 trade(s) without a plan"
    )  # discipline 90 (one close beyond the stop), last 10 positive: no rollback line
    with Journal.open(tmp_path / "data") as journal:
        assert all(t.entry_plan.plan is not None for t in journal.list_trades())


def test_an_unknown_playbook_refuses_the_import(tmp_path, capsys):
    history = write_spread_history(tmp_path / "history.csv", spreads=2)
    importing = ["--data-dir", str(tmp_path / "d"), "import", str(history), "--mode", "LIVE"]
    assert main([*importing, "--playbook", "nope"]) == EXIT_REFUSED
    assert "there is no playbook called 'nope'" in capsys.readouterr().err
