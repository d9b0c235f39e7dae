"""SAM and CloudFormation templates to the model.

One builder serves both: SAM resources (``AWS::Serverless::*``, ``Globals``, ``Events``,
``Policies``, connectors) are read where they are written (``lambdalint.parsers.sam``), so
findings point at SAM source lines and never at resources the transform would generate.
"""

from __future__ import annotations

import re
from typing import Any

from lambdalint.arn import glob_match, normalize_partition
from lambdalint.model import (
    Bucket,
    EnvVar,
    Function,
    Loc,
    LogGroup,
    Model,
    Prov,
    Queue,
    Role,
    Statement,
    Stream,
    Subnet,
    Table,
    Topic,
    Trigger,
    Val,
    ValueKind,
    is_literal,
    poll_kind,
)
from lambdalint.parsers.decode import Document, gc_paused
from lambdalint.parsers.iam import managed_policy, statements_from_document
from lambdalint.parsers.intrinsics import NOVALUE, Resolver, Symbols
from lambdalint.parsers.props import Props, loc_of

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"

FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")
TABLE_TYPES = ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::Serverless::SimpleTable")

# Invocation mode by the service principal of an AWS::Lambda::Permission.
ASYNC_PRINCIPALS = {"s3", "sns", "events", "scheduler", "logs", "iot", "ses", "config", "codecommit",
                    "cloudformation", "cloudwatch", "iotevents"}
SYNC_PRINCIPALS = {"apigateway", "elasticloadbalancing", "cognito-idp", "lex", "alexa-appkit",
                   "alexa-connectedhome", "appsync", "secretsmanager", "connect", "lambda.alb"}

# Types whose references to a function never invoke it, or that this module classifies itself.
NEUTRAL_TYPES = {
    "AWS::Logs::LogGroup", "AWS::Lambda::Version", "AWS::Lambda::Alias", "AWS::Lambda::EventInvokeConfig",
    "AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard", "AWS::Logs::MetricFilter",
    "AWS::Lambda::LayerVersionPermission", "AWS::CodeDeploy::DeploymentGroup",
    "AWS::ApplicationAutoScaling::ScalableTarget", "AWS::ApplicationAutoScaling::ScalingPolicy",
    "AWS::Lambda::EventSourceMapping", "AWS::Lambda::Permission", "AWS::Lambda::Url",
    "AWS::S3::Bucket", "AWS::SNS::Subscription", "AWS::SNS::Topic", "AWS::Events::Rule",
    "AWS::Scheduler::Schedule", "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy",
    "AWS::IAM::RolePolicy", "AWS::Serverless::Connector", "AWS::Lambda::CodeSigningConfig",
    "AWS::Logs::SubscriptionFilter", "AWS::SQS::Queue", "AWS::Serverless::Function",
    "AWS::Lambda::Function", "AWS::Logs::LogStream", "AWS::XRay::Group", "AWS::Synthetics::Canary",
}
# Types whose references to a function are synchronous invocations.
SYNC_REFERENCING_TYPES = {
    "AWS::ApiGateway::Method": "api", "AWS::ApiGateway::RestApi": "api", "AWS::ApiGateway::Authorizer": "api",
    "AWS::ApiGatewayV2::Integration": "http-api", "AWS::ApiGatewayV2::Api": "http-api",
    "AWS::ApiGatewayV2::Authorizer": "http-api", "AWS::Serverless::Api": "api",
    "AWS::Serverless::HttpApi": "http-api", "AWS::Cognito::UserPool": "cognito",
    "AWS::AppSync::DataSource": "appsync", "AWS::ElasticLoadBalancingV2::TargetGroup": "alb",
    "AWS::Lex::Bot": "lex", "AWS::SecretsManager::RotationSchedule": "secretsmanager",
    "AWS::Serverless::GraphQLApi": "appsync",
}
ASYNC_REFERENCING_TYPES = {
    "AWS::IoT::TopicRule": "iot", "AWS::SES::ReceiptRule": "ses", "AWS::Config::ConfigRule": "config",
    "AWS::CloudFormation::CustomResource": "custom-resource", "AWS::CodeCommit::Repository": "codecommit",
}


def is_template(data: Any) -> str | None:
    """'sam' or 'cloudformation' when the document is a template, else None."""
    if not isinstance(data, dict):
        return None
    resources = data.get("Resources")
    if not isinstance(resources, dict) or not resources:
        return None
    types = [r.get("Type") for r in resources.values() if isinstance(r, dict)]
    if not any(isinstance(t, str) and (t.startswith(("AWS::", "Custom::", "Alexa::"))) for t in types):
        return None
    transform = data.get("Transform")
    transforms = transform if isinstance(transform, list) else [transform]
    if SAM_TRANSFORM in transforms or any(isinstance(t, str) and t.startswith("AWS::Serverless::") for t in types):
        return "sam"
    return "cloudformation"


