"""Nothing leaves loopback: the suite's guard fires, and the client contacts only its base URL."""

from __future__ import annotations

import socket

import pytest

from tests.tastytrade_support import SleepRecorder, SteppingClock
from utils.config import BrokerCredentials, Environment
from utils.tastytrade import RetryPolicy, TastytradeClient, TransportError

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


def test_client_contacts_only_its_configured_host(loopback_only, tmp_path):
    """A client aimed at a remote host is stopped by the guard, and only that host was tried."""
    before = len(loopback_only)
    credentials = BrokerCredentials(
        environment=Environment.SANDBOX,
        base_url=f"https://{UNROUTABLE}",
        client_id="id",
        client_secret="secret-value",
        refresh_token="refresh-value",
    )
    sleeps = SleepRecorder()
    client = TastytradeClient(
        credentials,
        data_dir=tmp_path,
        user_agent="spreads-cockpit-tests/0.1",
        sleep=sleeps,
        clock=SteppingClock(),
        retry=RetryPolicy(attempts=2),
    )
    with pytest.raises(TransportError, match="no answer from the broker"):
        client.accounts()
    assert _forget(loopback_only, before) == [repr((UNROUTABLE, 443))] * 2
    assert sleeps.waits == [0.5]
