"""A journal whose write lock another connection holds: a typed JournalBusy, never a traceback.

Each test holds the lock itself (BEGIN IMMEDIATE on a second real connection to the same real
file), then writes with a 50 ms busy timeout: no sleeps, nothing timed.
"""

from __future__ import annotations

import os
import subprocess  # nosec B404  # runs this interpreter on the project's own module
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.journal_factory import START, close_for_pnl, new_trade
from tests.support.sqlite_lock import write_lock_held
from utils.core.sqlite_store import JOURNAL_BUSY_MESSAGE, JournalBusy, journal_path
from utils.journal.cli import EXIT_REFUSED
from utils.journal.store import Journal

ROOT = Path(__file__).resolve().parents[2]
TASTY = ROOT / "tests" / "fixtures" / "journal" / "tasty_history.csv"
SHORT_MS = 50


HELD_CLOSE = close_for_pnl(new_trade(), 50, START + timedelta(days=1))


@pytest.fixture
def busy_journal(tmp_path):
    """A journal with one open trade, opened with a 50 ms busy timeout."""
    with Journal.open(tmp_path) as seeding:
        seeding.open_trade(new_trade())
    journal = Journal.open(tmp_path, busy_timeout_ms=SHORT_MS)
    yield journal
    journal.close()


def test_every_write_path_raises_journal_busy_and_keeps_the_earlier_data(busy_journal):
    with write_lock_held(busy_journal.path):
        for write in (
            lambda: busy_journal.open_trade(new_trade()),
            lambda: busy_journal.close_trade(1, HELD_CLOSE),
            lambda: busy_journal.add_note(1, "held"),
            lambda: busy_journal.add_tag(1, "held"),
            lambda: busy_journal.import_tastytrade_csv(TASTY, mode="LIVE"),
        ):
            with pytest.raises(JournalBusy, match=f"^{JOURNAL_BUSY_MESSAGE}$"):
                write()
        assert [t.id for t in busy_journal.list_trades()] == [1], "reads still answer"
    assert busy_journal.get_trade(1).notes == ()
    assert busy_journal.add_note(1, "after").notes[0].text == "after", "usable once released"


def test_a_second_cli_import_while_the_lock_is_held_exits_1_with_a_message(tmp_path):
    Journal.open(tmp_path).close()
    with write_lock_held(journal_path(tmp_path)):
        result = subprocess.run(  # nosec B603  # fixed argv: this interpreter, our module
            [sys.executable, "-m", "utils.journal", "--data-dir", str(tmp_path)]
            + ["--busy-timeout", "0.05", "import", str(TASTY), "--mode", "LIVE"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=False,
        )
    assert result.returncode == EXIT_REFUSED
    assert result.stderr == f"error: {JOURNAL_BUSY_MESSAGE}\n"
    assert "Traceback" not in result.stdout + result.stderr
    with Journal.open(tmp_path) as journal:
        assert journal.list_trades() == []
