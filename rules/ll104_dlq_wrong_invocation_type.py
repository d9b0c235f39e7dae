"""LL104: a DLQ or async OnFailure destination on a function that is never invoked asynchronously."""

from __future__ import annotations

from collections.abc import Iterator

from lambdalint.model import Function, Model, Trigger, Val
from lambdalint.rule import Context, Hit, Related, Rule, Severity

RULE = Rule(
    id="LL104",
    name="dlq-wrong-invocation-type",
    title="Dead-letter queue or OnFailure destination that the invocation type never uses",
    severity=Severity.WARNING,
    tags=("dlq", "event-source", "reliability"),
    formats=("sam", "cloudformation", "terraform", "plan", "live"),
    rationale=(
        "A function's DeadLetterConfig and its EventInvokeConfig destinations apply only to asynchronous "
        "invocations (S3, SNS, EventBridge, schedules, InvocationType=Event). A function invoked only "
        "synchronously (API Gateway, function URLs, ALB) or only through event source mappings (SQS, "
        "Kinesis, DynamoDB streams) never sends anything there: the configuration looks like a safety "
        "net while failures are in fact returned to the caller, retried by the queue, or block the "
        "stream. The rule fires only when every invoker of the function is known; any reference it "
        "cannot classify (another function, a state machine, a cross-account permission) keeps it silent."
    ),
    fix=(
        "For an SQS-triggered function, give the source queue a RedrivePolicy with a dead-letter queue; "
        "for a Kinesis or DynamoDB-stream mapping, set the mapping's DestinationConfig.OnFailure; for "
        "synchronous callers, handle the error in the caller. Then remove the unused DLQ."
    ),
    references=(
        "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html",
        "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html",
        "https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html",
    ),
)

# How a trigger kind reads in a message. Kinds come from SAM event types, CloudFormation
# connectors and Lambda::Permission principals (the service prefix).
KIND_LABELS = {
    "api": "API Gateway", "apigateway": "API Gateway permission", "http-api": "HTTP API",
    "url": "function URL", "alb": "ALB", "elasticloadbalancing": "ALB permission", "cognito": "Cognito",
    "cognito-idp": "Cognito", "appsync": "AppSync", "alexa": "Alexa skill", "alexa-appkit": "Alexa skill",
    "alexa-connectedhome": "Alexa", "lex": "Lex", "secretsmanager": "Secrets Manager rotation",
    "connect": "Amazon Connect", "sqs": "SQS queue", "kinesis": "Kinesis stream",
    "dynamodb": "DynamoDB stream", "kafka": "Kafka", "mq": "Amazon MQ broker",
    "documentdb": "DocumentDB change stream", "sns": "SNS topic",
}
# Mapping kinds whose failures a mapping-level DestinationConfig.OnFailure captures.
STREAM_KINDS = {"kinesis", "dynamodb", "kafka"}


def _describe_trigger(model: Model, trig: Trigger) -> str:
    """'SQS queue InvoiceQueue (event Invoices)': the invoker, by what the user wrote."""
    label = KIND_LABELS.get(trig.kind, trig.kind)
    where = trig.source
    if where is None and trig.source_arn is not None and trig.source_arn.value:
        where = model.show(trig.source_arn.value)
    text = f"{label} {where}" if where else label
    if trig.kind == "sns" and trig.mode == "poll":
        text += " via SqsSubscription"
    if "/Events/" in trig.id:
        text += f" (event {trig.id.rsplit('/', 1)[1]})"
    elif trig.owner != trig.function:
        text += f" ({trig.owner})"
    return text


