"""Sandbox validation (checklist s4): prove the read-write path against the sandbox, on request.

    record = run_sandbox_validation(
        client, settings=settings, mode=SandboxMode.SANDBOX, place_order=False,
        audit=audit, store=store, correlation_id=cid, effective_mode="SANDBOX (dry-run)",
        progress=lambda p: ..., clock=clock,
    )

Steps, in order (each is recorded with its detail; after a failure the rest are "not run"):
target (the client's base URL is not the live one), login, accounts, balances, positions,
spread (a minimal defined-risk spread from the option chain: a 1-lot 5-wide SPY put credit
spread about 5 % below the underlying, inside the entry DTE window), dry-run (a clean
preflight), and with `place_order` (ALWAYS_DRY_RUN=false in the sandbox): place, filled or live,
cancel or close. The order is priced at 90 % of the width so that it rests rather than fills; it
is then cancelled (or, if it filled anyway, closed at the width).

Every request that could create an order is written to the audit log first (kind
SANDBOX_VALIDATION, PREFLIGHT_REQUEST, SUBMIT_ATTEMPT): a failed write fails the step and nothing
is sent. The record (`utils.records.sandbox`) feeds the "sandbox validation passed" gate; a run
against the simulator is recorded as SIM and does not pass that gate.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from decimal import ROUND_DOWN, Decimal
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from utils.records.audit import AuditKind, AuditLog, AuditWriteError
from utils.broker.checks import ACCEPTED_STATUSES, TRADING_AUTHORITIES, dry_run_findings
from utils.core.broker_target import sandbox_target_problem
from utils.core.config import Settings
from utils.records.sandbox import (
    SandboxMode,
    SandboxStep,
    SandboxValidationRecord,
    SandboxValidationStore,
    mask_account,
)
from utils.core.sessions import Clock, session_of, to_utc, utc_now
from utils.spreads.legs import Leg, PriceEffect
from utils.spreads.spread import Spread
from utils.tastytrade.orders import build_spread_order
from utils.core.display import signed_usd
from utils.tastytrade.errors import TastytradeError, TransportError
from utils.tastytrade.orders import NewOrder, Order
from utils.core.money import usd

VALIDATION_UNDERLYING = "SPY"
VALIDATION_WIDTH = Decimal(5)
OTM_FRACTION = Decimal("0.95")
RESTING_CREDIT_FRACTION = Decimal("0.90")
TICK = Decimal("0.05")
READ_STEPS = ("target", "login", "accounts", "balances", "positions", "spread", "dry-run")
ORDER_STEPS = ("place", "filled or live", "cancel or close")


class ValidationProgress(BaseModel):
    """One progress report: step `index` of `total`; `passed` is None while it runs."""

    model_config = ConfigDict(frozen=True)

    step: str
    index: int
    total: int
    passed: bool | None
    detail: str = ""


class ValidationClient(Protocol):
    """The client calls the routine uses (`TastytradeClient` provides them)."""

    @property
    def base_url(self) -> str: ...  # noqa: E704

    def authenticate(self) -> None: ...  # noqa: E704

    def accounts(self) -> list[Any]: ...  # noqa: E704

    def balances(self, account_number: str, currency: str = "USD") -> Any: ...  # noqa: E704

    def positions(self, account_number: str) -> list[Any]: ...  # noqa: E704

    def option_chain(self, underlying: str) -> list[Any]: ...  # noqa: E704

    def quotes(self, *, equities: Any = (), equity_options: Any = ()) -> list[Any]: ...  # noqa

    def dry_run(self, account_number: str, order: NewOrder) -> Any: ...  # noqa: E704

    def place_order(self, account_number: str, order: NewOrder) -> Any: ...  # noqa: E704

    def order(self, account_number: str, order_id: int) -> Order: ...  # noqa: E704

    def cancel_order(self, account_number: str, order_id: int) -> Order: ...  # noqa: E704


class StepFailed(Exception):
    """A validation step did not pass; the message is its detail."""


class _Run:
    """The state of one validation run (steps done, account, order)."""

    def __init__(
        self,
        client: ValidationClient,
        settings: Settings,
        audit: AuditLog,
        correlation_id: str,
        effective_mode: str,
        progress: Callable[[ValidationProgress], None] | None,
        total: int,
        today: date,
        mode: SandboxMode,
    ) -> None:
        self.client = client
        self.mode = mode
        self.settings = settings
        self.audit = audit
        self.correlation_id = correlation_id
        self.effective_mode = effective_mode
        self.progress = progress
        self.total = total
        self.today = today
        self.steps: list[SandboxStep] = []
        self.account = ""
        self.spread: Spread | None = None
        self.order_id: int | None = None
        self.host = client.base_url.split("://", 1)[-1]

    def report(self, name: str, index: int, passed: bool | None, detail: str = "") -> None:
        if self.progress is not None:
            self.progress(
                ValidationProgress(
                    step=name, index=index, total=self.total, passed=passed, detail=detail
                )
            )

    def unreachable(self) -> str:
        """A broker that did not answer, as a sentence a trader can act on."""
        return (
            f"the broker at {self.host} did not answer: check that it is running and that the "
            "base URL in .env is right"
        )

    def write(self, kind: AuditKind, body: dict[str, Any]) -> None:
        try:
            self.audit.append(
                kind,
                correlation_id=self.correlation_id,
                effective_mode=self.effective_mode,
                target_host=self.host,
                body=body,
            )
        except AuditWriteError as error:
            raise StepFailed(f"the audit log could not record this step ({error})") from None

    def run(self, name: str, step: Callable[[], str]) -> bool:
        index = len(self.steps) + 1
        self.report(name, index, None)
        try:
            detail, passed = step(), True
        except StepFailed as failure:
            detail, passed = str(failure), False
        except TransportError:
            detail, passed = self.unreachable(), False
        except TastytradeError as error:
            detail, passed = str(error), False
        record = SandboxStep(name=name, passed=passed, detail=detail[:1000])
        self.steps.append(record)
        try:
            self.write(
                AuditKind.SANDBOX_VALIDATION, {"step": name, "passed": passed, "detail": detail}
            )
        except StepFailed as failure:
            self.steps[-1] = SandboxStep(name=name, passed=False, detail=str(failure)[:1000])
            passed = False
        self.report(name, index, passed, self.steps[-1].detail)
        return passed


def _target(run: _Run) -> str:
    problem = sandbox_target_problem(run.client.base_url, run.settings.tasty_base_url_live)
    if problem is None and run.mode is SandboxMode.SANDBOX:
        if run.settings.sandbox_shares_live_credentials():
            problem = "The sandbox login repeats a live credential."
    if problem is not None:
        raise StepFailed(f"refused to validate: the client points at the live broker. {problem}")
    return f"validating against {run.host}"


def _login(run: _Run) -> str:
    run.client.authenticate()
    return "logged in"


def _accounts(run: _Run) -> str:
    accounts = run.client.accounts()
    usable = [a for a in accounts if a.authority_level in TRADING_AUTHORITIES]
    if not usable:
        raise StepFailed(f"{len(accounts)} account(s), none this login may trade")
    run.account = usable[0].account.account_number
    return f"{len(accounts)} account(s); using {mask_account(run.account)}"


def _balances(run: _Run) -> str:
    balance = run.client.balances(run.account)
    return f"net liquidating value {usd(balance.net_liquidating_value)}"


def _positions(run: _Run) -> str:
    return f"{len(run.client.positions(run.account))} position leg(s)"


def _spot(run: _Run, strikes: list[Decimal]) -> Decimal:
    try:
        quotes = run.client.quotes(equities=[VALIDATION_UNDERLYING])
    except TastytradeError:
        quotes = []
    for quote in quotes:
        if quote.mid is not None and quote.mid > 0:
            return quote.mid
    return strikes[len(strikes) // 2]


def _spread(run: _Run) -> str:
    chain = run.client.option_chain(VALIDATION_UNDERLYING)
    low, high = run.settings.entry_dte_min, run.settings.entry_dte_max
    expirations = sorted(
        (
            e
            for c in chain
            for e in c.expirations
            if low <= (e.expiration_date - run.today).days <= high
        ),
        key=lambda e: e.expiration_date,
    )
    if not expirations:
        raise StepFailed(f"no {VALIDATION_UNDERLYING} expiration {low}-{high} days out")
    expiration = expirations[0]
    by_strike = {row.strike_price: row for row in expiration.strikes}
    strikes = sorted(by_strike)
    ceiling = _spot(run, strikes) * OTM_FRACTION
    candidates = [k for k in strikes if k <= ceiling and (k - VALIDATION_WIDTH) in by_strike]
    if not candidates:
        raise StepFailed(f"no {VALIDATION_WIDTH}-wide put pair below {ceiling:.2f}")
    short = max(candidates)
    credit = (VALIDATION_WIDTH * RESTING_CREDIT_FRACTION / TICK).to_integral_value(
        rounding=ROUND_DOWN
    ) * TICK
    spread = Spread(
        legs=(
            Leg.from_occ(by_strike[short].put, "Sell to Open", 1),
            Leg.from_occ(by_strike[short - VALIDATION_WIDTH].put, "Buy to Open", 1),
        ),
        price=credit,
        price_effect=PriceEffect.CREDIT,
    )
    if not spread.is_defined_risk:
        raise StepFailed(f"the spread is not defined-risk: {spread.proof.sentence}")
    run.spread = spread
    return (
        f"{spread.structure.label} {short}/{short - VALIDATION_WIDTH} "
        f"{expiration.expiration_date} at {credit} credit (max loss ${spread.max_loss_usd})"
    )


def _order(run: _Run, closing: bool = False) -> NewOrder:
    spread = run.spread
    if spread is None:
        raise StepFailed("no spread was built")
    if closing:
        legs = [leg.to_order_leg() for leg in spread.closing_legs()]
        return build_spread_order(legs, price=VALIDATION_WIDTH, price_effect="Debit")
    return build_spread_order(spread.to_order_legs(), price=spread.price, price_effect="Credit")


def _dry_run(run: _Run) -> str:
    order = _order(run)
    path = f"/accounts/{mask_account(run.account)}/orders/dry-run"
    run.write(
        AuditKind.PREFLIGHT_REQUEST, {"method": "POST", "path": path, "order": order.to_body()}
    )
    response = run.client.dry_run(run.account, order)
    refusals, anomalies = dry_run_findings(response, order)
    problems = [*refusals, *anomalies]
    run.write(
        AuditKind.PREFLIGHT_RESULT,
        {"outcome": "answered", "codes": [p.code for p in problems]},
    )
    if problems:
        raise StepFailed("; ".join(p.sentence for p in problems))
    bpe = response.buying_power_effect
    change = bpe.change_in_buying_power
    if bpe.change_in_buying_power_effect.strip().lower() == "debit":
        change = -change  # a debit uses buying power
    return f"clean dry-run; buying power {signed_usd(change)}"


def _submit(run: _Run, order: NewOrder, what: str) -> Order:
    path = f"/accounts/{mask_account(run.account)}/orders"
    run.write(
        AuditKind.SUBMIT_ATTEMPT,
        {
            "method": "POST",
            "path": path,
            "purpose": what,
            "external_identifier": order.external_identifier,
            "order": order.to_body(),
        },
    )
    placement = run.client.place_order(run.account, order)
    answer = placement.order
    run.write(AuditKind.BROKER_ANSWER, {"order_id": answer.id, "status": answer.status})
    return answer


def _place(run: _Run) -> str:
    answer = _submit(run, _order(run), "sandbox validation entry")
    if answer.status not in ACCEPTED_STATUSES or answer.id is None:
        raise StepFailed(f"order {answer.id} answered '{answer.status}'")
    run.order_id = answer.id
    return f"order {answer.id} accepted ({answer.status})"


def _placed_order_id(run: _Run) -> int:
    if run.order_id is None:
        raise StepFailed("no order was placed")
    return run.order_id


def _observe(run: _Run) -> str:
    order = run.client.order(run.account, _placed_order_id(run))
    if order.status not in ("Received", "Routed", "In Flight", "Live", "Filled"):
        raise StepFailed(f"order {order.id} is '{order.status}', neither filled nor live")
    return f"order {order.id} is {order.status}"


def _cancel_or_close(run: _Run) -> str:
    order = run.client.order(run.account, _placed_order_id(run))
    if order.status == "Filled":
        closing = _submit(run, _order(run, closing=True), "sandbox validation close")
        if closing.status in ACCEPTED_STATUSES and closing.id is not None:
            closing = run.client.order(run.account, closing.id)
        if closing.status not in ACCEPTED_STATUSES:
            raise StepFailed(
                f"order {order.id} filled; its closing order is '{closing.status}': close the "
                "position in the sandbox by hand"
            )
        return f"order {order.id} filled; closing order {closing.id} {closing.status}"
    run.write(AuditKind.CANCEL, {"stage": "request", "order_id": order.id})
    answer = run.client.cancel_order(run.account, run.order_id)
    run.write(
        AuditKind.CANCEL, {"stage": "answered", "order_id": order.id, "status": answer.status}
    )
    if answer.status not in ("Cancel Requested", "Cancelled"):
        raise StepFailed(f"cancel of order {order.id} answered '{answer.status}'")
    final = run.client.order(run.account, run.order_id)
    if final.status not in ("Cancel Requested", "Cancelled"):
        raise StepFailed(f"order {order.id} is '{final.status}' after its cancel")
    return f"order {order.id} {final.status}"


STEP_FUNCTIONS: dict[str, Callable[[_Run], str]] = {
    "target": _target,
    "login": _login,
    "accounts": _accounts,
    "balances": _balances,
    "positions": _positions,
    "spread": _spread,
    "dry-run": _dry_run,
    "place": _place,
    "filled or live": _observe,
    "cancel or close": _cancel_or_close,
}


def run_sandbox_validation(
    client: ValidationClient,
    *,
    settings: Settings,
    mode: SandboxMode,
    place_order: bool,
    audit: AuditLog,
    store: SandboxValidationStore,
    correlation_id: str,
    effective_mode: str,
    progress: Callable[[ValidationProgress], None] | None = None,
    clock: Clock = utc_now,
) -> SandboxValidationRecord:
    """Run every step against `client`, record the result in `store` and return it."""
    ran_at = to_utc(clock())
    names = READ_STEPS + (ORDER_STEPS if place_order else ())
    run = _Run(
        client,
        settings,
        audit,
        correlation_id,
        effective_mode,
        progress,
        len(names),
        session_of(ran_at),
        mode,
    )
    failed_at: str | None = None
    for name in names:
        if failed_at is not None:
            run.steps.append(
                SandboxStep(name=name, passed=False, detail=f"not run: '{failed_at}' failed")
            )
            continue
        if not run.run(name, partial(STEP_FUNCTIONS[name], run)):
            failed_at = name
    record = SandboxValidationRecord(
        passed=failed_at is None,
        ran_at=ran_at,
        mode=mode,
        steps=tuple(run.steps),
        account=run.account,
        server=run.client.base_url,
    )
    return store.record(record)
