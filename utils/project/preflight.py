"""The pre-flight run (checklist section 2): tests, format, lint and security, then a record.

`python -m utils.project.preflight` is what `make test` and CI call; the Broker card runs the same
function with a progress callback for each finished line and a `partial` callback for the line
being written (pytest's dots arrive long before their line ends). It writes
`data/ci/last_run.json` for the CI gate.

The tools get an allow-listed environment (`child_environment`): never the `.env` values or
any other variable of the app's process. A run whose tools are not installed does not start
and writes no record.
"""

from __future__ import annotations

import codecs
import importlib.util
import json
import os
import re
import subprocess  # nosec B404  # runs the project's own tools with fixed argument lists
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from utils.project.ci_status import CiRecord, ToolResult, ci_record_path
from utils.core.config import PROJECT_ROOT, ConfigError, ensure_data_dir, load_settings
from utils.project.git import head_commit, is_dirty
from utils.core.sessions import Clock, utc_now

ProgressCallback = Callable[[str, str], None]
READ_CHUNK_BYTES = 4096

Tools = tuple[tuple[str, tuple[str, ...]], ...]
TOOLS: Tools = (
    ("pytest", ("-m", "pytest", "-q")),
    ("black", ("-m", "black", "--check", ".")),
    ("flake8", ("-m", "flake8")),
    ("bandit", ("-m", "bandit", "-q", "-r", ".", "-c", "pyproject.toml")),
)
# What the tools need from the parent's environment; everything else stays behind.
# Plus every LC_* locale variable; PYTHONUNBUFFERED is set to 1.
CHILD_ENV_KEYS = frozenset(
    {
        "PATH",
        "HOME",
        "LANG",
        "LANGUAGE",
        "TMPDIR",
        "TZ",
        "TERM",
        "VIRTUAL_ENV",
        "CI",
        "DEBIAN_FRONTEND",
    }
)
DEV_TOOLS_MISSING = "The dev tools are not installed: run `make test` once"
_PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)")


def count_outcomes(name: str, output: str) -> dict[str, int]:
    """Summarise a tool's output as counts (tests passed/failed, files or issues flagged)."""
    if name == "pytest":
        counts: dict[str, int] = {}
        for number, label in _PYTEST_COUNT.findall(output):
            counts[label.rstrip("s") if label.startswith("error") else label] = int(number)
        return counts
    if name == "black":
        return {"would_reformat": len(re.findall(r"^would reformat ", output, re.M))}
    if name == "flake8":
        return {"problems": len([line for line in output.splitlines() if line.strip()])}
    return {"issues": len(re.findall(r">> Issue:", output))}


class PreflightUnavailable(Exception):
    """The run cannot start (its tools are not installed); nothing was run or recorded."""


def child_environment(parent: Mapping[str, str]) -> dict[str, str]:
    """The allow-listed part of `parent` (PATH, HOME, locale, TMPDIR, ...), unbuffered output."""
    env = {k: v for k, v in parent.items() if k in CHILD_ENV_KEYS or k.startswith("LC_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def missing_dev_tools(tools: Tools = TOOLS) -> list[str]:
    """The `-m` modules of `tools` that this interpreter cannot import (empty when all are)."""
    missing = []
    for _name, args in tools:
        if len(args) >= 2 and args[0] == "-m":
            try:
                found = importlib.util.find_spec(args[1]) is not None
            except (ImportError, ValueError):
                found = False
            if not found:
                missing.append(args[1])
    return missing


def _run_tool(
    name: str,
    args: tuple[str, ...],
    root: Path,
    echo: Callable[[str], None],
    partial: Callable[[str], None] | None = None,
) -> ToolResult:
    """Run one tool, echoing each line as it ends and the unfinished line as it grows."""
    process = subprocess.Popen(  # nosec B603  # fixed argv of the project's own tools
        [sys.executable, *args],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=child_environment(os.environ),
    )
    if process.stdout is None:
        raise RuntimeError(f"{name}: no output pipe")
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    output, pending = [], ""
    while chunk := process.stdout.read1(READ_CHUNK_BYTES):
        pending += decoder.decode(chunk).replace("\r\n", "\n")
        *ended, pending = pending.split("\n")
        for line in ended:
            output.append(line)
            echo(line)
        if pending and partial is not None:
            partial(pending)
    pending += decoder.decode(b"", final=True)
    if pending:
        output.append(pending)
        echo(pending)
    exit_code = process.wait()
    return ToolResult(
        name=name,
        passed=exit_code == 0,
        exit_code=exit_code,
        counts=count_outcomes(name, "\n".join(output)),
    )


def write_record(record: CiRecord, data_dir: Path) -> Path:
    """Write the record atomically (temp file + rename)."""
    path = ci_record_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as tmp:
        tmp.write(json.dumps(record.model_dump(mode="json"), indent=2))
    os.replace(tmp.name, path)
    return path


def run_preflight(
    root: Path,
    data_dir: Path,
    progress: ProgressCallback | None = None,
    tools: Tools = TOOLS,
    clock: Clock = utc_now,
    partial: ProgressCallback | None = None,
) -> CiRecord:
    """Run every tool in `root`, report each line through `progress` (and the line being
    written through `partial`), and store the record.

    Raises PreflightUnavailable, before running or recording anything, when a tool is missing.
    """
    if missing_dev_tools(tools):
        raise PreflightUnavailable(DEV_TOOLS_MISSING)
    commit, dirty = head_commit(root), is_dirty(root)
    results = []
    for name, args in tools:
        results.append(
            _run_tool(
                name,
                args,
                root,
                lambda line: (progress or _print)(name, line),
                None if partial is None else lambda text: partial(name, text),
            )
        )
    record = CiRecord(commit=commit, dirty=dirty, finished_at=clock(), tools=results)
    write_record(record, data_dir)
    return record


def _print(name: str, line: str) -> None:
    print(line, flush=True)


def main() -> int:
    """Command line: run every check, print a summary, exit non-zero if any failed."""
    try:
        data_dir = ensure_data_dir(load_settings())
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    if missing_dev_tools(TOOLS):
        print(DEV_TOOLS_MISSING, file=sys.stderr)
        return 2
    record = run_preflight(PROJECT_ROOT, data_dir)
    print("\n== pre-flight summary ==")
    for tool in record.tools:
        print(f"{tool.name:8} {'PASS' if tool.passed else 'FAIL'}  {tool.counts}")
    print(f"record: {ci_record_path(data_dir)} (commit {record.commit}, dirty={record.dirty})")
    tests = next((t.counts for t in record.tools if t.name == "pytest"), {})
    print(f"pytest: {tests.get('passed', 0)} passed, {tests.get('failed', 0)} failed")
    return 0 if record.all_passed else 1


if __name__ == "__main__":
    sys.exit(main())
