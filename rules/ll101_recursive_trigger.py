"""LL101: a function may write to a resource that triggers it, directly or through other functions.

The check is a graph search over the model. Nodes are functions and trigger sources (an S3
notification is a node of its own, so a write reaches only the notifications whose event types
and key filter it can match); edges are triggers (source -> function) and writes the function's
IAM permissions allow (function -> source, from ``lambdalint.writes``). A loop is a strongly
connected component; each is reported once, on one concrete cycle, at the IAM statement that
grants its first write. Everything is linear in the size of the model: Tarjan's algorithm, one
linear scan for self-loops, at most one breadth-first search per component.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from lambdalint.arn import action_matches, key_overlaps
from lambdalint.model import Bucket, Function, Loc, Model, Resource, Trigger
from lambdalint.rule import Context, Hit, Related, Rule, Severity
from lambdalint.writes import Write, s3_actions_for, source_index, writes_to

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

UNDETECTED = {"dynamodb", "kinesis"}  # loops AWS's recursive loop detection does not stop
TRIGGER_NAMES = {
    "s3": "S3 notification", "sqs": "SQS event source mapping", "sns": "SNS subscription",
    "dynamodb": "DynamoDB stream mapping", "kinesis": "Kinesis stream mapping",
}


@dataclass(frozen=True, slots=True)
class _Edge:
    target: str  # node key
    trigger: Trigger | None = None  # source -> function
    write: Write | None = None  # function -> source
    via_queue: bool = False  # the trigger's SqsSubscription queue -> function, not its topic


Graph = dict[str, list[_Edge]]


def _sources(model: Model) -> dict[str, Resource]:
    out: dict[str, Resource] = {}
    for group in (model.buckets, model.queues, model.topics, model.tables, model.streams):
        out.update(group)
    return out


def _graph(model: Model) -> Graph:
    sources = _sources(model)
    graph: Graph = {}
    triggering: dict[str, Resource] = {}
    s3_triggers: dict[str, list[Trigger]] = {}
    for trig in model.triggers:
        if trig.function is None or trig.function not in model.functions:
            continue
        if trig.queue is not None and trig.queue in sources:
            # SNS delivers into this queue and the function polls it: whatever a function sends to
            # the queue directly reaches it too, past the subscription's FilterPolicy.
            triggering[trig.queue] = sources[trig.queue]
            graph.setdefault("src:" + trig.queue, []).append(_Edge("fn:" + trig.function, trigger=trig,
                                                                   via_queue=True))
        if trig.source is None or trig.source not in sources or trig.filtered:
            continue  # an event filter we do not evaluate may break the loop: not proven
        if trig.kind == "s3":
            if not (trig.prefix and trig.prefix.present and trig.suffix and trig.suffix.present):
                continue  # an unresolvable key filter: the loop is not proven
            s3_triggers.setdefault(trig.source, []).append(trig)
            node = "s3:" + trig.id
        else:
            node = "src:" + trig.source
        triggering[trig.source] = sources[trig.source]
        graph.setdefault(node, []).append(_Edge("fn:" + trig.function, trigger=trig))
    if not triggering:
        return graph
    index = source_index(triggering)
    s3_actions = {
        bucket: tuple(dict.fromkeys(a for t in trigs for a in s3_actions_for(t.s3_events)))
        for bucket, trigs in s3_triggers.items()
    }
    for fn in model.functions.values():
        for write in writes_to(model, fn, index, s3_actions):
            if not isinstance(write.source, Bucket):
                graph.setdefault("fn:" + fn.id, []).append(_Edge("src:" + write.source.id, write=write))
                continue
            for trig in s3_triggers.get(write.source.id, []):
                assert trig.prefix is not None and trig.suffix is not None
                if write.action in s3_actions_for(trig.s3_events) and key_overlaps(
                    write.key_pattern, trig.prefix.value or "", trig.suffix.value or "", write.excluded
                ):
                    graph.setdefault("fn:" + fn.id, []).append(_Edge("s3:" + trig.id, write=write))
    return graph


def _sccs(graph: Graph) -> list[list[str]]:
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


def _pick_cycle(graph: Graph, members: set[str]) -> list[_Edge] | None:
    """One concrete cycle of a component, starting at a function's write.

    A self-loop (function -> source -> same function) is preferred, found by one scan of the
    component's edges; otherwise the shortest cycle through the first function (by id), found
    by one breadth-first search. Both are linear in the component's size.
    """
    functions = sorted(n for n in members if n.startswith("fn:"))
    back: dict[tuple[str, str], _Edge] = {}
    for node in members:
        if node.startswith("fn:"):
            continue
        for edge in graph.get(node, []):
            back.setdefault((node, edge.target), edge)
    for fn in functions:
        for edge in graph.get(fn, []):
            if edge.target in members and (edge.target, fn) in back:
                return [edge, back[(edge.target, fn)]]
    if not functions:
        return None
    start = functions[0]
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
                    prev, via = parents[cur]
                    path.append(via)
                    cur = prev
                return list(reversed(path))
            if edge.target not in seen:
                seen.add(edge.target)
                parents[edge.target] = (node, edge)
                queue.append(edge.target)
    return None


def _grant(model: Model, w: Write) -> str:
    """'policy template S3CrudPolicy allows s3:PutObject on arn:aws:s3:::${BucketName}/*'."""
    stmt = w.statement
    action = next((a for a in stmt.actions if action_matches(a, w.action)), None)
    what = action if action is not None else f"every action but {', '.join(stmt.not_actions)}"
    where = model.show(w.resource) if w.resource != "*" or not stmt.not_resources else (
        "every resource but " + ", ".join(model.show(r) for r in stmt.not_resources))
    origin = stmt.origin or "its role"
    return f"{origin} allows {what} on {where}"


def _trigger_phrase(model: Model, t: Trigger) -> str:
    how = TRIGGER_NAMES.get(t.kind, t.kind)
    if t.kind == "s3":
        how += " on " + ", ".join(t.s3_events)
        if t.prefix and t.prefix.value:
            how += f", prefix '{model.show(t.prefix.value)}'"
        if t.suffix and t.suffix.value:
            how += f", suffix '{model.show(t.suffix.value)}'"
    elif t.owner not in (t.function, t.source):
        how += f" {t.owner}"
    return how


def _describe(model: Model, cycle: list[_Edge]) -> tuple[str, list[Related], Severity | None]:
    """The message naming the whole loop, the related locations, and the escalated severity."""
    parts: list[str] = []
    # (resource, loc, message, header?): a resource's header is listed only when no other
    # entry (the statement it owns, the trigger it declares) already names it.
    entries: list[tuple[str, Loc | None, str, bool]] = []
    functions: list[Function] = []
    stream_edges: list[str] = []
    allowed: list[Function] = []

    for edge in cycle:
        if edge.trigger is not None:
            t = edge.trigger
            src = (t.queue if edge.via_queue else t.source) or "?"
            how = ("SQS event source mapping of an SNS SqsSubscription" if edge.via_queue
                   else _trigger_phrase(model, t))
            parts.append(f"{src} invokes {t.function} ({how})")
            entries.append((t.owner, t.loc, f"{how}: {src} invokes {t.function}", False))
            if t.kind in UNDETECTED:
                stream_edges.append(f"{TRIGGER_NAMES[t.kind]} {src} -> {t.function}")
            continue
        w = edge.write
        assert w is not None
        fn, target = w.function, w.source
        keys = f" keys '{model.show(w.key_pattern)}'" if isinstance(target, Bucket) else ""
        parts.append(f"{fn.id} may {w.action} to {target.id}{keys} ({_grant(model, w)})")
        entries.append((w.statement.owner or fn.id, w.statement.loc or fn.loc,
                        f"grants {fn.id} {w.action} on {target.id}", False))
        entries.append((fn.id, fn.loc, f"{fn.id} is part of the loop", True))
        entries.append((target.id, target.loc, f"{target.id} ({model.show(target.name.value)}) is part of the loop",
                        True))
        functions.append(fn)
        rl = fn.recursive_loop
        if rl is not None and rl.known and rl.value == "Allow":
            allowed.append(fn)
            entries.append((fn.id, rl.loc, f"RecursiveLoop: Allow{rl.describe()}", False))

    named = {resource for resource, _, _, header in entries if not header}
    related: list[Related] = []
    seen: set[tuple[str, int | None, str]] = set()
    for resource, loc, text, header in entries:
        key = (resource, loc.line if loc else None, text)
        if key in seen or (header and resource in named):
            continue
        seen.add(key)
        named.add(resource)
        related.append(Related(resource, loc, text))

    message = "recursive loop: " + ", then ".join(parts) + "."
    severity = None
    if allowed:
        severity = Severity.ERROR
        names = ", ".join(f"{f.id}{f.recursive_loop.describe()}" for f in allowed)
        message += f" RecursiveLoop is Allow on {names}, so AWS's loop detection will not stop it."
    if stream_edges:
        severity = Severity.ERROR
        edges = "; ".join(stream_edges)
        message += f" AWS's recursive loop detection does not cover stream triggers ({edges})."
    message += " " + _circuit_breaker(functions)
    return message, related, severity


def _circuit_breaker(functions: list[Function]) -> str:
    """The reserved-concurrency part of the fix, stating what each function has now."""
    missing = [f.id for f in functions if not (f.reserved_concurrency and f.reserved_concurrency.present)]
    capped = [f"{f.id} ({f.reserved_concurrency.value}{f.reserved_concurrency.describe()})"
              for f in functions if f.reserved_concurrency and f.reserved_concurrency.present]
    text = "Break the loop; as a circuit breaker, "
    if missing:
        text += f"set ReservedConcurrentExecutions on {', '.join(missing)}"
        if capped:
            text += f" (already set on {', '.join(capped)})"
        return text + "."
    return f"Break the loop; ReservedConcurrentExecutions on {', '.join(capped)} only caps it."


@RULE.check
def check(ctx: Context) -> Iterator[Hit]:
    model = ctx.model
    graph = _graph(model)
    for comp in _sccs(graph):
        members = set(comp)
        if len(members) < 2:
            continue
        cycle = _pick_cycle(graph, members)
        if cycle is None or cycle[0].write is None:
            continue
        message, related, severity = _describe(model, cycle)
        write = cycle[0].write
        fn: Function = write.function
        loc = write.statement.loc or fn.loc
        owner = write.statement.owner or fn.id
        yield Hit(loc, owner, message, tuple(related), severity=severity, key="|".join(sorted(members)))
