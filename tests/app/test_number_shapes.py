"""Every judging card, rendered from real evidence, writes numbers and times in one shape: no
"$-100.00", no "$382.5816", no "$10000.00", no "inf", no ISO timestamps with seconds."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from components import preflight_panel
from components.cards import (
    alerts,
    broker,
    discipline,
    expectancy,
    export,
    graduation,
    journal_table,
)
from components.jobs import Job
from components.context import build_context
from tests.app.conftest import NOW, close_context
from tests.app.dash_tree import find, text
from tests.support.journal_factory import START, journal_trades
from tests.support.live_server import cockpit_settings
from utils.journal.store import Journal
from utils.journal.table_view import TableFilters
from utils.records.alerts import AlertRule, AlertStore
from utils.records.latch import RollbackLatchStore, RollbackTrigger, TriggerCode

FORBIDDEN = {
    "a minus after the dollar sign": re.compile(r"\$-"),
    "money with more than two decimals": re.compile(r"\$[\d,]*\.\d{3,}"),
    "money without thousands separators": re.compile(r"\$\d{4,}"),
    "an infinite ratio written as inf": re.compile(r"\binf\b", re.IGNORECASE),
    "an ISO time with seconds": re.compile(r"\d{2}:\d{2}:\d{2}"),
    "an ISO time with a T": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}"),
    "fractional minutes": re.compile(r"\d+\.\d+ minutes"),
    "an R to one decimal": re.compile(r"(?<![\d.$])[-+]?\d+\.\d R\b"),
    "an internal id": re.compile(r"\b[a-z]+_[a-z_]+\b"),
}


def shapes_broken(shown: str) -> list[str]:
    """Each forbidden shape found in the text, with what matched."""
    return [
        f"{name}: {match.group(0)!r} in ...{shown[max(match.start() - 40, 0):match.end() + 40]}..."
        for name, pattern in FORBIDDEN.items()
        for match in pattern.finditer(shown)
    ]


def rendered_cards(ctx) -> str:
    """The text of every card that shows evidence, as a person reads it."""
    evidence = ctx.evidence()
    settings = ctx.settings
    parts = [
        graduation.render(evidence),
        discipline.render(evidence, settings.gate_min_discipline, 80),
        expectancy.render(evidence, "USD"),
        expectancy.render(evidence, "R"),
        alerts.render(
            ctx.alerts.halt_state(), ctx.alerts.alerts(), settings, NOW, ctx.stores.latch.state()
        ),
        broker.render_mode(evidence, ctx.guard.audit_chain(), settings),
        export.last_backup(ctx),
    ]
    answer, _ = journal_table.grid_response(
        {"startRow": 0, "endRow": 50}, TableFilters(), ctx.journal.trades_frame()
    )
    rows = [" ".join(str(v) for k, v in row.items() if k != "loss") for row in answer["rowData"]]
    details = [journal_table.render_detail(trade, settings) for trade in ctx.journal.list_trades()]
    job = Job(id="j", name="preflight", lines=["[pytest] 3 passed"], elapsed_s=125.5)
    return " ".join(
        [*(text(part) for part in parts + details), *rows, text(preflight_panel.render_status(job))]
    )


@pytest.fixture
def eventful_ctx(tmp_path):
    """All winners (an infinite profit factor), a big winner, a HIGH alert and a set latch."""
    settings = cockpit_settings(tmp_path, display_timezone="America/New_York")
    journal = Journal.open(settings.data_dir)
    journal_trades(journal, [Decimal("12345.6789"), 120, 95], start=START)
    journal.close()
    clock = lambda: NOW - timedelta(hours=1)  # noqa: E731
    alert_store = AlertStore.open(settings.data_dir, clock=clock)
    alert_store.raise_alert(AlertRule.ORDER_ANOMALY, "order 1234567890: unknown status")
    alert_store.close()
    latch = RollbackLatchStore.open(settings.data_dir, clock=clock)
    latch.set([RollbackTrigger(code=TriggerCode.ORDER_ANOMALY, sentence="An order anomaly.")])
    latch.close()
    ctx = build_context(settings, tmp_path, clock=lambda: NOW)
    yield ctx
    close_context(ctx)


def test_seeded_cards_write_numbers_in_one_shape(seeded_ctx):
    assert shapes_broken(rendered_cards(seeded_ctx)) == []


def test_eventful_cards_write_numbers_in_one_shape(eventful_ctx):
    shown = rendered_cards(eventful_ctx)
    assert shapes_broken(shown) == []
    assert "∞ (no losses)" in shown
    assert re.search(r"\$\d{1,3},\d{3}\.\d{2}", shown), "thousands are grouped"


def test_empty_cards_write_numbers_in_one_shape(empty_ctx):
    assert shapes_broken(rendered_cards(empty_ctx)) == []


def test_drawdown_is_a_positive_amount_labelled_as_a_fall(seeded_ctx):
    stats = expectancy.stats(seeded_ctx.evidence())
    shown = text(find(stats, expectancy.Ids.MAX_DRAWDOWN))
    assert shown == "$380.00" and "fall" in text(stats).lower()


def test_the_shape_check_catches_each_old_habit():
    old = (
        "$-100.00 $382.5816 $10000.00 Profit factor inf 2025-03-03T14:00:00.123456 0.2 R "
        "iron_condor"
    )
    assert len(shapes_broken(old)) >= 7
