"""The journal's validated field types: dollars in cents, prices, UTC times, labels, ids, text.

Money is `Decimal` in US dollars with at most 2 decimals (`UsdAmount`); prices are `Decimal` per
share of one spread unit; timestamps are timezone-aware and normalised to UTC (a naive time is
refused).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

from utils.core.money import CENT
from utils.core.sessions import to_utc

LABEL_MAX_CHARS = 60
TEXT_MAX_CHARS = 4000
UNDERLYING_PATTERN = re.compile(r"^[A-Z0-9./]{1,10}$")
BROKER_ORDER_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _money(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError("must be a finite amount")
    if value != value.quantize(CENT):
        raise ValueError(f"{value} has more than 2 decimals (cents)")
    return value.quantize(CENT)


def _fee(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError(
            f"{value} is negative: a fee is a cost, and a negative one would add to P&L"
        )
    return value


def _price(value: Decimal) -> Decimal:
    if not value.is_finite() or value < 0:
        raise ValueError("must be a finite price of 0 or more (its sign is the effect)")
    return value


def _utc(moment: datetime) -> datetime:
    return to_utc(moment)


def clean_label(text: str) -> str:
    """A tag or mistake label, stripped; refused when empty, too long or holding ';'."""
    cleaned = text.strip()
    if not cleaned or len(cleaned) > LABEL_MAX_CHARS:
        raise ValueError(f"a tag or mistake must have 1 to {LABEL_MAX_CHARS} characters")
    if any(ch in cleaned for ch in ";\r\n\t"):
        raise ValueError(f"{cleaned!r} contains ';', a tab or a line break")
    return cleaned


def _labels(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(clean_label(v) for v in values))


def _underlying(text: str) -> str:
    cleaned = text.strip().upper()
    if not UNDERLYING_PATTERN.match(cleaned):
        raise ValueError(f"{text!r} is not an underlying symbol (1-10 of A-Z 0-9 . /)")
    return cleaned


def _order_ids(values: tuple[str, ...]) -> tuple[str, ...]:
    for value in values:
        if not BROKER_ORDER_ID_PATTERN.match(value):
            raise ValueError(f"{value!r} is not a broker order id")
    return tuple(dict.fromkeys(values))


UsdAmount = Annotated[Decimal, AfterValidator(_money)]
FeeUsd = Annotated[Decimal, AfterValidator(_money), AfterValidator(_fee)]  # a cost: never < 0
PricePerShare = Annotated[Decimal, AfterValidator(_price)]
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_utc)]
Labels = Annotated[tuple[str, ...], AfterValidator(_labels)]
Underlying = Annotated[str, AfterValidator(_underlying)]
BrokerOrderIds = Annotated[tuple[str, ...], AfterValidator(_order_ids)]
Text = Annotated[str, Field(min_length=1, max_length=TEXT_MAX_CHARS)]


def _trimmed(text: str | None) -> str | None:
    return (text or "").strip() or None


OptionalText = Annotated[str | None, Field(max_length=TEXT_MAX_CHARS), AfterValidator(_trimmed)]
