"""Structure recognition: the named shape (vertical, condor, butterfly...) of arbitrary legs."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from functools import reduce
from math import gcd

from utils.spreads.legs import Leg
from utils.spreads.symbols import OptionType


class Structure(StrEnum):
    """Named shapes the cockpit recognises from legs; anything else is `custom`."""

    BULL_PUT_CREDIT = "bull_put_credit"
    BEAR_CALL_CREDIT = "bear_call_credit"
    BULL_CALL_DEBIT = "bull_call_debit"
    BEAR_PUT_DEBIT = "bear_put_debit"
    IRON_CONDOR = "iron_condor"
    IRON_BUTTERFLY = "iron_butterfly"
    LONG_BUTTERFLY = "long_butterfly"
    BROKEN_WING_BUTTERFLY = "broken_wing_butterfly"
    SHORT_BUTTERFLY = "short_butterfly"
    LONG_CALL = "long_call"
    LONG_PUT = "long_put"
    SHORT_CALL = "short_call"
    SHORT_PUT = "short_put"
    RATIO_SPREAD = "ratio_spread"
    CALENDAR = "calendar"
    DIAGONAL = "diagonal"
    CUSTOM = "custom"

    @property
    def label(self) -> str:
        """A human name: `bull_put_credit` -> `Bull put credit`."""
        return self.value.replace("_", " ").capitalize()


def _signed_ratios(legs: Sequence[Leg]) -> list[tuple[OptionType, Decimal, int]]:
    unit = reduce(gcd, (leg.quantity for leg in legs))
    return sorted(
        (leg.option_type, leg.strike, leg.signed_quantity // unit) for leg in legs  # type: ignore
    )


def _recognize_two_expirations(legs: Sequence[Leg]) -> Structure:
    if (
        len(legs) == 2
        and legs[0].option_type is legs[1].option_type
        and legs[0].signed_quantity == -legs[1].signed_quantity
    ):
        return Structure.CALENDAR if legs[0].strike == legs[1].strike else Structure.DIAGONAL
    return Structure.CUSTOM


def _recognize_vertical(kind: OptionType, lower: int, upper: int) -> Structure:
    if (lower, upper) not in ((1, -1), (-1, 1)):
        return Structure.RATIO_SPREAD
    short_is_higher = upper == -1
    if kind is OptionType.PUT:
        return Structure.BULL_PUT_CREDIT if short_is_higher else Structure.BEAR_PUT_DEBIT
    return Structure.BEAR_CALL_CREDIT if not short_is_higher else Structure.BULL_CALL_DEBIT


def _recognize_three(ratios: list[tuple[OptionType, Decimal, int]]) -> Structure:
    (_, k1, n1), (_, k2, n2), (_, k3, n3) = ratios
    equal_wings = k2 - k1 == k3 - k2
    if (n1, n2, n3) == (1, -2, 1):
        return Structure.LONG_BUTTERFLY if equal_wings else Structure.BROKEN_WING_BUTTERFLY
    if (n1, n2, n3) == (-1, 2, -1) and equal_wings:
        return Structure.SHORT_BUTTERFLY
    return Structure.CUSTOM


def _recognize_four(ratios: list[tuple[OptionType, Decimal, int]]) -> Structure:
    calls = [(k, n) for kind, k, n in ratios if kind is OptionType.CALL]
    puts = [(k, n) for kind, k, n in ratios if kind is OptionType.PUT]
    if len(calls) != 2 or len(puts) != 2:
        return Structure.CUSTOM
    (k1, n1), (k2, n2) = puts
    (k3, n3), (k4, n4) = calls
    if (n1, n2, n3, n4) != (1, -1, -1, 1):
        return Structure.CUSTOM
    if k2 < k3:
        return Structure.IRON_CONDOR
    return Structure.IRON_BUTTERFLY if k2 == k3 else Structure.CUSTOM


def recognize_structure(legs: Sequence[Leg]) -> Structure:
    """Name the shape of arbitrary legs (bought = long, sold = short, ratios by their gcd)."""
    if not legs or len({leg.underlying for leg in legs}) > 1:
        return Structure.CUSTOM
    if len({leg.expiration for leg in legs}) > 1:
        return _recognize_two_expirations(legs)
    ratios = _signed_ratios(legs)
    kinds = {kind for kind, _, _ in ratios}
    if len(ratios) == 1:
        kind, _, ratio = ratios[0]
        if kind is OptionType.CALL:
            return Structure.LONG_CALL if ratio > 0 else Structure.SHORT_CALL
        return Structure.LONG_PUT if ratio > 0 else Structure.SHORT_PUT
    if len(ratios) == 2 and len(kinds) == 1:
        (kind, _, lower), (_, _, upper) = ratios
        return _recognize_vertical(kind, lower, upper)
    if len(ratios) == 3 and len(kinds) == 1:
        return _recognize_three(ratios)
    if len(ratios) == 4:
        return _recognize_four(ratios)
    return Structure.CUSTOM
