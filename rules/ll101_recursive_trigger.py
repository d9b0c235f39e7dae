"""LL101: a function may write to a resource that triggers it, directly or through other functions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from lambdalint.arn import key_overlaps
from lambdalint.model import Bucket, Function, Model, Queue, Resource, Stream, Table, Topic, Trigger
from lambdalint.rule import Context, Hit, Related, Rule, Severity
from lambdalint.writes import Write, s3_actions_for, writes_to

RULE = Rule(
    id="LL101",
    name="recursive-trigger",
    title="A function can trigger itself through a resource it writes to",
    severity=Severity.WARNING,
    tags=("recursion", "cost", "reliability"),
    formats=("sam", "cloudformation", "terraform", "plan", "live"),
    rationale=(
        "A function triggered by an S3 bucket, SQS queue, SNS topic, DynamoDB stream or Kinesis stream "
        "that is allowed to write back into that same resource (directly, or through a chain of other "
        "functions) can invoke itself without end. Each loop turn is billed, and a weekend of it costs "
        "thousands. AWS's recursive loop detection stops some SQS, SNS and S3 loops after about 16 "
        "turns, does not cover DynamoDB or Kinesis streams, and does nothing when a function's "
        "RecursiveLoop is set to Allow. The check follows IAM permissions (wildcards included) and "
        "S3 notification prefix/suffix filters: a loop is reported only when the write the policy "
        "allows can reach the filter."
    ),
    fix=(
        "Write the output somewhere that does not trigger the function (another bucket, queue or topic), "
        "or narrow the trigger (an S3 prefix/suffix filter disjoint from the written keys, an event "
        "filter) and the IAM permission to match. Set ReservedConcurrentExecutions on the functions of "
        "the loop as a circuit breaker, so a loop that slips through cannot scale out."
    ),
    references=(
        "https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html",
        "https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html",
        "https://aws.amazon.com/blogs/compute/detecting-and-stopping-recursive-loops-in-aws-lambda-functions/",
    ),
)

SOURCE_TYPES = (Bucket, Queue, Topic, Table, Stream)
UNDETECTED = {"dynamodb", "kinesis"}  # loops AWS's recursion detection does not stop


@dataclass(frozen=True, slots=True)
class _Edge:
    target: str  # node key
    trigger: Trigger | None = None  # source -> function
    write: Write | None = None  # function -> source


def _sources(model: Model) -> dict[str, Resource]:
    out: dict[str, Resource] = {}
    for group in (model.buckets, model.queues, model.topics, model.tables, model.streams):
        out.update(group)
    return out


def _graph(model: Model) -> dict[str, list[_Edge]]:
    """Nodes are functions and sources; an S3 notification is a node of its own, so a write
    reaches only the notifications whose event types and key filter it can match."""
    sources = _sources(model)
    graph: dict[str, list[_Edge]] = {}
    triggering: dict[str, Resource] = {}
    s3_triggers: dict[str, list[Trigger]] = {}
    for trig in model.triggers:
        if trig.function is None or trig.source is None or trig.source not in sources:
            continue
        if trig.function not in model.functions or trig.filtered:
            continue  # a filter we cannot evaluate may break the loop: not proven
        if trig.kind == "s3":
            if not (trig.prefix and trig.prefix.known and trig.suffix and trig.suffix.known):
                continue  # an unresolvable key filter: the loop is not proven
            s3_triggers.setdefault(trig.source, []).append(trig)
            node = "s3:" + trig.id
        else:
            node = "src:" + trig.source
        triggering[trig.source] = sources[trig.source]
        graph.setdefault(node, []).append(_Edge("fn:" + trig.function, trigger=trig))
    if not triggering:
        return graph
    s3_actions = {
        bucket: tuple(dict.fromkeys(a for t in trigs for a in s3_actions_for(t.s3_events)))
        for bucket, trigs in s3_triggers.items()
    }
    for fn in model.functions.values():
        for write in writes_to(model, fn, triggering, s3_actions):
            if not isinstance(write.source, Bucket):
                graph.setdefault("fn:" + fn.id, []).append(_Edge("src:" + write.source.id, write=write))
                continue
            for trig in s3_triggers.get(write.source.id, []):
                if write.action in s3_actions_for(trig.s3_events) and key_overlaps(
                    write.key_pattern, trig.prefix.value or "", trig.suffix.value or ""  # type: ignore[union-attr]
                ):
                    graph.setdefault("fn:" + fn.id, []).append(_Edge("s3:" + trig.id, write=write))
    return graph


def _sccs(graph: dict[str, list[_Edge]]) -> list[list[str]]:
    """Tarjan's strongly connected components, iterative (no recursion limit, linear time)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            edges = graph.get(node, [])
            recurse = False
            while i < len(edges):
                succ = edges[i].target
                i += 1
                if succ not in index:
                    work.append((node, i))
                    work.append((succ, 0))
                    recurse = True
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            if recurse:
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                out.append(comp)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out


