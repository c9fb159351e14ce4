"""The cockpit's own journal CSV: its format, and every trade written as one row per spread.

Format (documented in docs/METRICS.md, "Journal CSV"):
- UTF-8, RFC 4180 (comma separated, fields quoted when needed, CRLF line ends), one header row
  with exactly the columns of `JOURNAL_CSV_COLUMNS` (any order on import, which is
  `utils.journal.cockpit_csv_reader`).
- Timestamps are ISO-8601 with an offset (exported in UTC, `+00:00`); a time without offset is
  refused. Money is a plain decimal (`-150.00`), never text.
- `legs` and `notes` are JSON arrays; `tags`, `mistakes` and `broker_order_ids` are `;`-joined.
- `fees_usd` and `net_pnl_usd` are derived and checked on import:
  net_pnl_usd = multiplier * quantity * (signed entry + signed exit) - fees_usd.
- Text cells that a spreadsheet would run as a formula (starting with = + - @ tab or CR, after
  any leading apostrophes) are exported with one extra leading apostrophe, which import removes,
  so text round-trips exactly. Numeric columns are never touched.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from utils.core.money import plain_usd
from utils.journal.trade import Trade

JOURNAL_CSV_COLUMNS: tuple[str, ...] = (
    "uid",
    "parent_uid",
    "mode",
    "structure",
    "underlying",
    "quantity",
    "multiplier",
    "legs",
    "opened_at",
    "entry_price",
    "entry_effect",
    "max_loss_usd",
    "max_profit_usd",
    "open_fees_usd",
    "setup",
    "profit_target_usd",
    "stop_loss_usd",
    "time_exit_at",
    "tags",
    "broker_order_ids",
    "closed_at",
    "exit_price",
    "exit_effect",
    "close_fees_usd",
    "fees_usd",
    "net_pnl_usd",
    "close_reason",
    "followed_plan",
    "mistakes",
    "notes",
    "source",
)
TEXT_COLUMNS = frozenset(
    {"uid", "parent_uid", "setup", "tags", "broker_order_ids", "mistakes", "notes", "source"}
)
CLOSE_COLUMNS = ("closed_at", "exit_price", "exit_effect")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = ";"


def neutralise_formula(text: str) -> str:
    """Prefix one apostrophe to text a spreadsheet would evaluate (reversible, text only)."""
    return "'" + text if text.lstrip("'").startswith(FORMULA_TRIGGERS) else text


def restore_formula(text: str) -> str:
    """Undo `neutralise_formula` on a cell read back from the journal CSV."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def _usd_cell(value: Decimal | None) -> str:
    return "" if value is None else plain_usd(value)


def _plain(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def _stamp(value: datetime | None) -> str:
    return "" if value is None else value.isoformat()


def trade_to_row(trade: Trade) -> dict[str, str]:
    """The journal CSV cells of one trade (text cells already neutralised)."""
    closed = trade.closed_at is not None
    legs = [
        {
            "occ_symbol": leg.occ_symbol,
            "option_type": leg.option_type.value,
            "strike": _plain(leg.strike),
            "expiration": leg.expiration.isoformat(),
            "action": leg.action.value,
            "quantity": leg.quantity,
        }
        for leg in trade.legs
    ]
    notes = [{"at": note.at.isoformat(), "text": note.text} for note in trade.notes]
    row = {
        "uid": trade.uid,
        "parent_uid": trade.parent_uid or "",
        "mode": trade.mode.value,
        "structure": trade.structure.value,
        "underlying": trade.underlying,
        "quantity": str(trade.quantity),
        "multiplier": str(trade.multiplier),
        "legs": json.dumps(legs, separators=(",", ":")),
        "opened_at": _stamp(trade.opened_at),
        "entry_price": _plain(trade.entry_price),
        "entry_effect": trade.entry_effect.value,
        "max_loss_usd": _usd_cell(trade.max_loss_usd),
        "max_profit_usd": _usd_cell(trade.max_profit_usd),
        "open_fees_usd": _usd_cell(trade.open_fees_usd),
        "setup": trade.setup or "",
        "profit_target_usd": _usd_cell(trade.profit_target_usd),
        "stop_loss_usd": _usd_cell(trade.stop_loss_usd),
        "time_exit_at": _stamp(trade.time_exit_at),
        "tags": LIST_SEPARATOR.join(trade.tags),
        "broker_order_ids": LIST_SEPARATOR.join(trade.broker_order_ids),
        "closed_at": _stamp(trade.closed_at),
        "exit_price": _plain(trade.exit_price),
        "exit_effect": trade.exit_effect.value if trade.exit_effect else "",
        "close_fees_usd": _usd_cell(trade.fees_usd - trade.open_fees_usd) if closed else "",
        "fees_usd": _usd_cell(trade.fees_usd),
        "net_pnl_usd": _usd_cell(trade.net_pnl_usd),
        "close_reason": trade.close_reason.value if trade.close_reason else "",
        "followed_plan": "" if trade.followed_plan is None else str(trade.followed_plan).lower(),
        "mistakes": LIST_SEPARATOR.join(trade.mistakes),
        "notes": json.dumps(notes, ensure_ascii=False, separators=(",", ":")) if notes else "",
        "source": trade.source,
    }
    return {k: neutralise_formula(v) if k in TEXT_COLUMNS else v for k, v in row.items()}


def write_journal_csv(trades: Iterable[Trade], stream: io.TextIOBase) -> int:
    """Write the header and one row per trade to an open text stream; return the row count.

    Open the file with `newline=""` and UTF-8 so the CSV module controls line ends.
    """
    writer = csv.DictWriter(stream, fieldnames=JOURNAL_CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for trade in trades:
        writer.writerow(trade_to_row(trade))
        count += 1
    return count
