"""Speed of the two CSV imports through the command line, against pandas reading the same file.

Run: `.venv/bin/python -m benchmarks.bench_import [--sizes 1000 10000 20000] [--runs 3]`
(nothing here is a pass/fail test).

For each size, a journal CSV of that many closed trades and a tastytrade export of that many
spreads (each opened and closed by an order, all on the same two contracts, so a closing row
must find the one open spread among every spread ever opened) are generated with the
generators of `benchmarks.bench_metrics`. Each file is imported by a fresh process,
`python -m utils.journal --data-dir D import FILE` into an empty data folder, and the median
wall time of `--runs` runs is printed next to the median time of a process that only runs
`pandas.read_csv` on the same file (the floor of "read a CSV in a new Python process").
"""

from __future__ import annotations

import argparse
import statistics
import subprocess  # nosec B404  # runs this interpreter on generated files only
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_metrics import journal_csv, tasty_csv, template_csv

ROOT = Path(__file__).resolve().parents[1]


def median_seconds(runs: int, command: list[str], fresh: Path | None = None) -> float:
    """The median wall time of `runs` runs of `command` (a new empty `fresh` folder each run)."""
    timings = []
    for run in range(runs):
        arguments = list(command)
        if fresh is not None:
            folder = fresh / f"run{run}-{time.monotonic_ns()}"
            arguments[arguments.index("DATA_DIR")] = str(folder)
        started = time.perf_counter()
        subprocess.run(  # nosec B603  # fixed arguments, no shell
            arguments, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
        )
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


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
    """Print the median CLI import time per format and size, and its ratio to pandas."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 20_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", nargs="+", default=["journal", "tastytrade"])
    arguments = parser.parse_args()
    print(f"{'format':<11}{'size':>8}{'import s':>11}{'read_csv s':>12}{'ratio':>8}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        header, row = template_csv(folder)
        for size in arguments.sizes:
            for kind in arguments.formats:
                if kind == "journal":
                    path, mode = journal_csv(folder, size, header, row), []
                else:
                    path, mode = tasty_csv(folder, size), ["--mode", "LIVE"]
                imported = median_seconds(arguments.runs, import_command(path, mode), folder)
                read = median_seconds(arguments.runs, read_csv_command(path))
                print(
                    f"{kind:<11}{size:>8}{imported:>11.2f}{read:>12.2f}{imported / read:>8.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
