"""The ticket's structure menu: every defined-risk shape the proof accepts, with its strikes.

Strikes are typed (or picked from the chain) in increasing order; a custom spread takes legs
("+1 P 520, -1 P 525"). A structure whose price can be either a credit or a debit (broken-wing
butterflies, custom spreads) has one entry per price effect.

| key | structure | strikes (increasing) | price |
|---|---|---|---|
| bull_put / bear_call | credit vertical | long put, short put / short call, long call | credit |
| bull_call / bear_put | debit vertical | long call, short call / short put, long put | debit |
| iron_condor | iron condor | long put, short put, short call, long call | credit |
| iron_butterfly | iron butterfly | long put, center, long call | credit |
| call_butterfly / put_butterfly | long butterfly (equal wings) | lower, middle, upper | debit |
| short_{call,put}_butterfly | short butterfly (equal wings) | lower, middle, upper | credit |
| bwb_{call,put}_{credit,debit} | broken-wing butterfly | lower, middle, upper | either |
| custom_credit / custom_debit | up to 4 legs of one expiration | legs | either |
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict

from utils.spreads.builders import (
    bear_call_credit,
    bear_put_debit,
    broken_wing_butterfly,
    bull_call_debit,
    bull_put_credit,
    custom_spread,
    iron_butterfly,
    iron_condor,
    long_butterfly,
    short_butterfly,
)
from utils.spreads.spread import Spread
from utils.spreads.symbols import OptionType

MAX_CUSTOM_LEGS = 4
CUSTOM_STRIKES = ("legs such as +1 P 520, -1 P 525 (up to 4)",)


class StructureChoice(BaseModel):
    """One entry of the ticket's structure menu."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    strikes: tuple[str, ...]
    price_effect: Literal["Credit", "Debit"]
    custom: bool = False


Builder = Callable[..., Spread]


def _vertical(builder: Builder, swap: bool) -> Builder:
    def build(underlying, expiration, strikes, price, quantity):
        low, high = strikes
        first, second = (high, low) if swap else (low, high)
        return builder(underlying, expiration, first, second, price, quantity)

    return build


def _fly(builder: Builder, option_type: OptionType) -> Builder:
    def build(underlying, expiration, strikes, price, quantity):
        return builder(underlying, expiration, option_type, *strikes, price, quantity)

    return build


def _broken_wing(option_type: OptionType, effect: str) -> Builder:
    def build(underlying, expiration, strikes, price, quantity):
        return broken_wing_butterfly(
            underlying, expiration, option_type, *strikes, price, effect, quantity
        )

    return build


def _custom(effect: str) -> Builder:
    def build(underlying, expiration, legs, price, quantity):
        return custom_spread(underlying, expiration, legs, price, effect, quantity)

    return build


def _choice(key: str, label: str, strikes: str, effect: str, **extra) -> StructureChoice:
    names = tuple(part.strip() for part in strikes.split(","))
    return StructureChoice(key=key, label=label, strikes=names, price_effect=effect, **extra)


FLY = "lower, middle, upper"
_MENU: tuple[tuple[StructureChoice, Builder], ...] = (
    (
        _choice("bull_put", "Bull put credit spread", "long put, short put", "Credit"),
        _vertical(bull_put_credit, swap=True),
    ),
    (
        _choice("bear_call", "Bear call credit spread", "short call, long call", "Credit"),
        _vertical(bear_call_credit, swap=False),
    ),
    (
        _choice("bull_call", "Bull call debit spread", "long call, short call", "Debit"),
        _vertical(bull_call_debit, swap=False),
    ),
    (
        _choice("bear_put", "Bear put debit spread", "short put, long put", "Debit"),
        _vertical(bear_put_debit, swap=True),
    ),
    (
        _choice(
            "iron_condor",
            "Iron condor",
            "long put, short put, short call, long call",
            "Credit",
        ),
        lambda u, e, s, p, q: iron_condor(u, e, *s, p, q),
    ),
    (
        _choice("iron_butterfly", "Iron butterfly", "long put, center, long call", "Credit"),
        lambda u, e, s, p, q: iron_butterfly(u, e, *s, p, q),
    ),
    (
        _choice("call_butterfly", "Long call butterfly", FLY, "Debit"),
        _fly(long_butterfly, OptionType.CALL),
    ),
    (
        _choice("put_butterfly", "Long put butterfly", FLY, "Debit"),
        _fly(long_butterfly, OptionType.PUT),
    ),
    (
        _choice("short_call_butterfly", "Short call butterfly (credit)", FLY, "Credit"),
        _fly(short_butterfly, OptionType.CALL),
    ),
    (
        _choice("short_put_butterfly", "Short put butterfly (credit)", FLY, "Credit"),
        _fly(short_butterfly, OptionType.PUT),
    ),
    (
        _choice("bwb_call_credit", "Broken-wing call butterfly, credit", FLY, "Credit"),
        _broken_wing(OptionType.CALL, "Credit"),
    ),
    (
        _choice("bwb_call_debit", "Broken-wing call butterfly, debit", FLY, "Debit"),
        _broken_wing(OptionType.CALL, "Debit"),
    ),
    (
        _choice("bwb_put_credit", "Broken-wing put butterfly, credit", FLY, "Credit"),
        _broken_wing(OptionType.PUT, "Credit"),
    ),
    (
        _choice("bwb_put_debit", "Broken-wing put butterfly, debit", FLY, "Debit"),
        _broken_wing(OptionType.PUT, "Debit"),
    ),
    (
        StructureChoice(
            key="custom_credit",
            label="Custom spread, credit",
            strikes=CUSTOM_STRIKES,
            price_effect="Credit",
            custom=True,
        ),
        _custom("Credit"),
    ),
    (
        StructureChoice(
            key="custom_debit",
            label="Custom spread, debit",
            strikes=CUSTOM_STRIKES,
            price_effect="Debit",
            custom=True,
        ),
        _custom("Debit"),
    ),
)
STRUCTURES: dict[str, tuple[StructureChoice, Builder]] = {
    choice.key: (choice, builder) for choice, builder in _MENU
}
