"""SAM specifics, read where the user wrote them.

``Globals`` are merged into each function with their own positions and ``Prov.INHERITED``;
``Events`` become triggers located at the event entry; ``Policies`` (policy templates, managed
policy names, inline documents) and connectors become the function's statements. Nothing points
at a resource the SAM transform would generate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdalint.model import Function, Loc, Prov, Queue, Statement, Trigger, Val
from lambdalint.parsers.decode import Map, Seq
from lambdalint.parsers.iam import expand, sam_policy_templates, statements_from_document
from lambdalint.parsers.props import Props, loc_of

if TYPE_CHECKING:
    from lambdalint.parsers.cloudformation import TemplateBuilder

POLL_EVENTS = {
    "SQS": ("sqs", "Queue"), "Kinesis": ("kinesis", "Stream"), "DynamoDB": ("dynamodb", "Stream"),
    "MSK": ("kafka", "Stream"), "MQ": ("mq", "Broker"), "SelfManagedKafka": ("kafka", "KafkaBootstrapServers"),
    "DocumentDB": ("documentdb", "Cluster"),
}
PUSH_EVENTS = {
    "Api": ("api", "sync"), "HttpApi": ("http-api", "sync"), "AlexaSkill": ("alexa", "sync"),
    "Cognito": ("cognito", "sync"), "Schedule": ("schedule", "async"), "ScheduleV2": ("schedule", "async"),
    "CloudWatchEvent": ("eventbridge", "async"), "EventBridgeRule": ("eventbridge", "async"),
    "CloudWatchLogs": ("logs", "async"), "IoTRule": ("iot", "async"),
}

# What a connector's "Write" grants, by destination type: (actions, resource suffixes).
CONNECTOR_WRITES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "AWS::S3::Bucket": (
        ("s3:PutObject", "s3:PutObjectAcl", "s3:PutObjectLegalHold", "s3:PutObjectRetention",
         "s3:PutObjectTagging", "s3:PutObjectVersionTagging", "s3:AbortMultipartUpload",
         "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:DeleteObjectTagging",
         "s3:DeleteObjectVersionTagging", "s3:RestoreObject"),
        ("", "/*"),
    ),
    "AWS::SQS::Queue": (
        ("sqs:DeleteMessage", "sqs:SendMessage", "sqs:ChangeMessageVisibility", "sqs:PurgeQueue"), ("",)),
    "AWS::SNS::Topic": (("sns:Publish",), ("",)),
    "AWS::DynamoDB::Table": (
        ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
         "dynamodb:PartiQLDelete", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate"),
        ("", "/index/*"),
    ),
    "AWS::Kinesis::Stream": (("kinesis:PutRecord", "kinesis:PutRecords"), ("",)),
    "AWS::Events::EventBus": (("events:PutEvents",), ("",)),
}
CONNECTOR_WRITES["AWS::Serverless::SimpleTable"] = CONNECTOR_WRITES["AWS::DynamoDB::Table"]


# -- Globals ------------------------------------------------------------------------------------

def prepare(b: TemplateBuilder) -> None:
    """Merge Globals.Function into every function, and name SAM's generated roles."""
    globals_ = b.data.get("Globals")
    function_globals = globals_.get("Function") if isinstance(globals_, dict) else None
    for logical_id, res in b.resources.items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        if isinstance(function_globals, Map):
            local = res.get("Properties")
            res["Properties"] = merge_globals(function_globals, local if isinstance(local, Map) else None)
            if isinstance(res, Map) and "Properties" not in res.key_locs:
                res.key_locs["Properties"] = res.pos
        role_id = logical_id + "Role"
        props = res.get("Properties")
        if role_id not in b.resources and not (isinstance(props, dict) and "Role" in props):
            b.resolver.extra_refs[role_id] = _generated(b, role_id)
            b.resolver.extra_attrs[(role_id, "Arn")] = _generated_role_arn(b, role_id)
        alias = props.get("AutoPublishAlias") if isinstance(props, dict) else None
        if alias is not None:
            b.resolver.extra_attrs[(logical_id, "Alias")] = _alias_arn(b, logical_id, alias)


def _generated(b: TemplateBuilder, logical_id: str) -> Any:
    return lambda: b.resolver.name_of(logical_id)


