"""Terraform ``aws_*`` resources and data sources to the model.

The semantics mirror the CloudFormation builder (``lambdalint.parsers.cloudformation``): the same
AWS defaults (located at the resource header), the same trigger kinds and invocation modes, the
same IAM statements with owner, origin and location, so every rule reads Terraform exactly as
it reads a template. Resource ids are Terraform addresses (``module.orders.aws_sqs_queue.jobs``).
Instances of a ``count``/``for_each`` resource are one resource: the attributes that matter are
evaluated with ``count.index`` / ``each.*`` unknown, so they are known exactly when every
instance has the same value.
"""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from lambdalint.arn import normalize_partition
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
from lambdalint.parsers.iam import statement_from
from lambdalint.parsers.intrinsics import Symbols
from lambdalint.parsers.terraform.attrs import Attrs
from lambdalint.parsers.terraform.evaluate import DocText, Evaluator, has_symbol
from lambdalint.parsers.terraform.hcl import Attr, Block, TSExpr
from lambdalint.parsers.terraform.modules import Instance
from lambdalint.parsers.terraform.naming import STORE_TYPES, World

ASYNC_PRINCIPALS = {"s3", "sns", "events", "scheduler", "logs", "iot", "ses", "config", "codecommit",
                    "cloudformation", "cloudwatch", "iotevents"}
SYNC_PRINCIPALS = {"apigateway", "elasticloadbalancing", "cognito-idp", "lex", "alexa-appkit",
                   "alexa-connectedhome", "appsync", "secretsmanager", "connect", "lambda.alb"}

# Types whose references to a function never invoke it, or that this module classifies itself.
NEUTRAL_TYPES = {
    "aws_cloudwatch_log_group", "aws_lambda_alias", "aws_lambda_function_event_invoke_config",
    "aws_cloudwatch_metric_alarm", "aws_cloudwatch_dashboard", "aws_cloudwatch_log_metric_filter",
    "aws_lambda_layer_version_permission", "aws_codedeploy_deployment_group", "aws_appautoscaling_target",
    "aws_appautoscaling_policy", "aws_lambda_event_source_mapping", "aws_lambda_permission",
    "aws_lambda_function_url", "aws_s3_bucket_notification", "aws_sns_topic_subscription", "aws_sns_topic",
    "aws_cloudwatch_event_target", "aws_scheduler_schedule", "aws_iam_role", "aws_iam_policy",
    "aws_iam_role_policy", "aws_iam_role_policy_attachment", "aws_iam_policy_attachment",
    "aws_lambda_code_signing_config", "aws_cloudwatch_log_subscription_filter", "aws_sqs_queue",
    "aws_lambda_function", "aws_cloudwatch_log_stream", "aws_xray_group", "aws_synthetics_canary",
    "aws_lambda_provisioned_concurrency_config", "aws_lambda_function_recursion_config", "aws_s3_bucket",
    "aws_sqs_queue_redrive_policy", "aws_cloudwatch_event_rule",
}
SYNC_REFERENCING_TYPES = {
    "aws_api_gateway_integration": "api", "aws_api_gateway_rest_api": "api", "aws_api_gateway_authorizer": "api",
    "aws_apigatewayv2_integration": "http-api", "aws_apigatewayv2_api": "http-api",
    "aws_apigatewayv2_authorizer": "http-api", "aws_cognito_user_pool": "cognito",
    "aws_appsync_datasource": "appsync", "aws_lb_target_group_attachment": "alb",
    "aws_lexv2models_bot": "lex", "aws_secretsmanager_secret_rotation": "secretsmanager",
}
ASYNC_REFERENCING_TYPES = {
    "aws_iot_topic_rule": "iot", "aws_ses_receipt_rule": "ses", "aws_config_config_rule": "config",
    "aws_codecommit_trigger": "codecommit",
}
POLICY_TYPES = ("aws_iam_role_policy", "aws_iam_policy", "aws_iam_user_policy", "aws_iam_group_policy")
_REF = re.compile(r"(?<![\w.\-])(aws_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_\-]*)")


