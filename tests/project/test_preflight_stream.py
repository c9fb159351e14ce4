"""Pre-flight output streams: a line being written reaches the page before it ends (pytest's
dots), finished lines arrive one by one, and the counts still come from the whole output.

Real child processes (this interpreter with `-c`); the child waits for the test to have seen
its unfinished line, so nothing here depends on timing.
"""

from __future__ import annotations

from utils.core.config import PROJECT_ROOT
from utils.project.preflight import run_preflight

# Writes dots without a newline, then waits (at most 20 s) until the test says it saw them.
DOTS_THEN_WAIT = (
    "import os, sys, time\n"
    "sys.stdout.write('first line\\n....'); sys.stdout.flush()\n"
    "seen = sys.argv[1]\n"
    "for _ in range(2000):\n"
    "    if os.path.exists(seen): break\n"
    "    time.sleep(0.01)\n"
    "print('released' if os.path.exists(seen) else 'never released')\n"
    "print('3 passed in 0.01s')\n"
)


def test_an_unfinished_line_is_shown_before_it_ends(tmp_path):
    seen = tmp_path / "seen"
    lines, partials = [], []

    def on_partial(tool: str, text: str) -> None:
        partials.append((tool, text))
        if text == "....":
            seen.touch()

    record = run_preflight(
        PROJECT_ROOT,
        tmp_path / "data",
        progress=lambda tool, line: lines.append((tool, line)),
        tools=(("pytest", ("-c", DOTS_THEN_WAIT, str(seen))),),
        partial=on_partial,
    )
    assert partials[0] == ("pytest", "....")
    assert lines == [
        ("pytest", "first line"),
        ("pytest", "....released"),
        ("pytest", "3 passed in 0.01s"),
    ]
    assert record.tools[0].counts == {"passed": 3}
