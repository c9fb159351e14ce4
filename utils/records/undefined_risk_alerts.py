"""HIGH alerts for trades the journal holds that are not defined-risk spreads.

An import reveals a position opened at the broker that is not a defined-risk spread (a naked
short, a strangle, a ratio, a calendar): the journal keeps it flagged
(`utils.journal.undefined_risk`), and this raises one HIGH alert for each session in which such
a trade opened, never a second one for the same session (re-importing the file, or a second
flagged trade that session, adds none). The alert is an event of now (its halt starts now) that
belongs to the trade's opening session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import groupby
from typing import Any

from utils.journal.import_report import ImportReport
from utils.journal.store import Journal
from utils.journal.undefined_risk import FlaggedTrade
from utils.journal.upload import UploadImport, import_upload
from utils.records.alerts import Alert, AlertRule, AlertStore

RULE = AlertRule.UNDEFINED_RISK_JOURNALED
NAMED = 3  # trades named in one alert's message; the rest are counted


def _message(session: date, trades: list[FlaggedTrade]) -> str:
    named = ", ".join(
        f"trade {t.trade_id} ({t.underlying} {t.shape.lower()})" for t in trades[:NAMED]
    )
    more = f" and {len(trades) - NAMED} more" if len(trades) > NAMED else ""
    return (
        f"{len(trades)} position(s) opened at the broker on {session} are not defined-risk "
        f"spreads: {named}{more}. Journaled as they happened and counted by NOT_DEFINED_RISK."
    )


def alert_undefined_risk_trades(flagged: Sequence[FlaggedTrade], alerts: AlertStore) -> list[Alert]:
    """One HIGH alert per opening session of flagged trades that has none yet; the new ones."""
    alerted = {alert.session for alert in alerts.alerts() if alert.rule is RULE}
    raised = []
    ordered = sorted(flagged, key=lambda trade: (trade.session, trade.trade_id))
    for session, group in groupby(ordered, key=lambda trade: trade.session):
        if session in alerted:
            continue
        trades = list(group)
        raised.append(
            alerts.raise_alert(
                RULE, _message(session, trades), trade_id=trades[0].trade_id, session=session
            )
        )
    return raised


def raise_import_alerts(journal: Journal, alerts: AlertStore, report: ImportReport) -> list[Alert]:
    """After a committed import: the HIGH alerts its flagged trades call for (none otherwise)."""
    if not report.committed:
        return []
    return alert_undefined_risk_trades(journal.flagged_trades(), alerts)


def import_upload_with_alerts(journal: Journal, alerts: AlertStore, **upload: Any) -> UploadImport:
    """`utils.journal.upload.import_upload`, then the HIGH alerts for what it journaled."""
    done = import_upload(journal, **upload)
    raise_import_alerts(journal, alerts, done.report)
    return done
