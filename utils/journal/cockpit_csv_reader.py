"""The cockpit's journal CSV read back: every row validated, every problem named by line and column.

The format is `utils.journal.cockpit_csv`'s. Derived columns (`fees_usd`, `net_pnl_usd`) are
checked against the journal's formula; duplicate uids inside a file are reported on the later line.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError

from utils.core.money import MoneyFormatError, parse_usd_text
from utils.journal.cockpit_csv import (
    CLOSE_COLUMNS,
    JOURNAL_CSV_COLUMNS,
    LIST_SEPARATOR,
    TEXT_COLUMNS,
    restore_formula,
)
from utils.journal.fields import clean_label
from utils.journal.import_report import ImportIssue
from utils.journal.import_text import csv_records
from utils.journal.trade import NewTrade, Note, TradeClose, net_pnl_usd
from utils.journal.undefined_risk import DEFINED_RISK_AFTER_ALL, FlaggedNewTrade


@dataclass(frozen=True)
class JournalCsvRecord:
    """One parsed row of the journal CSV: the opening facts, the close (if any), the review.

    A plain dataclass: its parts are already-validated models, not to be validated twice.
    """

    line: int
    trade: NewTrade
    parent_uid: str | None = None
    close: TradeClose | None = None
    mistakes: tuple[str, ...] = ()
    notes: tuple[Note, ...] = ()


class _FieldError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _text(cell: str) -> str | None:
    value = cell.strip()
    return value or None


def _decimal(column: str, cell: str) -> Decimal | None:
    value = cell.strip()
    if not value:
        return None
    try:
        return parse_usd_text(value)
    except MoneyFormatError as error:
        raise _FieldError(column, str(error)) from None


def _integer(column: str, cell: str) -> int | None:
    number = _decimal(column, cell)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise _FieldError(column, f"{cell.strip()[:40]!r} is not a whole number")
    return int(number)


def _timestamp(column: str, cell: str) -> datetime | None:
    value = cell.strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _FieldError(
            column, f"{value[:40]!r} is not an ISO-8601 time like 2025-01-17T14:30:00+00:00"
        ) from None
    if moment.utcoffset() is None:
        raise _FieldError(column, f"{value[:40]!r} has no UTC offset (add +00:00 or -05:00)")
    return moment


def _boolean(column: str, cell: str) -> bool | None:
    value = cell.strip().lower()
    if not value:
        return None
    if value in ("true", "yes", "1"):
        return True
    if value in ("false", "no", "0"):
        return False
    raise _FieldError(column, f"{cell.strip()[:40]!r} is not true or false")


def _list(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip())


def _json_list(column: str, cell: str) -> list[Any]:
    value = cell.strip()
    if not value:
        return []
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as error:
        raise _FieldError(column, f"is not a JSON array ({error.msg})") from None
    if not isinstance(parsed, list) or not all(isinstance(item, dict) for item in parsed):
        raise _FieldError(column, "must be a JSON array of objects")
    return parsed


def _issues_from_validation(
    line: int, error: ValidationError, columns: Callable[[tuple[Any, ...]], str]
) -> list[ImportIssue]:
    issues = []
    for item in error.errors(include_url=False):
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] != "missing" and "input" in item and not item["loc"][1:]:
            shown = item["input"]
            if isinstance(shown, str | int | Decimal | date):
                message += f" (got {str(shown)[:40]!r})"
        issues.append(ImportIssue(line=line, field=columns(tuple(item["loc"])), message=message))
    return issues


def _trade_column(loc: tuple[Any, ...]) -> str:
    if not loc:
        return "legs"
    head = str(loc[0])
    if head == "legs" and len(loc) >= 3:
        return f"legs[{int(loc[1]) + 1}].{loc[2]}"
    return head


def _close_column(loc: tuple[Any, ...]) -> str:
    return str(loc[0]) if loc else "closed_at"


def _parse_cells(row: dict[str, str]) -> tuple[dict[str, Any], list[_FieldError]]:
    """Convert every cell, collecting all field errors rather than stopping at the first."""
    cells = {k: restore_formula(v) if k in TEXT_COLUMNS else v for k, v in row.items()}
    parsers: dict[str, Callable[[str], Any]] = {
        "quantity": lambda c: _integer("quantity", c),
        "multiplier": lambda c: _integer("multiplier", c),
        "legs": lambda c: _json_list("legs", c),
        "opened_at": lambda c: _timestamp("opened_at", c),
        "time_exit_at": lambda c: _timestamp("time_exit_at", c),
        "closed_at": lambda c: _timestamp("closed_at", c),
        "followed_plan": lambda c: _boolean("followed_plan", c),
        "notes": lambda c: _json_list("notes", c),
        "tags": _list,
        "mistakes": _list,
        "broker_order_ids": _list,
    }
    for column in (
        "entry_price",
        "max_loss_usd",
        "max_profit_usd",
        "open_fees_usd",
        "profit_target_usd",
        "stop_loss_usd",
        "exit_price",
        "close_fees_usd",
        "fees_usd",
        "net_pnl_usd",
    ):
        parsers[column] = lambda c, column=column: _decimal(column, c)
    values: dict[str, Any] = {}
    errors: list[_FieldError] = []
    for column in JOURNAL_CSV_COLUMNS:
        parse = parsers.get(column, _text)
        try:
            values[column] = parse(cells[column])
        except _FieldError as error:
            errors.append(error)
    return values, errors


# The opening facts: the journal CSV columns that are fields of `NewTrade`.
TRADE_COLUMNS = tuple(c for c in JOURNAL_CSV_COLUMNS if c in NewTrade.model_fields)


def _build(
    model: type[BaseModel],
    data: dict[str, Any],
    line: int,
    columns: Callable[[tuple[Any, ...]], str],
    failed: set[str],
    issues: list[ImportIssue],
) -> Any:
    """Validate one model, adding its problems to `issues` (skipping already-failed cells)."""
    try:
        return model(**data)
    except ValidationError as error:
        found = _issues_from_validation(line, error, columns)
        issues.extend(issue for issue in found if issue.field not in failed)
        return None


def parse_journal_row(line: int, row: dict[str, str]) -> JournalCsvRecord | list[ImportIssue]:
    """One CSV row as a record, or every problem found in it (by line and column)."""
    values, field_errors = _parse_cells(row)
    failed = {error.column for error in field_errors}
    issues = [ImportIssue(line=line, field=e.column, message=e.message) for e in field_errors]
    if values.get("uid") is None and "uid" not in failed:
        issues.append(ImportIssue(line=line, field="uid", message="is empty"))
    data = {c: values[c] for c in TRADE_COLUMNS if values.get(c) not in (None, ())}
    known = len(issues)
    trade = _build(NewTrade, data, line, _trade_column, failed, issues)
    if trade is None and not failed:
        trade = _flagged(line, data, issues, known)
    present = [row[c].strip() != "" for c in CLOSE_COLUMNS]
    close = None
    if all(present):
        close_data = {
            "closed_at": values.get("closed_at"),
            "exit_price": values.get("exit_price"),
            "exit_effect": values.get("exit_effect"),
            "close_fees_usd": values.get("close_fees_usd") or Decimal(0),
            "followed_plan": values.get("followed_plan"),
        }
        if values.get("close_reason"):
            close_data["close_reason"] = values["close_reason"]
        close = _build(TradeClose, close_data, line, _close_column, failed, issues)
    elif any(present):
        missing = [c for c, given in zip(CLOSE_COLUMNS, present) if not given]
        message = "a closed trade needs closed_at, exit_price and exit_effect"
        issues.append(ImportIssue(line=line, field=missing[0], message=message))
    else:
        for column in ("close_fees_usd", "net_pnl_usd", "close_reason", "followed_plan"):
            if row[column].strip() and column not in failed:
                message = f"an open trade (no closed_at) cannot have {column}"
                issues.append(ImportIssue(line=line, field=column, message=message))
    notes = _notes(line, values.get("notes", []), issues)
    mistakes = _mistakes(line, values.get("mistakes", ()), issues)
    open_fees, fees = values.get("open_fees_usd") or Decimal(0), values.get("fees_usd")
    if close is None and fees is not None and fees != open_fees:
        message = f"is {fees} but an open trade's fees are its open_fees_usd ({open_fees})"
        issues.append(ImportIssue(line=line, field="fees_usd", message=message))
    if trade is not None and close is not None:
        issues.extend(_check_derived(line, trade, close, values))
    if issues or trade is None:
        return issues
    return JournalCsvRecord(
        line=line,
        trade=trade,
        parent_uid=values.get("parent_uid"),
        close=close,
        mistakes=mistakes,
        notes=notes,
    )


def _flagged(
    line: int, data: dict[str, Any], issues: list[ImportIssue], known: int
) -> FlaggedNewTrade | None:
    """A row whose legs are a position that is not a defined-risk spread (as the journal exports
    a flagged trade): journaled flagged when every other fact holds, its 1R the stand-in; the
    NewTrade issues are then dropped (utils.journal.undefined_risk)."""
    try:
        trade = FlaggedNewTrade(**data)
    except ValidationError as error:
        found = _issues_from_validation(line, error, _trade_column)
        if not any(DEFINED_RISK_AFTER_ALL in issue.message for issue in found):
            del issues[known:]  # it is a position that is not defined-risk: say what is wrong
            issues.extend(found)
        return None
    del issues[known:]
    return trade


def _mistakes(line: int, labels: tuple[str, ...], issues: list[ImportIssue]) -> tuple[str, ...]:
    try:
        return tuple(clean_label(label) for label in labels)
    except ValueError as error:
        issues.append(ImportIssue(line=line, field="mistakes", message=str(error)))
        return ()


def _notes(line: int, items: list[Any], issues: list[ImportIssue]) -> tuple[Note, ...]:
    try:
        return tuple(Note(**item) for item in items)
    except TypeError:
        message = "each note needs 'at' (ISO time with offset) and 'text'"
    except ValidationError as error:
        message = "; ".join(str(e["msg"]) for e in error.errors(include_url=False))
    issues.append(ImportIssue(line=line, field="notes", message=message))
    return ()


def _check_derived(
    line: int, trade: NewTrade, close: TradeClose, values: dict[str, Any]
) -> list[ImportIssue]:
    issues = []
    fees = trade.open_fees_usd + close.close_fees_usd
    # A cell that did not parse is absent from `values` (its error is already listed).
    if values.get("fees_usd") is not None and values["fees_usd"] != fees:
        issues.append(
            ImportIssue(
                line=line,
                field="fees_usd",
                message=f"is {values['fees_usd']} but open_fees_usd + close_fees_usd = {fees}",
            )
        )
    if close.closed_at < trade.opened_at:
        issues.append(ImportIssue(line=line, field="closed_at", message="is before opened_at"))
    expected = net_pnl_usd(
        multiplier=trade.multiplier,
        quantity=trade.quantity,
        entry_price=trade.entry_price,
        entry_effect=trade.entry_effect,
        exit_price=close.exit_price,
        exit_effect=close.exit_effect,
        fees_usd=fees,
    )
    if values.get("net_pnl_usd") is not None and values["net_pnl_usd"] != expected:
        issues.append(
            ImportIssue(
                line=line,
                field="net_pnl_usd",
                message=(
                    f"is {values['net_pnl_usd']} but multiplier x quantity x "
                    f"(entry +/- exit) - fees = {expected}"
                ),
            )
        )
    return issues


def check_header(header: list[str] | None) -> list[ImportIssue]:
    """Problems with the header row: missing, unknown or repeated columns."""
    if not header:
        return [
            ImportIssue(
                line=1,
                field=None,
                message="the file is empty; expected the header " + ",".join(JOURNAL_CSV_COLUMNS),
            )
        ]
    names = [name.strip() for name in header]
    issues = []
    missing = [c for c in JOURNAL_CSV_COLUMNS if c not in names]
    unknown = [n for n in names if n not in JOURNAL_CSV_COLUMNS]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if missing:
        issues.append(
            ImportIssue(line=1, field=None, message="missing column(s): " + ", ".join(missing))
        )
    if unknown:
        issues.append(
            ImportIssue(
                line=1,
                field=None,
                message="unknown column(s): " + ", ".join(n[:40] for n in unknown[:10]),
            )
        )
    if repeated:
        issues.append(
            ImportIssue(line=1, field=None, message="repeated column(s): " + ", ".join(repeated))
        )
    return issues


def read_journal_csv(text: str) -> tuple[list[JournalCsvRecord], list[ImportIssue]]:
    """Parse a whole journal CSV: the good records, and every problem by line and column.

    Duplicate uids inside the file are reported on the later line.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        return [], [ImportIssue(line=1, field=None, message=f"unreadable CSV: {error}")]
    header_issues = check_header(header)
    if header_issues or header is None:
        return [], header_issues
    names = [name.strip() for name in header]
    records: list[JournalCsvRecord] = []
    issues: list[ImportIssue] = []
    first_line_of: dict[str, int] = {}
    for start, cells in csv_records(reader, names, issues):
        parsed = parse_journal_row(start, cells)
        if isinstance(parsed, list):
            issues.extend(parsed)
            continue
        uid = parsed.trade.uid or ""
        if uid in first_line_of:
            issues.append(
                ImportIssue(
                    line=start,
                    field="uid",
                    message=f"duplicates the trade on line {first_line_of[uid]} ({uid[:40]!r})",
                )
            )
            continue
        first_line_of[uid] = start
        records.append(parsed)
    return records, issues
