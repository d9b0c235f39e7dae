"""Every AWS operation the audit calls: its IAM action, what it reads, and the checks it feeds.

This table is the single source for three things: the warning printed when a call is denied
("lambda:GetPolicy denied: ... LL104, LL105 ... cannot see ..."), the minimal read-only policy
in ``docs/audit-policy.json`` (a test asserts the two list exactly the same actions), and the
per-action call counts the audit reports.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Operation:
    service: str  # boto3 client name
    name: str  # API operation name, as botocore's OperationModel names it
    action: str  # IAM action that authorizes it
    reads: str  # what the audit learns from it, for warnings
    disables: tuple[str, ...]  # rule ids that cannot see what this call returns when it is denied


_ALL_RULES = ("LL101", "LL102", "LL103", "LL104", "LL105", "LL106", "LL201", "LL301", "LL401")

OPERATIONS: tuple[Operation, ...] = (
    Operation("sts", "GetCallerIdentity", "sts:GetCallerIdentity", "the account id of the credentials", ()),
    Operation("ec2", "DescribeRegions", "ec2:DescribeRegions", "the regions enabled for --all-regions", ()),
    Operation("lambda", "ListFunctions", "lambda:ListFunctions", "the functions and their configurations",
              _ALL_RULES),
    Operation("lambda", "ListEventSourceMappings", "lambda:ListEventSourceMappings", "event source mappings",
              ("LL101", "LL102", "LL103", "LL106")),
    Operation("lambda", "GetAccountSettings", "lambda:GetAccountSettings", "the account's concurrency limit",
              ("LL401",)),
    Operation("lambda", "GetPolicy", "lambda:GetPolicy",
              "function resource policies (S3, SNS, EventBridge, API Gateway invokers)", ("LL101", "LL104", "LL105")),
    Operation("lambda", "GetFunctionConcurrency", "lambda:GetFunctionConcurrency", "reserved concurrency",
              ("LL401",)),
    Operation("lambda", "ListFunctionEventInvokeConfigs", "lambda:ListFunctionEventInvokeConfigs",
              "asynchronous invocation settings (OnFailure destinations, retries)", ("LL104", "LL105")),
    Operation("lambda", "ListFunctionUrlConfigs", "lambda:ListFunctionUrlConfigs", "function URLs", ("LL104",)),
    Operation("lambda", "GetFunctionUrlConfig", "lambda:GetFunctionUrlConfig",
              "function URLs (where ListFunctionUrlConfigs is not available)", ("LL104",)),
    Operation("lambda", "GetFunctionRecursionConfig", "lambda:GetFunctionRecursionConfig",
              "recursive loop detection settings", ("LL101",)),
    Operation("iam", "ListRolePolicies", "iam:ListRolePolicies", "execution roles' inline policies", ("LL101",)),
    Operation("iam", "GetRolePolicy", "iam:GetRolePolicy", "execution roles' inline policies", ("LL101",)),
    Operation("iam", "ListAttachedRolePolicies", "iam:ListAttachedRolePolicies",
              "execution roles' attached policies", ("LL101",)),
    Operation("iam", "GetPolicy", "iam:GetPolicy", "managed policies attached to execution roles", ("LL101",)),
    Operation("iam", "GetPolicyVersion", "iam:GetPolicyVersion", "managed policies attached to execution roles",
              ("LL101",)),
    Operation("sqs", "GetQueueAttributes", "sqs:GetQueueAttributes",
              "source queues' visibility timeout and redrive policy", ("LL103", "LL106")),
    Operation("sns", "ListSubscriptionsByTopic", "sns:ListSubscriptionsByTopic", "SNS subscriptions of functions",
              ("LL101", "LL104", "LL105")),
    Operation("sns", "GetSubscriptionAttributes", "sns:GetSubscriptionAttributes", "SNS subscription filter policies",
              ("LL101",)),
    Operation("s3", "GetBucketNotificationConfiguration", "s3:GetBucketNotification",
              "S3 bucket notifications to functions", ("LL101", "LL104", "LL105")),
    Operation("dynamodb", "DescribeTable", "dynamodb:DescribeTable", "DynamoDB tables behind stream triggers",
              ("LL101",)),
    Operation("logs", "DescribeLogGroups", "logs:DescribeLogGroups", "log groups and their retention", ("LL301",)),
    Operation("ec2", "DescribeSubnets", "ec2:DescribeSubnets", "subnet sizes and free addresses", ("LL401",)),
)

BY_NAME: dict[tuple[str, str], Operation] = {(op.service, op.name): op for op in OPERATIONS}


def operation(service: str, name: str) -> Operation:
    """The table entry of a call; an unlisted call is a programming error (the policy would miss it)."""
    try:
        return BY_NAME[(service, name)]
    except KeyError:
        raise KeyError(f"{service}:{name} is not in lambdalint.audit.permissions.OPERATIONS") from None


def actions() -> list[str]:
    """The IAM actions of every operation, sorted, without duplicates: the audit policy."""
    return sorted({op.action for op in OPERATIONS})


def policy_document() -> dict:
    """The minimal read-only IAM policy the audit needs (``docs/audit-policy.json``)."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "LambdalintAuditReadOnly", "Effect": "Allow", "Action": actions(), "Resource": "*"}],
    }