def _generated_role_arn(b: TemplateBuilder, role_id: str) -> Any:
    return lambda: f"arn:aws:iam::{b.resolver.account()}:role/{b.resolver.name_of(role_id)}"


def _alias_arn(b: TemplateBuilder, logical_id: str, alias: Any) -> Any:
    def arn() -> str:
        name = b.resolver.eval(alias)
        return f"{b.resolver.arn_of(logical_id)}:{b.resolver.stringify(name, alias)}"

    return arn


def merge_globals(globals_map: Map, local: Map | None) -> Map:
    """SAM's merge: maps merge key by key, lists are Globals-first concatenations, scalars and
    intrinsics from the resource win. Keys only Globals supplies are marked inherited."""
    out = Map(local.pos if local is not None else globals_map.pos)
    inherited = set()
    if local is not None:
        for key, value in local.items():
            out[key] = value
            out.key_locs[key] = local.key_locs.get(key, local.pos)
    for key, gvalue in globals_map.items():
        if local is None or key not in local:
            out[key] = gvalue
            out.key_locs[key] = globals_map.key_locs.get(key, globals_map.pos)
            inherited.add(key)
            continue
        lvalue = local[key]
        if _plain_map(gvalue) and _plain_map(lvalue):
            out[key] = merge_globals(gvalue, lvalue)
        elif isinstance(gvalue, Seq) and isinstance(lvalue, Seq):
            merged = Seq(lvalue.pos)
            merged.extend(gvalue)
            merged.item_locs.extend(gvalue.item_locs)
            merged.extend(lvalue)
            merged.item_locs.extend(lvalue.item_locs)
            out[key] = merged
    out.inherited = frozenset(inherited)
    return out


def _plain_map(value: Any) -> bool:
    if not isinstance(value, Map):
        return False
    if len(value) == 1:
        key = next(iter(value))
        return not (key == "Ref" or (isinstance(key, str) and key.startswith("Fn::")))
    return True


# -- function properties ------------------------------------------------------------------------

def function_extras(b: TemplateBuilder, fn: Function, p: Props) -> None:
    invoke_config = p.sub("EventInvokeConfig")
    if invoke_config.unknown or invoke_config.has("MaximumRetryAttempts"):
        fn.max_retry_attempts = invoke_config.int("MaximumRetryAttempts", 2)
    invoke = p.sub("EventInvokeConfig").sub("DestinationConfig").sub("OnFailure")
    if invoke.unknown:
        fn.on_failure = Val(None, invoke.loc(), Prov.UNKNOWN, why=invoke.unknown_why)
    elif invoke.present:
        dest = invoke.str("Destination")
        if dest.prov is Prov.DEFAULT:
            kind = invoke.str("Type")
            # SAM creates the queue or topic itself when only the Type is given.
            fn.on_failure = Val(f"<queue or topic SAM creates ({kind.value or '?'})>", invoke.loc(), kind.prov)
        else:
            fn.on_failure = Val(dest.value, invoke.loc(), dest.prov, dest.via, dest.why)  # at OnFailure
    if fn.role.prov is Prov.DEFAULT:
        fn.statements.extend(sam_policies(b, fn, p))
    url = p.sub("FunctionUrlConfig")
    if url.present or url.unknown:
        b.add_trigger(Trigger(f"{fn.id}/FunctionUrlConfig", "url", "sync", fn.id, fn.id, url.loc()))


def sam_policies(b: TemplateBuilder, fn: Function, p: Props) -> list[Statement]:
    raw = p.raw("Policies")
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    out: list[Statement] = []
    templates = None
    for index, item in enumerate(items):
        loc = loc_of(b.file, raw, index, (*p.pointer, "Policies"), p.loc("Policies")) if isinstance(raw, list) \
            else p.loc("Policies")
        pointer = (*p.pointer, "Policies", index)
        if isinstance(item, dict) and len(item) == 1 and not _intrinsic(item):
            name, args = next(iter(item.items()))
            templates = templates if templates is not None else sam_policy_templates()
            template = templates.get(name)
            if template is not None:
                values = args if isinstance(args, dict) else {}
                definition = expand(name, template.get("Definition"), values)
                stmts, known = statements_from_document(b.resolver, b.file, definition, pointer, loc,
                                                        f"policy template {name}")
                out.extend(_relocated(stmts, loc))
                fn.policies_known = fn.policies_known and known
                continue
        if isinstance(item, dict) and "Statement" in item:
            stmts, known = statements_from_document(b.resolver, b.file, item, pointer, loc, "inline policy")
            out.extend(stmts)
            fn.policies_known = fn.policies_known and known
            continue
        value = b.resolver.eval(item)
        if isinstance(value, str):
            found = b.managed(item, value)
            out.extend(_relocated(found, loc))
            if not found and value.rsplit("/", 1)[-1] not in _HARMLESS_NAMES():
                fn.policies_known = False
        else:
            fn.policies_known = False
    return out


