"""The pre-trade checks on the order itself and its market: one order at a time (no rolls),
a sane price, no duplicate, the rate limit, and the entry filters (days to expiration, minimum
credit, bid/ask width).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from utils.spreads.price_check import price_anomaly
from utils.broker.order_intent import OrderIntent
from utils.broker.pretrade_context import (
    CheckResult,
    PretradeContext,
    ReasonCode,
    checked,
    opening_only,
    usd_text,
)
from utils.core.sessions import to_utc
from utils.spreads.expirations import trading_days_to_expiration
from utils.spreads.legs import PositionEffect, PriceEffect

DUPLICATE_WINDOW_S = 60
RATE_WINDOW = timedelta(seconds=60)
HUNDRED = Decimal(100)


def check_not_mixed(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """Refuse orders that both close and open legs (rolls): send them as two orders."""
    mixed = intent.position_effect is PositionEffect.MIXED
    sentence = (
        "The order both closes and opens legs (a roll); send the close and the new position as "
        "two orders so each is checked on its own."
        if mixed
        else "The order only opens or only closes."
    )
    return checked(
        ReasonCode.MIXED_OPEN_AND_CLOSE,
        not mixed,
        sentence,
        actions=", ".join(leg.action.value for leg in intent.spread.legs),
    )


def check_price_sane(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """A credit at or beyond the width, or a debit at or beyond it, is a data anomaly."""
    skipped = opening_only(ReasonCode.PRICE_ANOMALY, intent)
    if skipped is not None:
        return skipped
    spread = intent.spread
    max_loss, max_profit = spread.max_loss_usd, spread.max_profit_usd
    anomaly = price_anomaly(spread)
    passed = anomaly is None
    sentence = anomaly or "The price leaves both a possible loss and a possible profit."
    return checked(
        ReasonCode.PRICE_ANOMALY,
        passed,
        sentence,
        max_loss_usd=usd_text(max_loss),
        max_profit_usd=usd_text(max_profit),
    )


def check_duplicate(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """Refuse a reused client order id, or identical content within DUPLICATE_WINDOW_S."""
    for order in ctx.recent_orders:
        if order.client_order_id == intent.client_order_id:
            return checked(
                ReasonCode.DUPLICATE_ORDER,
                False,
                f"Client order id {intent.client_order_id} was already used at "
                f"{to_utc(order.submitted_at).isoformat()}.",
                client_order_id=intent.client_order_id,
            )
    window = timedelta(seconds=DUPLICATE_WINDOW_S)
    for order in ctx.recent_orders:
        age = ctx.now - to_utc(order.submitted_at)
        if order.fingerprint == intent.fingerprint and age < window:
            return checked(
                ReasonCode.DUPLICATE_ORDER,
                False,
                f"The same order ({intent.fingerprint}) was sent {age.total_seconds():.0f} s ago "
                f"as {order.client_order_id}; wait {DUPLICATE_WINDOW_S} s or change it.",
                previous_client_order_id=order.client_order_id,
            )
    return checked(
        ReasonCode.DUPLICATE_ORDER,
        True,
        "Not a repeat of a recent order.",
        client_order_id=intent.client_order_id,
    )


def check_rate_limit(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """At most `orders_per_minute` orders in the 60 s ending now, this one included."""
    start = ctx.now - RATE_WINDOW
    in_window = sum(1 for order in ctx.recent_orders if to_utc(order.submitted_at) > start)
    cap = ctx.settings.orders_per_minute
    passed = in_window + 1 <= cap
    sentence = (
        f"{in_window} order(s) in the last minute; this one makes {in_window + 1} of {cap}."
        if passed
        else f"{in_window} orders in the last minute already: at most {cap} per minute."
    )
    return checked(ReasonCode.RATE_LIMITED, passed, sentence, orders_last_minute=in_window, cap=cap)


def check_dte_window(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """Entries only between entry_dte_min and entry_dte_max calendar days to expiration (DTE
    is calendar days, the trader's convention); the sessions left are shown beside it."""
    skipped = opening_only(ReasonCode.DTE_OUTSIDE_WINDOW, intent)
    if skipped is not None:
        return skipped
    dte = (intent.spread.expiration - ctx.session_day).days
    sessions = trading_days_to_expiration(intent.spread.expiration, ctx.session_day)
    low, high = ctx.settings.entry_dte_min, ctx.settings.entry_dte_max
    passed = low <= dte <= high
    sentence = (
        f"{dte} days to expiration ({sessions} trading sessions), inside the {low}-{high} day "
        "entry window."
        if passed
        else f"{dte} days to expiration ({sessions} trading sessions) is outside the "
        f"{low}-{high} day entry window (tastytrade's practice: enter around 45 DTE)."
    )
    return checked(
        ReasonCode.DTE_OUTSIDE_WINDOW,
        passed,
        sentence,
        dte=dte,
        trading_days=sessions,
        expiration=intent.spread.expiration,
        min=low,
        max=high,
    )


def check_min_credit(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """A credit entry must collect at least min_credit_pct_of_width % of the width at risk."""
    skipped = opening_only(ReasonCode.CREDIT_BELOW_MIN_PCT_OF_WIDTH, intent)
    if skipped is not None:
        return skipped
    spread = intent.spread
    width = spread.risk_width
    if spread.price_effect is PriceEffect.DEBIT or width is None or width <= 0:
        return checked(
            ReasonCode.CREDIT_BELOW_MIN_PCT_OF_WIDTH,
            True,
            "Not applied: only credit entries with a finite width are measured.",
            price_effect=spread.price_effect.value,
        )
    pct = spread.price / width * HUNDRED
    floor = ctx.settings.min_credit_pct_of_width
    passed = pct >= floor
    sentence = (
        f"Credit {spread.price} is {pct:.2f} % of the {width} width (minimum {floor} %)."
        if passed
        else f"Credit {spread.price} is only {pct:.2f} % of the {width} width; the minimum is "
        f"{floor} % (tastytrade aims for about a third)."
    )
    return checked(
        ReasonCode.CREDIT_BELOW_MIN_PCT_OF_WIDTH,
        passed,
        sentence,
        credit=spread.price,
        width=width,
        credit_pct=f"{pct:.2f}",
        min_pct=floor,
    )


def check_bid_ask_width(intent: OrderIntent, ctx: PretradeContext) -> CheckResult:
    """Every leg of an entry needs a quote whose ask - bid is at most max_bid_ask_width_usd."""
    skipped = opening_only(ReasonCode.BID_ASK_TOO_WIDE, intent)
    if skipped is not None:
        return skipped
    cap = ctx.settings.max_bid_ask_width_usd
    missing = [leg.occ for leg in intent.spread.legs if leg.occ not in ctx.quotes]
    if missing:
        return checked(
            ReasonCode.QUOTE_MISSING,
            False,
            f"No bid/ask quote for {', '.join(missing)}: liquidity cannot be checked.",
            missing=", ".join(missing),
        )
    widths = {leg.occ: ctx.quotes[leg.occ].width for leg in intent.spread.legs}
    too_wide = {occ: width for occ, width in widths.items() if width > cap}
    sentence = (
        "Too wide a market: "
        + ", ".join(f"{occ} {width}" for occ, width in too_wide.items())
        + f" (maximum ask - bid {cap})."
        if too_wide
        else f"Every leg's ask - bid is at most {cap} (widest {max(widths.values())})."
    )
    return checked(
        ReasonCode.BID_ASK_TOO_WIDE,
        not too_wide,
        sentence,
        max_width_usd=cap,
        **{occ.replace(" ", "_"): width for occ, width in widths.items()},
    )
