"""Speed of the evidence's metrics: summarize vs bare numpy, from the judging frame the page uses.

Run: `.venv/bin/python benchmarks/bench_metrics.py [--sizes 10000 100000 1000000]`
(a few minutes for the default sizes on a laptop; nothing here is a pass/fail test). Every
figure is the median of several runs (the count is printed).

- Journals of 10k and 100k closed trades are built through the real journal-CSV import (every
  row validated, 1R proved by utils.spreads.proof), which also gives the import throughput.
- Larger journals (a multiple of 100k) are the 100k one copied inside SQLite (new ids and uids,
  same times): a validated import of a million trades would take minutes and measure nothing
  new. The 100k journal is imported for them even when 100k is not asked for. Only this
  benchmark writes journal tables outside utils/journal/writes.py, on its own scratch file.
- Metrics are timed as the evidence computes them (utils/judge/evidence.py): the judging frame
  read from SQLite (`Journal.judging_frame`), the two latest trades left open (as in a live
  journal), `closed_from_judging(frame)`, then `summarize`, `equity_curve`, `daily_pnl` (the
  expectancy card) and `breakdown` over those closed trades.
- "Bare numpy" is the floor: every figure of `MetricsSummary` (trades, wins, losses,
  breakevens with the same band, net P&L in float dollars and exact integer cents, $ and R
  expectancy, win rates, average win and loss, payoff ratio, profit factor, max drawdown from a
  0 start, SQN) computed with numpy straight on the same arrays, without pandas, checks or a
  result object. From the judging frame's arrays (close instants, cents of P&L, cents of 1R) it
  also drops the open rows and turns cents into dollars and R; those arrays are already in close
  order here, so it does not sort (summarize checks the order and finds it sorted). The
  headline is summarize(judging frame with open trades) / that floor at 1M (goal within 3x).
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from utils.core.sessions import NO_SESSION  # noqa: E402
from utils.journal.store import Journal  # noqa: E402
from utils.journal.risk import TradeLeg  # noqa: E402
from utils.journal.trade import Mode, NewTrade, TradeClose  # noqa: E402
from utils.judge.metrics import (  # noqa: E402
    FLOAT_SLACK_USD,
    MetricsSummary,
    breakdown,
    closed_from_judging,
    daily_pnl,
    equity_curve,
    summarize,
)
from utils.spreads.symbols import format_occ  # noqa: E402
from utils.journal.tastytrade_csv import HEADER_21  # noqa: E402

START = datetime(2020, 1, 6, 15, 0, tzinfo=timezone.utc)
REPLICATED_FROM = 100_000
OPEN_TRADES = 2


def median_of(runs: int, action: Callable[[], object]) -> float:
    """The median of `runs` timings, in seconds."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def bare_numpy(pnl: np.ndarray, r: np.ndarray, cents: np.ndarray, band: float = 1.0) -> dict:
    """Every figure of `MetricsSummary` straight on closed-trade arrays in close order."""
    count = pnl.size
    edge = band + FLOAT_SLACK_USD
    wins, losses = pnl > edge, pnl < -edge
    won, lost = int(np.count_nonzero(wins)), int(np.count_nonzero(losses))
    gross_win, gross_loss = float(pnl[wins].sum()), float(-pnl[losses].sum())
    total = float(pnl.sum())
    equity = np.cumsum(pnl)
    peak = np.maximum.accumulate(np.maximum(equity, 0.0))
    r_mean = float(r.mean())
    return {
        "trades": count,
        "wins": won,
        "losses": lost,
        "breakevens": count - won - lost,
        "net_pnl_usd": total,
        "net_pnl_cents": int(cents.sum()),
        "expectancy_usd": total / count,
        "r_expectancy": r_mean,
        "win_rate": won / count,
        "win_rate_excl_breakeven": won / (won + lost),
        "avg_win_usd": gross_win / won,
        "avg_loss_usd": -gross_loss / lost,
        "payoff_ratio": (gross_win / won) / (gross_loss / lost),
        "profit_factor": gross_win / gross_loss,
        "max_drawdown_usd": float((peak - equity).max()),
        "sqn": math.sqrt(count) * r_mean / float(r.std(ddof=1)),
    }


