"""Real cockpit contexts (stores in tmp_path, a fixed clock) to render cards without a browser."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from components.context import build_context
from tests.support.journal_factory import seed_journal
from tests.support.live_server import cockpit_settings

# Monday 2025-03-03, 10:00 in New York: after the seeded journal's last close.
NOW = datetime(2025, 3, 3, 15, 0, tzinfo=timezone.utc)


def close_context(ctx) -> None:
    """Close the guard and every store a test context opened."""
    ctx.guard.close()
    for store in (ctx.stores.journal, ctx.stores.alerts, ctx.stores.latch, ctx.stores.sandbox):
        store.close()


@pytest.fixture
def empty_ctx(tmp_path):
    """A cockpit on an empty journal; its root is tmp_path (not a git checkout)."""
    settings = cockpit_settings(tmp_path, display_timezone="America/New_York")
    ctx = build_context(settings, tmp_path, clock=lambda: NOW)
    yield ctx
    close_context(ctx)


@pytest.fixture
def seeded_ctx(tmp_path):
    """A cockpit on the seeded journal: 30 closed SPY verticals, 2025-01-06 to 2025-02-04."""
    settings = cockpit_settings(tmp_path, display_timezone="America/New_York")
    seed_journal(settings.data_dir)
    ctx = build_context(settings, tmp_path, clock=lambda: NOW)
    yield ctx
    close_context(ctx)
