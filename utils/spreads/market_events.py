"""What the market says about an underlying beside its chain: IV rank, the next earnings report
and ex-dividend date, and which of them fall inside a trade's life (a warning, never a gate)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict


class UnderlyingEvents(BaseModel):
    """IV index and rank (0..1) and event dates of one underlying, from the broker's metrics."""

    model_config = ConfigDict(frozen=True)

    symbol: str
    iv_rank: float | None = None
    iv_index: float | None = None
    earnings: date | None = None
    ex_dividend: date | None = None


def events_inside(events: UnderlyingEvents, today: date, expiration: date) -> tuple[str, ...]:
    """A sentence for each earnings or ex-dividend date from `today` to `expiration` inclusive."""
    found = []
    if events.earnings is not None and today <= events.earnings <= expiration:
        found.append(
            f"Earnings {events.earnings.isoformat()} fall before the {expiration.isoformat()} "
            "expiration: the price can gap through the strikes and IV drops after the report."
        )
    if events.ex_dividend is not None and today <= events.ex_dividend <= expiration:
        found.append(
            f"Ex-dividend {events.ex_dividend.isoformat()} falls before the "
            f"{expiration.isoformat()} expiration: short calls in the money risk early "
            "assignment the day before."
        )
    return tuple(found)