class TemplateBuilder:
    """Builds one template's model. SAM specifics live in ``lambdalint.parsers.sam``."""

    def __init__(self, doc: Document, file: str, fmt: str) -> None:
        self.data: dict[str, Any] = doc.data
        self.text = doc.text
        self.file = file
        self.fmt = fmt
        self.symbols = Symbols()
        self.resources: dict[str, Any] = {
            k: v for k, v in self.data["Resources"].items() if isinstance(k, str) and isinstance(v, dict)
        }
        self.resolver = Resolver(self.data, self.symbols)
        self.model = Model(file=file, fmt=fmt)
        self.policies_by_role: dict[str, list[Statement]] = {}
        self.role_names: dict[str, str] = {}
        self.function_index: Any = None  # lambdalint.arn.ArnIndex of functions, built on first use
        self._names_index: dict[str, set[str]] | None = None  # function name -> ids, built on first use
        self.function_names: tuple[int, dict[str, Function]] | None = None  # function_for's name cache
        # Asked for several times per resource (every edge and property default points at it).
        self._headers: dict[str, Loc] = {}
        self._rtypes: dict[str, str] = {
            k: v["Type"] if isinstance(v.get("Type"), str) else "" for k, v in self.resources.items()
        }

    # -- helpers ----------------------------------------------------------------------------
    def header(self, logical_id: str) -> Loc:
        loc = self._headers.get(logical_id)
        if loc is None:
            loc = loc_of(self.file, self.data["Resources"], logical_id, ("Resources",), Loc(self.file))
            self._headers[logical_id] = loc
        return loc

    def props(self, logical_id: str) -> Props:
        res = self.resources[logical_id]
        header = self.header(logical_id)
        props = Props.at(self.resolver, self.file, res, "Properties", ("Resources", logical_id), header)
        # An absent property takes its AWS default at the resource header (where the fix goes),
        # not at the ``Properties:`` key.
        props.header = header
        return props

    def rtype(self, logical_id: str) -> str:
        known = self._rtypes.get(logical_id)
        if known is not None:
            return known
        value = self.resources[logical_id].get("Type")
        return value if isinstance(value, str) else ""

    def conditional(self, logical_id: str) -> bool:
        return "Condition" in self.resources[logical_id]

    def name_val(self, logical_id: str, props: Props, prop: str) -> Val[str]:
        name = self.resolver.name_of(logical_id)
        if props.has(prop):
            return Val(name, props.loc(prop))
        return Val(name, self.header(logical_id), Prov.DEFAULT)

    # -- build ------------------------------------------------------------------------------
    def release(self) -> None:
        """Drop the SAM hooks once the model is built: they refer back to this builder, and that
        cycle would keep the whole decoded template alive until a full garbage collection."""
        self.resolver.extra_refs.clear()
        self.resolver.extra_attrs.clear()

    def build(self) -> Model:
        from lambdalint.parsers import sam

        if self.fmt == "sam":
            sam.prepare(self)
        for logical_id in self.resources:
            self.declare(logical_id)
        for logical_id in self.resources:
            self.connect(logical_id)
        if self.fmt == "sam":
            for logical_id in self.resources:
                sam.connect(self, logical_id)
        self.attach_policies()
        self.find_other_invokers()
        self.model.symbols = dict(self.symbols.describe)
        self.suppression_facts()
        return self.model

    def suppression_facts(self) -> None:
        """Resource headers and ``Metadata: {lambdalint: {ignore: [...]}}`` declarations."""
        m = self.model
        m.sources[self.file] = self.text
        for logical_id, res in self.resources.items():
            m.headers[logical_id] = self.header(logical_id)
            ignores = _metadata_ignores(res.get("Metadata"))
            if ignores:
                m.metadata_ignores[logical_id] = ignores
        top = _metadata_ignores(self.data.get("Metadata"))
        if top:
            m.metadata_ignores[""] = top

    def declare(self, logical_id: str) -> None:
        rtype = self.rtype(logical_id)
        m = self.model
        header = self.header(logical_id)
        arn = self.resolver.arn_of(logical_id)
        cond = self.conditional(logical_id)
        if rtype in FUNCTION_TYPES:
            m.functions[logical_id] = self.function(logical_id)
        elif rtype == "AWS::SQS::Queue":
            p = self.props(logical_id)
            redrive, shell = p.value("RedrivePolicy")
            if shell.known and redrive is None:
                target: Val[str] = Val(None, header, Prov.DEFAULT)
            elif isinstance(redrive, dict) and isinstance(redrive.get("deadLetterTargetArn"), str):
                target = Val(redrive["deadLetterTargetArn"], shell.loc, shell.prov, shell.via)
            elif isinstance(redrive, str) and "deadLetterTargetArn" in redrive:
                target = Val(redrive, shell.loc, shell.prov, shell.via)
            else:
                target = Val(None, shell.loc, Prov.UNKNOWN, why="RedrivePolicy not resolvable")
            fifo = p.bool("FifoQueue", False)
            m.queues[logical_id] = Queue(
                logical_id, rtype, header, self.name_val(logical_id, p, "QueueName"), arn, cond,
                visibility_timeout=p.int("VisibilityTimeout", 30), redrive_target=target,
                fifo=bool(fifo.value), url=self.resolver.queue_url(logical_id),
            )
        elif rtype == "AWS::SNS::Topic":
            p = self.props(logical_id)
            name = self.name_val(logical_id, p, "TopicName")
            m.topics[logical_id] = Topic(logical_id, rtype, header, name, arn, cond)
        elif rtype == "AWS::S3::Bucket":
            p = self.props(logical_id)
            name = self.name_val(logical_id, p, "BucketName")
            m.buckets[logical_id] = Bucket(logical_id, rtype, header, name, arn, cond)
        elif rtype in TABLE_TYPES:
            p = self.props(logical_id)
            spec = p.sub("StreamSpecification")
            if rtype == "AWS::Serverless::SimpleTable":
                enabled: Val[bool] = Val(False, header, Prov.DEFAULT)
            elif spec.unknown:
                enabled = Val(None, spec.loc(), Prov.UNKNOWN, why=spec.unknown_why)
            elif spec.present:
                enabled = Val(True, spec.loc())
            else:
                enabled = Val(False, header, Prov.DEFAULT)
            m.tables[logical_id] = Table(
                logical_id, rtype, header, self.name_val(logical_id, p, "TableName"), arn, cond,
                stream_enabled=enabled, stream_arn=self.resolver.stream_arn(logical_id),
            )
        elif rtype == "AWS::Kinesis::Stream":
            p = self.props(logical_id)
            m.streams[logical_id] = Stream(logical_id, rtype, header, self.name_val(logical_id, p, "Name"), arn, cond)
        elif rtype == "AWS::Logs::LogGroup":
            p = self.props(logical_id)
            m.log_groups[logical_id] = LogGroup(
                logical_id, rtype, header, self.name_val(logical_id, p, "LogGroupName"), arn, cond,
                retention_days=p.int("RetentionInDays", None),
            )
        elif rtype == "AWS::EC2::Subnet":
            p = self.props(logical_id)
            name = Val(self.resolver.resource_ref(logical_id), header)
            m.subnets[logical_id] = Subnet(logical_id, rtype, header, name, name.value, cond, cidr=p.str("CidrBlock"))
        elif rtype == "AWS::IAM::Role":
            p = self.props(logical_id)
            role = Role(logical_id, rtype, header, self.name_val(logical_id, p, "RoleName"), arn, cond)
            role.statements.extend(self.role_inline_policies(logical_id, p))
            m.roles[logical_id] = role
            if role.name.present:
                self.role_names[role.name.value] = logical_id

    # -- functions --------------------------------------------------------------------------
    def function(self, logical_id: str) -> Function:
        from lambdalint.parsers import sam

        rtype = self.rtype(logical_id)
        header = self.header(logical_id)
        p = self.props(logical_id)
        is_sam = rtype == "AWS::Serverless::Function"
        fn = Function(
            logical_id, rtype, header, self.name_val(logical_id, p, "FunctionName"),
            self.resolver.arn_of(logical_id), self.conditional(logical_id),
            runtime=p.str("Runtime"),
            handler=p.str("Handler"),
            timeout=p.int("Timeout", 3),
            memory=p.int("MemorySize", 128),
            reserved_concurrency=p.int("ReservedConcurrentExecutions", None),
            recursive_loop=p.str("RecursiveLoop", "Terminate"),
        )
        self.environment(fn, p)
        vpc = p.sub("VpcConfig")
        if vpc.unknown:
            fn.subnets = Val(None, vpc.loc(), Prov.UNKNOWN, why=vpc.unknown_why)
        elif vpc.present:
            fn.subnets = vpc.strlist("SubnetIds")
            if fn.subnets.prov is Prov.DEFAULT:
                fn.subnets = Val(None, vpc.loc(), Prov.DEFAULT)
        else:
            fn.subnets = Val(None, header, Prov.DEFAULT)
        dlq = p.sub("DeadLetterQueue" if is_sam else "DeadLetterConfig")
        if dlq.unknown:
            fn.dead_letter = Val(None, dlq.loc(), Prov.UNKNOWN, why=dlq.unknown_why)
        elif dlq.present:
            target = dlq.str("TargetArn")
            # Located at the DeadLetterQueue/DeadLetterConfig key: the block a fix edits or removes.
            fn.dead_letter = Val(target.value, dlq.loc(), target.prov, target.via, target.why)
            if fn.dead_letter.prov is Prov.DEFAULT:
                fn.dead_letter = Val(None, dlq.loc(), Prov.DEFAULT)
        else:
            fn.dead_letter = Val(None, header, Prov.DEFAULT)
        fn.on_failure = Val(None, header, Prov.DEFAULT)
        fn.max_retry_attempts = Val(2, header, Prov.DEFAULT)
        logging = p.sub("LoggingConfig")
        default_group = "/aws/lambda/" + self.resolver.name_of(logical_id)
        if logging.unknown:
            fn.log_group_name = Val(None, logging.loc(), Prov.UNKNOWN, why=logging.unknown_why)
        elif logging.has("LogGroup"):
            fn.log_group_name = logging.str("LogGroup")
            fn.log_group_custom = True
        else:
            fn.log_group_name = Val(default_group, header, Prov.DEFAULT)
        if p.has("Role"):
            fn.role = p.str("Role")
        else:
            fn.role = Val(None, header, Prov.DEFAULT)
        if is_sam:
            sam.function_extras(self, fn, p)
        return fn

    def environment(self, fn: Function, p: Props) -> None:
        env = p.sub("Environment")
        if env.unknown:
            fn.environment_known = False
            return
        variables = env.sub("Variables")
        if variables.unknown:
            fn.environment_known = False
            return
        if not variables.present:
            return
        for name in variables.keys():
            raw = variables.raw(name)
            kind, text = self.classify_env(raw)
            loc = variables.loc(name)
            inherited = variables.is_inherited(name)
            fn.environment.append(EnvVar(
                name, kind, text, loc,
                Prov.INHERITED if inherited else Prov.EXPLICIT, "Globals" if inherited else "",
            ))

    def classify_env(self, raw: Any) -> tuple[ValueKind, str | None]:
        """What an environment value is, for secret detection (the text is never printed)."""
        value = self.resolver.eval(raw)
        text = value if isinstance(value, str) else (str(value) if isinstance(value, (int, float)) else None)
        if isinstance(text, str):
            if "{{resolve:secretsmanager:" in text or "{{resolve:ssm-secure:" in text:
                return "dynamic-secret", text
            if "{{resolve:ssm:" in text:
                return "dynamic-plain", text
            if text.startswith(("arn:aws:secretsmanager:", "arn:aws:ssm:")):
                return "store-reference", None
        refs = _referenced_ids(raw)
        for ref in refs:
            if self.resources.get(ref, {}).get("Type") in ("AWS::SecretsManager::Secret", "AWS::SSM::Parameter"):
                return "store-reference", None
        if any(ref in self.resolver.parameters for ref in refs):
            return "parameter", text
        if isinstance(text, str):
            if is_literal(text):
                return "literal", text
            return "resource-reference", None
        if isinstance(value, bool):
            return "literal", str(value).lower()
        return "unknown", None

    # -- IAM --------------------------------------------------------------------------------
    def role_inline_policies(self, logical_id: str, p: Props) -> list[Statement]:
        out: list[Statement] = []
        raw_list = p.raw("Policies")
        if isinstance(raw_list, list):
            for index, raw in enumerate(raw_list):
                if not isinstance(raw, dict):
                    continue
                loc = loc_of(self.file, raw_list, index, (*p.pointer, "Policies"), p.loc("Policies"))
                name = raw.get("PolicyName")
                origin = f"inline policy {name}" if isinstance(name, str) else "inline policy"
                stmts, _ = statements_from_document(
                    self.resolver, self.file, raw.get("PolicyDocument"),
                    (*p.pointer, "Policies", index, "PolicyDocument"), loc, origin,
                )
                out.extend(stmts)
        managed, _ = p.value("ManagedPolicyArns")
        if isinstance(managed, list):
            raw_managed = p.raw("ManagedPolicyArns")
            for index, arn in enumerate(managed):
                raw = raw_managed[index] if isinstance(raw_managed, list) and index < len(raw_managed) else None
                # An AWS managed policy's statements point at its entry here, where a fix goes.
                from dataclasses import replace

                entry = loc_of(self.file, raw_managed, index, (*p.pointer, "ManagedPolicyArns"),
                               p.loc("ManagedPolicyArns"))
                out.extend(s if s.loc else replace(s, loc=entry, owner=logical_id) for s in self.managed(raw, arn))
        return out

    def managed(self, raw: Any, arn: Any) -> list[Statement]:
        """Statements of a managed policy referenced by ARN (in-template or AWS managed)."""
        for ref in _referenced_ids(raw):
            if self.resources.get(ref, {}).get("Type") == "AWS::IAM::ManagedPolicy":
                p = self.props(ref)
                stmts, _ = statements_from_document(
                    self.resolver, self.file, p.raw("PolicyDocument"), (*p.pointer, "PolicyDocument"),
                    p.loc("PolicyDocument"), f"managed policy {ref}",
                )
                return stmts
        if isinstance(arn, str):
            known = managed_policy(arn)
            if known is not None:
                return list(known)
        return []

    def attach_policies(self) -> None:
        """AWS::IAM::Policy / ManagedPolicy / RolePolicy resources attach to roles by name."""
        for logical_id in self.resources:
            rtype = self.rtype(logical_id)
            if rtype not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
                continue
            p = self.props(logical_id)
            origin = f"{rtype} {logical_id}"
            stmts, _ = statements_from_document(
                self.resolver, self.file, p.raw("PolicyDocument"), (*p.pointer, "PolicyDocument"),
                p.loc("PolicyDocument"), origin,
            )
            names = p.strlist("RoleName" if rtype == "AWS::IAM::RolePolicy" else "Roles")
            for name in names.value or ():
                role_id = self.role_names.get(name)
                if role_id is None:
                    # A role created elsewhere, or a SAM function's generated role.
                    for fn in self.model.functions.values():
                        generated = fn.role is not None and fn.role.prov is Prov.DEFAULT
                        if generated and name == self.generated_role_name(fn.id):
                            fn.statements.extend(stmts)
                    continue
                self.model.roles[role_id].statements.extend(stmts)

    def generated_role_name(self, function_id: str) -> str:
        return self.resolver.name_of(function_id + "Role")

    # -- edges ------------------------------------------------------------------------------
    def function_for(self, value: Any) -> Function | None:
        """The function a FunctionName / ARN / alias ARN value denotes."""
        if not isinstance(value, str):
            return None
        m = self.model
        found = m.lookup(value)
        if isinstance(found, Function):
            return found
        # Plain names (what !Ref returns) by dict, so wiring N mappings is not N x functions.
        if self.function_names is None or self.function_names[0] != len(m.functions):
            names: dict[str, Function] = {}
            for fn in m.functions.values():
                if fn.name.present:
                    names.setdefault(fn.name.value, fn)
            self.function_names = (len(m.functions), names)
        if value in self.function_names[1]:
            return self.function_names[1][value]
        for fn in m.functions.values():
            if fn.name.present and value == fn.name.value:
                return fn
            if fn.arn and normalize_partition(value).startswith(fn.arn + ":"):
                return fn  # qualified ARN (alias or version)
            if fn.name.present and value.startswith(fn.name.value + ":") and ":" not in value[len(fn.name.value) + 1:]:
                return fn  # name:alias
        return None

    def connect(self, logical_id: str) -> None:
        rtype = self.rtype(logical_id)
        handler = _CONNECTORS.get(rtype)
        if handler is not None:
            handler(self, logical_id)

    def add_trigger(self, trig: Trigger) -> None:
        self.model.triggers.append(trig)
        self.model._by_function = None

    def poll_trigger(self, trig_id: str, owner: str, fn: Function | None, p: Props, source_key: str,
                     loc: Loc, kind_hint: str | None = None) -> Trigger:
        """An event source mapping (CloudFormation resource or SAM poll event)."""
        source_val = p.str(source_key)
        source = self.model.lookup(source_val.value) if source_val.present else None
        kind = kind_hint or poll_kind(source, source_val.value)
        default_batch = {"sqs": 10, "kinesis": 100, "dynamodb": 100}.get(kind)
        dest = p.sub("DestinationConfig").sub("OnFailure")
        if dest.unknown:
            on_failure: Val[str] = Val(None, dest.loc(), Prov.UNKNOWN, why=dest.unknown_why)
        else:
            on_failure = dest.str("Destination")
            if on_failure.prov is Prov.DEFAULT and dest.present:
                on_failure = Val(None, dest.loc(), Prov.DEFAULT)
        trig = Trigger(
            trig_id, kind, "poll", fn.id if fn else None, owner, loc,
            source=source.id if source else None, source_arn=source_val,
            batch_size=p.int("BatchSize", default_batch),
            batching_window=p.int("MaximumBatchingWindowInSeconds", 0),
            response_types=p.strlist("FunctionResponseTypes"),
            on_failure=on_failure,
            bisect=p.bool("BisectBatchOnFunctionError", False),
        )
        trig.filtered = p.has("FilterCriteria")
        if trig.response_types is not None and trig.response_types.prov is Prov.DEFAULT:
            trig.response_types = Val((), trig.response_types.loc, Prov.DEFAULT)
        return trig

    def push_trigger(self, trig_id: str, kind: str, mode: str, fn: Function | None, owner: str, loc: Loc,
                     source: str | None = None, conditional: bool = False) -> Trigger:
        return Trigger(trig_id, kind, mode, fn.id if fn else None, owner, loc, source=source,  # type: ignore[arg-type]
                       conditional=conditional)

    def find_other_invokers(self) -> None:
        """References to a function from places the model does not classify may invoke it."""
        functions = self.model.functions
        if not functions:
            return
        classified = {(t.function, t.owner) for t in self.model.triggers}
        for logical_id, res in self.resources.items():
            rtype = self.rtype(logical_id)
            if rtype in NEUTRAL_TYPES:
                # An edge-making resource whose target did not resolve to one function (Fn::If
                # between two) may still invoke any function it references.
                if rtype in _CONNECTORS and rtype != "AWS::Lambda::EventInvokeConfig":
                    for ref in _referenced_ids(res.get("Properties")) & functions.keys():
                        others = functions[ref].other_invokers
                        if (ref, logical_id) not in classified and logical_id not in others:
                            others.append(logical_id)
                continue
            refs = _referenced_ids(res.get("Properties")) | self.named_functions(res.get("Properties"))
            for ref in refs & functions.keys():
                if ref == logical_id or (ref, logical_id) in classified:
                    continue
                kind = SYNC_REFERENCING_TYPES.get(rtype) or ASYNC_REFERENCING_TYPES.get(rtype)
                if kind is None and rtype.startswith("Custom::"):
                    kind = "custom-resource"
                if kind in ("api", "http-api") and _mentions_invocation_type(res.get("Properties")):
                    kind = None  # X-Amz-Invocation-Type: the API may invoke it asynchronously
                if kind is not None:
                    mode = "sync" if rtype in SYNC_REFERENCING_TYPES else "async"
                    header = self.header(logical_id)
                    self.add_trigger(self.push_trigger(
                        f"{logical_id}->{ref}", kind, mode, functions[ref], logical_id, header,
                        conditional=self.conditional(logical_id)))
                else:
                    functions[ref].other_invokers.append(logical_id)
        # Another function's environment naming this function: its code may invoke it. Its
        # EventInvokeConfig destinations (or an EventInvokeConfig resource's) invoke asynchronously.
        for logical_id, res in self.resources.items():
            raw_props = res.get("Properties")
            if not isinstance(raw_props, dict):
                continue
            rtype = self.rtype(logical_id)
            if rtype in FUNCTION_TYPES:
                mentioning = [raw_props.get("Environment"), raw_props.get("EventInvokeConfig")]
            elif rtype == "AWS::Lambda::EventInvokeConfig":
                mentioning = [raw_props.get("DestinationConfig")]
            else:
                continue
            for raw in mentioning:
                for ref in (_referenced_ids(raw) | self.named_functions(raw)) & functions.keys():
                    if ref != logical_id:
                        functions[ref].other_invokers.append(logical_id)
        # An exported name or ARN is there for other stacks, which may invoke it in any mode.
        outputs = self.data.get("Outputs")
        for name, output in outputs.items() if isinstance(outputs, dict) else ():
            if isinstance(output, dict) and "Export" in output:
                for ref in _referenced_ids(output.get("Value")) & functions.keys():
                    functions[ref].other_invokers.append(f"Outputs/{name}")
        # IAM grants of lambda:InvokeFunction on a function: roles, the functions' own policies, and
        # policies and users whose attachment the model does not follow (an external role, a user).
        for role in self.model.roles.values():
            self._invoke_grants(role.id, role.statements)
        for fn in functions.values():
            self._invoke_grants(fn.id, fn.statements)
        for logical_id in self.resources:
            rtype = self.rtype(logical_id)
            if rtype in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy",
                         "AWS::IAM::UserPolicy", "AWS::IAM::GroupPolicy"):
                p = self.props(logical_id)
                stmts, _ = statements_from_document(
                    self.resolver, self.file, p.raw("PolicyDocument"), (*p.pointer, "PolicyDocument"),
                    p.loc("PolicyDocument"), f"{rtype} {logical_id}")
                self._invoke_grants(logical_id, stmts)
            elif rtype in ("AWS::IAM::User", "AWS::IAM::Group"):
                self._invoke_grants(logical_id, self.role_inline_policies(logical_id, self.props(logical_id)))

    def named_functions(self, raw: Any) -> set[str]:
        """Functions whose (symbolic) name appears in a string of ``raw``, once evaluated: a
        literal ARN or name in a state machine definition invokes as surely as a !GetAtt does."""
        if raw is None:  # most functions have no Environment: do not pay O(functions) for nothing
            return set()
        if self._names_index is None:
            # A function name is a whole run of name characters in a string (bounded by ':', '/', ...):
            # index names once, then each string costs one regex scan, not one per function.
            index: dict[str, set[str]] = {}
            for fn in self.model.functions.values():
                if fn.name.present and fn.name.value:
                    index.setdefault(fn.name.value, set()).add(fn.id)
            self._names_index = index
        names = self._names_index
        found: set[str] = set()
        if not names:
            return found
        stack = [self.resolver.eval(raw)]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                stack.extend(node.keys())
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, str):
                for token in _NAME_RUN.findall(node):
                    found.update(names.get(token, ()))
        return found

    def _invoke_grants(self, holder: str, statements: list[Statement]) -> None:
        from lambdalint.arn import ArnIndex, allows, statement_allows_action

        grants = [s for s in statements if s.effect == "Allow" and statement_allows_action(s, "lambda:InvokeFunction")]
        if not grants:
            return
        # Only the functions a grant's resource pattern could address (linear, not roles x functions).
        if self.function_index is None:
            self.function_index = ArnIndex(
                (fn.arn, (i, fn)) for i, fn in enumerate(self.model.functions.values()) if fn.arn)
        found = {c for s in grants for p in (s.resources or ("*",)) for c in self.function_index.candidates(p)}
        for _, fn in sorted(found, key=lambda c: c[0]):
            if fn.arn and any(allows(statements, "lambda:InvokeFunction", arn) for arn in (fn.arn, fn.arn + ":live")):
                fn.other_invokers.append(holder)


