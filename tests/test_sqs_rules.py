"""Messages, severities and cross-format agreement of the poll-mapping rules (LL102, LL103, LL106).

The fixture tests (tests/test_rules.py) pin rule id, line and resource. These pin what the user
reads: concrete values, and whether each came from an AWS default, SAM Globals or a parameter
default. They go through the CLI's ``--format json`` output, the public contract.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from fixture_markers import fixture_path

from lambdalint.engine import RuleSet, rule_by_key
from lambdalint.lint import lint

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "rules"


def check_json(path: Path, *select: str) -> list[dict[str, Any]]:
    """Findings of the CLI on one file, only the selected rules."""
    args = [sys.executable, "-m", "lambdalint", "check", str(path), "--format", "json"]
    for rule in select:
        args += ["--select", rule]
    proc = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads(proc.stdout)
    assert data["errors"] == []
    return data["findings"]


def only(findings: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(findings) == 1, [f["message"] for f in findings]
    return findings[0]


# -- LL103 ----------------------------------------------------------------------------------------

def test_ll103_timeout_inherited_from_globals_says_so() -> None:
    f = only(check_json(fixture_path("LL103", "fail", "sam-globals-timeout.yaml"), "LL103"))
    assert f["severity"] == "warning"
    assert "VisibilityTimeout 120s of ThumbnailQueue" in f["message"]
    assert "Timeout 60s (inherited from Globals) of MakeThumbnail" in f["message"]
    assert "= 360s" in f["message"]
    # The related location of the timeout is the Globals line, where that value is written.
    timeout_related = [r for r in f["related"] if r["message"].startswith("Timeout")]
    assert [(r["resource"], r["line"]) for r in timeout_related] == [("MakeThumbnail", 9)]


def test_ll103_default_visibility_is_named_a_default() -> None:
    f = only(check_json(fixture_path("LL103", "fail", "sam-default-visibility.yaml"), "LL103"))
    assert "VisibilityTimeout 30s (AWS default) of WebhookQueue" in f["message"]
    assert "Timeout 10s of RelayWebhook" in f["message"]
    assert f["line"] == 7  # the queue header: there is no VisibilityTimeout line to point at


def test_ll103_default_function_timeout_is_named_a_default() -> None:
    f = only(check_json(fixture_path("LL103", "fail", "sam-default-timeout.yaml"), "LL103"))
    assert "Timeout 3s (AWS default) of Invalidate = 18s" in f["message"]


def test_ll103_batching_window_is_added() -> None:
    f = only(check_json(fixture_path("LL103", "fail", "sam-batching-window.yaml"), "LL103"))
    assert "6 x Timeout 10s of FlushMetrics + batching window 5s = 65s" in f["message"]


def test_ll103_parameter_default_is_used_and_named() -> None:
    f = only(check_json(fixture_path("LL103", "fail", "cfn-param-default-timeout.yaml"), "LL103"))
    assert "Timeout 30s (from parameter FunctionTimeout default)" in f["message"]


def test_ll103_below_function_timeout_is_an_error() -> None:
    f = only(check_json(fixture_path("LL103", "fail", "cfn-below-function-timeout.yaml"), "LL103"))
    assert f["severity"] == "error"
    assert "creating the mapping fails" in f["message"]


def test_ll103_shared_queue_is_one_finding_for_the_most_demanding_consumer() -> None:
    f = only(check_json(fixture_path("LL103", "fail", "cfn-shared-queue.json"), "LL103"))
    assert f["severity"] == "warning"
    assert "Timeout 25s of Archive + batching window 10s = 160s" in f["message"]
    assert "Audit needs 120s" in f["message"]
    assert {r["resource"] for r in f["related"]} == {"Audit", "Archive", "AuditMapping", "ArchiveMapping"}


def test_ll103_multiplier_option() -> None:
    rule = rule_by_key("LL103")
    assert rule is not None
    path = fixture_path("LL103", "pass", "sam-exactly-six-times.yaml")
    assert not lint([str(path)], RuleSet([rule])).findings
    stricter = lint([str(path)], RuleSet([rule], options={"LL103": {"multiplier": 7}})).findings
    assert sorted(f.resource for f in stricter) == ["ExactQueue", "WindowedQueue"]
    assert all("7 x Timeout 20s" in f.message for f in stricter)


# -- LL102 ----------------------------------------------------------------------------------------

def test_ll102_messages_name_default_batch_sizes() -> None:
    findings = check_json(fixture_path("LL102", "fail", "sam-streams-defaults.yaml"), "LL102")
    messages = sorted(f["message"] for f in findings)
    assert len(messages) == 2
    assert messages[0].startswith("DynamoDB stream mapping from CartsTable to Aggregator")
    assert messages[1].startswith("Kinesis mapping from ClickStream to Aggregator")
    assert all("BatchSize 100 (AWS default)" in m for m in messages)
    sqs = only(check_json(fixture_path("LL102", "fail", "sam-sqs-defaults.yaml"), "LL102"))
    assert "BatchSize 10 (AWS default)" in sqs["message"]


def test_ll102_window_with_batch_one_is_named() -> None:
    findings = check_json(fixture_path("LL102", "fail", "sam-batch-one-with-window.yaml"), "LL102")
    messages = sorted(f["message"] for f in findings)
    assert any("(BatchSize 1, MaximumBatchingWindowInSeconds 10)" in m for m in messages)


# -- LL106 ----------------------------------------------------------------------------------------

def test_ll106_two_consumers_one_finding_naming_both() -> None:
    f = only(check_json(fixture_path("LL106", "fail", "sam-two-consumers.yaml"), "LL106"))
    assert "WorkQueue feeds FastPath, SlowPath" in f["message"]
    assert [r["resource"] for r in f["related"]] == ["FastPath", "SlowPath"]


# -- the same app in SAM and in plain CloudFormation ----------------------------------------------

SAM_APP = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 30
Resources:
  OrdersQueue:
    Type: AWS::SQS::Queue
  BillingQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 20
  ClickStream:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Orders:
          Type: SQS
          Properties:
            Queue: !GetAtt OrdersQueue.Arn
        Billing:
          Type: SQS
          Properties:
            Queue: !GetAtt BillingQueue.Arn
            BatchSize: 1
        Clicks:
          Type: Kinesis
          Properties:
            Stream: !GetAtt ClickStream.Arn
            StartingPosition: LATEST
"""

