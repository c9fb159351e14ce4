"""The breaches of a history as arrays, and what a reading on from it keeps of them.

`BreachRows` holds one row per breach (`utils.judge.discipline_history.breach_rows`) in the
violations' order: time, rule order, trade, alert. Most breaches are decided by a trade's own
row, its figures at entry (`utils.judge.entry_figures`) and inputs other than the trades (the
alerts and their halts, the working orders, the settings, the ladder level, the risk capital):
these are the *stable* rows. The rest (the breaches of working orders and alerts, of a trade
still open past its time exit, and the literal rules' over rare trades) are judged anew at
every reading. A reading on from another whose trades are its head, judged from the same other
inputs (`KeptBreaches`), keeps that one's stable rows, merges in those of its new trades and
its own other rows (`merged`), and keeps the rules per session of every session no new row
falls in (`rules_by_session_after`); the answer is exactly the whole sweep's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date

import numpy as np
import pandas as pd

from utils.judge.discipline_rules import DISCIPLINE_RULES, RuleId
from utils.judge.history_sweeps import by_time_then

RULE_IDS = np.array([rule.id for rule in DISCIPLINE_RULES], dtype=object)


@dataclass(frozen=True)
class BreachRows:
    """Breaches as arrays, in the violations' order: the rule (its index in
    `DISCIPLINE_RULES`), trade and alert id (0 for none), session ordinal, instant in ns."""

    rules: np.ndarray
    trade_ids: np.ndarray
    alert_ids: np.ndarray
    sessions: np.ndarray
    at: np.ndarray

    @classmethod
    def ordered(cls, rules, trade_ids, alert_ids, sessions, at) -> BreachRows:
        """Rows in any order, put in the violations' order."""
        order = by_time_then(at, rules, trade_ids, alert_ids)
        return cls(rules[order], trade_ids[order], alert_ids[order], sessions[order], at[order])

    def __len__(self) -> int:
        return len(self.at)

    def where(self, mask: np.ndarray) -> BreachRows:
        """The masked rows, in order."""
        return BreachRows(*(getattr(self, f.name)[mask] for f in fields(self)))

    def frame(self) -> pd.DataFrame:
        """The rows as `BREACH_COLUMNS` (rule id; instant as UTC datetime)."""
        return pd.DataFrame(
            {
                "rule": RULE_IDS[self.rules],
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
        listed = RULE_IDS[rules].tolist()
        return {
            date.fromordinal(session): tuple(listed[start:end])
            for session, start, end in zip(sessions[starts].tolist(), starts.tolist(), ends)
        }


def merged(big: BreachRows, small: BreachRows) -> BreachRows:
    """The rows of two ordered sets, in order (a few rows into many: each placed by its instant,
    then among the rows at that instant by rule, trade and alert)."""
    if not len(small):
        return big
    if not len(big):
        return small
    places = np.searchsorted(big.at, small.at, side="left")
    ends = np.searchsorted(big.at, small.at, side="right")
    for row in np.flatnonzero(ends > places):
        tied = slice(places[row], ends[row])
        rule, trade, alert = small.rules[row], small.trade_ids[row], small.alert_ids[row]
        rules, trades = big.rules[tied], big.trade_ids[tied]
        before = (rules < rule) | (
            (rules == rule)
            & ((trades < trade) | ((trades == trade) & (big.alert_ids[tied] < alert)))
        )
        places[row] += int(np.count_nonzero(before))  # (the rows before it lead the tie)
    return BreachRows(
        *(np.insert(getattr(big, f.name), places, getattr(small, f.name)) for f in fields(big))
    )


@dataclass(frozen=True)
class KeptBreaches:
    """What a reading leaves the next of its breaches: the inputs other than the trades they
    were judged from, how many trades (the first rows of its frame), its stable rows, the
    sessions of its other rows, and the rules broken per session."""

    inputs: tuple[object, ...]
    trades: int
    stable: BreachRows
    other_sessions: frozenset[int]
    by_session: Mapping[date, tuple[RuleId, ...]]


def rules_by_session_after(
    before: Mapping[date, tuple[RuleId, ...]], rows: BreachRows, touched: Iterable[int]
) -> dict[date, tuple[RuleId, ...]]:
    """The rules broken per session of some rows, given `before`: the same of rows that differ
    from them only in the sessions `touched` (ordinals), and `rows`: their rows of (at least)
    those sessions, in order."""
    changed = set(touched)
    kept = {s: rules for s, rules in before.items() if s.toordinal() not in changed}
    picked = np.isin(rows.sessions, np.array(sorted(changed), dtype=np.int64))
    return {**kept, **rows.where(picked).rules_by_session()}
