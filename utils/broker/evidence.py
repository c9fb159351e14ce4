"""The guard's evidence from the cockpit's one reading of the journal and the judge.

    def provide(now):
        return guard_evidence(gather_evidence(stores, settings=settings, root=ROOT, now=now))

    guard = BrokerGuard.open(
        settings, evidence=provide, journal=stores.journal, alerts=stores.alerts,
        latch=stores.latch, sandbox_store=stores.sandbox,
    )

Open spreads are grouped by the mode they ran in, so a LIVE order is checked against the LIVE
book (concurrency, 20 % per underlying, closing legs) and a practice order against its own.
The last losing close (for the revenge guard) counts in every mode: tilt does not check the mode.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from utils.broker.models import GuardEvidence
from utils.judge.evidence import CockpitEvidence
from utils.journal.trade import Mode, Trade, TradeStatus
from utils.broker.order_intent import OpenPosition
from utils.spreads.legs import Leg


def open_position(trade: Trade) -> OpenPosition:
    """An open journaled spread as the pre-trade checks see it (1R at entry plus its fees)."""
    return OpenPosition(
        position_id=str(trade.id),
        underlying=trade.underlying,
        max_loss_usd=trade.max_loss_usd + trade.open_fees_usd,
        legs=tuple(
            Leg.from_occ(
                leg.occ_symbol,
                leg.action,
                leg.quantity,
                underlying=trade.underlying,
                multiplier=trade.multiplier,
            )
            for leg in trade.legs
        ),
    )


def last_loss_at(trades: tuple[Trade, ...] | list[Trade]) -> datetime | None:
    """When the latest losing trade closed (None when none has)."""
    return max(
        (
            t.closed_at
            for t in trades
            if t.closed_at is not None and t.net_pnl_usd is not None and t.net_pnl_usd < 0
        ),
        default=None,
    )


def guard_evidence(evidence: CockpitEvidence) -> GuardEvidence:
    """The guard's view of one `CockpitEvidence` reading."""
    by_mode: dict[Mode, list[OpenPosition]] = defaultdict(list)
    for trade in evidence.trades:
        if trade.status is TradeStatus.OPEN:
            by_mode[trade.mode].append(open_position(trade))
    return GuardEvidence(
        gates=evidence.gates,
        sandbox=evidence.sandbox,
        ladder_level=evidence.ramp.limits.requested_level,
        ramp_stage=evidence.ramp.stage,
        open_positions=tuple(p for positions in by_mode.values() for p in positions),
        open_positions_by_mode={mode: tuple(positions) for mode, positions in by_mode.items()},
        last_loss_at=last_loss_at(evidence.trades),
        rollback_triggers=evidence.triggers,
    )
