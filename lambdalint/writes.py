"""Which trigger sources each function may write to, per its IAM permissions.

This is the join the recursion check rests on, done once over the model and in time linear in
the number of statements when policies name their resources: each Allow statement's resource
patterns are looked up in an ``ArnIndex`` of the sources, and only the sources a pattern could
address (its literal head agrees with their ARN) are matched exactly. A wildcard that really
spans many sources (``Resource: "*"``) is still compared with each of them, as it must be.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lambdalint.arn import ArnIndex, Exclusion, allows, glob_match, normalize_partition, s3_write_patterns
from lambdalint.model import Bucket, Function, Model, Queue, Resource, Statement, Stream, Table, Topic

# The writes that make each kind of source emit an event.
WRITE_ACTIONS: dict[type, tuple[str, ...]] = {
    Queue: ("sqs:SendMessage",),
    Topic: ("sns:Publish",),
    Table: ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
            "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete"),
    Stream: ("kinesis:PutRecord", "kinesis:PutRecords"),
}

# S3 notification event families and the object writes that emit them.
S3_EVENT_ACTIONS: dict[str, tuple[str, ...]] = {
    "s3:ObjectCreated": ("s3:PutObject",),
    "s3:ObjectRemoved": ("s3:DeleteObject", "s3:DeleteObjectVersion"),
    "s3:ObjectTagging": ("s3:PutObjectTagging", "s3:DeleteObjectTagging"),
    "s3:ObjectAcl": ("s3:PutObjectAcl",),
    "s3:ObjectRestore": ("s3:RestoreObject",),
}
ALL_S3_ACTIONS = tuple(dict.fromkeys(a for actions in S3_EVENT_ACTIONS.values() for a in actions))


def s3_actions_for(events: Sequence[str]) -> tuple[str, ...]:
    """Object writes that emit any of the notification's event types.

    ``s3:*`` means every event. Families a function's write does not emit directly (lifecycle,
    replication, intelligent-tiering) and event types that are not known (a parameter) add no
    action: a loop through them is not proven.
    """
    out: list[str] = []
    for event in events:
        if event in ("s3:*", "*"):
            return ALL_S3_ACTIONS
        family = ":".join(event.split(":")[:2])
        out.extend(S3_EVENT_ACTIONS.get(family, ()))
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True, slots=True)
class Write:
    """A function may perform ``action`` on ``source``, granted by ``statement``."""

    function: Function
    source: Resource
    action: str
    statement: Statement
    resource: str = ""  # the statement's resource pattern that grants the write
    key_pattern: str = ""  # S3 only: object keys it may write ("*" for any)
    excluded: tuple[Exclusion, ...] = ()  # S3 only: keys an explicit Deny takes away


def granting_resource(stmt: Statement, arn: str) -> str:
    """The statement's resource pattern that covers ``arn`` ("*" for a NotResource Allow)."""
    target = normalize_partition(arn)
    for pattern in stmt.resources:
        if glob_match(normalize_partition(pattern), target):
            return pattern
    return "*"


def source_index(sources: dict[str, Resource]) -> ArnIndex[Resource]:
    """The sources by ARN (build once per model, look up once per statement pattern)."""
    return ArnIndex((src.arn, src) for src in sources.values() if src.arn)


def candidate_sources(statements: Sequence[Statement], index: ArnIndex[Resource]) -> list[Resource]:
    """Sources some Allow statement's resource pattern could address, in a stable order."""
    found: dict[str, Resource] = {}
    for stmt in statements:
        if stmt.effect != "Allow":
            continue
        # An Allow with NotResource covers everything it does not exclude.
        patterns = stmt.resources or (("*",) if stmt.not_resources else ())
        for pattern in patterns:
            for src in index.candidates(pattern):
                found.setdefault(src.id, src)
    return [found[k] for k in sorted(found)]


def writes_to(model: Model, fn: Function, index: ArnIndex[Resource],
              s3_actions: dict[str, tuple[str, ...]]) -> list[Write]:
    """What ``fn`` may write among the indexed sources; ``s3_actions`` gives, per bucket id, the
    writes that would emit an event some notification of that bucket listens to."""
    statements = model.statements_of(fn)
    if not statements:
        return []
    out: list[Write] = []
    for source in candidate_sources(statements, index):
        if source.arn is None:
            continue
        if isinstance(source, Bucket):
            for action in s3_actions.get(source.id, ()):
                for w in s3_write_patterns(statements, action, source.arn):
                    out.append(Write(fn, source, action, w.statement, w.resource, w.key_pattern, w.excluded))
            continue
        for action in WRITE_ACTIONS.get(type(source), ()):
            granted = allows(statements, action, source.arn)
            if granted:
                stmt = granted[0]
                out.append(Write(fn, source, action, stmt, granting_resource(stmt, source.arn)))
                break
    return out
