"""Start-up mistakes: one message naming the key (or file), exit code 2, never a traceback.

Each kind of mistake (a value the settings refuse, an unreadable env file, an unusable DATA_DIR,
a damaged state file) runs the real entry point (`python app_dash.py`, `python -m utils.journal`,
`python -m utils.project.preflight`) in a subprocess against a temp env file named by
COCKPIT_ENV_FILE, from a temp working directory, with a fake secret in the file that must
never appear in what the process prints. Every listed mistake is also refused in this process by
the calls the entry points make first (`load_settings`, `ensure_data_dir`): a process start
costs a second, so the processes prove the wiring once per kind, not once per key.
"""

from __future__ import annotations

import os
import subprocess  # nosec B404  # runs this interpreter on the project's own entry points
import sys
from pathlib import Path

import pytest

from tests.support.live_server import free_port
from utils.core.config import PROJECT_ROOT, ConfigError, ensure_data_dir, load_settings

CANARY = "canary-pw-3c9e71"
NOT_A_DATABASE = b"this is not an SQLite file, only its name is " * 40
HANG_GUARD_S = 120  # a guard against a process that starts serving instead of refusing


def write_env_file(tmp_path: Path, env_text: bytes) -> Path:
    env_file = tmp_path / "cockpit.env"
    env_file.write_bytes(f"TT_LIVE_PASS={CANARY}\n".encode() + env_text)
    return env_file


def run_entry_point(tmp_path: Path, argv: list[str], env_text: bytes, **extra: str):
    env_file = write_env_file(tmp_path, env_text)
    environment = {
        key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ
    }
    environment.update(
        COCKPIT_ENV_FILE=str(env_file),
        PYTHONPATH=str(PROJECT_ROOT),
        PYTHONUNBUFFERED="1",
        PORT=str(free_port()),
        **extra,
    )
    result = subprocess.run(  # nosec B603  # fixed argv, no shell
        [sys.executable, *argv],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def data_line(tmp_path: Path) -> bytes:
    return f"DATA_DIR={tmp_path / 'data'}\n".encode()


def corrupt(tmp_path: Path, name: str) -> bytes:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / name).write_bytes(NOT_A_DATABASE)
    return data_line(tmp_path)


def a_file(tmp_path: Path) -> bytes:
    (tmp_path / "not-a-folder").write_text("a file, not a folder\n", encoding="utf-8")
    return f"DATA_DIR={tmp_path / 'not-a-folder'}\n".encode()


# (case id, .env text builder, fragments the message must contain)
CONFIG_CASES = [
    ("use_live_maybe", lambda t: data_line(t) + b"USE_LIVE=maybe\n", ["USE_LIVE"]),
    ("host_all_interfaces", lambda t: data_line(t) + b"HOST=0.0.0.0\n", ["HOST"]),
    ("host_empty", lambda t: data_line(t) + b"HOST=\n", ["HOST"]),
    ("host_out_of_range", lambda t: data_line(t) + b"HOST=256.1.1.1\n", ["HOST"]),
    ("host_lan", lambda t: data_line(t) + b"HOST=192.168.1.20\n", ["HOST"]),
    ("user_agent_shape", lambda t: data_line(t) + b"USER_AGENT=cockpit\n", ["USER_AGENT"]),
    (
        "time_zone",
        lambda t: data_line(t) + b"DISPLAY_TIMEZONE=Mars/Olympus\n",
        ["DISPLAY_TIMEZONE"],
    ),
    (
        "unterminated_quote",
        lambda t: data_line(t) + b'GATE_MIN_TRADES="40\n',
        ["GATE_MIN_TRADES", "line 3"],
    ),
    ("huge_decimal", lambda t: data_line(t) + b"UNIT_MAX_LOSS_USD=1e400\n", ["UNIT_MAX_LOSS_USD"]),
    (
        "non_utf8_byte",
        lambda t: data_line(t) + b"TT_SANDBOX_PASS=caf\xe9\n",
        ["cockpit.env", "line 3", "UTF-8"],
    ),
    ("data_dir_empty", lambda t: b"DATA_DIR=\n", ["DATA_DIR"]),
    ("data_dir_is_a_file", a_file, ["DATA_DIR", "not-a-folder"]),
    ("data_dir_cannot_be_created", lambda t: b"DATA_DIR=/proc/cockpit-data\n", ["DATA_DIR"]),
    ("data_dir_not_writable", lambda t: b"DATA_DIR=/proc\n", ["DATA_DIR"]),
]
DATA_FILE_CASES = [
    ("corrupt_audit", lambda t: corrupt(t, "audit.sqlite3"), ["audit.sqlite3"]),
    ("corrupt_journal", lambda t: corrupt(t, "journal.sqlite3"), ["journal.sqlite3"]),
]


