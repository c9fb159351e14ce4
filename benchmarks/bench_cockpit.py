"""Speed of the cockpit's page: building every card, cold start, and the compliance export.

Run: `.venv/bin/python -m benchmarks.bench_cockpit [--sizes 10000 100000]` (a few minutes).
Targets (reported, never asserted in tests): all cards <= 150 ms at 10k trades and <= 1 s at
100k; cold start to the first page <= 3 s; export <= 200 ms at 10k trades.

Journals are built with the metrics benchmark's validated journal-CSV import; "all cards" is one
reading of the evidence plus rendering the Graduation, Discipline and Expectancy bodies and the
journal table's first page, exactly what the page's refresh callbacks do. `list_trades` (the
journal read) and `evidence` (the whole judging, read included) are shown on their own.
"""

from __future__ import annotations

import argparse
import os
import subprocess  # nosec B404  # starts the cockpit itself to time its cold start
import sys
import tempfile
import time
from pathlib import Path

import requests

from benchmarks.bench_metrics import journal_csv, template_csv
from components.cards import discipline, expectancy, graduation
from components.context import build_context
from utils.journal.table_view import TableFilters, table_page
from tests.support.live_server import free_port
from utils.judge.compliance import export_compliance_snapshot
from utils.core.config import PROJECT_ROOT, load_settings


def best_of(runs: int, action) -> float:
    """The fastest of `runs` timings, in seconds."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return min(timings)


def build_all_cards(ctx) -> None:
    """What the page's refresh does: one evidence reading, every judging card, the table."""
    evidence = ctx.evidence()
    graduation.render(evidence)
    discipline.render(evidence, 70, 80)
    expectancy.render(evidence, "USD")
    table_page(ctx.journal.trades_frame(), TableFilters(), None)


def cold_start_s(data_dir: Path) -> float:
    """Seconds from launching `python app_dash.py` to the first 200 on `/`."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "DATA_DIR": str(data_dir)}
    started = time.perf_counter()
    process = subprocess.Popen(  # nosec B603  # fixed argv: this project's own app
        [sys.executable, "app_dash.py"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/", timeout=1).status_code == 200:
                    return time.perf_counter() - started
            except requests.ConnectionError:
                time.sleep(0.02)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    sizes = sorted(parser.parse_args().sizes)
    with tempfile.TemporaryDirectory(prefix="bench-cockpit-") as scratch:
        folder = Path(scratch)
        header, row = template_csv(folder)
        print(f"cold start to first page (empty journal): {cold_start_s(folder / 'empty'):.2f} s")
        for size in sizes:
            data_dir = folder / f"data_{size}"
            settings = load_settings(env_file=folder / "absent.env", data_dir=data_dir)
            ctx = build_context(settings, PROJECT_ROOT)
            report = ctx.journal.import_journal_csv(
                journal_csv(folder, size, header, row), max_bytes=10**10
            )
            print(f"{size:,} trades journaled ({report.added:,} added)")
            print(f"  list_trades: {best_of(3, ctx.journal.list_trades) * 1000:,.0f} ms")
            print(f"  evidence: {best_of(3, ctx.evidence) * 1000:,.0f} ms")
            print(f"  all cards built: {best_of(3, lambda: build_all_cards(ctx)) * 1000:,.0f} ms")
            export_s = best_of(
                3,
                lambda: export_compliance_snapshot(
                    ctx.evidence(), settings=settings, root=PROJECT_ROOT, audit=ctx.audit
                ),
            )
            print(f"  compliance export (evidence + write): {export_s * 1000:,.0f} ms")
            print(f"  cold start to first page: {cold_start_s(data_dir):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
