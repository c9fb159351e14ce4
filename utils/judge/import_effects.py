"""What an import does to the rollback protocol: an import never sets the latch silently.

An imported history can break the rules (discipline below the gate, a losing last 10 trades).
The broker guard latches every rollback trigger that holds at its next reading, so the import
result says which triggers the import made fire:

    before = rollback_codes(journal, alerts.alerts(), settings=settings, now=now)
    report = journal.import_tastytrade_csv(path, mode=Mode.LIVE)
    report = with_rollback_news(report, before, journal, alerts.alerts(), settings=settings,
                                now=now)
    report.rollback   # the sentences of the triggers the import made fire (empty when none)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from utils.core.config import Settings
from utils.journal.import_report import ImportReport
from utils.journal.store import Journal
from utils.judge.discipline import evaluate_discipline
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
    """The rollback triggers the journal and alerts make hold at `now`."""
    trades = journal.list_trades()
    discipline = evaluate_discipline(
        trades,
        settings=settings,
        now=now,
        alerts=alerts,
        journaled_sessions=journal.journaled_sessions(),
    )
    return rollback_triggers(
        trades=trades,
        discipline_score=discipline.score,
        alerts=alerts,
        settings=settings,
        now=now,
    )


def rollback_codes(
    journal: Journal, alerts: Sequence[Alert], *, settings: Settings, now: datetime
) -> frozenset[TriggerCode]:
    """The codes of the rollback triggers holding now (read before an import)."""
    return frozenset(t.code for t in triggers_now(journal, alerts, settings=settings, now=now))


def rollback_news(
    before: frozenset[TriggerCode],
    journal: Journal,
    alerts: Sequence[Alert],
    *,
    settings: Settings,
    now: datetime,
) -> tuple[str, ...]:
    """Each rollback trigger holding now and not in `before`, then what follows (empty when
    none fired)."""
    fired = [
        trigger
        for trigger in triggers_now(journal, alerts, settings=settings, now=now)
        if trigger.code not in before
    ]
    if not fired:
        return ()
    return tuple(f"{t.code}: {t.sentence}" for t in fired) + (LATCH_CONSEQUENCE,)


def with_rollback_news(
    report: ImportReport,
    before: frozenset[TriggerCode],
    journal: Journal,
    alerts: Sequence[Alert],
    *,
    settings: Settings,
    now: datetime,
) -> ImportReport:
    """The report, with the rollback triggers a committed import made fire (`rollback`)."""
    if not report.committed:
        return report
    news = rollback_news(before, journal, alerts, settings=settings, now=now)
    return report.model_copy(update={"rollback": news}) if news else report
