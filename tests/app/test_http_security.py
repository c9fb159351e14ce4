"""HTTP hardening: security headers, a request-size limit, 4xx (not 500) for malformed requests.

The real app from `create_app` through Flask's test client, the real server on a loopback
socket (raw `http.client`, which sends paths as written), and the page in a real Chromium.
"""

from __future__ import annotations

import http.client
import logging
import math

import pytest
from dash import Input, Output, html

from app_dash import create_app
from components.context import build_context
from components.http_security import MAX_REQUEST_BYTES
from components.cards.expectancy import Ids as ExpectancyIds
from components.cards.ticket import Ids as TicketIds
from tests.support.journal_factory import seed_journal
from tests.support.live_server import cockpit_settings, serve_cockpit
from utils.core.config import PROJECT_ROOT
from utils.journal.import_text import DEFAULT_MAX_IMPORT_BYTES

UPDATE = "/_dash-update-component"


class LoopbackClient:
    """Flask's test client, sending the Host header the cockpit answers."""

    def __init__(self, app, port: int):
        self._client, self._host = app.server.test_client(), f"127.0.0.1:{port}"

    def get(self, path, headers=None, **kwargs):
        return self._client.get(path, headers={"Host": self._host, **(headers or {})}, **kwargs)

    def post(self, path, headers=None, **kwargs):
        return self._client.post(path, headers={"Host": self._host, **(headers or {})}, **kwargs)


@pytest.fixture
def cockpit(tmp_path):
    settings = cockpit_settings(tmp_path)
    app = create_app(build_context(settings, PROJECT_ROOT))
    return app, LoopbackClient(app, settings.port)


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def assert_hardened(response) -> None:
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    policy = directives(response)
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]


def test_the_page_and_its_callbacks_carry_the_security_headers(cockpit):
    _, client = cockpit
    for response in (
        client.get("/"),
        client.get("/_dash-layout"),
        client.get("/_dash-dependencies"),
        client.post(UPDATE, data="{", content_type="application/json"),
        client.get("/_dash-component-suites/../../x"),
    ):
        assert_hardened(response)


def test_the_script_policy_admits_exactly_the_pages_inline_renderer(cockpit):
    app, client = cockpit
    policy = directives(client.get("/"))
    hashes = [source for source in policy["script-src"] if source.startswith("'sha256-")]
    assert sorted(hashes) == sorted(app.csp_hashes())
    assert policy["script-src"][0] == "'self'"


def test_a_foreign_host_is_refused_with_the_headers_too(cockpit):
    _, client = cockpit
    response = client.get("/", headers={"Host": "attacker.example"})
    assert response.status_code == 400
    assert_hardened(response)


@pytest.mark.parametrize(
    "body, content_type",
    [
        ("{not json", "application/json"),
        ("null", "application/json"),
        ("[]", "application/json"),
        ("42", "application/json"),
        ("{}", "application/json"),
        ('{"output": 5, "outputs": {}, "inputs": []}', "application/json"),
        ('{"output": "graduation-verdict.children"}', "application/json"),
        ("output=x", "application/x-www-form-urlencoded"),
        ("", "application/json"),
    ],
    ids=[
        "unparsable",
        "null",
        "array",
        "number",
        "empty-object",
        "output-not-a-string",
        "no-inputs",
        "form",
        "empty",
    ],
)
def test_a_malformed_callback_request_is_a_4xx(cockpit, caplog, body, content_type):
    _, client = cockpit
    with caplog.at_level(logging.ERROR):
        response = client.post(UPDATE, data=body, content_type=content_type)
    assert response.status_code == 400, response.status_code
    assert response.mimetype == "text/plain"
    assert "Traceback" not in response.get_data(as_text=True)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_an_unknown_output_is_a_4xx(cockpit):
    _, client = cockpit
    response = client.post(
        UPDATE,
        json={
            "output": "no-such-component.children",
            "outputs": {"id": "no-such-component", "property": "children"},
            "inputs": [{"id": "x", "property": "n_clicks", "value": 1}],
            "changedPropIds": ["x.n_clicks"],
        },
    )
    assert response.status_code == 400
    assert "no-such-component" not in response.get_data(as_text=True), "input is not echoed"


def test_inputs_that_do_not_match_the_callback_are_a_4xx(cockpit):
    app, client = cockpit
    key, entry = next(
        (k, e) for k, e in app.callback_map.items() if not isinstance(e["output"], list)
    )
    output = entry["output"]
    outputs = {"id": output.component_id, "property": output.component_property}
    for inputs in ([], [1, 2, 3], [{"property": "n_clicks"}], "x"):
        response = client.post(UPDATE, json={"output": key, "outputs": outputs, "inputs": inputs})
        assert response.status_code == 400, (inputs, response.status_code)