class Builder:
    """Builds one Terraform unit's model from its module instances."""

    def __init__(self, root: Instance, file: str, fmt: str = "terraform") -> None:
        self.root = root
        self.symbols = Symbols()
        self.world = World(root)
        self.world.policy_builder = self._policy_document
        self.ev = Evaluator(self.symbols, self.world)
        self.model = Model(file=file, fmt=fmt)
        self.instances = root.walk()
        self.role_names: dict[str, str] = {}
        self.blocks: dict[str, tuple[Instance, str, str, Block]] = {}
        for inst in self.instances:
            for (rtype, name), blk in inst.resources.items():
                if not self._never_created(inst, blk):
                    self.blocks[inst.address(rtype, name)] = (inst, rtype, name, blk)
        from lambdalint.parsers.terraform.community import CommunityModules

        self.community = CommunityModules(self)
        self.world.modules = self.community

    # -- helpers ------------------------------------------------------------------------------
    def _never_created(self, inst: Instance, blk: Block) -> bool:
        """``count = 0`` or an empty ``for_each`` (known): the resource does not exist."""
        for meta in ("count", "for_each"):
            attr = blk.body.attrs.get(meta)
            if attr is None:
                continue
            value, _ = self.ev.evaluate(attr.expr, inst)
            if (value == 0 and not isinstance(value, bool)) or value in ([], {}):
                return True
        return False

    def attrs(self, address: str) -> Attrs:
        inst, _, _, blk = self.blocks[address]
        return Attrs.of(self.ev, inst, blk, address)

    def conditional(self, address: str) -> bool:
        inst, _, _, blk = self.blocks[address]
        count = blk.body.attrs.get("count")
        if count is None:
            return False
        value, _ = self.ev.evaluate(count.expr, inst)
        return not (isinstance(value, int) and not isinstance(value, bool) and value >= 1)

    def name_val(self, address: str, attr: str) -> Val[str]:
        inst, rtype, name, blk = self.blocks[address]
        value = self.world.name_of(self.ev, inst, rtype, name)
        if attr in blk.body.attrs:
            return Val(value, blk.body.attrs[attr].loc)
        if f"{attr}_prefix" in blk.body.attrs:
            return Val(value, blk.body.attrs[f"{attr}_prefix"].loc)
        return Val(value, blk.loc, Prov.DEFAULT)

    def arn(self, address: str) -> str | None:
        inst, rtype, name, _ = self.blocks[address]
        return self.world.arn_of(self.ev, inst, rtype, name)

    def of_type(self, *types: str) -> list[str]:
        return [addr for addr, (_, rtype, _, _) in self.blocks.items() if rtype in types]

    # -- build ------------------------------------------------------------------------------------
    def build(self) -> Model:
        for address, (_, rtype, _, _) in self.blocks.items():
            self.declare(address, rtype)
        self.community.declare()
        for address, (_, rtype, _, _) in self.blocks.items():
            handler = _CONNECTORS.get(rtype)
            if handler is not None:
                handler(self, address)
        self.attach_policies()
        self.community.connect()
        self.find_other_invokers()
        self.model.symbols = dict(self.symbols.describe)
        return self.model

    def declare(self, address: str, rtype: str) -> None:
        m = self.model
        if rtype == "aws_lambda_function":
            m.functions[address] = self.function(address)
            return
        if rtype not in _DECLARED:
            return
        p = self.attrs(address)
        _, _, _, blk = self.blocks[address]
        header = blk.loc
        cond = self.conditional(address)
        arn = self.arn(address)
        if rtype == "aws_sqs_queue":
            inst, _, name, _ = self.blocks[address]
            m.queues[address] = Queue(
                address, rtype, header, self.name_val(address, "name"), arn, cond,
                visibility_timeout=p.int("visibility_timeout_seconds", 30),
                redrive_target=self.redrive(p, "redrive_policy"),
                fifo=bool(p.bool("fifo_queue", False).value),
                url=self.world.resource_attr(self.ev, inst, rtype, name, "url", 0),
            )
        elif rtype == "aws_sns_topic":
            m.topics[address] = Topic(address, rtype, header, self.name_val(address, "name"), arn, cond)
        elif rtype == "aws_s3_bucket":
            m.buckets[address] = Bucket(address, rtype, header, self.name_val(address, "bucket"), arn, cond)
        elif rtype == "aws_dynamodb_table":
            inst, _, name, _ = self.blocks[address]
            m.tables[address] = Table(
                address, rtype, header, self.name_val(address, "name"), arn, cond,
                stream_enabled=p.bool("stream_enabled", False),
                stream_arn=self.world.resource_attr(self.ev, inst, rtype, name, "stream_arn", 0),
            )
        elif rtype == "aws_kinesis_stream":
            m.streams[address] = Stream(address, rtype, header, self.name_val(address, "name"), arn, cond)
        elif rtype == "aws_cloudwatch_log_group":
            retention = p.int("retention_in_days", None)
            if retention.present and retention.value == 0:
                # 0 is Terraform's "never expire".
                retention = Val(None, retention.loc, retention.prov, retention.via)
            m.log_groups[address] = LogGroup(
                address, rtype, header, self.name_val(address, "name"), arn, cond, retention_days=retention,
            )
        elif rtype == "aws_subnet":
            inst, _, name, _ = self.blocks[address]
            ident = self.world.resource_attr(self.ev, inst, rtype, name, "id", 0)
            name_val = Val(ident, header)
            m.subnets[address] = Subnet(address, rtype, header, name_val, ident, cond, cidr=p.str("cidr_block"))
        elif rtype == "aws_iam_role":
            role = Role(address, rtype, header, self.name_val(address, "name"), arn, cond)
            role.statements.extend(self.role_inline_policies(address, p))
            m.roles[address] = role
            if role.name.present:
                self.role_names[role.name.value] = address

    def redrive(self, p: Attrs, name: str) -> Val[str]:
        value, shell = p.value(name)
        if shell.known and value is None:
            return Val(None, p.header if not p.has(name) else shell.loc, Prov.DEFAULT)
        if isinstance(value, str) and value.lstrip().startswith("{"):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        if isinstance(value, dict) and isinstance(value.get("deadLetterTargetArn"), str):
            return Val(value["deadLetterTargetArn"], shell.loc, shell.prov, shell.via)
        if isinstance(value, str) and "deadLetterTargetArn" in value:
            return Val(value, shell.loc, shell.prov, shell.via)
        return Val(None, shell.loc, Prov.UNKNOWN, why="redrive_policy not resolvable")

    # -- functions ----------------------------------------------------------------------------------
    def function(self, address: str) -> Function:
        inst, rtype, name, blk = self.blocks[address]
        header = blk.loc
        p = self.attrs(address)
        reserved = p.int("reserved_concurrent_executions", None)
        if reserved.present and reserved.value == -1:
            reserved = Val(None, reserved.loc, reserved.prov, reserved.via)
        fn = Function(
            address, rtype, header, self.name_val(address, "function_name"), self.arn(address),
            self.conditional(address),
            runtime=p.str("runtime"), handler=p.str("handler"),
            timeout=p.int("timeout", 3), memory=p.int("memory_size", 128),
            reserved_concurrency=reserved,
            recursive_loop=Val("Terminate", header, Prov.DEFAULT),
        )
        self.environment(fn, p)
        vpc = p.sub("vpc_config")
        if vpc.unknown:
            fn.subnets = Val(None, vpc.header, Prov.UNKNOWN, why=vpc.unknown_why)
        elif vpc.present:
            fn.subnets = vpc.strlist("subnet_ids")
            if fn.subnets.prov is Prov.DEFAULT or (fn.subnets.present and not fn.subnets.value):
                fn.subnets = Val(None, vpc.header, Prov.DEFAULT)
        else:
            fn.subnets = Val(None, header, Prov.DEFAULT)
        dlq = p.sub("dead_letter_config")
        if dlq.unknown:
            fn.dead_letter = Val(None, dlq.header, Prov.UNKNOWN, why=dlq.unknown_why)
        elif dlq.present:
            target = dlq.str("target_arn")
            fn.dead_letter = Val(target.value, dlq.header, target.prov, target.via, target.why)
            if fn.dead_letter.prov is Prov.DEFAULT:
                fn.dead_letter = Val(None, dlq.header, Prov.DEFAULT)
        else:
            fn.dead_letter = Val(None, header, Prov.DEFAULT)
        fn.on_failure = Val(None, header, Prov.DEFAULT)
        logging = p.sub("logging_config")
        default_group = "/aws/lambda/" + self.world.name_of(self.ev, inst, rtype, name)
        if logging.unknown:
            fn.log_group_name = Val(None, logging.header, Prov.UNKNOWN, why=logging.unknown_why)
        elif logging.has("log_group"):
            fn.log_group_name = logging.str("log_group")
            fn.log_group_custom = True
        else:
            fn.log_group_name = Val(default_group, header, Prov.DEFAULT)
        fn.role = p.str("role") if p.has("role") else Val(None, header, Prov.DEFAULT)
        return fn

    def environment(self, fn: Function, p: Attrs) -> None:
        env = p.sub("environment")
        if env.unknown:
            fn.environment_known = False
            return
        if not env.present or not env.has("variables"):
            return
        attr = env.attr("variables")
        assert attr is not None
        elems = _object_elements(attr)
        if elems is None:
            value, trail = self.ev.evaluate(attr.expr, env.inst, {"\x00self": fn.id})
            used_vars = bool(self.ev.vars_used)
            refs = set(self.ev.refs_used)
            if not isinstance(value, dict) or has_symbol(list(value)):
                fn.environment_known = value is None
                return
            for key, item in value.items():
                kind, text = self.classify_env(item, used_vars, refs)
                fn.environment.append(EnvVar(key, kind, text, attr.loc, Prov.EXPLICIT, ", ".join(trail)))
            return
        for key_text, key_loc, value_expr in elems:
            if key_text is None:
                fn.environment_known = False
                continue
            value, trail = self.ev.evaluate(value_expr, env.inst, {"\x00self": fn.id})
            kind, text = self.classify_env(value, bool(self.ev.vars_used), set(self.ev.refs_used))
            fn.environment.append(EnvVar(key_text, kind, text, key_loc, Prov.EXPLICIT, ", ".join(trail)))

    def classify_env(self, value: Any, used_vars: bool, refs: set[str]) -> tuple[ValueKind, str | None]:
        """What an environment value is, for secret detection (the text is never printed)."""
        if any(r.endswith(".secret_string") or r.endswith(".secret_binary") for r in refs):
            return "dynamic-secret", None
        if any(r.startswith("data.aws_ssm_parameter.") and r.endswith(".value") for r in refs):
            return "dynamic-plain", None
        text = value if isinstance(value, str) else None
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (int, float)):
            text = str(value)
        if isinstance(text, str) and text.startswith(("arn:aws:secretsmanager:", "arn:aws:ssm:")):
            return "store-reference", None
        if any(f"{t}.{a}" in refs for t in STORE_TYPES for a in ("arn", "id", "name")):
            return "store-reference", None  # a pointer to the secret, not its value
        if used_vars:
            return "parameter", None
        if isinstance(text, str):
            if is_literal(text):
                return "literal", text
            return "resource-reference", None
        return "unknown", None

    # -- IAM ----------------------------------------------------------------------------------------
    def statements_of_attr(self, p: Attrs, name: str, origin: str, owner: str) -> tuple[list[Statement], bool]:
        """Statements of a policy argument: ``jsonencode({...})``, a heredoc or a policy document."""
        attr = p.attr(name)
        if attr is None:
            return [], True
        value, _ = self.ev.evaluate(attr.expr, p.inst, {"\x00self": p.address})
        if isinstance(value, DocText):
            stmts = self.world.policy_docs.get(value.address)
            if stmts is not None:
                return list(stmts), all(not s.unknown for s in stmts)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return [], False
        if not isinstance(value, dict):
            return [], False
        raw = value.get("Statement")
        if isinstance(raw, dict):
            raw = [raw]
        if not isinstance(raw, list):
            return [], False
        locs = _statement_locs(attr, len(raw))
        out: list[Statement] = []
        known = True
        for index, item in enumerate(raw):
            stmt = statement_from(item, locs[index], origin, owner)
            if stmt is None:
                known = False
                continue
            known = known and not stmt.unknown
            out.append(stmt)
        return out, known

    def _policy_document(self, inst: Instance, name: str, address: str) -> tuple[list[Statement], list[dict]]:
        """A ``data "aws_iam_policy_document"``: its statements located at their blocks, and the
        JSON form (for ``.json`` used inside other expressions)."""
        blk = inst.data.get(("aws_iam_policy_document", name))
        out: list[Statement] = []
        raw: list[dict] = []
        if blk is None:
            return out, raw
        p = Attrs(self.ev, inst, blk.body, blk.loc, address)
        for key in ("source_policy_documents", "source_json"):
            if p.has(key):
                value = p.eval(key)
                docs = value if isinstance(value, list) else [value]
                for doc in docs:
                    parsed = _json_doc(doc)
                    if parsed is None:
                        out.append(Statement("Allow", (), (), loc=p.loc(key), origin=f"policy document {address}",
                                             unknown=True, owner=address))
                        continue
                    items = parsed.get("Statement")
                    for item in items if isinstance(items, list) else [items]:
                        stmt = statement_from(item, p.loc(key), f"policy document {address}", address)
                        if stmt is not None:
                            out.append(stmt)
                            raw.append(item)
        for st in p.subs("statement"):
            if st.unknown:
                out.append(Statement("Allow", (), (), loc=st.header, origin=f"policy document {address}",
                                     unknown=True, owner=address))
                raw.append({})
                continue
            effect = st.str("effect", "Allow")
            item: dict[str, Any] = {"Effect": effect.value if effect.present else "Allow"}
            unknown = not effect.known
            for key, field in (("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"),
                               ("not_resources", "NotResource")):
                if not st.has(key):
                    continue
                values = st.strlist(key)
                if values.known and values.value is not None:
                    item[field] = list(values.value)
                else:
                    unknown = True
            if st.subs("condition") or st.has_dynamic("condition"):
                item["Condition"] = {"?": {}}
            stmt = statement_from(item, st.header, f"policy document {address}", address)
            if stmt is None:
                continue
            if unknown:
                stmt = Statement(stmt.effect, stmt.actions, stmt.resources, stmt.not_actions, stmt.not_resources,
                                 stmt.conditional, stmt.loc, stmt.origin, True, stmt.owner)
            out.append(stmt)
            raw.append(item)
        return out, raw

    def role_inline_policies(self, address: str, p: Attrs) -> list[Statement]:
        out: list[Statement] = []
        for inline in p.subs("inline_policy"):
            if inline.unknown:
                continue
            policy_name = inline.str("name").value
            origin = f"inline policy {policy_name}" if policy_name else "inline policy"
            stmts, _ = self.statements_of_attr(inline, "policy", origin, address)
            out.extend(stmts)
        managed, _ = p.value("managed_policy_arns")
        if isinstance(managed, list):
            for arn in managed:
                out.extend(self.managed(arn))
        return out

    def managed(self, arn: Any) -> list[Statement]:
        from lambdalint.parsers.iam import managed_policy

        if not isinstance(arn, str):
            return []
        for address in self.of_type("aws_iam_policy"):
            if self.arn(address) == arn:
                p = self.attrs(address)
                stmts, _ = self.statements_of_attr(p, "policy", f"aws_iam_policy {address}", address)
                return stmts
        known = managed_policy(arn)
        return list(known) if known is not None else []

    def attach_policies(self) -> None:
        """aws_iam_role_policy, aws_iam_role_policy_attachment and aws_iam_policy_attachment."""
        for address in self.of_type("aws_iam_role_policy"):
            p = self.attrs(address)
            stmts, _ = self.statements_of_attr(p, "policy", f"aws_iam_role_policy {address}", address)
            self._to_roles(p.strlist("role"), stmts)
        for address in self.of_type("aws_iam_role_policy_attachment"):
            p = self.attrs(address)
            arn = p.str("policy_arn")
            stmts = self.managed(arn.value) if arn.present else []
            self._to_roles(p.strlist("role"), stmts)
        for address in self.of_type("aws_iam_policy_attachment"):
            p = self.attrs(address)
            arn = p.str("policy_arn")
            stmts = self.managed(arn.value) if arn.present else []
            self._to_roles(p.strlist("roles"), stmts)

    def _to_roles(self, names: Val[tuple[str, ...]], stmts: list[Statement]) -> None:
        for name in names.value or ():
            role_id = self.role_names.get(name)
            if role_id is None:
                found = self.model.lookup(name)
                role_id = found.id if isinstance(found, Role) else None
            if role_id is not None:
                self.model.roles[role_id].statements.extend(stmts)

    # -- edges --------------------------------------------------------------------------------------
    def function_for(self, value: Any) -> Function | None:
        if not isinstance(value, str):
            return None
        m = self.model
        found = m.lookup(value)
        if isinstance(found, Function):
            return found
        # The first function, in declaration order, named ``value``, whose ARN prefixes it (a
        # qualified ARN) or named ``value`` less one ``:qualifier``: found through indexes, as
        # a scan per edge made a plan of 3,000 functions take 14 s (quadratic).
        names, arns, order = self._function_index()
        hits = [names.get(value)]
        if ":" in value:
            hits.append(names.get(value.rpartition(":")[0]))
            normalized = normalize_partition(value)
            colon = normalized.find(":")
            while colon != -1:
                hits.append(arns.get(normalized[:colon]))
                colon = normalized.find(":", colon + 1)
        found_fns = [fn for fn in hits if fn is not None]
        return min(found_fns, key=lambda fn: order[id(fn)]) if found_fns else None

    def _function_index(self) -> tuple[dict[str, Function], dict[str, Function], dict[int, int]]:
        """Functions by name and by ARN (the first of each), and their declaration order;
        rebuilt when functions were declared since (edges are read after declarations)."""
        functions = self.model.functions
        cached = getattr(self, "_fn_index", None)
        if cached is not None and cached[0] == len(functions):
            return cached[1]
        names: dict[str, Function] = {}
        arns: dict[str, Function] = {}
        order: dict[int, int] = {}
        for index, fn in enumerate(functions.values()):
            order[id(fn)] = index
            if fn.name.present and isinstance(fn.name.value, str):
                names.setdefault(fn.name.value, fn)
            if fn.arn:
                arns.setdefault(fn.arn, fn)
        self._fn_index = (len(functions), (names, arns, order))
        return names, arns, order

    def add_trigger(self, trig: Trigger) -> None:
        self.model.triggers.append(trig)
        self.model._by_function = None

    def poll_trigger(self, trig_id: str, owner: str, fn: Function | None, p: Attrs, loc: Loc,
                     kind_hint: str | None = None) -> Trigger:
        source_val = p.str("event_source_arn")
        source = self.model.lookup(source_val.value) if source_val.present else None
        kind = kind_hint or poll_kind(source, source_val.value)
        default_batch = {"sqs": 10, "kinesis": 100, "dynamodb": 100}.get(kind)
        dest = p.sub("destination_config").sub("on_failure")
        if dest.unknown:
            on_failure: Val[str] = Val(None, dest.header, Prov.UNKNOWN, why=dest.unknown_why)
        else:
            on_failure = dest.str("destination_arn")
            if on_failure.prov is Prov.DEFAULT and dest.present:
                on_failure = Val(None, dest.header, Prov.DEFAULT)
        trig = Trigger(
            trig_id, kind, "poll", fn.id if fn else None, owner, loc,
            source=source.id if source else None, source_arn=source_val,
            batch_size=p.int("batch_size", default_batch),
            batching_window=p.int("maximum_batching_window_in_seconds", 0),
            response_types=p.strlist("function_response_types"),
            on_failure=on_failure,
            bisect=p.bool("bisect_batch_on_function_error", False),
        )
        trig.filtered = p.sub("filter_criteria").present or p.has_dynamic("filter_criteria")
        if trig.response_types is not None and trig.response_types.prov is Prov.DEFAULT:
            trig.response_types = Val((), trig.response_types.loc, Prov.DEFAULT)
        return trig

    def push(self, trig_id: str, kind: str, mode: str, fn: Function | None, owner: str, loc: Loc,
             source: str | None = None, conditional: bool = False) -> Trigger:
        return Trigger(trig_id, kind, mode, fn.id if fn else None, owner, loc, source=source,  # type: ignore[arg-type]
                       conditional=conditional)

    def find_other_invokers(self) -> None:
        """References to a function from places the model does not classify may invoke it."""
        functions = self.model.functions
        if not functions:
            return
        classified = {(t.function, t.owner) for t in self.model.triggers}
        for address, (inst, rtype, _, blk) in self.blocks.items():
            refs = {inst.address(t, n) for t, n in _block_refs(blk)} & functions.keys()
            if rtype in NEUTRAL_TYPES:
                if rtype in _CONNECTORS and rtype != "aws_lambda_function_event_invoke_config":
                    for ref in refs:
                        others = functions[ref].other_invokers
                        if (ref, address) not in classified and address not in others:
                            others.append(address)
                continue
            for ref in refs:
                if ref == address or (ref, address) in classified:
                    continue
                kind = SYNC_REFERENCING_TYPES.get(rtype) or ASYNC_REFERENCING_TYPES.get(rtype)
                if kind is not None:
                    mode = "sync" if rtype in SYNC_REFERENCING_TYPES else "async"
                    self.add_trigger(self.push(f"{address}->{ref}", kind, mode, functions[ref], address, blk.loc,
                                               conditional=self.conditional(address)))
                else:
                    functions[ref].other_invokers.append(address)
        # Another function's environment naming this function: its code may invoke it.
        for address, (inst, rtype, _, blk) in self.blocks.items():
            if rtype == "aws_lambda_function":
                env = blk.body.block("environment")
                mentioning = [env] if env is not None else []
            elif rtype == "aws_lambda_function_event_invoke_config":
                mentioning = blk.body.all("destination_config")
            else:
                continue
            for part in mentioning:
                for t, n in _block_refs(part):
                    ref = inst.address(t, n)
                    if ref in functions and ref != address:
                        functions[ref].other_invokers.append(address)
        # Module outputs wired into another module's inputs, data sources and the rest are not
        # followed; IAM grants of lambda:InvokeFunction are.
        from lambdalint.arn import allows

        holders: list[tuple[str, list[Statement]]] = [(r.id, r.statements) for r in self.model.roles.values()]
        holders += [(f.id, f.statements) for f in functions.values()]
        for address in self.of_type(*POLICY_TYPES):
            stmts, _ = self.statements_of_attr(self.attrs(address), "policy", "", address)
            holders.append((address, stmts))
        for holder, stmts in holders:
            if not stmts:
                continue
            for fn in functions.values():
                if fn.arn and holder not in fn.other_invokers and (
                        allows(stmts, "lambda:InvokeFunction", fn.arn)
                        or allows(stmts, "lambda:InvokeFunction", fn.arn + ":live")):
                    fn.other_invokers.append(holder)


