"""The journal card's import: every bad cell listed with "N more", "Import the good orders" only
after a refusal, refused names and sizes as messages, and a naked trade's HIGH alert."""

from __future__ import annotations

import base64
import csv
import io
from decimal import Decimal

from components.cards import journal as card
from tests.support.tasty_rows import naked_put_rows, spread_history
from utils.records.alerts import AlertRule


def data_url(text: str) -> str:
    return "data:text/csv;base64," + base64.b64encode(text.encode()).decode("ascii")


def csv_text(rows) -> str:
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(spread_history(0)[0])
    writer.writerows(rows)
    return stream.getvalue()


def run(ctx, text, *, good=False, name="history.csv"):
    return card.run_upload(ctx, data_url(text), name, "auto", "LIVE", 3, good=good)


def texts(component) -> str:
    return str(component)


def with_bad_values(rows, count):
    copy = [list(row) for row in rows]
    for row in copy[:count]:
        row[7] = "--"  # Value
    return copy


def test_a_refused_import_lists_every_bad_cell_past_a_page_with_n_more(empty_ctx):
    rows = with_bad_values(spread_history(20)[1], 60)
    shown, version, offer = run(empty_ctx, csv_text(rows))
    assert shown[0].id == card.Ids.IMPORT_REFUSED and version == 3
    items = shown[1].children
    assert len(items) == card.ERRORS_SHOWN + 1
    assert "... and 10 more" in items[-1].children
    assert offer == card.IMPORT_GOOD_SHOWN, "the choice is offered only after a refusal"
    assert empty_ctx.journal.list_trades() == []


def test_import_the_good_orders_is_the_traders_explicit_choice(empty_ctx):
    rows = with_bad_values(spread_history(3)[1], 1)  # the newest row: the last spread's close
    refused, _, offer = run(empty_ctx, csv_text(rows))
    assert offer == card.IMPORT_GOOD_SHOWN and empty_ctx.journal.list_trades() == []
    shown, version, offer = run(empty_ctx, csv_text(rows), good=True)
    assert shown[0].id == card.Ids.IMPORT_OK and version == 4 and offer == card.HIDDEN
    assert "2 row(s) skipped (bad, or in a bad order)" in shown[0].children
    assert "line 2 (Value)" in texts(shown[1])
    assert len(empty_ctx.journal.list_trades()) == 3


def test_a_naked_put_in_the_file_raises_one_high_alert_for_its_session(empty_ctx):
    rows = naked_put_rows() + spread_history(30)[1]
    shown, _, _ = run(empty_ctx, csv_text(rows))
    assert "1 NOT defined-risk" in shown[0].children
    (alert,) = empty_ctx.alerts.alerts()
    assert alert.rule is AlertRule.UNDEFINED_RISK_JOURNALED
    (naked,) = [t for t in empty_ctx.journal.list_trades() if len(t.legs) == 1]
    assert alert.trade_id == naked.id and naked.max_loss_usd == Decimal("55750.00")
    evidence = empty_ctx.evidence()
    assert any(v.code == "NOT_DEFINED_RISK" for v in evidence.discipline.all_violations)


def test_a_240_byte_or_nul_file_name_is_a_message_never_a_500(empty_ctx):
    text = csv_text(spread_history(1)[1])
    for name in ("x" * 236 + ".csv", "a\x00b.csv"):
        shown, version, offer = run(empty_ctx, text, name=name)
        assert shown.id == card.Ids.IMPORT_REFUSED and version == 3 and offer == card.HIDDEN
    assert not (empty_ctx.settings.data_dir / "imports").exists()


def test_an_upload_that_cannot_be_kept_is_a_message_and_leaves_nothing(empty_ctx):
    imports = empty_ctx.settings.data_dir / "imports"
    imports.write_text("a file where the uploads folder should be", encoding="utf-8")
    shown, version, offer = run(empty_ctx, csv_text(spread_history(1)[1]))
    assert shown.id == card.Ids.IMPORT_REFUSED and "cannot write" in shown.children
    assert (version, offer) == (3, card.HIDDEN) and empty_ctx.journal.list_trades() == []
    assert imports.read_text(encoding="utf-8").startswith("a file")
