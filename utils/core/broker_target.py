"""Which server a tastytrade base URL reaches: the identity behind the text, not the text.

A base URL is accepted in two shapes only, and anything else is refused before a credential
could be sent to it:

- https to a tastytrade host (`tastyworks.com`, `tastytrade.com` or any host under them):
  production, unless it is one of the documented certification (sandbox) hosts;
- http or https to this machine (127.0.0.0/8, ::1, `localhost`): the embedded simulator, tests.

Hosts are normalised before anything is compared: lower case, IDNA (so full-width letters and
dots fold to ASCII), trailing dots stripped. So `https://API.TastyWorks.com.` is production,
`https://api.cert.tastyworks.com.evil.example` is refused, and every loopback spelling of one
port (`localhost`, `127.0.0.2`, `[::1]`, `[::ffff:127.0.0.1]`) is the same server.

    server = parse_base_url("https://api.cert.tastyworks.com")
    server.kind, server.url, server.same_server(other)
    sandbox_target_problem(sandbox_url, live_url)   # None, or why "sandbox" would be live
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from enum import StrEnum
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

TASTYTRADE_DOMAINS = ("tastyworks.com", "tastytrade.com")
# Documented certification hosts: the sandbox. Every other tastytrade host is production.
CERTIFICATION_HOSTS = frozenset({"api.cert.tastyworks.com", "api.cert.tastytrade.com"})
DEFAULT_PORTS = {"https": 443, "http": 80}
_HOST_NAME = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")

Resolver = Callable[[str], Iterable[str]]


class BaseUrlError(ValueError):
    """A base URL the cockpit will not talk to; the message says why (never a credential)."""


class ServerKind(StrEnum):
    """What a base URL reaches."""

    PRODUCTION = "tastytrade production"
    CERTIFICATION = "tastytrade certification (sandbox)"
    LOOPBACK = "this machine (loopback)"


class BrokerServer(BaseModel):
    """A base URL reduced to the server it reaches."""

    model_config = ConfigDict(frozen=True)

    url: str
    kind: ServerKind
    host: str
    port: int

    @property
    def identity(self) -> tuple[str, int]:
        """Equal for two URLs that reach the same accounts.

        Every production host reaches the same live accounts; every loopback address reaches
        this machine, so there only the port tells servers apart.
        """
        if self.kind is ServerKind.LOOPBACK:
            return (self.kind.value, self.port)
        return (self.kind.value, 0)

    def same_server(self, other: BrokerServer) -> bool:
        """True when both reach the same server (see `identity`)."""
        return self.identity == other.identity

    @property
    def is_tastytrade(self) -> bool:
        """True for tastytrade's own servers (production or certification)."""
        return self.kind is not ServerKind.LOOPBACK


def normalise_host(host: str) -> str:
    """Lower case, IDNA-encoded, trailing dots stripped; BaseUrlError for a malformed name."""
    text = host.strip().lower().rstrip(".")
    if not text:
        raise BaseUrlError("it has no host")
    try:
        ascii_host = text.encode("idna").decode("ascii").lower().rstrip(".")
    except UnicodeError:
        raise BaseUrlError("its host is not a valid host name") from None
    return ascii_host


def _loopback_address(host: str) -> bool | None:
    """True/False for an IP literal (loopback or not), None for a name."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _is_localhost_name(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


def is_loopback_host(host: str) -> bool:
    """True for `localhost` and for addresses in 127.0.0.0/8 or ::1 (IPv4-mapped included)."""
    text = host.strip().lower()
    loopback = _loopback_address(text)
    return text == "localhost" if loopback is None else loopback


def _under_tastytrade(host: str) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in TASTYTRADE_DOMAINS)


def system_resolver(host: str) -> list[str]:
    """Every address the system resolves `host` to (for the `localhost` check at start-up)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None)]