_DECLARED = {"aws_sqs_queue", "aws_sns_topic", "aws_s3_bucket", "aws_dynamodb_table", "aws_kinesis_stream",
             "aws_cloudwatch_log_group", "aws_subnet", "aws_iam_role"}


def _block_refs(blk: Block) -> set[tuple[str, str]]:
    """``(type, name)`` of every ``aws_*`` resource an argument of the block mentions."""
    out: set[tuple[str, str]] = set()
    stack = [blk.body]
    while stack:
        body = stack.pop()
        for attr in body.attrs.values():
            expr = attr.expr
            if isinstance(expr, TSExpr):
                text = expr.node.text.decode("utf-8", "replace")
            else:
                text = json.dumps(getattr(expr, "value", getattr(expr, "ref", "")), default=str)
            out.update(_REF.findall(text))
        stack.extend(b.body for b in body.blocks)
    return out


def _json_doc(value: Any) -> dict | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, dict) else None


def _object_elements(attr: Attr) -> list[tuple[str | None, Loc, Any]] | None:
    """The elements of an object-literal argument: (key, key location, value expression)."""
    expr = attr.expr
    if not isinstance(expr, TSExpr):
        value = getattr(expr, "value", None)
        if isinstance(value, dict):
            from lambdalint.parsers.terraform.hcl import JsonExpr

            marks = getattr(expr, "marks", None) or {}
            locs = getattr(expr, "key_locs", None) or {}
            return [(k, locs.get(k, attr.loc), JsonExpr(v, getattr(expr, "template", True), marks.get(k, frozenset())))
                    for k, v in value.items()]
        return None
    node = expr.node
    children = node.named_children
    if len(children) != 1 or children[0].type != "collection_value":
        return None
    obj = children[0].named_children[0] if children[0].named_children else None
    if obj is None or obj.type != "object":
        return None
    out: list[tuple[str | None, Loc, Any]] = []
    for elem in obj.named_children:
        if elem.type != "object_elem":
            continue
        parts = [c for c in elem.named_children if c.type == "expression"]
        if len(parts) != 2:
            continue
        key_node = parts[0]
        key: str | None = None
        inner = key_node.named_children
        if len(inner) == 1 and inner[0].type == "variable_expr":
            key = inner[0].text.decode("utf-8", "replace")
        elif len(inner) == 1 and inner[0].type == "literal_value":
            lit = inner[0].named_children[0] if inner[0].named_children else None
            if lit is not None and lit.type == "string_lit" and len(lit.named_children) <= 3:
                from lambdalint.parsers.terraform.hcl import unescape

                key = unescape(expr.src.data[lit.start_byte + 1:lit.end_byte - 1].decode("utf-8", "replace"))
        loc = expr.src.loc(key_node, (*attr.loc.pointer, key or "?"))
        out.append((key, loc, TSExpr(parts[1], expr.src)))
    return out