# Characters of a Lambda function name (letters, digits, '-', '_'), symbols included.
_NAME_RUN = re.compile("[\\w\\-\U000f0000-\U0010fffd]+")


def _metadata_ignores(metadata: Any) -> list[tuple[str, str]]:
    """``{lambdalint: {ignore: [LL201, {id: LL103, reason: "..."}]}}`` -> [(rule, reason)]."""
    if not isinstance(metadata, dict):
        return []
    section = metadata.get("lambdalint")
    items = section.get("ignore") if isinstance(section, dict) else None
    if isinstance(items, str):
        items = [items]
    out: list[tuple[str, str]] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str):
            out.append((item, ""))
        elif isinstance(item, dict) and isinstance(item.get("id"), str):
            reason = item.get("reason")
            out.append((item["id"], reason if isinstance(reason, str) else ""))
    return out


def _mentions_invocation_type(raw: Any) -> bool:
    """True when an API definition sets X-Amz-Invocation-Type (an 'Event' integration is async)."""
    stack = [raw]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str) and "x-amz-invocation-type" in node.lower():
            return True
    return False


def _referenced_ids(raw: Any, out: set[str] | None = None) -> set[str]:
    """Logical ids referenced by Ref, GetAtt and Sub anywhere inside ``raw``."""
    import re

    if out is None:
        out = set()
    stack = [raw]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if len(node) == 1:
                key, arg = next(iter(node.items()))
                if key == "Ref" and isinstance(arg, str):
                    out.add(arg.split(".", 1)[0])
                elif key == "Fn::GetAtt":
                    if isinstance(arg, list) and arg and isinstance(arg[0], str):
                        out.add(arg[0])
                    elif isinstance(arg, str):
                        out.add(arg.split(".", 1)[0])
                elif key == "Fn::Sub":
                    text = arg[0] if isinstance(arg, list) and arg else arg
                    if isinstance(text, str):
                        for var in re.findall(r"\$\{([^}!][^}]*)\}", text):
                            out.add(var.split(".", 1)[0])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return out