def parse_base_url(url: str, *, resolve: Resolver | None = None) -> BrokerServer:
    """The server a base URL reaches, or BaseUrlError saying why it is refused.

    With `resolve`, a `localhost` name must resolve to loopback addresses only (checked once at
    start-up; without it the name is taken at its RFC 6761 meaning).
    """
    try:
        parts = urlsplit(str(url).strip())
        port = parts.port
    except ValueError:
        raise BaseUrlError("it is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise BaseUrlError("it must start with https:// (http:// only to this machine)")
    if "@" in parts.netloc or parts.query or parts.fragment or parts.path not in ("", "/"):
        raise BaseUrlError(
            "it must be scheme://host[:port] only: no credentials, path, query or fragment"
        )
    host = normalise_host(parts.hostname or "")
    port = port if port is not None else DEFAULT_PORTS[scheme]
    if not 0 < port < 65536:
        raise BaseUrlError("its port is out of range")
    loopback = _loopback_address(host)
    if loopback is None and not _HOST_NAME.match(host):
        raise BaseUrlError("its host is not a valid host name")
    if loopback or (loopback is None and _is_localhost_name(host)):
        if loopback is None and resolve is not None:
            _check_resolves_to_loopback(host, resolve)
        kind = ServerKind.LOOPBACK
    elif loopback is None and _under_tastytrade(host):
        if scheme != "https":
            raise BaseUrlError("a tastytrade host must be reached over https")
        kind = ServerKind.CERTIFICATION if host in CERTIFICATION_HOSTS else ServerKind.PRODUCTION
    else:
        raise BaseUrlError(
            f"{host} is neither a tastytrade host ({' or '.join(TASTYTRADE_DOMAINS)}) nor this "
            "machine (loopback); no credential is sent to any other server"
        )
    shown_host = f"[{host}]" if ":" in host else host
    shown_port = "" if port == DEFAULT_PORTS[scheme] else f":{port}"
    return BrokerServer(url=f"{scheme}://{shown_host}{shown_port}", kind=kind, host=host, port=port)


def _check_resolves_to_loopback(host: str, resolve: Resolver) -> None:
    try:
        addresses = list(resolve(host))
    except OSError:
        raise BaseUrlError(f"{host} does not resolve on this machine") from None
    if not addresses or not all(_loopback_address(a.split("%")[0]) for a in addresses):
        raise BaseUrlError(f"{host} resolves to an address that is not this machine")


def validated_server_problem(server: str, sandbox_base_url: str, live_base_url: str) -> str | None:
    """Why a sandbox validation run against `server` proves nothing for the configured sandbox."""
    if not server:
        return "the run did not record its server (it predates that record); run it again"
    if sandbox_target_problem(server, live_base_url) is not None:
        return f"it ran against {server}, which is the live or production server"
    try:
        same = parse_base_url(server).same_server(parse_base_url(sandbox_base_url))
    except BaseUrlError:
        same = False
    return None if same else f"it ran against {server}, not the configured sandbox"


def sandbox_target_problem(sandbox_base_url: str, live_base_url: str) -> str | None:
    """Why orders meant for the sandbox would reach a live account (None when they cannot).

    An unparsable URL counts as a problem: the sandbox is then never used.
    """
    try:
        sandbox = parse_base_url(sandbox_base_url)
    except BaseUrlError as error:
        return f"TASTY_BASE_URL_SANDBOX cannot be used: {error}."
    if sandbox.kind is ServerKind.PRODUCTION:
        return (
            f"TASTY_BASE_URL_SANDBOX points at {sandbox.host}, tastytrade's production API: "
            "sandbox orders would be real ones. Use https://api.cert.tastyworks.com."
        )
    try:
        live = parse_base_url(live_base_url)
    except BaseUrlError as error:
        return f"TASTY_BASE_URL_LIVE cannot be used ({error}), so the sandbox cannot be told apart."
    if sandbox.same_server(live):
        return (
            "TASTY_BASE_URL_SANDBOX and TASTY_BASE_URL_LIVE reach the same server "
            f"({sandbox.url} and {live.url}): sandbox orders would reach the live account. "
            "Point the sandbox URL at the sandbox."
        )
    return None