def _HARMLESS_NAMES() -> set[str]:
    from lambdalint.parsers.iam import AWS_MANAGED_HARMLESS

    return AWS_MANAGED_HARMLESS


def _relocated(stmts: list[Statement], loc: Loc) -> list[Statement]:
    """Statements expanded from a policy template point at the template's entry in Policies."""
    from dataclasses import replace

    return [replace(s, loc=loc) for s in stmts]


def _intrinsic(item: dict) -> bool:
    key = next(iter(item))
    return key == "Ref" or (isinstance(key, str) and key.startswith("Fn::"))


# -- events and connectors ------------------------------------------------------------------------

def connect(b: TemplateBuilder, logical_id: str) -> None:
    rtype = b.rtype(logical_id)
    if rtype == "AWS::Serverless::Function":
        fn = b.model.functions[logical_id]
        p = b.props(logical_id)
        events(b, fn, p)
        embedded = p.sub("Connectors")
        for name in embedded.keys():
            conn = embedded.sub(name).sub("Properties")
            connector(b, conn, {"Id": logical_id}, embedded.loc(name))
    elif rtype == "AWS::Serverless::Connector":
        p = b.props(logical_id)
        connector(b, p, p.raw("Source"), b.header(logical_id))


def events(b: TemplateBuilder, fn: Function, p: Props) -> None:
    evs = p.sub("Events")
    if evs.unknown:  # Events chosen by Fn::If: invokers not known
        fn.other_invokers.append(f"{fn.id}/Events")
    for name in evs.keys():
        ev = evs.sub(name)
        loc = evs.loc(name)
        etype = ev.str("Type").value
        props = ev.sub("Properties")
        trig_id = f"{fn.id}/Events/{name}"
        if etype in POLL_EVENTS:
            kind, source_key = POLL_EVENTS[etype]
            trig = b.poll_trigger(trig_id, fn.id, fn, props, source_key, loc, kind)
            trig.conditional = fn.conditional
            b.add_trigger(trig)
        elif etype == "S3":
            bucket_name = props.str("Bucket")
            bucket = b.model.lookup("arn:aws:s3:::" + bucket_name.value) if bucket_name.present else None
            trig = Trigger(trig_id, "s3", "async", fn.id, fn.id, loc, source=bucket.id if bucket else None,
                           conditional=fn.conditional)
            ev_list = props.strlist("Events")
            # An unresolvable event list is no event type we can prove (not "every event").
            trig.s3_events = ev_list.value if ev_list.present else (("s3:*",) if ev_list.known else ())
            from lambdalint.parsers.cloudformation import s3_filter

            trig.prefix, trig.suffix = s3_filter(props.sub("Filter").sub("S3Key"))
            b.add_trigger(trig)
        elif etype == "SNS":
            topic_arn = props.str("Topic")
            topic = b.model.lookup(topic_arn.value) if topic_arn.present else None
            # SqsSubscription (true or a queue map) puts a queue and a poll mapping in between;
            # an unresolvable one leaves the invocation type unknown.
            sqs_sub, sqs_shell = props.value("SqsSubscription")
            if props.unknown or not sqs_shell.known:
                mode = "unknown"
            elif isinstance(sqs_sub, dict) or str(sqs_sub).lower() == "true":
                mode = "poll"
            elif sqs_sub is None or str(sqs_sub).lower() == "false":
                mode = "async"
            else:
                mode = "unknown"
            trig = Trigger(trig_id, "sns", mode, fn.id, fn.id, loc,  # type: ignore[arg-type]
                           source=topic.id if topic else None, conditional=fn.conditional,
                           filtered=props.has("FilterPolicy"))
            if mode == "poll":
                sqs_subscription(b, fn, trig, props, name, sqs_sub)
            b.add_trigger(trig)
        elif etype in PUSH_EVENTS:
            kind, mode = PUSH_EVENTS[etype]
            if etype == "Schedule" or etype == "ScheduleV2":
                kind = "schedule"
            b.add_trigger(Trigger(trig_id, kind, mode, fn.id, fn.id, loc, conditional=fn.conditional))  # type: ignore[arg-type]
        else:
            fn.other_invokers.append(trig_id)


