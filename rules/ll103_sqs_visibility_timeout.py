"""LL103: the source queue hides a batch for less than 6x the function timeout."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lambdalint.model import Function, Trigger, Val
from lambdalint.rule import Context, Hit, Option, Related, Rule, Severity

RULE = Rule(
    id="LL103",
    name="sqs-visibility-timeout",
    title="SQS visibility timeout is shorter than 6x the function timeout",
    severity=Severity.WARNING,
    tags=("sqs", "event-source", "reliability"),
    formats=("sam", "cloudformation", "terraform", "plan", "live"),
    options={"multiplier": Option(int, 6, "required ratio of visibility timeout to function timeout")},
    rationale=(
        "Lambda hides each polled batch for the queue's visibility timeout. When the function is "
        "throttled or retried, processing can outlast it; the messages become visible again and "
        "another invocation processes them a second time. AWS recommends a visibility timeout of at "
        "least six times the function timeout, plus the mapping's MaximumBatchingWindowInSeconds. "
        "Below the function timeout itself, creating the mapping fails at deploy time (reported as "
        "an error). Defaults count: SQS VisibilityTimeout 30 s, Lambda Timeout 3 s."
    ),
    fix=(
        "Set the queue's VisibilityTimeout (visibility_timeout_seconds in Terraform) to at least "
        "{multiplier} x the function Timeout + the batching window, or lower the function Timeout. "
        "The queue SAM creates for an SNS event's SqsSubscription: true keeps the 30 s default: declare the "
        "queue yourself and pass its QueueArn and QueueUrl in SqsSubscription."
    ),
    references=(
        "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#events-sqs-queueconfig",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html",
    ),
)


@dataclass(frozen=True, slots=True)
class _Need:
    """What one mapping asks of its queue: multiplier x function timeout + batching window."""

    trig: Trigger
    fn: Function
    timeout: Val[int]
    window: Val[int]
    seconds: int


def _needs(ctx: Context, multiplier: int) -> dict[str, list[_Need]]:
    """Known requirements per queue; a mapping with an unknown timeout or window asks nothing."""
    out: dict[str, list[_Need]] = {}
    for trig in ctx.model.triggers:
        queue_id = trig.polled_queue()  # an SQS mapping's source, or an SNS SqsSubscription's queue
        if queue_id is None or trig.function is None:
            continue
        fn = ctx.model.functions.get(trig.function)
        if queue_id not in ctx.model.queues or fn is None:
            continue
        timeout, window = fn.timeout, trig.batching_window
        if not (timeout is not None and timeout.present and window is not None and window.present):
            continue
        need = _Need(trig, fn, timeout, window, multiplier * timeout.value + (window.value or 0))
        out.setdefault(queue_id, []).append(need)
    return out


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    """One finding per queue: the fix is one VisibilityTimeout, sized for its most demanding consumer."""
    multiplier = int(ctx.options["multiplier"])
    for queue_id, needs in sorted(_needs(ctx, multiplier).items()):
        queue = ctx.model.queues[queue_id]
        vis = queue.visibility_timeout
        if vis is None or not vis.present:
            continue
        short = [n for n in needs if vis.value < n.seconds]
        if not short:
            continue
        short.sort(key=lambda n: (-n.seconds, n.trig.id))
        worst = short[0]
        window = worst.window
        window_note = f" + batching window {window.value}s{window.describe()}" if window.value else ""
        message = (
            f"VisibilityTimeout {vis.value}s{vis.describe()} of {queue.label()} is below {multiplier} x Timeout "
            f"{worst.timeout.value}s{worst.timeout.describe()} of {worst.fn.id}{window_note} = "
            f"{worst.seconds}s: messages can be processed twice"
        )
        others = list(dict.fromkeys(
            f"{n.fn.id} needs {n.seconds}s" for n in short[1:]
            if (n.fn.id, n.seconds) != (worst.fn.id, worst.seconds)
        ))
        if others:
            message += f" (also {', '.join(others)})"
        severity = None
        below = sorted({n.fn.id for n in short if vis.value < n.timeout.value})
        if below:
            severity = Severity.ERROR
            message += (
                f"; it is even below the Timeout of {', '.join(below)}, so creating the mapping fails"
            )
        if queue.created_by is not None:
            # Nothing in the template sets this queue's VisibilityTimeout: the fix is a queue of one's own.
            message += (
                f"; SqsSubscription: true cannot set it, so declare a queue with VisibilityTimeout of at least "
                f"{worst.seconds}s and pass its QueueArn and QueueUrl in SqsSubscription, or lower the Timeout"
            )
        related: dict[Related, None] = {}  # ordered, without repeating a function's timeout
        for n in short:
            timeout_note = f"Timeout {n.timeout.value}s{n.timeout.describe()}"
            related[Related(n.fn.id, n.timeout.loc, timeout_note)] = None
            mapping = ("event source mapping" if n.trig.kind == "sqs"
                       else "SNS event whose SqsSubscription SAM turns into an event source mapping")
            related[Related(n.trig.owner, n.trig.loc, mapping)] = None
        # A queue SAM creates is reported on the function whose event creates it: the fix goes there.
        yield Hit(vis.loc, queue.created_by or queue.id, message, tuple(related), severity=severity, key=queue.id)