def _statement_locs(attr: Attr, count: int) -> list[Loc]:
    """Where each statement of a ``jsonencode({Statement = [...]})`` argument is written."""
    locs = [attr.loc] * count
    expr = attr.expr
    if not isinstance(expr, TSExpr):
        return locs
    node = expr.node.named_children[0] if expr.node.named_children else None
    if node is not None and node.type == "template_expr":
        return _heredoc_statement_locs(attr, expr, node, count) or locs
    if node is None or node.type != "function_call":
        return locs
    args = next((c for c in node.named_children if c.type == "function_arguments"), None)
    first = args.named_children[0] if args is not None and args.named_children else None
    if first is None:
        return locs
    elems = _object_elements(Attr(attr.name, TSExpr(first, expr.src), attr.loc))
    for key, _, value in elems or []:
        if key != "Statement" or not isinstance(value, TSExpr):
            continue
        coll = value.node.named_children[0] if value.node.named_children else None
        tup = coll.named_children[0] if coll is not None and coll.named_children else None
        if tup is None or tup.type != "tuple":
            if coll is not None and coll.type == "collection_value" and count == 1:
                return [expr.src.loc(value.node)]
            return locs
        items = [c for c in tup.named_children if c.type == "expression"]
        if len(items) == count:
            return [expr.src.loc(item, end=item) for item in items]
    return locs


