"""LL101 recursive-trigger beyond the fixture markers: severity and message through the CLI's
JSON output, the finding's related locations, and the cost of the check on a large template."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fixture_markers import fixture_path

import lambdalint.arn
from lambdalint.engine import RuleSet, rule_by_key, run_rules
from lambdalint.parsers.cloudformation import build
from lambdalint.parsers.decode import Document

FIXTURES = Path(__file__).parent / "rules" / "LL101"


def _cli_findings(path: Path) -> list[dict[str, Any]]:
    """Run ``lambdalint check --format json --select LL101`` and return its findings."""
    proc = subprocess.run(
        [sys.executable, "-m", "lambdalint", "check", str(path), "--format", "json", "--select", "LL101"],
        capture_output=True, text=True, cwd=path.parent, check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    payload = json.loads(proc.stdout)
    assert payload["errors"] == []
    return [f for f in payload["findings"] if f["rule_id"] == "LL101"]


@pytest.mark.parametrize("name", ["sam-dynamodb-stream-crud.yaml", "cfn-dynamodb-stream-self-loop.yaml"])
def test_dynamodb_stream_loop_is_an_error_naming_the_loop(name: str) -> None:
    (finding,) = _cli_findings(fixture_path("LL101", "fail", name))
    assert finding["severity"] == "error"
    message = finding["message"]
    assert "Aggregator may dynamodb:" in message
    assert "OrdersTable invokes Aggregator (DynamoDB stream mapping" in message
    assert "does not cover stream triggers" in message
    assert "ReservedConcurrentExecutions on Aggregator" in message and "circuit breaker" in message
    # Nothing is located at a generated resource, and the text never shows a raw symbol.
    assert all(ord(c) < 0xF0000 for c in message)


@pytest.mark.parametrize(
    ("name", "severity", "needle"),
    [
        ("sam-sqs-send-message-policy.yaml", "warning", "WorkQueue invokes Worker (SQS event source mapping)"),
        ("cfn-sqs-self-loop.yaml", "warning", "WorkQueue invokes Worker (SQS event source mapping WorkerMapping)"),
        ("sam-recursive-loop-allow.yaml", "error", "RecursiveLoop is Allow on Crawler"),
        ("cfn-recursive-loop-allow.yaml", "error", "RecursiveLoop is Allow on Fanout"),
        ("sam-s3-crud-policy-param-bucket.yaml", "warning", "arn:aws:s3:::${BucketName}/*"),
    ],
)
def test_severity_and_message(name: str, severity: str, needle: str) -> None:
    (finding,) = _cli_findings(fixture_path("LL101", "fail", name))
    assert finding["severity"] == severity
    assert needle in finding["message"]


def test_multi_hop_message_names_the_whole_loop_in_order() -> None:
    (finding,) = _cli_findings(fixture_path("LL101", "fail", "cfn-multi-hop-topic-queue.yaml"))
    message = finding["message"]
    steps = [
        "Enricher may sqs:SendMessage to EnrichedQueue",
        "EnrichedQueue invokes Publisher",
        "Publisher may sns:Publish to OrdersTopic",
        "OrdersTopic invokes Enricher",
    ]
    positions = [message.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "ReservedConcurrentExecutions on Enricher, Publisher" in message


@pytest.mark.parametrize(
    ("name", "primary", "line", "loop"),
    [
        # Primary: the IAM statement that grants the write; its resource: the logical id that owns it.
        ("cfn-multi-hop-topic-queue.yaml", "EnricherRole", 33,
         {"EnricherRole", "Enricher", "EnrichedQueue", "PublisherMapping", "PublisherRole", "Publisher",
          "OrdersTopic"}),
        ("cfn-s3-role-and-policy.json", "ConverterPolicy", 48, {"ConverterPolicy", "Converter", "DocumentsBucket"}),
        ("sam-multi-hop-topic-queue.yaml", "Enricher", 22,
         {"Enricher", "EnrichedQueue", "Publisher", "OrdersTopic"}),
        ("sam-connector-write.yaml", "ArchiverToBucket", 25, {"ArchiverToBucket", "Archiver", "ArchiveBucket"}),
        ("cfn-sqs-managed-full-access.yaml", "PollerRole", 23, {"PollerRole", "Poller", "InboxQueue", "PollerMapping"}),
    ],
)
def test_locations_and_related(name: str, primary: str, line: int, loop: set[str]) -> None:
    (finding,) = _cli_findings(fixture_path("LL101", "fail", name))
    assert (finding["resource"], finding["line"]) == (primary, line)
    related = {r["resource"] for r in finding["related"]}
    assert related == loop
    assert all(r["line"] for r in finding["related"])


# -- cost ---------------------------------------------------------------------------------------

def _template(n: int) -> dict[str, Any]:
    """``n`` functions, each triggered by its own queue and allowed (by its own role's policy) to
    send to the next function's queue: a chain, no loop. Plus one function that sends to its own
    queue: exactly one loop."""
    resources: dict[str, Any] = {"OutQueue": {"Type": "AWS::SQS::Queue"}}

    def unit(prefix: str, i: int, target: str) -> None:
        resources[f"{prefix}Queue{i}"] = {"Type": "AWS::SQS::Queue"}
        resources[f"{prefix}Role{i}"] = {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "send", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:GetQueueUrl"],
                 "Resource": {"Fn::GetAtt": [target, "Arn"]}}]}}],
        }}
        resources[f"{prefix}Fn{i}"] = {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "app.handler", "Code": {"ZipFile": "def handler(e, c): pass"},
            "Role": {"Fn::GetAtt": [f"{prefix}Role{i}", "Arn"]}}}
        resources[f"{prefix}Mapping{i}"] = {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
            "EventSourceArn": {"Fn::GetAtt": [f"{prefix}Queue{i}", "Arn"]}, "FunctionName": {"Ref": f"{prefix}Fn{i}"}}}

    for i in range(n):
        unit("", i, f"Queue{i + 1}" if i + 1 < n else "OutQueue")
    unit("Loop", 0, "LoopQueue0")
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


def _glob_calls(monkeypatch: pytest.MonkeyPatch, n: int) -> int:
    """Build the model of an ``n``-function template and run LL101, counting IAM glob matches."""
    calls = 0
    real = lambdalint.arn.glob_match

    def counting(pattern: str, value: str, ignore_case: bool = False) -> bool:
        nonlocal calls
        calls += 1
        return real(pattern, value, ignore_case)

    monkeypatch.setattr(lambdalint.arn, "glob_match", counting)
    data = _template(n)
    model = build(Document(data, json.dumps(data), True), f"chain-{n}.json", "cloudformation")
    findings = run_rules(model, RuleSet([rule_by_key("LL101")]))
    monkeypatch.setattr(lambdalint.arn, "glob_match", real)
    assert [(f.rule_id, f.resource) for f in findings] == [("LL101", "LoopRole0")], [f.message for f in findings]
    assert "LoopFn0 may sqs:SendMessage to LoopQueue0" in findings[0].message
    return calls


def test_recursion_check_is_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    small = _glob_calls(monkeypatch, 1000)
    large = _glob_calls(monkeypatch, 2000)
    assert small > 0
    assert large < 3 * small, (small, large)
