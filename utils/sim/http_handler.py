"""The HTTP side of the simulated broker: requests in, armed faults applied, answers out.

HTTP/1.0 with `nginx` as the server name, as tastytrade's edge answers; every request is recorded
before any fault applies.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit
from http.server import BaseHTTPRequestHandler

from utils.sim.faults import fault_answer
from utils.sim.wire import Answer, decode_body

if TYPE_CHECKING:
    from utils.sim.server import SimBroker

logger = logging.getLogger(__name__)


class SimRequestHandler(BaseHTTPRequestHandler):
    """Turns HTTP into `SimBroker.answer` calls, applying any armed fault."""

    protocol_version = "HTTP/1.0"
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle()

    def do_PUT(self) -> None:  # noqa: N802
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        logger.debug("simulated broker: " + format, *args)

    def _handle(self) -> None:
        broker: SimBroker = self.server.broker  # type: ignore[attr-defined]
        split = urlsplit(self.path)
        path, query = split.path, parse_qs(split.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = decode_body(raw, self.headers.get("Content-Type") or "")
        broker.record_request(self.command, path, query, body, self.headers)
        fault = broker.take_fault(self.command, path)
        if fault is not None and fault.kind == "status":
            self._send(fault_answer(fault))
            return
        if fault is not None and fault.kind == "canned":
            self._send(Answer(status=fault.status, body=fault.body))
            return
        if fault is not None and fault.kind == "redirect":
            self._send(Answer(status=302, headers={"Location": fault.location or "/"}))
            return
        if fault is not None and fault.kind == "slow" and not fault.handle_first:
            if broker.wait_unless_stopping(fault.delay_s):
                return
        answer = broker.answer(self.command, path, query, body, self.headers)
        if fault is not None and fault.kind == "slow" and fault.handle_first:
            if broker.wait_unless_stopping(fault.delay_s):
                return
        if fault is not None and fault.kind == "drop":
            self.close_connection = True
            return
        self._send(answer, truncate=fault is not None and fault.kind == "malformed")

    def _send(self, answer: Answer, *, truncate: bool = False) -> None:
        if answer.html is not None:
            payload, content_type = answer.html.encode(), "text/html"
        elif answer.body is None:
            payload, content_type = b"", "application/json"
        else:
            payload, content_type = json.dumps(answer.body).encode(), "application/json"
        if truncate:
            payload = payload[: max(1, len(payload) // 2)]
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError as error:  # the client gave up (timeout) before the answer
            logger.debug("simulated broker: client went away (%s)", error)
