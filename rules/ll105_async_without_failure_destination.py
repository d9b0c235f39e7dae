"""LL105: an asynchronously invoked function drops failed events."""

from __future__ import annotations

from collections.abc import Iterator

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

# Custom resources are asynchronous too, but a DLQ is not their fix (CloudFormation waits on them).
ASYNC_KINDS = {"s3", "sns", "eventbridge", "schedule", "events", "scheduler", "logs", "iot", "ses",
               "codecommit", "config", "iotevents", "cloudwatch"}


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    model = ctx.model
    if not model.sees_surroundings:
        return
    for fn in model.functions.values():
        dlq, on_failure = fn.dead_letter, fn.on_failure
        if dlq is None or on_failure is None or not dlq.known or not on_failure.known:
            continue
        if dlq.value is not None or on_failure.value is not None:
            continue
        async_triggers = [t for t in model.triggers_of(fn) if t.mode == "async" and t.kind in ASYNC_KINDS]
        if not async_triggers:
            continue
        kinds = ", ".join(sorted({t.kind for t in async_triggers}))
        related = tuple(Related(t.owner, t.loc, f"asynchronous {t.kind} trigger") for t in async_triggers)
        yield Hit(
            fn.loc, fn.id,
            f"{fn.id} is invoked asynchronously ({kinds}) but has neither a dead-letter queue nor an "
            f"OnFailure destination: events that still fail after 2 retries are dropped",
            related,
        )
