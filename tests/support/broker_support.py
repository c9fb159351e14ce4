"""A broker-guard test rig: two simulated brokers on loopback ("sandbox" and "live", different
ports), real stores in tmp_path, a stepping clock, and an evidence stub the test sets.

Nothing here mocks the guard: the guard talks HTTP to the SimBrokers through the real
TastytradeClient, and writes to real SQLite files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

from tests.support.tastytrade_support import USER_AGENT, SleepRecorder, SteppingClock
from utils.sim import market
from utils.records.alerts import AlertStore
from utils.records.audit import AuditLog
from utils.broker.clients import BrokerClients
from utils.broker.guard import BrokerGuard
from utils.broker.models import GuardEvidence, TradePlan
from utils.core.config import DEFAULT_SANDBOX_URL, load_settings
from utils.judge.gates import GateCode, GateReport, GateResult
from utils.records.latch import RollbackLatchStore, RollbackTrigger
from utils.journal.store import Journal
from utils.journal.trade import Mode
from utils.judge.ramp import RampStage
from utils.spreads.symbols import OptionSymbol, OptionType
from utils.broker.order_intent import OpenPosition, OrderIntent
from utils.records.sandbox import (
    SandboxMode,
    SandboxStep,
    SandboxValidationRecord,
    SandboxValidationStore,
)
from utils.core.sessions import session_of
from utils.sim.server import SimBroker
from utils.spreads.legs import Leg, PriceEffect
from utils.spreads.spread import Spread

WIDTH = Decimal(5)
LIVE_ACCOUNT = "5LIVE0001"
SANDBOX_ACCOUNT = "5CERT0001"


def gate_report(
    now: datetime, failing: set[GateCode] | frozenset[GateCode] = frozenset()
) -> GateReport:
    """A gate report with every gate, passing except those in `failing`."""
    gates = tuple(
        GateResult(
            code=code,
            name=code.value,
            comparison="=",
            threshold=None,
            actual=None,
            headroom=None,
            threshold_text="pass",
            actual_text="fail" if code in failing else "pass",
            headroom_text="",
            passed=code not in failing,
            sentence=f"{code.value} {'fails' if code in failing else 'passes'}.",
            evidence={},
        )
        for code in GateCode
    )
    return GateReport(evaluated_at=now, gates=gates)


def sandbox_record(
    state: str, now: datetime, server: str = DEFAULT_SANDBOX_URL
) -> SandboxValidationRecord | None:
    """`none`, `failed`, `sim` (passed against the simulator) or `passed`, run against `server`."""
    if state == "none":
        return None
    passed = state != "failed"
    mode = SandboxMode.SIM if state == "sim" else SandboxMode.SANDBOX
    return SandboxValidationRecord(
        passed=passed,
        ran_at=now,
        mode=mode,
        steps=(SandboxStep(name="login", passed=passed),),
        server=server,
    )


@dataclass
class EvidenceStub:
    """What the journal and judge would say; tests change the fields."""

    failing_gates: set[GateCode] = field(default_factory=set)
    sandbox: str = "passed"
    sandbox_server: str = DEFAULT_SANDBOX_URL
    open_positions: tuple[OpenPosition, ...] = ()
    open_positions_by_mode: dict[Mode, tuple[OpenPosition, ...]] | None = None
    rollback_triggers: tuple[RollbackTrigger, ...] = ()
    gates_age: timedelta = timedelta(0)
    ladder_level: int = 1
    ramp_stage: RampStage = RampStage.LIVE_WEEK_1
    broken: bool = False
    ladder_level: int = 1
    ramp_stage: RampStage = RampStage.LIVE_WEEK_1
    calls: int = 0

    def __call__(self, now: datetime) -> GuardEvidence:
        self.calls += 1
        if self.broken:
            raise RuntimeError("journal unreadable")
        return GuardEvidence(
            gates=gate_report(now - self.gates_age, self.failing_gates),
            sandbox=sandbox_record(self.sandbox, now, self.sandbox_server),
            ladder_level=self.ladder_level,
            ramp_stage=self.ramp_stage,
            open_positions=self.open_positions,
            open_positions_by_mode=self.open_positions_by_mode,
            rollback_triggers=self.rollback_triggers,
        )


def _occ(expiration: date, strike: Decimal) -> str:
    return OptionSymbol(
        root="SPY", expiration=expiration, option_type=OptionType.PUT, strike=strike
    ).occ


def put_credit_spread(today: date, *, quantity: int = 1, credit_offset: Decimal = Decimal(0)):
    """A SPY put credit spread 16-45 DTE that passes the pre-trade filters, priced at the net mid
    (rounded down to the cent) plus `credit_offset`: at the mid it fills in the simulator."""
    spot = market.spot_price("SPY", today)
    for expiration in market.expirations("SPY", today):
        if not 14 <= (expiration - today).days <= 45:
            continue
        short = max(k for k in market.strikes("SPY", today) if k <= spot - 2)
        short_quote = market.quote(_occ(expiration, short), today)
        long_quote = market.quote(_occ(expiration, short - WIDTH), today)
        if short_quote is None or long_quote is None:
            continue
        credit = (short_quote.mid - long_quote.mid).quantize(Decimal("0.01"), rounding=ROUND_FLOOR)
        return Spread(
            legs=(
                Leg.from_occ(_occ(expiration, short), "Sell to Open", quantity),
                Leg.from_occ(_occ(expiration, short - WIDTH), "Buy to Open", quantity),
            ),
            price=credit + credit_offset,
            price_effect=PriceEffect.CREDIT,
        )
    raise AssertionError("no listed SPY spread in the simulated market")


def order_posts(broker: SimBroker, *, dry_run: bool | None = None) -> list[str]:
    """Paths of the order POSTs (`/orders` and `/orders/dry-run`) a broker received."""
    found = []
    for request in broker.requests:
        if request.method != "POST" or "/orders" not in request.path:
            continue
        is_dry = request.path.endswith("/dry-run")
        if dry_run is None or dry_run == is_dry:
            found.append(request.path)
    return found


class GuardRig:
    """Two simulated brokers, the stores, the evidence stub and a guard over them."""

    def __init__(
        self,
        tmp_path: Path,
        *,
        use_live: bool = False,
        always_dry_run: bool = True,
        sandbox_creds: bool = True,
        live_creds: bool = True,
        with_journal: bool = True,
        **overrides: Any,
    ) -> None:
        self.tmp_path = tmp_path
        self.clock = SteppingClock()
        self.sandbox = SimBroker(clock=self.clock, account_number=SANDBOX_ACCOUNT).start()
        self.live = SimBroker(clock=self.clock, account_number=LIVE_ACCOUNT).start()
        values: dict[str, Any] = {
            "use_live": use_live,
            "always_dry_run": always_dry_run,
            "user_agent": USER_AGENT,
            "tasty_base_url_sandbox": self.sandbox.url,
            "tasty_base_url_live": self.live.url,
        }
        if sandbox_creds:
            values |= self._creds("sandbox", self.sandbox)
        if live_creds:
            values |= self._creds("live", self.live)
        values |= overrides
        self.settings = load_settings(env_file=tmp_path / "none.env", data_dir=tmp_path, **values)
        self.evidence = EvidenceStub(sandbox_server=self.sandbox.url)
        self.clients = BrokerClients(
            self.settings, clock=self.clock, sleep=SleepRecorder(), timeout_s=5.0
        )
        secrets = [
            self.sandbox.logins.client_secret.get_secret_value(),
            self.sandbox.logins.refresh_token.get_secret_value(),
            self.live.logins.client_secret.get_secret_value(),
            self.live.logins.refresh_token.get_secret_value(),
        ]
        self.audit = AuditLog.open(tmp_path, clock=self.clock, secret_values=secrets)
        self.alerts = AlertStore.open(tmp_path, clock=self.clock)
        self.latch = RollbackLatchStore.open(tmp_path, clock=self.clock)
        self.sandbox_store = SandboxValidationStore.open(tmp_path, clock=self.clock)
        self.journal = Journal.open(tmp_path, clock=self.clock) if with_journal else None
        self.guard = BrokerGuard(
            self.settings,
            audit=self.audit,
            alerts=self.alerts,
            latch=self.latch,
            evidence=self.evidence,
            clients=self.clients,
            journal=self.journal,
            sandbox_store=self.sandbox_store,
            clock=self.clock,
        )

    @staticmethod
    def _creds(prefix: str, broker: SimBroker) -> dict[str, str]:
        logins = broker.logins
        return {
            f"tt_{prefix}_client_id": logins.client_id,
            f"tt_{prefix}_client_secret": logins.client_secret.get_secret_value(),
            f"tt_{prefix}_refresh_token": logins.refresh_token.get_secret_value(),
        }

    @property
    def today(self) -> date:
        return session_of(self.clock())

    def intent(self, client_order_id: str = "order-1", **kwargs: Any) -> OrderIntent:
        """A fillable 1-lot put credit spread intent."""
        return OrderIntent(
            spread=put_credit_spread(self.today, **kwargs), client_order_id=client_order_id
        )

    def plan(self) -> TradePlan:
        return TradePlan(
            setup="validation", profit_target_usd=Decimal("90.00"), stop_loss_usd=Decimal("200.00")
        )

    def graduate(self) -> None:
        """Every gate passes and the sandbox validation passed."""
        self.evidence.failing_gates = set()
        self.evidence.sandbox = "passed"

    def close(self) -> None:
        self.clients.close()
        for store in (self.audit, self.alerts, self.latch, self.sandbox_store):
            store.close()
        if self.journal is not None:
            self.journal.close()
        self.sandbox.stop()
        self.live.stop()
