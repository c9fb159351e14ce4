"""What an import does to the rollback protocol: an import never sets the latch silently.

An imported history can break the rules (discipline below the gate, a losing last 10 trades).
The broker guard latches every rollback trigger that holds at its next reading, so the import
result says which triggers the import made fire:

    watch = watch_rollback(journal, alert_store.alerts, settings=settings, now=now)
    report = watch.reported(journal.import_tastytrade_csv(path, mode=Mode.LIVE))
    report.rollback   # the sentences of the triggers the import made fire (empty when none)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from utils.core.config import Settings
from utils.core.sessions import to_utc
from utils.journal.import_report import ImportReport
from utils.journal.store import Journal
from utils.journal.trade import Trade
from utils.judge.discipline import evaluate_discipline
from utils.judge.metrics import ROLLBACK_WINDOW_TRADES
from utils.judge.rollback import rollback_triggers
from utils.records.alerts import Alert
from utils.records.latch import RollbackTrigger, TriggerCode

LATCH_CONSEQUENCE = (
    "The broker guard sets the rollback latch at its next check: opening orders stop at the "
    "dry-run until the trigger no longer holds and you clear the latch on the Broker card."
)


def triggers_now(
    journal: Journal, alerts: Sequence[Alert], *, settings: Settings, now: datetime
) -> list[RollbackTrigger]:
    """The rollback triggers the journal and alerts make hold at `now` (the history judged from
    the journal's judging frame; models built only for the trades a trigger reads)."""
    frame = journal.judging_frame()
    discipline = evaluate_discipline(
        frame,
        load_trades=journal.trades_by_ids,
        settings=settings,
        now=now,
        alerts=alerts,
        journaled_sessions=journal.journaled_sessions(),
    )
    return rollback_triggers(
        trades=_last_closed(journal, frame, now),
        discipline_score=discipline.score,
        alerts=alerts,
        settings=settings,
        now=now,
    )


def _last_closed(journal: Journal, frame: pd.DataFrame, now: datetime) -> list[Trade]:
    """The trades the last-10 trigger reads: the last ROLLBACK_WINDOW_TRADES closed at or before
    `now`, in close order (close time, then id), as `closed_before` orders them."""
    closed_at = frame["closed_at"]
    closed = frame.loc[closed_at.notna() & (closed_at <= pd.Timestamp(to_utc(now)))]
    last = closed.sort_values(["closed_at", "id"]).tail(ROLLBACK_WINDOW_TRADES)
    return journal.trades_by_ids(last["id"].tolist())


def changed_journal(report: ImportReport) -> bool:
    """True when the import committed a change (trades added or closed, a playbook declared);
    an import that changed nothing made no trigger fire, so the journal is not judged again."""
    return report.committed and report.added + report.closed + report.playbook_declared > 0


@dataclass(frozen=True)
class RollbackWatch:
    """The rollback triggers holding before an import, to tell which ones it made fire."""

    journal: Journal
    alerts: Callable[[], Sequence[Alert]]
    settings: Settings
    now: datetime
    before: frozenset[TriggerCode]

    def news(self) -> tuple[str, ...]:
        """Each trigger holding now and not before, then what follows (empty when none)."""
        fired = [
            trigger
            for trigger in triggers_now(
                self.journal, self.alerts(), settings=self.settings, now=self.now
            )
            if trigger.code not in self.before
        ]
        if not fired:
            return ()
        return tuple(f"{t.code}: {t.sentence}" for t in fired) + (LATCH_CONSEQUENCE,)

    def reported(self, report: ImportReport) -> ImportReport:
        """The import's report, with the triggers a committed import made fire (`rollback`)."""
        if not changed_journal(report):
            return report
        news = self.news()
        return report.model_copy(update={"rollback": news}) if news else report


def watch_rollback(
    journal: Journal,
    alerts: Callable[[], Sequence[Alert]],
    *,
    settings: Settings,
    now: datetime,
) -> RollbackWatch:
    """Read the triggers holding before an import (`alerts` reads the HIGH alerts)."""
    before = frozenset(t.code for t in triggers_now(journal, alerts(), settings=settings, now=now))
    return RollbackWatch(journal, alerts, settings, now, before)
