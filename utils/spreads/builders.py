"""Builders for the named spreads: a vertical, condor or butterfly from its strikes and price."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from utils.spreads.legs import Leg, LegAction, PriceEffect, SpreadError, exact_decimal
from utils.spreads.spread import Spread
from utils.spreads.symbols import OptionSymbol, OptionType


def _leg(
    underlying: str,
    expiration: date,
    kind: OptionType,
    strike: Decimal | int | str,
    action: LegAction,
    quantity: int,
    root: str | None,
    multiplier: int,
) -> Leg:
    if quantity <= 0:
        raise SpreadError(f"quantity {quantity} must be a positive number of spreads")
    symbol = OptionSymbol(
        root=root or underlying,
        expiration=expiration,
        option_type=kind,
        strike=exact_decimal(strike, "strike"),
    )
    return Leg(
        symbol=symbol,
        action=action,
        quantity=quantity,
        underlying=underlying,
        multiplier=multiplier,
    )


def _require_order(strikes: Sequence[Decimal | int | str], message: str) -> None:
    values = [exact_decimal(s, "strike") for s in strikes]
    if any(a >= b for a, b in zip(values, values[1:])):
        raise SpreadError(f"{message} (got {', '.join(str(v) for v in values)})")


def _build(
    underlying: str,
    expiration: date,
    specs: Sequence[tuple[OptionType, Decimal | int | str, LegAction, int]],
    price: Decimal | int | str,
    effect: PriceEffect,
    quantity: int,
    root: str | None,
    multiplier: int,
) -> Spread:
    legs = tuple(
        _leg(underlying, expiration, kind, strike, action, ratio * quantity, root, multiplier)
        for kind, strike, action, ratio in specs
    )
    return Spread(legs=legs, price=exact_decimal(price, "price"), price_effect=effect)


def bull_put_credit(
    underlying: str,
    expiration: date,
    short_strike: Decimal | int | str,
    long_strike: Decimal | int | str,
    credit: Decimal | int | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """Sell the higher put, buy the lower put, for a credit."""
    _require_order([long_strike, short_strike], "a bull put needs long strike < short strike")
    specs = [
        (OptionType.PUT, short_strike, LegAction.SELL_TO_OPEN, 1),
        (OptionType.PUT, long_strike, LegAction.BUY_TO_OPEN, 1),
    ]
    return _build(
        underlying, expiration, specs, credit, PriceEffect.CREDIT, quantity, root, multiplier
    )


def bear_call_credit(
    underlying: str,
    expiration: date,
    short_strike: Decimal | int | str,
    long_strike: Decimal | int | str,
    credit: Decimal | int | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """Sell the lower call, buy the higher call, for a credit."""
    _require_order([short_strike, long_strike], "a bear call needs short strike < long strike")
    specs = [
        (OptionType.CALL, short_strike, LegAction.SELL_TO_OPEN, 1),
        (OptionType.CALL, long_strike, LegAction.BUY_TO_OPEN, 1),
    ]
    return _build(
        underlying, expiration, specs, credit, PriceEffect.CREDIT, quantity, root, multiplier
    )


def bull_call_debit(
    underlying: str,
    expiration: date,
    long_strike: Decimal | int | str,
    short_strike: Decimal | int | str,
    debit: Decimal | int | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """Buy the lower call, sell the higher call, for a debit."""
    _require_order([long_strike, short_strike], "a bull call needs long strike < short strike")
    specs = [
        (OptionType.CALL, long_strike, LegAction.BUY_TO_OPEN, 1),
        (OptionType.CALL, short_strike, LegAction.SELL_TO_OPEN, 1),
    ]
    return _build(
        underlying, expiration, specs, debit, PriceEffect.DEBIT, quantity, root, multiplier
    )


def bear_put_debit(
    underlying: str,
    expiration: date,
    long_strike: Decimal | int | str,
    short_strike: Decimal | int | str,
    debit: Decimal | int | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """Buy the higher put, sell the lower put, for a debit."""
    _require_order([short_strike, long_strike], "a bear put needs short strike < long strike")
    specs = [
        (OptionType.PUT, long_strike, LegAction.BUY_TO_OPEN, 1),
        (OptionType.PUT, short_strike, LegAction.SELL_TO_OPEN, 1),
    ]
    return _build(
        underlying, expiration, specs, debit, PriceEffect.DEBIT, quantity, root, multiplier
    )


def iron_condor(
    underlying: str,
    expiration: date,
    long_put: Decimal | int | str,
    short_put: Decimal | int | str,
    short_call: Decimal | int | str,
    long_call: Decimal | int | str,
    credit: Decimal | int | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """+P long_put, -P short_put, -C short_call, +C long_call (strikes increasing) for a credit.

    Wings may be uneven; the risk is then the wider wing minus the full credit.
    """
    _require_order(
        [long_put, short_put, short_call, long_call],
        "an iron condor needs long put < short put < short call < long call",
    )
    specs = [
        (OptionType.PUT, long_put, LegAction.BUY_TO_OPEN, 1),
        (OptionType.PUT, short_put, LegAction.SELL_TO_OPEN, 1),
        (OptionType.CALL, short_call, LegAction.SELL_TO_OPEN, 1),
        (OptionType.CALL, long_call, LegAction.BUY_TO_OPEN, 1),
    ]
    return _build(
        underlying, expiration, specs, credit, PriceEffect.CREDIT, quantity, root, multiplier
    )


def iron_butterfly(
    underlying: str,
    expiration: date,
    long_put: Decimal | int | str,
    center: Decimal | int | str,
    long_call: Decimal | int | str,
    credit: Decimal | int | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """An iron condor whose short put and short call share the `center` strike."""
    _require_order(
        [long_put, center, long_call], "an iron butterfly needs long put < center < long call"
    )
    specs = [
        (OptionType.PUT, long_put, LegAction.BUY_TO_OPEN, 1),
        (OptionType.PUT, center, LegAction.SELL_TO_OPEN, 1),
        (OptionType.CALL, center, LegAction.SELL_TO_OPEN, 1),
        (OptionType.CALL, long_call, LegAction.BUY_TO_OPEN, 1),
    ]
    return _build(
        underlying, expiration, specs, credit, PriceEffect.CREDIT, quantity, root, multiplier
    )


def _butterfly(
    underlying: str,
    expiration: date,
    option_type: OptionType | str,
    strikes: tuple[Decimal | int | str, Decimal | int | str, Decimal | int | str],
    price: Decimal | int | str,
    effect: PriceEffect,
    quantity: int,
    root: str | None,
    multiplier: int,
) -> Spread:
    lower, middle, upper = strikes
    kind = OptionType(option_type)
    specs = [
        (kind, lower, LegAction.BUY_TO_OPEN, 1),
        (kind, middle, LegAction.SELL_TO_OPEN, 2),
        (kind, upper, LegAction.BUY_TO_OPEN, 1),
    ]
    return _build(underlying, expiration, specs, price, effect, quantity, root, multiplier)


def long_butterfly(
    underlying: str,
    expiration: date,
    option_type: OptionType | str,
    lower: Decimal | int | str,
    middle: Decimal | int | str,
    upper: Decimal | int | str,
    debit: Decimal | int | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """+1 lower, -2 middle, +1 upper of one option type, equal wings, for a debit."""
    _require_order([lower, middle, upper], "a butterfly needs lower < middle < upper")
    if exact_decimal(middle, "strike") * 2 != exact_decimal(lower, "strike") + exact_decimal(
        upper, "strike"
    ):
        raise SpreadError(
            f"a long butterfly needs equal wings (got {lower}/{middle}/{upper}); unequal wings "
            "make a broken-wing butterfly"
        )
    return _butterfly(
        underlying,
        expiration,
        option_type,
        (lower, middle, upper),
        debit,
        PriceEffect.DEBIT,
        quantity,
        root,
        multiplier,
    )


def broken_wing_butterfly(
    underlying: str,
    expiration: date,
    option_type: OptionType | str,
    lower: Decimal | int | str,
    middle: Decimal | int | str,
    upper: Decimal | int | str,
    price: Decimal | int | str,
    price_effect: PriceEffect | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """+1 lower, -2 middle, +1 upper with unequal wings, for a credit or a debit."""
    _require_order([lower, middle, upper], "a butterfly needs lower < middle < upper")
    return _butterfly(
        underlying,
        expiration,
        option_type,
        (lower, middle, upper),
        price,
        PriceEffect(price_effect),
        quantity,
        root,
        multiplier,
    )


def short_butterfly(
    underlying: str,
    expiration: date,
    option_type: OptionType | str,
    lower: Decimal | int | str,
    middle: Decimal | int | str,
    upper: Decimal | int | str,
    credit: Decimal | int | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """-1 lower, +2 middle, -1 upper of one option type, equal wings, for a credit."""
    _require_order([lower, middle, upper], "a butterfly needs lower < middle < upper")
    if exact_decimal(middle, "strike") * 2 != exact_decimal(lower, "strike") + exact_decimal(
        upper, "strike"
    ):
        raise SpreadError(f"a short butterfly needs equal wings (got {lower}/{middle}/{upper})")
    kind = OptionType(option_type)
    specs = [
        (kind, lower, LegAction.SELL_TO_OPEN, 1),
        (kind, middle, LegAction.BUY_TO_OPEN, 2),
        (kind, upper, LegAction.SELL_TO_OPEN, 1),
    ]
    return _build(
        underlying, expiration, specs, credit, PriceEffect.CREDIT, quantity, root, multiplier
    )


LegSpec = tuple[OptionType, Decimal, int]  # type, strike, signed ratio (+ bought, - sold)


def custom_spread(
    underlying: str,
    expiration: date,
    legs: Sequence[LegSpec],
    price: Decimal | int | str,
    price_effect: PriceEffect | str,
    quantity: int = 1,
    *,
    root: str | None = None,
    multiplier: int = 100,
) -> Spread:
    """Any opening legs of one expiration (signed ratios per unit), for a credit or a debit.

    Nothing here proves defined risk: the spread's `proof` says whether it is.
    """
    if not legs:
        raise SpreadError("a spread needs at least one leg")
    specs = [
        (
            kind,
            strike,
            LegAction.BUY_TO_OPEN if ratio > 0 else LegAction.SELL_TO_OPEN,
            abs(ratio),
        )
        for kind, strike, ratio in legs
    ]
    if any(ratio == 0 for _, _, ratio in legs):
        raise SpreadError("every leg needs a ratio of at least 1 (bought +, sold -)")
    return _build(
        underlying,
        expiration,
        specs,
        price,
        PriceEffect(price_effect),
        quantity,
        root,
        multiplier,
    )
