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
after it, for what the entry plan left out).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal
from functools import cached_property

import numpy as np
import pandas as pd

from utils.core.config import Settings
from utils.core.sessions import session_ordinals, to_utc
from utils.journal.trade import Trade
from utils.judge.discipline_rules import (
    DISCIPLINE_RULES,
    Breach,
    DisciplineContext,
    RuleId,
    check_closed_beyond_stop,
    check_held_past_time_exit,
    check_not_defined_risk,
    halt_windows,
)
from utils.judge.entry_figures import EntryFigures, losing_closes, read_on
from utils.judge.history_sweeps import (
    NEVER,
    by_time_then,
    closed_by_entry,
    cumsum_by_group,
    instant_ns,
)
from utils.judge.ramp import SizeLadder
from utils.judge.risk import RISKY_REFUSAL_ALERTS, UnderlyingRiskLimit
from utils.records.alerts import Alert, HaltWindow
from utils.records.working_orders import WorkingOpening

TradeLoader = Callable[[Sequence[int]], Sequence[Trade]]
"""The validated trades of the given ids (any order): `Journal.trades_by_ids`."""

BREACH_COLUMNS: tuple[str, ...] = ("rule", "trade_id", "alert_id", "session", "at")
RULE_ORDER: dict[RuleId, int] = {rule.id: index for index, rule in enumerate(DISCIPLINE_RULES)}
_RULE_IDS = np.array([rule.id for rule in DISCIPLINE_RULES], dtype=object)
_NS_PER_MINUTE = 60 * 10**9


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
    ) -> HistoryInputs:
        """What `evaluate_discipline` judges: the trades opened and the alerts raised by `now`,
        the working orders sent by then (oldest first), the risk capital (default: the
        settings' risk budget). A frame out of order (not by opening time, then id) is refused.
        `read_on`: the entry figures of the reading before and how many first rows of `frame`
        were its frame (`JudgingRead.kept`), kept for those rows when they can be."""
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
            needed |= _open_trades_at(self, int(sent))
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


@dataclass
class _Found:
    """Breach rows as they are found, rule by rule."""

    rules: list[np.ndarray]
    trade_ids: list[np.ndarray]
    alert_ids: list[np.ndarray]
    sessions: list[np.ndarray]
    at: list[np.ndarray]

    def add(self, rule: RuleId, trade_ids, sessions, at, alert_ids=None) -> None:
        count = len(trade_ids)
        self.rules.append(np.full(count, RULE_ORDER[rule], dtype=np.int64))
        self.trade_ids.append(np.asarray(trade_ids, dtype=np.int64))
        self.alert_ids.append(
            np.zeros(count, dtype=np.int64)
            if alert_ids is None
            else np.asarray(alert_ids, dtype=np.int64)
        )
        self.sessions.append(np.asarray(sessions, dtype=np.int64))
        self.at.append(np.asarray(at, dtype=np.int64))

    def add_rows(self, rule: RuleId, data: HistoryInputs, mask: np.ndarray) -> None:
        """Entry breaches of the masked trades: at entry, in the opening session."""
        self.add(rule, data.ids[mask], data.sessions[mask], data.opened[mask])

    def add_literal(self, rule: RuleId, breaches: Sequence[Breach]) -> None:
        self.add(
            rule,
            [b.trade_id or 0 for b in breaches],
            [b.session.toordinal() for b in breaches],
            [instant_ns(b.at) for b in breaches],
            [b.alert_id or 0 for b in breaches],
        )