def sqs_subscription(b: TemplateBuilder, fn: Function, trig: Trigger, props: Props, event: str, value: Any) -> None:
    """Link an SNS event's trigger to the queue its ``SqsSubscription`` makes the function poll.

    Read as aws-sam-translator translates it (``SNS.to_cloudformation``): ``true`` creates the
    queue ``<Function><Event>Queue`` with no properties but FifoQueue (for a FIFO topic), so it has
    the AWS default VisibilityTimeout of 30 s and no RedrivePolicy, and nothing in the template
    can change either; a map polls the queue its QueueArn names. Either way the mapping SAM
    generates has the map's BatchSize (else 10), no batching window and no FunctionResponseTypes.
    """
    loc = props.loc("SqsSubscription")
    trig.batching_window = Val(0, loc, Prov.DEFAULT)
    trig.response_types = Val((), loc, Prov.DEFAULT)
    if isinstance(value, dict):
        sub = props.sub("SqsSubscription")
        trig.batch_size = sub.int("BatchSize", 10)
        arn = sub.str("QueueArn")
        # An ARN that names no queue of this unit (a parameter, an import) links nothing.
        queue = b.model.lookup(arn.value) if arn.present else None
        if isinstance(queue, Queue):
            trig.queue = queue.id
        return
    trig.batch_size = Val(10, loc, Prov.DEFAULT)
    queue_id = f"{fn.id}{event}Queue"
    if queue_id in b.resources or queue_id in b.model.queues:
        return  # the template declares that logical id itself: which queue wins is not ours to guess
    fifo = False
    if trig.source is not None and b.rtype(trig.source) == "AWS::SNS::Topic":
        fifo = b.props(trig.source).bool("FifoTopic", False).value is True
    # Located at SqsSubscription: no property of this queue is written anywhere, and that line is
    # what the user replaces to get a queue with other properties.
    b.model.queues[queue_id] = Queue(
        queue_id, "AWS::SQS::Queue", loc, Val(b.resolver.name_of(queue_id), loc, Prov.DEFAULT), None, fn.conditional,
        visibility_timeout=Val(30, loc, Prov.DEFAULT), redrive_target=Val(None, loc, Prov.DEFAULT),
        fifo=fifo, created_by=fn.id, created_via=f"SqsSubscription: true of {fn.id} event {event}",
    )
    trig.queue = queue_id


def connector(b: TemplateBuilder, p: Props, source: Any, loc: Loc) -> None:
    """A SAM connector from a function with Write permission lets the function write there."""
    if not isinstance(source, dict) or source.get("Id") not in b.model.functions:
        return
    fn = b.model.functions[source["Id"]]
    permissions = p.strlist("Permissions")
    if not permissions.present or "Write" not in permissions.value:
        return
    destinations = p.raw("Destination")
    for dest in destinations if isinstance(destinations, list) else [destinations]:
        if not isinstance(dest, dict):
            continue
        dest_id = dest.get("Id")
        if isinstance(dest_id, str) and dest_id in b.model.functions:
            b.model.functions[dest_id].other_invokers.append(fn.id)
            continue
        dest_type = b.rtype(dest_id) if isinstance(dest_id, str) and dest_id in b.resources else dest.get("Type")
        writes = CONNECTOR_WRITES.get(dest_type) if isinstance(dest_type, str) else None
        if writes is None:
            continue
        arn = b.resolver.arn_of(dest_id) if isinstance(dest_id, str) and dest_id in b.resources else None
        if arn is None:
            arn_val = b.resolver.eval(dest.get("Arn"))
            arn = arn_val if isinstance(arn_val, str) else None
        if arn is None:
            continue
        actions, suffixes = writes
        fn.statements.append(Statement("Allow", actions, tuple(arn + s for s in suffixes), loc=loc,
                                       origin="SAM connector",
                                       owner=str(p.pointer[1]) if len(p.pointer) > 1 else ""))
