"""Pre-trade checks: every threshold at the limit (passes) and one step past it (refused)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests.support.spread_vectors import vectors
from utils.core.config import load_settings
from utils.judge.ramp import RampStage
from utils.broker.order_intent import OpenPosition, OrderIntent, Quote, RecentOrder
from utils.broker.pretrade import PRETRADE_CHECKS, run_pretrade_checks
from utils.broker.pretrade_context import ReasonCode
from utils.broker.pretrade_risk_checks import check_halt
from utils.records.alerts import AlertRule, HaltState
from utils.spreads.fees import FeeSchedule
from utils.spreads.builders import bear_call_credit, bull_call_debit, bull_put_credit, iron_condor
from utils.spreads.legs import Leg, PositionEffect
from utils.spreads.spread import Spread

NOW = datetime(2025, 1, 2, 15, 0, tzinfo=timezone.utc)  # 10:00 in New York, session 2025-01-02
SESSION = date(2025, 1, 2)
EXPIRY = date(2025, 2, 14)  # 43 days to expiration
NO_FEES = FeeSchedule(
    commission_open_per_contract=0,
    clearing_per_contract=0,
    orf_per_contract=0,
    taf_per_sold_contract=0,
)
PRETRADE = vectors()["pretrade"]


@pytest.fixture
def make_settings(tmp_path):
    def make(**overrides):
        return load_settings(env_file=tmp_path / "none.env", data_dir=tmp_path, **overrides)

    return make


@pytest.fixture
def evaluate(make_settings):
    """Run the checks with sensible defaults: week 1, level 1, no fees, tight quotes."""

    def run(intent: OrderIntent, settings=None, **overrides):
        quotes = {
            leg.occ: Quote(bid=Decimal("1.00"), ask=Decimal("1.05")) for leg in intent.spread.legs
        }
        arguments = {
            "settings": settings or make_settings(),
            "now": NOW,
            "ladder_level": 1,
            "ramp_stage": RampStage.LIVE_WEEK_1,
            "quotes": quotes,
            "fee_schedule": NO_FEES,
        }
        arguments.update(overrides)
        return run_pretrade_checks(intent, **arguments)

    return run


def bull_put(credit="1.20", quantity=1, expiry=EXPIRY, underlying="SPY", short=450, long=445):
    return bull_put_credit(underlying, expiry, short, long, credit, quantity)


def intent_for(spread: Spread, client_order_id="order-1", dry_run=None) -> OrderIntent:
    return OrderIntent(spread=spread, client_order_id=client_order_id, dry_run=dry_run)


def position(underlying: str, max_loss: str, position_id="p1", spread: Spread | None = None):
    legs = spread.legs if spread is not None else ()
    return OpenPosition(
        position_id=position_id,
        underlying=underlying,
        max_loss_usd=Decimal(max_loss),
        legs=legs,
    )


def codes(decision) -> set[ReasonCode]:
    return set(decision.codes)


def check(decision, code: ReasonCode):
    return next(result for result in decision.checks if result.code == code)


# The clean case ------------------------------------------------------------------------------


def test_clean_bull_put_entry_is_allowed_with_every_check_run(evaluate):
    decision = evaluate(intent_for(bull_put()))
    assert decision.allowed, decision.sentence
    assert decision.codes == ()
    assert len(decision.checks) == len(PRETRADE_CHECKS)
    assert decision.sentence.startswith("Allowed")
    assert decision.position_effect is PositionEffect.OPENING
    assert decision.evaluated_at == NOW


def test_decision_is_frozen(evaluate):
    decision = evaluate(intent_for(bull_put()))
    with pytest.raises(ValueError):
        decision.allowed = False


def test_every_reason_is_reported_at_once(evaluate):
    naked = Spread(
        legs=(Leg.from_occ("SPY   250214P00450000", "Sell to Open", 3),),
        price=Decimal("3.00"),
        price_effect="Credit",
    )
    decision = evaluate(intent_for(naked), last_loss_at=NOW - timedelta(minutes=1))
    assert {
        ReasonCode.NOT_DEFINED_RISK,
        ReasonCode.EXCEEDS_LADDER_CAP,
        ReasonCode.SYMBOL_RISK_OVER_20PCT,
        ReasonCode.REVENGE_GUARD,
    } <= codes(decision)
    assert decision.codes[0] is ReasonCode.NOT_DEFINED_RISK
    assert decision.sentence.startswith("Refused: ")


def test_naive_now_is_refused(evaluate):
    naive = datetime(2025, 1, 2, 10, 0)
    with pytest.raises(ValueError, match="no UTC offset"):
        evaluate(intent_for(bull_put()), now=naive)
    with pytest.raises(ValueError, match="no UTC offset"):
        HaltState(active=True).in_force(naive)


# Defined risk and price sanity ---------------------------------------------------------------


@pytest.mark.parametrize(
    "legs",
    [
        (("SPY   250214P00450000", "Sell to Open", 1),),
        (("SPY   250214P00450000", "Buy to Open", 1), ("SPY   250214P00445000", "Sell to Open", 2)),
        (("SPY   250214C00450000", "Buy to Open", 1), ("SPY   250117C00450000", "Sell to Open", 1)),
    ],
    ids=["naked-put", "put-ratio", "calendar"],
)
def test_not_defined_risk_is_refused(evaluate, legs):
    spread = Spread(
        legs=tuple(Leg.from_occ(*spec) for spec in legs),
        price=Decimal("0.20"),
        price_effect="Credit",
    )
    decision = evaluate(intent_for(spread))
    assert ReasonCode.NOT_DEFINED_RISK in decision.codes
    assert check(decision, ReasonCode.NOT_DEFINED_RISK).evidence["findings"] != "none"


def test_credit_at_the_width_is_a_price_anomaly(evaluate):
    assert ReasonCode.PRICE_ANOMALY in evaluate(intent_for(bull_put("5.00"))).codes
    assert ReasonCode.PRICE_ANOMALY not in evaluate(intent_for(bull_put("4.99"))).codes


def test_debit_at_the_width_is_a_price_anomaly(evaluate):
    at_width = bull_call_debit("SPY", EXPIRY, 450, 455, "5.00")
    below = bull_call_debit("SPY", EXPIRY, 450, 455, "4.99")
    assert ReasonCode.PRICE_ANOMALY in evaluate(intent_for(at_width)).codes
    assert ReasonCode.PRICE_ANOMALY not in evaluate(intent_for(below)).codes


def test_roll_in_one_order_is_refused(evaluate):
    old = bull_put(expiry=date(2025, 1, 17))
    new = bull_put()
    roll = Spread(
        legs=(*old.closing_legs(), *new.legs), price=Decimal("0.30"), price_effect="Credit"
    )
    decision = evaluate(intent_for(roll), open_positions=[position("SPY", "380", spread=old)])
    assert ReasonCode.MIXED_OPEN_AND_CLOSE in decision.codes
    assert "Not applied: a mixed order" in check(decision, ReasonCode.DTE_OUTSIDE_WINDOW).sentence


# Ladder cap ----------------------------------------------------------------------------------


def test_max_loss_exactly_at_the_ladder_cap_passes(evaluate, make_settings):
    decision = evaluate(intent_for(bull_put()), settings=make_settings(unit_max_loss_usd="380"))
    assert decision.allowed, decision.sentence


def test_max_loss_one_cent_over_the_ladder_cap_is_refused(evaluate, make_settings):
    decision = evaluate(intent_for(bull_put()), settings=make_settings(unit_max_loss_usd="379.99"))
    assert decision.codes == (ReasonCode.EXCEEDS_LADDER_CAP,)


def test_units_exactly_at_the_cap_pass_and_one_more_is_refused(evaluate, make_settings):
    settings = make_settings(unit_max_loss_usd="1000")
    steady = {"ladder_level": 2, "ramp_stage": RampStage.LIVE_STEADY}
    assert evaluate(intent_for(bull_put(quantity=2)), settings=settings, **steady).allowed
    refused = evaluate(intent_for(bull_put(quantity=3)), settings=settings, **steady)
    assert refused.codes == (ReasonCode.EXCEEDS_LADDER_CAP,)
    assert "3 units is above the cap of 2" in refused.sentence


def test_week_1_caps_a_higher_ladder_level_at_one_unit(evaluate):
    decision = evaluate(intent_for(bull_put(quantity=2)), ladder_level=4)
    assert ReasonCode.EXCEEDS_LADDER_CAP in decision.codes


@pytest.mark.parametrize("case", PRETRADE["ladder"]["cases"], ids=lambda c: c["name"])
def test_research_ladder_vectors_with_dry_run_fees(evaluate, make_settings, case):
    spread = bull_put(case["credit"], case["quantity"], short=case["short"], long=case["long"])
    dry_run = {
        "fee-calculation": {"total-fees": case["fees_open_usd"], "total-fees-effect": "Debit"},
        "closing-fee-calculation": {"total-fees": case["fees_close_usd"]},
    }
    settings = make_settings(unit_max_loss_usd=PRETRADE["ladder"]["unit_max_loss_usd"])
    decision = evaluate(intent_for(spread, dry_run=dry_run), settings=settings)
    ladder = check(decision, ReasonCode.EXCEEDS_LADDER_CAP)
    assert ladder.evidence["max_loss_with_fees_usd"] == case["max_loss_with_fees_usd"]
    assert ladder.passed is case["allowed"]


def test_schedule_fees_count_toward_the_ladder_cap(evaluate, make_settings):
    settings = make_settings(unit_max_loss_usd="382.55")
    decision = evaluate(intent_for(bull_put()), settings=settings, fee_schedule=FeeSchedule())
    ladder = check(decision, ReasonCode.EXCEEDS_LADDER_CAP)
    assert ladder.evidence["max_loss_with_fees_usd"] == "382.5592"
    assert not ladder.passed


# Concurrency ---------------------------------------------------------------------------------


def test_one_open_spread_allows_a_second(evaluate):
    decision = evaluate(intent_for(bull_put()), open_positions=[position("QQQ", "300")])
    assert decision.allowed, decision.sentence


def test_two_open_spreads_refuse_a_third_in_week_1(evaluate):
    positions = [position("QQQ", "300", "p1"), position("IWM", "300", "p2")]
    decision = evaluate(intent_for(bull_put()), open_positions=positions)
    assert decision.codes == (ReasonCode.TOO_MANY_CONCURRENT,)
    assert "2 spread(s) already open: at most 2" in decision.sentence


def test_after_the_ramp_the_settings_concurrency_applies(evaluate, make_settings):
    positions = [position("QQQ", "300", "p1"), position("IWM", "300", "p2")]
    settings = make_settings(max_concurrent_spreads=3)
    decision = evaluate(
        intent_for(bull_put()),
        settings=settings,
        open_positions=positions,
        ramp_stage=RampStage.LIVE_STEADY,
    )
    assert decision.allowed, decision.sentence


# Symbol risk (20 % of risk capital) ----------------------------------------------------------


def test_family_risk_exactly_20_percent_of_risk_capital_passes(evaluate):
    decision = evaluate(intent_for(bull_put()), open_positions=[position("SPY", "1620.00")])
    result = check(decision, ReasonCode.SYMBOL_RISK_OVER_20PCT)
    assert result.passed and decision.allowed
    assert result.evidence["after_order_usd"] == PRETRADE["symbol_risk"]["limit_usd"]
    assert result.evidence["after_order_pct"] == "20.00"


def test_family_risk_one_cent_over_20_percent_is_refused(evaluate):
    decision = evaluate(intent_for(bull_put()), open_positions=[position("SPY", "1620.01")])
    assert decision.codes == (ReasonCode.SYMBOL_RISK_OVER_20PCT,)
    assert "$2000.01" in decision.sentence and "20 %" in decision.sentence


def test_spx_position_counts_against_a_spy_order(evaluate):
    decision = evaluate(intent_for(bull_put()), open_positions=[position("SPX", "1620.01")])
    assert ReasonCode.SYMBOL_RISK_OVER_20PCT in decision.codes
    assert check(decision, ReasonCode.SYMBOL_RISK_OVER_20PCT).evidence["family"] == "S&P 500"


def test_other_underlyings_do_not_count(evaluate):
    decision = evaluate(intent_for(bull_put()), open_positions=[position("QQQ", "1900")])
    assert decision.allowed, decision.sentence


def test_risk_capital_is_net_liq_when_below_the_budget(evaluate):
    decision = evaluate(intent_for(bull_put()), net_liquidating_value_usd=Decimal(1900))
    result = check(decision, ReasonCode.SYMBOL_RISK_OVER_20PCT)
    assert result.evidence["risk_capital_usd"] == "1900.00"
    assert result.evidence["limit_usd"] == "380.00"
    assert result.passed
    tighter = evaluate(intent_for(bull_put()), net_liquidating_value_usd=Decimal("1899.99"))
    assert ReasonCode.SYMBOL_RISK_OVER_20PCT in tighter.codes


def test_risk_capital_is_the_budget_when_net_liq_is_higher_or_unknown(evaluate):
    rich = evaluate(intent_for(bull_put()), net_liquidating_value_usd=Decimal(1_000_000))
    unknown = evaluate(intent_for(bull_put()))
    assert check(rich, ReasonCode.SYMBOL_RISK_OVER_20PCT).evidence["risk_capital_usd"] == "10000.00"
    evidence = check(unknown, ReasonCode.SYMBOL_RISK_OVER_20PCT).evidence
    assert evidence["risk_capital_basis"] == "risk budget (net liquidating value unknown)"


def test_zero_net_liq_refuses_every_entry(evaluate):
    decision = evaluate(intent_for(bull_put()), net_liquidating_value_usd=Decimal(0))
    assert ReasonCode.SYMBOL_RISK_OVER_20PCT in decision.codes


def test_research_symbol_risk_vectors(evaluate, make_settings):
    vector = PRETRADE["symbol_risk"]
    dry_run = {
        "fee-calculation": {"total-fees": vector["one_lot_fees_open_usd"]},
        "closing-fee-calculation": {"total-fees": vector["one_lot_fees_close_usd"]},
    }
    one = evaluate(intent_for(bull_put(), dry_run=dry_run))
    assert check(one, ReasonCode.SYMBOL_RISK_OVER_20PCT).evidence["after_order_pct"] == (
        vector["one_lot_pct"]
    )
    six_lots = [position("SPY", "382.602", f"p{i}") for i in range(5)]
    settings = make_settings(max_concurrent_spreads=10)
    decision = evaluate(
        intent_for(bull_put(), dry_run=dry_run),
        settings=settings,
        open_positions=six_lots,
        ramp_stage=RampStage.LIVE_STEADY,
    )
    result = check(decision, ReasonCode.SYMBOL_RISK_OVER_20PCT)
    assert result.evidence["after_order_usd"] == vector["six_lots_usd"]
    assert not result.passed


def test_configured_symbol_risk_can_be_tighter(evaluate, make_settings):
    settings = make_settings(symbol_risk_max_pct="3.8")
    decision = evaluate(intent_for(bull_put()), settings=settings)
    assert check(decision, ReasonCode.SYMBOL_RISK_OVER_20PCT).passed
    tighter = evaluate(intent_for(bull_put()), settings=make_settings(symbol_risk_max_pct="3.79"))
    assert ReasonCode.SYMBOL_RISK_OVER_20PCT in tighter.codes


# Halt ----------------------------------------------------------------------------------------


def test_active_halt_refuses_an_entry_and_names_its_reason(evaluate):
    halt = HaltState(active=True, until=NOW + timedelta(hours=3), reason="HIGH alert: 3 losses")
    decision = evaluate(intent_for(bull_put()), halt=halt)
    assert decision.codes == (ReasonCode.HALTED,)
    assert "HIGH alert: 3 losses" in decision.sentence


def test_halt_ends_exactly_at_its_until_time(evaluate):
    assert evaluate(intent_for(bull_put()), halt=HaltState(active=True, until=NOW)).allowed
    one_second_left = HaltState(active=True, until=NOW + timedelta(seconds=1))
    refused = evaluate(intent_for(bull_put()), halt=one_second_left)
    assert refused.codes == (ReasonCode.HALTED,)


def test_open_ended_halt_is_in_force_and_inactive_halt_is_not(evaluate):
    assert not evaluate(intent_for(bull_put()), halt=HaltState(active=True)).allowed
    assert evaluate(intent_for(bull_put()), halt=HaltState(active=False)).allowed


def test_halt_from_another_module_is_accepted_by_attributes(evaluate):
    foreign = SimpleNamespace(active=True, until=NOW + timedelta(hours=1), started_at=NOW)
    decision = evaluate(intent_for(bull_put()), halt=foreign)
    assert decision.codes == (ReasonCode.HALTED,)


def test_a_halt_that_has_not_started_yet_is_not_in_force(evaluate):
    later = HaltState(
        active=True, started_at=NOW + timedelta(seconds=1), until=NOW + timedelta(hours=24)
    )
    assert evaluate(intent_for(bull_put()), halt=later).allowed


def test_a_refusal_for_risk_names_each_high_alert_it_raises_once(evaluate):
    halt = HaltState(active=True, until=NOW + timedelta(hours=3), reason="HIGH alert")
    decision = evaluate(intent_for(bull_put(quantity=3)), halt=halt)
    assert decision.codes == (ReasonCode.HALTED, ReasonCode.EXCEEDS_LADDER_CAP)
    assert decision.refusal_alerts == (AlertRule.ENTRY_DURING_HALT, AlertRule.OVER_LADDER_CAP)


def test_revenge_and_order_refusals_raise_no_high_alert(evaluate):
    decision = evaluate(
        intent_for(bull_put(expiry=SESSION)), last_loss_at=NOW - timedelta(minutes=1)
    )
    assert decision.codes == (ReasonCode.DTE_OUTSIDE_WINDOW, ReasonCode.REVENGE_GUARD)
    assert decision.refusal_alerts == ()


def test_closing_order_that_reduces_risk_passes_during_a_halt(evaluate):
    opened = bull_put(quantity=2)
    close = Spread(legs=opened.closing_legs(), price=Decimal("0.40"), price_effect="Debit")
    halt = HaltState(active=True, until=NOW + timedelta(hours=20), reason="HIGH alert")
    positions = [position("SPY", "760", spread=opened), position("QQQ", "300", "p2")]
    decision = evaluate(intent_for(close), halt=halt, open_positions=positions, quotes={})
    assert decision.allowed, decision.sentence
    assert decision.position_effect is PositionEffect.CLOSING
    assert (
        "closing orders that reduce risk still pass" in check(decision, ReasonCode.HALTED).sentence
    )


def test_halt_check_on_its_own_for_a_closing_order(evaluate):
    opened = bull_put()
    close = Spread(legs=opened.closing_legs(), price=Decimal("0.40"), price_effect="Debit")
    decision = evaluate(
        intent_for(close),
        halt=HaltState(active=True),
        open_positions=[position("SPY", "380", spread=opened)],
        checks=[check_halt],
    )
    assert decision.allowed and len(decision.checks) == 1


# Closing orders ------------------------------------------------------------------------------


def test_closing_only_the_long_leg_of_a_credit_spread_is_refused(evaluate):
    opened = bull_put()
    sell_long = Spread(
        legs=(opened.closing_legs()[1],), price=Decimal("0.10"), price_effect="Credit"
    )
    decision = evaluate(
        intent_for(sell_long), open_positions=[position("SPY", "380", spread=opened)]
    )
    assert decision.codes == (ReasonCode.NOT_DEFINED_RISK,)
    assert "uncovered" in decision.sentence


def test_closing_only_the_short_leg_is_allowed(evaluate):
    opened = bull_put()
    buy_short = Spread(
        legs=(opened.closing_legs()[0],), price=Decimal("0.60"), price_effect="Debit"
    )
    decision = evaluate(
        intent_for(buy_short), open_positions=[position("SPY", "380", spread=opened)]
    )
    assert decision.allowed, decision.sentence


def test_closing_without_a_position_is_refused(evaluate):
    close = Spread(legs=bull_put().closing_legs(), price=Decimal("0.40"), price_effect="Debit")
    decision = evaluate(intent_for(close))
    assert ReasonCode.CLOSE_WITHOUT_POSITION in decision.codes


def test_closing_more_than_is_open_is_refused(evaluate):
    opened = bull_put(quantity=1)
    close = Spread(
        legs=bull_put(quantity=2).closing_legs(), price=Decimal("0.40"), price_effect="Debit"
    )
    decision = evaluate(intent_for(close), open_positions=[position("SPY", "380", spread=opened)])
    assert ReasonCode.CLOSE_WITHOUT_POSITION in decision.codes
    assert "(open: -1)" in decision.sentence


def test_closing_order_skips_entry_limits_and_filters(evaluate, make_settings):
    opened = bull_put(expiry=SESSION + timedelta(days=2))
    close = Spread(legs=opened.closing_legs(), price=Decimal("4.90"), price_effect="Debit")
    positions = [position("SPY", "1999", spread=opened), position("QQQ", "300", "p2")]
    decision = evaluate(
        intent_for(close),
        settings=make_settings(unit_max_loss_usd="100"),
        open_positions=positions,
        last_loss_at=NOW,
        quotes={},
    )
    assert decision.allowed, decision.sentence


# Duplicate and rate limit --------------------------------------------------------------------


def test_reused_client_order_id_is_a_duplicate(evaluate):
    recent = [RecentOrder(client_order_id="order-1", submitted_at=NOW - timedelta(hours=5))]
    decision = evaluate(intent_for(bull_put()), recent_orders=recent)
    assert decision.codes == (ReasonCode.DUPLICATE_ORDER,)


def test_same_order_within_the_window_is_a_duplicate_and_at_60s_is_not(evaluate):
    earlier = intent_for(bull_put(), client_order_id="order-0")
    just_inside = [earlier.recorded(NOW - timedelta(seconds=59))]
    at_window = [earlier.recorded(NOW - timedelta(seconds=60))]
    refused = evaluate(intent_for(bull_put()), recent_orders=just_inside)
    assert refused.codes == (ReasonCode.DUPLICATE_ORDER,)
    assert "order-0" in refused.sentence
    assert evaluate(intent_for(bull_put()), recent_orders=at_window).allowed


def test_different_order_at_the_same_time_is_not_a_duplicate(evaluate):
    other = intent_for(bull_put("1.25"), client_order_id="order-0").recorded(NOW)
    assert evaluate(intent_for(bull_put()), recent_orders=[other]).allowed


def _recent(count: int, age: timedelta) -> list[RecentOrder]:
    return [RecentOrder(client_order_id=f"old-{i}", submitted_at=NOW - age) for i in range(count)]


def test_fifth_order_in_a_minute_passes_and_sixth_is_rate_limited(evaluate):
    assert evaluate(intent_for(bull_put()), recent_orders=_recent(4, timedelta(seconds=10))).allowed
    decision = evaluate(intent_for(bull_put()), recent_orders=_recent(5, timedelta(seconds=10)))
    assert decision.codes == (ReasonCode.RATE_LIMITED,)


def test_orders_exactly_60_seconds_old_leave_the_rate_window(evaluate):
    recent = _recent(5, timedelta(seconds=60))
    assert evaluate(intent_for(bull_put()), recent_orders=recent).allowed
    recent = _recent(5, timedelta(seconds=59))
    assert not evaluate(intent_for(bull_put()), recent_orders=recent).allowed


def test_rate_limit_also_applies_to_closing_orders(evaluate):
    opened = bull_put()
    close = Spread(legs=opened.closing_legs(), price=Decimal("0.40"), price_effect="Debit")
    decision = evaluate(
        intent_for(close),
        open_positions=[position("SPY", "380", spread=opened)],
        recent_orders=_recent(5, timedelta(seconds=1)),
    )
    assert decision.codes == (ReasonCode.RATE_LIMITED,)


# Entry filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "allowed"), [(6, False), (7, True), (60, True), (61, False)], ids=str
)
def test_dte_window_boundaries(evaluate, days, allowed):
    decision = evaluate(intent_for(bull_put(expiry=SESSION + timedelta(days=days))))
    assert decision.allowed is allowed
    assert check(decision, ReasonCode.DTE_OUTSIDE_WINDOW).evidence["dte"] == str(days)


def test_dte_counts_from_the_new_york_session(evaluate):
    evening = datetime(2025, 1, 3, 3, 0, tzinfo=timezone.utc)  # 22:00 on Jan 2 in New York
    decision = evaluate(intent_for(bull_put(expiry=SESSION + timedelta(days=7))), now=evening)
    assert check(decision, ReasonCode.DTE_OUTSIDE_WINDOW).evidence["dte"] == "7"


def test_credit_exactly_20_percent_of_width_passes_and_a_cent_less_fails(evaluate):
    assert evaluate(intent_for(bull_put("1.00"))).allowed
    decision = evaluate(intent_for(bull_put("0.99")))
    assert decision.codes == (ReasonCode.CREDIT_BELOW_MIN_PCT_OF_WIDTH,)
    assert "19.80 %" in decision.sentence


def test_uneven_condor_credit_is_measured_against_the_wider_wing(evaluate, make_settings):
    settings = make_settings(unit_max_loss_usd="1000")
    at_floor = iron_condor("SPY", EXPIRY, 440, 450, 480, 485, "2.00")
    below = iron_condor("SPY", EXPIRY, 440, 450, 480, 485, "1.99")
    assert evaluate(intent_for(at_floor), settings=settings).allowed
    assert evaluate(intent_for(below), settings=settings).codes == (
        ReasonCode.CREDIT_BELOW_MIN_PCT_OF_WIDTH,
    )


def test_debit_entries_are_exempt_from_the_credit_filter(evaluate):
    decision = evaluate(intent_for(bull_call_debit("SPY", EXPIRY, 450, 455, "0.50")))
    assert check(decision, ReasonCode.CREDIT_BELOW_MIN_PCT_OF_WIDTH).passed


def _quotes(spread: Spread, width: str) -> dict[str, Quote]:
    return {
        leg.occ: Quote(bid=Decimal("1.00"), ask=Decimal("1.00") + Decimal(width))
        for leg in spread.legs
    }


def test_bid_ask_width_exactly_at_the_limit_passes_and_a_cent_more_fails(evaluate):
    spread = bull_put()
    assert evaluate(intent_for(spread), quotes=_quotes(spread, "0.50")).allowed
    decision = evaluate(intent_for(spread), quotes=_quotes(spread, "0.51"))
    assert decision.codes == (ReasonCode.BID_ASK_TOO_WIDE,)


def test_missing_quote_refuses_an_entry(evaluate):
    spread = bull_put()
    quotes = {spread.legs[0].occ: Quote(bid=Decimal(1), ask=Decimal("1.05"))}
    decision = evaluate(intent_for(spread), quotes=quotes)
    assert decision.codes == (ReasonCode.QUOTE_MISSING,)
    assert spread.legs[1].occ in decision.sentence


def test_quotes_may_be_keyed_by_streamer_symbol(evaluate):
    spread = bear_call_credit("SPY", EXPIRY, 480, 485, "1.10")
    quotes = {
        leg.symbol.streamer: Quote(bid=Decimal(1), ask=Decimal("1.10")) for leg in spread.legs
    }
    assert evaluate(intent_for(spread), quotes=quotes).allowed


def test_crossed_quote_is_refused_as_data():
    with pytest.raises(ValueError, match="crossed"):
        Quote(bid=Decimal("1.10"), ask=Decimal("1.00"))


def test_revenge_guard_boundaries(evaluate):
    at_limit = evaluate(intent_for(bull_put()), last_loss_at=NOW - timedelta(minutes=30))
    assert at_limit.allowed
    just_inside = NOW - timedelta(minutes=30) + timedelta(seconds=1)
    decision = evaluate(intent_for(bull_put()), last_loss_at=just_inside)
    assert decision.codes == (ReasonCode.REVENGE_GUARD,)
    assert "revenge-trade guard" in decision.sentence
    assert "The last loss was only 29 m ago" in decision.sentence


def test_an_old_loss_reads_as_days_and_hours_not_minutes(evaluate):
    decision = evaluate(intent_for(bull_put()), last_loss_at=NOW - timedelta(minutes=19547.5))
    (check,) = [c for c in decision.checks if c.code is ReasonCode.REVENGE_GUARD]
    assert check.sentence == "The last loss was 13 d 13 h ago (guard 30 min)."


def test_revenge_guard_of_zero_minutes_is_off(evaluate, make_settings):
    settings = make_settings(revenge_guard_minutes=0)
    assert evaluate(intent_for(bull_put()), settings=settings, last_loss_at=NOW).allowed


# Intent and positions ------------------------------------------------------------------------


def test_intent_exposes_quantity_limit_price_and_fingerprint():
    intent = intent_for(bull_put("1.20", quantity=3))
    assert (intent.quantity, intent.limit_price) == (3, Decimal("1.20"))
    assert intent.fingerprint == (
        "Buy to Open 3 SPY   250214P00445000 | Sell to Open 3 SPY   250214P00450000 @ 1.2 Credit"
    )


def test_intent_needs_a_client_order_id():
    with pytest.raises(ValueError):
        OrderIntent(spread=bull_put(), client_order_id="")


def test_open_position_from_spread_takes_its_max_loss():
    opened = OpenPosition.from_spread("p9", bull_put())
    assert (opened.underlying, opened.max_loss_usd, opened.family) == (
        "SPY",
        Decimal(380),
        "S&P 500",
    )
    naked_call = Spread(
        legs=(Leg.from_occ("SPY   250214C00450000", "Sell to Open", 1),),
        price=Decimal(1),
        price_effect="Credit",
    )
    with pytest.raises(ValueError, match="p9"):
        OpenPosition.from_spread("p9", naked_call)


def test_dte_is_calendar_days_with_the_trading_sessions_beside_it(evaluate):
    # From Thursday 2025-01-02 to Friday 2025-01-17: 15 days, 10 sessions (weekends and the
    # market closure of 2025-01-09 are not sessions).
    decision = evaluate(intent_for(bull_put(expiry=date(2025, 1, 17))))
    found = check(decision, ReasonCode.DTE_OUTSIDE_WINDOW)
    assert (found.evidence["dte"], found.evidence["trading_days"]) == ("15", "10")
    assert found.sentence.startswith("15 days to expiration (10 trading sessions), inside")
