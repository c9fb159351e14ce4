"""Nothing leaves loopback: the suite's guard fires, and the client contacts only its base URL."""

from __future__ import annotations

import socket

import pytest

from utils.core.config import BrokerCredentials, Environment
from utils.tastytrade.client import TastytradeClient
from utils.tastytrade.errors import ClientConfigError

UNROUTABLE = "192.0.2.1"  # TEST-NET-1 (RFC 5737): never a real host


def _forget(refused: list[str], before: int) -> list[str]:
    """The entries a test added to the suite's refused list, removed again after the check."""
    added = refused[before:]
    del refused[before:]
    return added


def test_guard_refuses_a_non_loopback_connection(loopback_only):
    before = len(loopback_only)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(ConnectionRefusedError, match="non-loopback"):
            sock.connect((UNROUTABLE, 443))
    assert _forget(loopback_only, before) == [repr((UNROUTABLE, 443))]


def test_guard_lets_loopback_through(loopback_only):
    before = len(loopback_only)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
    assert len(loopback_only) == before


def test_client_aimed_at_a_remote_host_is_refused_before_any_connection(loopback_only, tmp_path):
    """Neither tastytrade nor this machine: no client is built, so nothing is ever tried."""
    before = len(loopback_only)
    credentials = BrokerCredentials(
        environment=Environment.SANDBOX,
        base_url=f"https://{UNROUTABLE}",
        client_id="id",
        client_secret="secret-value",
        refresh_token="refresh-value",
    )
    with pytest.raises(ClientConfigError, match="neither a tastytrade host") as refused:
        TastytradeClient(credentials, data_dir=tmp_path, user_agent="spreads-cockpit-tests/0.1")
    assert "secret-value" not in str(refused.value)
    assert loopback_only[before:] == []
