"""Suite-wide guards: nothing in the test run may reach beyond loopback."""

from __future__ import annotations

import ipaddress
import socket

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
REFUSED_CONNECTIONS: list[str] = []


def _is_loopback(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = str(address[0]) if isinstance(address, tuple) and address else ""
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded(real):
    def connect(self, address):
        if not _is_loopback(address):
            REFUSED_CONNECTIONS.append(repr(address))
            raise ConnectionRefusedError(f"test suite refused a non-loopback connection: {address}")
        return real(self, address)

    return connect


@pytest.fixture(autouse=True, scope="session")
def loopback_only():
    """Refuse every socket connection that is not to the loopback interface."""
    socket.socket.connect = _guarded(_real_connect)
    socket.socket.connect_ex = _guarded(_real_connect_ex)
    yield REFUSED_CONNECTIONS
    socket.socket.connect = _real_connect
    socket.socket.connect_ex = _real_connect_ex
    if REFUSED_CONNECTIONS:
        pytest.fail(f"the suite tried to leave loopback: {REFUSED_CONNECTIONS}")
