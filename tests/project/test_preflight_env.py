"""The pre-flight run's child tools: an allow-listed environment, and no run without the tools.

Real child processes (this interpreter with `-c`), real record files, the real app's button
through Flask's test client; nothing is mocked.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

from app_dash import create_app
from components import preflight_panel
from components.context import build_context
from tests.support.live_server import cockpit_settings
from utils.project.ci_status import CiRecord, ToolResult, ci_record_path
from utils.core.config import PROJECT_ROOT
from utils.project.preflight import (
    DEV_TOOLS_MISSING,
    TOOLS,
    PreflightUnavailable,
    child_environment,
    missing_dev_tools,
    run_preflight,
    write_record,
)

FAKE_SECRET = "fake-refresh-token-5d1e0c"
PRINT_ENVIRONMENT = (
    "env",
    ("-c", "import json, os; print('ENV ' + json.dumps(dict(os.environ), sort_keys=True))"),
)
NOT_INSTALLED = (("pytest", ("-m", "no_such_dev_tool_4b2a")),)


def green_record() -> CiRecord:
    return CiRecord(
        commit="0" * 40,
        dirty=False,
        finished_at=datetime(2026, 11, 24, tzinfo=timezone.utc),
        tools=[ToolResult(name="pytest", passed=True, exit_code=0, counts={"passed": 3})],
    )


def child_sees(tmp_path) -> dict[str, str]:
    lines: list[str] = []
    run_preflight(
        PROJECT_ROOT,
        tmp_path / "data",
        progress=lambda _tool, line: lines.append(line),
        tools=(PRINT_ENVIRONMENT,),
    )
    printed = [line for line in lines if line.startswith("ENV ")]
    assert len(printed) == 1, "the child printed its environment once"
    return json.loads(printed[0].removeprefix("ENV "))


def test_child_tools_never_see_the_parents_secrets(tmp_path, monkeypatch):
    # What python-dotenv would have put into os.environ from a trader's `.env`.
    for key in (
        "TT_LIVE_REFRESH_TOKEN",
        "TT_SANDBOX_PASS",
        "TASTY_BASE_URL_LIVE",
        "USE_LIVE",
        "HOST",
        "DATA_DIR",
        "SOME_OTHER_API_KEY",
    ):
        monkeypatch.setenv(key, FAKE_SECRET)
    seen = child_sees(tmp_path)
    leaked = any(FAKE_SECRET in value for value in seen.values())
    assert not leaked, "a child tool saw a value from the parent's .env"
    assert not any(key.startswith(("TT_", "TASTY_")) for key in seen)
    assert "SOME_OTHER_API_KEY" not in seen and "USE_LIVE" not in seen


def test_child_tools_get_only_the_allow_listed_keys(tmp_path, monkeypatch):
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("VIRTUAL_ENV", str(PROJECT_ROOT / ".venv"))
    seen = child_sees(tmp_path)
    allowed = {
        "PATH",
        "HOME",
        "LANG",
        "LANGUAGE",
        "TMPDIR",
        "TZ",
        "VIRTUAL_ENV",
        "PYTHONUNBUFFERED",
        "CI",
        "DEBIAN_FRONTEND",
        "TERM",
    }
    unexpected = {k for k in seen if k not in allowed and not k.startswith("LC_")}
    # The interpreter itself may add LC_CTYPE coercion; nothing else is allowed in.
    assert unexpected == set(), sorted(unexpected)
    assert seen["PYTHONUNBUFFERED"] == "1"
    assert seen["LC_ALL"] == "C.UTF-8" and seen["VIRTUAL_ENV"] == str(PROJECT_ROOT / ".venv")


def test_child_environment_is_an_allow_list():
    parent = {
        "PATH": "/usr/bin",
        "HOME": "/home/t",
        "LC_NUMERIC": "C",
        "TT_LIVE_CLIENT_SECRET": FAKE_SECRET,
        "AWS_SECRET_ACCESS_KEY": FAKE_SECRET,
        "PYTHONPATH": "/elsewhere",
        "COCKPIT_ENV_FILE": "/tmp/x.env",
    }
    env = child_environment(parent)
    assert env == {
        "PATH": "/usr/bin",
        "HOME": "/home/t",
        "LC_NUMERIC": "C",
        "PYTHONUNBUFFERED": "1",
    }


def test_the_dev_tools_of_this_venv_are_found():
    assert missing_dev_tools(TOOLS) == []
    assert missing_dev_tools((PRINT_ENVIRONMENT,)) == [], "a -c command needs no module"


def test_a_missing_tool_refuses_and_keeps_the_green_record(tmp_path):
    data_dir = tmp_path / "data"
    path = write_record(green_record(), data_dir)
    before = path.read_bytes()
    assert missing_dev_tools(NOT_INSTALLED) == ["no_such_dev_tool_4b2a"]
    lines: list[str] = []
    try:
        run_preflight(PROJECT_ROOT, data_dir, lambda t, line: lines.append(line), NOT_INSTALLED)
    except PreflightUnavailable as error:
        message = str(error)
    else:
        raise AssertionError("the run started without its tools")
    assert message == DEV_TOOLS_MISSING
    assert "make test" in message
    assert path.read_bytes() == before, "a run that could not start wrote a record"
    assert lines == []


def test_a_missing_tool_writes_no_record_at_all(tmp_path):
    data_dir = tmp_path / "data"
    try:
        run_preflight(PROJECT_ROOT, data_dir, tools=NOT_INSTALLED)
    except PreflightUnavailable:
        pass
    assert not ci_record_path(data_dir).exists()


def _start_callback(app):
    for key, entry in app.callback_map.items():
        if entry["inputs"] == [{"id": preflight_panel.Ids.RUN_BUTTON, "property": "n_clicks"}]:
            return key, entry
    raise AssertionError("no callback listens to the pre-flight button")


def _outputs(entry):
    declared = entry["output"] if isinstance(entry["output"], list) else [entry["output"]]
    specs = [{"id": o.component_id, "property": o.component_property} for o in declared]
    return specs if isinstance(entry["output"], list) else specs[0]


def test_the_button_says_plainly_that_the_tools_are_missing(tmp_path):
    settings = cockpit_settings(tmp_path)
    ctx = build_context(settings, PROJECT_ROOT, preflight_tools=NOT_INSTALLED)
    app = create_app(ctx)
    key, entry = _start_callback(app)
    client = app.server.test_client()
    response = client.post(
        "/_dash-update-component",
        json={
            "output": key,
            "outputs": _outputs(entry),
            "inputs": [{"id": preflight_panel.Ids.RUN_BUTTON, "property": "n_clicks", "value": 1}],
            "changedPropIds": [f"{preflight_panel.Ids.RUN_BUTTON}.n_clicks"],
            "state": [],
        },
        headers={"Host": f"127.0.0.1:{settings.port}"},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "The dev tools are not installed: run `make test` once" in body
    assert ctx.jobs.latest(preflight_panel.JOB_NAME) is None, "no run was started"
    assert not ci_record_path(settings.data_dir).exists()
