"""The rules over the history's rows, columnar: the breaches of `utils.judge.discipline_history`.

`stable_rows` finds the breaches a trade's own row, its figures at entry and the inputs other
than the trades decide (never `now`), over the rows from a given one on; `other_rows` the rest,
judged anew at every reading: the literal rules over rare trades (NOT_DEFINED_RISK; the exit
rules of a trade with a plan declared after entry), the working orders' and the alerts' breaches,
and the trades still open past their time exit. Each rule finds exactly the breaches the literal
rule (`utils.judge.discipline_rules`) yields over the same trades.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray

from utils.core.sessions import session_ordinals
from utils.judge.breach_table import BreachRows
from utils.judge.discipline_rules import (
    DISCIPLINE_RULES,
    Breach,
    RuleId,
    check_closed_beyond_stop,
    check_held_past_time_exit,
    check_not_defined_risk,
)
from utils.judge.history_sweeps import NEVER, instant_ns
from utils.judge.ramp import SizeLadder
from utils.judge.risk import RISKY_REFUSAL_ALERTS, UnderlyingRiskLimit

if TYPE_CHECKING:  # the history's inputs judge through these rules
    from utils.judge.discipline_history import HistoryInputs

RULE_ORDER: dict[RuleId, int] = {rule.id: index for index, rule in enumerate(DISCIPLINE_RULES)}
_NS_PER_MINUTE = 60 * 10**9


@dataclass
class _Found:
    """Breach rows as they are found, rule by rule, over the rows from `start` on."""

    data: HistoryInputs
    start: int = 0
    rules: list[np.ndarray] = field(default_factory=list)
    trade_ids: list[np.ndarray] = field(default_factory=list)
    alert_ids: list[np.ndarray] = field(default_factory=list)
    sessions: list[np.ndarray] = field(default_factory=list)
    at: list[np.ndarray] = field(default_factory=list)

    def column(self, name: str) -> ExtensionArray:
        """A judging frame column's values from `start` on (no copy)."""
        return self.data.frame[name].array[self.start :]

    def values(self, name: str, dtype: type) -> np.ndarray:
        """A column without missing values from `start` on, as numpy."""
        return self.column(name).to_numpy(dtype=dtype)

    def missing(self, name: str) -> np.ndarray:
        """Which values of a column from `start` on are missing."""
        return np.asarray(self.column(name).isna(), dtype=bool)

    def of(self, values: np.ndarray) -> np.ndarray:
        """A per-trade array's values from `start` on."""
        return values[self.start :]

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

    def add_rows(self, rule: RuleId, mask: np.ndarray) -> None:
        """Entry breaches of the masked trades (from `start` on): at entry, in the opening
        session."""
        data = self.data
        self.add(
            rule, self.of(data.ids)[mask], self.of(data.sessions)[mask], self.of(data.opened)[mask]
        )

    def add_literal(self, rule: RuleId, breaches: Sequence[Breach]) -> None:
        self.add(
            rule,
            [b.trade_id or 0 for b in breaches],
            [b.session.toordinal() for b in breaches],
            [instant_ns(b.at) for b in breaches],
            [b.alert_id or 0 for b in breaches],
        )

    def rows(self) -> BreachRows:
        """What was found, in the violations' order."""
        return BreachRows.ordered(
            *(
                np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
                for parts in (self.rules, self.trade_ids, self.alert_ids, self.sessions, self.at)
            )
        )


def stable_rows(data: HistoryInputs, start: int) -> BreachRows:
    """The breaches of the trades from row `start` on that their own row, their figures at
    entry and the inputs other than the trades decide (never `now`)."""
    found = _Found(data, start)
    _opened_during_halt(found)
    _over_ladder_size(found)
    _too_many_concurrent(found)
    _underlying_risk(found)
    _revenge_entry(found)
    _closed_beyond_stop(found)
    _no_planned_exit(found)
    _held_past_time_exit(found, still_open=False)
    _plan_not_followed(found)
    _manual_mistakes(found)
    return found.rows()


def other_rows(data: HistoryInputs) -> BreachRows:
    """The breaches judged anew at every reading: the literal rules' over rare trades, the
    working orders' and the alerts', and the trades still open past their time exit."""
    found = _Found(data)
    unproved = ~data.frame["proved"].to_numpy(dtype=bool)
    found.add_literal(RuleId.NOT_DEFINED_RISK, list(check_not_defined_risk(data.literal(unproved))))
    _working_over_limits(found)
    # Trades with a plan declared after entry: exit rules judged literally, models loaded once.
    planned = data.literal(data.later_plans)
    found.add_literal(RuleId.CLOSED_BEYOND_STOP, list(check_closed_beyond_stop(planned)))
    _risky_order_refused(found)
    _held_past_time_exit(found, still_open=True)
    found.add_literal(RuleId.HELD_PAST_TIME_EXIT, list(check_held_past_time_exit(planned)))
    return found.rows()


