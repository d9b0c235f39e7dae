"""LL104: a DLQ or async OnFailure destination on a function that is never invoked asynchronously."""

from __future__ import annotations

from collections.abc import Iterator

from lambdalint.model import Function, Trigger, Val
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


def _advice(triggers: list[Trigger]) -> str:
    kinds = {t.kind for t in triggers}
    advice = []
    if "sqs" in kinds:
        advice.append("give the source queue a RedrivePolicy")
    if kinds & {"kinesis", "dynamodb", "kafka"}:
        advice.append("set the mapping's DestinationConfig.OnFailure")
    if any(t.mode == "sync" for t in triggers):
        advice.append("synchronous callers receive the error themselves")
    return "; ".join(advice)


def _targets(fn: Function) -> list[tuple[str, Val[str]]]:
    out = []
    if fn.dead_letter is not None and fn.dead_letter.present:
        out.append(("dead-letter queue", fn.dead_letter))
    if fn.on_failure is not None and fn.on_failure.present:
        out.append(("asynchronous OnFailure destination", fn.on_failure))
    return out


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    model = ctx.model
    if not model.sees_surroundings:
        return
    for fn in model.functions.values():
        targets = _targets(fn)
        if not targets or fn.other_invokers:
            continue
        triggers = model.triggers_of(fn)
        if not triggers or any(t.mode not in ("sync", "poll") for t in triggers):
            continue
        modes = sorted({"synchronous callers" if t.mode == "sync" else "event source mappings" for t in triggers})
        how = " and ".join(modes)
        listing = ", ".join(sorted({t.kind for t in triggers}))
        related = tuple(Related(t.owner, t.loc, f"{t.kind} trigger ({'synchronous' if t.mode == 'sync' else 'poll'})")
                        for t in triggers)
        for label, target in targets:
            yield Hit(
                target.loc, fn.id,
                f"{fn.id} has a {label}{target.describe()}, but it is invoked only by {how} ({listing}), "
                f"which never use it: {_advice(triggers)}",
                related, key=label,
            )
