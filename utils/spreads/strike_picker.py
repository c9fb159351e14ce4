"""The strikes a structure starts from, picked from the listed strikes of one expiration.

By delta where the quotes carry greeks (short credit legs near 0.30 delta, iron condor shorts
near 0.16, debit spreads and butterflies at the money near 0.50), else by distance from the
underlying's price (3 % out for a credit vertical's short, 5 % for a condor's). Wings are one
"width" away: the round number (1, 2, 2.5, 5, 10, 20, 25, 50, 100) nearest 1 % of the price and at
least the strike spacing there, then the listed strike nearest that distance beyond the short.
A trader edits the result freely; this is a starting point, not advice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from utils.spreads.chain import LegQuote, ListedExpiration, MarketGap, MarketGapCode
from utils.spreads.symbols import OptionType

CALL, PUT = OptionType.CALL, OptionType.PUT
ROUND_WIDTHS = tuple(Decimal(w) for w in ("1", "2", "2.5", "5", "10", "20", "25", "50", "100"))
WIDTH_OF_PRICE = Decimal("0.01")


def strike_text(strike: Decimal) -> str:
    """A strike as a trader writes it: `520`, `212.5`."""
    return format(strike.normalize(), "f")


class StrikePick(BaseModel):
    """What the chain proposes for the ticket's strikes field, and how it was picked."""

    model_config = ConfigDict(frozen=True)

    text: str
    by_delta: bool
    sentence: str


class _Picker:
    """Listed strikes of one expiration, the underlying price and the quotes' deltas."""

    def __init__(
        self, listed: ListedExpiration, spot: Decimal, quotes: Mapping[str, LegQuote]
    ) -> None:
        self.listed = listed
        self.strikes = listed.strikes
        self.spot = spot
        self.quotes = quotes
        self.used_delta = False
        self.width = self._width()

    def _width(self) -> Decimal:
        near = sorted(sorted(self.strikes, key=lambda k: abs(k - self.spot))[:3])
        spacing = min((b - a for a, b in zip(near, near[1:])), default=Decimal(1))
        target = self.spot * WIDTH_OF_PRICE
        fitting = [w for w in ROUND_WIDTHS if w >= spacing] or [spacing]
        return min(fitting, key=lambda w: (abs(w - target), w))

    def nearest(self, price: Decimal) -> Decimal:
        """The listed strike closest to `price`."""
        return min(self.strikes, key=lambda k: (abs(k - price), k))

    def at_delta(self, kind: OptionType, delta: float, fallback: Decimal) -> Decimal:
        """The strike whose |delta| is nearest `delta`; without deltas, the one nearest
        `fallback` (a price)."""
        found = [
            (abs(abs(quote.delta) - delta), strike)
            for strike in self.strikes
            if (quote := self.quotes.get(self.listed.symbol(kind, strike))) is not None
            and quote.delta is not None
        ]
        if not found:
            return self.nearest(fallback)
        self.used_delta = True
        return min(found)[1]

    def away(self, strike: Decimal, direction: int, widths: int = 1) -> Decimal:
        """The listed strike nearest `widths` widths above (+1) or below (-1) `strike`."""
        beyond = [k for k in self.strikes if (k - strike) * direction > 0]
        if not beyond:
            side = "above" if direction > 0 else "below"
            raise ValueError(f"the chain lists no strike {side} {strike}")
        return min(beyond, key=lambda k: (abs(k - (strike + direction * widths * self.width)), k))

    def moved(self, fraction: str) -> Decimal:
        """The price `fraction` away from the spot (e.g. "-0.03" is 3 % below)."""
        return self.spot * (1 + Decimal(fraction))

    def fly(self) -> tuple[Decimal, Decimal, Decimal]:
        """An at-the-money butterfly with equal listed wings."""
        center = self.nearest(self.spot)
        for widths in (1, 2, 3):
            low, high = center - widths * self.width, center + widths * self.width
            if low in self.strikes and high in self.strikes:
                return low, center, high
        return self.away(center, -1), center, self.away(center, +1)


def _credit_put(p: _Picker) -> tuple[Decimal, ...]:
    short = p.at_delta(PUT, 0.30, p.moved("-0.03"))
    return p.away(short, -1), short


def _credit_call(p: _Picker) -> tuple[Decimal, ...]:
    short = p.at_delta(CALL, 0.30, p.moved("0.03"))
    return short, p.away(short, +1)


def _debit_call(p: _Picker) -> tuple[Decimal, ...]:
    long = p.at_delta(CALL, 0.50, p.spot)
    return long, p.away(long, +1)