@pytest.mark.parametrize(
    "path",
    [
        "/_dash-component-suites/../../x",
        "/_dash-component-suites/dash/../../x",
        "/_dash-component-suites/dash/deps/../../../../etc/passwd",
        "/_dash-component-suites/os/path.js",
        "/_dash-component-suites/dash/nothere.js",
    ],
)
def test_a_component_suite_outside_dashs_registry_is_a_404(cockpit, caplog, path):
    _, client = cockpit
    client.get("/")  # the index registers the page's own component files
    with caplog.at_level(logging.ERROR):
        response = client.get(path)
    assert response.status_code == 404
    assert "registered" not in response.get_data(as_text=True), "no list of server paths"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_real_component_suite_file_is_still_served(cockpit):
    _, client = cockpit
    page = client.get("/").get_data(as_text=True)
    start = page.index("/_dash-component-suites/dash/dash-renderer/")
    path = page[start : page.index('"', start)]
    response = client.get(path)
    assert response.status_code == 200 and len(response.data) > 10_000


def test_a_genuine_callback_bug_is_still_a_500_and_logged(tmp_path, caplog):
    settings = cockpit_settings(tmp_path)
    app = create_app(build_context(settings, PROJECT_ROOT))

    @app.callback(Output("bug-out", "children"), Input("bug-in", "n_clicks"))
    def _broken(_n):
        raise ZeroDivisionError("a bug in a card's callback")

    app.layout = html.Div([html.Button(id="bug-in"), html.Div(id="bug-out")])
    client = LoopbackClient(app, settings.port)
    with caplog.at_level(logging.ERROR):
        response = client.post(
            UPDATE,
            json={
                "output": "bug-out.children",
                "outputs": {"id": "bug-out", "property": "children"},
                "inputs": [{"id": "bug-in", "property": "n_clicks", "value": 1}],
                "changedPropIds": ["bug-in.n_clicks"],
                "state": [],
            },
        )
    assert response.status_code == 500
    assert any("ZeroDivisionError" in (r.exc_text or "") for r in caplog.records)


def test_a_larger_request_gets_413_with_a_plain_message(cockpit):
    _, client = cockpit
    response = client.post(
        UPDATE, data=b"x" * (MAX_REQUEST_BYTES + 1), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.mimetype == "text/plain"
    assert "too large" in response.get_data(as_text=True)
    assert_hardened(response)


def test_the_limit_still_admits_the_largest_journal_csv_upload():
    # dcc.Upload sends the file base64-encoded inside the callback's JSON body.
    encoded = 4 * math.ceil(DEFAULT_MAX_IMPORT_BYTES / 3) + len("data:text/csv;base64,")
    assert MAX_REQUEST_BYTES >= encoded + 64 * 1024, "room for the rest of the callback body"
    assert MAX_REQUEST_BYTES <= 64 * 1024 * 1024


# --- On a real server socket ---------------------------------------------------------------


def raw_request(url: str, method: str, path: str, body: bytes | None = None, headers=None):
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", f"{host}:{port}")
        for key, value in (headers or {}).items():
            connection.putheader(key, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_on_a_real_socket_no_version_and_no_500(tmp_path):
    settings = cockpit_settings(tmp_path)
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        status, headers, _ = raw_request(url, "GET", "/")
        assert status == 200
        server = headers.get("Server", "")
        assert "Werkzeug" not in server and "Python" not in server
        assert not any(ch.isdigit() for ch in server), server
        assert headers["X-Frame-Options"] == "DENY"
        status, headers, _ = raw_request(url, "GET", "/_dash-component-suites/../../x")
        assert status == 404
        assert "Werkzeug" not in headers.get("Server", "")
        status, _, _ = raw_request(
            url,
            "POST",
            UPDATE,
            b"{",
            {"Content-Type": "application/json", "Content-Length": "1"},
        )
        assert status == 400
        status, _, body = raw_request(
            url,
            "POST",
            UPDATE,
            b"{}",
            {"Content-Type": "application/json", "Content-Length": str(MAX_REQUEST_BYTES + 1)},
        )
        assert status == 413 and b"too large" in body


@pytest.mark.viewport(height=1600)
def test_the_hardened_page_loads_in_chromium_without_a_console_error(tmp_path, page):
    """The `page` fixture fails this test on any console error, CSP violation included."""
    settings = cockpit_settings(tmp_path)
    seed_journal(settings.data_dir)  # closed trades: the page draws its Plotly charts
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        response = page.goto(url + "/")
        page.locator(f"#{ExpectancyIds.EXPECTANCY}").wait_for()
        page.locator(".js-plotly-plot .main-svg").first.wait_for()
        page.locator(f"#{TicketIds.PAYOFF} .main-svg").first.wait_for()
        page.wait_for_load_state("networkidle")
        charts = page.locator(".js-plotly-plot").count()
        headers = response.all_headers()
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert charts == 4  # three on the Expectancy card, the ticket's payoff
