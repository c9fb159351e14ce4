"""HTTP hardening of the cockpit's Flask server, in one place.

- Security headers on every response: no framing (X-Frame-Options and CSP frame-ancestors),
  a Content-Security-Policy the page's own assets satisfy, nosniff, no referrer.
- A request-size limit (413 with a plain message), sized for the journal CSV upload.
- Malformed callback requests and component-file paths outside Dash's registry answer 4xx.
  Only the request's envelope is checked, before dispatch; a bug inside a card's callback
  still ends as a logged 500.
- `CockpitRequestHandler` keeps the server and Python versions out of the `Server` header.

CSP, checked in Chromium with the charts drawn: scripts come only from the app itself plus
the hash of Dash's one inline renderer script (no 'unsafe-inline', no 'unsafe-eval');
styles need 'unsafe-inline' because Plotly and AG Grid write <style> elements and
style attributes; images need data: for Bootstrap's inline SVG icons and Plotly's images.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dash import Dash
from dash.exceptions import DependencyException
from flask import Response, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.serving import WSGIRequestHandler

from utils.journal.import_text import DEFAULT_MAX_IMPORT_BYTES

MIB = 1024 * 1024
# dcc.Upload sends a file base64-encoded (4/3 of its size) inside the callback's JSON body:
# the largest CSV the journal imports (25 MiB) arrives as about 33.4 MiB.
MAX_REQUEST_BYTES = 40 * MIB
SERVER_NAME = "spreads-cockpit"
UPDATE_ROUTE = "_dash-update-component"
SUITES_ROUTE = "_dash-component-suites/<string:package_name>/<path:fingerprinted_path>"


class CockpitRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without its version and Python's in the `Server` header."""

    def version_string(self) -> str:
        """The `Server` header: a name, no version."""
        return SERVER_NAME


def content_security_policy(script_hashes: Iterable[str]) -> str:
    """The page's policy; `script_hashes` are Dash's `csp_hashes()` for its inline scripts."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def security_headers(script_hashes: Iterable[str]) -> dict[str, str]:
    """The headers every response carries."""
    return {
        "Content-Security-Policy": content_security_policy(script_hashes),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def _is_dependency(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("property"), str)
        and isinstance(item.get("id"), (str, dict))
    )


def _matches(item: Any) -> bool:
    """One input, state or output: a component, or a list of them (an ALL wildcard)."""
    if isinstance(item, list):
        return all(_is_dependency(part) for part in item)
    return _is_dependency(item)


def callback_request_problem(body: Any, callback_map: Mapping[str, Any]) -> str | None:
    """Why a callback request's envelope is malformed (None when it is well formed).

    Checks the shape Dash's dispatcher relies on: a JSON object naming a registered output,
    inputs and state matching the callback's declaration in number and form, outputs in the
    declared form, and changed-property ids as strings. Values are not judged: that is the
    callback's job. The request's own text is never echoed.
    """
    if not isinstance(body, dict):
        return "A callback request must be a JSON object."
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        return "The request names no callback of this page."
    entry = callback_map[output]
    for field in ("inputs", "state"):
        given = body.get(field, [])
        declared = entry.get(field, [])
        if not isinstance(given, list) or len(given) != len(declared):
            return f"The request's {field} do not match the callback."
        if not all(_matches(item) for item in given):
            return f"The request's {field} are malformed."
    if not entry.get("no_output"):
        outputs = body.get("outputs")
        declared_output = entry.get("output")
        if isinstance(declared_output, list):
            if not isinstance(outputs, list) or len(outputs) != len(declared_output):
                return "The request's outputs do not match the callback."
            if not all(_matches(item) for item in outputs):
                return "The request's outputs are malformed."
        elif not _matches(outputs):
            return "The request's outputs are malformed."
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "The request's changed properties are malformed."
    return None


def _plain(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def harden(app: Dash) -> None:
    """Apply the limits, checks and headers; call once every callback is registered."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    headers = security_headers(app.csp_hashes())
    prefix = app.config.routes_pathname_prefix
    update_endpoint, suites_endpoint = prefix + UPDATE_ROUTE, prefix + SUITES_ROUTE

    @server.before_request
    def _refuse_malformed_callback_requests():
        if request.endpoint != update_endpoint:
            return None
        problem = callback_request_problem(request.get_json(silent=True), app.callback_map)
        return _plain(400, problem) if problem else None

    @server.errorhandler(DependencyException)
    def _unknown_component_file(error: DependencyException):
        if request.endpoint == suites_endpoint:
            return _plain(404, "No such component file.")
        raise error  # anywhere else it is a server bug: Flask logs it and answers 500

    @server.errorhandler(RequestEntityTooLarge)
    def _too_large(_error: RequestEntityTooLarge):
        return _plain(
            413,
            f"Request too large: the cockpit accepts at most {MAX_REQUEST_BYTES // MIB} MB "
            f"per request (a journal CSV of up to {DEFAULT_MAX_IMPORT_BYTES // MIB} MB).",
        )

    @server.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.update(headers)
        return response
