"""Rollback triggers (checklist s9): when the evidence says to go back to dry-run.

Each trigger holds while its condition does; a holding trigger sets the persisted rollback latch
(`utils.records.latch`), which forces dry-run until the trader clears it.

- EXPECTANCY_NEGATIVE_LAST_10: the last 10 closed trades (a full window) sum to a loss.
- DISCIPLINE_BELOW_MIN: discipline score < GATE_MIN_DISCIPLINE (70).
- TWO_HIGH_ALERTS_ONE_SESSION: a session with >= 2 HIGH alerts, one of them still live.
- AUTH_ANOMALY / ORDER_ANOMALY: such a HIGH alert still live.

A HIGH alert is live until it is acknowledged and its halt has expired: the trader must look at
it and remediate, and the 24 h always runs out first.

    found = rollback_triggers(trades=trades, discipline_score=discipline.score,
                              alerts=alert_store.alerts(), settings=settings, now=now)
    if found:
        latch.set(found)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

import pandas as pd

from utils.core.money import plain_usd, usd
from utils.core.config import Settings
from utils.core.sessions import to_utc
from utils.journal.trade import Trade
from utils.judge.history import close_order, ids_of, judging_frame_of, net_pnl_total_usd
from utils.judge.metrics import ROLLBACK_WINDOW_TRADES
from utils.records.alerts import Alert, AlertRule
from utils.records.latch import RollbackTrigger, TriggerCode

ANOMALY_TRIGGERS: dict[AlertRule, TriggerCode] = {
    AlertRule.AUTH_ANOMALY: TriggerCode.AUTH_ANOMALY,
    AlertRule.ORDER_ANOMALY: TriggerCode.ORDER_ANOMALY,
}


def alert_is_live(alert: Alert, now: datetime, halt_hours: int) -> bool:
    """Unacknowledged, or its halt still running: the alert still counts for rollback."""
    moment = to_utc(now)
    halt_running = moment < to_utc(alert.raised_at) + timedelta(hours=halt_hours)
    return alert.acknowledged_at is None or halt_running


def _ids(values: Sequence[object]) -> str:
    return ", ".join(str(v) for v in values)


def _trigger_last_10(frame: pd.DataFrame, now: datetime) -> RollbackTrigger | None:
    """The last 10 closed trades (a full window) sum to a loss, decided exactly in cents."""
    # The close order is the metrics': its tail is the window.
    window = frame.take(close_order(frame, now)[-ROLLBACK_WINDOW_TRADES:])
    if len(window) < ROLLBACK_WINDOW_TRADES:
        return None
    total = net_pnl_total_usd(window)
    if total >= 0:
        return None
    mean = total / ROLLBACK_WINDOW_TRADES
    return RollbackTrigger(
        code=TriggerCode.EXPECTANCY_NEGATIVE_LAST_10,
        sentence=f"Expectancy over the last {ROLLBACK_WINDOW_TRADES} trades is negative "
        f"({usd(mean)} per trade).",
        evidence={"trade_ids": _ids(ids_of(window)), "net_pnl_usd": plain_usd(total)},
    )


def _trigger_discipline(score: int, settings: Settings) -> RollbackTrigger | None:
    """Discipline score below GATE_MIN_DISCIPLINE."""
    threshold = settings.gate_min_discipline
    if score >= threshold:
        return None
    return RollbackTrigger(
        code=TriggerCode.DISCIPLINE_BELOW_MIN,
        sentence=f"Discipline {score}/100 is below {threshold}.",
        evidence={"score": str(score), "threshold": str(threshold)},
    )


def _trigger_alert_pile(live: Sequence[Alert], known: Sequence[Alert]) -> RollbackTrigger | None:
    """A session with 2 or more HIGH alerts, one of them still live."""
    counts = Counter(a.session for a in known)
    sessions = sorted({a.session for a in live if counts[a.session] >= 2})
    if not sessions:
        return None
    shown = ", ".join(f"{s} ({counts[s]})" for s in sessions)
    return RollbackTrigger(
        code=TriggerCode.TWO_HIGH_ALERTS_ONE_SESSION,
        sentence=f"2 or more HIGH alerts in one session: {shown}.",
        evidence={
            "sessions": _ids(sessions),
            "alert_ids": _ids([a.id for a in known if a.session in sessions]),
        },
    )


def _trigger_anomaly(live: Sequence[Alert], rule: AlertRule) -> RollbackTrigger | None:
    """An auth or order-placement anomaly alert still live."""
    found = [a for a in live if a.rule is rule]
    if not found:
        return None
    what = "An auth" if rule is AlertRule.AUTH_ANOMALY else "An order-placement"
    return RollbackTrigger(
        code=ANOMALY_TRIGGERS[rule],
        sentence=f"{what} anomaly is unresolved: "
        + "; ".join(f"alert {a.id} ({a.message})" for a in found)
        + ". Acknowledge it once the cause is fixed; it counts at least until its halt ends.",
        evidence={"alert_ids": _ids([a.id for a in found])},
    )


def rollback_triggers(
    *,
    trades: pd.DataFrame | Sequence[Trade],
    discipline_score: int,
    alerts: Sequence[Alert],
    settings: Settings,
    now: datetime,
) -> list[RollbackTrigger]:
    """The rollback triggers that hold at `now`, in checklist order (empty when none); `trades`
    is the judging frame (or journal models, judged through their frame)."""
    moment = to_utc(now)
    known = [a for a in alerts if to_utc(a.raised_at) <= moment]
    live = [a for a in known if alert_is_live(a, moment, settings.halt_hours)]
    found = [
        _trigger_last_10(judging_frame_of(trades), moment),
        _trigger_discipline(discipline_score, settings),
        _trigger_alert_pile(live, known),
        *(_trigger_anomaly(live, rule) for rule in ANOMALY_TRIGGERS),
    ]
    return [trigger for trigger in found if trigger is not None]
