"""LL105: an asynchronously invoked function drops failed events."""

from __future__ import annotations

from collections.abc import Iterator

from lambdalint.model import Function, Model, Prov, Trigger
from lambdalint.rule import Context, Hit, Related, Rule, Severity

RULE = Rule(
    id="LL105",
    name="async-without-failure-destination",
    title="Asynchronously invoked function without a DLQ or OnFailure destination",
    severity=Severity.WARNING,
    tags=("dlq", "event-source", "reliability", "data-loss"),
    formats=("sam", "cloudformation", "terraform", "plan", "live"),
    rationale=(
        "S3, SNS, EventBridge rules and schedules, CloudWatch Logs subscriptions and IoT rules invoke a "
        "function asynchronously. Lambda retries a failing event twice and then discards it, silently, "
        "unless the function has a dead-letter queue or an EventInvokeConfig OnFailure destination. "
        "The event is gone and nothing records that it existed."
    ),
    fix=(
        "Add an OnFailure destination (SAM EventInvokeConfig.DestinationConfig.OnFailure, "
        "AWS::Lambda::EventInvokeConfig, aws_lambda_function_event_invoke_config) or a DeadLetterQueue / "
        "DeadLetterConfig to an SQS queue or SNS topic, and alarm on it."
    ),
    references=(
        "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html",
        "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html",
    ),
)

# Trigger kinds (SAM event types, CloudFormation connectors, Lambda::Permission service principals)
# whose invocations are asynchronous: (service, what its source is). Custom resources are
# asynchronous too, but a DLQ is not their fix (CloudFormation waits on their response).
ASYNC_KINDS = {
    "s3": ("S3", "bucket"), "sns": ("SNS", "topic"), "eventbridge": ("EventBridge rule", ""),
    "schedule": ("schedule", ""), "events": ("EventBridge", ""), "scheduler": ("EventBridge Scheduler", ""),
    "logs": ("CloudWatch Logs subscription", ""), "iot": ("IoT rule", ""), "ses": ("SES", ""),
    "codecommit": ("CodeCommit", ""), "config": ("AWS Config", ""), "iotevents": ("IoT Events", ""),
    "cloudwatch": ("CloudWatch alarm", ""),
}


def _describe(trig: Trigger) -> str:
    """'S3 bucket Uploads (event Upload)', 'SNS (ChatInvoke)': the invoker, by what the user wrote."""
    service, noun = ASYNC_KINDS[trig.kind]
    text = f"{service} {noun} {trig.source}" if trig.source and noun else service
    if "/Events/" in trig.id:
        text += f" (event {trig.id.rsplit('/', 1)[1]})"
    elif trig.owner != trig.function and trig.owner != trig.source:
        text += f" ({trig.owner})"
    return text


def _retries(fn: Function) -> str:
    """How many retries precede the drop, and where that number comes from."""
    retries = fn.max_retry_attempts
    if retries is None or not retries.present:
        return "Lambda's retries"
    count = f"{retries.value} {'retry' if retries.value == 1 else 'retries'}"
    if retries.prov is Prov.DEFAULT:
        return f"{count} (AWS default)"
    note = retries.describe().strip()[1:-1]  # "inherited from Globals", "from parameter X default"
    return f"{count} (MaximumRetryAttempts{', ' + note if note else ''})"


def _properties(fn: Function) -> str:
    """The properties that would keep the events, named as the user's format spells them."""
    if fn.kind == "AWS::Serverless::Function":
        return "a DeadLetterQueue nor an EventInvokeConfig.DestinationConfig.OnFailure"
    if fn.kind == "AWS::Lambda::Function":
        return "a DeadLetterConfig nor an AWS::Lambda::EventInvokeConfig with DestinationConfig.OnFailure"
    if fn.kind == "aws_lambda_function":
        return "a dead_letter_config nor an aws_lambda_function_event_invoke_config with on_failure"
    if fn.kind == "terraform-aws-modules/lambda/aws":
        return "a dead_letter_target_arn nor a destination_on_failure"
    return "a dead-letter queue nor an OnFailure destination"


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    model: Model = ctx.model
    if not model.sees_surroundings:
        return
    for fn in model.functions.values():
        dlq, on_failure = fn.dead_letter, fn.on_failure
        # Both must be known to be absent: a DLQ behind Fn::If (AWS::NoValue) may exist.
        if dlq is None or on_failure is None or not dlq.known or not on_failure.known:
            continue
        if dlq.value is not None or on_failure.value is not None:
            continue
        # A trigger created only under a Condition the function does not share may never exist:
        # SAM events share their function's Condition; other owners' Conditions are unknowns.
        async_triggers = [t for t in model.triggers_of(fn) if t.mode == "async" and t.kind in ASYNC_KINDS
                          and (not t.conditional or t.owner == fn.id)]
        if not async_triggers:
            continue
        invokers = ", ".join(sorted({_describe(t) for t in async_triggers}))
        related = tuple(Related(t.owner, t.loc, f"asynchronous invoker: {_describe(t)}")
                        for t in async_triggers)
        yield Hit(
            fn.loc, fn.id,
            f"{fn.id} is invoked asynchronously ({invokers}) but has neither {_properties(fn)}: "
            f"an event that still fails after {_retries(fn)} is dropped without a trace",
            related,
        )
