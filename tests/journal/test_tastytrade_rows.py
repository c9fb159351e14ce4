"""Each parsed tastytrade row, built from its checked cells without a second validation, equals
the row pydantic validates from the same values (`utils.core.prevalidated.build_validated`)."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.tasty_history_factory import random_history
from tests.support.tasty_shape_history import history_text, order_strategy
from utils.journal.tastytrade_csv import TastyRow, parse_tasty_csv


def _assert_rows_validate_to_themselves(text: str) -> None:
    parsed = parse_tasty_csv(text)
    assert parsed.rows
    for row in parsed.rows:
        fields = {name: getattr(row, name) for name in TastyRow.model_fields}
        validated = TastyRow(**fields)
        assert validated == row
        assert list(validated.__dict__.items()) == list(row.__dict__.items())
        assert type(row.sub_type) is str and validated.model_fields_set == row.model_fields_set


@settings(deadline=None, max_examples=30)
@given(st.lists(order_strategy, min_size=1, max_size=20))
def test_rows_of_generated_orders_equal_their_validated_rows(orders):
    _assert_rows_validate_to_themselves(history_text(orders))


@settings(deadline=None, max_examples=5)
@given(st.integers(0, 10_000))
def test_rows_with_assignments_and_stock_equal_their_validated_rows(seed):
    header, rows = random_history(seed, 60)
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\r\n").writerows([header, *rows])
    _assert_rows_validate_to_themselves(stream.getvalue())
