"""The one normalized model every rule reads.

Parsers (SAM/CloudFormation, Terraform, live) build a ``Model`` per lint unit; rules read only
this module's types. Three ideas carry the design:

* **Every value is a ``Val``**: the value, where it was written (``Loc``), and how we know it
  (``Prov``): written explicitly, inherited from SAM ``Globals``, an AWS default, or unknown.
  Rules never report a violation from an unknown value.
* **Unknown names still have identity.** A name or ARN that depends on something the linter
  cannot evaluate (a parameter without a default, a generated physical name, an import) is a
  string in which that part is a *symbol*: one private-use character per distinct unknown.
  ``!Ref BucketName`` and ``arn:aws:s3:::${BucketName}/*`` therefore contain the same symbol and
  still name the same bucket, and IAM wildcards can be matched against them character by
  character (see ``lambdalint.arn``).
* **Edges are resolved once, here**: which function a trigger invokes, which resources a
  function's role may write, which log group belongs to a function. Rules do not join.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, field, fields
from enum import Enum
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")

# First code point used for symbols (Supplementary Private Use Area-A and -B).
SYMBOL_BASE = 0xF0000
SYMBOL_LIMIT = 0x10FFFD


class Prov(Enum):
    """How a value is known."""

    EXPLICIT = "explicit"
    INHERITED = "inherited"  # SAM Globals (or a Terraform module input default in later formats)
    DEFAULT = "default"  # an AWS default applied because nothing was written
    UNKNOWN = "unknown"


def _direct_init(cls: type) -> type:
    """Give a frozen, slotted dataclass an ``__init__`` that fills each slot through its descriptor.

    The generated ``__init__`` of a frozen dataclass calls ``object.__setattr__(self, name, value)``
    per field, which looks the name up on the type each time. ``Loc`` and ``Val`` are built for
    every property of every resource (about 300,000 of each for the 10,000-function benchmark
    template); this ``__init__`` takes about half the time (0.6 instead of 1.1 µs a ``Loc``) and
    the class stays frozen, hashable and equal by value."""
    namespace: dict[str, Any] = {}
    params, body = [], []
    for f in fields(cls):
        if f.default_factory is not MISSING:
            raise TypeError(f"{cls.__name__}.{f.name}: default_factory is not supported here")
        namespace[f"_set_{f.name}"] = cls.__dict__[f.name].__set__
        if f.default is MISSING:
            params.append(f.name)
        else:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        body.append(f"\n    _set_{f.name}(self, {f.name})")
    exec(f"def __init__(self, {', '.join(params)}):{''.join(body)}", namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[misc]
    return cls


@_direct_init
@dataclass(frozen=True, slots=True)
class Loc:
    """A 1-based source position; ``pointer`` is the source-native path used for fingerprints."""

    file: str
    line: int = 1
    col: int = 1
    end_line: int | None = None
    end_col: int | None = None
    pointer: tuple[str | int, ...] = ()


@_direct_init
@dataclass(frozen=True, slots=True)
class Val(Generic[T]):
    """A value with its location and provenance.

    ``via`` says where an inherited or resolved value came from, for messages:
    "Globals", "parameter TimeoutSeconds default", "variable default", "terraform.tfvars".
    """

    value: T | None
    loc: Loc
    prov: Prov = Prov.EXPLICIT
    via: str = ""
    why: str = ""  # for UNKNOWN: the cause ("parameter X has no default", "Fn::If branches differ")

    @property
    def known(self) -> bool:
        return self.prov is not Prov.UNKNOWN

    @property
    def present(self) -> bool:
        """Known and set (not an absent optional property)."""
        return self.prov is not Prov.UNKNOWN and self.value is not None

    def describe(self) -> str:
        """A parenthesized provenance note for messages, or an empty string."""
        if self.prov is Prov.DEFAULT:
            return " (AWS default)"
        if self.prov is Prov.INHERITED:
            return f" (inherited from {self.via or 'Globals'})"
        if self.via:
            return f" (from {self.via})"
        return ""


InvocationMode = Literal["async", "sync", "poll", "unknown"]
ValueKind = Literal[
    "literal",
    "parameter",
    "dynamic-secret",
    "dynamic-plain",
    "store-reference",
    "resource-reference",
    "unknown",
]


@dataclass(eq=False)
class Resource:
    """Common part of every modeled resource.

    ``id`` is what a user recognizes and where a fix goes: the CloudFormation logical id, the
    Terraform address, or the function name for live input.
    """

    id: str
    kind: str  # source type: "AWS::SQS::Queue", "AWS::Serverless::Function", "aws_sqs_queue", ...
    loc: Loc
    name: Val[str]
    arn: str | None = None
    conditional: bool = False  # created only under a CloudFormation Condition / count


@dataclass(eq=False)
class Queue(Resource):
    visibility_timeout: Val[int] = None  # type: ignore[assignment]
    redrive_target: Val[str] = None  # type: ignore[assignment]  # DLQ ARN, None when absent
    fifo: bool = False
    url: str | None = None
    # A queue the template does not declare but SAM creates (an SNS event with SqsSubscription:
    # true): the resource whose event creates it, which is where findings and their fix go, and
    # what creates it, for messages. None for a declared queue.
    created_by: str | None = None
    created_via: str = ""

    def label(self) -> str:
        """The queue as messages name it: a generated logical id alone would not tell the user where it comes from."""
        if self.created_by is None:
            return self.id
        return f"the queue SAM creates for {self.created_via} ({self.id})"


@dataclass(eq=False)
class Topic(Resource):
    pass


@dataclass(eq=False)
class Bucket(Resource):
    pass


@dataclass(eq=False)
class Table(Resource):
    stream_enabled: Val[bool] = None  # type: ignore[assignment]
    stream_arn: str | None = None


@dataclass(eq=False)
class Stream(Resource):
    """A Kinesis data stream."""


@dataclass(eq=False)
class LogGroup(Resource):
    retention_days: Val[int] = None  # type: ignore[assignment]  # None when absent (never expires)


@dataclass(eq=False)
class Subnet(Resource):
    cidr: Val[str] = None  # type: ignore[assignment]
    available_ips: Val[int] | None = None  # live input: free addresses AWS reports


@dataclass(frozen=True, slots=True)
class Statement:
    """One IAM statement, already resolved to symbolic strings."""

    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    not_actions: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    conditional: bool = False
    loc: Loc | None = None
    origin: str = ""  # "policy template S3CrudPolicy", "AWS::IAM::Policy WritePolicy", ...
    unknown: bool = False  # actions or resources could not be resolved
    owner: str = ""  # the resource the statement is written in (where a fix goes)


@dataclass(eq=False)
class Role(Resource):
    statements: list[Statement] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class EnvVar:
    """An environment variable. ``text`` is held for secret detection and never printed."""

    name: str
    kind: ValueKind
    text: str | None
    loc: Loc
    prov: Prov = Prov.EXPLICIT
    via: str = ""


@dataclass(eq=False)
class Function(Resource):
    runtime: Val[str] = None  # type: ignore[assignment]
    handler: Val[str] = None  # type: ignore[assignment]
    timeout: Val[int] = None  # type: ignore[assignment]
    memory: Val[int] = None  # type: ignore[assignment]
    reserved_concurrency: Val[int] = None  # type: ignore[assignment]
    environment: list[EnvVar] = field(default_factory=list)
    environment_known: bool = True  # False when Variables itself is unresolvable
    subnets: Val[tuple[str, ...]] = None  # type: ignore[assignment]  # None: not in a VPC
    dead_letter: Val[str] = None  # type: ignore[assignment]  # target ARN; None when absent
    on_failure: Val[str] = None  # type: ignore[assignment]  # async OnFailure destination
    max_retry_attempts: Val[int] = None  # type: ignore[assignment]  # async retries (AWS default 2)
    log_group_name: Val[str] = None  # type: ignore[assignment]  # effective group name
    log_group_custom: bool = False  # LoggingConfig.LogGroup set
    role: Val[str] = None  # type: ignore[assignment]  # execution role ARN (symbolic)
    statements: list[Statement] = field(default_factory=list)  # policies the function's own role gets
    recursive_loop: Val[str] = None  # type: ignore[assignment]  # "Allow" | "Terminate"
    policies_known: bool = True  # False when some attached policy could not be resolved
    # References from places the model does not classify (a state machine, another role's
    # lambda:InvokeFunction grant, ...). They may invoke the function in any mode.
    other_invokers: list[str] = field(default_factory=list)
    live_arn: str | None = None


@dataclass(eq=False)
class Trigger:
    """What invokes a function: a push trigger (S3, SNS, EventBridge, API, URL, ...) or a poll
    mapping (SQS, Kinesis, DynamoDB streams, Kafka, MQ).

    ``owner`` is the resource where the trigger is declared and where its fix goes (the SAM
    function for an ``Events`` entry, the mapping, the bucket with the notification).
    """

    id: str
    kind: str  # s3 sns sqs kinesis dynamodb eventbridge schedule api http-api url alb logs iot ...
    mode: InvocationMode
    function: str | None  # Function.id, None when the target is not a function of this unit
    owner: str
    loc: Loc
    source: str | None = None  # id of the source resource in the model (queue, bucket, ...)
    source_arn: Val[str] | None = None
    conditional: bool = False
    filtered: bool = False  # an SNS FilterPolicy / mapping FilterCriteria narrows what invokes
    # poll mappings
    batch_size: Val[int] | None = None
    batching_window: Val[int] | None = None
    response_types: Val[tuple[str, ...]] | None = None
    on_failure: Val[str] | None = None
    bisect: Val[bool] | None = None
    # SNS with SqsSubscription: the queue (Queue.id) SNS delivers into and the function polls
    # through a mapping SAM generates; ``source`` stays the topic, which the messages come from.
    queue: str | None = None
    # s3 notifications
    s3_events: tuple[str, ...] = ()
    prefix: Val[str] | None = None
    suffix: Val[str] | None = None

    def polled_queue(self) -> str | None:
        """The id of the queue in this unit the function polls through this trigger, if any: the
        source of an SQS mapping, or the queue an SNS SqsSubscription delivers into."""
        if self.mode != "poll":
            return None
        return self.source if self.kind == "sqs" else self.queue


@dataclass
class AccountFacts:
    """Facts about the account that only live input knows."""

    concurrency_limit: int | None = None


@dataclass(eq=False)
class Model:
    """Everything one lint unit declares, with resolved edges."""

    file: str
    fmt: str  # "sam" | "cloudformation" | "terraform" | "plan" | "live"
    functions: dict[str, Function] = field(default_factory=dict)
    queues: dict[str, Queue] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    buckets: dict[str, Bucket] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    streams: dict[str, Stream] = field(default_factory=dict)
    log_groups: dict[str, LogGroup] = field(default_factory=dict)
    subnets: dict[str, Subnet] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    triggers: list[Trigger] = field(default_factory=list)
    symbols: dict[str, str] = field(default_factory=dict)  # symbol char -> description
    account: AccountFacts = field(default_factory=AccountFacts)
    # Live input sees one function's configuration without its surroundings: rules that need
    # triggers, log groups or subnets stay silent rather than guess.
    sees_surroundings: bool = True
    # For suppressions: each source file's text (comment directives), the header of every
    # resource of the unit (modeled or not), and ignores declared in resource Metadata
    # (resource id -> [(rule key, reason)]; "" for the whole template).
    sources: dict[str, str] = field(default_factory=dict)
    headers: dict[str, Loc] = field(default_factory=dict)
    metadata_ignores: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    _index: dict[str, Resource] | None = field(default=None, repr=False)
    _by_function: dict[str, list[Trigger]] | None = field(default=None, repr=False)
    _groups_by_name: dict[str, LogGroup] | None = field(default=None, repr=False)

    # -- lookups ---------------------------------------------------------------------------
    def resources(self) -> list[Resource]:
        out: list[Resource] = []
        for group in (
            self.functions, self.queues, self.topics, self.buckets, self.tables,
            self.streams, self.log_groups, self.subnets, self.roles,
        ):
            out.extend(group.values())
        return out

    def by_id(self, resource_id: str) -> Resource | None:
        # Each group is keyed by resource id: a dict lookup per group, not a scan of every
        # resource (called once per trigger, the scan made 8,500 functions take 50 s).
        for group in (
            self.functions, self.queues, self.topics, self.buckets, self.tables,
            self.streams, self.log_groups, self.subnets, self.roles,
        ):
            res = group.get(resource_id)
            if res is not None:
                return res
        return None

    def lookup(self, ref: str | None) -> Resource | None:
        """The resource a (symbolic) name, ARN or queue URL denotes, if it is in this unit."""
        if not ref:
            return None
        if self._index is None:
            self._index = self._build_index()
        from lambdalint.arn import normalize_partition

        return self._index.get(normalize_partition(ref))

    def _build_index(self) -> dict[str, Resource]:
        from lambdalint.arn import normalize_partition

        index: dict[str, Resource] = {}
        for res in self.resources():
            keys = [res.arn]
            if isinstance(res, Queue):
                keys.append(res.url)
            if isinstance(res, Table):
                keys.append(res.stream_arn)
            if isinstance(res, Function):
                keys.append(res.live_arn)
            for key in keys:
                if key:
                    index.setdefault(normalize_partition(key), res)
        return index

    def triggers_of(self, fn: Function) -> list[Trigger]:
        if self._by_function is None:
            grouped: dict[str, list[Trigger]] = {}
            for trig in self.triggers:
                if trig.function:
                    grouped.setdefault(trig.function, []).append(trig)
            self._by_function = grouped
        return self._by_function.get(fn.id, [])

    def statements_of(self, fn: Function) -> list[Statement]:
        """Every IAM statement the function's execution role carries."""
        out = list(fn.statements)
        if fn.role is not None and fn.role.present:
            role = self.lookup(fn.role.value)
            if isinstance(role, Role):
                out.extend(role.statements)
        return out

    def log_group_of(self, fn: Function) -> LogGroup | None:
        """The declared log group the function writes to (matched by symbolic name)."""
        if fn.log_group_name is None or not fn.log_group_name.present:
            return None
        if self._groups_by_name is None:
            index: dict[str, LogGroup] = {}
            for group in self.log_groups.values():
                if group.name.present:
                    index.setdefault(group.name.value, group)
            self._groups_by_name = index
        return self._groups_by_name.get(fn.log_group_name.value)

    def show(self, text: str | None) -> str:
        """Render a symbolic string for humans: each symbol becomes its description."""
        if text is None:
            return "?"
        if is_literal(text):
            return text
        return "".join(self.symbols.get(c, "?") if ord(c) >= SYMBOL_BASE else c for c in text)


_SYMBOL = re.compile("[\U000f0000-\U0010fffd]")


def is_literal(text: str) -> bool:
    """True when a symbolic string has no unknown part (a regex: this runs on every value)."""
    return _SYMBOL.search(text) is None


Resolved = Any


_POLL_SERVICES = {"sqs": "sqs", "kinesis": "kinesis", "kafka": "kafka", "mq": "mq", "rds": "documentdb",
                  "docdb": "documentdb", "docdb-elastic": "documentdb"}


def poll_kind(source: Any, arn: str | None) -> str:
    """The kind of a poll mapping's source: from the resource when it is in the unit, else its ARN."""
    if isinstance(source, Queue):
        return "sqs"
    if isinstance(source, Table):
        return "dynamodb"
    if isinstance(source, Stream):
        return "kinesis"
    if isinstance(arn, str):
        parts = arn.split(":", 3)  # arn:partition:service:rest; the partition may be a symbol
        service = parts[2] if len(parts) == 4 else ""
        if service == "dynamodb":
            return "dynamodb" if "/stream/" in arn else "unknown"
        return _POLL_SERVICES.get(service, "unknown")
    return "unknown"
