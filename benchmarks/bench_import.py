"""Speed of the two CSV imports through the command line, against pandas reading the same file.

Run: `.venv/bin/python -m benchmarks.bench_import [--sizes 1000 10000 100000] [--runs 3]
[--root OTHER_CHECKOUT]` (nothing here is a pass/fail test).

For each size, a journal CSV of that many trades (`benchmarks.bench_page.journal_csv`: one every
30 minutes, the last two open, the files the page benchmark imports) and a tastytrade export of
that many spreads (`benchmarks.bench_metrics.tasty_csv`: each opened and closed by an order, all
on the same two contracts, so a closing row must find the one open spread among every spread
ever opened; four rows a spread, so 20k spreads are 80k rows, both printed; sizes above
`--tasty-max` are skipped) are generated. Each file is imported by a
fresh process, `python -m utils.journal --data-dir D import FILE` (run in `--root`, default this
checkout, e.g. an export of main for the figures before a change) into an empty data folder, and
the median wall time of `--runs` runs (one run at 100k and above) and the largest peak resident
memory of those processes (each one's own VmHWM) are printed next to the same figures of a
process that only runs `pandas.read_csv` on the same file (the floor of "read a CSV in a new
Python process"), with the ratios of time and memory. The checkout's modules are compiled first
(`compileall`, into its `__pycache__` folders), as installing a package compiles them, so no run
pays for compiling them (pandas' modules are compiled already). The median CPU seconds (user +
system) of each process and their ratio are printed too: on a loaded machine a single run's wall
time swings with the other load, its CPU time much less.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess  # nosec B404  # runs this interpreter on generated files only
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_metrics import tasty_csv, template_csv
from benchmarks.bench_page import far_expiry, journal_csv

ROOT = Path(__file__).resolve().parents[1]
LARGE = 100_000  # from this size on, one run per figure
# Run as `python -c PROBE -m MODULE ARGS...` or `python -c PROBE -c CODE`: runs the module or the
# code, then writes the process's own peak resident memory (VmHWM, kB) to $BENCH_PEAK_FILE. The
# child's `ru_maxrss` would also count the memory of this process it was forked from.
PROBE = """
import atexit, os, runpy, sys
def peak():
    with open("/proc/self/status") as status, open(os.environ["BENCH_PEAK_FILE"], "w") as out:
        out.write(next(line for line in status if line.startswith("VmHWM")).split()[1])
atexit.register(peak)
kind, target, *rest = sys.argv[1:]
sys.argv = [target, *rest]
if kind == "-m":
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    exec(target, {"__name__": "__main__"})
"""


def median_seconds(
    runs: int, command: list[str], fresh: Path | None = None, root: Path = ROOT
) -> tuple[float, float, float]:
    """The median wall time of `runs` runs of `command` (a new empty `fresh` folder each run),
    the largest peak resident memory (MB) of those processes and their median CPU seconds."""
    timings, peaks, cpus = [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        peak_file = Path(scratch) / "peak"
        for run in range(runs):
            arguments = [sys.executable, "-c", PROBE, *command]
            if fresh is not None:
                folder = fresh / f"run{run}-{time.monotonic_ns()}"
                arguments[arguments.index("DATA_DIR")] = str(folder)
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            process = subprocess.Popen(  # nosec B603  # fixed arguments, no shell
                arguments, cwd=root, stdout=subprocess.DEVNULL, env=_env(peak_file)
            )
            status = process.wait()
            timings.append(time.perf_counter() - started)
            done = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(done.ru_utime + done.ru_stime - used.ru_utime - used.ru_stime)
            if status != 0:
                raise RuntimeError(f"{' '.join(command[:6])} failed")
            peaks.append(int(peak_file.read_text()) / 1024)  # kB
    return statistics.median(timings), max(peaks), statistics.median(cpus)


def _env(peak_file: Path) -> dict[str, str]:
    """This environment, writing no bytecode (the checkout's is compiled before,
    `compile_checkout`)."""
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "BENCH_PEAK_FILE": str(peak_file)}


def compile_checkout(root: Path) -> None:
    """Compile the checkout's modules (into its `__pycache__` folders), as installing a package
    compiles them: every process timed reads them, as it reads pandas' compiled modules."""
    command = [sys.executable, "-m", "compileall", "-q", "utils"]
    subprocess.run(  # nosec B603  # fixed arguments, no shell
        command, cwd=root, check=True, stdout=subprocess.DEVNULL
    )


def import_command(path: Path, mode: list[str]) -> list[str]:
    """The CLI import of `path`; DATA_DIR is replaced by a fresh folder per run."""
    return [
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


def data_rows(path: Path) -> int:
    """The rows of a CSV file below its header."""
    with path.open(encoding="utf-8") as rows:
        return sum(1 for _ in rows) - 1


def read_csv_command(path: Path) -> list[str]:
    """A process that only reads `path` with pandas."""
    code = f"import pandas; pandas.read_csv({str(path)!r})"
    return ["-c", code]


def main() -> None:
    """Print the median CLI import time and peak memory per format and size, next to pandas."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", nargs="+", default=["journal", "tastytrade"])
    parser.add_argument("--tasty-max", type=int, default=20_000, help="largest tastytrade size")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout to run")
    arguments = parser.parse_args()
    root = arguments.root.resolve()
    print(f"checkout: {root}")
    print(
        f"{'format':<11}{'size':>8}{'import s':>11}{'peak MB':>9}"
        f"{'read_csv s':>12}{'peak MB':>9}{'x time':>8}{'x MB':>7}"
        f"{'cpu s':>8}{'read cpu':>9}{'x cpu':>7}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        compile_checkout(root)
        row = far_expiry(*template_csv(folder))
        for size in arguments.sizes:
            runs = 1 if size >= LARGE else arguments.runs
            for kind in arguments.formats:
                if kind == "journal":
                    path, mode = journal_csv(folder, size, *row), []
                elif size <= arguments.tasty_max:
                    path, mode = tasty_csv(folder, size), ["--mode", "LIVE"]
                    print(f"{kind:<11}{size:>8} spreads = {data_rows(path)} rows", flush=True)
                else:
                    continue
                imported, imported_mb, imported_cpu = median_seconds(
                    runs, import_command(path, mode), folder, root
                )
                read, read_mb, read_cpu = median_seconds(runs, read_csv_command(path))
                print(
                    f"{kind:<11}{size:>8}{imported:>11.2f}{imported_mb:>9.0f}"
                    f"{read:>12.2f}{read_mb:>9.0f}{imported / read:>8.1f}"
                    f"{imported_mb / read_mb:>7.1f}"
                    f"{imported_cpu:>8.2f}{read_cpu:>9.2f}{imported_cpu / read_cpu:>7.1f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
