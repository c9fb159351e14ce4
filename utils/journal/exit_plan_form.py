"""The exit-plan and playbook forms' text, read into the journal's models.

Amounts are read like the ticket's (`parse_amount`: blank means none); times are typed in New
York (`YYYY-MM-DDTHH:MM`); pydantic checks the rest. Every problem is a ValueError naming the
field, never a traceback.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import ValidationError

from utils.journal.entry_form import new_york_time
from utils.journal.exit_plans import ExitPlan, PlaybookDraft
from utils.spreads.ticket import parse_amount


def _whole(field: str, text: str | int | None) -> int | None:
    if text is None or str(text).strip() == "":
        return None
    try:
        return int(str(text).strip())
    except ValueError:
        raise ValueError(f"{field}: {text!r} is not a whole number") from None


def _problems(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}".removeprefix(": ")
        for e in error.errors(include_url=False)
    )


def exit_plan_from_form(target: str | None, stop: str | None, time_exit: str | None) -> ExitPlan:
    """The plan typed on the journal card (ValueError naming the field)."""
    try:
        return ExitPlan(
            profit_target_usd=parse_amount("profit target", target),
            stop_loss_usd=parse_amount("stop loss", stop),
            time_exit_at=new_york_time("time exit", time_exit),
        )
    except ValidationError as error:
        raise ValueError(_problems(error)) from None


def playbook_from_form(
    name: str | None, target_pct: str | None, stop_multiple: str | None, dte: str | None
) -> PlaybookDraft:
    """The playbook typed on the journal card (ValueError naming the field)."""
    multiple = parse_amount("stop multiple", stop_multiple)
    try:
        return PlaybookDraft(
            name=name or "",
            target_pct_of_max_profit=_whole("target %", target_pct),
            stop_multiple_of_entry=None if multiple is None else Decimal(multiple),
            time_exit_dte=_whole("DTE", dte),
        )
    except ValidationError as error:
        raise ValueError(_problems(error)) from None