CFN_APP = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  OrdersQueue:
    Type: AWS::SQS::Queue
  BillingQueue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 20
  ClickStream:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 1
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
  Worker:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: !GetAtt WorkerRole.Arn
      Timeout: 30
      Code: {S3Bucket: acme-artifacts, S3Key: worker.zip}
  WorkerOrders:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt OrdersQueue.Arn
      FunctionName: !Ref Worker
  WorkerBilling:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt BillingQueue.Arn
      FunctionName: !Ref Worker
      BatchSize: 1
  WorkerClicks:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      EventSourceArn: !GetAtt ClickStream.Arn
      FunctionName: !GetAtt Worker.Arn
      StartingPosition: LATEST
"""

# A SAM event entry corresponds to the CloudFormation mapping it would become.
CFN_MAPPING_TO_SAM = {"WorkerOrders": "Worker", "WorkerBilling": "Worker", "WorkerClicks": "Worker"}


def test_same_sqs_app_in_sam_and_cloudformation_gives_the_same_findings(tmp_path: Path) -> None:
    sam_file = tmp_path / "sam.yaml"
    cfn_file = tmp_path / "cfn.yaml"
    sam_file.write_text(SAM_APP)
    cfn_file.write_text(CFN_APP)
    rules = ("LL102", "LL103", "LL106")
    sam = check_json(sam_file, *rules)
    cfn = check_json(cfn_file, *rules)

    def key(f: dict[str, Any]) -> tuple[str, str, str]:
        return (f["rule_id"], CFN_MAPPING_TO_SAM.get(f["resource"], f["resource"]), f["severity"])

    assert Counter(map(key, sam)) == Counter(map(key, cfn))
    assert Counter(map(key, sam)) == Counter({
        ("LL102", "Worker", "warning"): 2,  # Orders (default batch 10) and Clicks (100); Billing is batch 1
        ("LL103", "OrdersQueue", "warning"): 1,  # 30 s default < 6 x 30 s
        ("LL103", "BillingQueue", "error"): 1,  # 20 s < the 30 s timeout itself
        ("LL106", "OrdersQueue", "warning"): 1,
        ("LL106", "BillingQueue", "warning"): 1,
    })
    # Same values in the messages, except where each format says where the timeout came from.
    sam_103 = {f["resource"]: f["message"] for f in sam if f["rule_id"] == "LL103"}
    cfn_103 = {f["resource"]: f["message"] for f in cfn if f["rule_id"] == "LL103"}
    for queue, message in sam_103.items():
        assert message.replace(" (inherited from Globals)", "") == cfn_103[queue]
