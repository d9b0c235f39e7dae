"""The audit's paths that moto's server cannot exercise, on botocore's Stubber.

moto 5.2 drops ``DeadLetterConfig`` and ``LoggingConfig`` from function configurations and has
no ``GetAccountSettings``, ``GetFunctionRecursionConfig`` or ``ListFunctionUrlConfigs``. Here the
fetcher's clients are stubbed with real-shaped responses (the Stubber validates each against the
service model), the snapshot goes through the same renderer and live parser as a real audit,
and the rules run on it. One worker keeps each client's call order deterministic.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
from botocore.stub import Stubber  # noqa: E402

from lambdalint.audit import render  # noqa: E402
from lambdalint.audit.fetch import Fetcher, Target  # noqa: E402
from lambdalint.engine import RuleSet, all_rules, run_rules  # noqa: E402
from lambdalint.parsers.decode import decode  # noqa: E402
from lambdalint.parsers.live import build  # noqa: E402

ACCOUNT, REGION = "111122223333", "eu-central-1"
FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/"


def config(name: str, **extra: Any) -> dict[str, Any]:
    return {"FunctionName": name, "FunctionArn": FN + name, "Runtime": "python3.12", "Role": ROLE + f"{name}-role",
            "Handler": "app.handler", "CodeSize": 1024, "Description": "", "Timeout": 30, "MemorySize": 256,
            "LastModified": "2025-01-14T09:12:44.000+0000", "CodeSha256": "abc=", "Version": "$LATEST",
            "TracingConfig": {"Mode": "PassThrough"}, "State": "Active", "PackageType": "Zip",
            "Architectures": ["arm64"], **extra}


class Account:
    """Stubbed clients, filled in call order per service."""

    def __init__(self) -> None:
        session = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="stub", region_name=REGION)
        self.target = Target(ACCOUNT, "aws", session, [REGION])
        self.fetcher = Fetcher(workers=1)
        self.stubs: dict[str, Stubber] = {}
        for service in ("lambda", "logs", "iam", "s3", "sqs", "sns", "ec2", "dynamodb"):
            client = self.fetcher.client(self.target, service, REGION)
            self.stubs[service] = Stubber(client)

    def ok(self, service: str, method: str, response: dict[str, Any]) -> None:
        self.stubs[service].add_response(method, response)

    def error(self, service: str, method: str, code: str, status: int) -> None:
        self.stubs[service].add_client_error(method, service_error_code=code, service_message=code,
                                             http_status_code=status)

    def function(self, name: str, *, policy: dict | None = None, concurrency: int | None = None,
                 invoke_configs: list | None = None, urls: list | None = None, recursion: str = "Terminate") -> None:
        """The five per-function calls, in the order the fetcher makes them."""
        if policy is None:
            self.error("lambda", "get_policy", "ResourceNotFoundException", 404)
        else:
            self.ok("lambda", "get_policy", {"Policy": json.dumps(policy), "RevisionId": "r1"})
        self.ok("lambda", "get_function_concurrency",
                {} if concurrency is None else {"ReservedConcurrentExecutions": concurrency})
        self.ok("lambda", "list_function_event_invoke_configs", {"FunctionEventInvokeConfigs": invoke_configs or []})
        self.ok("lambda", "list_function_url_configs", {"FunctionUrlConfigs": urls or []})
        self.ok("lambda", "get_function_recursion_config", {"RecursiveLoop": recursion})

    def role(self, name: str, inline: dict[str, dict] | None = None) -> None:
        self.ok("iam", "list_role_policies", {"PolicyNames": list(inline or {}), "IsTruncated": False})
        for pname, doc in (inline or {}).items():
            self.ok("iam", "get_role_policy",
                    {"RoleName": name, "PolicyName": pname, "PolicyDocument": json.dumps(doc)})
        self.ok("iam", "list_attached_role_policies", {"AttachedPolicies": [], "IsTruncated": False})

    def audit(self) -> tuple[dict[str, Any], list[Any]]:
        for stub in self.stubs.values():
            stub.activate()
        try:
            snapshot = self.fetcher.audit([self.target], {})
        finally:
            self.fetcher.close()
        for stub in self.stubs.values():
            stub.assert_no_pending_responses()
        model = build(decode(render(snapshot)), "snapshot.json")
        return snapshot, run_rules(model, RuleSet(list(all_rules())))


def log_group(name: str, days: int | None) -> dict[str, Any]:
    group: dict[str, Any] = {"logGroupName": name, "creationTime": 1736845964000, "metricFilterCount": 0,
                             "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*", "storedBytes": 0,
                             "logGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"}
    if days:
        group["retentionInDays"] = days
    return group


def s3_permission(bucket: str, function: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Id": "default", "Statement": [{
        "Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "lambda:InvokeFunction",
        "Resource": FN + function, "Condition": {"StringEquals": {"AWS:SourceAccount": ACCOUNT},
                                                "ArnLike": {"AWS:SourceArn": f"arn:aws:s3:::{bucket}"}}}]}


def test_dlq_logging_config_account_limit_recursion_and_urls() -> None:
    """Fields and APIs moto lacks: DeadLetterConfig, LoggingConfig, GetAccountSettings,
    GetFunctionRecursionConfig (Allow), ListFunctionUrlConfigs."""
    acct = Account()
    dlq = {"TargetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dead-letters"}
    functions = [
        config("resizer", DeadLetterConfig=dlq, LoggingConfig={"LogFormat": "JSON", "LogGroup": "/shared/app-logs"}),
        config("web", DeadLetterConfig=dlq),
        config("vpcfn", VpcConfig={"SubnetIds": ["subnet-0123456789abcdef0"], "SecurityGroupIds": ["sg-1"],
                                   "VpcId": "vpc-1"}),
    ]
    acct.ok("lambda", "list_functions", {"Functions": functions})
    acct.ok("lambda", "list_event_source_mappings", {"EventSourceMappings": []})
    acct.ok("lambda", "get_account_settings", {
        "AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800,
                         "ConcurrentExecutions": 300, "UnreservedConcurrentExecutions": 300},
        "AccountUsage": {"TotalCodeSize": 3072, "FunctionCount": 3}})
    acct.ok("logs", "describe_log_groups", {"logGroups": [log_group("/aws/lambda/web", 14),
                                                          log_group("/aws/lambda/vpcfn", 14)]})
    acct.function("resizer", policy=s3_permission("media-in", "resizer"), recursion="Allow")
    acct.function("web", urls=[{"FunctionUrl": "https://abc.lambda-url.eu-central-1.on.aws/", "FunctionArn": FN + "web",
                                "AuthType": "NONE", "CreationTime": "2025-01-14T09:12:44.000+0000",
                                "LastModifiedTime": "2025-01-14T09:12:44.000+0000"}])
    acct.function("vpcfn")
    acct.role("resizer-role", {"writes": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::media-in/*"}]}})
    acct.role("vpcfn-role")
    acct.role("web-role")
    acct.ok("ec2", "describe_subnets", {"Subnets": [{
        "SubnetId": "subnet-0123456789abcdef0", "CidrBlock": "10.1.0.0/24", "AvailableIpAddressCount": 200,
        "AvailabilityZone": f"{REGION}a", "VpcId": "vpc-1", "State": "available",
        "SubnetArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/subnet-0123456789abcdef0"}]})
    acct.ok("logs", "describe_log_groups", {"logGroups": [log_group("/shared/app-logs", None)]})
    acct.ok("s3", "get_bucket_notification_configuration", {"LambdaFunctionConfigurations": [{
        "Id": "resize", "LambdaFunctionArn": FN + "resizer", "Events": ["s3:ObjectCreated:*"]}]})

    _, findings = acct.audit()
    got = {(f.rule_id, f.resource) for f in findings}
    assert got == {("LL101", "resizer-role"), ("LL104", "web"), ("LL301", "/shared/app-logs"), ("LL401", "vpcfn")}, \
        "\n".join(f"{f.rule_id} {f.resource}: {f.message}" for f in findings)
    by_rule = {f.rule_id: f for f in findings}
    # RecursiveLoop Allow makes the S3 loop an error: AWS will not stop it.
    assert by_rule["LL101"].severity.value == "error"
    assert "RecursiveLoop is Allow on resizer" in by_rule["LL101"].message
    # The account's real limit (300), not the default 1000.
    assert "peak concurrency 300" in by_rule["LL401"].message
    assert "account's concurrency limit" in by_rule["LL401"].message
    assert "200 free addresses" in by_rule["LL401"].message
    # web's DLQ is reported where DeadLetterConfig is; it is invoked only through its URL.
    assert "function URL" in by_rule["LL104"].message
    # resizer has a DLQ: the S3 trigger's failures are kept (no LL105).
    assert not acct.fetcher.issues


def test_access_denied_and_unknown_operations_through_stubs() -> None:
    """A denied resource policy leaves the function's invokers unknown (LL104 silent); an
    UnknownOperation is a note and the value unknown; neither is a crash."""
    acct = Account()
    dlq = {"TargetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dead-letters"}
    acct.ok("lambda", "list_functions", {"Functions": [config("web", DeadLetterConfig=dlq)]})
    acct.ok("lambda", "list_event_source_mappings", {"EventSourceMappings": []})
    acct.error("lambda", "get_account_settings", "UnknownOperationException", 400)
    acct.ok("logs", "describe_log_groups", {"logGroups": [log_group("/aws/lambda/web", 7)]})
    acct.error("lambda", "get_policy", "AccessDeniedException", 403)
    acct.ok("lambda", "get_function_concurrency", {})
    acct.error("lambda", "list_function_event_invoke_configs", "AccessDeniedException", 403)
    acct.ok("lambda", "list_function_url_configs", {"FunctionUrlConfigs": [{
        "FunctionUrl": "https://abc.lambda-url.eu-central-1.on.aws/", "FunctionArn": FN + "web", "AuthType": "NONE",
        "CreationTime": "2025-01-14T09:12:44.000+0000", "LastModifiedTime": "2025-01-14T09:12:44.000+0000"}]})
    acct.error("lambda", "get_function_recursion_config", "UnknownOperationException", 400)
    acct.error("iam", "list_role_policies", "AccessDenied", 403)
    acct.error("iam", "list_attached_role_policies", "AccessDenied", 403)

    snapshot, findings = acct.audit()
    assert findings == []  # a DLQ on a URL-invoked function, but the resource policy was not readable
    issues = {(i.op.action, i.kind) for i in acct.fetcher.issues.values()}
    assert issues == {
        ("lambda:GetAccountSettings", "unavailable"), ("lambda:GetFunctionRecursionConfig", "unavailable"),
        ("lambda:GetPolicy", "denied"), ("lambda:ListFunctionEventInvokeConfigs", "denied"),
        ("iam:ListRolePolicies", "denied"), ("iam:ListAttachedRolePolicies", "denied"),
    }
    denied = next(i for i in acct.fetcher.issues.values() if i.op.action == "lambda:GetPolicy")
    assert "LL104" in denied.text() and "Grant lambda:GetPolicy" in denied.text()
    entry = snapshot["accounts"][ACCOUNT]["regions"][REGION]["functions"]["web"]
    assert entry["Policy"] == {"Error": {"Code": "AccessDeniedException", "Kind": "denied",
                                         "Action": "lambda:GetPolicy"}}


def test_url_configs_fall_back_to_get_function_url_config() -> None:
    """Where ListFunctionUrlConfigs is missing (moto answers 404), the unqualified URL is read."""
    acct = Account()
    acct.ok("lambda", "list_functions", {"Functions": [config("web")]})
    acct.ok("lambda", "list_event_source_mappings", {"EventSourceMappings": []})
    acct.ok("lambda", "get_account_settings", {"AccountLimit": {"ConcurrentExecutions": 1000}, "AccountUsage": {}})
    acct.ok("logs", "describe_log_groups", {"logGroups": [log_group("/aws/lambda/web", 7)]})
    acct.error("lambda", "get_policy", "ResourceNotFoundException", 404)
    acct.ok("lambda", "get_function_concurrency", {})
    acct.ok("lambda", "list_function_event_invoke_configs", {"FunctionEventInvokeConfigs": []})
    acct.error("lambda", "list_function_url_configs", "404", 404)
    acct.ok("lambda", "get_function_url_config", {
        "FunctionUrl": "https://abc.lambda-url.eu-central-1.on.aws/", "FunctionArn": FN + "web", "AuthType": "NONE",
        "CreationTime": "2025-01-14T09:12:44.000+0000", "LastModifiedTime": "2025-01-14T09:12:44.000+0000"})
    acct.ok("lambda", "get_function_recursion_config", {"RecursiveLoop": "Terminate"})
    acct.role("web-role")
    snapshot, findings = acct.audit()
    entry = snapshot["accounts"][ACCOUNT]["regions"][REGION]["functions"]["web"]
    assert [u["AuthType"] for u in entry["FunctionUrlConfigs"]] == ["NONE"]
    assert findings == []
    (issue,) = acct.fetcher.issues.values()
    assert issue.kind == "unavailable" and "GetFunctionUrlConfig instead" in issue.text()
