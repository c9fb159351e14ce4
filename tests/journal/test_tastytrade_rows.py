"""Each parsed tastytrade row, built from its checked cells without a second validation, equals
the row pydantic validates strictly from the same values (each value of its field's type), and
an export read with each row shape read once parses exactly as reading every row in full."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ConfigDict, TypeAdapter

from tests.support.tasty_history_factory import random_history
from tests.support.tasty_shape_history import EXPIRIES, history_text, order_strategy
from tests.support.tastytrade_plan_reference import LiteralRowReader
from utils.journal import tastytrade_csv
from utils.journal.tastytrade_cells import RowError
from utils.journal.tastytrade_csv import RowReader, TastyRow, parse_tasty_csv

STRICT_ROW = TypeAdapter(TastyRow, config=ConfigDict(strict=True))


def _assert_rows_validate_to_themselves(text: str) -> None:
    parsed = parse_tasty_csv(text)
    assert parsed.rows
    for row in parsed.rows:
        validated = STRICT_ROW.validate_python(tuple(row))
        assert validated == row
        assert [type(value) for value in validated] == [type(value) for value in row]
        assert type(row.sub_type) is str


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


BAD_CELLS = {
    # unreadable, no offset, an opening after expiry or more than 4 years before it
    "Date": (
        "2025-13-01T00:00:00+0000",
        "yesterday",
        "2025-01-06T15:00:00",
        "2025-12-01T15:00:00+0000",
        "2020-01-02T15:00:00+0000",
    ),
    "Value": ("--", "12345.00", "-0.01", "1,00"),
    "Average Price": ("9.99", "abc"),
    "Order #": ("", "=1+1"),
    "Quantity": ("0", "1.5"),
    "Commissions": ("5.00",),
}


@settings(deadline=None, max_examples=60)
@given(
    st.lists(order_strategy, min_size=5, max_size=25),
    st.lists(
        st.tuples(
            st.integers(0, 10_000),
            st.sampled_from(sorted(BAD_CELLS)),
            st.integers(0, 4),
        ),
        max_size=4,
    ),
)
def test_a_row_of_a_known_shape_with_bad_cells_is_refused_as_the_full_read_refuses_it(
    orders, corruptions
):
    header, *rows = list(csv.reader(io.StringIO(history_text(orders))))
    for index, column, choice in corruptions:
        bad = BAD_CELLS[column]
        rows[index % len(rows)][header.index(column)] = bad[choice % len(bad)]
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\r\n").writerows([header, *rows])
    text = stream.getvalue()

    parsed = parse_tasty_csv(text)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tastytrade_csv, "RowReader", LiteralRowReader)
        assert parsed == parse_tasty_csv(text)


@pytest.mark.parametrize(
    "column,bad", [(column, bad) for column, values in BAD_CELLS.items() for bad in values]
)
def test_a_bad_cell_in_the_last_row_of_a_known_shape_is_named_as_the_full_read_names_it(
    column, bad
):
    orders = [(0, EXPIRIES[0], 500, 1, "1.00", "-1.00", False, 5)] * 3
    header, *rows = list(csv.reader(io.StringIO(history_text(orders))))
    rows[-1][header.index(column)] = bad  # the oldest order's opening leg, read last
    stream = io.StringIO()
    csv.writer(stream, lineterminator="\r\n").writerows([header, *rows])
    text = stream.getvalue()

    parsed = parse_tasty_csv(text)

    assert any(issue.line == len(rows) + 1 for issue in parsed.errors)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tastytrade_csv, "RowReader", LiteralRowReader)
        assert parsed == parse_tasty_csv(text)


def _read(read, line: int, cells) -> object:
    """The row read, or the problems named (column, message) and the order cell kept."""
    try:
        return read(line, cells)
    except RowError as error:
        return [(cell.column, cell.message) for cell in error.errors], error.order_text


@settings(deadline=None, max_examples=60)
@given(
    st.lists(order_strategy, min_size=1, max_size=20),
    st.lists(
        st.tuples(st.integers(0, 10_000), st.sampled_from(sorted(BAD_CELLS)), st.integers(0, 4)),
        max_size=4,
    ),
)
def test_a_row_read_by_position_is_the_row_read_by_column(orders, corruptions):
    header, *rows = list(csv.reader(io.StringIO(history_text(orders))))
    for index, column, choice in corruptions:
        bad = BAD_CELLS[column]
        rows[index % len(rows)][header.index(column)] = bad[choice % len(bad)]
    by_position, by_column = RowReader(header), RowReader(header)
    assert by_position.by_position is not None

    for line, values in enumerate(rows, start=2):
        expected = _read(by_column, line, dict(zip(header, values)))
        assert _read(by_position.read, line, values) == expected
