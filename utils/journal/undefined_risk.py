"""A position opened at the broker that is not a defined-risk spread, journaled as it happened.

The journal holds reality: a naked short put or call, a strangle, a ratio, a calendar or
diagonal, or a single long option done at the broker is journaled as a trade and flagged
not-defined-risk (table `trade_risk_flags`), so the NOT_DEFINED_RISK discipline rule counts it
in the session it opened, a HIGH alert is raised for that session, and the metrics include its
P&L.

Such a trade has no max loss to call 1R, so it gets a documented stand-in (README, "Journal";
docs/METRICS.md):

    1R stand-in = the largest loss at expiration, every leg valued at its intrinsic value as if
    all legs expired together, with the underlying at 0, at any strike, or at twice the highest
    strike; premium counted; never below one cent.

For a naked short put that is strike x multiplier x contracts - credit (the loss if the stock
goes to zero); for a naked short call it is the loss if the underlying doubles past the strike
(the real loss is unbounded: the flag says so); for a single long option it is the debit paid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import reduce
from math import gcd

from utils.core.money import CENT, from_cents, round_to_cent, usd
from utils.journal.risk import Structure, TradeLeg, journal_spread
from pydantic import Field, PrivateAttr, model_validator

from utils.journal.trade import NewTrade, Trade
from utils.spreads.legs import PriceEffect
from utils.spreads.symbols import OptionType

NOT_DEFINED_RISK = "not_defined_risk"
DEFINED_RISK_AFTER_ALL = "the legs prove a defined-risk spread: journal it as one"
ONE_R_BASIS = "stress: underlying at 0, at a strike, or at 2x the highest strike"


def _intrinsic(leg: TradeLeg, price: Decimal) -> Decimal:
    if leg.option_type is OptionType.CALL:
        return max(price - leg.strike, Decimal(0))
    return max(leg.strike - price, Decimal(0))


def stand_in_one_r_usd(
    legs: Sequence[TradeLeg], *, multiplier: int, entry_cash_usd: Decimal
) -> Decimal:
    """The documented 1R stand-in: the worst expiration loss at 0, each strike, 2x top strike.

    `entry_cash_usd` is the opening cash of the whole order (credit positive, before fees).
    """
    strikes = sorted({leg.strike for leg in legs})
    prices = [Decimal(0), *strikes, strikes[-1] * 2]
    worst = min(
        entry_cash_usd
        + sum(
            (leg.signed_quantity * multiplier * _intrinsic(leg, price) for leg in legs),
            Decimal(0),
        )
        for price in prices
    )
    return max(round_to_cent(-worst), CENT)


@dataclass(frozen=True)
class RiskFlag:
    """Why a journaled trade is flagged: its shape, the proof's sentence, and its 1R basis."""

    shape: str
    reason: str
    one_r_basis: str = ONE_R_BASIS

    def note(self, one_r_usd: Decimal) -> str:
        """The note kept on the trade, so its detail says what it is and what 1R means."""
        return (
            f"Not a defined-risk spread ({self.shape}), journaled as the broker opened it: "
            f"{self.reason} 1R is a stand-in of {usd(one_r_usd)} ({self.one_r_basis})."
        )


class FlaggedNewTrade(NewTrade):
    """A position opened at the broker that is NOT a defined-risk spread, to be journaled flagged.

    Every field is validated as for `NewTrade` (one leg is enough), except the defined-risk
    proof, which it fails by nature: instead its legs must fail that proof, and 1R is the
    stand-in (`stand_in_one_r_usd`; a given `max_loss_usd` must agree to the cent). `risk_flag`
    says what it is; the journal keeps it in `trade_risk_flags`.
    """

    _risk_flag: RiskFlag | None = PrivateAttr(default=None)

    legs: tuple[TradeLeg, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _legs_make_this_spread(self) -> FlaggedNewTrade:
        if self.flagged_not_defined_risk:
            return self
        signed = self.entry_price * self.multiplier * self.quantity
        cash = signed if self.entry_effect is PriceEffect.CREDIT else -signed
        flag = not_defined_risk_flag(self.legs, self.underlying, self.multiplier, cash)
        if flag is None:
            raise ValueError(DEFINED_RISK_AFTER_ALL)
        one_r = stand_in_one_r_usd(self.legs, multiplier=self.multiplier, entry_cash_usd=cash)
        if self.max_loss_usd is not None and abs(self.max_loss_usd - one_r) > CENT:
            raise ValueError(
                f"the legs are not a defined-risk spread: {flag.reason} Journaled flagged, its "
                f"max_loss_usd would be the 1R stand-in {one_r} ({ONE_R_BASIS}), not "
                f"{self.max_loss_usd}"
            )
        object.__setattr__(self, "structure", Structure.OTHER)
        object.__setattr__(self, "max_loss_usd", one_r)
        object.__setattr__(self, "max_profit_usd", None)
        self.__pydantic_private__["_flagged_not_defined_risk"] = True
        self._risk_flag = flag
        return self

    @property
    def risk_flag(self) -> RiskFlag:
        """What the position is and why it is not defined-risk."""
        flag = self._risk_flag
        if flag is None:  # only a model_construct that bypassed validation lacks it
            raise ValueError("a flagged trade built without validation has no risk flag")
        return flag


def unprove_flagged(trades: list[Trade], flagged_ids: set[int]) -> list[Trade]:
    """Trades read back from the journal: a flagged one carries no defined-risk proof but its
    flag, so validating it again keeps it and the NOT_DEFINED_RISK rule charges it."""
    for trade in trades:
        if trade.id in flagged_ids:
            trade.__pydantic_private__["_proved_facts"] = None
            trade.__pydantic_private__["_flagged_not_defined_risk"] = True
    return trades


def not_defined_risk_flag(
    legs: tuple[TradeLeg, ...], underlying: str, multiplier: int, cash: Decimal
) -> RiskFlag | None:
    """The flag of legs on one underlying that do not prove a defined risk; None when they do.

    Raises ValueError for legs that are no position on one underlying at all (two underlyings
    or deliverables): those are refused, not journaled.
    """
    spread = journal_spread(
        legs,
        underlying=underlying,
        multiplier=multiplier,
        entry_price=abs(cash) / (multiplier * reduce(gcd, (leg.quantity for leg in legs))),
        entry_effect=PriceEffect.CREDIT if cash >= 0 else PriceEffect.DEBIT,
    )
    if spread.underlying != underlying:
        raise ValueError(f"the legs are on {spread.underlying}, the row says {underlying}")
    proof = spread.proof
    if proof.defined_risk:
        return None
    return RiskFlag(shape=spread.structure.label, reason=proof.sentence)


@dataclass(frozen=True)
class FlaggedTrade:
    """A journaled trade flagged not-defined-risk, as the alerts and cards need it."""

    trade_id: int
    uid: str
    underlying: str
    session: date
    shape: str
    one_r_usd: Decimal


FLAGGED_SQL = """
SELECT t.id, t.uid, t.underlying, t.session, f.shape, t.max_loss_cents
FROM trade_risk_flags f JOIN trades t ON t.id = f.trade_id
WHERE f.flag = 'not_defined_risk' ORDER BY t.opened_at, t.id
"""


def flagged_from_rows(rows: Sequence[tuple]) -> list[FlaggedTrade]:
    """`FLAGGED_SQL` rows as flagged trades, oldest opening first."""
    return [
        FlaggedTrade(
            trade_id=trade_id,
            uid=uid,
            underlying=underlying,
            session=date.fromisoformat(session),
            shape=shape,
            one_r_usd=from_cents(cents),
        )
        for trade_id, uid, underlying, session, shape, cents in rows
    ]
