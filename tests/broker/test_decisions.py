"""The guard's pure decisions (utils.broker.decisions): inputs in, a Verdict out, nothing written
or sent. Each test names the verdict it pins."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.support.broker_support import gate_report, sandbox_record
from utils.broker.confirmation import ConfirmationRefused, RefusalCode
from utils.broker.decisions import (
    Anomaly,
    RiskAlert,
    Verdict,
    account_verdict,
    blocked_by_dry_run,
    broker_error_verdict,
    chain_verdict,
    confirmation_verdict,
    dry_run_error_verdict,
    pretrade_verdict,
    submit_error_verdict,
)
from utils.broker.models import GuardCode, GuardReason, PlacementOutcome, reason
from utils.broker.pretrade import PretradeDecision
from utils.broker.pretrade_context import CheckResult, ReasonCode
from utils.records.latch import LatchState
from utils.judge.mode import BrokerTarget, ModeCode, ModeIntent, resolve_mode
from utils.records.alerts import AlertRule, HaltState
from utils.records.audit import AuditVerification, ChainProblem
from utils.spreads.legs import PositionEffect
from utils.tastytrade.errors import (
    AuthenticationError,
    InvalidRequest,
    MalformedResponse,
    PreflightRejected,
    RateLimited,
    ServerError,
    TastytradeApiError,
    TransportError,
)
from utils.tastytrade.api_model import ApiErrorDetail

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
PATH = "/accounts/5LIVE0001/orders"


def api_error(kind: type[TastytradeApiError], status: int, **kwargs) -> TastytradeApiError:
    return kind(status, "code", "the broker says no", method="POST", path=PATH, **kwargs)


def pretrade(*failing: ReasonCode) -> PretradeDecision:
    checks = [CheckResult(code=ReasonCode.DTE_OUTSIDE_WINDOW, passed=True, sentence="DTE ok.")]
    checks += [
        CheckResult(code=code, passed=False, sentence=f"{code} fails.", evidence={"k": "v"})
        for code in failing
    ]
    return PretradeDecision(
        allowed=not failing,
        client_order_id="order-1",
        position_effect=PositionEffect.OPENING,
        evaluated_at=NOW,
        checks=tuple(checks),
    )


# --- Verdict ------------------------------------------------------------------------------


def test_an_empty_verdict_passes():
    assert Verdict().passed and Verdict().findings == ()


def test_a_risk_alert_alone_does_not_refuse():
    verdict = Verdict(risk_alerts=(RiskAlert(rule=AlertRule.OVER_LADDER_CAP, message="cap"),))
    assert verdict.passed


def test_findings_list_refusals_then_anomalies():
    refused = reason(GuardCode.BROKER_ERROR, "refused")
    odd = reason(GuardCode.ORDER_MISMATCH, "odd")
    verdict = Verdict(refusals=(refused,), anomalies=(Anomaly(finding=odd),))
    assert not verdict.passed and verdict.findings == (refused, odd)


def test_an_anomaly_raises_only_an_anomaly_alert():
    with pytest.raises(ValueError):
        Anomaly(finding=reason(GuardCode.BROKER_ERROR, "x"), rule=AlertRule.OVER_LADDER_CAP)


# --- pre-trade ----------------------------------------------------------------------------


def test_allowed_pretrade_passes_with_no_alert():
    assert pretrade_verdict(pretrade(), at_placement=True) == Verdict()


def test_pretrade_denials_are_refusals_with_their_own_codes_and_evidence():
    verdict = pretrade_verdict(
        pretrade(ReasonCode.BID_ASK_TOO_WIDE, ReasonCode.REVENGE_GUARD), at_placement=False
    )
    assert [r.code for r in verdict.refusals] == [
        ReasonCode.BID_ASK_TOO_WIDE,
        ReasonCode.REVENGE_GUARD,
    ]
    assert verdict.refusals[0].evidence == {"k": "v"}
    assert verdict.anomalies == () and verdict.risk_alerts == ()


def test_risk_denials_at_placement_raise_their_high_alerts_once_each():
    decision = pretrade(ReasonCode.EXCEEDS_LADDER_CAP, ReasonCode.HALTED)
    verdict = pretrade_verdict(decision, at_placement=True)
    assert verdict.risk_alerts == (
        RiskAlert(rule=AlertRule.OVER_LADDER_CAP, message=decision.sentence),
        RiskAlert(rule=AlertRule.ENTRY_DURING_HALT, message=decision.sentence),
    )


def test_risk_denials_at_preview_refuse_without_an_alert():
    decision = pretrade(ReasonCode.EXCEEDS_LADDER_CAP, ReasonCode.HALTED)
    verdict = pretrade_verdict(decision, at_placement=False)
    assert [r.code for r in verdict.refusals] == [
        ReasonCode.EXCEEDS_LADDER_CAP,
        ReasonCode.HALTED,
    ]
    assert verdict.risk_alerts == () and verdict.anomalies == ()


def test_a_duplicate_at_preview_is_a_refusal():
    verdict = pretrade_verdict(pretrade(ReasonCode.DUPLICATE_ORDER), at_placement=False)
    assert [r.code for r in verdict.refusals] == [ReasonCode.DUPLICATE_ORDER]
    assert verdict.anomalies == ()


def test_a_duplicate_right_before_submit_is_a_duplicate_submit_anomaly():
    verdict = pretrade_verdict(pretrade(ReasonCode.DUPLICATE_ORDER), at_placement=True)
    assert verdict.refusals == ()
    assert [(a.finding.code, a.rule) for a in verdict.anomalies] == [
        (GuardCode.DUPLICATE_SUBMIT, AlertRule.ORDER_ANOMALY)
    ]
    assert not verdict.passed


# --- account, broker reads ----------------------------------------------------------------


def test_account_flags_split_into_refusals_and_anomalies():
    read_only = reason(GuardCode.ACCOUNT_READ_ONLY, "read only")
    frozen = reason(GuardCode.ACCOUNT_FROZEN, "frozen")
    margin = reason(GuardCode.ACCOUNT_MARGIN_CALL, "margin call")
    verdict = account_verdict([read_only, frozen, margin])
    assert verdict.refusals == (read_only,)
    assert [a.finding for a in verdict.anomalies] == [frozen, margin]


def test_no_account_flag_passes():
    assert account_verdict([]).passed


def test_live_login_refused_is_an_auth_anomaly():
    verdict = broker_error_verdict(
        api_error(AuthenticationError, 401), BrokerTarget.LIVE, "Reading"
    )
    assert verdict.refusals == ()
    (anomaly,) = verdict.anomalies
    assert anomaly.rule is AlertRule.AUTH_ANOMALY
    assert anomaly.finding.code is GuardCode.BROKER_AUTH_FAILED
    assert anomaly.finding.sentence.startswith("Reading: The LIVE broker refused the login:")


def test_sandbox_login_refused_is_a_plain_refusal():
    verdict = broker_error_verdict(api_error(AuthenticationError, 401), BrokerTarget.SANDBOX)
    assert [r.code for r in verdict.refusals] == [GuardCode.BROKER_AUTH_FAILED]
    assert verdict.anomalies == ()


@pytest.mark.parametrize(
    "error, code",
    [
        (TransportError("connection refused"), GuardCode.BROKER_UNREACHABLE),
        (api_error(RateLimited, 429), GuardCode.BROKER_RATE_LIMITED),
        (api_error(ServerError, 503), GuardCode.BROKER_ERROR),
    ],
)
def test_other_read_failures_are_refusals(error, code):
    verdict = broker_error_verdict(error, BrokerTarget.LIVE)
    assert [r.code for r in verdict.refusals] == [code] and verdict.anomalies == ()


# --- the broker's dry-run -----------------------------------------------------------------


def test_a_preflight_rejection_refuses_with_each_failed_check():
    error = api_error(
        PreflightRejected,
        422,
        errors=[ApiErrorDetail(code="margin_check_failed", message="not enough buying power")],
    )
    judged = dry_run_error_verdict(error, BrokerTarget.LIVE)
    assert judged.outcome == "rejected" and judged.what_if is None
    (found,) = judged.verdict.refusals
    assert found.code is GuardCode.DRY_RUN_REJECTED
    assert "margin_check_failed: not enough buying power" in found.sentence


@pytest.mark.parametrize(
    "error, code",
    [
        (MalformedResponse("not JSON"), GuardCode.DRY_RUN_UNREADABLE),
        (TransportError("timed out"), GuardCode.DRY_RUN_MISSING),
        (api_error(ServerError, 502), GuardCode.DRY_RUN_MISSING),
    ],
)
def test_a_dry_run_without_a_usable_answer_is_an_anomaly(error, code):
    judged = dry_run_error_verdict(error, BrokerTarget.LIVE)
    assert judged.outcome == "missing" and judged.verdict.refusals == ()
    assert [(a.finding.code, a.rule) for a in judged.verdict.anomalies] == [
        (code, AlertRule.ORDER_ANOMALY)
    ]


@pytest.mark.parametrize(
    "error, outcome, code",
    [
        (api_error(RateLimited, 429), "refused", GuardCode.BROKER_RATE_LIMITED),
        (api_error(TastytradeApiError, 400), "refused", GuardCode.DRY_RUN_REJECTED),
        (InvalidRequest("bad order"), "not_sent", GuardCode.DRY_RUN_MISSING),
    ],
)
def test_a_dry_run_refused_or_not_sent_refuses(error, outcome, code):
    judged = dry_run_error_verdict(error, BrokerTarget.SANDBOX)
    assert judged.outcome == outcome
    assert [r.code for r in judged.verdict.refusals] == [code]
    assert judged.verdict.anomalies == ()


def test_a_dry_run_login_refused_by_live_is_an_auth_anomaly():
    judged = dry_run_error_verdict(api_error(AuthenticationError, 401), BrokerTarget.LIVE)
    assert judged.outcome == "auth_failed"
    assert [a.rule for a in judged.verdict.anomalies] == [AlertRule.AUTH_ANOMALY]
    assert judged.verdict.findings[0].sentence.startswith("The dry-run: ")


def test_blocked_by_dry_run_names_why_orders_stop():
    decision = resolve_mode(
        ModeIntent(
            use_live=False, always_dry_run=True, sandbox_credentials=True, live_credentials=False
        ),
        gates=gate_report(NOW),
        sandbox=sandbox_record("passed", NOW),
        halt=HaltState(active=False),
        latch=LatchState(active=False),
        now=NOW,
    )
    assert [r.code for r in decision.dry_run_reasons] == [ModeCode.ALWAYS_DRY_RUN]
    why = blocked_by_dry_run(decision)
    assert why.code is GuardCode.BLOCKED_BY_DRY_RUN
    assert why.sentence == (
        "Blocked by dry-run (SANDBOX (dry-run)): nothing was placed. "
        "ALWAYS_DRY_RUN=true: every order stops after the broker's dry-run."
    )


# --- confirmation, audit chain, submit ----------------------------------------------------


def test_a_refused_confirmation_refuses_with_its_own_code():
    verdict = confirmation_verdict(ConfirmationRefused(RefusalCode.ORDER_CHANGED, "changed"))
    assert verdict.refusals == (GuardReason(code=RefusalCode.ORDER_CHANGED, sentence="changed"),)
    assert verdict.anomalies == ()


def test_a_replayed_confirmation_is_also_a_duplicate_submit():
    verdict = confirmation_verdict(ConfirmationRefused(RefusalCode.CONFIRMATION_REPLAYED, "used"))
    assert [r.code for r in verdict.refusals] == [RefusalCode.CONFIRMATION_REPLAYED]
    assert [a.finding.sentence for a in verdict.anomalies] == ["Duplicate submit refused: used"]


BROKEN = AuditVerification(
    ok=False,
    checked=3,
    first_broken_seq=2,
    message="entry 2 was edited",
    problem=ChainProblem.EDITED,
)


def test_a_broken_chain_refuses_an_opening_order_with_its_evidence():
    verdict = chain_verdict(BROKEN, PositionEffect.OPENING)
    (found,) = verdict.refusals
    assert found.code is GuardCode.AUDIT_CHAIN_BROKEN
    assert found.evidence == {"first_broken_seq": "2", "problem": "edited"}


def test_a_broken_chain_lets_a_closing_order_pass():
    assert chain_verdict(BROKEN, PositionEffect.CLOSING).passed


def test_an_intact_chain_passes():
    intact = AuditVerification(ok=True, checked=3, message="intact")
    assert chain_verdict(intact, PositionEffect.OPENING).passed


@pytest.mark.parametrize(
    "error, outcome, code, anomaly",
    [
        (api_error(TastytradeApiError, 400), PlacementOutcome.REJECTED, "ORDER_REJECTED", True),
        (api_error(RateLimited, 429), PlacementOutcome.REFUSED, "BROKER_RATE_LIMITED", False),
        (TransportError("refused"), PlacementOutcome.REFUSED, "BROKER_ERROR", False),
        (api_error(AuthenticationError, 401), PlacementOutcome.REFUSED, "BROKER_AUTH_FAILED", True),
    ],
)
def test_an_error_answer_to_the_order_post(error, outcome, code, anomaly):
    decided, verdict = submit_error_verdict(error, BrokerTarget.LIVE)
    assert decided is outcome
    assert [f.code for f in verdict.findings] == [GuardCode(code)]
    assert bool(verdict.anomalies) is anomaly