# -- CloudFormation resource connectors (one per resource type that creates an edge) ---------

def _esm(b: TemplateBuilder, logical_id: str) -> None:
    p = b.props(logical_id)
    fn_val = p.str("FunctionName")
    fn = b.function_for(fn_val.value)
    kind_hint = None
    if p.has("SelfManagedEventSource") or p.has("AmazonManagedKafkaEventSourceConfig"):
        kind_hint = "kafka"
    elif p.has("Queues"):
        kind_hint = "mq"
    trig = b.poll_trigger(logical_id, logical_id, fn, p, "EventSourceArn", b.header(logical_id), kind_hint)
    trig.conditional = b.conditional(logical_id)
    b.add_trigger(trig)


def _bucket(b: TemplateBuilder, logical_id: str) -> None:
    p = b.props(logical_id)
    configs_props = p.sub("NotificationConfiguration")
    raw_configs = configs_props.raw("LambdaConfigurations")
    if not isinstance(raw_configs, list):
        return
    base = (*configs_props.pointer, "LambdaConfigurations")
    for index, raw in enumerate(raw_configs):
        loc = loc_of(b.file, raw_configs, index, base, configs_props.loc("LambdaConfigurations"))
        item = Props(b.resolver, b.file, raw, (*base, index), loc)
        fn = b.function_for(item.str("Function").value)
        event = item.str("Event")
        trig = b.push_trigger(f"{logical_id}/LambdaConfigurations/{index}", "s3", "async", fn, logical_id, loc,
                              source=logical_id, conditional=b.conditional(logical_id))
        # An unresolvable event type is no event type we can prove (not "every event").
        trig.s3_events = (event.value,) if event.present else (("s3:*",) if event.known else ())
        trig.prefix, trig.suffix = s3_filter(item.sub("Filter").sub("S3Key"))
        b.add_trigger(trig)