def _opened_during_halt(found: _Found) -> None:
    data = found.data
    linked = {alert.id: alert.trade_id for alert in data.alerts}
    opened, ids = found.of(data.opened), found.of(data.ids)
    halted = np.zeros(len(ids), dtype=bool)
    for halt in data.halts:
        start = np.searchsorted(opened, instant_ns(halt.started_at), side="left")
        end = np.searchsorted(opened, instant_ns(halt.ends_at), side="left")
        covered = np.zeros(len(ids), dtype=bool)
        covered[start:end] = True
        own = linked.get(halt.alert_id)
        if own is not None:
            covered &= ids != own
        halted |= covered
    found.add_rows(RuleId.OPENED_DURING_HALT, halted)


def _cents_floor(amount_usd: Decimal) -> int:
    """The largest whole number of cents at or below an amount (cents <= it iff <= this)."""
    return int((amount_usd * 100).to_integral_value(rounding=ROUND_FLOOR))


def _over_ladder_size(found: _Found) -> None:
    data = found.data
    rung = SizeLadder.from_settings(data.settings).rung(data.ladder_level)
    units = found.values("quantity", np.int64)
    max_loss = found.of(data.max_loss)
    over = (units > rung.limit.max_units) | (max_loss > _cents_floor(rung.limit.max_loss_usd))
    found.add_rows(RuleId.OVER_LADDER_SIZE, over)


def open_trades_at(data: HistoryInputs, moment_ns: int) -> np.ndarray:
    """Which trades are open at an instant (opened at or before it, closed after it)."""
    return (data.opened <= moment_ns) & (data.closed > moment_ns)


def _too_many_concurrent(found: _Found) -> None:
    """Trades opened over the cap of open spreads (working orders sent before count)."""
    data = found.data
    cap = data.settings.max_concurrent_spreads
    working_before = np.searchsorted(data.sent, found.of(data.opened), side="left")
    over = found.of(data.open_before) + working_before + 1 > cap
    found.add_rows(RuleId.TOO_MANY_CONCURRENT, over)


def _sessions_of_ns(instants_ns: np.ndarray) -> np.ndarray:
    """`session_of` of int64-ns UTC instants, as ordinals."""
    return session_ordinals(pd.to_datetime(instants_ns, utc=True))


def _session_ordinal(moment_ns: int) -> int:
    return int(_sessions_of_ns(np.array([moment_ns], dtype=np.int64))[0])


def _risk_limit(data: HistoryInputs) -> UnderlyingRiskLimit:
    return UnderlyingRiskLimit(data.risk_capital_usd, data.settings.symbol_risk_max_pct)


def _underlying_risk(found: _Found) -> None:
    """Trades opened over the risk limit on their family (working orders sent before count)."""
    data, limit = found.data, _risk_limit(found.data)
    total = found.of(data.family_risk_before) + found.of(data.max_loss)
    if limit.risk_capital_usd > 0:
        over = total > _cents_floor(limit.limit_usd)
    else:
        over = np.ones(len(total), dtype=bool)
    families = found.values("family", object)
    opened = found.of(data.opened)
    # Working orders' max loss may hold fractions of a cent: judged in Decimal where it counts.
    shared = np.zeros(len(total), dtype=bool)
    for index, order in enumerate(data.working):
        shared |= (families == order.family) & (opened > data.sent[index])
    for row in np.flatnonzero(shared):
        books = data.working[: np.searchsorted(data.sent, opened[row], side="left")]
        working = sum((o.max_loss_usd for o in books if o.family == families[row]), Decimal(0))
        over[row] = not limit.allows(Decimal(int(total[row])).scaleb(-2) + working)
    found.add_rows(RuleId.UNDERLYING_RISK_OVER_LIMIT, over)


def _working_over_limits(found: _Found) -> None:
    """Working orders sent over the cap of open spreads or the risk limit on their family."""
    data, limit = found.data, _risk_limit(found.data)
    cap = data.settings.max_concurrent_spreads
    families = data.frame["family"].to_numpy(dtype=object)
    for index, order in enumerate(data.working):
        sent = int(data.sent[index])
        open_then = open_trades_at(data, sent)
        if int(open_then.sum()) + index + 1 > cap:
            found.add(RuleId.TOO_MANY_CONCURRENT, [0], [_session_ordinal(sent)], [sent])
        opened = open_then & (families == order.family)
        earlier = sum(
            (o.max_loss_usd for o in data.working[:index] if o.family == order.family), Decimal(0)
        )
        risk = Decimal(int(data.max_loss[opened].sum())).scaleb(-2) + earlier + order.max_loss_usd
        if not limit.allows(risk):
            found.add(RuleId.UNDERLYING_RISK_OVER_LIMIT, [0], [_session_ordinal(sent)], [sent])