def _heredoc_statement_locs(attr: Attr, expr: TSExpr, node: Any, count: int) -> list[Loc] | None:
    """Statements of a JSON policy written as a heredoc, located at their lines in the .tf file."""
    from lambdalint.parsers.decode import DecodeError, decode

    heredoc = node.named_children[0] if node.named_children else None
    if heredoc is None or heredoc.type != "heredoc_template":
        return None
    idents = [c for c in heredoc.named_children if c.type == "heredoc_identifier"]
    if len(idents) < 2 or any(c.type == "template_interpolation" for c in heredoc.named_children):
        return None
    data = expr.src.data
    start = data.find(b"\n", idents[0].end_byte) + 1
    end = idents[-1].start_byte
    try:
        doc = decode(data[start:end].decode("utf-8", "replace"))
    except DecodeError:
        return None
    items = doc.data.get("Statement") if isinstance(doc.data, dict) else None
    positions = getattr(items, "item_locs", None)
    if not isinstance(items, list) or positions is None or len(positions) != count:
        return None
    first_row = idents[0].start_point[0] + 1  # 0-based row of the heredoc's first content line
    return [Loc(attr.loc.file, first_row + line, col, pointer=(*attr.loc.pointer, "Statement", i))
            for i, (line, col) in enumerate(positions)]


