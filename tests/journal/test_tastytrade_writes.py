"""A tastytrade plan written in bulk leaves every table exactly as the one-at-a-time writes
(`tests/support/tastytrade_write_reference.py`) leave it: same rows, ids and order."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.tasty_history_factory import random_history
from tests.support.tasty_shape_history import EXPIRIES, history_text, order_strategy
from tests.support.tastytrade_write_reference import write_plan_one_at_a_time
from utils.core.sqlite_store import transaction
from utils.journal.importer import _tasty_book
from utils.journal.store import Journal
from utils.journal.tastytrade_csv import parse_tasty_csv
from utils.journal.tastytrade_plan import CloseCopy, plan_import
from utils.journal.tastytrade_shapes import ShapeCopy
from utils.journal.tastytrade_writes import write_tasty_plan
from utils.journal.trade import Mode

TABLES = (
    "trades",
    "trade_legs",
    "trade_orders",
    "trade_tags",
    "trade_notes",
    "trade_mistakes",
    "trade_risk_flags",
    "trade_fills",
    "journal_events",
)


def _fixed_clock() -> datetime:
    """The clock of both writes: the bulk writes read it once per slice of trades, the
    one-at-a-time writes once per trade, for the rows' created_at and flagged_at."""
    return datetime(2026, 1, 5, tzinfo=timezone.utc)


def _tables(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    return {
        t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in TABLES
    }  # nosec B608  # table scan order: rowid, or the key


def _written(folder: Path, texts: list[str], write) -> dict[str, list[tuple]]:
    """Every table after planning and writing each export in turn with `write`."""
    with Journal.open(folder) as journal:
        conn = journal.connect()
        for text in texts:
            with transaction(conn):
                plan = plan_import(parse_tasty_csv(text), _tasty_book(conn), mode=Mode.LIVE)
                write(conn, plan, _fixed_clock)
        return _tables(conn)


def _as_text(header: list[str], rows: list[list[str]]) -> str:
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\r\n").writerows([header, *rows])
    return stream.getvalue()


@pytest.mark.parametrize("seed", [1, 2])
def test_a_history_in_two_files_writes_the_same_rows_as_one_at_a_time(tmp_path, seed):
    header, rows = random_history(seed, 300)  # rolls, partial closes, assignments, notes
    newest, oldest = rows[: len(rows) // 2], rows[len(rows) // 2 :]
    texts = [_as_text(header, oldest), _as_text(header, newest)]

    bulk = _written(tmp_path / "bulk", texts, write_tasty_plan)

    assert bulk == _written(tmp_path / "reference", texts, write_plan_one_at_a_time)
    assert len(bulk["trades"]) > 100 and bulk["trade_notes"] and bulk["trade_fills"]
    assert any(row[2] is not None for row in bulk["trades"])  # a roll's parent


@settings(
    deadline=None, max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(order_strategy, min_size=1, max_size=30))
def test_repeated_shapes_flagged_or_proved_write_the_same_rows_as_one_at_a_time(
    tmp_path_factory, orders
):
    folder = tmp_path_factory.mktemp("journals")
    texts = [history_text(orders)]

    bulk = _written(folder / "bulk", texts, write_tasty_plan)

    assert bulk == _written(folder / "reference", texts, write_plan_one_at_a_time)


def test_spreads_opened_and_closed_by_one_import_read_on_from_a_read_before_it(tmp_path):
    header, rows = random_history(3, 300)
    path = tmp_path / "history.csv"
    path.write_text(_as_text(header, rows), encoding="utf-8")
    with Journal.open(tmp_path / "data") as journal:
        before = journal.judging_read()

        report = journal.import_tastytrade_csv(path, mode=Mode.LIVE, skip_bad=True)
        since = journal.judging_read(before)

        assert report.committed and report.closed > 50
        pd.testing.assert_frame_equal(since.frame, journal.judging_read().frame)
        assert since.frame["closed_at"].notna().sum() >= report.closed


def test_the_bulk_writes_never_make_the_trade_or_close_of_a_copy(tmp_path):
    orders = [(0, EXPIRIES[0], 500, 1, "1.00", "-1.00", True, 5)] * 4  # one shape, closed alike
    parsed = parse_tasty_csv(history_text(orders))
    with Journal.open(tmp_path) as journal:
        conn = journal.connect()
        with transaction(conn):
            plan = plan_import(parsed, _tasty_book(conn), mode=Mode.LIVE)
            write_tasty_plan(conn, plan, _fixed_clock)
        stored = conn.execute(
            "SELECT uid, broker_order_id FROM trade_orders JOIN trades ON "
            "trades.id = trade_id WHERE role = 'open' ORDER BY uid"
        ).fetchall()

    copies = [o for o in plan.openings if isinstance(o.opened, ShapeCopy)]
    closes = [c for c in plan.closings if isinstance(c.closed, CloseCopy)]
    assert len(copies) == 3 and len(closes) == 3  # the first order's trade and close validated
    assert not any("trade" in opening.__dict__ for opening in copies)  # never made
    assert not any("close" in closing.__dict__ for closing in closes)
    assert stored == [(opening.uid, opening.broker_order_ids[0]) for opening in plan.openings]