def assert_refused(code: int, output: str, fragments: list[str]) -> None:
    assert code == 2, output
    assert "Traceback" not in output, output
    for fragment in fragments:
        assert fragment in output, (fragment, output)
    echoed = CANARY in output
    assert not echoed, "a secret from the env file appeared in the output"


def cases(names: set[str]) -> list:
    """The listed cases, as pytest parameters with their ids."""
    chosen = [case for case in CONFIG_CASES + DATA_FILE_CASES if case[0] in names]
    assert {case[0] for case in chosen} == names
    return [pytest.param(*case[1:], id=case[0]) for case in chosen]


# One of each kind: a refused value, an unreadable env file, DATA_DIR, each damaged store.
EACH_KIND = {
    "use_live_maybe",
    "non_utf8_byte",
    "data_dir_is_a_file",
    "corrupt_audit",
    "corrupt_journal",
}


@pytest.mark.parametrize("build, fragments", [pytest.param(*c[1:], id=c[0]) for c in CONFIG_CASES])
def test_every_configuration_mistake_is_refused_before_start_up(tmp_path, build, fragments):
    env_file = write_env_file(tmp_path, build(tmp_path))
    with pytest.raises(ConfigError) as refused:
        ensure_data_dir(load_settings(env_file=env_file))
    message = str(refused.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert CANARY not in message


@pytest.mark.parametrize("build, fragments", cases(EACH_KIND))
def test_the_cockpit_refuses_to_start(tmp_path, build, fragments):
    code, output = run_entry_point(tmp_path, [str(PROJECT_ROOT / "app_dash.py")], build(tmp_path))
    assert_refused(code, output, fragments)
    assert "Running on" not in output


def test_a_secret_used_as_the_host_is_not_echoed_at_start_up(tmp_path):
    code, output = run_entry_point(
        tmp_path,
        [str(PROJECT_ROOT / "app_dash.py")],
        data_line(tmp_path) + f"HOST={CANARY}\n".encode(),
    )
    assert_refused(code, output, ["HOST"])


@pytest.mark.parametrize(
    "build, fragments",
    cases({"use_live_maybe", "non_utf8_byte", "data_dir_empty", "corrupt_journal"}),
)
def test_the_journal_cli_refuses_a_bad_env(tmp_path, build, fragments):
    code, output = run_entry_point(tmp_path, ["-m", "utils.journal", "stats"], build(tmp_path))
    assert_refused(code, output, fragments)


# Only cases the pre-flight CLI refuses before it starts any tool.
@pytest.mark.parametrize("build, fragments", cases({"use_live_maybe", "non_utf8_byte"}))
def test_the_preflight_cli_refuses_a_bad_env(tmp_path, build, fragments):
    code, output = run_entry_point(tmp_path, ["-m", "utils.project.preflight"], build(tmp_path))
    assert_refused(code, output, fragments)
    assert not (tmp_path / "data" / "ci").exists(), "no record for a run that never started"


def test_the_preflight_cli_refuses_an_unusable_data_dir_before_running(tmp_path):
    code, output = run_entry_point(tmp_path, ["-m", "utils.project.preflight"], a_file(tmp_path))
    assert_refused(code, output, ["DATA_DIR"])
    assert "pre-flight summary" not in output, "no tool ran"


def test_a_corrupt_journal_is_still_refused_when_data_dir_is_given(tmp_path):
    corrupt(tmp_path, "journal.sqlite3")
    code, output = run_entry_point(
        tmp_path,
        ["-m", "utils.journal", "--data-dir", str(tmp_path / "data"), "stats"],
        b"",
    )
    assert_refused(code, output, ["journal.sqlite3"])
    assert (tmp_path / "data" / "journal.sqlite3").read_bytes() == NOT_A_DATABASE, "untouched"
