"""A writer killed with SIGKILL mid-import loses nothing it committed and leaves no half batch."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess  # nosec B404  # runs this interpreter on a fixed script
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.journal_factory import START, close_for_pnl, new_trade
from utils.core.sqlite_store import journal_path
from utils.journal.store import Journal

ROOT = Path(__file__).resolve().parents[2]
BATCH = 200
BATCHES_BEFORE_KILL = 3

# Imports batch after batch (one transaction each) and prints a batch number after its commit.
WRITER = """
import sys
from pathlib import Path
from utils.journal.store import Journal

data, template = Path(sys.argv[1]), Path(sys.argv[2]).read_text("utf-8")
header, row = template.splitlines()[:2]
with Journal.open(data) as journal:
    for batch in range(10_000):
        path = data / "batch.csv"
        lines = [header] + [row.replace("TEMPLATE", f"b{batch}-t{n}") for n in range(%d)]
        path.write_text("\\r\\n".join(lines) + "\\r\\n", encoding="utf-8")
        report = journal.import_journal_csv(path)
        assert report.added == %d, report
        print(batch, flush=True)
""" % (
    BATCH,
    BATCH,
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_kill_9_mid_import_keeps_every_committed_trade(tmp_path):
    with Journal.open(tmp_path / "template") as scratch:
        trade = scratch.open_trade(new_trade(uid="TEMPLATE", tags=("crash-test",)))
        scratch.close_trade(trade.id, close_for_pnl(trade, "-123.45", START + timedelta(days=1)))
        scratch.export_journal_csv(tmp_path / "template.csv")
    data = tmp_path / "data"
    writer = subprocess.Popen(  # nosec B603  # fixed argv, no shell
        [sys.executable, "-c", WRITER, str(data), str(tmp_path / "template.csv")],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [writer.stdout.readline() for _ in range(BATCHES_BEFORE_KILL)]
        os.kill(writer.pid, signal.SIGKILL)  # the next batch is being imported right now
    finally:
        writer.kill()
        _, errors = writer.communicate()
    assert all(lines), f"the writer stopped early: {errors}"
    committed = [int(line) for line in lines]
    assert writer.returncode == -signal.SIGKILL
    assert committed == list(range(BATCHES_BEFORE_KILL))

    conn = sqlite3.connect(journal_path(data))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        conn.close()
    with Journal.open(data) as journal:
        trades = {t.uid: t for t in journal.list_trades()}
    assert len(trades) % BATCH == 0, "a batch was half written"
    for batch in committed:
        for n in range(BATCH):
            trade = trades[f"b{batch}-t{n}"]
            assert trade.net_pnl_usd == Decimal("-123.45")
            assert trade.tags == ("crash-test",)
