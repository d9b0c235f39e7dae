"""LL104 and LL105 messages through the real CLI (--format json): the advice must name the fix that
matches the invocation type, with the concrete resources, and never a value it cannot know."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "tests" / "rules"


def findings(path: Path, rule: str) -> list[dict]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([sys.executable, "-m", "lambdalint", "check", str(path), "--select", rule,
                           "--format", "json"], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    return [f for f in json.loads(proc.stdout)["findings"] if f["rule_id"] == rule]


def test_sqs_only_function_is_told_to_use_the_queue_redrive_policy() -> None:
    [finding] = findings(RULES / "LL104" / "fail" / "sam-sqs-only-dlq.yaml", "LL104")
    message = finding["message"]
    assert finding["resource"] == "InvoiceWorker"
    assert "DeadLetterQueue (InvoiceFailures)" in message
    assert "give InvoiceQueue a RedrivePolicy" in message
    assert "DestinationConfig.OnFailure" not in message
    assert [r["line"] for r in finding["related"]] == [26]  # the SQS event entry


def test_stream_only_function_is_told_to_use_the_mapping_on_failure() -> None:
    [finding] = findings(RULES / "LL104" / "fail" / "sam-kinesis-only-onfailure.yaml", "LL104")
    message = finding["message"]
    assert "EventInvokeConfig OnFailure destination (ClickFailures)" in message
    assert "set DestinationConfig.OnFailure on the event source mapping (event Clicks)" in message
    assert "RedrivePolicy" not in message


def test_synchronous_function_message_names_its_callers() -> None:
    [finding] = findings(RULES / "LL104" / "fail" / "cfn-apigateway-method-dlq.yaml", "LL104")
    message = finding["message"]
    assert "invoked only synchronously" in message
    assert "PriceGet" in message and "PricingInvokePermission" in message
    assert "RedrivePolicy" not in message


def test_globals_dead_letter_queue_is_reported_at_globals_as_inherited() -> None:
    got = findings(RULES / "LL104" / "fail" / "sam-globals-dlq-alb.yaml", "LL104")
    assert {(f["resource"], f["line"]) for f in got} == {("WebFunction", 9), ("QueueFunction", 9)}
    assert all("inherited from Globals" in f["message"] for f in got)


def test_async_message_states_retries_and_their_provenance() -> None:
    [default] = findings(RULES / "LL105" / "fail" / "sam-s3-event.yaml", "LL105")
    assert "S3 bucket ImagesBucket (event Upload)" in default["message"]
    assert "after 2 retries (AWS default)" in default["message"]
    [inherited] = findings(RULES / "LL105" / "fail" / "sam-schedule-globals.yaml", "LL105")
    assert "after 1 retry (MaximumRetryAttempts, inherited from Globals)" in inherited["message"]
    [explicit] = findings(RULES / "LL105" / "fail" / "cfn-eventinvokeconfig-retries-only.yaml", "LL105")
    assert "after 1 retry (MaximumRetryAttempts)" in explicit["message"]
    assert "AWS::Lambda::EventInvokeConfig with DestinationConfig.OnFailure" in explicit["message"]
