"""The judges' first, literal implementations over `Trade` models (before the judging frame).

Gates, ramp, rollback, coach, open risk and the guard's last loss now judge from the judging
frame; these are their model-by-model originals, kept so property tests can show the frame
decides exactly as the models did.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from utils.core.config import Settings
from utils.core.money import plain_usd, usd
from utils.core.sessions import new_york_day, to_utc
from utils.journal.trade import Mode, Trade
from utils.judge.coach import (
    DEFAULT_TARGET_PCT,
    FULL_LOSS_R,
    HUNDRED,
    LOSSES_LOOKED_AT,
    MIN_FULL_LOSSES,
    MIN_QUICK_LOSSES,
    MIN_WINNERS,
    TARGET_SLACK_PCT,
    TRADES_FOR_FULL_LOSSES,
    WINNERS_LOOKED_AT,
    CoachAdvice,
    CoachCode,
    CoachInput,
    CoachLevel,
    CoachNote,
    _mean,
    _pct,
)
from utils.judge.metrics import (
    ROLLBACK_WINDOW_TRADES,
    closed_before,
    last_n_expectancy,
)
from utils.judge.ramp import DAYS_PER_RAMP_WEEK, RampDecision, RampStage, _ramp
from utils.judge.risk import CENT, RevengeGuard, UnderlyingRiskLimit, open_at
from utils.spreads.families import underlying_family

ZERO = Decimal(0)


def expectancy_exact_usd(closed: Sequence[Trade]) -> Decimal | None:
    """Mean net P&L of closed trades as an exact Decimal (None without closed trades)."""
    pnl = [t.net_pnl_usd for t in closed if t.net_pnl_usd is not None]
    if not pnl:
        return None
    return sum(pnl, ZERO) / len(pnl)


def expectancy_above(closed: Sequence[Trade], threshold_usd: Decimal) -> bool:
    """$ expectancy > threshold, decided exactly: sum(net P&L) > threshold x N (N >= 1)."""
    pnl = [t.net_pnl_usd for t in closed if t.net_pnl_usd is not None]
    return bool(pnl) and sum(pnl, ZERO) > threshold_usd * len(pnl)


def reference_gate_figures(trades: Sequence[Trade], now: datetime) -> dict[str, object]:
    """What MIN_TRADES and POSITIVE_EXPECTANCY read: closed ids, exact expectancy, total."""
    closed = closed_before(trades, now)
    return {
        "trade_ids": tuple(t.id for t in closed),
        "expectancy": expectancy_exact_usd(closed),
        "total": plain_usd(sum((t.net_pnl_usd or ZERO for t in closed), ZERO)),
    }


def reference_ramp_level(
    *, settings: Settings, now: datetime, trades: Sequence[Trade], discipline_score: int
) -> RampDecision:
    """`ramp_level` as first written, at the ladder's top level."""
    moment = to_utc(now)
    level = settings.ladder_max_level
    first_live = min((t.opened_at for t in trades if t.mode is Mode.LIVE), default=None)
    closed = closed_before(trades, moment)
    expectancy_ok = expectancy_above(closed, settings.gate_min_expectancy_usd)
    discipline_ok = discipline_score >= settings.ramp_week2_min_discipline
    needed = (
        f"expectancy > {settings.gate_min_expectancy_usd} and discipline >= "
        f"{settings.ramp_week2_min_discipline}"
    )
    status = (
        f"expectancy {'above' if expectancy_ok else 'not above'} "
        f"{settings.gate_min_expectancy_usd}, discipline {discipline_score}"
    )
    if first_live is None:
        return _ramp(settings, level, RampStage.OBSERVATION, None, None, None, ())
    days = (new_york_day(moment) - new_york_day(first_live)).days
    week = max(days, 0) // DAYS_PER_RAMP_WEEK + 1
    if week == 1:
        return _ramp(settings, level, RampStage.LIVE_WEEK_1, week, first_live, None, ())
    earned = expectancy_ok and discipline_ok
    target = RampStage.LIVE_WEEK_2 if week == 2 else RampStage.LIVE_STEADY
    if earned:
        reason = f"Earned: {needed} ({status})."
        return _ramp(settings, level, target, week, first_live, True, (reason,))
    reason = f"Held at week-1 size: {target.value.replace('_', ' ')} needs {needed} ({status})."
    return _ramp(settings, level, RampStage.LIVE_WEEK_1, week, first_live, False, (reason,))


def reference_last_10(trades: Sequence[Trade], now: datetime) -> dict[str, str] | None:
    """The EXPECTANCY_NEGATIVE_LAST_10 trigger's sentence and evidence, or None."""
    closed = closed_before(trades, now)
    window = last_n_expectancy(closed[-ROLLBACK_WINDOW_TRADES:], ROLLBACK_WINDOW_TRADES)
    if not window.complete:
        return None
    by_id = {t.id: t for t in closed}
    total = sum((by_id[i].net_pnl_usd or ZERO for i in window.trade_ids), ZERO)
    if total >= 0:
        return None
    return {
        "sentence": f"({usd(total / ROLLBACK_WINDOW_TRADES)} per trade)",
        "trade_ids": ", ".join(str(i) for i in window.trade_ids),
        "net_pnl_usd": plain_usd(total),
    }