# -- connectors: one per resource type that creates an edge -------------------------------------

def _esm(b: Builder, address: str) -> None:
    p = b.attrs(address)
    fn = b.function_for(p.str("function_name").value)
    kind_hint = None
    if p.sub("self_managed_event_source").present or p.sub("amazon_managed_kafka_event_source_config").present:
        kind_hint = "kafka"
    elif p.has("queues"):
        kind_hint = "mq"
    trig = b.poll_trigger(address, address, fn, p, p.header, kind_hint)
    trig.conditional = b.conditional(address)
    b.add_trigger(trig)


def _bucket_notification(b: Builder, address: str) -> None:
    p = b.attrs(address)
    bucket_name = p.str("bucket")
    bucket = b.model.lookup("arn:aws:s3:::" + bucket_name.value) if bucket_name.present else None
    cond = b.conditional(address)
    for index, item in enumerate(p.subs("lambda_function")):
        loc = item.header
        if item.unknown:
            continue
        fn = b.function_for(item.str("lambda_function_arn").value)
        trig = b.push(f"{address}/lambda_function/{index}", "s3", "async", fn, address, loc,
                      source=bucket.id if bucket else None, conditional=cond)
        events = item.strlist("events")
        trig.s3_events = events.value if events.present and events.value else ("s3:*",)
        trig.prefix = _filter(item, "filter_prefix")
        trig.suffix = _filter(item, "filter_suffix")
        b.add_trigger(trig)
    for dyn in (d for d in (p.body.blocks if p.body else []) if d.type == "lambda_function" and d.dynamic):
        # A dynamic block: which functions and filters is not known; any referenced function may be invoked.
        for t, n in _block_refs(dyn):
            ref = p.inst.address(t, n)
            if ref in b.model.functions:
                b.model.functions[ref].other_invokers.append(address)


