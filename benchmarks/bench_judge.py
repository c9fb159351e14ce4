"""Speed of the judge: discipline score, gates, rollback triggers and the compliance snapshot.

Run: `.venv/bin/python benchmarks/bench_judge.py [--sizes 1000 10000]` (seconds; nothing here is
a pass/fail test). Trades are built in memory (one a day, every third a loss, every tenth
without a plan), so the figures measure the judge itself, not the journal's SQLite reads.
"""

from __future__ import annotations

import argparse
import math
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
from utils.judge.discipline import evaluate_discipline  # noqa: E402
from utils.judge.gates import evaluate_gates  # noqa: E402
from utils.judge.ramp import ramp_level  # noqa: E402
from utils.judge.risk import open_risk_by_underlying  # noqa: E402
from utils.judge.rollback import rollback_triggers  # noqa: E402
from utils.records.latch import LatchState  # noqa: E402
from utils.journal.trade import Trade  # noqa: E402
from utils.spreads.symbols import format_occ  # noqa: E402

START = datetime(2000, 1, 3, 15, 0, tzinfo=timezone.utc)


def best_of(runs: int, action: Callable[[], object]) -> float:
    """The fastest of `runs` timings, in seconds."""
    best = math.inf
    for _ in range(runs):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def occ(expiry: date, strike: int) -> str:
    """A SPY put's OCC symbol."""
    return format_occ("SPY", expiry, "P", Decimal(strike))


def synthetic_trades(count: int) -> list[Trade]:
    """`count` SPY put verticals, one a day, 1R = $400."""
    trades = []
    for index in range(count):
        opened = START + timedelta(days=index)
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
                closed_at=opened + timedelta(hours=4),
                net_pnl_usd=Decimal("-80.00") if loss else Decimal("48.00"),
                fees_usd=Decimal("2.00"),
            )
        )
    return trades


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(env_file=Path(folder) / "none.env", data_dir=Path(folder))
        ci = judge_ci_record(None, None, False)
        for size in args.sizes:
            trades = synthetic_trades(size)
            now = trades[-1].closed_at + timedelta(days=1)
            discipline = evaluate_discipline(trades, settings=settings, now=now)

            def gates():
                return evaluate_gates(
                    trades=trades,
                    discipline=discipline,
                    alerts=[],
                    ci=ci,
                    sandbox=None,
                    settings=settings,
                    now=now,
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
                    gates=gates(),
                    discipline=discipline,
                    trades=trades,
                    alerts=[],
                    halt=HaltState(active=False),
                    latch=LatchState(active=False),
                    ramp=ramp_level(
                        settings=settings,
                        now=now,
                        first_live_order_at=None,
                        trades=trades,
                        discipline_score=discipline.score,
                    ),
                    open_risk=open_risk_by_underlying(trades, settings=settings, now=now),
                    sandbox=None,
                    ci=ci,
                    settings=settings,
                ).to_csv_bytes()

            timings = {
                "discipline": best_of(
                    3, lambda: evaluate_discipline(trades, settings=settings, now=now)
                ),
                "gates": best_of(3, gates),
                "rollback": best_of(
                    3,
                    lambda: rollback_triggers(
                        trades=trades,
                        discipline_score=discipline.score,
                        alerts=[],
                        settings=settings,
                        now=now,
                    ),
                ),
                "snapshot": best_of(3, snapshot),
            }
            shown = "  ".join(
                f"{name} {seconds * 1000:8.1f} ms" for name, seconds in timings.items()
            )
            print(f"{size:>7} trades: {shown}")


if __name__ == "__main__":
    main()
