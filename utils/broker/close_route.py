"""Where a closing order goes, and whether it closes anything: closes always reach the position.

A closing order goes to the broker holding the journaled trade it closes (the trade's mode: LIVE,
SANDBOX or SIM), whatever the effective mode for entries: a halt, the rollback latch, a failed or
stale gate (forced to SANDBOX) or USE_LIVE=false stop new risk, never the way out of old risk.
Only ALWAYS_DRY_RUN=true, the trader's own "place nothing", stops a close, at the dry-run of the
position's broker. A sandbox that is not safe (`sandbox_problem`) or a broker without a login is
refused, never replaced by another broker.

Before any order reaches `/orders` (the dry-run included), the positions are read from that
broker's account: every leg must reduce a position it holds on the opposite side, by no more than
it holds; otherwise the close is refused (CLOSE_NOT_HELD_AT_BROKER; the pre-trade
check CLOSE_WITHOUT_POSITION is the journal's view of the same question).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from utils.broker.fills import MODE_OF_TARGET
from utils.journal.trade import Mode
from utils.judge.mode import (
    BrokerTarget,
    EffectiveMode,
    ModeCode,
    ModeDecision,
    ModeIntent,
    ModeReason,
    sandbox_problem,
)
from utils.spreads.legs import Leg
from utils.spreads.symbols import SymbolError, parse_occ
from utils.tastytrade.accounts import Position

TARGET_OF_MODE = {mode: target for target, mode in MODE_OF_TARGET.items()}
MODES_OF_TARGET = {
    BrokerTarget.SIM: (EffectiveMode.SIM, EffectiveMode.SIM),
    BrokerTarget.SANDBOX: (EffectiveMode.SANDBOX, EffectiveMode.SANDBOX_DRY_RUN),
    BrokerTarget.LIVE: (EffectiveMode.LIVE, EffectiveMode.LIVE_DRY_RUN),
}


def close_route(intent: ModeIntent, decision: ModeDecision, position: Mode) -> ModeDecision:
    """The decision a closing order of a `position`-mode trade runs under: that trade's broker,
    submitting after confirmation unless ALWAYS_DRY_RUN=true (entries keep `decision`)."""
    target = TARGET_OF_MODE[position]
    dry_run = intent.always_dry_run or decision.dry_run or target is not decision.target
    follows = ModeReason(
        code=ModeCode.CLOSE_FOLLOWS_POSITION,
        sentence=f"A closing order goes to the {target} broker, where its position is, "
        "whatever the mode for new entries.",
        blocking=False,
    )
    return ModeDecision(
        mode=MODES_OF_TARGET[target][dry_run],
        target=target,
        dry_run=dry_run,
        closing_orders_submit=not intent.always_dry_run,
        requested=decision.requested,
        reasons=(*decision.reasons, follows),
        decided_at=decision.decided_at,
    )


def route_problem(intent: ModeIntent, position: Mode) -> str | None:
    """Why the broker of a `position`-mode trade cannot be reached safely (None when it can)."""
    target = TARGET_OF_MODE[position]
    if target is BrokerTarget.SANDBOX:
        if not intent.sandbox_credentials:
            return "no sandbox login is configured"
        problem = sandbox_problem(intent)
        if problem is not None:
            return problem.sentence
    if target is BrokerTarget.LIVE and not intent.live_credentials:
        return "no live login is configured"
    return None


def held_quantities(positions: Sequence[Position]) -> dict[str, Decimal]:
    """Signed quantity held per OCC option symbol (short negative); other symbols are skipped."""
    held: dict[str, Decimal] = {}
    for position in positions:
        try:
            symbol = parse_occ(position.symbol).occ
        except SymbolError:
            continue
        held[symbol] = held.get(symbol, Decimal(0)) + position.signed_quantity
    return held


def unheld_legs(legs: Sequence[Leg], positions: Sequence[Position]) -> list[str]:
    """The closing legs that would not reduce a position the broker holds (empty when all do)."""
    held = held_quantities(positions)
    missing = []
    for leg in legs:
        have = held.get(leg.occ, Decimal(0))
        if have * leg.sign >= 0 or abs(have) < leg.quantity:
            missing.append(f"{leg.action.value} {leg.quantity} {leg.occ} (held: {have})")
    return missing
