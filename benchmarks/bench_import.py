"""Speed of the two CSV imports through the command line, against pandas reading the same file.

Run: `.venv/bin/python -m benchmarks.bench_import [--sizes 1000 10000 20000] [--runs 3]`
(nothing here is a pass/fail test).

For each size, a journal CSV of that many closed trades and a tastytrade export of that many
spreads (each opened and closed by an order, all on the same two contracts, so a closing row
must find the one open spread among every spread ever opened) are generated with the
generators of `benchmarks.bench_metrics`. Each file is imported by a fresh process,
`python -m utils.journal --data-dir D import FILE` into an empty data folder, and the median
wall time of `--runs` runs and the largest peak resident memory of those processes (the child's
`ru_maxrss`) are printed next to the same figures of a process that only runs `pandas.read_csv`
on the same file (the floor of "read a CSV in a new Python process").
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess  # nosec B404  # runs this interpreter on generated files only
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_metrics import journal_csv, tasty_csv, template_csv

ROOT = Path(__file__).resolve().parents[1]


def median_seconds(runs: int, command: list[str], fresh: Path | None = None) -> tuple[float, float]:
    """The median wall time of `runs` runs of `command` (a new empty `fresh` folder each run),
    and the largest peak resident memory (MB) of those processes."""
    timings, peaks = [], []
    for run in range(runs):
        arguments = list(command)
        if fresh is not None:
            folder = fresh / f"run{run}-{time.monotonic_ns()}"
            arguments[arguments.index("DATA_DIR")] = str(folder)
        started = time.perf_counter()
        process = subprocess.Popen(  # nosec B603  # fixed arguments, no shell
            arguments, cwd=ROOT, stdout=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(process.pid, 0)
        timings.append(time.perf_counter() - started)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"{' '.join(arguments[:6])} failed")
        peaks.append(usage.ru_maxrss / 1024)  # kilobytes on Linux
    return statistics.median(timings), max(peaks)


def import_command(path: Path, mode: list[str]) -> list[str]:
    """The CLI import of `path`; DATA_DIR is replaced by a fresh folder per run."""
    return [
        sys.executable,
        "-m",
        "utils.journal",
        "--data-dir",
        "DATA_DIR",
        "import",
        str(path),
        "--max-mb",
        "1000",
        *mode,
    ]


def read_csv_command(path: Path) -> list[str]:
    """A process that only reads `path` with pandas."""
    code = f"import pandas; pandas.read_csv({str(path)!r})"
    return [sys.executable, "-c", code]


def main() -> None:
    """Print the median CLI import time and peak memory per format and size, next to pandas."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 20_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", nargs="+", default=["journal", "tastytrade"])
    arguments = parser.parse_args()
    print(
        f"{'format':<11}{'size':>8}{'import s':>11}{'peak MB':>9}"
        f"{'read_csv s':>12}{'peak MB':>9}{'ratio':>8}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        header, row = template_csv(folder)
        for size in arguments.sizes:
            for kind in arguments.formats:
                if kind == "journal":
                    path, mode = journal_csv(folder, size, header, row), []
                else:
                    path, mode = tasty_csv(folder, size), ["--mode", "LIVE"]
                imported, imported_mb = median_seconds(
                    arguments.runs, import_command(path, mode), folder
                )
                read, read_mb = median_seconds(arguments.runs, read_csv_command(path))
                print(
                    f"{kind:<11}{size:>8}{imported:>11.2f}{imported_mb:>9.0f}"
                    f"{read:>12.2f}{read_mb:>9.0f}{imported / read:>8.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