def bare_numpy_from_judging(
    stamps: np.ndarray, cents: np.ndarray, max_loss_cents: np.ndarray, band: float = 1.0
) -> dict:
    """The same figures from the judging frame's arrays: close instants (int64, NaT when
    open), net P&L cents (any value when open) and 1R cents, already in close order."""
    closed = stamps != np.iinfo(np.int64).min
    pnl_cents = cents[closed]
    pnl = pnl_cents / 100
    return bare_numpy(pnl, pnl / (max_loss_cents[closed] / 100), pnl_cents, band)


def assert_agrees(size: int, summary: MetricsSummary, floor: dict) -> None:
    """The floor computes the same figures as summarize (exact counts and cents)."""
    for name, value in floor.items():
        got = getattr(summary, name)
        if not (got == value or math.isclose(got, value, rel_tol=1e-9)):
            raise SystemExit(f"{size}: summarize and bare numpy disagree on {name}")


def template_csv(folder: Path) -> tuple[str, str]:
    """The journal-CSV header and one closed-trade row, uid `TEMPLATE` and P&L `PNL`."""
    with Journal.open(folder / "template") as journal:
        expiry = (START + timedelta(days=365)).date()  # later than any synthetic open
        legs = tuple(
            TradeLeg(
                occ_symbol=format_occ("SPY", expiry, "P", Decimal(strike)),
                action=action,
                quantity=1,
            )
            for strike, action in ((100, "Sell to Open"), (90, "Buy to Open"))
        )
        trade = journal.open_trade(
            NewTrade(
                uid="TEMPLATE",
                structure="vertical",
                underlying="SPY",
                legs=legs,
                quantity=1,
                opened_at=START,
                entry_price=Decimal("5.00"),
                entry_effect="Credit",
                mode=Mode.SIM,
            )
        )
        journal.close_trade(
            trade.id,
            TradeClose(
                closed_at=START + timedelta(hours=1),
                exit_price=Decimal("4.00"),
                exit_effect="Debit",
            ),
        )
        journal.export_journal_csv(folder / "template.csv")
    header, row = (folder / "template.csv").read_text("utf-8").splitlines()[:2]
    return header, row


def journal_csv(folder: Path, count: int, header: str, row: str) -> Path:
    """`count` closed trades a minute apart with P&L spread over -500..+500 (exit prices vary)."""
    rng = np.random.default_rng(7)
    exits = np.round(rng.uniform(0.0, 10.0, count), 2)
    opened = START.isoformat()
    closed = (START + timedelta(hours=1)).isoformat()
    lines = [header]
    for index in range(count):
        shift = timedelta(minutes=index)
        exit_price = f"{exits[index]:.2f}"
        pnl = f"{(5 - exits[index]) * 100:.2f}"
        lines.append(
            row.replace("TEMPLATE", f"t{index}")
            # the close first: an opening an hour on reads as the template's close
            .replace(closed, (START + shift + timedelta(hours=1)).isoformat())
            .replace(opened, (START + shift).isoformat())
            .replace(",4.00,Debit,", f",{exit_price},Debit,")
            .replace(",100.00,closing_order,", f",{pnl},closing_order,")
        )
    path = folder / f"journal_{count}.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def tasty_csv(folder: Path, spreads: int) -> Path:
    """A tastytrade export with `spreads` verticals, each opened and closed by an order."""
    rows = []
    for index in range(spreads):
        day = START + timedelta(minutes=index)
        expiry = (START + timedelta(days=30)).date()
        for order, when, actions, prices in (
            (2 * index + 1, day, ("SELL_TO_OPEN", "BUY_TO_OPEN"), (3.00, 1.00)),
            (2 * index + 2, day + timedelta(hours=1), ("BUY_TO_CLOSE", "SELL_TO_CLOSE"), (2, 0.5)),
        ):
            for action, strike, price in zip(actions, (100, 90), prices):
                value = price * 100 * (-1 if action.startswith("BUY") else 1)
                rows.append(
                    f"{when.strftime('%Y-%m-%dT%H:%M:%S+0000')},Trade,"
                    f"{action.replace('_', ' ').title()},{action},"
                    f"{format_occ('SPY', expiry, 'P', Decimal(strike))},Equity Option,,"
                    f"{value:.2f},1,{value:.2f},-1.00,-0.14,100,SPY,SPY,,{strike},PUT,"
                    f"{order},{value - 1.14:.2f},USD"
                )
    path = folder / f"tasty_{spreads}.csv"
    path.write_text(",".join(HEADER_21) + "\r\n" + "\r\n".join(reversed(rows)) + "\r\n", "utf-8")
    return path


