"""Broker card in Chromium: the account is read with no order; validation shows progress."""

from __future__ import annotations

from components.cards.broker import Ids as BrokerIds
from tests.support.browser import screenshot
import pytest

from tests.support.live_server import cockpit_settings, serve_cockpit
from tests.support.tastytrade_support import START, SteppingClock
from utils.core.config import PROJECT_ROOT
from utils.records.sandbox import SandboxValidationStore

CANARY = "canary-client-secret-77aa"


@pytest.mark.viewport(height=2400)
def test_account_read_and_sandbox_validation_in_sim(tmp_path, page):
    settings = cockpit_settings(
        tmp_path,
        tt_live_client_id="live-id",
        tt_live_client_secret=CANARY,
        tt_live_refresh_token=CANARY + "-refresh",
    )
    with serve_cockpit(settings, PROJECT_ROOT, clock=SteppingClock(START)) as url:
        payloads = []
        page.on(
            "response",
            lambda response: (
                payloads.append(response.text())
                if "/_dash-" in response.url and response.status == 200
                else None
            ),
        )
        page.goto(url + "/")
        # The card is laid out empty and filled by its callback: wait for the account read.
        page.locator(f"#{BrokerIds.ACCOUNTS}", has_text="net liq $").wait_for(timeout=30_000)
        # A later read (the journal version moving) hides the body while it loads: read the
        # DOM text, which the loading overlay leaves in place, not the rendered text.
        accounts = page.locator(f"#{BrokerIds.ACCOUNTS}").text_content()
        page.click(f"#{BrokerIds.VALIDATE}")
        page.locator(f"#{BrokerIds.VALIDATION_VERDICT}").wait_for(timeout=30_000)
        verdict = page.locator(f"#{BrokerIds.VALIDATION_VERDICT}").inner_text()
        progress = page.locator(f"#{BrokerIds.VALIDATE_OUTPUT}").inner_text()
        page.locator(f"#{BrokerIds.EFFECTIVE_MODE}").wait_for()
        chain = page.locator(f"#{BrokerIds.AUDIT_CHAIN}").inner_text()
        screenshot(page, "broker_validation_sim")
        html = page.content()
        page.reload()
        page.locator(f"#{BrokerIds.VALIDATION_VERDICT}").wait_for()
        after_reload = page.locator(f"#{BrokerIds.VALIDATE_OUTPUT}").inner_text()
        storage = page.evaluate("JSON.stringify([localStorage, sessionStorage])")
    assert "net liq $" in accounts
    assert chain.startswith("Audit log intact: head seq ")
    assert verdict == "PASSED" and "dry-run: ok" in progress
    assert progress.splitlines()[1].startswith("[1/"), "every step is shown from the first"
    assert "PASSED" in after_reload and "[1/" in after_reload, "the last run survives a reload"
    assert CANARY not in html and CANARY not in storage
    assert payloads and not [body for body in payloads if CANARY in body]
    record = SandboxValidationStore.open(settings.data_dir).latest()
    assert record is not None and record.mode == "SIM" and record.passed