def _filter(item: Attrs, name: str) -> Val[str]:
    value = item.str(name, "")
    if value.prov is Prov.DEFAULT:
        return Val("", item.header, Prov.DEFAULT)
    return value


def _subscription(b: Builder, address: str) -> None:
    p = b.attrs(address)
    if p.str("protocol").value != "lambda":
        return
    fn = b.function_for(p.str("endpoint").value)
    topic = b.model.lookup(p.str("topic_arn").value)
    trig = b.push(address, "sns", "async", fn, address, p.header, source=topic.id if topic else None,
                  conditional=b.conditional(address))
    trig.filtered = p.has("filter_policy")
    b.add_trigger(trig)


def _event_target(b: Builder, address: str) -> None:
    p = b.attrs(address)
    fn = b.function_for(p.str("arn").value)
    if fn is None:
        return
    kind = "eventbridge"
    rule = p.str("rule")
    for rule_addr in b.of_type("aws_cloudwatch_event_rule"):
        if (rule.present and b.name_val(rule_addr, "name").value == rule.value
                and b.attrs(rule_addr).has("schedule_expression")):
            kind = "schedule"
    b.add_trigger(b.push(address, kind, "async", fn, address, p.header, conditional=b.conditional(address)))


def _schedule(b: Builder, address: str) -> None:
    p = b.attrs(address)
    fn = b.function_for(p.sub("target").str("arn").value)
    if fn is not None:
        b.add_trigger(b.push(address, "schedule", "async", fn, address, p.header, conditional=b.conditional(address)))


