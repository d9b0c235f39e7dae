"""LL102: a batch mapping without ReportBatchItemFailures retries the whole batch for one failure."""

from __future__ import annotations

from collections.abc import Iterator

from lambdalint.model import Val, is_literal
from lambdalint.rule import Context, Hit, Related, Rule, Severity

RULE = Rule(
    id="LL102",
    name="missing-report-batch-item-failures",
    title="Batch event source mapping without ReportBatchItemFailures",
    severity=Severity.WARNING,
    tags=("sqs", "streams", "event-source", "reliability"),
    formats=("sam", "cloudformation", "terraform", "plan", "live"),
    rationale=(
        "Without FunctionResponseTypes: [ReportBatchItemFailures] on an SQS, Kinesis or DynamoDB-stream "
        "mapping, Lambda ignores the batchItemFailures a handler returns: one bad record fails the whole "
        "batch, and every record in it is processed again (SQS) or the shard blocks until the record "
        "expires (streams). Messages that already succeeded run twice. A batch of one record with no "
        "batching window has nothing to split, so it is not reported."
    ),
    fix=(
        "Add FunctionResponseTypes: [ReportBatchItemFailures] to the mapping (SAM event Properties, "
        "AWS::Lambda::EventSourceMapping, or function_response_types in Terraform) and return "
        "{\"batchItemFailures\": [{\"itemIdentifier\": id}]} for the records that failed."
    ),
    references=(
        "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting",
        "https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-batchfailurereporting.html",
    ),
)

KINDS = {"sqs": "SQS", "kinesis": "Kinesis", "dynamodb": "DynamoDB stream"}


def _unknown_types(types: Val[tuple[str, ...]] | None) -> bool:
    """True when the response types cannot be read.

    A list item written as ``!If [Cond, ReportBatchItemFailures, !Ref AWS::NoValue]`` evaluates to
    a symbol inside an otherwise known list; it may be ReportBatchItemFailures, so it is unknown.
    """
    if types is None or not types.known:
        return True
    return any(not is_literal(item) for item in types.value or ())


def _batches(batch: Val[int] | None, window: Val[int] | None) -> bool | None:
    """Whether the mapping can hand the function more than one record; None when unknown.

    Only "BatchSize 1 and no batching window" cannot batch, so a known non-zero window decides
    on its own and a known BatchSize above 1 decides on its own: an unknown in the other value
    does not matter then.
    """
    window_s = window.value if window is not None and window.present else None
    batch_n = batch.value if batch is not None and batch.present else None
    if (window_s is not None and window_s > 0) or (batch_n is not None and batch_n > 1):
        return True
    if window_s is not None and batch_n is not None:
        return False
    return None


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    for trig in ctx.model.triggers:
        if trig.mode != "poll" or trig.kind not in KINDS:
            continue
        types, batch, window = trig.response_types, trig.batch_size, trig.batching_window
        if _unknown_types(types) or "ReportBatchItemFailures" in (types.value or ()):  # type: ignore[union-attr]
            continue
        if not _batches(batch, window):
            continue
        source = trig.source or ctx.show(trig.source_arn.value if trig.source_arn else None)
        target = trig.function or "its function"
        notes = []
        if batch is not None and batch.present:
            notes.append(f"BatchSize {batch.value}{batch.describe()}")
        if window is not None and window.present and window.value:
            notes.append(f"MaximumBatchingWindowInSeconds {window.value}{window.describe()}")
        batch_note = f" ({', '.join(notes)})" if notes else ""
        related = []
        if trig.source:
            src = ctx.model.by_id(trig.source)
            if src is not None:
                related.append(Related(src.id, src.loc, f"{KINDS[trig.kind]} source"))
        if trig.function and trig.function != trig.owner:
            fn = ctx.model.functions.get(trig.function)
            if fn is not None:
                related.append(Related(fn.id, fn.loc, "function invoked with the batch"))
        yield Hit(
            trig.loc, trig.owner,
            f"{KINDS[trig.kind]} mapping from {source} to {target} has no FunctionResponseTypes: "
            f"[ReportBatchItemFailures]{batch_note}: one failed record makes the whole batch retry",
            tuple(related), key=trig.id,
        )
