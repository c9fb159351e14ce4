"""Every parsed row's key is the hash of its time, order, symbol, sub type, quantity and value as
the importer first wrote it: fills journaled by earlier imports keep matching (an overlapping
export imports each fill once)."""

from __future__ import annotations

import csv
import hashlib
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.tasty_history_factory import random_history
from tests.support.tasty_shape_history import history_text, order_strategy
from utils.journal.tastytrade_csv import TastyRow, parse_tasty_csv


def _literal_key(row: TastyRow) -> str:
    text = "|".join(
        (
            row.executed_at.isoformat(),
            row.order_id or "",
            row.symbol,
            row.sub_type,
            str(row.quantity),
            str(row.value),
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@settings(deadline=None, max_examples=30)
@given(st.lists(order_strategy, min_size=1, max_size=20))
def test_the_keys_of_generated_orders_are_the_literal_hashes(orders):
    parsed = parse_tasty_csv(history_text(orders))

    assert parsed.rows
    assert [row.key for row in parsed.rows] == [_literal_key(row) for row in parsed.rows]


def test_the_keys_of_a_history_with_events_and_stock_are_the_literal_hashes():
    header, rows = random_history(7, 200)
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\r\n").writerows([header, *rows])

    parsed = parse_tasty_csv(stream.getvalue())

    assert len({row.kind for row in parsed.rows}) > 2
    assert [row.key for row in parsed.rows] == [_literal_key(row) for row in parsed.rows]