def _debit_put(p: _Picker) -> tuple[Decimal, ...]:
    long = p.at_delta(PUT, 0.50, p.spot)
    return p.away(long, -1), long


def _condor_shorts(p: _Picker) -> tuple[Decimal, Decimal]:
    return p.at_delta(PUT, 0.16, p.moved("-0.05")), p.at_delta(CALL, 0.16, p.moved("0.05"))


def _iron_condor(p: _Picker) -> tuple[Decimal, ...]:
    short_put, short_call = _condor_shorts(p)
    return p.away(short_put, -1), short_put, short_call, p.away(short_call, +1)


def _at_the_money_fly(p: _Picker) -> tuple[Decimal, ...]:
    return p.fly()


def _call_broken_wing(p: _Picker) -> tuple[Decimal, ...]:
    lower = p.at_delta(CALL, 0.40, p.moved("0.01"))
    middle = p.away(lower, +1)
    return lower, middle, p.away(middle, +1, widths=2)


def _put_broken_wing(p: _Picker) -> tuple[Decimal, ...]:
    upper = p.at_delta(PUT, 0.40, p.moved("-0.01"))
    middle = p.away(upper, -1)
    return p.away(middle, -1, widths=2), middle, upper


def _custom_legs(p: _Picker, sign: int) -> str:
    """An iron condor with a wider call wing (sign +1: sold for a credit), or the same legs
    bought for a debit (sign -1): four legs a trader then edits."""
    short_put, short_call = _condor_shorts(p)
    long_put, long_call = p.away(short_put, -1), p.away(short_call, +1, widths=2)
    k = strike_text
    return (
        f"{sign:+d} P {k(long_put)}, {-sign:+d} P {k(short_put)}, "
        f"{-sign:+d} C {k(short_call)}, {sign:+d} C {k(long_call)}"
    )


def _call_debit_broken_wing(p: _Picker) -> tuple[Decimal, ...]:
    """A call fly at the money whose upper wing is one listed strike wider: usually a debit."""
    lower, middle, upper = p.fly()
    return lower, middle, p.away(upper, +1, widths=0)


def _put_debit_broken_wing(p: _Picker) -> tuple[Decimal, ...]:
    """A put fly at the money whose lower wing is one listed strike wider: usually a debit."""
    lower, middle, upper = p.fly()
    return p.away(lower, -1, widths=0), middle, upper


RECIPES: dict[str, Callable[[_Picker], tuple[Decimal, ...] | str]] = {
    "bull_put": _credit_put,
    "bear_call": _credit_call,
    "bull_call": _debit_call,
    "bear_put": _debit_put,
    "iron_condor": _iron_condor,
    "iron_butterfly": _at_the_money_fly,
    "call_butterfly": _at_the_money_fly,
    "put_butterfly": _at_the_money_fly,
    "short_call_butterfly": _at_the_money_fly,
    "short_put_butterfly": _at_the_money_fly,
    "bwb_call_credit": _call_broken_wing,
    "bwb_call_debit": _call_debit_broken_wing,
    "bwb_put_credit": _put_broken_wing,
    "bwb_put_debit": _put_debit_broken_wing,
    "custom_credit": lambda p: _custom_legs(p, +1),
    "custom_debit": lambda p: _custom_legs(p, -1),
}


def pick_strikes(
    structure: str,
    listed: ListedExpiration,
    spot: Decimal | None,
    quotes: Mapping[str, LegQuote],
) -> StrikePick | MarketGap:
    """The structure's starting strikes from the listed ones (by delta where quotes carry it,
    else by distance from `spot`), or why the chain cannot propose any."""
    recipe = RECIPES.get(structure)
    if recipe is None or spot is None or not listed.strikes:
        missing = "no quote for the underlying" if spot is None else "no listed strikes"
        return MarketGap(
            code=MarketGapCode.NOT_LISTED,
            sentence=f"The chain cannot pick strikes ({missing}): type them.",
        )
    picker = _Picker(listed, spot, quotes)
    try:
        picked = recipe(picker)
    except ValueError as error:
        return MarketGap(code=MarketGapCode.NOT_LISTED, sentence=f"{error}: type the strikes.")
    text = picked if isinstance(picked, str) else ", ".join(strike_text(k) for k in picked)
    how = (
        "by delta from the quotes' greeks"
        if picker.used_delta
        else "by distance from the underlying's price (the quotes carry no greeks)"
    )
    return StrikePick(
        text=text,
        by_delta=picker.used_delta,
        sentence=f"Strikes picked from the chain {how}; wings {strike_text(picker.width)} wide.",
    )