def _advice(model: Model, triggers: list[Trigger]) -> str:
    """Where failures of each kind of invoker really go, and what to configure instead."""
    advice: list[str] = []
    terraform = model.fmt in ("terraform", "plan")
    redrive = "a redrive_policy" if terraform else "a RedrivePolicy"
    on_failure = "destination_config.on_failure" if terraform else "DestinationConfig.OnFailure"
    queues = sorted({t.source or "the source queue" for t in triggers if t.kind == "sqs"})
    if queues:
        advice.append(
            f"failed SQS messages return to the queue and are retried until its RedrivePolicy moves them "
            f"to a dead-letter queue, so give {', '.join(queues)} {redrive}")
    if any(t.kind == "sns" and t.mode == "poll" for t in triggers):
        advice.append(
            "failed SNS messages stay in the subscription's SQS queue, so give that queue a RedrivePolicy "
            "(SqsSubscription with a QueueArn of your own)")
    mappings = sorted({_mapping_name(t) for t in triggers if t.kind in STREAM_KINDS})
    if mappings:
        advice.append(
            f"a failing batch is retried, blocking its shard or partition, until it succeeds, expires or runs out of "
            f"MaximumRetryAttempts and is then discarded, so set {on_failure} on the "
            f"event source mapping ({', '.join(mappings)})")
    others = sorted({KIND_LABELS.get(t.kind, t.kind) for t in triggers if t.mode == "poll"
                     and t.kind not in STREAM_KINDS | {"sqs", "sns"}})
    if others:
        advice.append(f"failures of {', '.join(others)} records stay with the event source mapping")
    if any(t.mode == "sync" for t in triggers):
        advice.append("synchronous callers receive the error in the response and must handle it themselves")
    return "; ".join(advice)


def _mapping_name(trig: Trigger) -> str:
    if "/Events/" in trig.id:
        return f"event {trig.id.rsplit('/', 1)[1]}"
    return trig.owner


def _targets(fn: Function) -> list[tuple[str, str, Val[str]]]:
    """(fingerprint key, what the user wrote, value) of each async-only failure target."""
    out = []
    if fn.dead_letter is not None and fn.dead_letter.present:
        prop = {"AWS::Serverless::Function": "a DeadLetterQueue", "AWS::Lambda::Function": "a DeadLetterConfig",
                "aws_lambda_function": "a dead_letter_config",
                "terraform-aws-modules/lambda/aws": "a dead_letter_target_arn"}.get(fn.kind, "a dead-letter queue")
        out.append(("dead-letter queue", prop, fn.dead_letter))
    if fn.on_failure is not None and fn.on_failure.present:
        out.append(("asynchronous OnFailure destination", "an EventInvokeConfig OnFailure destination",
                    fn.on_failure))
    return out


def _note(val: Val[str]) -> str:
    """', inherited from Globals' and the like, to go inside the parenthesis after the target."""
    note = val.describe().strip()[1:-1]
    return f", {note}" if note else ""


def _target_name(model: Model, value: str | None) -> str:
    found = model.lookup(value)
    return found.id if found is not None else model.show(value)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    model = ctx.model
    if not model.sees_surroundings:
        return
    for fn in model.functions.values():
        targets = _targets(fn)
        # Only when every invoker is known: anything unclassified may invoke asynchronously.
        if not targets or fn.other_invokers:
            continue
        triggers = model.triggers_of(fn)
        if not triggers or any(t.mode not in ("sync", "poll") for t in triggers):
            continue
        modes = []
        if any(t.mode == "sync" for t in triggers):
            modes.append("synchronously")
        if any(t.mode == "poll" for t in triggers):
            modes.append("through event source mappings")
        invokers = ", ".join(sorted({_describe_trigger(model, t) for t in triggers}))
        related = tuple(
            Related(t.owner, t.loc, f"{_describe_trigger(model, t)}: "
                    f"{'synchronous' if t.mode == 'sync' else 'event source mapping'}")
            for t in triggers)
        for key, prop, target in targets:
            yield Hit(
                target.loc, fn.id,
                f"{fn.id} has {prop} ({_target_name(model, target.value)}{_note(target)}), which only "
                f"asynchronous invocations use, but it is invoked only {' and '.join(modes)} ({invokers}): "
                f"nothing will ever arrive there; {_advice(model, triggers)}",
                related, key=key,
            )
