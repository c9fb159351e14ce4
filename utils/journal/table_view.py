"""The journal table's view of the trades frame: filter, sort and one page of display rows.

Pure: takes the frame `Journal.trades_frame()` returns and the table's filters, sort and row
range; the Journal card only reads them off the page and hands back the rows.
"""

from __future__ import annotations

import pandas as pd
from pydantic import BaseModel, ConfigDict

PAGE_SIZE = 15
# (frame column, header) in the order the table shows them.
TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "Id"),
    ("session", "Session"),
    ("structure", "Structure"),
    ("underlying", "Underlying"),
    ("quantity", "Qty"),
    ("mode", "Mode"),
    ("status", "Status"),
    ("max_loss_usd", "1R ($)"),
    ("net_pnl_usd", "Net P&L ($)"),
    ("r_multiple", "R"),
    ("close_reason", "Closed by"),
    ("tags", "Tags"),
    ("mistakes", "Mistakes"),
)
TABLE_FIELDS = tuple(field for field, _ in TABLE_COLUMNS)


class TableFilters(BaseModel):
    """What the filters above the table hold; blank means "all"."""

    model_config = ConfigDict(frozen=True)

    structure: str | None = None
    underlying: str | None = None
    session: str | None = None
    tag: str | None = None


class TableSort(BaseModel):
    """One sorted column; an unknown column falls back to the newest trades first."""

    model_config = ConfigDict(frozen=True)

    column: str
    ascending: bool


class TablePage(BaseModel):
    """The display rows of one block of the table, and how many rows match the filters."""

    model_config = ConfigDict(frozen=True)

    rows: list[dict]
    matching: int


def filtered(frame: pd.DataFrame, filters: TableFilters) -> pd.DataFrame:
    """The trades that pass every filter (underlying and tag ignore case and spaces)."""
    view = frame
    if filters.structure:
        view = view[view["structure"] == filters.structure]
    if filters.underlying and filters.underlying.strip():
        view = view[view["underlying"] == filters.underlying.strip().upper()]
    if filters.session:
        view = view[view["session"].astype(str) == filters.session]
    if filters.tag and filters.tag.strip():
        tag = filters.tag.strip().lower()
        view = view[view["tags"].map(lambda tags: any(t.lower() == tag for t in tags))]
    return view


def _sorted(view: pd.DataFrame, sort: TableSort | None) -> pd.DataFrame:
    if sort is None or sort.column not in TABLE_FIELDS:
        return view.sort_values("id", ascending=False)
    return view.sort_values(sort.column, ascending=sort.ascending, kind="stable")


def _display(record: dict) -> dict:
    record["session"] = str(record["session"])
    record["tags"] = ", ".join(record["tags"])
    record["mistakes"] = ", ".join(record["mistakes"])
    record["r_multiple"] = None if pd.isna(record["r_multiple"]) else round(record["r_multiple"], 2)
    record["net_pnl_usd"] = None if pd.isna(record["net_pnl_usd"]) else record["net_pnl_usd"]
    record["close_reason"] = "" if pd.isna(record["close_reason"]) else record["close_reason"]
    return record


def table_page(
    frame: pd.DataFrame,
    filters: TableFilters,
    sort: TableSort | None,
    start_row: int = 0,
    end_row: int = PAGE_SIZE,
) -> TablePage:
    """Rows `start_row` to `end_row` (exclusive) of the filtered, sorted trades, for display."""
    view = _sorted(filtered(frame, filters), sort)
    shown = view.iloc[max(start_row, 0) : max(end_row, 0)]
    rows = [_display(record) for record in shown[list(TABLE_FIELDS)].to_dict("records")]
    return TablePage(rows=rows, matching=len(view))
