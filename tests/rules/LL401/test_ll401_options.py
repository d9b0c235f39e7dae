"""LL401's options through the engine, the way a config file sets them.

The fixtures run with default options; these tests show the sizing model is configurable and that
the message names the numbers and where each came from.
"""

from __future__ import annotations

from pathlib import Path

from fixture_markers import fixture_path

from lambdalint.engine import RuleSet, rule_by_key
from lambdalint.lint import lint

HERE = Path(__file__).parent
TWO_24_NO_RESERVED = HERE / "fail" / "cfn-two-24-no-reserved.yaml"
TWO_24_RESERVED_100 = fixture_path("LL401", "pass", "cfn-two-24-reserved-100.yaml")


def _findings(path: Path, options: dict | None = None) -> list:
    rule = rule_by_key("LL401")
    assert rule is not None
    ruleset = RuleSet([rule], options={"LL401": options} if options else {})
    result = lint([str(path)], ruleset, cwd=path.parent)
    assert not result.errors, result.errors
    assert result.units == 1
    return result.findings


def test_default_account_concurrency_flags_two_24_subnets() -> None:
    (finding,) = _findings(TWO_24_NO_RESERVED)
    assert finding.resource == "IndexerFunction"
    message = finding.message
    assert "502 usable addresses" in message
    assert "AppSubnet1 172.31.64.0/24: 251" in message and "AppSubnet2 172.31.65.0/24: 251" in message
    assert "minus the 5 addresses AWS reserves" in message
    assert "peak concurrency 1000" in message
    assert "default account concurrency limit, option account_concurrency" in message
    assert "1 address per concurrent execution (option addresses_per_execution)" in message
    assert "SubnetIPAddressLimitReachedException" in message
    assert {(r.resource, r.loc.line) for r in finding.related} == {("AppSubnet1", 11), ("AppSubnet2", 18)}


def test_account_concurrency_option_400_passes_two_24_subnets() -> None:
    rule = rule_by_key("LL401")
    assert rule is not None
    ruleset = RuleSet([rule], options={"LL401": {"account_concurrency": 400}})
    result = lint([str(TWO_24_NO_RESERVED)], ruleset, cwd=HERE)
    assert not result.errors and result.units == 1
    assert result.findings == []  # 502 usable addresses >= 400


def test_account_concurrency_option_is_named_in_the_message() -> None:
    (finding,) = _findings(TWO_24_NO_RESERVED, {"account_concurrency": 600})
    assert "fewer than the 600 this sizing check budgets" in finding.message
    assert "account concurrency limit from option account_concurrency" in finding.message


def test_addresses_per_execution_scales_the_budget() -> None:
    # ReservedConcurrentExecutions 100 in 502 usable addresses: fine at 1 or 5 per execution, not at 6.
    assert _findings(TWO_24_RESERVED_100) == []
    assert _findings(TWO_24_RESERVED_100, {"addresses_per_execution": 5.0}) == []
    (finding,) = _findings(TWO_24_RESERVED_100, {"addresses_per_execution": 6.0})
    assert "fewer than the 600 this sizing check budgets" in finding.message
    assert "peak concurrency 100 (ReservedConcurrentExecutions) x 6 addresses" in finding.message
    # A fractional model rounds the budget up: 100 x 0.25 = 25 addresses.
    assert _findings(TWO_24_RESERVED_100, {"addresses_per_execution": 0.25}) == []
