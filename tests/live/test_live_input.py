"""Offline live input: AWS CLI output and audit snapshots, through the same path as templates.

No AWS, no boto3: ``lambdalint check`` reads the JSON the AWS CLI prints and the snapshots the
audit saves, detected by content. A configuration or listing shows no surroundings, so the rules
that need triggers, log groups or subnets stay silent; a snapshot's ``{"Error": ...}`` markers
are unknowns, and no rule reports from them.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from lambdalint.engine import RuleSet, all_rules
from lambdalint.lint import LintOptions, lint
from lambdalint.parsers.live import kind_of
from lambdalint.suppress import read_baseline, write_baseline

DATA = Path(__file__).parent / "data"
ALL = RuleSet(list(all_rules()))


def findings(path: Path, options: LintOptions | None = None) -> list[Any]:
    result = lint([str(path)], ALL, cwd=path.parent, options=options)
    assert not result.errors, result.errors
    assert result.units == 1
    return result.findings


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


def test_get_function_configuration_checks_what_one_configuration_shows() -> None:
    path = DATA / "get-function-configuration.json"
    got = findings(path)
    # A secret in the environment; the Secrets Manager ARN beside it is a reference. The DLQ,
    # the VPC subnets and the log group need surroundings this output does not show: silent.
    assert [(f.rule_id, f.loc.line, f.resource) for f in got] == [
        ("LL201", line_of(path, '"STRIPE_SECRET_KEY"'), "billing-export")]
    assert "sk_live_4eC39HqLyjWDarjtT1zdp7dc" not in got[0].message


def test_list_functions_and_get_function() -> None:
    path = DATA / "list-functions.json"
    assert [(f.rule_id, f.resource) for f in findings(path)] == [("LL201", "billing-export")]
    assert kind_of(json.loads(path.read_text())) == "functions"
    wrapped = {"Configuration": json.loads((DATA / "get-function-configuration.json").read_text()),
               "Code": {"RepositoryType": "S3", "Location": "https://example.invalid/code.zip"},
               "Concurrency": {"ReservedConcurrentExecutions": 5}}
    assert kind_of(wrapped) == "get-function"


def test_list_event_source_mappings_checks_the_mappings(tmp_path: Path) -> None:
    path = DATA / "list-event-source-mappings.json"
    got = findings(path)
    assert [(f.rule_id, f.loc.line) for f in got] == [("LL102", 3), ("LL102", 28)]
    # The function and the source are named though their configurations are not in the listing;
    # the queues' visibility timeout and redrive policy are unknown (no LL103, no LL106).
    assert "from invoices to invoice-worker" in got[0].message
    assert "from clicks to click-counter" in got[1].message
    assert got[0].resource == "6c2f1e4a-3b5d-4c7e-9f80-1a2b3c4d5e6f"


def test_other_json_is_not_live(tmp_path: Path) -> None:
    package = tmp_path / "package.json"
    package.write_text(json.dumps({"name": "x", "config": {"FunctionArn": "arn:aws:lambda:x"}}))
    result = lint([str(tmp_path)], ALL, cwd=tmp_path)
    assert result.units == 0 and result.skipped == 1 and not result.errors
    template = tmp_path / "template.json"
    template.write_text(json.dumps({
        "Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {
            "Runtime": "python3.12", "Handler": "a.h", "Role": "arn:aws:iam::1:role/r", "Code": {"ZipFile": "x"},
            "Environment": {"Variables": {"DB_PASSWORD": "s3cr3t-Pa55w0rd!2024"}}}}},
        "Outputs": {"FunctionArn": {"Value": {"Fn::GetAtt": ["Fn", "Arn"]}}}}, indent=2))
    got = lint([str(template)], ALL, cwd=tmp_path).findings
    assert {(f.rule_id, f.resource) for f in got} >= {("LL201", "Fn")}  # still CloudFormation


# -- snapshots -------------------------------------------------------------------------------------

ACCOUNT = "123456789012"


def fn_entry(name: str, region: str = "us-east-1", **cfg: Any) -> dict[str, Any]:
    arn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"
    return {"Configuration": {"FunctionName": name, "FunctionArn": arn, "Runtime": "python3.12",
                              "Role": f"arn:aws:iam::{ACCOUNT}:role/{name}-role", "Handler": "a.h", "Timeout": 30,
                              "MemorySize": 128, **cfg},
            "Policy": None, "Concurrency": {}, "EventInvokeConfigs": [], "FunctionUrlConfigs": [],
            "RecursionConfig": {"RecursiveLoop": "Terminate"}}


def region(functions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    scope = {"account_settings": {"AccountLimit": {"ConcurrentExecutions": 1000}}, "functions": functions,
             "event_source_mappings": {}, "queues": {}, "tables": {}, "subnets": {}, "buckets": {}, "topics": {},
             "log_groups": {f"/aws/lambda/{n}": {"logGroupName": f"/aws/lambda/{n}", "retentionInDays": 7}
                            for n in functions}}
    scope.update(extra)
    return scope


def snapshot(regions: dict[str, Any]) -> dict[str, Any]:
    return {"lambdalint_snapshot": 1, "accounts": {ACCOUNT: {"partition": "aws", "roles": {}, "policies": {},
                                                             "regions": regions}}}


def write(tmp_path: Path, data: dict[str, Any], name: str = "snapshot.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2))
    return path


SQS = f"arn:aws:sqs:us-east-1:{ACCOUNT}:jobs"


def queue_scope() -> dict[str, Any]:
    mapping = {"UUID": "m-1", "EventSourceArn": SQS,
               "FunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:worker", "BatchSize": 10,
               "MaximumBatchingWindowInSeconds": 0, "State": "Enabled"}
    return region({"worker": fn_entry("worker", Timeout=60)}, event_source_mappings={"m-1": mapping},
                  queues={SQS: {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/jobs",
                                "Attributes": {"QueueArn": SQS, "VisibilityTimeout": "30"}}})


def test_snapshot_queue_findings_and_denied_queue_attributes(tmp_path: Path) -> None:
    got = findings(write(tmp_path, snapshot({"us-east-1": queue_scope()})))
    assert {(f.rule_id, f.resource) for f in got} == {("LL102", "m-1"), ("LL103", "jobs"), ("LL106", "jobs")}
    denied = queue_scope()
    denied["queues"][SQS] = {"Error": {"Code": "AccessDenied", "Kind": "denied", "Action": "sqs:GetQueueAttributes"}}
    got = findings(write(tmp_path, snapshot({"us-east-1": denied})))
    assert {(f.rule_id, f.resource) for f in got} == {("LL102", "m-1")}  # the mapping's own check only


def test_snapshot_unreadable_policy_keeps_ll104_silent(tmp_path: Path) -> None:
    web = fn_entry("web", DeadLetterConfig={"TargetArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:dlq"})
    web["FunctionUrlConfigs"] = [{"FunctionUrl": "https://x.lambda-url.us-east-1.on.aws/", "AuthType": "NONE",
                                  "FunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:web"}]
    path = write(tmp_path, snapshot({"us-east-1": region({"web": web})}))
    got = findings(path)
    assert [(f.rule_id, f.resource, f.loc.line) for f in got] == [("LL104", "web", line_of(path, '"DeadLetterConfig"'))]
    web["Policy"] = {"Error": {"Code": "AccessDeniedException", "Kind": "denied", "Action": "lambda:GetPolicy"}}
    assert findings(write(tmp_path, snapshot({"us-east-1": region({"web": web})}))) == []


def test_snapshot_log_groups_unlisted_or_missing(tmp_path: Path) -> None:
    scope = region({"fn": fn_entry("fn")}, log_groups={})
    got = findings(write(tmp_path, snapshot({"us-east-1": scope})))
    assert [(f.rule_id, f.resource) for f in got] == [("LL301", "fn")]  # the group does not exist yet
    assert "which does not exist in the account yet" in got[0].message and "template" not in got[0].message
    scope["log_groups"] = {"Error": {"Code": "AccessDenied", "Kind": "denied", "Action": "logs:DescribeLogGroups"}}
    assert findings(write(tmp_path, snapshot({"us-east-1": scope}))) == []


def test_multi_region_snapshot_keeps_same_names_apart(tmp_path: Path) -> None:
    east = region({"api": fn_entry("api")})
    west = region({"api": fn_entry("api", region="eu-west-1")})
    west["log_groups"]["/aws/lambda/api"] = {"logGroupName": "/aws/lambda/api"}  # no retention in eu-west-1 only
    got = findings(write(tmp_path, snapshot({"us-east-1": east, "eu-west-1": west})))
    assert [(f.rule_id, f.resource) for f in got] == [("LL301", "eu-west-1//aws/lambda/api")]
    assert "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/api" in got[0].message
    assert "eu-west-1/api" in got[0].message


def test_baselines_work_for_snapshots(tmp_path: Path) -> None:
    path = write(tmp_path, snapshot({"us-east-1": queue_scope()}))
    first = findings(path)
    write_baseline(tmp_path / "baseline.json", first)
    # Another audit of the same account: unrelated changes move lines, not fingerprints.
    data = json.loads(path.read_text())
    scope = data["accounts"][ACCOUNT]["regions"]["us-east-1"]
    scope["functions"] = {"aaa": fn_entry("aaa"), **scope["functions"]}
    scope["log_groups"]["/aws/lambda/aaa"] = {"logGroupName": "/aws/lambda/aaa", "retentionInDays": 7}
    moved = write(tmp_path, data)
    options = LintOptions(baseline=read_baseline(tmp_path / "baseline.json"), baseline_name="baseline.json")
    result = lint([str(moved)], ALL, cwd=tmp_path, options=options)
    assert result.findings == [] and len(result.suppressed) == len(first)


def test_snapshot_detection_needs_the_marker() -> None:
    data = snapshot({"us-east-1": queue_scope()})
    assert kind_of(data) == "snapshot"
    other = copy.deepcopy(data)
    del other["lambdalint_snapshot"]
    assert kind_of(other) is None
