"""The README documents what the code does: metrics, discipline weights, env keys, commands."""

from __future__ import annotations

from utils.core.config import PROJECT_ROOT, Settings
from utils.judge.discipline_rules import DISCIPLINE_RULES

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_has_the_two_setup_commands_and_ci_calls_the_test_one():
    assert "make run" in README and "make test" in README
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_readme_lists_every_discipline_rule_with_its_weight():
    for rule in DISCIPLINE_RULES:
        assert f"| {rule.id} | {rule.weight} |" in README, rule.id


def test_readme_defines_the_headline_metrics():
    for phrase in (
        "$ expectancy = sum(net P&L) / N",
        "R-expectancy = mean of the R multiples",
        "Profit factor = sum of winning P&L",
        "SQN (System Quality Number) = sqrt(N) x mean(R) / stdev(R)",
        "the peak starts at 0",
    ):
        assert phrase in README, phrase


def test_readme_documents_every_env_key():
    for name in Settings.model_fields:
        assert name.upper() in README, name.upper()