def reference_open_risk(
    trades: Sequence[Trade], settings: Settings, now: datetime
) -> list[tuple[str, Decimal, Decimal, bool, tuple[int, ...]]]:
    """Per family: open max loss, its share of the capital, within the limit, trade ids."""
    limit = UnderlyingRiskLimit.from_settings(settings)
    totals: dict[str, Decimal] = {}
    ids: dict[str, list[int]] = {}
    for trade in trades:
        if open_at(trade, now):
            family = underlying_family(trade.underlying)
            totals[family] = totals.get(family, ZERO) + trade.max_loss_usd
            ids.setdefault(family, []).append(trade.id)
    rows = []
    for family, total in sorted(totals.items()):
        share = limit.pct_of_capital(total)
        rows.append(
            (
                family,
                total,
                ZERO if share is None else share.quantize(CENT),
                limit.allows(total),
                tuple(sorted(ids[family])),
            )
        )
    return rows


def reference_coach_winners_closed_early(data: CoachInput) -> CoachAdvice | None:
    """Winners closed well before (or after) the planned share of max profit."""
    winners = [
        t
        for t in data.closed
        if t.net_pnl_usd is not None and t.net_pnl_usd > 0 and t.max_profit_usd
    ][-WINNERS_LOOKED_AT:]
    if len(winners) < MIN_WINNERS:
        return None
    captured = _mean([(t.net_pnl_usd + t.fees_usd) / t.max_profit_usd * HUNDRED for t in winners])
    targets = [
        t.profit_target_usd / t.max_profit_usd * HUNDRED
        for t in winners
        if t.profit_target_usd is not None
    ]
    plan = _mean(targets) if targets else DEFAULT_TARGET_PCT
    evidence = {
        "winners": str(len(winners)),
        "captured_pct": _pct(captured),
        "plan_pct": _pct(plan),
        "trade_ids": ", ".join(str(t.id) for t in winners),
    }
    if captured < plan - TARGET_SLACK_PCT:
        note = CoachNote(
            code=CoachCode.WINNERS_CLOSED_EARLY,
            level=CoachLevel.WATCH,
            sentence=f"You closed winners at {_pct(captured)} % of max profit against a "
            f"{_pct(plan)} % plan (last {len(winners)} winners).",
            evidence=evidence,
        )
        action = (
            f"Let winners reach your {_pct(plan)} % target: place the closing order at the "
            "target when you open."
        )
        return CoachAdvice(note=note, action=action, priority=3)
    if captured > plan + TARGET_SLACK_PCT:
        note = CoachNote(
            code=CoachCode.WINNERS_HELD_PAST_TARGET,
            level=CoachLevel.INFO,
            sentence=f"You held winners to {_pct(captured)} % of max profit against a "
            f"{_pct(plan)} % plan: the last dollars carry the most risk.",
            evidence=evidence,
        )
        return CoachAdvice(note=note, action="Take profits at your planned target.", priority=4)
    return None


def reference_coach_losses_after_losses(data: CoachInput) -> CoachAdvice | None:
    """Losses that came soon after a previous losing close (a tilt pattern)."""
    minutes = data.settings.revenge_guard_minutes
    guard = RevengeGuard(minutes).window
    losses = [t for t in data.closed if t.net_pnl_usd is not None and t.net_pnl_usd < 0]
    recent = losses[-LOSSES_LOOKED_AT:]
    # A prior losing close counts when the revenge guard would have refused the entry:
    # 0 <= entry - close < guard, i.e. close in (entry - guard, entry].
    priors = sorted((prior.closed_at, prior.id) for prior in losses if prior.closed_at is not None)
    closes = [closed_at for closed_at, _ in priors]
    quick = [
        loss
        for loss in recent
        if any(
            prior_id != loss.id
            for _, prior_id in priors[
                bisect_right(closes, loss.opened_at - guard) : bisect_right(closes, loss.opened_at)
            ]
        )
    ]
    if len(quick) < MIN_QUICK_LOSSES:
        return None
    note = CoachNote(
        code=CoachCode.LOSSES_AFTER_LOSSES,
        level=CoachLevel.WATCH,
        sentence=f"{len(quick)} of your last {len(recent)} losses came within {minutes} minutes "
        "of a previous loss.",
        evidence={"trade_ids": ", ".join(str(t.id) for t in quick)},
    )
    action = f"After a losing close, step away for {minutes} minutes before the next entry."
    return CoachAdvice(note=note, action=action, priority=2)


def reference_coach_full_losses(data: CoachInput) -> CoachAdvice | None:
    """Trades that ran to (nearly) full max loss: the exit plan was not used."""
    recent = data.closed[-TRADES_FOR_FULL_LOSSES:]
    full = [t for t in recent if t.r_multiple is not None and t.r_multiple <= FULL_LOSS_R]
    if len(full) < MIN_FULL_LOSSES:
        return None
    note = CoachNote(
        code=CoachCode.FULL_LOSSES,
        level=CoachLevel.WATCH,
        sentence=f"{len(full)} of your last {len(recent)} trades lost 90 % or more of their max "
        "loss.",
        evidence={"trade_ids": ", ".join(str(t.id) for t in full)},
    )
    action = "Set a stop when you open (for credit spreads, about 2x the credit) and honour it."
    return CoachAdvice(note=note, action=action, priority=2)


def reference_last_loss_at(trades: Sequence[Trade]) -> datetime | None:
    """When the latest losing trade closed."""
    return max(
        (
            t.closed_at
            for t in trades
            if t.closed_at is not None and t.net_pnl_usd is not None and t.net_pnl_usd < 0
        ),
        default=None,
    )
