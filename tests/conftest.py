"""Suite-wide rules: nothing leaves loopback, hypothesis has no deadline, and the browser tests
share one Chromium, each with a fresh context, failing on any error the page shows."""

from __future__ import annotations

import functools
import ipaddress
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support.browser import VIEWPORT, PageProblems, launch_chromium

# Examples are cheap to add and slow to run on a loaded 2-core machine: tests that want more ask.
# No deadline: a property test must never fail because the machine was busy.
hypothesis_settings.register_profile("cockpit", deadline=None, max_examples=50)
hypothesis_settings.load_profile("cockpit")

BROWSER_TESTS = Path(__file__).resolve().parent / "browser"
SHARED_MEMORY = Path("/dev/shm")
PAGE_PROBLEMS = pytest.StashKey[PageProblems]()

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


def pytest_configure(config: pytest.Config) -> None:
    """Keep tmp_path in memory when /dev/shm is there: every SQLite commit waits for fsync, and
    on a busy disk those waits are most of the suite's time. Removed when the run ends."""
    if config.option.basetemp is None and os.access(SHARED_MEMORY, os.W_OK):
        config.option.basetemp = tempfile.mkdtemp(prefix="cockpit-tests-", dir=SHARED_MEMORY)
        config.add_cleanup(functools.partial(shutil.rmtree, config.option.basetemp, True))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/browser/ and every test that opens a page as `browser`."""
    for item in items:
        in_browser_folder = item.path.is_relative_to(BROWSER_TESTS)
        if in_browser_folder or "page" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the whole run: launching it costs more than most tests."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser context and page per test (no cookies or storage carried over);
    `@pytest.mark.viewport(height=...)` sets a taller window."""
    marker = request.node.get_closest_marker("viewport")
    context = chromium.new_context(viewport={**VIEWPORT, **(marker.kwargs if marker else {})})
    opened = context.new_page()
    request.node.stash[PAGE_PROBLEMS] = PageProblems(opened)
    yield opened
    context.close()


@pytest.fixture
def page_problems(page: Page, request: pytest.FixtureRequest) -> PageProblems:
    """What the `page` fixture has recorded so far (tests of the check itself read it)."""
    return request.node.stash[PAGE_PROBLEMS]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """A browser test fails on any page error, console error or 5xx response it saw."""
    result = yield
    problems = item.stash.get(PAGE_PROBLEMS, None)
    if problems is not None and problems.seen:
        pytest.fail("the page showed errors:\n" + "\n".join(problems.seen), pytrace=False)
    return result