def s3_filter(key_filter: Props) -> tuple[Val[str], Val[str]]:
    """Prefix and suffix of an S3 key filter (``Rules: [{Name: prefix|suffix, Value}]``)."""
    prefix: Val[str] = Val("", key_filter.loc(), Prov.DEFAULT)
    suffix: Val[str] = Val("", key_filter.loc(), Prov.DEFAULT)
    if key_filter.unknown:
        bad: Val[str] = Val(None, key_filter.loc(), Prov.UNKNOWN, why=key_filter.unknown_why)
        return bad, bad
    rules = key_filter.raw("Rules")
    if rules is None:
        return prefix, suffix
    evaluated = key_filter.resolver.eval(rules)
    if not isinstance(evaluated, list):
        bad = Val(None, key_filter.loc("Rules"), Prov.UNKNOWN, why="filter rules not resolvable")
        return bad, bad
    for index, rule in enumerate(evaluated):
        if not isinstance(rule, dict):
            continue
        name, value = rule.get("Name"), rule.get("Value")
        loc = loc_of(key_filter.file, rules, index, (*key_filter.pointer, "Rules"), key_filter.loc("Rules"))
        val = Val(value, loc) if isinstance(value, str) else Val(None, loc, Prov.UNKNOWN, why="filter value")
        if isinstance(name, str) and name.lower() == "prefix":
            prefix = val
        elif isinstance(name, str) and name.lower() == "suffix":
            suffix = val
    return prefix, suffix


