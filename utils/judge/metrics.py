"""Edge and risk statistics over closed spreads: expectancy ($ and R), win rates, drawdown, SQN.

Statistics over many trades use float dollars (exact to well below a cent at any journal size);
the exact sign of total P&L, which a gate may need, is `MetricsSummary.net_pnl_cents`, and the
exact expectancy the gates and the ramp decide on is summed in integer cents over the judging
frame (`utils.judge.history`); `expectancy_exact_usd` / `expectancy_above` over the `Trade`
models of `closed_before` are its literal definition.
Only closed trades count; open trades are ignored. Trades are taken in close order (close time,
then id). Every definition is in `METRIC_DEFINITIONS` and docs/METRICS.md (same text).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from utils.core.sessions import to_utc
from utils.journal.judging_frame import session_date
from utils.journal.trade import Trade
from utils.core.money import cents_as_float_usd, to_cents

DEFAULT_BREAKEVEN_BAND_USD = 1.00
SMALL_SAMPLE_TRADES = 30
ROLLBACK_WINDOW_TRADES = 10
ZERO = Decimal(0)
# Float dollars come from integer cents; this slack (a millionth of a cent) keeps the band
# comparison exact: |net P&L| <= band + FLOAT_SLACK_USD is a breakeven.
FLOAT_SLACK_USD = 1e-8

METRIC_DEFINITIONS: dict[str, str] = {
    "trades": "Closed trades counted. Open trades are excluded from every metric.",
    "net_pnl_usd": (
        "Net P&L of a trade = multiplier x quantity x (signed entry price + signed exit price)"
        " - all fees (credit positive, debit negative). Total = sum over closed trades."
    ),
    "breakeven_band_usd": (
        "A trade whose |net P&L| <= the band ($1.00 by default) is a breakeven; above the band"
        " it is a win, below minus the band a loss. With the default, +$1.00 is a breakeven and"
        " +$1.01 a win."
    ),
    "expectancy_usd": (
        "$ expectancy = sum(net P&L) / N over all N closed trades, fees included and"
        " breakevens kept in N. Equal to win rate x average win + loss rate x average loss +"
        " breakeven rate x average breakeven."
    ),
    "r_multiple": (
        "R multiple of a trade = net P&L / 1R, where 1R is the spread's max loss at entry for"
        " the whole quantity (before fees). A full max loss plus fees is a little below -1R."
    ),
    "r_expectancy": "R-expectancy = mean of the R multiples of all N closed trades.",
    "win_rate": "Win rate = wins / N (breakevens in the denominator).",
    "win_rate_excl_breakeven": (
        "Win rate excluding breakevens = wins / (wins + losses); undefined when there are"
        " neither wins nor losses."
    ),
    "avg_win_usd": "Average win = sum of winning P&L / wins; undefined without wins.",
    "avg_loss_usd": (
        "Average loss = sum of losing P&L / losses, shown negative; undefined without losses."
    ),
    "payoff_ratio": (
        "Payoff ratio = average win / |average loss|; infinite with wins and no losses, 0 with"
        " losses and no wins, undefined with neither."
    ),
    "profit_factor": (
        "Profit factor = sum of winning P&L / |sum of losing P&L| (breakevens in neither);"
        " infinite with wins and no losses, 0 with losses and no wins, undefined with neither."
    ),
    "max_drawdown_usd": (
        "Max drawdown = the largest fall of closed-trade equity (cumulative net P&L in close"
        " order) from its running peak, where the peak starts at 0 before the first trade, so"
        " a first-trade loss counts. Reported as a positive amount; 0 without trades."
    ),
    "sqn": (
        "SQN (System Quality Number) = sqrt(N) x mean(R) / stdev(R), with the sample standard"
        " deviation (N - 1). Undefined under 2 trades or when every R is equal. Flagged as a"
        " small sample under 30 trades, where it is unreliable."
    ),
    "rolling_expectancy_usd": (
        "Rolling expectancy = mean net P&L of the last N closed trades (N = 10 for the"
        " rollback trigger). The rolling series is undefined until N trades have closed; the"
        " last-N figure uses the trades there are and says whether the window is complete."
    ),
    "equity_curve": (
        "Equity curve = cumulative net P&L after each closed trade, in close order, starting"
        " from 0; drawdown = running peak (including the 0 start) - equity."
    ),
    "daily_pnl": (
        "Daily P&L = sum of net P&L of the trades closed in each New York trading session"
        " (the America/New_York calendar day of the close); only sessions with closes appear."
    ),
    "breakdown": (
        "Per-structure and per-underlying breakdowns apply the same definitions to each group"
        " of closed trades."
    ),
}


class MetricsSummary(BaseModel):
    """The headline statistics of a set of closed trades (None = undefined, see definitions)."""

    model_config = ConfigDict(frozen=True)

    trades: int
    wins: int
    losses: int
    breakevens: int
    breakeven_band_usd: float
    net_pnl_usd: float
    net_pnl_cents: int | None
    expectancy_usd: float | None
    r_expectancy: float | None
    win_rate: float | None
    win_rate_excl_breakeven: float | None
    avg_win_usd: float | None
    avg_loss_usd: float | None
    payoff_ratio: float | None
    profit_factor: float | None
    max_drawdown_usd: float
    sqn: float | None
    sqn_small_sample: bool


class WindowExpectancy(BaseModel):
    """Expectancy over the last `window` closed trades (the rollback trigger's input)."""

    model_config = ConfigDict(frozen=True)

    window: int
    trades_used: int
    complete: bool
    expectancy_usd: float | None
    trade_ids: tuple[int, ...]


def trades_to_frame(trades: Sequence[Trade]) -> pd.DataFrame:
    """The columns metrics need, from journal models (for callers holding `Trade` objects)."""
    pnl = [t.net_pnl_usd for t in trades]
    frame = pd.DataFrame(
        {
            "id": [t.id for t in trades],
            "structure": [t.structure.value for t in trades],
            "underlying": [t.underlying for t in trades],
            "mode": [t.mode.value for t in trades],
            "closed_at": [t.closed_at for t in trades],
            "close_session": [t.close_session for t in trades],
            "max_loss_usd": [float(t.max_loss_usd) for t in trades],
            "net_pnl_usd": [None if p is None else float(p) for p in pnl],
            "net_pnl_cents": [None if p is None else to_cents(p) for p in pnl],
        },
        dtype=None if trades else object,  # no rows: untyped columns, as from records
    )
    frame["closed_at"] = pd.to_datetime(frame["closed_at"], utc=True)
    frame["net_pnl_usd"] = frame["net_pnl_usd"].astype("float64")
    frame["net_pnl_cents"] = frame["net_pnl_cents"].astype("Int64")
    frame["r_multiple"] = frame["net_pnl_usd"] / frame["max_loss_usd"]
    return frame


def closed_trades(trades: pd.DataFrame | Sequence[Trade]) -> pd.DataFrame:
    """Closed trades only, in close order (close time, then id)."""
    frame = trades if isinstance(trades, pd.DataFrame) else trades_to_frame(trades)
    closed = frame[frame["closed_at"].notna()] if frame["closed_at"].hasnans else frame
    stamps = closed["closed_at"].to_numpy(dtype="datetime64[ns]").view("int64")
    if _in_close_order(stamps, closed["id"].to_numpy()):
        return closed
    return closed.sort_values(["closed_at", "id"], kind="stable")


def closed_from_judging(frame: pd.DataFrame) -> pd.DataFrame:
    """`closed_trades(trades_to_frame(trades))` from the judging frame of those trades
    (`utils.journal.judging_frame`, the trades in its row order), without a model per trade:
    the closed rows are picked (in close order) before any column is built."""
    if frame.empty:
        return closed_trades(trades_to_frame([]))
    closed_at = frame["closed_at"]
    rows = close_order_rows(instants(closed_at), frame["id"].to_numpy())
    # As pandas reads Python datetimes: microseconds, or seconds when every trade is open.
    if rows is not None and rows.size == 0:  # every trade open: typed as from all the rows
        return _metrics_columns(frame, None, "s").iloc[:0]
    return _metrics_columns(frame, rows, "us")


def _metrics_columns(frame: pd.DataFrame, rows: np.ndarray | None, unit: str) -> pd.DataFrame:
    """The `trades_to_frame` columns of the judging frame's `rows` (None: all, in order),
    instants in `unit`, indexed by row position as `closed_trades` leaves them."""

    def pick(values: np.ndarray) -> np.ndarray:
        return values if rows is None else values[rows]

    where, ordinals = pd.factorize(pick(frame["close_session"].to_numpy()))
    days = np.array([session_date(int(ordinal)) for ordinal in ordinals], dtype=object)
    stamps = pick(frame["closed_at"].to_numpy(dtype="datetime64[ns]"))
    cents = frame["net_pnl_cents"].array
    cents = cents if rows is None else cents.take(rows)
    max_loss_usd = cents_as_float_usd(pick(frame["max_loss_cents"].to_numpy(dtype="float64")))
    net_pnl_usd = cents_as_float_usd(cents.to_numpy(dtype="float64", na_value=np.nan))
    columns = {
        "id": pick(frame["id"].to_numpy()),
        **{name: _texts(frame[name], rows) for name in ("structure", "underlying", "mode")},
        "closed_at": pd.DatetimeIndex(stamps.astype(f"datetime64[{unit}]"), tz="UTC").array,
        "close_session": days[where],
        "max_loss_usd": max_loss_usd,
        "net_pnl_usd": net_pnl_usd,
        "net_pnl_cents": cents,
        "r_multiple": net_pnl_usd / max_loss_usd,
    }
    index = pd.RangeIndex(len(frame)) if rows is None else pd.Index(rows)
    return pd.DataFrame(columns, index=index, copy=False)


def _texts(column: pd.Series, rows: np.ndarray | None) -> pd.api.extensions.ExtensionArray:
    """A column of texts at `rows`, typed as pandas types a list of all of them (`str` on
    pandas 3, object before), as `trades_to_frame` then `closed_trades` leave it."""
    typed = pd.Series(column.to_numpy(), dtype=object, copy=False).infer_objects().array
    return typed if rows is None else typed.take(rows)


def closed_before(trades: Iterable[Trade], now: datetime) -> list[Trade]:
    """Trades closed at or before `now`, in close order (close time, then id)."""
    moment = to_utc(now)
    closed = [t for t in trades if t.closed_at is not None and t.closed_at <= moment]
    return sorted(closed, key=attrgetter("closed_at", "id"))


def summarize(
    trades: pd.DataFrame | Sequence[Trade],
    *,
    breakeven_band_usd: float = DEFAULT_BREAKEVEN_BAND_USD,
) -> MetricsSummary:
    """All headline metrics of the closed trades (see `METRIC_DEFINITIONS`): journal models, a
    metrics frame (`trades_to_frame`, `closed_from_judging`) or the judging frame itself."""
    if not isinstance(trades, pd.DataFrame):
        pnl, r, total_cents = _closed_pnl_of_models(trades)
        return summarize_pnl(
            pnl, r, breakeven_band_usd=breakeven_band_usd, net_pnl_cents=total_cents
        )
    pnl, r, total_cents = _closed_pnl_of_frame(trades)
    return summarize_pnl(pnl, r, breakeven_band_usd=breakeven_band_usd, net_pnl_cents=total_cents)


def _closed_pnl_of_frame(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, int | None]:
    """Net P&L (float $), R multiples and exact total cents (None without the column) of the
    closed rows, in close order: `closed_trades(frame)`'s columns, straight from the arrays
    (never a copy of the whole frame, whatever is still open). A judging frame
    (`utils.journal.judging_frame`) gives them as `closed_from_judging(frame)` would."""
    rows = close_order_rows(instants(frame["closed_at"]), frame["id"].to_numpy())

    def column(name: str) -> np.ndarray:
        values = frame[name].to_numpy(dtype="float64")
        return values if rows is None else values[rows]

    total_cents = None
    if "net_pnl_cents" in frame:
        cents = frame["net_pnl_cents"].array
        cents = cents if rows is None else cents.take(rows)
        total_cents = int(cents.sum())
        if "net_pnl_usd" not in frame:  # the judging frame: dollars and R from the cents
            pnl = cents_as_float_usd(cents.to_numpy(dtype="float64", na_value=np.nan))
            return pnl, pnl / cents_as_float_usd(column("max_loss_cents")), total_cents
    return column("net_pnl_usd"), column("r_multiple"), total_cents


def instants(column: pd.Series) -> np.ndarray:
    """A column of instants as int64 ticks in its own unit (NaT the smallest int64), no copy."""
    unit = getattr(column.dtype, "unit", "ns")  # a column with no rows may be untyped
    return column.to_numpy(dtype=f"datetime64[{unit}]").view("int64")


def close_order_rows(stamps: np.ndarray, ids: np.ndarray) -> np.ndarray | None:
    """Positions of the closed rows (stamp not NaT) in close order (stamp, then id); None
    when every row is closed and already in that order."""
    open_rows = stamps == np.iinfo(np.int64).min
    rows = np.flatnonzero(~open_rows) if open_rows.any() else None
    if rows is not None:
        stamps, ids = stamps[rows], ids[rows]
    if not _in_close_order(stamps, ids):
        order = np.lexsort((ids, stamps))
        rows = order if rows is None else rows[order]
    return rows


def _in_close_order(stamps: np.ndarray, ids: np.ndarray) -> bool:
    """Close times ascending, ids ascending among equal times."""
    steps = np.diff(stamps)
    if (steps < 0).any():
        return False
    ties = steps == 0
    return not ties.any() or not np.any(ties & (np.diff(ids) <= 0))


def _closed_pnl_of_models(trades: Sequence[Trade]) -> tuple[np.ndarray, np.ndarray, int]:
    """Net P&L (float $), R multiples and exact total cents of the closed models, in close
    order: what `trades_to_frame` then `closed_trades` give, without the other columns."""
    closed = sorted(
        (t for t in trades if t.closed_at is not None), key=attrgetter("closed_at", "id")
    )
    usd, r = pnl_and_r_multiples(closed)
    total_cents = sum(to_cents(t.net_pnl_usd) for t in closed if t.net_pnl_usd is not None)
    return usd, r, total_cents


def pnl_and_r_multiples(trades: Sequence[Trade]) -> tuple[np.ndarray, np.ndarray]:
    """Net P&L in float dollars (NaN while open) and R multiples (P&L / 1R), in the given
    order, exactly as `trades_to_frame` computes those columns."""
    usd = np.array(
        [np.nan if t.net_pnl_usd is None else float(t.net_pnl_usd) for t in trades],
        dtype="float64",
    )
    one_r = np.array([float(t.max_loss_usd) for t in trades], dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):  # as pandas divides
        return usd, usd / one_r


def _ratio(gains: float, losses: float, has_wins: bool, has_losses: bool) -> float | None:
    if not has_wins and not has_losses:
        return None
    if not has_losses:
        return math.inf
    return gains / losses


def summarize_pnl(
    pnl_usd: np.ndarray,
    r_multiples: np.ndarray,
    *,
    breakeven_band_usd: float = DEFAULT_BREAKEVEN_BAND_USD,
    net_pnl_cents: int | None = None,
) -> MetricsSummary:
    """Headline metrics of closed-trade net P&L and R multiples, both in close order."""
    pnl = np.asarray(pnl_usd, dtype="float64")
    r = np.asarray(r_multiples, dtype="float64")
    count = int(pnl.size)
    band = breakeven_band_usd + FLOAT_SLACK_USD
    win_mask = pnl > band
    loss_mask = pnl < -band
    wins, losses = int(np.count_nonzero(win_mask)), int(np.count_nonzero(loss_mask))
    gross_win = float(pnl[win_mask].sum())
    gross_loss = float(-pnl[loss_mask].sum())
    total = float(pnl.sum())
    avg_win = gross_win / wins if wins else None
    avg_loss = -gross_loss / losses if losses else None
    return MetricsSummary(
        trades=count,
        wins=wins,
        losses=losses,
        breakevens=count - wins - losses,
        breakeven_band_usd=breakeven_band_usd,
        net_pnl_usd=total,
        net_pnl_cents=net_pnl_cents,
        expectancy_usd=total / count if count else None,
        r_expectancy=float(r.mean()) if count else None,
        win_rate=wins / count if count else None,
        win_rate_excl_breakeven=wins / (wins + losses) if wins + losses else None,
        avg_win_usd=avg_win,
        avg_loss_usd=avg_loss,
        payoff_ratio=_ratio(avg_win or 0.0, -(avg_loss or 0.0), bool(wins), bool(losses)),
        profit_factor=_ratio(gross_win, gross_loss, bool(wins), bool(losses)),
        max_drawdown_usd=max_drawdown_usd(pnl),
        sqn=sqn(r),
        sqn_small_sample=count < SMALL_SAMPLE_TRADES,
    )


def max_drawdown_usd(pnl_usd: np.ndarray) -> float:
    """Largest fall of cumulative P&L from its running peak, the peak starting at 0."""
    pnl = np.asarray(pnl_usd, dtype="float64")
    if pnl.size == 0:
        return 0.0
    equity = np.cumsum(pnl)
    peak = np.maximum.accumulate(np.maximum(equity, 0.0))
    return float(np.max(peak - equity))


def sqn(r_multiples: np.ndarray) -> float | None:
    """sqrt(N) * mean(R) / sample stdev(R); None under 2 trades or with zero spread."""
    r = np.asarray(r_multiples, dtype="float64")
    if r.size < 2:
        return None
    spread = float(r.std(ddof=1))
    if spread <= 1e-12:
        return None
    return math.sqrt(r.size) * float(r.mean()) / spread


def last_n_expectancy(
    trades: pd.DataFrame | Sequence[Trade], window: int = ROLLBACK_WINDOW_TRADES
) -> WindowExpectancy:
    """Expectancy of the last `window` closed trades; `complete` is False with fewer trades."""
    if window < 1:
        raise ValueError("the window must be at least 1 trade")
    tail = closed_trades(trades).tail(window)
    used = len(tail)
    return WindowExpectancy(
        window=window,
        trades_used=used,
        complete=used == window,
        expectancy_usd=float(tail["net_pnl_usd"].mean()) if used else None,
        trade_ids=tuple(int(i) for i in tail["id"]),
    )


def equity_curve(trades: pd.DataFrame | Sequence[Trade]) -> pd.DataFrame:
    """Equity after each closed trade, with its running peak (from 0) and drawdown."""
    closed = closed_trades(trades)
    pnl = closed["net_pnl_usd"].to_numpy(dtype="float64")
    equity = np.cumsum(pnl)
    peak = np.maximum.accumulate(np.maximum(equity, 0.0)) if pnl.size else equity
    return pd.DataFrame(
        {
            "id": closed["id"].to_numpy(),
            "closed_at": closed["closed_at"].reset_index(drop=True),
            "net_pnl_usd": pnl,
            "equity_usd": equity,
            "peak_usd": peak,
            "drawdown_usd": peak - equity,
        }
    )


def daily_pnl(trades: pd.DataFrame | Sequence[Trade]) -> pd.DataFrame:
    """Net P&L per New York session of close: trades, net_pnl_usd, cumulative_usd."""
    closed = closed_trades(trades)
    sessions = closed["close_session"]
    grouped = closed.groupby(sessions.astype(object), sort=True)["net_pnl_usd"]
    frame = pd.DataFrame({"trades": grouped.size(), "net_pnl_usd": grouped.sum()})
    frame.index = pd.Index([_as_date(s) for s in frame.index], name="session", dtype=object)
    frame["cumulative_usd"] = frame["net_pnl_usd"].cumsum()
    return frame


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


BREAKDOWN_COLUMNS = (
    "trades",
    "wins",
    "losses",
    "breakevens",
    "win_rate",
    "net_pnl_usd",
    "expectancy_usd",
    "r_expectancy",
    "profit_factor",
)


def breakdown(
    trades: pd.DataFrame | Sequence[Trade],
    by: str,
    *,
    breakeven_band_usd: float = DEFAULT_BREAKEVEN_BAND_USD,
) -> pd.DataFrame:
    """The headline metrics per group of closed trades (e.g. by="structure" or "underlying")."""
    closed = closed_trades(trades)
    rows = {}
    for key, group in closed.groupby(closed[by].astype(object), sort=True):
        summary = summarize_pnl(
            group["net_pnl_usd"].to_numpy(dtype="float64"),
            group["r_multiple"].to_numpy(dtype="float64"),
            breakeven_band_usd=breakeven_band_usd,
        )
        rows[key] = {column: getattr(summary, column) for column in BREAKDOWN_COLUMNS}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(BREAKDOWN_COLUMNS))
    frame.index.name = by
    return frame
