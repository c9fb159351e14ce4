"""The journal as one columnar frame for judging: one row per trade, by opening time then id.

Discipline, gates and metrics judge the whole history from this frame (numpy over columns);
validated `Trade` models are built only for the few trades a judgement shows (the discipline
window, open trades; `Journal.trades_by_ids`). `frame_from_trades` is the reference definition
of every column: the journal's straight SQLite read (`Journal.judging_frame()`,
`utils.journal.judging_read`) returns an equal frame.

Columns (`JUDGING_COLUMNS`, dtypes in `JUDGING_DTYPES`):

| column | meaning |
|---|---|
| id | the trade's id |
| mode, structure, underlying, family | SIM/SANDBOX/LIVE; structure value; symbol; family |
| quantity, multiplier | spread units; shares per contract |
| opened_at, closed_at, time_exit_at | UTC instants (NaT when open / no time exit) |
| session, close_session | NYSE session ordinals (`date.toordinal()`); 0 when open |
| max_loss_cents, fees_cents | 1R and all fees, integer cents |
| net_pnl_cents, profit_target_cents, stop_loss_cents | integer cents, <NA> when none |
| followed_plan | the review's answer, <NA> when not reviewed |
| mistakes | how many mistakes are tagged |
| later_plans | an exit plan was declared after entry or by playbook (`Trade.exit_plans`) |
| proved | the legs and prices already passed the defined-risk proof |
| flagged | journaled flagged as not a defined-risk spread |
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import pandas as pd

from utils.core.money import to_cents
from utils.core.sessions import NO_SESSION, session_of
from utils.journal.trade import Trade
from utils.spreads.families import underlying_family

JUDGING_DTYPES: dict[str, str] = {
    "id": "int64",
    "mode": "object",
    "structure": "object",
    "underlying": "object",
    "family": "object",
    "quantity": "int64",
    "multiplier": "int64",
    "opened_at": "datetime64[ns, UTC]",
    "closed_at": "datetime64[ns, UTC]",
    "time_exit_at": "datetime64[ns, UTC]",
    "session": "int64",
    "close_session": "int64",
    "max_loss_cents": "int64",
    "fees_cents": "int64",
    "net_pnl_cents": "Int64",
    "profit_target_cents": "Int64",
    "stop_loss_cents": "Int64",
    "followed_plan": "boolean",
    "mistakes": "int64",
    "later_plans": "bool",
    "proved": "bool",
    "flagged": "bool",
}
JUDGING_COLUMNS: tuple[str, ...] = tuple(JUDGING_DTYPES)


def session_ordinal(moment: datetime | None) -> int:
    """The NYSE session of a moment as `date.toordinal()`; NO_SESSION for None."""
    return NO_SESSION if moment is None else session_of(moment).toordinal()


def session_date(ordinal: int) -> date | None:
    """The session date of an ordinal (None for NO_SESSION)."""
    return None if ordinal == NO_SESSION else date.fromordinal(ordinal)


def _cents(amount: object) -> object:
    return pd.NA if amount is None else to_cents(amount)  # type: ignore[arg-type]


def frame_from_trades(trades: Sequence[Trade]) -> pd.DataFrame:
    """The judging frame of journal models (the reference for the journal's columnar read)."""
    ordered = sorted(trades, key=lambda t: (t.opened_at, t.id))
    columns: dict[str, list[object]] = {
        "id": [t.id for t in ordered],
        "mode": [t.mode.value for t in ordered],
        "structure": [t.structure.value for t in ordered],
        "underlying": [t.underlying for t in ordered],
        "family": [underlying_family(t.underlying) for t in ordered],
        "quantity": [t.quantity for t in ordered],
        "multiplier": [t.multiplier for t in ordered],
        "opened_at": [t.opened_at for t in ordered],
        "closed_at": [t.closed_at for t in ordered],
        "time_exit_at": [t.time_exit_at for t in ordered],
        "session": [session_ordinal(t.opened_at) for t in ordered],
        "close_session": [session_ordinal(t.closed_at) for t in ordered],
        "max_loss_cents": [to_cents(t.max_loss_usd) for t in ordered],
        "fees_cents": [to_cents(t.fees_usd) for t in ordered],
        "net_pnl_cents": [_cents(t.net_pnl_usd) for t in ordered],
        "profit_target_cents": [_cents(t.profit_target_usd) for t in ordered],
        "stop_loss_cents": [_cents(t.stop_loss_usd) for t in ordered],
        "followed_plan": [pd.NA if t.followed_plan is None else t.followed_plan for t in ordered],
        "mistakes": [len(t.mistakes) for t in ordered],
        "later_plans": [bool(t.exit_plans) for t in ordered],
        "proved": [t.proved_defined_risk for t in ordered],
        "flagged": [t.flagged_not_defined_risk for t in ordered],
    }
    return typed_judging_frame(columns)


def typed_judging_frame(columns: dict[str, list[object]]) -> pd.DataFrame:
    """A judging frame from column lists, every column in its `JUDGING_DTYPES` dtype."""
    frame = pd.DataFrame({name: pd.Series(columns[name], dtype=object) for name in JUDGING_COLUMNS})
    for name in ("opened_at", "closed_at", "time_exit_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True)
    return frame.astype(JUDGING_DTYPES)