def _subscription(b: TemplateBuilder, logical_id: str) -> None:
    p = b.props(logical_id)
    protocol = p.str("Protocol")
    if protocol.value != "lambda":
        return
    fn = b.function_for(p.str("Endpoint").value)
    topic = b.model.lookup(p.str("TopicArn").value)
    trig = b.push_trigger(logical_id, "sns", "async", fn, logical_id, b.header(logical_id),
                          source=topic.id if topic else None, conditional=b.conditional(logical_id))
    trig.filtered = p.has("FilterPolicy")
    b.add_trigger(trig)


def _topic(b: TemplateBuilder, logical_id: str) -> None:
    p = b.props(logical_id)
    subs = p.raw("Subscription")
    if not isinstance(subs, list):
        return
    for index, raw in enumerate(subs):
        loc = loc_of(b.file, subs, index, (*p.pointer, "Subscription"), p.loc("Subscription"))
        item = Props(b.resolver, b.file, raw, (*p.pointer, "Subscription", index), loc)
        if item.str("Protocol").value != "lambda":
            continue
        fn = b.function_for(item.str("Endpoint").value)
        b.add_trigger(b.push_trigger(f"{logical_id}/Subscription/{index}", "sns", "async", fn, logical_id, loc,
                                     source=logical_id, conditional=b.conditional(logical_id)))


