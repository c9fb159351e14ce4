"""A real headless Chromium (Debian's package) driven by Playwright; never a downloaded one.

`tests/conftest.py` launches one browser per session and gives every test a fresh context and
page (the `page` fixture); `PageProblems` records what a person would see go wrong on it.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Error, Page, Playwright, Response

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
VIEWPORT = {"width": 1400, "height": 1000}
# Chromium reports a Content-Security-Policy violation as an event; say it on the console too.
CSP_VIOLATIONS_TO_CONSOLE = (
    "document.addEventListener('securitypolicyviolation', e => "
    "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
)


def launch_chromium(playwright: Playwright) -> Browser:
    """Start Debian's headless Chromium with the suite's flags (no network of its own)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


class PageProblems:
    """Every page error, console error and 5xx response seen on one page, as sentences."""

    def __init__(self, page: Page) -> None:
        self.seen: list[str] = []
        page.add_init_script(CSP_VIOLATIONS_TO_CONSOLE)
        page.on("pageerror", self._page_error)
        page.on("console", self._console)
        page.on("response", self._response)

    def _page_error(self, error: Error) -> None:
        self.seen.append(f"page error: {error}")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.seen.append(f"console error: {message.text}")

    def _response(self, response: Response) -> None:
        if response.status >= 500:
            self.seen.append(
                f"HTTP {response.status} from {response.request.method} {response.url}"
            )


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under test-output/screenshots/ for a person to look at."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