def _revenge_entry(found: _Found) -> None:
    data = found.data
    guard = data.settings.revenge_guard_minutes * _NS_PER_MINUTE
    picked = found.of(data.last_loss_before)
    has = picked >= 0
    since = found.of(data.opened) - np.where(has, data.closed[np.maximum(picked, 0)], 0)
    found.add_rows(RuleId.REVENGE_ENTRY, has & (since < guard))


def _money(found: _Found, column: str) -> tuple[np.ndarray, np.ndarray]:
    """A nullable cents column from `start` on as (values with 0 for none, known mask)."""
    values = found.column(column)
    return values.fillna(0).to_numpy(dtype=np.int64), ~found.missing(column)


def _closed_beyond_stop(found: _Found) -> None:
    """Closed beyond the entry plan's stop (a plan declared after entry: judged literally)."""
    data = found.data
    net, known = _money(found, "net_pnl_cents")
    stop, has_stop = _money(found, "entry_stop_cents")
    gross = net + found.values("fees_cents", np.int64)
    closed = found.of(data.closed)
    losing = known & (closed != NEVER) & (gross < 0)
    beyond = losing & ~found.of(data.later_plans) & has_stop & (-gross > stop)
    found.add(
        RuleId.CLOSED_BEYOND_STOP,
        found.of(data.ids)[beyond],
        found.values("close_session", np.int64)[beyond],
        closed[beyond],
    )


def _no_planned_exit(found: _Found) -> None:
    """No plan in force at entry: none journaled, none by playbook (a later one never counts)."""
    unplanned = (
        found.missing("profit_target_cents")
        & found.missing("stop_loss_cents")
        & found.missing("time_exit_at")
        & ~found.values("plan_by_playbook", bool)
    )
    found.add_rows(RuleId.NO_PLANNED_EXIT, unplanned)


def _risky_order_refused(found: _Found) -> None:
    refused = [alert for alert in found.data.alerts if alert.rule in RISKY_REFUSAL_ALERTS]
    found.add(
        RuleId.RISKY_ORDER_REFUSED,
        [alert.trade_id or 0 for alert in refused],
        [alert.session.toordinal() for alert in refused],
        [instant_ns(alert.raised_at) for alert in refused],
        [alert.id for alert in refused],
    )


def _held_past_time_exit(found: _Found, *, still_open: bool) -> None:
    """Held past the entry plan's time exit: the closed trades (their close decides), or the
    ones still open (`now` decides)."""
    data = found.data
    closed = found.of(data.closed)
    rows = np.flatnonzero((closed == NEVER) == still_open)
    column = pd.DatetimeIndex(found.column("entry_time_exit_at").take(rows)).as_unit("ns")
    has_deadline = ~np.asarray(column.isna(), dtype=bool)
    deadline = np.where(has_deadline, column.asi8, 0).astype(np.int64)
    end = np.where(closed[rows] == NEVER, instant_ns(data.now), closed[rows])
    late = has_deadline & ~found.of(data.later_plans)[rows] & (end > deadline)
    found.add(
        RuleId.HELD_PAST_TIME_EXIT,
        found.of(data.ids)[rows[late]],
        _sessions_of_ns(deadline[late]),
        deadline[late],
    )


def _review_rows(found: _Found) -> tuple[np.ndarray, np.ndarray]:
    """Each trade's review moment (its close, else its entry) and that moment's session."""
    data = found.data
    closed = found.of(data.closed)
    is_closed = closed != NEVER
    moment = np.where(is_closed, closed, found.of(data.opened))
    session = np.where(is_closed, found.values("close_session", np.int64), found.of(data.sessions))
    return moment, session


def _plan_not_followed(found: _Found) -> None:
    answer = found.column("followed_plan")
    broken = ~found.missing("followed_plan") & ~answer.fillna(True).to_numpy(dtype=bool)
    moment, session = _review_rows(found)
    found.add(
        RuleId.PLAN_NOT_FOLLOWED, found.of(found.data.ids)[broken], session[broken], moment[broken]
    )


def _manual_mistakes(found: _Found) -> None:
    counts = found.values("mistakes", np.int64)
    moment, session = _review_rows(found)
    found.add(
        RuleId.MANUAL_MISTAKE,
        np.repeat(found.of(found.data.ids), counts),
        np.repeat(session, counts),
        np.repeat(moment, counts),
    )
