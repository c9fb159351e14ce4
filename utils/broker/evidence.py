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
from collections.abc import Sequence
from datetime import datetime

import pandas as pd

from utils.broker.models import GuardEvidence
from utils.judge.evidence import CockpitEvidence
from utils.journal.trade import Mode, Trade
from utils.judge.history import judging_frame_of
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


def last_loss_at(trades: pd.DataFrame | Sequence[Trade]) -> datetime | None:
    """When the latest losing trade closed (None when none has), from the judging frame (or
    journal models, through their frame)."""
    frame = judging_frame_of(trades)
    losing = (frame["net_pnl_cents"] < 0).to_numpy(dtype=bool, na_value=False)
    closes = frame.loc[losing & frame["closed_at"].notna().to_numpy(), "closed_at"]
    return None if closes.empty else closes.max().to_pydatetime()


def guard_evidence(evidence: CockpitEvidence) -> GuardEvidence:
    """The guard's view of one `CockpitEvidence` reading."""
    by_mode: dict[Mode, list[OpenPosition]] = defaultdict(list)
    for trade in evidence.open_trades:
        by_mode[trade.mode].append(open_position(trade))
    return GuardEvidence(
        gates=evidence.gates,
        sandbox=evidence.sandbox,
        ladder_level=evidence.ramp.limits.requested_level,
        ramp_stage=evidence.ramp.stage,
        open_positions=tuple(p for positions in by_mode.values() for p in positions),
        open_positions_by_mode={mode: tuple(positions) for mode, positions in by_mode.items()},
        last_loss_at=last_loss_at(evidence.frame),
        rollback_triggers=evidence.triggers,
    )
