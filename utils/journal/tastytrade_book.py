"""What the tastytrade importer needs to know of the journal: known rows, uids and open spreads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict

OPENING = "open"  # fill kinds besides the closing row kinds
DELIVERY = "deliver"


class BookFill(BaseModel):
    """A fill already journaled for an open spread."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    quantity: int
    value_cents: int
    fees_cents: int
    kind: str
    order_id: str | None


class BookSpread(BaseModel):
    """An open spread imported earlier, with its fills."""

    model_config = ConfigDict(frozen=True)

    uid: str
    multiplier: int
    quantity: int
    underlying: str
    opened_at: datetime
    fills: tuple[BookFill, ...]


class JournalBook(BaseModel):
    """What the importer needs from the journal: known row keys, uids and open spreads."""

    model_config = ConfigDict(frozen=True)

    known_row_keys: frozenset[str] = frozenset()
    known_uids: frozenset[str] = frozenset()
    open_spreads: tuple[BookSpread, ...] = ()

    @classmethod
    def from_rows(
        cls, fill_keys: Iterable[str], uids: Iterable[str], open_rows: Iterable[tuple]
    ) -> JournalBook:
        """From journal query rows: (id, uid, multiplier, quantity, underlying, opened_at,
        symbol, quantity, value_cents, fees_cents, kind, broker_order_id) per fill of an open
        spread."""
        spreads: dict[str, dict] = {}
        for _, uid, multiplier, quantity, underlying, opened_at, *fill in open_rows:
            entry = spreads.setdefault(
                uid,
                {
                    "uid": uid,
                    "multiplier": multiplier,
                    "quantity": quantity,
                    "underlying": underlying,
                    "opened_at": opened_at,
                    "fills": [],
                },
            )
            symbol, fill_quantity, value_cents, fees_cents, kind, order_id = fill
            entry["fills"].append(
                BookFill(
                    symbol=symbol,
                    quantity=fill_quantity,
                    value_cents=value_cents,
                    fees_cents=fees_cents,
                    kind=kind,
                    order_id=order_id,
                )
            )
        return cls(
            known_row_keys=frozenset(key.split("#")[0] for key in fill_keys),
            known_uids=frozenset(uids),
            open_spreads=tuple(BookSpread(**entry) for entry in spreads.values()),
        )
