"""Reading a file for import: size limit first, strict UTF-8, then its CSV rows by line."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from pathlib import Path

from utils.journal.import_report import ImportIssue

DEFAULT_MAX_IMPORT_BYTES = 25 * 1024 * 1024


def read_import_text(path: Path, max_bytes: int) -> tuple[str, ImportIssue | None, str]:
    """A file's text for import, or the one reason it cannot be read (size, encoding, empty)."""
    try:
        size = path.stat().st_size
    except OSError as error:
        return "", ImportIssue(line=None, field=None, message=f"cannot read: {error.strerror}"), ""
    if size > max_bytes:
        return (
            "",
            ImportIssue(
                line=None,
                field=None,
                message=(
                    f"is {size / 1_048_576:.1f} MB, over the {max_bytes / 1_048_576:.0f} MB "
                    "import limit; split it by date range, or raise the limit (--max-mb)"
                ),
            ),
            "",
        )
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return (
            "",
            ImportIssue(
                line=line,
                field=None,
                message=(
                    f"byte 0x{data[error.start]:02x} is not UTF-8; re-export the file as UTF-8 "
                    "(in a spreadsheet: Save As, CSV UTF-8)"
                ),
            ),
            digest,
        )
    if not text.strip():
        return "", ImportIssue(line=1, field=None, message="the file is empty"), digest
    return text, None, digest


def csv_records(
    reader: Iterator[list[str]], names: list[str], issues: list[ImportIssue]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, cells by column) for each non-blank data row of a `csv.reader`.

    Rows whose cell count differs from the header, and an unreadable rest of the file, are
    reported in `issues` by line instead of being yielded (`csv_rows`).
    """
    for start, cells in csv_rows(reader, len(names), issues):
        yield start, dict(zip(names, cells))


def csv_rows(
    reader: Iterator[list[str]], width: int, issues: list[ImportIssue]
) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, cells in column order) for each non-blank data row of a
    `csv.reader` whose header has `width` columns; rows of another cell count, and an
    unreadable rest of the file, are reported in `issues` by line instead."""
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            issues.append(ImportIssue(line=line, field=None, message=f"unreadable CSV: {error}"))
            return
        start, line = line, reader.line_num + 1
        if "".join(cells).strip() and _of_width(start, cells, width, issues):
            yield start, cells


def _of_width(line: int, cells: list[str], width: int, issues: list[ImportIssue]) -> bool:
    """Whether a row has the header's `width` cells; else its issue is added."""
    if len(cells) == width:
        return True
    message = f"has {len(cells)} cells but the header has {width}"
    issues.append(ImportIssue(line=line, field=None, message=message))
    return False


def plain_csv_lines(text: str) -> list[str] | None:
    """The physical lines of a CSV text that `csv.reader` reads as one row each, cells split at
    every comma: no quote, no NUL, no line end but `\\n` and `\\r\\n`, no line over the field
    size limit. None for any other text (read it with `csv.reader`)."""
    if '"' in text or "\0" in text:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None
    lines = text.split("\n")
    if max(map(len, lines)) > csv.field_size_limit():
        return None
    return lines


def plain_csv_header(lines: list[str]) -> list[str]:
    """The first row `csv.reader` reads from a `plain_csv_lines` text (none, [], for an empty
    text or a blank first line)."""
    return lines[0].split(",") if lines[0] else []


def plain_csv_rows(
    lines: list[str], width: int, issues: list[ImportIssue]
) -> Iterator[tuple[int, list[str]]]:
    """`csv_rows` of the data lines (line 2 on) of a `plain_csv_lines` text."""
    for line, text in enumerate(lines[1:], start=2):
        cells = text.split(",")
        first = cells[0]
        if (not first or first.isspace()) and not "".join(cells).strip():
            continue
        if _of_width(line, cells, width, issues):
            yield line, cells
