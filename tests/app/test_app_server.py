"""The real cockpit process: binds 127.0.0.1, answers `/`, refuses foreign Host headers."""

from __future__ import annotations

import http.client
import os
import subprocess  # nosec B404
import sys

import pytest
import requests

from tests.support.live_server import free_port
from utils.core.config import PROJECT_ROOT


def start_cockpit(tmp_path, **env):
    port = free_port()
    environment = {
        **os.environ,
        "PORT": str(port),
        "DATA_DIR": str(tmp_path / "data"),
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    process = subprocess.Popen(
        [sys.executable, "app_dash.py"],
        cwd=PROJECT_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, port


@pytest.fixture(scope="module")
def cockpit(tmp_path_factory):
    """One real `python app_dash.py`, listening, shared by the checks that only read from it."""
    tmp_path = tmp_path_factory.mktemp("cockpit")
    process, port = start_serving(tmp_path, [str(PROJECT_ROOT / "app_dash.py")])
    yield process, port, tmp_path
    process.terminate()
    process.communicate(timeout=60)


def test_cockpit_serves_the_page_on_loopback(cockpit):
    _, port, tmp_path = cockpit
    response = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
    assert response.status_code == 200
    assert "<title>Spreads Cockpit</title>" in response.text
    assert (tmp_path / "data").is_dir(), "start-up creates the data folder"


def test_cockpit_layout_lists_the_six_cards(cockpit):
    _, port, _ = cockpit
    layout = requests.get(f"http://127.0.0.1:{port}/_dash-layout", timeout=5).text
    for title in ("Graduation", "Expectancy", "Discipline", "Alerts", "Broker", "Export"):
        assert f'"{title}"' in layout


def test_cockpit_refuses_a_foreign_host_header(cockpit):
    _, port, _ = cockpit
    response = requests.get(
        f"http://127.0.0.1:{port}/", headers={"Host": "attacker.example"}, timeout=5
    )
    assert response.status_code == 400


def test_cockpit_is_not_reachable_on_other_interfaces(cockpit):
    _, port, _ = cockpit
    listeners = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                local, state = row.split()[1], row.split()[3]
                address, port_hex = local.split(":")
                if state == "0A" and int(port_hex, 16) == port:
                    listeners.append(address)
    assert listeners == ["0100007F"], listeners  # 127.0.0.1 only, never 0.0.0.0 or ::


def test_malformed_env_stops_startup_with_a_message(tmp_path):
    process, _ = start_cockpit(tmp_path, USE_LIVE="maybe", TT_LIVE_PASS="canary-pw-991")
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "USE_LIVE" in output and "Traceback" not in output
    assert "canary-pw-991" not in output


# --- The real `python app_dash.py` process (issue 11) ----------------------------------------

PROBE = (
    "import os, signal, sys\n"
    "import app_dash\n"
    "def report(*_):\n"
    "    print('PROBE dotenv-loaded=' + str('COCKPIT_PROBE_KEY' in os.environ), flush=True)\n"
    "    sys.exit(0)\n"
    "signal.signal(signal.SIGTERM, report)\n"
    "sys.exit(app_dash.main())\n"
)


def start_serving(tmp_path, argv):
    """Start the real cockpit from tmp_path; return once Werkzeug says it is listening."""
    port = free_port()
    env_file = tmp_path / "cockpit.env"
    env_file.write_text(f"DATA_DIR={tmp_path / 'data'}\nPORT={port}\n", encoding="utf-8")
    environment = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    environment.update(
        COCKPIT_ENV_FILE=str(env_file), PYTHONPATH=str(PROJECT_ROOT), PYTHONUNBUFFERED="1"
    )
    process = subprocess.Popen(  # nosec B603  # fixed argv, no shell
        [sys.executable, *argv],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = []
    for line in process.stdout:  # blocks until the next line; EOF if the process ends
        seen.append(line)
        if "Running on http://127.0.0.1:" in line:
            return process, port
    process.wait()
    raise AssertionError("the cockpit never listened:\n" + "".join(seen))


def test_flask_does_not_load_a_dotenv_into_the_process_environment(tmp_path):
    # Flask's app.run() would load the nearest .env (from the working directory) into
    # os.environ, and every child process (the pre-flight tools) would inherit its secrets.
    (tmp_path / ".env").write_text("COCKPIT_PROBE_KEY=from-dotenv\n", encoding="utf-8")
    process, _ = start_serving(tmp_path, ["-c", PROBE])
    process.terminate()
    output, _ = process.communicate(timeout=60)
    assert "PROBE dotenv-loaded=False" in output, output


def test_the_real_server_names_no_version_and_sends_the_security_headers(cockpit):
    _, port, _ = cockpit
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/", headers={"Host": f"127.0.0.1:{port}"})
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 200
    server = response.getheader("Server", "")
    assert "Werkzeug" not in server and "Python" not in server, server
    assert not any(ch.isdigit() for ch in server), server
    assert response.getheader("X-Frame-Options") == "DENY"
    assert "frame-ancestors 'none'" in response.getheader("Content-Security-Policy", "")
