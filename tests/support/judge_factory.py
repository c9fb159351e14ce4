"""Hand-built trades, alerts and settings for the judge's tests (discipline, gates, export).

A trade is a SPY-family (or other) put credit vertical expiring 2026-12-18: width 5, credit 1.00,
1 unit -> max loss (1R) $400. By default it has a plan (target $50, stop $200), so a trade built
with no options breaks no rule.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from utils.records.alerts import Alert, AlertRule
from utils.project.ci_status import CiRecord, CiStatus, ToolResult, judge_ci_record
from utils.core.config import DEFAULT_SANDBOX_URL, load_settings
from utils.journal.trade import Trade
from utils.records.sandbox import SandboxStep, SandboxValidationRecord
from utils.core.sessions import session_of
from utils.core.trading_calendar import next_session

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "judge"
EXPIRY = "261218"
COMMIT = "a" * 40
BASE_STRIKE = {"SPY": 500, "SPX": 5000, "QQQ": 400, "IWM": 200, "AAPL": 200, "XSP": 500}


def utc(text: str) -> datetime:
    """An ISO-8601 text (with Z or offset) as an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def settings_for(tmp_path: Path, **overrides: Any):
    """Settings that never read the developer's .env."""
    return load_settings(env_file=tmp_path / "none.env", data_dir=tmp_path, **overrides)


def _occ(root: str, strike: Decimal) -> str:
    return f"{root:<6}{EXPIRY}P{int(strike * 1000):08d}"


def make_trade(
    trade_id: int,
    *,
    opened_at: str | datetime,
    closed_at: str | datetime | None = None,
    net_pnl_usd: str | Decimal | None = None,
    underlying: str = "SPY",
    quantity: int = 1,
    width: str | Decimal = "5",
    credit: str | Decimal = "1.00",
    fees_usd: str | Decimal = "2.00",
    profit_target_usd: str | None = "50.00",
    stop_loss_usd: str | None = "200.00",
    time_exit_at: str | datetime | None = None,
    followed_plan: bool | None = None,
    mistakes: tuple[str, ...] | list[str] = (),
    mode: str = "SIM",
) -> Trade:
    """A put credit vertical opened (and optionally closed) at the given times."""
    short = Decimal(BASE_STRIKE.get(underlying, 100))
    long = short - Decimal(width)
    opened = utc(opened_at) if isinstance(opened_at, str) else opened_at
    closed = utc(closed_at) if isinstance(closed_at, str) else closed_at
    deadline = utc(time_exit_at) if isinstance(time_exit_at, str) else time_exit_at
    return Trade(
        id=trade_id,
        uid=f"t{trade_id}",
        structure="vertical",
        underlying=underlying,
        legs=[
            {"occ_symbol": _occ(underlying, short), "action": "Sell to Open", "quantity": quantity},
            {"occ_symbol": _occ(underlying, long), "action": "Buy to Open", "quantity": quantity},
        ],
        quantity=quantity,
        opened_at=opened,
        entry_price=Decimal(credit),
        entry_effect="Credit",
        mode=mode,
        profit_target_usd=None if profit_target_usd is None else Decimal(profit_target_usd),
        stop_loss_usd=None if stop_loss_usd is None else Decimal(stop_loss_usd),
        time_exit_at=deadline,
        closed_at=closed,
        net_pnl_usd=None if net_pnl_usd is None else Decimal(net_pnl_usd),
        fees_usd=Decimal(fees_usd) if closed is not None else Decimal("0.00"),
        followed_plan=followed_plan,
        mistakes=tuple(mistakes),
    )


def make_alert(
    alert_id: int,
    raised_at: str | datetime,
    rule: AlertRule | str = AlertRule.ORDER_ANOMALY,
    *,
    message: str = "test alert",
    trade_id: int | None = None,
    acknowledged_at: str | datetime | None = None,
) -> Alert:
    """A stored HIGH alert as the alert store would return it."""
    raised = utc(raised_at) if isinstance(raised_at, str) else raised_at
    acked = utc(acknowledged_at) if isinstance(acknowledged_at, str) else acknowledged_at
    return Alert(
        id=alert_id,
        raised_at=raised,
        session=session_of(raised),
        rule=AlertRule(rule),
        message=message,
        trade_id=trade_id,
        acknowledged_at=acked,
    )


def daily_trades(
    count: int,
    *,
    first_session: date = date(2026, 6, 1),
    pnl: str = "50.00",
    start_id: int = 1,
) -> list[Trade]:
    """`count` clean trades, one per NYSE session from `first_session`, 10:00-14:00 New York."""
    trades = []
    day = first_session - timedelta(days=1)
    for offset in range(count):
        day = next_session(day + timedelta(days=1))
        opened = datetime(day.year, day.month, day.day, 14, 0, tzinfo=timezone.utc)
        trades.append(
            make_trade(
                start_id + offset,
                opened_at=opened,
                closed_at=opened + timedelta(hours=4),
                net_pnl_usd=pnl,
            )
        )
    return trades


def load_fixture(name: str) -> Any:
    """A JSON fixture from tests/fixtures/judge/."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def trades_from_specs(specs: list[dict[str, Any]]) -> list[Trade]:
    """Trades from fixture dicts (keys are `make_trade` arguments plus `id`)."""
    return [
        make_trade(spec["id"], **{k: v for k, v in spec.items() if k != "id"}) for spec in specs
    ]


def alerts_from_specs(specs: list[dict[str, Any]]) -> list[Alert]:
    """Alerts from fixture dicts (keys are `make_alert` arguments plus `id`)."""
    return [
        make_alert(spec["id"], **{k: v for k, v in spec.items() if k != "id"}) for spec in specs
    ]


def green_ci(commit: str = COMMIT) -> CiStatus:
    """A green CI status for `commit` (clean tree, pytest passed)."""
    record = CiRecord(
        commit=commit,
        dirty=False,
        finished_at=utc("2026-07-31T12:00:00Z"),
        tools=[ToolResult(name="pytest", passed=True, exit_code=0)],
    )
    return judge_ci_record(record, commit, False)


def sandbox_record(passed: bool = True, mode: str = "SANDBOX") -> SandboxValidationRecord:
    """A sandbox validation run of two steps (login, dry-run), the second passing or not."""
    return SandboxValidationRecord(
        passed=passed,
        ran_at=utc("2026-07-30T15:00:00Z"),
        mode=mode,
        steps=(SandboxStep(name="login", passed=True), SandboxStep(name="dry-run", passed=passed)),
        account="5WT0001234",
        server=DEFAULT_SANDBOX_URL,
    )
