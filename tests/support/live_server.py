"""Serve a real cockpit over HTTP on 127.0.0.1 for tests (werkzeug in a thread)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from app_dash import create_app
from components.context import build_context
from components.http_security import CockpitRequestHandler
from utils.core.config import Settings, load_settings

# How often the serving thread looks for a shutdown request: the wait at every block's end.
SHUTDOWN_POLL_S = 0.05


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cockpit_settings(tmp_path: Path, **overrides) -> Settings:
    """Settings that never read the developer's `.env` and keep state under tmp_path."""
    values = {"data_dir": tmp_path / "data", "port": free_port(), **overrides}
    return load_settings(env_file=tmp_path / "absent.env", **values)


@contextmanager
def serve_cockpit(settings: Settings, root: Path, **context_overrides) -> Iterator[str]:
    """Run the cockpit until the block ends; yields its base URL."""
    app = create_app(build_context(settings, root, **context_overrides))
    server = make_server(
        settings.host,
        settings.port,
        app.server,
        threaded=True,
        request_handler=CockpitRequestHandler,
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S}, daemon=True
    )
    thread.start()
    try:
        yield f"http://{settings.host}:{settings.port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
