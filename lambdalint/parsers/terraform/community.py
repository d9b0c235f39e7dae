"""The community module ``terraform-aws-modules/lambda/aws`` called from the registry.

Its source is not read (it is not on disk unless vendored, and then it is loaded as an ordinary
local module). Its common inputs are modeled directly, with the module's own defaults:
``function_name``, ``timeout`` (3), ``memory_size`` (128), ``environment_variables``,
``vpc_subnet_ids``, ``dead_letter_target_arn``, ``reserved_concurrent_executions`` (-1: none),
the log group it creates (``cloudwatch_logs_retention_in_days``, default null: never expires,
unless ``use_existing_cloudwatch_log_group``), ``event_source_mapping`` entries and
``policy_statements`` / ``policy_json``. Anything else it may attach (``policies``,
``attach_policy``) leaves the function's permissions unknown for the recursion check, and an
``allowed_triggers`` entry is an invoker whose mode is classified by its principal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdalint.model import EnvVar, Function, LogGroup, Prov, Statement, Trigger, Val, is_literal
from lambdalint.parsers.terraform.attrs import Attrs
from lambdalint.parsers.terraform.evaluate import Evaluator

if TYPE_CHECKING:
    from lambdalint.parsers.terraform.modules import Instance
    from lambdalint.parsers.terraform.resources import Builder

LAMBDA_SOURCES = ("terraform-aws-modules/lambda/aws", "github.com/terraform-aws-modules/terraform-aws-lambda")


def _source(call: Any) -> str:
    from lambdalint.parsers.terraform.modules import _literal_source

    return _literal_source(call.body.attrs.get("source")) or ""


class CommunityModules:
    def __init__(self, builder: Builder) -> None:
        self.b = builder
        self.calls: dict[str, tuple[Instance, str, Attrs]] = {}  # function id -> (caller, name, inputs)
        for inst in builder.instances:
            for name, call in inst.calls.items():
                if inst.children.get(name) is not None:
                    continue
                if _source(call).startswith(LAMBDA_SOURCES):
                    address = f"{inst.prefix}module.{name}"
                    self.calls[f"{address}.aws_lambda_function.this"] = (
                        inst, name, Attrs(builder.ev, inst, call.body, call.loc, address))

    # -- outputs used elsewhere ------------------------------------------------------------------
    def output(self, ev: Evaluator, inst: Instance, name: str, output: str) -> Any:
        fn_id = f"{inst.prefix}module.{name}.aws_lambda_function.this"
        if fn_id not in self.calls:
            return None
        _, _, p = self.calls[fn_id]
        fname = self._name(p)
        r, a = self.b.world.region(ev), self.b.world.account(ev)
        arn = f"arn:aws:lambda:{r}:{a}:function:{fname}"
        invoke = f"arn:aws:apigateway:{r}:lambda:path/2015-03-31/functions/{arn}/invocations"
        return {
            "lambda_function_name": fname,
            "lambda_function_arn": arn,
            "lambda_function_invoke_arn": invoke,
            "lambda_cloudwatch_log_group_name": f"/aws/lambda/{fname}",
        }.get(output)

    def _name(self, p: Attrs) -> str:
        value = p.eval("function_name")
        if isinstance(value, str):
            return value
        return self.b.ev.unknown("generated", p.address, f"<function name of {p.address}>")

    # -- model -------------------------------------------------------------------------------------
    def declare(self) -> None:
        b = self.b
        for fn_id, (_, _, p) in self.calls.items():
            if p.has("create_function") and p.eval("create_function") is False:
                continue
            if p.has("create") and p.eval("create") is False:
                continue
            if p.eval("create_layer") is True:
                continue  # the module builds a layer, not a function
            header = p.header
            fname = self._name(p)
            r, a = b.world.region(b.ev), b.world.account(b.ev)
            reserved = p.int("reserved_concurrent_executions", None)
            if reserved.present and reserved.value == -1:
                reserved = Val(None, reserved.loc, reserved.prov, reserved.via)
            if p.has("function_name"):
                name_val: Val[str] = Val(fname, p.loc("function_name"))
            else:
                name_val = Val(fname, header, Prov.DEFAULT)
            fn = Function(
                fn_id, "terraform-aws-modules/lambda/aws", header, name_val,
                f"arn:aws:lambda:{r}:{a}:function:{fname}", False,
                runtime=p.str("runtime"), handler=p.str("handler"),
                timeout=p.int("timeout", 3), memory=p.int("memory_size", 128),
                reserved_concurrency=reserved, recursive_loop=Val("Terminate", header, Prov.DEFAULT),
            )
            self._environment(fn, p)
            subnets = p.strlist("vpc_subnet_ids")
            fn.subnets = subnets if subnets.present or not subnets.known else Val(None, header, Prov.DEFAULT)
            dlq = p.str("dead_letter_target_arn")
            fn.dead_letter = dlq if dlq.present or not dlq.known else Val(None, header, Prov.DEFAULT)
            fn.on_failure = Val(None, header, Prov.DEFAULT)
            dest = p.str("destination_on_failure")
            if dest.present or not dest.known:
                fn.on_failure = dest
            group = p.str("logging_log_group")
            if group.present:
                fn.log_group_name, fn.log_group_custom = group, True
            else:
                fn.log_group_name = Val(f"/aws/lambda/{fname}", header, Prov.DEFAULT)
            fn.role = Val(None, header, Prov.DEFAULT)
            fn.statements, fn.policies_known = self._policies(fn_id, p)
            b.model.functions[fn_id] = fn
            use_existing = p.eval("use_existing_cloudwatch_log_group")
            if use_existing is not True and p.eval("create_cloudwatch_log_group") is not False:
                retention = p.int("cloudwatch_logs_retention_in_days", None)
                if retention.present and retention.value == 0:
                    retention = Val(None, retention.loc, retention.prov, retention.via)
                if not retention.present and retention.known:
                    retention = Val(None, header, Prov.DEFAULT)
                group_id = fn_id.replace(".aws_lambda_function.this", ".aws_cloudwatch_log_group.lambda")
                b.model.log_groups[group_id] = LogGroup(
                    group_id, "aws_cloudwatch_log_group", header, Val(f"/aws/lambda/{fname}", header, Prov.DEFAULT),
                    f"arn:aws:logs:{r}:{a}:log-group:/aws/lambda/{fname}", False, retention_days=retention)

    def _environment(self, fn: Function, p: Attrs) -> None:
        value, shell = p.value("environment_variables")
        if value is None:
            fn.environment_known = shell.known
            return
        if not isinstance(value, dict):
            fn.environment_known = False
            return
        for key, item in value.items():
            kind, text = self.b.classify_env(item, bool(p.last_vars), set(p.last_refs))
            fn.environment.append(EnvVar(key, kind, text, shell.loc, Prov.EXPLICIT, shell.via))

    def _policies(self, fn_id: str, p: Attrs) -> tuple[list[Statement], bool]:
        from lambdalint.parsers.iam import statement_from

        out: list[Statement] = []
        known = True
        attach = p.eval("attach_policy_statements")
        if attach is True:
            value, shell = p.value("policy_statements")
            if isinstance(value, dict):
                for key, item in value.items():
                    if not isinstance(item, dict):
                        known = False
                        continue
                    raw = {"Effect": item.get("effect", "Allow"), "Action": item.get("actions"),
                           "Resource": item.get("resources"), "NotAction": item.get("not_actions"),
                           "NotResource": item.get("not_resources"), "Condition": item.get("condition")}
                    stmt = statement_from(raw, shell.loc, f"policy statement {key}", p.address)
                    if stmt is None:
                        known = False
                    else:
                        out.append(stmt)
            else:
                known = False
        if p.eval("attach_policy_json") is True:
            stmts, ok = self.b.statements_of_attr(p, "policy_json", "policy_json", p.address)
            out.extend(stmts)
            known = known and ok
        for flag in ("attach_policy", "attach_policies", "attach_policy_jsons"):
            if p.eval(flag) is True:
                known = False
        return out, known

    def connect(self) -> None:
        b = self.b
        for fn_id, (_, _, p) in self.calls.items():
            fn = b.model.functions.get(fn_id)
            if fn is None:
                continue
            value, shell = p.value("event_source_mapping")
            if isinstance(value, dict):
                for key, item in value.items():
                    if isinstance(item, dict):
                        self._mapping(fn, p, key, item, shell.loc)
            elif not shell.known:
                fn.other_invokers.append(p.address)
            triggers, shell = p.value("allowed_triggers")
            if isinstance(triggers, dict):
                for key, item in triggers.items():
                    self._allowed(fn, p, key, item, shell)
            elif not shell.known:
                fn.other_invokers.append(p.address)

    def _mapping(self, fn: Function, p: Attrs, key: str, item: dict, loc: Any) -> None:
        from lambdalint.model import poll_kind

        b = self.b
        arn = item.get("event_source_arn")
        source = b.model.lookup(arn) if isinstance(arn, str) else None
        kind = poll_kind(source, arn if isinstance(arn, str) else None)
        if "queues" in item:
            kind = "mq"

        def val(name: str, default: Any) -> Val[Any]:
            if name not in item or item[name] is None:
                return Val(default, loc, Prov.DEFAULT)
            v = item[name]
            if isinstance(v, str) and not is_literal(v):
                return Val(None, loc, Prov.UNKNOWN, why="unresolved value")
            return Val(v, loc)

        types = val("function_response_types", ())
        if types.present and not isinstance(types.value, (list, tuple)):
            types = Val(None, loc, Prov.UNKNOWN, why="unresolved value")
        elif types.present:
            types = Val(tuple(types.value), loc, types.prov)
        on_failure = val("destination_arn_on_failure", None)
        trig = Trigger(f"{p.address}/event_source_mapping/{key}", kind, "poll", fn.id, p.address, loc,
                       source=source.id if source else None,
                       source_arn=Val(arn, loc) if isinstance(arn, str) else Val(None, loc, Prov.UNKNOWN),
                       batch_size=val("batch_size", {"sqs": 10, "kinesis": 100, "dynamodb": 100}.get(kind)),
                       batching_window=val("maximum_batching_window_in_seconds", 0),
                       response_types=types, on_failure=on_failure,
                       bisect=val("bisect_batch_on_function_error", False))
        trig.filtered = bool(item.get("filter_criteria"))
        b.add_trigger(trig)

    def _allowed(self, fn: Function, p: Attrs, key: str, item: Any, shell: Val[Any]) -> None:
        from lambdalint.parsers.terraform.resources import ASYNC_PRINCIPALS, SYNC_PRINCIPALS

        principal = item.get("principal") if isinstance(item, dict) else None
        service = item.get("service") if isinstance(item, dict) else None
        if isinstance(principal, str) and is_literal(principal):
            service = principal.split(".", 1)[0]
        if not isinstance(service, str) or not is_literal(service):
            fn.other_invokers.append(p.address)
            return
        if service in ASYNC_PRINCIPALS:
            mode = "async"
        elif service in SYNC_PRINCIPALS:
            mode = "sync"
        else:
            fn.other_invokers.append(p.address)
            return
        self.b.add_trigger(Trigger(f"{p.address}/allowed_triggers/{key}", service, mode, fn.id, p.address,
                                   shell.loc))