def replicate(source: Path, target: Path, copies: int) -> None:
    """Copy a journal `copies` times inside SQLite (benchmark scratch file only)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    conn = sqlite3.connect(target, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        (span,) = conn.execute("SELECT MAX(id) FROM trades").fetchone()
        conn.execute("BEGIN")
        for copy in range(1, copies):
            offset = copy * span
            conn.execute(
                "INSERT INTO trades SELECT id + :o, uid || '-' || :c, parent_id, structure, "
                "underlying, quantity, multiplier, mode, source, opened_at, session, entry_price,"
                " entry_effect, max_loss_cents, max_profit_cents, open_fees_cents, setup, "
                "profit_target_cents, stop_loss_cents, time_exit_at, closed_at, close_session, "
                "exit_price, exit_effect, fees_cents, net_pnl_cents, close_reason, "
                "followed_plan, created_at FROM trades WHERE id <= :s",
                {"o": offset, "c": copy, "s": span},
            )
            conn.execute(
                "INSERT INTO trade_legs SELECT trade_id + :o, position, occ_symbol, "
                "option_type, strike, expiration, action, quantity FROM trade_legs "
                "WHERE trade_id <= :s",
                {"o": offset, "s": span},
            )
        conn.execute("COMMIT")
    finally:
        conn.close()


def judging_with_open_trades(journal: Journal) -> pd.DataFrame:
    """The journal's judging frame with its two latest trades still open (in the frame only)."""
    frame = journal.judging_frame()
    still_open = frame.index[-OPEN_TRADES:]
    frame.loc[still_open, "closed_at"] = pd.NaT
    frame.loc[still_open, "close_session"] = NO_SESSION
    frame.loc[still_open, "net_pnl_cents"] = pd.NA
    return frame


