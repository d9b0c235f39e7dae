"""LL106: a queue that feeds a function has no dead-letter queue."""

from __future__ import annotations

from collections.abc import Iterator

from lambdalint.rule import Context, Hit, Related, Rule, Severity

RULE = Rule(
    id="LL106",
    name="sqs-source-without-redrive",
    title="SQS queue feeding a function has no RedrivePolicy",
    severity=Severity.WARNING,
    tags=("sqs", "dlq", "event-source", "reliability"),
    formats=("sam", "cloudformation", "terraform", "plan", "live"),
    rationale=(
        "For an SQS-triggered function, failures are handled by the queue, not by the function's own DLQ: "
        "a message that keeps failing returns to the queue after every visibility timeout and is retried "
        "until its retention period (4 days by default) expires, costing an invocation every time and then "
        "disappearing. A RedrivePolicy moves it to a dead-letter queue after maxReceiveCount attempts, "
        "where it can be inspected and replayed."
    ),
    fix=(
        "Give the queue a RedrivePolicy {deadLetterTargetArn: <DLQ ARN>, maxReceiveCount: 3-5} "
        "(redrive_policy or aws_sqs_queue_redrive_policy in Terraform), and alarm on the DLQ's depth. "
        "The queue SAM creates for an SNS event's SqsSubscription: true cannot have one: declare the queue "
        "yourself with a RedrivePolicy and pass its QueueArn and QueueUrl in SqsSubscription."
    ),
    references=(
        "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html",
    ),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    consumers: dict[str, list] = {}
    for trig in ctx.model.triggers:
        queue_id = trig.polled_queue()  # an SQS mapping's source, or an SNS SqsSubscription's queue
        if queue_id in ctx.model.queues:
            consumers.setdefault(queue_id, []).append(trig)
    for queue_id, triggers in sorted(consumers.items()):
        queue = ctx.model.queues[queue_id]
        redrive = queue.redrive_target
        if redrive is None or not redrive.known or redrive.value is not None:
            continue
        # A mapping whose function is not in this unit (an imported ARN, a name) is named itself.
        consumers = sorted({t.function or f"mapping {t.owner}" for t in triggers})
        functions = ", ".join(consumers)
        related = tuple(
            Related(t.owner, t.loc, "event source mapping" if t.kind == "sqs"
                    else "SNS event whose SqsSubscription SAM turns into an event source mapping")
            for t in triggers)
        message = (f"{queue.label()} feeds {functions} but has no RedrivePolicy: a message that keeps failing is "
                   f"retried until it expires, then lost")
        if queue.created_by is not None:
            # The generic fix (give the queue a RedrivePolicy) has nowhere to go for a queue SAM creates.
            message += ("; SqsSubscription: true cannot give it one, so declare a queue with a RedrivePolicy and "
                        "pass its QueueArn and QueueUrl in SqsSubscription")
        # A queue SAM creates is reported on the function whose event creates it (the fix goes there),
        # keyed by the queue since one function may have several.
        if queue.created_by is not None:
            yield Hit(queue.loc, queue.created_by, message, related, key=queue.id)
        else:
            yield Hit(queue.loc, queue.id, message, related)