@dataclass(frozen=True)
class BreachRows:
    """Every breach of the history as arrays, in the violations' order: the rule (its index in
    `DISCIPLINE_RULES`), trade and alert id (0 for none), session ordinal, instant in ns."""

    rules: np.ndarray
    trade_ids: np.ndarray
    alert_ids: np.ndarray
    sessions: np.ndarray
    at: np.ndarray

    def frame(self) -> pd.DataFrame:
        """The rows as `BREACH_COLUMNS` (rule id; instant as UTC datetime)."""
        return pd.DataFrame(
            {
                "rule": _RULE_IDS[self.rules],
                "trade_id": self.trade_ids,
                "alert_id": self.alert_ids,
                "session": self.sessions,
                "at": pd.DatetimeIndex(self.at.astype("datetime64[ns]")).tz_localize("UTC"),
            }
        )

    def rules_by_session(self) -> dict[date, tuple[RuleId, ...]]:
        """The rules broken in each session, in the violations' order."""
        sessions, rules = self.sessions, self.rules
        if (np.diff(sessions) < 0).any():  # in time order the sessions rarely go back
            order = np.argsort(sessions, kind="stable")
            sessions, rules = sessions[order], rules[order]
        starts = np.flatnonzero(np.diff(sessions, prepend=-1))
        ends = np.append(starts[1:], len(sessions)).tolist()
        listed = _RULE_IDS[rules].tolist()
        return {
            date.fromordinal(session): tuple(listed[start:end])
            for session, start, end in zip(sessions[starts].tolist(), starts.tolist(), ends)
        }


def breach_rows(data: HistoryInputs) -> BreachRows:
    """Every breach of every rule over the history, in the violations' order (time, rule order,
    trade, alert)."""
    found = _Found([], [], [], [], [])
    _not_defined_risk(data, found)
    _opened_during_halt(data, found)
    _over_ladder_size(data, found)
    _too_many_concurrent(data, found)
    _underlying_risk(data, found)
    _revenge_entry(data, found)
    # Trades with a plan declared after entry: exit rules judged literally, models loaded once.
    planned = data.literal(data.later_plans)
    _closed_beyond_stop(data, planned, found)
    _no_planned_exit(data, found)
    _risky_order_refused(data, found)
    _held_past_time_exit(data, planned, found)
    _plan_not_followed(data, found)
    _manual_mistakes(data, found)
    rules = np.concatenate(found.rules)
    trade_ids = np.concatenate(found.trade_ids)
    alert_ids = np.concatenate(found.alert_ids)
    at = np.concatenate(found.at)
    order = by_time_then(at, rules, trade_ids, alert_ids)
    return BreachRows(
        rules=rules[order],
        trade_ids=trade_ids[order],
        alert_ids=alert_ids[order],
        sessions=np.concatenate(found.sessions)[order],
        at=at[order],
    )


def history_breaches(data: HistoryInputs) -> pd.DataFrame:
    """Every breach of every rule over the history: `BREACH_COLUMNS` (rule id; trade and alert
    id, 0 for none; session ordinal; instant as UTC datetime), in the violations' order."""
    return breach_rows(data).frame()


def _not_defined_risk(data: HistoryInputs, found: _Found) -> None:
    unproved = ~data.frame["proved"].to_numpy(dtype=bool)
    found.add_literal(RuleId.NOT_DEFINED_RISK, list(check_not_defined_risk(data.literal(unproved))))


def _opened_during_halt(data: HistoryInputs, found: _Found) -> None:
    linked = {alert.id: alert.trade_id for alert in data.alerts}
    halted = np.zeros(len(data.ids), dtype=bool)
    for halt in data.halts:
        start = np.searchsorted(data.opened, instant_ns(halt.started_at), side="left")
        end = np.searchsorted(data.opened, instant_ns(halt.ends_at), side="left")
        covered = np.zeros(len(data.ids), dtype=bool)
        covered[start:end] = True
        own = linked.get(halt.alert_id)
        if own is not None:
            covered &= data.ids != own
        halted |= covered
    found.add_rows(RuleId.OPENED_DURING_HALT, data, halted)


def _cents_floor(amount_usd: Decimal) -> int:
    """The largest whole number of cents at or below an amount (cents <= it iff <= this)."""
    return int((amount_usd * 100).to_integral_value(rounding=ROUND_FLOOR))


