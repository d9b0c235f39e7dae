"""LL102: a batch mapping without ReportBatchItemFailures retries the whole batch for one failure."""

from __future__ import annotations

from collections.abc import Iterator

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


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    for trig in ctx.model.triggers:
        if trig.mode != "poll" or trig.kind not in KINDS:
            continue
        types, batch, window = trig.response_types, trig.batch_size, trig.batching_window
        if types is None or not types.known or batch is None or not batch.present:
            continue
        if window is None or not window.known:
            continue
        if "ReportBatchItemFailures" in (types.value or ()):
            continue
        window_s = window.value or 0
        if batch.value == 1 and window_s == 0:
            continue
        source = trig.source or ctx.show(trig.source_arn.value if trig.source_arn else None)
        target = trig.function or "its function"
        batch_note = f"BatchSize {batch.value}{batch.describe()}"
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
            f"[ReportBatchItemFailures] ({batch_note}): one failed record makes the whole batch retry",
            tuple(related), key=trig.id,
        )
