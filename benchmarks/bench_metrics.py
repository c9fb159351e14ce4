"""Speed of the evidence: metrics vs bare numpy, journal load from SQLite, import throughput.

Run: `.venv/bin/python benchmarks/bench_metrics.py [--sizes 10000 100000 1000000]`
(about 3-4 minutes for the default sizes on a laptop; nothing here is a pass/fail test).

- Journals of 10k and 100k closed trades are built through the real journal-CSV import (every
  row validated, 1R proved by utils.spreads.proof), which also gives the import throughput.
- The 1M journal is the 100k one copied ten times inside SQLite (new ids and uids): a validated
  import of a million trades would take several minutes and measure nothing new. Only this
  benchmark writes journal tables outside utils/journal/writes.py, on its own scratch file.
- "Bare numpy" computes the same headline figures (expectancy, R-expectancy, win/loss counts,
  averages, profit factor, drawdown with a 0 start, SQN) directly on float arrays: the floor any
  implementation pays. The headline is summarize(frame) / bare numpy at 1M (target within 3x),
  medians, with the two latest trades left open (as in a live journal).
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

from utils.journal.store import Journal  # noqa: E402
from utils.journal.risk import TradeLeg  # noqa: E402
from utils.journal.trade import Mode, NewTrade, TradeClose  # noqa: E402
from utils.judge.metrics import breakdown, daily_pnl, equity_curve, summarize  # noqa: E402
from utils.spreads.symbols import format_occ  # noqa: E402
from utils.journal.tastytrade_csv import HEADER_21  # noqa: E402

START = datetime(2020, 1, 6, 15, 0, tzinfo=timezone.utc)
REPLICATED_FROM = 100_000
OPEN_TRADES = 2


def best_of(runs: int, action: Callable[[], object]) -> float:
    """The fastest of `runs` timings, in seconds."""
    best = math.inf
    for _ in range(runs):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def median_of(runs: int, action: Callable[[], object]) -> float:
    """The median of `runs` timings, in seconds."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def bare_numpy(pnl: np.ndarray, r: np.ndarray, band: float = 1.0) -> tuple:
    """The same headline figures as utils.judge.metrics.summarize, straight on arrays."""
    wins, losses = pnl > band, pnl < -band
    equity = np.cumsum(pnl)
    peak = np.maximum.accumulate(np.maximum(equity, 0.0))
    gross_win, gross_loss = pnl[wins].sum(), -pnl[losses].sum()
    return (
        pnl.mean(),
        r.mean(),
        wins.sum(),
        losses.sum(),
        gross_win / max(wins.sum(), 1),
        gross_loss / max(losses.sum(), 1),
        gross_win / gross_loss if gross_loss else math.inf,
        (peak - equity).max(),
        math.sqrt(r.size) * r.mean() / r.std(ddof=1),
    )


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
            .replace(opened, (START + shift).isoformat())
            .replace(closed, (START + shift + timedelta(hours=1)).isoformat())
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


def report_size(folder: Path, size: int, figures: dict) -> None:
    data = folder / f"journal_{size}"
    with Journal.open(data) as journal:
        load = best_of(2, journal.trades_frame)
        frame = journal.trades_frame()
        judging = median_of(3, journal.judging_frame)
    # Two trades still open, as in any live journal (they come last, as the journal orders).
    still_open = frame.index[-OPEN_TRADES:]
    frame.loc[still_open, ["closed_at", "close_session", "exit_price"]] = None
    frame.loc[still_open, ["net_pnl_usd", "r_multiple"]] = np.nan
    frame.loc[still_open, "net_pnl_cents"] = pd.NA
    closed = frame[frame["closed_at"].notna()]
    pnl = closed["net_pnl_usd"].to_numpy()
    r = closed["r_multiple"].to_numpy()
    runs = 7 if size <= 100_000 else 5
    metrics_s = median_of(runs, lambda: summarize(frame))
    numpy_s = median_of(runs, lambda: bare_numpy(pnl, r))
    summary = summarize(frame)
    if not math.isclose(summary.expectancy_usd, bare_numpy(pnl, r)[0]):
        raise SystemExit(f"{size}: summarize and bare numpy disagree on the expectancy")
    extras = {
        "equity_curve": best_of(3, lambda: equity_curve(frame)),
        "daily_pnl": best_of(3, lambda: daily_pnl(frame)),
        "breakdown(underlying)": best_of(3, lambda: breakdown(frame, "underlying")),
    }
    figures[size] = (load, metrics_s, numpy_s)
    print(
        f"{size:>9,} trades | load trades_frame {load:7.3f} s | summarize {metrics_s * 1e3:8.2f} ms"
        f" | bare numpy {numpy_s * 1e3:8.2f} ms | ratio {metrics_s / numpy_s:5.2f}x | "
        + " | ".join(f"{k} {v * 1e3:.1f} ms" for k, v in extras.items())
    )
    print(f"{size:>9,} trades | read judging_frame (no models) {judging:7.3f} s (median of 3)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    sizes = sorted(parser.parse_args().sizes)
    with tempfile.TemporaryDirectory(prefix="bench-journal-") as scratch:
        folder = Path(scratch)
        header, row = template_csv(folder)
        limit = 10**10
        for size in sizes:
            if size > REPLICATED_FROM:
                continue
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
        figures: dict = {}
        for size in sizes:
            report_size(folder, size, figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
