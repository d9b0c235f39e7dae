"""LL103: the source queue hides a batch for less than 6x the function timeout."""

from __future__ import annotations

from collections.abc import Iterator

from lambdalint.model import Queue
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
        "{multiplier} x the function Timeout + the batching window, or lower the function Timeout."
    ),
    references=(
        "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#events-sqs-queueconfig",
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html",
    ),
)


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    multiplier = int(ctx.options["multiplier"])
    for trig in ctx.model.triggers:
        if trig.mode != "poll" or trig.kind != "sqs" or trig.source is None or trig.function is None:
            continue
        queue = ctx.model.queues.get(trig.source)
        fn = ctx.model.functions.get(trig.function)
        if not isinstance(queue, Queue) or fn is None:
            continue
        vis, timeout, window = queue.visibility_timeout, fn.timeout, trig.batching_window
        if not (vis.present and timeout.present and window is not None and window.known):
            continue
        window_s = window.value or 0
        need = multiplier * timeout.value + window_s
        if vis.value >= need:
            continue
        window_note = f" + batching window {window_s}s" if window_s else ""
        message = (
            f"VisibilityTimeout {vis.value}s{vis.describe()} of {queue.id} is below {multiplier} x Timeout "
            f"{timeout.value}s{timeout.describe()} of {fn.id}{window_note} = {need}s: messages can be "
            f"processed twice"
        )
        severity = None
        if vis.value < timeout.value:
            severity = Severity.ERROR
            message += "; it is even below the function timeout, so creating the mapping fails"
        related = (
            Related(fn.id, timeout.loc, f"Timeout {timeout.value}s{timeout.describe()}"),
            Related(trig.owner, trig.loc, "event source mapping"),
        )
        yield Hit(vis.loc, queue.id, message, related, severity=severity, key=trig.id)