def _cycle(graph: dict[str, list[_Edge]], start: str, members: set[str]) -> list[_Edge] | None:
    """Shortest cycle through ``start`` inside one component (BFS), as its list of edges."""
    from collections import deque

    parents: dict[str, tuple[str, _Edge]] = {}
    queue = deque([start])
    seen = {start}
    while queue:
        node = queue.popleft()
        for edge in graph.get(node, []):
            if edge.target not in members:
                continue
            if edge.target == start:
                path = [edge]
                cur = node
                while cur != start:
                    prev, e = parents[cur]
                    path.append(e)
                    cur = prev
                return list(reversed(path))
            if edge.target not in seen:
                seen.add(edge.target)
                parents[edge.target] = (node, edge)
                queue.append(edge.target)
    return None


def _describe(model: Model, cycle: list[_Edge]) -> tuple[str, list[Related], Severity | None]:
    parts: list[str] = []
    related: list[Related] = []
    undetected = False
    allowed_loop = False
    for edge in cycle:
        if edge.trigger is not None:
            t = edge.trigger
            src = t.source or "?"
            how = {"s3": "S3 notification", "sqs": "SQS mapping", "sns": "SNS subscription",
                   "dynamodb": "DynamoDB stream mapping", "kinesis": "Kinesis mapping"}.get(t.kind, t.kind)
            if t.kind == "s3":
                flt = []
                if t.prefix and t.prefix.value:
                    flt.append(f"prefix '{model.show(t.prefix.value)}'")
                if t.suffix and t.suffix.value:
                    flt.append(f"suffix '{model.show(t.suffix.value)}'")
                how = ", ".join(["S3 " + " ".join(t.s3_events), *flt])
            parts.append(f"{src} triggers {t.function} ({how})")
            related.append(Related(t.owner, t.loc, f"{how}: {src} invokes {t.function}"))
            undetected = undetected or t.kind in UNDETECTED
        else:
            w = edge.write
            assert w is not None
            target = w.source.id
            where = f"{target}/{model.show(w.key_pattern)}" if isinstance(w.source, Bucket) else target
            origin = f" via {w.statement.origin}" if w.statement.origin else ""
            parts.append(f"{w.function.id} may {w.action} to {where}{origin}")
            related.append(Related(w.statement.owner or w.function.id, w.statement.loc or w.function.loc,
                                   f"{w.function.id} may {w.action} to {where}"))
            related.append(Related(target, w.source.loc, f"{target} is part of the loop"))
            fn = w.function
            if fn.recursive_loop is not None and fn.recursive_loop.known and fn.recursive_loop.value == "Allow":
                allowed_loop = True
    severity = Severity.ERROR if (undetected or allowed_loop) else None
    note = ""
    if allowed_loop:
        note = " RecursiveLoop is Allow, so AWS will not stop it."
    elif undetected:
        note = " AWS's recursive loop detection does not cover stream loops."
    return "recursive loop: " + ", then ".join(parts) + "." + note, related, severity


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    model = ctx.model
    graph = _graph(model)
    for comp in _sccs(graph):
        members = set(comp)
        if len(members) < 2:
            continue
        # One finding per loop component, on its shortest cycle (a self-loop before a chain).
        best: list[_Edge] | None = None
        for start in sorted(n for n in members if n.startswith("fn:")):
            cycle = _cycle(graph, start, members)
            if cycle is not None and (best is None or len(cycle) < len(best)):
                best = cycle
        if best is None:
            continue
        message, related, severity = _describe(model, best)
        write = best[0].write
        assert write is not None
        fn: Function = write.function
        loc = write.statement.loc or fn.loc
        owner = write.statement.owner or fn.id
        yield Hit(loc, owner, message, tuple(related), severity=severity, key="|".join(sorted(members)))
