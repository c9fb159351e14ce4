"""Export card in Chromium: the button writes the compliance CSV with every gate row."""

from __future__ import annotations

import csv

from components.cards.export import Ids as ExportIds
from tests.support.browser import screenshot
from tests.support.live_server import cockpit_settings, serve_cockpit
from utils.records.audit import AuditLog
from utils.core.config import PROJECT_ROOT
from utils.judge.gates import GateCode

CANARY = "canary-refresh-token-0c9d"


def test_export_button_writes_the_snapshot_without_secrets(tmp_path, page):
    settings = cockpit_settings(
        tmp_path,
        tt_live_client_id="id",
        tt_live_client_secret=CANARY,
        tt_live_refresh_token=CANARY + "-r",
    )
    with serve_cockpit(settings, PROJECT_ROOT) as url:
        page.goto(url + "/")
        with page.expect_download() as download:
            page.click(f"#{ExportIds.BUTTON}")
        page.locator(f"#{ExportIds.PATH}").wait_for()
        shown = page.locator(f"#{ExportIds.PATH}").inner_text()
        html = page.content()
        screenshot(page, "export_written")
        assert download.value.suggested_filename == "compliance_snapshot.csv"
    path = settings.data_dir / "export" / "compliance_snapshot.csv"
    assert shown == str(path)
    raw = path.read_bytes()
    rows = list(csv.DictReader(raw.decode("utf-8").splitlines()))
    gate_items = {row["item"] for row in rows if row["section"] == "gate"}
    assert gate_items == {code.value for code in GateCode} | {"eligible"}
    assert CANARY.encode() not in raw and CANARY not in html
    audit = AuditLog.open(settings.data_dir)
    assert [entry.kind for entry in audit.entries()][-1] == "export"
    audit.close()
