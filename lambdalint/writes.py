"""Which trigger sources each function may write to, per its IAM permissions.

This is the join the recursion check rests on, done once over the model and in time linear in
the number of statements: a resource pattern without wildcards is looked up in an index of
source ARNs; only wildcard patterns are compared with every source.
"""

from __future__ import annotations

from dataclasses import dataclass

from lambdalint.arn import allows, has_wildcard, normalize_partition, s3_write_patterns
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


def s3_actions_for(events: tuple[str, ...]) -> tuple[str, ...]:
    """Object writes that emit any of the notification's event types."""
    out: list[str] = []
    for event in events:
        family = ":".join(event.split(":")[:2])
        if event in ("s3:*", "*") or family not in S3_EVENT_ACTIONS:
            return tuple(a for actions in S3_EVENT_ACTIONS.values() for a in actions)
        out.extend(S3_EVENT_ACTIONS[family])
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True, slots=True)
class Write:
    """A function may perform ``action`` on ``source``, granted by ``statement``."""

    function: Function
    source: Resource
    action: str
    statement: Statement
    key_pattern: str = ""  # S3 only: object keys it may write ("*" for any)


def candidate_sources(model: Model, statements: list[Statement], sources: dict[str, Resource]) -> set[str]:
    """Ids of sources some Allow statement's resource pattern could address."""
    out: set[str] = set()
    wildcard = False
    for stmt in statements:
        if stmt.effect != "Allow":
            continue
        patterns = stmt.resources or (("*",) if stmt.not_resources else ())
        for raw in patterns:
            pattern = normalize_partition(raw)
            if has_wildcard(pattern.split("/", 1)[0]) or pattern == "*":
                wildcard = True
                continue
            base = pattern.split("/", 1)[0] if pattern.startswith("arn:aws:s3:::") else pattern
            found = model.lookup(base) or model.lookup(pattern)
            if found is not None and found.id in sources:
                out.add(found.id)
            elif has_wildcard(pattern):
                wildcard = True
    if wildcard:
        out.update(sources)
    return out


def writes_to(model: Model, fn: Function, sources: dict[str, Resource],
              s3_actions: dict[str, tuple[str, ...]]) -> list[Write]:
    """What ``fn`` may write among ``sources``; ``s3_actions`` gives, per bucket id, the writes
    that would trigger something."""
    statements = model.statements_of(fn)
    if not statements:
        return []
    out: list[Write] = []
    for source_id in sorted(candidate_sources(model, statements, sources)):
        source = sources[source_id]
        if source.arn is None:
            continue
        if isinstance(source, Bucket):
            actions = s3_actions.get(source_id, ())
            for action in actions:
                for key, stmt in s3_write_patterns(statements, (action,), source.arn):
                    out.append(Write(fn, source, action, stmt, key))  # type: ignore[arg-type]
            continue
        for action in WRITE_ACTIONS.get(type(source), ()):
            granted = allows(statements, action, source.arn)
            if granted:
                out.append(Write(fn, source, action, granted[0]))
                break
    return out
