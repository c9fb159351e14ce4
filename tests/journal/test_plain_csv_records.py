"""A CSV text without quotes, split at its line ends and commas, yields exactly the rows, line
numbers and problems `csv_rows` reads from it with `csv.reader`."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from utils.journal.import_text import csv_rows, plain_csv_header, plain_csv_lines, plain_csv_rows

NAMES = ["a", "b", "c"]


def _by_csv_reader(text: str) -> tuple[list, list]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    next(reader)
    issues: list = []
    return list(csv_rows(reader, len(NAMES), issues)), issues


def _by_split(text: str) -> tuple[list, list] | None:
    lines = plain_csv_lines(text)
    if lines is None:
        return None
    issues: list = []
    return list(plain_csv_rows(lines, len(NAMES), issues)), issues


@settings(deadline=None, max_examples=300)
@given(
    st.lists(st.sampled_from(["x", "1", ",", " ", "\t", "\n", "\r\n", "\r", '"', "\0", "\u2028"]))
)
def test_a_text_split_plainly_reads_as_the_csv_reader_reads_it(parts):
    text = "a,b,c\n" + "".join(parts)

    split = _by_split(text)

    if split is not None:
        assert split == _by_csv_reader(text)


def test_quotes_and_lone_carriage_returns_are_left_to_the_csv_reader():
    assert _by_split('a,b,c\n"x,y",1,2\n') is None
    assert _by_split("a,b,c\nx\r1,2\n") is None
    assert _by_split("a,b,c\nx," + "y" * (csv.field_size_limit() + 1) + ",z\n") is None


def test_blank_lines_are_skipped_and_short_rows_named_by_line():
    text = "a,b,c\r\n1,2,3\r\n\r\n , ,\r\n4,5\r\n6,7,8"

    assert _by_split(text) == _by_csv_reader(text)
    rows, issues = _by_split(text)
    assert [line for line, _ in rows] == [2, 6]
    assert [(issue.line, issue.message) for issue in issues] == [
        (5, "has 2 cells but the header has 3")
    ]


@settings(deadline=None, max_examples=300)
@given(st.lists(st.sampled_from(["x", "1", ",", " ", "\t", "\n", "\r\n", "\u2028"])))
def test_the_header_of_a_text_split_plainly_is_the_csv_readers_first_row(parts):
    text = "".join(parts)
    lines = plain_csv_lines(text)

    first = next(csv.reader(io.StringIO(text, newline=""), strict=True), None)

    assert lines is not None
    assert plain_csv_header(lines) == (first or [])