def report_size(folder: Path, size: int) -> None:
    """Time the judging read and every metric the page computes at one journal size."""
    runs = 7 if size <= 100_000 else 5
    with Journal.open(folder / f"journal_{size}") as journal:
        read = median_of(3, journal.judging_frame)
        frame = judging_with_open_trades(journal)
    stamps = frame["closed_at"].to_numpy(dtype="datetime64[ns]").view("int64")
    cents = frame["net_pnl_cents"].to_numpy(dtype="int64", na_value=0)
    max_loss = frame["max_loss_cents"].to_numpy()
    if not np.all(np.diff(stamps[:-OPEN_TRADES]) >= 0):
        raise SystemExit(f"{size}: the judging frame is not in close order; the floor must sort")
    closed = closed_from_judging(frame)
    pnl, r = closed["net_pnl_usd"].to_numpy(), closed["r_multiple"].to_numpy()
    closed_cents = closed["net_pnl_cents"].to_numpy(dtype="int64")
    assert_agrees(size, summarize(frame), bare_numpy_from_judging(stamps, cents, max_loss))
    assert_agrees(size, summarize(closed), bare_numpy(pnl, r, closed_cents))
    of_frame = median_of(runs, lambda: summarize(frame))
    floor_frame = median_of(runs, lambda: bare_numpy_from_judging(stamps, cents, max_loss))
    of_closed = median_of(runs, lambda: summarize(closed))
    floor_closed = median_of(runs, lambda: bare_numpy(pnl, r, closed_cents))
    extras = {
        "closed_from_judging": median_of(5, lambda: closed_from_judging(frame)),
        "equity_curve": median_of(5, lambda: equity_curve(closed)),
        "daily_pnl": median_of(5, lambda: daily_pnl(closed)),
        "breakdown(underlying)": median_of(5, lambda: breakdown(closed, "underlying")),
    }
    print(
        f"{size:>9,} trades | summarize(judging frame, {OPEN_TRADES} open) "
        f"{of_frame * 1e3:7.2f} ms | bare numpy {floor_frame * 1e3:7.2f} ms | "
        f"ratio {of_frame / floor_frame:5.2f}x (median of {runs})"
    )
    print(
        f"{size:>9,} trades | summarize(closed) {of_closed * 1e3:7.2f} ms | bare numpy "
        f"{floor_closed * 1e3:7.2f} ms | ratio {of_closed / floor_closed:5.2f}x (median of {runs})"
    )
    print(
        f"{size:>9,} trades | read judging_frame {read:6.3f} s (median of 3) | "
        + " | ".join(f"{k} {v * 1e3:.1f} ms" for k, v in extras.items())
        + " (medians of 5)"
    )


def journals_to_import(sizes: list[int]) -> list[int]:
    """The sizes imported through the CSV: those asked up to 100k, and 100k to copy from."""
    copied = [size for size in sizes if size > REPLICATED_FROM]
    return sorted(
        {size for size in sizes if size <= REPLICATED_FROM}
        | ({REPLICATED_FROM} if copied else set())
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    sizes = sorted(set(parser.parse_args().sizes))
    if any(size > REPLICATED_FROM and size % REPLICATED_FROM for size in sizes):
        parser.error(f"a size above {REPLICATED_FROM:,} must be a multiple of it (copied)")
    with tempfile.TemporaryDirectory(prefix="bench-journal-") as scratch:
        folder = Path(scratch)
        header, row = template_csv(folder)
        limit = 10**10
        for size in journals_to_import(sizes):
            path = journal_csv(folder, size, header, row)
            with Journal.open(folder / f"journal_{size}") as journal:
                started = time.perf_counter()
                report = journal.import_journal_csv(path, max_bytes=limit)
                took = time.perf_counter() - started
            print(
                f"journal CSV import: {report.added:,} trades ({path.stat().st_size / 1e6:.1f} MB)"
                f" in {took:.1f} s = {report.added / took:,.0f} trades/s"
            )
        spreads = 5_000
        path = tasty_csv(folder, spreads)
        with Journal.open(folder / "tasty") as journal:
            started = time.perf_counter()
            report = journal.import_tastytrade_csv(path, mode=Mode.LIVE, max_bytes=limit)
            took = time.perf_counter() - started
        print(
            f"tastytrade CSV import: {4 * spreads:,} rows -> {report.added:,} spreads opened, "
            f"{report.closed:,} closed in {took:.1f} s = {4 * spreads / took:,.0f} rows/s"
        )
        for size in sizes:
            if size > REPLICATED_FROM:
                base = folder / f"journal_{REPLICATED_FROM}" / "journal.sqlite3"
                started = time.perf_counter()
                target = folder / f"journal_{size}" / "journal.sqlite3"
                replicate(base, target, size // REPLICATED_FROM)
                took = time.perf_counter() - started
                print(f"built the {size:,}-trade journal by copying in {took:.1f} s")
        for size in sizes:
            report_size(folder, size)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
