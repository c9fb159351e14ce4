"""Discipline over the whole history, columnar: every rule's breaches from the judging frame.

`breach_rows` (as a frame: `history_breaches`) finds, with numpy over the judging frame
(`utils.journal.judging_frame`), exactly the breaches the literal rules
(`utils.judge.discipline_rules`) yield over the same trades, without their sentences: one row
per breach, `BREACH_COLUMNS`, ordered as `utils.judge.discipline.run_rules` orders violations
(time, rule order, trade, alert). The session verdicts of the whole history need only these
rows; the sentences are built by the literal rules for the few violations a report shows.

The exit rules read the plan in force at entry (journaled with the trade, else declared by
playbook at import: the frame's `plan_by_playbook`, `entry_stop_cents`, `entry_time_exit_at`).
Rare trades are judged by the literal rule on their models, loaded through `load_trades`: a
trade whose legs were not proved defined-risk (NOT_DEFINED_RISK) and a trade with an exit plan
declared after entry (CLOSED_BEYOND_STOP, HELD_PAST_TIME_EXIT: such a plan judges the exits
after it, for what the entry plan left out). The rules themselves are
`utils.judge.breach_rules`; a reading on from another keeps its stable breaches
(`utils.judge.breach_table`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property

import numpy as np
import pandas as pd

from utils.core.config import Settings
from utils.core.sessions import to_utc
from utils.journal.trade import Trade
from utils.judge.breach_rules import open_trades_at, other_rows, stable_rows
from utils.judge.breach_table import (
    BreachRows,
    KeptBreaches,
    merged,
    rules_by_session_after,
)
from utils.judge.discipline_rules import DisciplineContext, halt_windows
from utils.judge.entry_figures import EntryFigures, kept_rows, losing_closes, read_on
from utils.judge.history_sweeps import NEVER, closed_by_entry, cumsum_by_group, instant_ns
from utils.records.alerts import Alert, HaltWindow
from utils.records.working_orders import WorkingOpening

TradeLoader = Callable[[Sequence[int]], Sequence[Trade]]
"""The validated trades of the given ids (any order): `Journal.trades_by_ids`."""

BREACH_COLUMNS: tuple[str, ...] = ("rule", "trade_id", "alert_id", "session", "at")


@dataclass(frozen=True)
class HistoryInputs:
    """What the history is judged from: the judging frame of the trades opened by `now` (by
    opening time, then id), the alerts raised by then, their halts, the working opening orders
    sent by then (oldest first), the limits, and the loader for the rare literal cases."""

    frame: pd.DataFrame
    alerts: tuple[Alert, ...]
    halts: tuple[HaltWindow, ...]
    working: tuple[WorkingOpening, ...]
    settings: Settings
    ladder_level: int
    risk_capital_usd: Decimal
    now: datetime
    load_trades: TradeLoader
    read_on: tuple[EntryFigures, int] | None = None  # the reading before's, its frame's rows
    breaches_on: KeptBreaches | None = None  # the reading before's (`kept_breaches`)

    @classmethod
    def judging(
        cls,
        frame: pd.DataFrame,
        *,
        load_trades: TradeLoader,
        settings: Settings,
        now: datetime,
        alerts: Sequence[Alert] = (),
        working: Sequence[WorkingOpening] = (),
        ladder_level: int = 1,
        risk_capital_usd: Decimal | None = None,
        read_on: tuple[EntryFigures, int] | None = None,
        breaches_on: KeptBreaches | None = None,
    ) -> HistoryInputs:
        """What `evaluate_discipline` judges: the trades opened and the alerts raised by `now`,
        the working orders sent by then (oldest first), the risk capital (default: the
        settings' risk budget). A frame out of order (not by opening time, then id) is refused.
        `read_on`: the entry figures of the reading before and how many first rows of `frame`
        were its frame (`JudgingRead.kept`), kept for those rows when they can be, with
        `breaches_on` its breaches (`kept_breaches`)."""
        moment = to_utc(now)
        opened = frame["opened_at"].dt.as_unit("ns").array.asi8
        step = np.diff(opened)
        if ((step < 0) | ((step == 0) & (np.diff(frame["id"].to_numpy()) <= 0))).any():
            raise ValueError("the judging frame must be ordered by opening time, then id")
        # By opening time: the trades opened by now are a head of the frame (no copy).
        opened_by_now = int(np.searchsorted(opened, instant_ns(moment), side="right"))
        known_alerts = tuple(a for a in alerts if to_utc(a.raised_at) <= moment)
        return cls(
            frame=frame.iloc[:opened_by_now],
            alerts=known_alerts,
            halts=halt_windows(known_alerts, settings.halt_hours),
            working=tuple(
                sorted(
                    (o for o in working if to_utc(o.submitted_at) <= moment),
                    key=lambda o: to_utc(o.submitted_at),
                )
            ),
            settings=settings,
            ladder_level=ladder_level,
            risk_capital_usd=(
                settings.risk_budget_usd if risk_capital_usd is None else risk_capital_usd
            ),
            now=moment,
            load_trades=load_trades,
            read_on=read_on,
            breaches_on=breaches_on,
        )

    @cached_property
    def ids(self) -> np.ndarray:
        """Trade ids, frame order."""
        return self.frame["id"].to_numpy(dtype=np.int64)

    @cached_property
    def opened(self) -> np.ndarray:
        """Entries as int64 ns."""
        return self.frame["opened_at"].dt.as_unit("ns").array.asi8.astype(np.int64)

    @cached_property
    def closed(self) -> np.ndarray:
        """Closes as int64 ns; NEVER for an open trade."""
        values = self.frame["closed_at"].dt.as_unit("ns").array.asi8.astype(np.int64)
        return np.where(self.frame["closed_at"].isna().to_numpy(), NEVER, values)

    @cached_property
    def sessions(self) -> np.ndarray:
        """Opening sessions (ordinals)."""
        return self.frame["session"].to_numpy(dtype=np.int64)

    @cached_property
    def families(self) -> np.ndarray:
        """Each trade's family as a small integer code (same code, same family)."""
        return pd.factorize(self.frame["family"])[0].astype(np.int64)

    @cached_property
    def max_loss(self) -> np.ndarray:
        """Max loss (1R) in cents."""
        return self.frame["max_loss_cents"].to_numpy(dtype=np.int64)

    @cached_property
    def later_plans(self) -> np.ndarray:
        """A plan was declared after entry: the exit rules judged literally."""
        return self.frame["later_plans"].to_numpy(dtype=bool)

    @cached_property
    def sent(self) -> np.ndarray:
        """The working orders' sending instants (ns), oldest first."""
        return np.array([instant_ns(o.submitted_at) for o in self.working], dtype=np.int64)

    @cached_property
    def _kept(self) -> EntryFigures | None:
        """The figures at each entry, kept from the reading before (None: swept whole)."""
        if self.read_on is None:
            return None
        return read_on(self.read_on, self.frame, self.opened, self.closed, self.max_loss)

    @cached_property
    def kept_trades(self) -> int:
        """How many first rows keep the figures of the reading before (0: none)."""
        if self.read_on is None or self._kept is None:
            return 0
        families = self.frame["family"].to_numpy()
        return kept_rows(*self.read_on, self.opened, self.closed, families)

    @cached_property
    def judged(self) -> KeptBreaches:
        """The history's breaches as a reading on from this one keeps them (`kept_breaches`)."""
        return _judged(self)

    def entry_figures(self) -> EntryFigures:
        """Each trade's figures at its entry (a reading on from this one keeps them)."""
        return EntryFigures(self.open_before, self.family_risk_before, self.last_loss_before)

    @cached_property
    def open_before(self) -> np.ndarray:
        """How many earlier trades are still open at each entry (`open_at_each_entry`)."""
        if self._kept is not None:
            return self._kept.open_before
        weights = np.ones(len(self.ids), dtype=np.int64)
        groups = np.zeros(len(self.ids), dtype=np.int64)
        return np.arange(len(self.ids)) - closed_by_entry(self.opened, self.closed, weights, groups)

    @cached_property
    def last_loss_before(self) -> np.ndarray:
        """For each trade, the row of the latest losing close (by close, then id) at or before
        its entry, other than itself; -1 when none (the REVENGE_ENTRY lookup)."""
        if self._kept is not None:
            return self._kept.last_loss_before
        rows = np.flatnonzero(losing_closes(self.frame, self.closed))
        rows = rows[np.lexsort((self.ids[rows], self.closed[rows]))]
        if len(rows) == 0:
            return np.full(len(self.ids), -1, dtype=np.int64)
        index = np.searchsorted(self.closed[rows], self.opened, side="right") - 1
        own = (index >= 0) & (self.ids[rows[np.maximum(index, 0)]] == self.ids)
        index = index - own
        return np.where(index >= 0, rows[np.maximum(index, 0)], -1)

    @cached_property
    def family_risk_before(self) -> np.ndarray:
        """The earlier open trades' max loss on each trade's family at its entry, in cents
        (`family_risk_at_each_entry`)."""
        if self._kept is not None:
            return self._kept.family_risk_before
        before = cumsum_by_group(self.max_loss, self.families) - self.max_loss
        return before - closed_by_entry(self.opened, self.closed, self.max_loss, self.families)

    def needed_for_window(self, count: int) -> np.ndarray:
        """Which trades the literal rules need to judge the last `count` trades (the window)
        exactly as over the whole history: the window itself, the earlier trades still open at
        its entries, the losing closes the revenge guard looks back to, and the trades open
        when each working order was sent."""
        needed = np.zeros(len(self.ids), dtype=bool)
        if count:
            first = len(self.ids) - count
            needed[first:] = True
            needed[:first] |= self.closed[:first] > self.opened[first]
            losses = self.last_loss_before[first:]
            needed[losses[losses >= 0]] = True
        for sent in self.sent:
            needed |= open_trades_at(self, int(sent))
        return needed

    def models(self, mask: np.ndarray) -> tuple[Trade, ...]:
        """The validated trades of the masked rows, by opening time then id (a loader that
        misses one fails: no judgement on a partial history)."""
        if not mask.any():
            return ()
        wanted = [int(i) for i in self.ids[mask]]
        loaded = self.load_trades(wanted)
        if sorted(t.id for t in loaded) != sorted(wanted):
            raise LookupError("the trade loader did not return exactly the trades asked for")
        return tuple(sorted(loaded, key=lambda t: (t.opened_at, t.id)))

    def literal(self, mask: np.ndarray) -> DisciplineContext:
        """The masked rows' models as the per-trade literal rules read them (each judges a
        trade by itself, its plans, alerts and now)."""
        trades = self.models(mask)
        return DisciplineContext(
            trades=trades,
            open_at_entry=((),) * len(trades),
            alerts=self.alerts,
            halts=self.halts,
            settings=self.settings,
            ladder_level=self.ladder_level,
            risk_capital_usd=self.risk_capital_usd,
            now=self.now,
        )


def breach_rows(data: HistoryInputs) -> BreachRows:
    """Every breach of every rule over the history, in the violations' order (time, rule order,
    trade, alert)."""
    return merged(kept_breaches(data).stable, other_rows(data))


def history_breaches(data: HistoryInputs) -> pd.DataFrame:
    """Every breach of every rule over the history: `BREACH_COLUMNS` (rule id; trade and alert
    id, 0 for none; session ordinal; instant as UTC datetime), in the violations' order."""
    return breach_rows(data).frame()


def kept_breaches(data: HistoryInputs) -> KeptBreaches:
    """The history's stable breaches and the rules broken per session, as a reading on from
    this one keeps them (kept from `data.breaches_on` for the trades it judged, when it was
    judged from the same other inputs: `utils.judge.breach_table`)."""
    return data.judged


def _judged(data: HistoryInputs) -> KeptBreaches:
    inputs = (data.alerts, data.working, data.settings, data.ladder_level, data.risk_capital_usd)
    before, start = data.breaches_on, data.kept_trades
    if before is None or before.trades != start or before.inputs != inputs:
        start = 0
    new = stable_rows(data, start)
    stable = merged(before.stable, new) if start and before is not None else new
    other = other_rows(data)
    other_sessions = frozenset(other.sessions.tolist())
    if start and before is not None:
        touched = other_sessions | before.other_sessions | set(new.sessions.tolist())
        # Only the stable rows of the sessions touched are merged with the others.
        picked = np.isin(stable.sessions, np.array(sorted(touched), dtype=np.int64))
        rows = merged(stable.where(picked), other)
        by_session = rules_by_session_after(before.by_session, rows, touched)
    else:
        by_session = merged(stable, other).rules_by_session()
    return KeptBreaches(inputs, len(data.ids), stable, other_sessions, by_session)
