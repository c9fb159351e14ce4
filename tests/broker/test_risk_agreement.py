"""The guard and the discipline score apply each shared risk rule alike (`utils.judge.risk`).

For one journal and one new spread, the guard's pre-trade checks refuse the order for a rule
exactly when the discipline score charges the trade, once journaled, for that rule: ladder,
concurrency, 20 % per underlying, revenge, halt and defined risk. Exactly at a limit both pass,
one step past it both fail. The pre-trade inputs are built from the journal as the guard builds
them (`utils.broker.evidence`); no fees, so the fee-aware max loss is the trade's 1R.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.support.judge_factory import make_trade, settings_for, utc
from utils.broker.evidence import last_loss_at, open_position
from utils.broker.order_intent import OrderIntent
from utils.broker.pretrade import run_pretrade_checks
from utils.broker.pretrade_context import ReasonCode
from utils.journal.trade import Trade
from utils.judge.discipline import evaluate_discipline
from utils.judge.discipline_rules import RuleId
from utils.judge.ramp import RampStage
from utils.judge.risk import RiskRule, open_at, open_risk_by_underlying
from utils.records.alerts import AlertRule, AlertStore, HaltState
from utils.spreads.fees import FeeSchedule
from utils.spreads.spread import Spread

NOW = utc("2026-11-02T15:00:00Z")  # a Monday, 46 days before the trades' expiration
NO_FEES = FeeSchedule(
    commission_open_per_contract=0,
    clearing_per_contract=0,
    orf_per_contract=0,
    taf_per_sold_contract=0,
)
# The discipline rule that charges a trade for breaking each shared risk rule.
CHARGED_BY: dict[RuleId, RiskRule] = {
    RuleId.NOT_DEFINED_RISK: RiskRule.DEFINED_RISK,
    RuleId.OPENED_DURING_HALT: RiskRule.HALT,
    RuleId.OVER_LADDER_SIZE: RiskRule.LADDER,
    RuleId.TOO_MANY_CONCURRENT: RiskRule.CONCURRENCY,
    RuleId.UNDERLYING_RISK_OVER_LIMIT: RiskRule.UNDERLYING_RISK,
    RuleId.REVENGE_ENTRY: RiskRule.REVENGE,
}
NEW_ID = 100
MINUTE = timedelta(minutes=1)
MICROSECOND = timedelta(microseconds=1)


def spread_of(trade: Trade) -> Spread:
    """The order that opens `trade`: its legs as the guard reads them, at its entry price."""
    return Spread(
        legs=open_position(trade).legs, price=trade.entry_price, price_effect=trade.entry_effect
    )


def verdicts(
    config,
    journal: list[Trade],
    new: Trade,
    *,
    ladder_level: int = 1,
    halt: HaltState | None = None,
    alerts=(),
) -> tuple[set[RiskRule], set[RiskRule]]:
    """(the risk rules the guard refuses `new` for, those the score charges it for)."""
    moment = new.opened_at
    decision = run_pretrade_checks(
        OrderIntent(spread=spread_of(new), client_order_id="agreement"),
        settings=config,
        now=moment,
        ladder_level=ladder_level,
        ramp_stage=RampStage.LIVE_STEADY,  # the ladder's own caps, as the score judges
        open_positions=[open_position(t) for t in journal if open_at(t, moment)],
        halt=halt,
        last_loss_at=last_loss_at([t for t in journal if t.closed_at and t.closed_at <= moment]),
        fee_schedule=NO_FEES,
    )
    refused = {code.risk_rule for code in decision.codes if code.risk_rule is not None}
    report = evaluate_discipline(
        [*journal, new], settings=config, now=moment, alerts=alerts, ladder_level=ladder_level
    )
    charged = {
        CHARGED_BY[v.code]
        for v in report.all_violations
        if v.trade_id == new.id and v.code in CHARGED_BY
    }
    return refused, charged


def open_trade(trade_id: int, *, underlying="SPY", quantity=1, width="5", credit="1.00", at=NOW):
    """A put credit vertical opened at `at` and still open (1R = (width - credit) x 100 x qty)."""
    return make_trade(
        trade_id,
        opened_at=at,
        underlying=underlying,
        quantity=quantity,
        width=width,
        credit=credit,
    )


@pytest.fixture
def config(tmp_path):
    return settings_for(tmp_path)


def test_every_shared_rule_has_one_pre_trade_check_and_one_discipline_rule():
    checks = {code.risk_rule: code for code in ReasonCode if code.risk_rule is not None}
    assert set(checks) == set(RiskRule) == set(CHARGED_BY.values())
    assert len(checks) == len(CHARGED_BY) == len(RiskRule)


# --- ladder -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "quantity", "width", "credit", "over"),
    [
        (1, 1, "6", "1.00", False),  # 1 unit, 1R $500.00: exactly the level-1 caps
        (1, 1, "6", "0.9999", True),  # 1R $500.01
        (1, 2, "3", "1.00", True),  # 2 units at $400: one unit too many
        (2, 2, "6", "1.00", False),  # 2 units, 1R $1,000.00: exactly the level-2 caps
        (2, 2, "6", "0.9999", True),  # 1R $1,000.02
        (2, 3, "2", "1.00", True),  # 3 units at $300
    ],
)
def test_ladder_refused_exactly_when_charged(config, level, quantity, width, credit, over):
    new = open_trade(NEW_ID, quantity=quantity, width=width, credit=credit)
    refused, charged = verdicts(config, [], new, ladder_level=level)
    assert refused == charged
    assert (RiskRule.LADDER in refused) is over


@settings(max_examples=40, deadline=None)
@given(
    level=st.integers(1, 4),
    quantity=st.sampled_from([1, 2, 4, 5]),
    extra_width=st.integers(1, 2),
    cents_from_cap=st.integers(-3, 3),
)
def test_ladder_agrees_around_every_cap(
    tmp_path_factory, level, quantity, extra_width, cents_from_cap
):
    config = settings_for(
        tmp_path_factory.mktemp("ladder"), risk_budget_usd=10**6, max_concurrent_spreads=5
    )
    # 1R = level x $500 + cents_from_cap x quantity cents (the credit moves 0.0001 a step).
    at_cap_per_share = Decimal(5) * level / quantity
    width = math.ceil(at_cap_per_share) + extra_width
    credit = width - at_cap_per_share - Decimal("0.0001") * cents_from_cap
    new = open_trade(NEW_ID, quantity=quantity, width=str(width), credit=str(credit))
    assert new.max_loss_usd == 500 * level + Decimal("0.01") * cents_from_cap * quantity
    refused, charged = verdicts(config, [], new, ladder_level=level)
    assert refused == charged
    assert (RiskRule.LADDER in refused) is (quantity > level or cents_from_cap > 0)


# --- concurrency ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cap", "already_open", "over"), [(2, 1, False), (2, 2, True), (4, 3, False)]
)
def test_concurrency_refused_exactly_when_charged(tmp_path, cap, already_open, over):
    config = settings_for(tmp_path, max_concurrent_spreads=cap)
    journal = [
        open_trade(i, underlying="QQQ", at=NOW - i * MINUTE) for i in range(1, 1 + already_open)
    ]
    refused, charged = verdicts(config, journal, open_trade(NEW_ID, underlying="IWM"))
    assert refused == charged
    assert (RiskRule.CONCURRENCY in refused) is over


@settings(max_examples=30, deadline=None)
@given(cap=st.integers(1, 4), already_open=st.integers(0, 5), closed=st.integers(0, 3))
def test_concurrency_agrees_with_closed_trades_in_the_journal(
    tmp_path_factory, cap, already_open, closed
):
    config = settings_for(
        tmp_path_factory.mktemp("concurrency"), max_concurrent_spreads=cap, risk_budget_usd=10**6
    )
    still_open = [open_trade(i, at=NOW - i * MINUTE) for i in range(1, 1 + already_open)]
    # Closed exactly at the new entry: no longer open when it opens.
    done = [
        make_trade(50 + i, opened_at=NOW - timedelta(days=1), closed_at=NOW, net_pnl_usd="10.00")
        for i in range(closed)
    ]
    refused, charged = verdicts(config, [*still_open, *done], open_trade(NEW_ID), ladder_level=4)
    assert refused == charged
    assert (RiskRule.CONCURRENCY in refused) is (already_open + 1 > cap)


# --- 20 % of the risk capital per underlying --------------------------------------------------


@pytest.mark.parametrize(
    ("new_underlying", "credit", "over"),
    [
        ("SPY", "1.00", False),  # $1,000 open + $1,000 new = $2,000: exactly 20 % of $10,000
        ("SPY", "0.9999", True),  # $2,000.01
        ("SPX", "0.9999", True),  # SPX is SPY's family
        ("QQQ", "0.9999", False),  # another family
    ],
)
def test_underlying_risk_refused_exactly_when_charged(tmp_path, new_underlying, credit, over):
    config = settings_for(tmp_path, unit_max_loss_usd=2000, max_concurrent_spreads=5)
    journal = [open_trade(1, width="11", at=NOW - MINUTE)]  # 1R $1,000 on SPY
    new = open_trade(NEW_ID, underlying=new_underlying, width="11", credit=credit)
    refused, charged = verdicts(config, journal, new)
    assert refused == charged
    assert (RiskRule.UNDERLYING_RISK in refused) is over
    # The card's row for the family, with the new spread open, says the same.
    rows = open_risk_by_underlying([*journal, new], settings=config, now=NOW)
    row = next(r for r in rows if new.id in r.trade_ids)
    assert row.within_limit is not over


@settings(max_examples=40, deadline=None)
@given(
    pct=st.sampled_from(["5", "10", "12.5", "20"]),
    budget=st.sampled_from(["4000", "10000", "25000.50"]),
    open_count=st.integers(0, 2),
    steps_from_limit=st.integers(-2, 2),
)
def test_underlying_risk_agrees_around_the_limit(
    tmp_path_factory, pct, budget, open_count, steps_from_limit
):
    config = settings_for(
        tmp_path_factory.mktemp("underlying"),
        symbol_risk_max_pct=pct,
        risk_budget_usd=budget,
        unit_max_loss_usd=10**6,
        max_concurrent_spreads=5,
    )
    limit = Decimal(budget) * Decimal(pct) / 100
    journal = [open_trade(i, width="2", at=NOW - i * MINUTE) for i in range(1, 1 + open_count)]
    room = limit - sum((t.max_loss_usd for t in journal), Decimal(0))
    # The new 1R lands `steps_from_limit` cents from the room left (credit 0.0001 a cent).
    wanted = room.quantize(Decimal("0.01")) + Decimal("0.01") * steps_from_limit
    assume(wanted > 0)
    width = math.floor(wanted / 100) + 1
    new = open_trade(NEW_ID, width=str(width), credit=str(width - wanted / 100))
    assert new.max_loss_usd == wanted
    refused, charged = verdicts(config, journal, new)
    assert refused == charged
    total = sum((t.max_loss_usd for t in journal), new.max_loss_usd)
    assert (RiskRule.UNDERLYING_RISK in refused) is (total > limit)


# --- revenge ----------------------------------------------------------------------------------


def losing_trade(trade_id: int, closed_at: datetime, pnl: str = "-120.00") -> Trade:
    return make_trade(
        trade_id, opened_at=closed_at - timedelta(hours=2), closed_at=closed_at, net_pnl_usd=pnl
    )


@pytest.mark.parametrize(
    ("since_loss", "over"),
    [
        (timedelta(minutes=30), False),  # exactly the 30-minute guard
        (timedelta(minutes=30) - MICROSECOND, True),
        (timedelta(0), True),  # the loss closed at the entry moment
        (timedelta(hours=2), False),
    ],
)
def test_revenge_refused_exactly_when_charged(config, since_loss, over):
    journal = [losing_trade(1, NOW - since_loss)]
    refused, charged = verdicts(config, journal, open_trade(NEW_ID))
    assert refused == charged
    assert (RiskRule.REVENGE in refused) is over


def test_a_later_winning_close_does_not_lift_the_revenge_guard(config):
    journal = [
        losing_trade(1, NOW - 10 * MINUTE),
        make_trade(2, opened_at=NOW - MINUTE * 90, closed_at=NOW - MINUTE, net_pnl_usd="80.00"),
    ]
    refused, charged = verdicts(config, journal, open_trade(NEW_ID))
    assert refused == charged == {RiskRule.REVENGE}


@settings(max_examples=40, deadline=None)
@given(
    guard=st.sampled_from([0, 15, 30, 45]),
    seconds_since=st.integers(0, 3600),
    extra_micro=st.sampled_from([-1, 0, 1]),
)
def test_revenge_agrees_around_the_guard(tmp_path_factory, guard, seconds_since, extra_micro):
    config = settings_for(tmp_path_factory.mktemp("revenge"), revenge_guard_minutes=guard)
    since = max(timedelta(seconds=seconds_since) + extra_micro * MICROSECOND, timedelta(0))
    refused, charged = verdicts(config, [losing_trade(1, NOW - since)], open_trade(NEW_ID))
    assert refused == charged
    assert (RiskRule.REVENGE in refused) is (since < timedelta(minutes=guard))


# --- halt -------------------------------------------------------------------------------------


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def halt_verdicts(data_dir: Path, config, alert_at: datetime, entry_at: datetime):
    """A HIGH alert raised at `alert_at` (a real store), then a new spread at `entry_at`."""
    clock = Clock(alert_at)
    store = AlertStore.open(data_dir, halt_hours=config.halt_hours, clock=clock)
    try:
        store.raise_alert(AlertRule.ORDER_ANOMALY, "rejected after the dry-run passed")
        clock.now = entry_at
        halt, alerts = store.halt_state(), store.alerts()
    finally:
        store.close()
    new = open_trade(NEW_ID, at=entry_at)
    return verdicts(config, [], new, halt=halt, alerts=alerts)


@pytest.mark.parametrize(
    ("after_alert", "over"),
    [
        (-MICROSECOND, False),  # before the alert
        (timedelta(0), True),  # the alert's own moment
        (timedelta(hours=24) - MICROSECOND, True),
        (timedelta(hours=24), False),  # the halt has ended
    ],
)
def test_halt_refused_exactly_when_charged(tmp_path, config, after_alert, over):
    alert_at = NOW - timedelta(hours=3)
    refused, charged = halt_verdicts(tmp_path, config, alert_at, alert_at + after_alert)
    assert refused == charged
    assert (RiskRule.HALT in refused) is over


@settings(max_examples=25, deadline=None)
@given(hours=st.sampled_from([24, 48]), offset_s=st.integers(-60, 49 * 3600))
def test_halt_agrees_for_any_entry_time(tmp_path_factory, hours, offset_s):
    data_dir = tmp_path_factory.mktemp("halt")
    config = settings_for(data_dir, halt_hours=hours)
    alert_at = NOW - timedelta(days=3)
    refused, charged = halt_verdicts(
        data_dir, config, alert_at, alert_at + timedelta(seconds=offset_s)
    )
    assert refused == charged
    assert (RiskRule.HALT in refused) is (0 <= offset_s < hours * 3600)


# --- defined risk -----------------------------------------------------------------------------


def test_a_vertical_is_defined_risk_to_both(config):
    assert verdicts(config, [], open_trade(NEW_ID)) == (set(), set())


def test_a_naked_short_put_is_refused_and_charged(config):
    vertical = open_trade(NEW_ID)
    # The journal cannot hold it (validation proves the legs): only a bypassed copy can exist,
    # whose stored 1R is the vertical's. The guard reads the legs, so it also finds the loss
    # unbounded (ladder, 20 %); the score charges the legs.
    naked = Trade.model_construct(**{**dict(vertical), "legs": vertical.legs[:1]})
    refused, charged = verdicts(config, [], naked)
    assert charged == {RiskRule.DEFINED_RISK}
    assert refused == {RiskRule.DEFINED_RISK, RiskRule.LADDER, RiskRule.UNDERLYING_RISK}


@pytest.mark.parametrize(
    ("credit", "refused_for_price"), [("4.9999", False), ("5.00", True), ("5.50", True)]
)
def test_a_credit_at_or_beyond_the_width_is_refused_and_charged(config, credit, refused_for_price):
    vertical = open_trade(NEW_ID)
    # Priced at or beyond the width there is no loss to risk: a stale or crossed quote.
    trade = vertical.model_copy(update={"entry_price": Decimal(credit)})
    decision = run_pretrade_checks(
        OrderIntent(spread=spread_of(trade), client_order_id="agreement"),
        settings=config,
        now=NOW,
        ladder_level=1,
        ramp_stage=RampStage.LIVE_STEADY,
        fee_schedule=NO_FEES,
    )
    report = evaluate_discipline([trade], settings=config, now=NOW)
    refused = ReasonCode.PRICE_ANOMALY in decision.codes
    charged = [v.code for v in report.all_violations] == [RuleId.NOT_DEFINED_RISK]
    assert refused is charged is refused_for_price