def _over_ladder_size(data: HistoryInputs, found: _Found) -> None:
    rung = SizeLadder.from_settings(data.settings).rung(data.ladder_level)
    units = data.frame["quantity"].to_numpy(dtype=np.int64)
    over = (units > rung.limit.max_units) | (data.max_loss > _cents_floor(rung.limit.max_loss_usd))
    found.add_rows(RuleId.OVER_LADDER_SIZE, data, over)


def _open_trades_at(data: HistoryInputs, moment_ns: int) -> np.ndarray:
    """Which trades are open at an instant (opened at or before it, closed after it)."""
    return (data.opened <= moment_ns) & (data.closed > moment_ns)


def _too_many_concurrent(data: HistoryInputs, found: _Found) -> None:
    cap = data.settings.max_concurrent_spreads
    working_before = np.searchsorted(data.sent, data.opened, side="left")
    found.add_rows(RuleId.TOO_MANY_CONCURRENT, data, data.open_before + working_before + 1 > cap)
    for index, sent in enumerate(data.sent):
        if int(_open_trades_at(data, sent).sum()) + index + 1 > cap:
            found.add(RuleId.TOO_MANY_CONCURRENT, [0], [_session_ordinal(sent)], [sent])


def _sessions_of_ns(instants_ns: np.ndarray) -> np.ndarray:
    """`session_of` of int64-ns UTC instants, as ordinals."""
    return session_ordinals(pd.to_datetime(instants_ns, utc=True))


def _session_ordinal(moment_ns: int) -> int:
    return int(_sessions_of_ns(np.array([moment_ns], dtype=np.int64))[0])


def _underlying_risk(data: HistoryInputs, found: _Found) -> None:
    limit = UnderlyingRiskLimit(data.risk_capital_usd, data.settings.symbol_risk_max_pct)
    total = data.family_risk_before + data.max_loss
    if limit.risk_capital_usd > 0:
        over = total > _cents_floor(limit.limit_usd)
    else:
        over = np.ones(len(total), dtype=bool)
    families = data.frame["family"].to_numpy(dtype=object)
    # Working orders' max loss may hold fractions of a cent: judged in Decimal where it counts.
    shared = np.zeros(len(total), dtype=bool)
    for index, order in enumerate(data.working):
        shared |= (families == order.family) & (data.opened > data.sent[index])
    for row in np.flatnonzero(shared):
        books = data.working[: np.searchsorted(data.sent, data.opened[row], side="left")]
        working = sum((o.max_loss_usd for o in books if o.family == families[row]), Decimal(0))
        over[row] = not limit.allows(Decimal(int(total[row])).scaleb(-2) + working)
    found.add_rows(RuleId.UNDERLYING_RISK_OVER_LIMIT, data, over)
    for index, order in enumerate(data.working):
        sent = int(data.sent[index])
        opened = _open_trades_at(data, sent) & (families == order.family)
        earlier = sum(
            (o.max_loss_usd for o in data.working[:index] if o.family == order.family), Decimal(0)
        )
        risk = Decimal(int(data.max_loss[opened].sum())).scaleb(-2) + earlier + order.max_loss_usd
        if not limit.allows(risk):
            found.add(RuleId.UNDERLYING_RISK_OVER_LIMIT, [0], [_session_ordinal(sent)], [sent])


def _revenge_entry(data: HistoryInputs, found: _Found) -> None:
    guard = data.settings.revenge_guard_minutes * _NS_PER_MINUTE
    picked = data.last_loss_before
    has = picked >= 0
    since = data.opened - np.where(has, data.closed[np.maximum(picked, 0)], 0)
    found.add_rows(RuleId.REVENGE_ENTRY, data, has & (since < guard))