def _rule(b: TemplateBuilder, logical_id: str) -> None:
    p = b.props(logical_id)
    targets = p.raw("Targets")
    kind = "schedule" if p.has("ScheduleExpression") else "eventbridge"
    if not isinstance(targets, list):
        return
    for index, raw in enumerate(targets):
        loc = loc_of(b.file, targets, index, (*p.pointer, "Targets"), p.loc("Targets"))
        item = Props(b.resolver, b.file, raw, (*p.pointer, "Targets", index), loc)
        fn = b.function_for(item.str("Arn").value)
        if fn is not None:
            b.add_trigger(b.push_trigger(f"{logical_id}/Targets/{index}", kind, "async", fn, logical_id, loc,
                                         conditional=b.conditional(logical_id)))


def _schedule(b: TemplateBuilder, logical_id: str) -> None:
    p = b.props(logical_id)
    target = p.sub("Target")
    fn = b.function_for(target.str("Arn").value)
    if fn is not None:
        b.add_trigger(b.push_trigger(logical_id, "schedule", "async", fn, logical_id, b.header(logical_id),
                                     conditional=b.conditional(logical_id)))


def _permission(b: TemplateBuilder, logical_id: str) -> None:
    p = b.props(logical_id)
    fn = b.function_for(p.str("FunctionName").value)
    if fn is None:
        return
    principal = p.str("Principal")
    service = ""
    service_domains = (".amazonaws.com", ".amazon.com")
    if principal.present and is_literal(principal.value) and principal.value.endswith(service_domains):
        service = principal.value.split(".", 1)[0]
    if p.str("Action").value == "lambda:InvokeFunctionUrl":
        service = "url"  # whoever the principal is, it may only call the function URL (synchronous)
    if service == "url":
        mode = "sync"
    elif service in ASYNC_PRINCIPALS:
        mode = "async"
    elif service in SYNC_PRINCIPALS:
        mode = "sync"
    else:
        fn.other_invokers.append(logical_id)
        return
    b.add_trigger(b.push_trigger(logical_id, service, mode, fn, logical_id, b.header(logical_id),
                                 conditional=b.conditional(logical_id)))


