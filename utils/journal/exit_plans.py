"""Exit plans and when they were declared; playbooks (named setups with a default exit plan).

A trade's exit plan (profit target, stop, time exit) has one of three declarations:

- **at entry**: journaled with the trade (the ticket, the manual entry form, a journal CSV);
  the trade's own `profit_target_usd`, `stop_loss_usd` and `time_exit_at`.
- **by playbook at import**: the trader said, when importing a broker history, "these trades
  followed playbook X"; each trade of the file without a plan at entry gets the plan playbook X
  gives it, recorded with the import's time. It counts as the trade's entry plan: the trader
  vouches for a written rule set, and the declaration stays visible as made at import.
- **after entry**: set or changed later from the journal card, recorded with its time. It
  never makes the entry planned (NO_PLANNED_EXIT stands), and it judges only the exits that
  come after it (a close at or after its time, or an open trade past its time exit), only for
  what the entry plan left out: a stop moved after entry does not move the rule.

Declarations are append-only (`exit_plans` table); a playbook edit is a new version, so a
declaration always names the playbook text it used.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from utils.core.money import round_to_cent
from utils.core.sessions import to_utc
from utils.core.trading_calendar import session_close, session_on_or_before
from utils.journal.fields import UsdAmount, UtcDatetime

HUNDRED = Decimal(100)
PLAYBOOK_NAME_MAX_CHARS = 60


class PlanDeclared(StrEnum):
    """When a trade's exit plan was declared."""

    AT_ENTRY = "at_entry"
    PLAYBOOK_AT_IMPORT = "playbook_at_import"
    AFTER_ENTRY = "after_entry"
    NONE = "none"

    @property
    def label(self) -> str:
        """How the page and the export say it."""
        return {
            PlanDeclared.AT_ENTRY: "declared at entry",
            PlanDeclared.PLAYBOOK_AT_IMPORT: "declared by playbook at import",
            PlanDeclared.AFTER_ENTRY: "declared after entry",
            PlanDeclared.NONE: "no plan",
        }[self]


class ExitPlan(BaseModel):
    """A profit target, a stop (a loss before fees, positive) and a time exit: at least one."""

    model_config = ConfigDict(frozen=True)

    profit_target_usd: UsdAmount | None = Field(default=None, gt=0)
    stop_loss_usd: UsdAmount | None = Field(default=None, gt=0)
    time_exit_at: UtcDatetime | None = None

    @model_validator(mode="after")
    def _something(self) -> ExitPlan:
        if self.empty:
            raise ValueError("an exit plan needs a profit target, a stop or a time exit")
        return self

    @property
    def empty(self) -> bool:
        """True when no part is set (only a bypassed model can be empty)."""
        return (
            self.profit_target_usd is None
            and self.stop_loss_usd is None
            and self.time_exit_at is None
        )

    def describe(self) -> str:
        """The plan in words: 'target $125.00, stop $200.00, time exit 2026-03-20T20:00Z'."""
        parts = []
        if self.profit_target_usd is not None:
            parts.append(f"target ${self.profit_target_usd:,.2f}")
        if self.stop_loss_usd is not None:
            parts.append(f"stop ${self.stop_loss_usd:,.2f}")
        if self.time_exit_at is not None:
            parts.append(f"time exit {self.time_exit_at:%Y-%m-%d %H:%M}Z")
        return ", ".join(parts)


class PlaybookDraft(BaseModel):
    """A playbook as the trader writes it: a name and a default exit plan in relative terms.

    Target = `target_pct_of_max_profit` % of the spread's max profit; stop = a loss before fees
    of `stop_multiple_of_entry` x the entry price (the credit received, or the debit paid), at
    most the max loss (1R); time exit = the close of the session `time_exit_dte` calendar days
    before the earliest expiration (the session before, when that day is not a session).
    """

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=PLAYBOOK_NAME_MAX_CHARS, pattern=r"^[^;\r\n\t]+$")
    target_pct_of_max_profit: int | None = Field(default=None, ge=1, le=100)
    stop_multiple_of_entry: Decimal | None = Field(default=None, gt=0, le=100, decimal_places=2)
    time_exit_dte: int | None = Field(default=None, ge=0, le=3650)

    @model_validator(mode="after")
    def _something(self) -> PlaybookDraft:
        if (
            self.target_pct_of_max_profit is None
            and self.stop_multiple_of_entry is None
            and self.time_exit_dte is None
        ):
            raise ValueError("a playbook needs a profit target, a stop or a time exit")
        return self

    def describe(self) -> str:
        """The rule in words: '50 % of max profit, stop 2x the entry price, exit at 21 DTE'."""
        parts = []
        if self.target_pct_of_max_profit is not None:
            parts.append(f"target {self.target_pct_of_max_profit} % of max profit")
        if self.stop_multiple_of_entry is not None:
            parts.append(f"stop {self.stop_multiple_of_entry.normalize():f}x the entry price")
        if self.time_exit_dte is not None:
            parts.append(f"exit at {self.time_exit_dte} DTE")
        return ", ".join(parts)