def _money(data: HistoryInputs, column: str) -> tuple[np.ndarray, np.ndarray]:
    """A nullable cents column as (values with 0 for none, known mask)."""
    series = data.frame[column]
    return series.fillna(0).to_numpy(dtype=np.int64), series.notna().to_numpy(dtype=bool)


def _closed_beyond_stop(data: HistoryInputs, planned: DisciplineContext, found: _Found) -> None:
    net, known = _money(data, "net_pnl_cents")
    stop, has_stop = _money(data, "entry_stop_cents")
    gross = net + data.frame["fees_cents"].to_numpy(dtype=np.int64)
    losing = known & (data.closed != NEVER) & (gross < 0)
    beyond = losing & ~data.later_plans & has_stop & (-gross > stop)
    found.add(
        RuleId.CLOSED_BEYOND_STOP,
        data.ids[beyond],
        data.frame["close_session"].to_numpy(dtype=np.int64)[beyond],
        data.closed[beyond],
    )
    found.add_literal(RuleId.CLOSED_BEYOND_STOP, list(check_closed_beyond_stop(planned)))


def _no_planned_exit(data: HistoryInputs, found: _Found) -> None:
    """No plan in force at entry: none journaled, none by playbook (a later one never counts)."""
    frame = data.frame
    unplanned = (
        frame["profit_target_cents"].isna()
        & frame["stop_loss_cents"].isna()
        & frame["time_exit_at"].isna()
        & ~frame["plan_by_playbook"]
    ).to_numpy(dtype=bool)
    found.add_rows(RuleId.NO_PLANNED_EXIT, data, unplanned)


def _risky_order_refused(data: HistoryInputs, found: _Found) -> None:
    refused = [alert for alert in data.alerts if alert.rule in RISKY_REFUSAL_ALERTS]
    found.add(
        RuleId.RISKY_ORDER_REFUSED,
        [alert.trade_id or 0 for alert in refused],
        [alert.session.toordinal() for alert in refused],
        [instant_ns(alert.raised_at) for alert in refused],
        [alert.id for alert in refused],
    )


def _held_past_time_exit(data: HistoryInputs, planned: DisciplineContext, found: _Found) -> None:
    column = data.frame["entry_time_exit_at"]
    has_deadline = column.notna().to_numpy(dtype=bool)
    deadline = np.where(has_deadline, column.dt.as_unit("ns").array.asi8, 0).astype(np.int64)
    end = np.where(data.closed == NEVER, instant_ns(data.now), data.closed)
    late = has_deadline & ~data.later_plans & (end > deadline)
    found.add(
        RuleId.HELD_PAST_TIME_EXIT, data.ids[late], _sessions_of_ns(deadline[late]), deadline[late]
    )
    found.add_literal(RuleId.HELD_PAST_TIME_EXIT, list(check_held_past_time_exit(planned)))


def _review_rows(data: HistoryInputs) -> tuple[np.ndarray, np.ndarray]:
    """Each trade's review moment (its close, else its entry) and that moment's session."""
    closed = data.closed != NEVER
    moment = np.where(closed, data.closed, data.opened)
    session = np.where(closed, data.frame["close_session"].to_numpy(dtype=np.int64), data.sessions)
    return moment, session


def _plan_not_followed(data: HistoryInputs, found: _Found) -> None:
    answer = data.frame["followed_plan"]
    broken = (answer.notna() & ~answer.fillna(True).astype(bool)).to_numpy(dtype=bool)
    moment, session = _review_rows(data)
    found.add(RuleId.PLAN_NOT_FOLLOWED, data.ids[broken], session[broken], moment[broken])


def _manual_mistakes(data: HistoryInputs, found: _Found) -> None:
    counts = data.frame["mistakes"].to_numpy(dtype=np.int64)
    moment, session = _review_rows(data)
    found.add(
        RuleId.MANUAL_MISTAKE,
        np.repeat(data.ids, counts),
        np.repeat(session, counts),
        np.repeat(moment, counts),
    )