def _url(b: TemplateBuilder, logical_id: str) -> None:
    p = b.props(logical_id)
    fn = b.function_for(p.str("TargetFunctionArn").value)
    if fn is not None:
        b.add_trigger(b.push_trigger(logical_id, "url", "sync", fn, logical_id, b.header(logical_id),
                                     conditional=b.conditional(logical_id)))


def _subscription_filter(b: TemplateBuilder, logical_id: str) -> None:
    p = b.props(logical_id)
    fn = b.function_for(p.str("DestinationArn").value)
    if fn is not None:
        b.add_trigger(b.push_trigger(logical_id, "logs", "async", fn, logical_id, b.header(logical_id),
                                     conditional=b.conditional(logical_id)))


def _invoke_config(b: TemplateBuilder, logical_id: str) -> None:
    p = b.props(logical_id)
    fn = b.function_for(p.str("FunctionName").value)
    if fn is None:
        # Not resolvable to one function (Fn::If between two): each it names may have a destination.
        dest = p.sub("DestinationConfig").sub("OnFailure")
        if dest.present or dest.unknown:
            for ref in _referenced_ids(p.raw("FunctionName")) & b.model.functions.keys():
                other = b.model.functions[ref]
                if other.on_failure is None or not other.on_failure.present:
                    other.on_failure = Val(None, dest.loc(), Prov.UNKNOWN, why=f"{logical_id} may apply")
        return
    if p.has("MaximumRetryAttempts"):
        fn.max_retry_attempts = p.int("MaximumRetryAttempts", 2)
    dest = p.sub("DestinationConfig").sub("OnFailure")
    if dest.unknown:
        fn.on_failure = Val(None, dest.loc(), Prov.UNKNOWN, why=dest.unknown_why)
    elif dest.present:
        target = dest.str("Destination")
        fn.on_failure = Val(target.value, dest.loc(), target.prov, target.via, target.why)  # at OnFailure


_CONNECTORS = {
    "AWS::Lambda::EventSourceMapping": _esm,
    "AWS::S3::Bucket": _bucket,
    "AWS::SNS::Subscription": _subscription,
    "AWS::SNS::Topic": _topic,
    "AWS::Events::Rule": _rule,
    "AWS::Scheduler::Schedule": _schedule,
    "AWS::Lambda::Permission": _permission,
    "AWS::Lambda::Url": _url,
    "AWS::Logs::SubscriptionFilter": _subscription_filter,
    "AWS::Lambda::EventInvokeConfig": _invoke_config,
}


def build(doc: Document, file: str, fmt: str) -> Model:
    with gc_paused():  # allocation-only phase: see lambdalint.parsers.decode.gc_paused
        builder = TemplateBuilder(doc, file, fmt)
        try:
            return builder.build()
        finally:
            builder.release()


__all__ = ["NOVALUE", "SAM_TRANSFORM", "TemplateBuilder", "build", "glob_match", "is_template"]
