"""Shared loader for tests/fixtures/spread_vectors.json (the research file's known answers)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from utils.spreads.legs import Leg, LegAction
from utils.spreads.spread import Spread
from utils.spreads.symbols import OptionSymbol, OptionType

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "spread_vectors.json"


@cache
def vectors() -> dict[str, Any]:
    """The whole fixture file, parsed once."""
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def money(value: str | None) -> Decimal | None:
    """A fixture amount as Decimal (None stays None: unbounded or not computable)."""
    return None if value is None else Decimal(value)


def spread_from_vector(vector: dict[str, Any]) -> Spread:
    """Build the opening spread a vector describes: ratio x quantity contracts per leg."""
    legs = []
    for spec in vector["legs"]:
        ratio = spec["ratio"]
        legs.append(
            Leg(
                symbol=OptionSymbol(
                    root=vector["underlying"],
                    expiration=date.fromisoformat(spec.get("expiration", vector["expiration"])),
                    option_type=OptionType(spec["type"]),
                    strike=Decimal(spec["strike"]),
                ),
                action=LegAction.BUY_TO_OPEN if ratio > 0 else LegAction.SELL_TO_OPEN,
                quantity=abs(ratio) * vector["quantity"],
            )
        )
    return Spread(
        legs=tuple(legs), price=Decimal(vector["price"]), price_effect=vector["price_effect"]
    )
