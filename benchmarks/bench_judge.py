"""Speed of the judge on the judging frame, each judge called as `gather_evidence` calls it.

Run: `.venv/bin/python benchmarks/bench_judge.py [--sizes 1000 10000 100000]` (about a minute,
most of it building the trades; nothing here is a pass/fail test). Trades are built in memory
(one every six hours, every third a loss, every tenth without a plan, the latest two still
open) and turned into their judging frame (`frame_from_trades`, what `Journal.judging_frame`
reads from SQLite); the judges get that frame and a loader over the models in memory (as
`Journal.trades_by_ids`), so the figures measure the judges themselves, not the journal's
SQLite reads. Every figure is the median of several runs (the count is printed).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from utils.records.alerts import HaltState  # noqa: E402
from utils.project.ci_status import judge_ci_record  # noqa: E402
from utils.judge.compliance import build_snapshot  # noqa: E402
from utils.core.config import load_settings  # noqa: E402
from utils.journal.judging_frame import frame_from_trades  # noqa: E402
from utils.judge.coach import coach_report  # noqa: E402
from utils.judge.discipline import (  # noqa: E402
    action_sessions_from_trades,
    evaluate_discipline,
    loader_over,
)
from utils.judge.gates import evaluate_gates  # noqa: E402
from utils.judge.metrics import closed_from_judging, last_n_expectancy, summarize  # noqa: E402
from utils.judge.ramp import first_live_order_at, ramp_level  # noqa: E402
from utils.judge.risk import open_risk_by_underlying  # noqa: E402
from utils.judge.rollback import rollback_triggers  # noqa: E402
from utils.records.latch import LatchState  # noqa: E402
from utils.journal.trade import Trade  # noqa: E402
from utils.spreads.symbols import format_occ  # noqa: E402

START = datetime(2000, 1, 3, 15, 0, tzinfo=timezone.utc)


OPEN_TRADES = 2


def median_of(runs: int, action: Callable[[], object]) -> float:
    """The median of `runs` timings, in seconds."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def occ(expiry: date, strike: int) -> str:
    """A SPY put's OCC symbol."""
    return format_occ("SPY", expiry, "P", Decimal(strike))


def synthetic_trades(count: int) -> list[Trade]:
    """`count` SPY put verticals, one every six hours (100k expire before 2099, the last year
    an OCC symbol can name), 1R = $400; the latest two still open."""
    trades = []
    for index in range(count):
        opened = START + timedelta(hours=6 * index)
        closed = index < count - OPEN_TRADES
        loss = index % 3 == 0
        expiry = (opened + timedelta(days=30)).date()
        trades.append(
            Trade(
                id=index + 1,
                uid=f"b{index}",
                structure="vertical",
                underlying="SPY",
                legs=[
                    {"occ_symbol": occ(expiry, 500), "action": "Sell to Open", "quantity": 1},
                    {"occ_symbol": occ(expiry, 495), "action": "Buy to Open", "quantity": 1},
                ],
                quantity=1,
                opened_at=opened,
                entry_price=Decimal("1.00"),
                entry_effect="Credit",
                mode="SIM",
                profit_target_usd=None if index % 10 == 0 else Decimal("50.00"),
                stop_loss_usd=Decimal("200.00"),
                closed_at=opened + timedelta(hours=4) if closed else None,
                net_pnl_usd=(Decimal("-80.00") if loss else Decimal("48.00")) if closed else None,
                fees_usd=Decimal("2.00") if closed else Decimal("1.00"),
            )
        )
    return trades


def time_judges(trades: list[Trade], settings, ci, runs: int) -> dict[str, float]:
    """Median seconds of each judge over the trades' judging frame, called as the evidence
    calls it (utils/judge/evidence.py)."""
    frame = frame_from_trades(trades)
    load = loader_over(trades)
    sessions = action_sessions_from_trades(trades)
    now = trades[-1].opened_at + timedelta(days=1)

    def discipline():
        return evaluate_discipline(
            frame, load_trades=load, settings=settings, now=now, journaled_sessions=sessions
        )

    judged = discipline()

    def gates():
        return evaluate_gates(
            trades=frame,
            discipline=judged,
            alerts=[],
            ci=ci,
            sandbox=None,
            settings=settings,
            now=now,
        )

    gated = gates()
    closed = closed_from_judging(frame)

    def ramp():
        return ramp_level(
            settings=settings,
            now=now,
            first_live_order_at=first_live_order_at(frame),
            trades=frame,
            discipline_score=judged.score,
        )

    def snapshot():
        return build_snapshot(
            generated_at=now,
            app_version="bench",
            git_commit=None,
            requested_mode="SIM",
            requested_reasons=[],
            effective_mode="SIM",
            effective_reasons=[],
            gates=gated,
            discipline=judged,
            trades=frame,
            alerts=[],
            halt=HaltState(active=False),
            latch=LatchState(active=False),
            ramp=ramp(),
            open_risk=open_risk_by_underlying(frame, settings=settings, now=now),
            sandbox=None,
            ci=ci,
            settings=settings,
        ).to_csv_bytes()

    judges = {
        "closed_from_judging": lambda: closed_from_judging(frame),
        "summarize": lambda: summarize(closed),
        "last_10": lambda: last_n_expectancy(closed),
        "discipline": discipline,
        "gates": gates,
        "coach": lambda: coach_report(
            frame, discipline=judged, settings=settings, now=now, gates=gated, load_trades=load
        ),
        "ramp": ramp,
        "rollback": lambda: rollback_triggers(
            trades=frame, discipline_score=judged.score, alerts=[], settings=settings, now=now
        ),
        "open_risk": lambda: open_risk_by_underlying(frame, settings=settings, now=now),
        "snapshot CSV": snapshot,
    }
    return {name: median_of(runs, judge) for name, judge in judges.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(env_file=Path(folder) / "none.env", data_dir=Path(folder))
        ci = judge_ci_record(None, None, False)
        for size in args.sizes:
            runs = 5 if size <= 10_000 else 3
            timings = time_judges(synthetic_trades(size), settings, ci, runs)
            shown = "  ".join(
                f"{name} {seconds * 1000:.1f} ms" for name, seconds in timings.items()
            )
            print(f"{size:>7,} trades (medians of {runs}): {shown}")


if __name__ == "__main__":
    main()