class Playbook(PlaybookDraft):
    """A stored playbook version (an edit adds a version; declarations name the one used)."""

    id: int
    version: int = Field(ge=1)
    recorded_at: UtcDatetime

    @property
    def title(self) -> str:
        """'name (v2)'."""
        return f"{self.name} (v{self.version})"


class PlanDeclaration(BaseModel):
    """An exit plan recorded after the trade was journaled: after entry, or by playbook at
    import, with when it was recorded and the playbook version it came from."""

    model_config = ConfigDict(frozen=True)

    id: int
    declared: PlanDeclared
    plan: ExitPlan
    recorded_at: UtcDatetime
    playbook: str | None = None
    playbook_version: int | None = None

    @property
    def source(self) -> str:
        """'playbook X (v1), declared at import 2026-...' or 'declared after entry at ...'."""
        at = f"{self.recorded_at:%Y-%m-%d %H:%M}Z"
        if self.declared is PlanDeclared.PLAYBOOK_AT_IMPORT:
            return f"playbook {self.playbook} (v{self.playbook_version}), declared at import {at}"
        return f"declared after entry at {at}"


class PlanInForce(BaseModel):
    """A trade's plan as the rules read it: the plan, how it was declared and its source."""

    model_config = ConfigDict(frozen=True)

    declared: PlanDeclared
    plan: ExitPlan | None
    source: str


def playbook_plan(
    playbook: PlaybookDraft,
    *,
    entry_price: Decimal,
    multiplier: int,
    quantity: int,
    max_loss_usd: Decimal | None,
    max_profit_usd: Decimal | None,
    expiration: date,
) -> ExitPlan:
    """The exit plan `playbook` gives one spread (see `PlaybookDraft` for the rules)."""
    target = stop = None
    if playbook.target_pct_of_max_profit is not None and max_profit_usd is not None:
        target = round_to_cent(max_profit_usd * playbook.target_pct_of_max_profit / HUNDRED)
    if playbook.stop_multiple_of_entry is not None:
        loss = round_to_cent(playbook.stop_multiple_of_entry * entry_price * multiplier * quantity)
        stop = loss if max_loss_usd is None else min(loss, max_loss_usd)
    deadline = None
    if playbook.time_exit_dte is not None:
        day = session_on_or_before(expiration - timedelta(days=playbook.time_exit_dte))
        deadline = session_close(day)
    values = {
        "profit_target_usd": target if target and target > 0 else None,
        "stop_loss_usd": stop if stop and stop > 0 else None,
        "time_exit_at": deadline,
    }
    if all(value is None for value in values.values()):
        return ExitPlan.model_construct(**values)  # nothing applies: `empty`
    return ExitPlan(**values)


def entry_plan_of(
    *,
    profit_target_usd: Decimal | None,
    stop_loss_usd: Decimal | None,
    time_exit_at: datetime | None,
    declarations: Sequence[PlanDeclaration],
) -> PlanInForce:
    """The plan that counts for the entry: the one journaled with the trade, else a playbook
    declared at import; otherwise none (a plan declared after entry never counts here)."""
    if profit_target_usd is not None or stop_loss_usd is not None or time_exit_at is not None:
        return PlanInForce(
            declared=PlanDeclared.AT_ENTRY,
            plan=ExitPlan.model_construct(
                profit_target_usd=profit_target_usd,
                stop_loss_usd=stop_loss_usd,
                time_exit_at=time_exit_at,
            ),
            source="declared at entry",
        )
    for declaration in declarations:
        if declaration.declared is PlanDeclared.PLAYBOOK_AT_IMPORT:
            return PlanInForce(
                declared=declaration.declared, plan=declaration.plan, source=declaration.source
            )
    after = [d for d in declarations if d.declared is PlanDeclared.AFTER_ENTRY]
    if after:
        return PlanInForce(
            declared=PlanDeclared.AFTER_ENTRY,
            plan=None,
            source=f"no plan at entry; {after[0].source}",
        )
    return PlanInForce(declared=PlanDeclared.NONE, plan=None, source="no plan")


def exit_plan_judging(
    entry: PlanInForce, declarations: Sequence[PlanDeclaration], at: datetime
) -> ExitPlan | None:
    """The stop and time exit an exit at `at` is judged against: the entry plan's, and for a
    part it lacks, the latest plan declared after entry at or before `at`."""
    moment = to_utc(at)
    later = [
        d
        for d in declarations
        if d.declared is PlanDeclared.AFTER_ENTRY and to_utc(d.recorded_at) <= moment
    ]
    base = entry.plan
    if not later:
        return base
    latest = max(later, key=lambda d: (d.recorded_at, d.id)).plan
    if base is None:
        return latest
    return ExitPlan.model_construct(
        profit_target_usd=base.profit_target_usd or latest.profit_target_usd,
        stop_loss_usd=base.stop_loss_usd or latest.stop_loss_usd,
        time_exit_at=base.time_exit_at or latest.time_exit_at,
    )