def _permission(b: Builder, address: str) -> None:
    p = b.attrs(address)
    fn = b.function_for(p.str("function_name").value)
    if fn is None:
        return
    principal = p.str("principal")
    service = ""
    text = principal.value if principal.present and is_literal(principal.value) else ""
    if text.endswith((".amazonaws.com", ".amazon.com")):
        service = principal.value.split(".", 1)[0]
    if p.str("action").value == "lambda:InvokeFunctionUrl" or p.has("function_url_auth_type"):
        service = "url"
    if service == "url":
        mode = "sync"
    elif service in ASYNC_PRINCIPALS:
        mode = "async"
    elif service in SYNC_PRINCIPALS:
        mode = "sync"
    else:
        fn.other_invokers.append(address)
        return
    b.add_trigger(b.push(address, service, mode, fn, address, p.header, conditional=b.conditional(address)))


def _url(b: Builder, address: str) -> None:
    p = b.attrs(address)
    fn = b.function_for(p.str("function_name").value)
    if fn is not None:
        b.add_trigger(b.push(address, "url", "sync", fn, address, p.header, conditional=b.conditional(address)))


def _subscription_filter(b: Builder, address: str) -> None:
    p = b.attrs(address)
    fn = b.function_for(p.str("destination_arn").value)
    if fn is not None:
        b.add_trigger(b.push(address, "logs", "async", fn, address, p.header, conditional=b.conditional(address)))


def _invoke_config(b: Builder, address: str) -> None:
    p = b.attrs(address)
    fn = b.function_for(p.str("function_name").value)
    if fn is None:
        return
    dest = p.sub("destination_config").sub("on_failure")
    if dest.unknown:
        fn.on_failure = Val(None, dest.header, Prov.UNKNOWN, why=dest.unknown_why)
    elif dest.present:
        target = dest.str("destination")
        fn.on_failure = Val(target.value, dest.header, target.prov, target.via, target.why)


def _redrive_policy(b: Builder, address: str) -> None:
    p = b.attrs(address)
    queue = b.model.lookup(p.str("queue_url").value)
    if isinstance(queue, Queue):
        target = b.redrive(p, "redrive_policy")
        if target.prov is not Prov.DEFAULT:
            queue.redrive_target = target


def _recursion_config(b: Builder, address: str) -> None:
    p = b.attrs(address)
    fn = b.function_for(p.str("function_name").value)
    if fn is not None:
        fn.recursive_loop = p.str("recursive_loop", "Terminate")


_CONNECTORS = {
    "aws_lambda_event_source_mapping": _esm,
    "aws_s3_bucket_notification": _bucket_notification,
    "aws_sns_topic_subscription": _subscription,
    "aws_cloudwatch_event_target": _event_target,
    "aws_scheduler_schedule": _schedule,
    "aws_lambda_permission": _permission,
    "aws_lambda_function_url": _url,
    "aws_cloudwatch_log_subscription_filter": _subscription_filter,
    "aws_lambda_function_event_invoke_config": _invoke_config,
    "aws_sqs_queue_redrive_policy": _redrive_policy,
    "aws_lambda_function_recursion_config": _recursion_config,
}


def build(root: Instance, file: str, fmt: str = "terraform") -> Model:
    return Builder(root, file, fmt).build()
