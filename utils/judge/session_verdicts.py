"""Each session's verdict: its journaled actions, the rules broken in it, its HIGH alerts, and
whether it is clean (`utils.judge.discipline`'s definition).

A reading after a change judges the same sessions as the one before, a few of them anew:
`session_verdicts` keeps the verdicts before that are equal to the new ones (frozen models:
the same answer, built once).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np
from pydantic import BaseModel, ConfigDict, computed_field

from utils.core.prevalidated import build_validated, field_names
from utils.core.trading_calendar import next_session_ordinals
from utils.judge.discipline_rules import RuleId
from utils.records.alerts import Alert


class SessionVerdict(BaseModel):
    """One session: its journaled actions, violations and HIGH alerts, and whether it is clean."""

    model_config = ConfigDict(frozen=True)

    session: date
    actions: int
    violations: tuple[RuleId, ...]
    high_alerts: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def clean(self) -> bool:
        """At least one journaled action, no violation and no HIGH alert."""
        return self.actions > 0 and not self.violations and self.high_alerts == 0

    @property
    def reason(self) -> str:
        """Why the session is or is not clean, in plain words."""
        if self.clean:
            return f"{self.session}: clean ({self.actions} journaled action(s))."
        problems = []
        if self.actions == 0:
            problems.append("no journaled action")
        if self.violations:
            problems.append("violations: " + ", ".join(sorted(set(self.violations))))
        if self.high_alerts:
            problems.append(f"{self.high_alerts} HIGH alert(s)")
        return f"{self.session}: not clean ({'; '.join(problems)})."


def _on_sessions(counts: Counter[date]) -> Counter[date]:
    """Counts per day moved to NYSE sessions: a weekend or holiday counts for the next one."""
    days = np.array([day.toordinal() for day in counts], dtype=np.int64)
    sessions = next_session_ordinals(days)
    if np.array_equal(sessions, days):
        return counts
    moved: Counter[date] = Counter()
    for session, count in zip(sessions.tolist(), counts.values()):
        moved[date.fromordinal(session)] += count
    return moved


def session_verdicts(
    actions: Counter[date],
    broken: Mapping[date, tuple[RuleId, ...]],
    alerts: Sequence[Alert],
    today: date,
    before: Sequence[SessionVerdict] = (),
) -> tuple[SessionVerdict, ...]:
    """The verdict of every session up to `today` with an action, a broken rule or an alert
    (each of `alerts` counts as a HIGH alert), oldest first; `before`: verdicts to keep where
    equal."""
    # Stored sessions written before the trading calendar may be weekends or holidays.
    actions = _on_sessions(actions)
    alert_counts = _on_sessions(Counter(alert.session for alert in alerts))
    sessions = sorted(s for s in set(actions) | set(broken) | set(alert_counts) if s <= today)
    known = {verdict.session: verdict for verdict in before}
    # Built from typed values without a second validation (one verdict per session of years of
    # history); one fields-set is shared by all of them.
    names = field_names(SessionVerdict)
    verdicts = []
    for session in sessions:
        count, rules = actions.get(session, 0), broken.get(session, ())
        high = alert_counts.get(session, 0)
        kept = known.get(session)
        if (
            kept is None
            or kept.actions != count
            or kept.violations != rules
            or kept.high_alerts != high
        ):
            values = {"actions": int(count), "violations": tuple(rules), "high_alerts": int(high)}
            kept = build_validated(SessionVerdict, {"session": session, **values}, names)
        verdicts.append(kept)
    return tuple(verdicts)
