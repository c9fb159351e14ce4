"""Journals for the judging-frame tests: written through the journal's public API and imports.

`journal_specs()` is a hypothesis strategy of whole journals: spreads opened by hand in every
mode at any hour around weekends and NYSE holidays (Thanksgiving to New Year 2025), open or
closed, reviewed or not, with mistakes and exit plans declared after entry; plus, optionally, a
generated tastytrade history imported in one mode (flagged not-defined-risk positions, rolls),
its plans declared by a playbook. `build_journal` writes one into a journal.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from hypothesis import strategies as st

from tests.support.journal_factory import close_for_pnl, new_trade
from tests.support.tasty_history_factory import random_history
from utils.journal.exit_plans import ExitPlan, PlaybookDraft
from utils.journal.store import Journal
from utils.journal.trade import Mode

WINDOW_START = datetime(2025, 11, 20, 0, 0, tzinfo=timezone.utc)  # a week before Thanksgiving
WINDOW_QUARTERS = 47 * 24 * 4  # 15-minute steps to 2026-01-06: Christmas, New Year, weekends
MISTAKES = ("chased", "late", "sized up")
PLAYBOOK = PlaybookDraft(name="Put credit", target_pct_of_max_profit=50, time_exit_dte=7)


@dataclass(frozen=True)
class SpreadSpec:
    """One spread opened by hand, and what happens to it."""

    quarter: int  # opening time: WINDOW_START + 15 minutes x quarter
    mode: Mode
    structure: str
    underlying: str
    quantity: int
    planned: bool  # a target and a stop at entry
    held_quarters: int | None  # None: still open
    pnl_cents: int
    followed_plan: bool | None
    mistakes: tuple[str, ...]
    declared_later: bool  # an exit plan declared after entry


@dataclass(frozen=True)
class JournalSpec:
    """Spreads opened by hand, and an optional imported tastytrade history."""

    spreads: tuple[SpreadSpec, ...]
    history_seed: int | None
    history_mode: Mode
    by_playbook: bool


SPREAD_SPECS = st.builds(
    SpreadSpec,
    quarter=st.integers(0, WINDOW_QUARTERS),
    mode=st.sampled_from(list(Mode)),
    structure=st.sampled_from(["vertical", "iron_condor"]),
    underlying=st.sampled_from(["SPY", "SPX", "QQQ", "IWM"]),
    quantity=st.integers(1, 3),
    planned=st.booleans(),
    held_quarters=st.one_of(st.none(), st.integers(0, 4 * 24 * 5)),
    pnl_cents=st.integers(-60_000, 40_000),
    followed_plan=st.sampled_from([None, True, False]),
    mistakes=st.lists(st.sampled_from(MISTAKES), max_size=2, unique=True).map(tuple),
    declared_later=st.booleans(),
)


def journal_specs(max_spreads: int = 10) -> st.SearchStrategy[JournalSpec]:
    """Whole journals: hand-opened spreads and maybe an imported tastytrade history."""
    return st.builds(
        JournalSpec,
        spreads=st.lists(SPREAD_SPECS, max_size=max_spreads).map(tuple),
        history_seed=st.one_of(st.none(), st.integers(0, 40)),
        history_mode=st.sampled_from([Mode.LIVE, Mode.SANDBOX]),
        by_playbook=st.booleans(),
    )


def history_csv(folder: Path, seed: int, spreads: int = 60) -> Path:
    """A generated tastytrade transaction history (some positions not defined-risk)."""
    header, rows = random_history(seed, spreads)
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = folder / f"history-{seed}.csv"
    path.write_text(stream.getvalue(), encoding="utf-8")
    return path


def build_journal(journal: Journal, spec: JournalSpec, folder: Path) -> None:
    """Write `spec` into `journal` through its public API and imports."""
    if spec.history_seed is not None:
        playbook = None
        if spec.by_playbook:
            playbook = journal.save_playbook(PLAYBOOK).name
        report = journal.import_tastytrade_csv(
            history_csv(folder, spec.history_seed),
            mode=spec.history_mode,
            skip_bad=True,
            playbook=playbook,
        )
        assert report.committed, report.errors
    for spread in spec.spreads:
        _journal_spread(journal, spread)


def _journal_spread(journal: Journal, spread: SpreadSpec) -> None:
    opened = WINDOW_START + timedelta(minutes=15 * spread.quarter)
    plan = {}
    if spread.planned:
        plan = {"profit_target_usd": Decimal("150.00"), "stop_loss_usd": Decimal("300.00")}
    trade = journal.open_trade(
        new_trade(
            opened_at=opened,
            structure=spread.structure,
            underlying=spread.underlying,
            quantity=spread.quantity,
            mode=spread.mode,
            **plan,
        )
    )
    if spread.declared_later:
        later = ExitPlan(time_exit_at=opened + timedelta(days=2))
        journal.declare_exit_plan(trade.id, later, at=opened + timedelta(minutes=5))
    for mistake in spread.mistakes:
        journal.add_mistake(trade.id, mistake, at=opened)
    if spread.held_quarters is not None:
        closed = opened + timedelta(minutes=15 * spread.held_quarters)
        close = close_for_pnl(trade, Decimal(spread.pnl_cents) / 100, closed, fees_usd="1.30")
        close = close.model_copy(update={"followed_plan": spread.followed_plan})
        journal.close_trade(trade.id, close)
