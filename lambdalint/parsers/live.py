"""Live Lambda configurations to the model: AWS CLI output and ``lambdalint audit`` snapshots.

Four JSON documents are recognized by content (``kind_of``):

* ``aws lambda get-function-configuration`` (one ``FunctionConfiguration``) and
  ``aws lambda get-function`` (``{"Configuration", "Concurrency", ...}``);
* ``aws lambda list-functions`` (``{"Functions": [...]}``);
* ``aws lambda list-event-source-mappings`` (``{"EventSourceMappings": [...]}``);
* a snapshot written by ``lambdalint audit --save`` (``{"lambdalint_snapshot": 1, ...}``), which
  holds every response the audit fetched, per account and region.

A configuration or listing shows functions without their surroundings (the triggers, log groups
and subnets around them): the model says so (``Model.sees_surroundings = False``) and rules that
need them stay silent. A snapshot shows the surroundings, so every rule runs on it.

What the audit could not fetch is recorded in the snapshot as ``{"Error": {...}}`` in place of
the response, and becomes *unknown* here, so no rule reports from it: a queue whose attributes
were denied has an unknown visibility timeout; a function whose resource policy could not be
read has an unclassified invoker (LL104 stays silent on it). An absent field of a response that
was read is the AWS default it stands for (no ``DeadLetterConfig`` means no DLQ).

Locations are the positions of the JSON keys in the document, so findings point at the line of
the value in the snapshot or CLI output. Resource ids are what AWS names the resource by: the
function, queue, topic, bucket, table and log group names, subnet ids, role names, and event
source mapping UUIDs; a snapshot that spans several regions or accounts prefixes regional ids
with ``region/`` (or ``account/region/``) and identifies log groups by ARN, so names that repeat
across regions stay distinct. ``virtual=True`` (an audit without ``--save``) locates each value
in ``ACCOUNT/REGION`` (``ACCOUNT/iam`` for roles and policies) at the line it has in the
snapshot ``--save`` would write.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import replace
from json.decoder import scanstring  # type: ignore[attr-defined]  # the C scanner when available
from json.scanner import NUMBER_RE  # type: ignore[attr-defined]
from typing import Any

from lambdalint.arn import ArnIndex, allows, statement_allows_action
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
    poll_kind,
)
from lambdalint.parsers.decode import Document, Map, Seq
from lambdalint.parsers.iam import statement_from
from lambdalint.parsers.props import as_int, loc_of

SNAPSHOT_KEY = "lambdalint_snapshot"
SNAPSHOT_VERSION = 1

# Invocation mode by the service principal of a resource-policy statement (as for
# AWS::Lambda::Permission in templates).
ASYNC_PRINCIPALS = {"s3", "sns", "events", "scheduler", "logs", "iot", "ses", "config", "codecommit",
                    "cloudformation", "cloudwatch", "iotevents"}
SYNC_PRINCIPALS = {"apigateway", "elasticloadbalancing", "cognito-idp", "lex", "alexa-appkit",
                   "alexa-connectedhome", "appsync", "secretsmanager", "connect"}

KIND = {
    "function": "live:lambda:function", "queue": "live:sqs:queue", "topic": "live:sns:topic",
    "bucket": "live:s3:bucket", "table": "live:dynamodb:table", "stream": "live:kinesis:stream",
    "log-group": "live:logs:log-group", "subnet": "live:ec2:subnet", "role": "live:iam:role",
}


# -- detection -----------------------------------------------------------------------------------

def _is_config(data: Any) -> bool:
    return (isinstance(data, dict) and isinstance(data.get("FunctionName"), str)
            and isinstance(data.get("FunctionArn"), str) and ":function:" in data["FunctionArn"])


def kind_of(data: Any) -> str | None:
    """Which live document ``data`` is: "snapshot", "function", "get-function", "functions",
    "mappings", or None for anything else (a template, a plan, a package.json)."""
    if not isinstance(data, dict):
        return None
    if data.get(SNAPSHOT_KEY) is not None and isinstance(data.get("accounts"), dict):
        return "snapshot"
    if _is_config(data):
        return "function"
    if _is_config(data.get("Configuration")):
        return "get-function"
    functions = data.get("Functions")
    if isinstance(functions, list) and all(_is_config(f) for f in functions) and "Resources" not in data:
        return "functions"
    mappings = data.get("EventSourceMappings")
    if (isinstance(mappings, list) and "Resources" not in data
            and all(isinstance(m, dict) and isinstance(m.get("UUID"), str) for m in mappings)):
        return "mappings"
    return None


def is_live(data: Any) -> bool:
    return kind_of(data) is not None


# -- decoding ------------------------------------------------------------------------------------

class _Fallback(Exception):
    """Not plain well-formed JSON this fast path takes: let the template decoder judge it."""


_WS = re.compile(r"[ \t\n\r]*")
_MAX_DEPTH = 400


class _JsonScanner:
    """JSON to ``Map``/``Seq`` with the positions ``decode`` gives (1-based line and column of
    each key's opening quote, of each item's first character), on the C string scanner.

    A 4 MB snapshot (1,000 functions) composes in about 4 s on the YAML composer; this takes a
    fraction of that. Anything it does not accept (a duplicate key, NaN, bad syntax) goes back
    to ``decode``, whose errors name the position.
    """

    def __init__(self, text: str) -> None:
        self.s = text
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def pos(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, index)
        return line, index - self.starts[line - 1] + 1

    def parse(self) -> Any:
        end = _WS.match(self.s, 0).end()
        value, end = self.value(end, 0)
        if _WS.match(self.s, end).end() != len(self.s):
            raise _Fallback
        return value

    def value(self, i: int, depth: int) -> tuple[Any, int]:
        s = self.s
        ch = s[i:i + 1]
        if ch == '"':
            return scanstring(s, i + 1, True)
        if ch == "{":
            return self.object(i, depth + 1)
        if ch == "[":
            return self.array(i, depth + 1)
        if s.startswith("null", i):
            return None, i + 4
        if s.startswith("true", i):
            return True, i + 4
        if s.startswith("false", i):
            return False, i + 5
        m = NUMBER_RE.match(s, i)
        if m is None:
            raise _Fallback
        integer, frac, exp = m.groups()
        return (float(integer + (frac or "") + (exp or "")) if frac or exp else int(integer)), m.end()

    def object(self, i: int, depth: int) -> tuple[Map, int]:
        if depth > _MAX_DEPTH:
            raise _Fallback
        s = self.s
        out = Map(self.pos(i))
        end = _WS.match(s, i + 1).end()
        if s[end:end + 1] == "}":
            return out, end + 1
        while True:
            if s[end:end + 1] != '"':
                raise _Fallback
            key_at = end
            key, end = scanstring(s, end + 1, True)
            if key in out:
                raise _Fallback
            end = _WS.match(s, end).end()
            if s[end:end + 1] != ":":
                raise _Fallback
            end = _WS.match(s, end + 1).end()
            value, end = self.value(end, depth)
            out[key] = value
            out.key_locs[key] = self.pos(key_at)
            end = _WS.match(s, end).end()
            ch = s[end:end + 1]
            if ch == "}":
                return out, end + 1
            if ch != ",":
                raise _Fallback
            end = _WS.match(s, end + 1).end()

    def array(self, i: int, depth: int) -> tuple[Seq, int]:
        if depth > _MAX_DEPTH:
            raise _Fallback
        s = self.s
        out = Seq(self.pos(i))
        end = _WS.match(s, i + 1).end()
        if s[end:end + 1] == "]":
            return out, end + 1
        while True:
            out.item_locs.append(self.pos(end))
            value, end = self.value(end, depth)
            out.append(value)
            end = _WS.match(s, end).end()
            ch = s[end:end + 1]
            if ch == "]":
                return out, end + 1
            if ch != ",":
                raise _Fallback
            end = _WS.match(s, end + 1).end()


def decode_json(text: str) -> Document:
    """A live JSON document with positions, fast; falls back to the template decoder."""
    from lambdalint.parsers.decode import decode

    try:
        data = _JsonScanner(text.lstrip("\ufeff")).parse()
    except (_Fallback, ValueError, RecursionError):
        return decode(text)
    return Document(data, text, True)


# -- small helpers -------------------------------------------------------------------------------

def error_of(slot: Any) -> dict | None:
    """The ``{"Error": {...}}`` marker the audit writes where a call failed, or None."""
    if isinstance(slot, dict) and len(slot) == 1 and isinstance(slot.get("Error"), dict):
        return slot["Error"]
    return None


def base_function_arn(arn: str) -> str:
    """``arn:aws:lambda:r:a:function:name`` of a possibly qualified (alias/version) function ARN."""
    parts = arn.split(":")
    return ":".join(parts[:7]) if len(parts) > 7 and parts[5] == "function" else arn


def _arn_parts(arn: str) -> list[str]:
    parts = arn.split(":", 5)
    return parts if len(parts) == 6 else ["", "", "", "", "", ""]


def _fits(value: Any, example: Any) -> bool:
    """A hand-edited or corrupt snapshot can hold ``{"Ref": ...}`` or ``"10"`` where AWS writes
    a number, a number where AWS writes an ARN: rules compare and parse such values
    (``BatchSize > 1``, ``role.startswith``), so only the kind of ``example`` is taken; the rest
    is unknown."""
    if isinstance(example, (int, float)) and not isinstance(example, bool):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, type(example))


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def _source_arns(condition: Any) -> tuple[str, ...]:
    """``AWS:SourceArn`` values of a policy statement's Condition (any operator)."""
    out: list[str] = []
    if isinstance(condition, dict):
        for block in condition.values():
            if isinstance(block, dict):
                for key, value in block.items():
                    if isinstance(key, str) and key.lower() == "aws:sourcearn":
                        out.extend(_strings(value))
    return tuple(out)


def _service_principals(principal: Any) -> tuple[str, ...] | None:
    """Service names of a statement's Principal (``s3`` for ``s3.amazonaws.com``); None when
    the principal is anything but services (an account, a role, ``*``)."""
    if not isinstance(principal, dict) or set(principal) != {"Service"}:
        return None
    names = []
    for item in _strings(principal["Service"]):
        if not item.endswith((".amazonaws.com", ".amazon.com", ".amazonaws.com.cn")):
            return None
        names.append(item.split(".", 1)[0])
    return tuple(names) or None


class LiveBuilder:
    """Builds one live document's model (see the module docstring)."""

    def __init__(self, doc: Document, file: str, virtual: bool = False) -> None:
        self.data = doc.data
        self.text = doc.text
        self.file = file
        self.virtual = virtual
        self.kind = kind_of(doc.data) or ""
        self.model = Model(file=file, fmt="live")
        self.model.sees_surroundings = self.kind == "snapshot"
        self.qualify_region = False
        self.qualify_account = False
        self.by_arn: dict[str, Function] = {}  # unqualified function ARN -> function

    # -- locations and ids -----------------------------------------------------------------
    def where(self, account: str = "", region: str | None = None) -> str:
        if not self.virtual or not account:
            return self.file
        return f"{account}/{region}" if region else f"{account}/iam"

    def rid(self, name: str, account: str, region: str | None) -> str:
        """A resource id: the AWS name, qualified when the document spans several scopes."""
        if region is not None and self.qualify_account:
            return f"{account}/{region}/{name}"
        if region is not None and self.qualify_region:
            return f"{region}/{name}"
        if region is None and self.qualify_account:
            return f"{account}/{name}"
        return name

    # -- entry -----------------------------------------------------------------------------
    def build(self) -> Model:
        data = self.data
        if self.kind == "snapshot":
            self.snapshot(data)
        elif self.kind == "function":
            self.function_entry(data, (), Loc(self.file, 1, 1), {"Configuration": data}, standalone=True)
        elif self.kind == "get-function":
            self.function_entry(data["Configuration"], ("Configuration",),
                                loc_of(self.file, data, "Configuration", (), Loc(self.file)), data, standalone=True)
        elif self.kind == "functions":
            items = data["Functions"]
            for index, cfg in enumerate(items):
                header = loc_of(self.file, items, index, ("Functions",), Loc(self.file))
                self.function_entry(cfg, ("Functions", index), header, {"Configuration": cfg}, standalone=True)
        elif self.kind == "mappings":
            items = data["EventSourceMappings"]
            for index, mapping in enumerate(items):
                header = loc_of(self.file, items, index, ("EventSourceMappings",), Loc(self.file))
                self.mapping(mapping, ("EventSourceMappings", index), header, "", None, self.file, {})
        self.model.sources[self.file] = self.text
        return self.model

    # -- snapshot --------------------------------------------------------------------------
    def snapshot(self, data: dict) -> None:
        accounts = {k: v for k, v in data["accounts"].items() if isinstance(v, dict)}
        scopes = [(a, r) for a, acct in accounts.items()
                  for r in (acct.get("regions") if isinstance(acct.get("regions"), dict) else {})]
        self.qualify_account = len(accounts) > 1
        self.qualify_region = len(scopes) > 1
        limits: list[int] = []
        # Roles first: functions point at them by ARN.
        for account, acct in accounts.items():
            self.account_iam(account, acct)
        for account, acct in accounts.items():
            regions = acct.get("regions")
            if not isinstance(regions, dict):
                continue
            for region, scope in regions.items():
                if isinstance(scope, dict):
                    limit = self.region(account, region, scope, ("accounts", account, "regions", region))
                    if limit is not None:
                        limits.append(limit)
        # Several regions with different limits: the lowest, so no region is judged on a limit
        # higher than its own.
        self.model.account.concurrency_limit = min(limits) if limits else None
        self.invoke_grants()

    def region(self, account: str, region: str, scope: dict, pointer: tuple) -> int | None:
        file = self.where(account, region)
        header = Loc(file)
        partition = "aws"
        arn_hint = self.data["accounts"][account].get("partition")
        if isinstance(arn_hint, str):
            partition = arn_hint
        ctx = _Scope(account, region, partition, file, pointer, scope)
        self.subnets(ctx)
        self.log_groups(ctx)
        functions = scope.get("functions")
        if isinstance(functions, dict) and error_of(functions) is None:
            for name, entry in functions.items():
                if not isinstance(entry, dict):
                    continue
                fpointer = (*pointer, "functions", name)
                fheader = loc_of(file, functions, name, (*pointer, "functions"), header)
                cfg = entry.get("Configuration")
                if _is_config(cfg):
                    self.function_entry(cfg, (*fpointer, "Configuration"), fheader, entry, ctx=ctx)
        self.queues(ctx)
        self.tables(ctx)
        self.model._index = None  # lookups below must see this region's resources
        mappings = scope.get("event_source_mappings")
        if isinstance(mappings, dict) and error_of(mappings) is None:
            for uuid, mapping in mappings.items():
                if isinstance(mapping, dict):
                    mheader = loc_of(file, mappings, uuid, (*pointer, "event_source_mappings"), header)
                    self.mapping(mapping, (*pointer, "event_source_mappings", uuid), mheader, account, region,
                                 file, ctx.queue_ids)
        self.buckets(ctx)
        self.topics(ctx)
        for fn, entry, fpointer in ctx.functions:
            self.push_triggers(ctx, fn, entry, fpointer)
        self.destinations(ctx)
        settings = scope.get("account_settings")
        if isinstance(settings, dict) and error_of(settings) is None:
            limit = settings.get("AccountLimit", {}).get("ConcurrentExecutions") if isinstance(
                settings.get("AccountLimit"), dict) else None
            return as_int(limit)
        return None

    # -- functions -------------------------------------------------------------------------
    def function_entry(self, cfg: dict, pointer: tuple, header: Loc, entry: dict, ctx: _Scope | None = None,
                       standalone: bool = False) -> Function:
        file = ctx.file if ctx else self.file
        name = cfg["FunctionName"]
        arn = cfg["FunctionArn"]
        parts = _arn_parts(arn)
        account, region = (ctx.account, ctx.region) if ctx else (parts[4], parts[3])
        fid = self.rid(name, account, region) if ctx else name
        if fid in self.model.functions:  # the same function twice in one listing: keep the first
            return self.model.functions[fid]

        def val(key: str, default: Any = None) -> Val[Any]:
            if key in cfg and cfg[key] is not None:
                if not _fits(cfg[key], "" if default is None else default):  # Runtime, Handler, Role: text
                    return Val(None, loc_of(file, cfg, key, pointer, header), Prov.UNKNOWN, why=f"{key} malformed")
                return Val(cfg[key], loc_of(file, cfg, key, pointer, header))
            return Val(default, header, Prov.DEFAULT)

        fn = Function(
            fid, KIND["function"], header, Val(name, loc_of(file, cfg, "FunctionName", pointer, header)),
            arn=base_function_arn(arn), live_arn=base_function_arn(arn),
            runtime=val("Runtime"), handler=val("Handler"), timeout=val("Timeout", 3), memory=val("MemorySize", 128),
        )
        self.environment(fn, cfg, pointer, header, file)
        vpc = cfg.get("VpcConfig")
        ids = _strings(vpc.get("SubnetIds")) if isinstance(vpc, dict) else ()
        if ids:
            fn.subnets = Val(ids, loc_of(file, vpc, "SubnetIds", (*pointer, "VpcConfig"), header))
        else:
            fn.subnets = Val(None, header, Prov.DEFAULT)
        dlq = cfg.get("DeadLetterConfig")
        if isinstance(dlq, dict) and isinstance(dlq.get("TargetArn"), str) and dlq["TargetArn"]:
            fn.dead_letter = Val(dlq["TargetArn"], loc_of(file, cfg, "DeadLetterConfig", pointer, header))
        else:
            fn.dead_letter = Val(None, header, Prov.DEFAULT)
        fn.role = val("Role")
        self.logging(fn, cfg, pointer, header, file, ctx)
        root = pointer[:-1] if pointer and pointer[-1] == "Configuration" else pointer
        self.concurrency(fn, entry, root, header, file, standalone)
        self.invoke_config(fn, entry, root, header, file, standalone)
        recursion = entry.get("RecursionConfig")
        if isinstance(recursion, dict) and isinstance(recursion.get("RecursiveLoop"), str):
            fn.recursive_loop = Val(recursion["RecursiveLoop"],
                                    loc_of(file, recursion, "RecursiveLoop", (*root, "RecursionConfig"), header))
        else:
            why = "recursion configuration not read" if standalone else "GetFunctionRecursionConfig not available"
            fn.recursive_loop = Val(None, header, Prov.UNKNOWN, why=why)
        self.model.functions[fid] = fn
        self.model.headers[fid] = header
        self.by_arn[fn.arn or arn] = fn
        if ctx is not None:
            ctx.functions.append((fn, entry, root))
        return fn

    def environment(self, fn: Function, cfg: dict, pointer: tuple, header: Loc, file: str) -> None:
        env = cfg.get("Environment")
        if env is None:
            return
        if not isinstance(env, dict):
            fn.environment_known = False
            return
        variables = env.get("Variables")
        if variables is None:
            # AWS returns Environment.Error (and no Variables) when it cannot decrypt them.
            fn.environment_known = "Error" not in env
            return
        if not isinstance(variables, dict):
            fn.environment_known = False
            return
        base = (*pointer, "Environment", "Variables")
        for name, value in variables.items():
            text = value if isinstance(value, str) else (None if value is None else str(value))
            kind = "literal"
            if text is not None and text.startswith(("arn:aws:secretsmanager:", "arn:aws:ssm:",
                                                     "arn:aws-cn:secretsmanager:", "arn:aws-us-gov:secretsmanager:")):
                kind, text = "store-reference", None
            fn.environment.append(EnvVar(str(name), kind, text, loc_of(file, variables, name, base, header)))

    def logging(self, fn: Function, cfg: dict, pointer: tuple, header: Loc, file: str, ctx: _Scope | None) -> None:
        logging = cfg.get("LoggingConfig")
        custom = logging.get("LogGroup") if isinstance(logging, dict) else None
        if isinstance(custom, str) and custom:
            fn.log_group_name = Val(self.group_name(custom, ctx),
                                    loc_of(file, logging, "LogGroup", (*pointer, "LoggingConfig"), header))
            fn.log_group_custom = True
            return
        name = "/aws/lambda/" + fn.name.value
        if ctx is not None and not ctx.logs_listed:
            fn.log_group_name = Val(None, header, Prov.UNKNOWN, why="log groups could not be listed")
            return
        fn.log_group_name = Val(self.group_name(name, ctx), header, Prov.DEFAULT)

    def group_name(self, name: str, ctx: _Scope | None) -> str:
        """A log group's name in the model: its ARN when the snapshot spans several scopes."""
        if ctx is None or not self.qualify_region:
            return name
        return f"arn:{ctx.partition}:logs:{ctx.region}:{ctx.account}:log-group:{name}"

    def concurrency(self, fn: Function, entry: dict, root: tuple, header: Loc, file: str, standalone: bool) -> None:
        slot = entry.get("Concurrency")
        if isinstance(slot, dict) and error_of(slot) is None:
            value = as_int(slot.get("ReservedConcurrentExecutions"))
            if value is not None:
                fn.reserved_concurrency = Val(value, loc_of(file, slot, "ReservedConcurrentExecutions",
                                                            (*root, "Concurrency"), header))
                return
            fn.reserved_concurrency = Val(None, header, Prov.DEFAULT)
            return
        if slot is None and not standalone:
            fn.reserved_concurrency = Val(None, header, Prov.DEFAULT)
            return
        fn.reserved_concurrency = Val(None, header, Prov.UNKNOWN, why="reserved concurrency not read")

    def invoke_config(self, fn: Function, entry: dict, root: tuple, header: Loc, file: str, standalone: bool) -> None:
        """``ListFunctionEventInvokeConfigs``: the unqualified function's config first; an
        OnFailure destination on any qualifier counts (an alias may be what the trigger invokes)."""
        configs = entry.get("EventInvokeConfigs")
        if not isinstance(configs, list):
            why = "event invoke configuration not read"
            fn.on_failure = Val(None, header, Prov.UNKNOWN, why=why)
            fn.max_retry_attempts = Val(None, header, Prov.UNKNOWN, why=why)
            return
        fn.on_failure = Val(None, header, Prov.DEFAULT)
        fn.max_retry_attempts = Val(2, header, Prov.DEFAULT)
        base = (*root, "EventInvokeConfigs")
        order = sorted(range(len(configs)), key=lambda i: not _unqualified(configs[i], fn.arn or ""))
        for index in order:
            item = configs[index]
            if not isinstance(item, dict):
                continue
            item_loc = loc_of(file, configs, index, base, header)
            retries = as_int(item.get("MaximumRetryAttempts"))
            unqualified = _unqualified(item, fn.arn or "")
            if retries is not None and fn.max_retry_attempts.prov is Prov.DEFAULT and unqualified:
                rloc = loc_of(file, item, "MaximumRetryAttempts", (*base, index), item_loc)
                fn.max_retry_attempts = Val(retries, rloc)
            dest = item.get("DestinationConfig")
            on_failure = dest.get("OnFailure") if isinstance(dest, dict) else None
            target = on_failure.get("Destination") if isinstance(on_failure, dict) else None
            if isinstance(target, str) and target and fn.on_failure.value is None:
                dloc = loc_of(file, dest, "OnFailure", (*base, index, "DestinationConfig"), item_loc)
                fn.on_failure = Val(target, dloc)

    # -- account-level IAM -----------------------------------------------------------------
    def account_iam(self, account: str, acct: dict) -> None:
        file = self.where(account, None)
        base = ("accounts", account)
        policies = acct.get("policies") if isinstance(acct.get("policies"), dict) else {}
        roles = acct.get("roles")
        if not isinstance(roles, dict) or error_of(roles) is not None:
            return
        for arn, entry in roles.items():
            if not isinstance(entry, dict):
                continue
            header = loc_of(file, roles, arn, (*base, "roles"), Loc(file))
            role_name = entry.get("RoleName") if isinstance(entry.get("RoleName"), str) else arn.rsplit("/", 1)[-1]
            rid = self.rid(role_name, account, None)
            role = Role(rid, KIND["role"], header, Val(role_name, header), arn)
            inline = entry.get("InlinePolicies")
            if isinstance(inline, dict) and error_of(inline) is None:
                for pname, doc in inline.items():
                    pointer = (*base, "roles", arn, "InlinePolicies", pname)
                    ploc = loc_of(file, inline, pname, pointer[:-1], header)
                    role.statements.extend(self.statements(doc, file, pointer, ploc,
                                                           f"inline policy {pname} of role {role_name}", rid))
            attached = entry.get("AttachedPolicies")
            if isinstance(attached, list):
                for index, parn in enumerate(attached):
                    if not isinstance(parn, str):
                        continue
                    entry_loc = loc_of(file, attached, index, (*base, "roles", arn, "AttachedPolicies"), header)
                    role.statements.extend(self.managed(account, parn, policies, file, entry_loc, rid))
            self.model.roles[rid] = role
            self.model.headers[rid] = header

    def managed(self, account: str, arn: str, policies: dict, file: str, entry_loc: Loc,
                role_id: str) -> list[Statement]:
        from lambdalint.parsers.iam import managed_policy

        aws_managed = ":iam::aws:policy/" in arn
        entry = policies.get(arn)
        name = arn.rsplit("/", 1)[-1]
        if isinstance(entry, dict) and isinstance(entry.get("Document"), dict):
            pointer = ("accounts", account, "policies", arn, "Document")
            if aws_managed:
                # The fix for an AWS managed policy is on the role that attaches it.
                stmts = self.statements(entry["Document"], file, pointer, entry_loc, f"AWS managed policy {name}",
                                        role_id)
                return [replace(s, loc=entry_loc) for s in stmts]
            header = loc_of(file, policies, arn, ("accounts", account, "policies"), entry_loc)
            owner = self.rid(name, account, None)
            self.model.headers.setdefault(owner, header)
            return self.statements(entry["Document"], file, pointer, header, f"managed policy {name}", owner)
        known = managed_policy(arn) if aws_managed else None
        if known is not None:
            return [replace(s, loc=entry_loc, owner=role_id) for s in known]
        return []

    def statements(self, doc: Any, file: str, pointer: tuple, header: Loc, origin: str, owner: str) -> list[Statement]:
        if isinstance(doc, str):
            try:
                doc = json.loads(doc)
            except ValueError:
                return []
        if not isinstance(doc, dict):
            return []
        raw = doc.get("Statement")
        items = [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else []
        out = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            if item.get("Effect") not in ("Allow", "Deny"):
                continue
            loc = loc_of(file, raw, index, (*pointer, "Statement"), header) if isinstance(raw, list) else \
                loc_of(file, doc, "Statement", pointer, header)
            stmt = statement_from(item, loc, origin, owner)
            if stmt is not None:
                out.append(stmt)
        return out

    def invoke_grants(self) -> None:
        """A role of an audited function that may invoke another audited function: that function
        has an invoker the model does not classify (its code may invoke in any mode)."""
        functions = [fn for fn in self.model.functions.values() if fn.arn]
        if not functions:
            return
        self.model._index = None
        index = ArnIndex((fn.arn, fn) for fn in functions)
        holders: dict[str, list[Function]] = {}
        for fn in functions:
            if fn.role is not None and fn.role.present:
                holders.setdefault(fn.role.value, []).append(fn)
        for role_arn, users in holders.items():
            role = self.model.lookup(role_arn)
            if not isinstance(role, Role):
                continue
            grants = [s for s in role.statements if s.effect == "Allow"
                      and statement_allows_action(s, "lambda:InvokeFunction")]
            found: dict[str, Function] = {}
            for stmt in grants:
                for pattern in stmt.resources or ("*",):
                    for target in index.candidates(pattern):
                        found.setdefault(target.id, target)
            for target in found.values():
                if target.arn and allows(role.statements, "lambda:InvokeFunction", target.arn):
                    for user in users:
                        if user.id != target.id and user.id not in target.other_invokers:
                            target.other_invokers.append(user.id)

    # -- regional resources ----------------------------------------------------------------
    def subnets(self, ctx: _Scope) -> None:
        slot = ctx.scope.get("subnets")
        if not isinstance(slot, dict) or error_of(slot) is not None:
            return
        for subnet_id, entry in slot.items():
            if not isinstance(entry, dict) or error_of(entry) is not None:
                continue
            pointer = (*ctx.pointer, "subnets", subnet_id)
            header = loc_of(ctx.file, slot, subnet_id, pointer[:-1], Loc(ctx.file))
            cidr = entry.get("CidrBlock")
            free = as_int(entry.get("AvailableIpAddressCount"))
            sid = self.rid(subnet_id, ctx.account, ctx.region)
            subnet = Subnet(
                sid, KIND["subnet"], header, Val(subnet_id, header), subnet_id,
                cidr=Val(cidr, loc_of(ctx.file, entry, "CidrBlock", pointer, header)) if isinstance(cidr, str)
                else Val(None, header, Prov.UNKNOWN, why="no CidrBlock"),
                available_ips=Val(free, loc_of(ctx.file, entry, "AvailableIpAddressCount", pointer, header))
                if free is not None else None,
            )
            self.model.subnets[sid] = subnet
            self.model.headers[sid] = header

    def log_groups(self, ctx: _Scope) -> None:
        slot = ctx.scope.get("log_groups")
        if not isinstance(slot, dict) or error_of(slot) is not None:
            ctx.logs_listed = False
            return
        for name, entry in slot.items():
            if not isinstance(entry, dict) or error_of(entry) is not None:
                continue
            pointer = (*ctx.pointer, "log_groups", name)
            header = loc_of(ctx.file, slot, name, pointer[:-1], Loc(ctx.file))
            retention = as_int(entry.get("retentionInDays"))
            gid = self.rid(name, ctx.account, ctx.region)
            group = LogGroup(
                gid, KIND["log-group"], header, Val(self.group_name(name, ctx), header),
                entry.get("logGroupArn") if isinstance(entry.get("logGroupArn"), str) else None,
                retention_days=Val(retention, loc_of(ctx.file, entry, "retentionInDays", pointer, header))
                if retention is not None else Val(None, header, Prov.DEFAULT),
            )
            self.model.log_groups[gid] = group
            self.model.headers[gid] = header

    def queues(self, ctx: _Scope) -> None:
        slot = ctx.scope.get("queues")
        if not isinstance(slot, dict) or error_of(slot) is not None:
            return
        for arn, entry in slot.items():
            if not isinstance(entry, dict):
                continue
            pointer = (*ctx.pointer, "queues", arn)
            header = loc_of(ctx.file, slot, arn, pointer[:-1], Loc(ctx.file))
            name = arn.rsplit(":", 1)[-1]
            qid = self.rid(name, ctx.account, ctx.region)
            attrs = entry.get("Attributes")
            url = entry.get("QueueUrl") if isinstance(entry.get("QueueUrl"), str) else None
            if not isinstance(attrs, dict) or error_of(entry) is not None:
                why = "queue attributes could not be read"
                unknown: Val[Any] = Val(None, header, Prov.UNKNOWN, why=why)
                queue = Queue(qid, KIND["queue"], header, Val(name, header), arn, visibility_timeout=unknown,
                              redrive_target=unknown, fifo=name.endswith(".fifo"), url=url)
            else:
                apointer = (*pointer, "Attributes")
                vis = as_int(attrs.get("VisibilityTimeout"))
                if vis is not None:
                    visibility = Val(vis, loc_of(ctx.file, attrs, "VisibilityTimeout", apointer, header))
                else:
                    visibility = Val(30, header, Prov.DEFAULT)
                redrive = attrs.get("RedrivePolicy")
                target: Val[str]
                if isinstance(redrive, str) and redrive:
                    try:
                        parsed = json.loads(redrive)
                    except ValueError:
                        parsed = None
                    dlq = parsed.get("deadLetterTargetArn") if isinstance(parsed, dict) else None
                    rloc = loc_of(ctx.file, attrs, "RedrivePolicy", apointer, header)
                    target = Val(dlq, rloc) if isinstance(dlq, str) else Val(None, rloc, Prov.UNKNOWN,
                                                                              why="RedrivePolicy not readable")
                else:
                    target = Val(None, header, Prov.DEFAULT)
                queue = Queue(qid, KIND["queue"], header, Val(name, header), arn, visibility_timeout=visibility,
                              redrive_target=target, fifo=str(attrs.get("FifoQueue", "")).lower() == "true"
                              or name.endswith(".fifo"), url=url)
            self.model.queues[qid] = queue
            self.model.headers[qid] = header
            ctx.queue_ids[arn] = qid

    def tables(self, ctx: _Scope) -> None:
        slot = ctx.scope.get("tables")
        if not isinstance(slot, dict) or error_of(slot) is not None:
            return
        for arn, entry in slot.items():
            table = entry.get("Table") if isinstance(entry, dict) else None
            if not isinstance(table, dict):
                continue  # not readable: the stream's table stays out of the model (no loop is proven)
            pointer = (*ctx.pointer, "tables", arn)
            header = loc_of(ctx.file, slot, arn, pointer[:-1], Loc(ctx.file))
            name = table.get("TableName") if isinstance(table.get("TableName"), str) else arn.rsplit("/", 1)[-1]
            spec = table.get("StreamSpecification")
            enabled = bool(spec.get("StreamEnabled")) if isinstance(spec, dict) else False
            latest = table.get("LatestStreamArn") if isinstance(table.get("LatestStreamArn"), str) else None
            tid = self.rid(name, ctx.account, ctx.region)
            tloc = (loc_of(ctx.file, table, "StreamSpecification", (*pointer, "Table"), header)
                    if isinstance(spec, dict) else header)
            self.model.tables[tid] = Table(
                tid, KIND["table"], header, Val(name, header), arn,
                stream_enabled=Val(enabled, tloc, Prov.EXPLICIT if isinstance(spec, dict) else Prov.DEFAULT),
                stream_arn=latest if enabled else None,
            )
            self.model.headers[tid] = header

    def stream(self, arn: str, account: str, region: str | None, header: Loc) -> Stream:
        """A Kinesis stream named by a mapping (a consumer ARN names its stream too)."""
        arn = arn.split("/consumer/", 1)[0]
        name = arn.rsplit("/", 1)[-1]
        sid = self.rid(name, account, region) if account else name
        if sid not in self.model.streams:
            self.model.streams[sid] = Stream(sid, KIND["stream"], header, Val(name, header), arn)
        return self.model.streams[sid]

    # -- triggers --------------------------------------------------------------------------
    def function_for(self, arn: Any) -> Function | None:
        if not isinstance(arn, str):
            return None
        return self.by_arn.get(base_function_arn(arn))

    def mapping(self, mapping: dict, pointer: tuple, header: Loc, account: str, region: str | None, file: str,
                queue_ids: dict[str, str]) -> None:
        uuid = mapping.get("UUID")
        if not isinstance(uuid, str):
            return
        source_arn = mapping.get("EventSourceArn")
        kind = poll_kind(None, source_arn) if isinstance(source_arn, str) else (
            "kafka" if "SelfManagedEventSource" in mapping else "unknown")
        if kind == "unknown" and isinstance(mapping.get("Queues"), list):
            kind = "mq"
        fn = self.function_for(mapping.get("FunctionArn"))
        if fn is None and self.kind == "mappings" and isinstance(mapping.get("FunctionArn"), str):
            fn = self.unseen_function(mapping, pointer, header, file)

        def val(key: str, default: Any) -> Val[Any]:
            if key in mapping and mapping[key] is not None:
                if not _fits(mapping[key], 0 if default is None else default):  # numbers
                    where = loc_of(file, mapping, key, pointer, header)
                    return Val(None, where, Prov.UNKNOWN, why=f"{key} malformed")
                return Val(mapping[key], loc_of(file, mapping, key, pointer, header))
            return Val(default, header, Prov.DEFAULT)

        source = None
        if isinstance(source_arn, str):
            source = self.model.lookup(source_arn)
            if source is None and kind == "sqs" and source_arn in queue_ids:
                source = self.model.queues.get(queue_ids[source_arn])
            if source is None and kind == "kinesis" and ":stream/" in source_arn:
                source = self.stream(source_arn, account, region, header)
            if source is None and kind == "sqs" and self.kind == "mappings":
                source = self.unseen_queue(source_arn, loc_of(file, mapping, "EventSourceArn", pointer, header))
        dest = mapping.get("DestinationConfig")
        on_failure = dest.get("OnFailure") if isinstance(dest, dict) else None
        target = on_failure.get("Destination") if isinstance(on_failure, dict) else None
        types = mapping.get("FunctionResponseTypes")
        response_types = (Val(_strings(types), loc_of(file, mapping, "FunctionResponseTypes", pointer, header))
                          if isinstance(types, list) else Val((), header, Prov.DEFAULT))
        trig = Trigger(
            self.rid(uuid, account, region) if account else uuid, kind, "poll", fn.id if fn else None,
            self.rid(uuid, account, region) if account else uuid, header,
            source=source.id if source else None,
            source_arn=Val(source_arn, loc_of(file, mapping, "EventSourceArn", pointer, header))
            if isinstance(source_arn, str) else None,
            batch_size=val("BatchSize", {"sqs": 10, "kinesis": 100, "dynamodb": 100}.get(kind)),
            batching_window=val("MaximumBatchingWindowInSeconds", 0),
            response_types=response_types,
            on_failure=Val(target, loc_of(file, dest, "OnFailure", (*pointer, "DestinationConfig"), header))
            if isinstance(target, str) and target else Val(None, header, Prov.DEFAULT),
            bisect=val("BisectBatchOnFunctionError", False),
        )
        criteria = mapping.get("FilterCriteria")
        trig.filtered = isinstance(criteria, dict) and bool(criteria.get("Filters"))
        self.model.triggers.append(trig)
        self.model.headers[trig.owner] = header
        self.model._by_function = None

    def unseen_function(self, mapping: dict, pointer: tuple, header: Loc, file: str) -> Function:
        """The function a mapping listing names, whose configuration the listing does not show:
        known to exist, every setting unknown (so only the mapping's own checks can fire)."""
        arn = base_function_arn(mapping["FunctionArn"])
        name = arn.rsplit(":", 1)[-1]
        loc = loc_of(file, mapping, "FunctionArn", pointer, header)
        unknown: Val[Any] = Val(None, loc, Prov.UNKNOWN, why="function configuration not in this listing")
        fn = Function(name, KIND["function"], loc, Val(name, loc), arn=arn, live_arn=arn, runtime=unknown,
                      handler=unknown, timeout=unknown, memory=unknown, reserved_concurrency=unknown,
                      environment_known=False, subnets=unknown, dead_letter=unknown, on_failure=unknown,
                      max_retry_attempts=unknown, log_group_name=unknown, role=unknown, recursive_loop=unknown,
                      policies_known=False)
        self.model.functions.setdefault(name, fn)
        self.by_arn.setdefault(arn, fn)
        return self.model.functions[name]

    def unseen_queue(self, arn: str, loc: Loc) -> Queue:
        """A source queue a mapping listing names: its attributes are not in the listing."""
        name = arn.rsplit(":", 1)[-1]
        if name not in self.model.queues:
            why = "queue attributes not in this listing"
            self.model.queues[name] = Queue(
                name, KIND["queue"], loc, Val(name, loc), arn, visibility_timeout=Val(None, loc, Prov.UNKNOWN, why=why),
                redrive_target=Val(None, loc, Prov.UNKNOWN, why=why), fifo=name.endswith(".fifo"))
            self.model._index = None
        return self.model.queues[name]

    def buckets(self, ctx: _Scope) -> None:
        slot = ctx.scope.get("buckets")
        if not isinstance(slot, dict) or error_of(slot) is not None:
            return
        for name, entry in slot.items():
            if not isinstance(entry, dict):
                continue
            pointer = (*ctx.pointer, "buckets", name)
            header = loc_of(ctx.file, slot, name, pointer[:-1], Loc(ctx.file))
            bid = self.rid(name, ctx.account, ctx.region)
            arn = f"arn:{ctx.partition}:s3:::{name}"
            self.model.buckets[bid] = Bucket(bid, KIND["bucket"], header, Val(name, header), arn)
            self.model.headers[bid] = header
            config = entry.get("NotificationConfiguration")
            if not isinstance(config, dict):
                continue
            ctx.read_buckets.add(name)
            items = config.get("LambdaFunctionConfigurations")
            if not isinstance(items, list):
                continue
            base = (*pointer, "NotificationConfiguration", "LambdaFunctionConfigurations")
            for index, item in enumerate(items):
                if not isinstance(item, dict):
                    continue
                fn = self.function_for(item.get("LambdaFunctionArn"))
                if fn is None:
                    continue
                loc = loc_of(ctx.file, items, index, base, header)
                trig = Trigger(f"{bid}/LambdaFunctionConfigurations/{item.get('Id') or index}", "s3", "async",
                               fn.id, bid, loc, source=bid)
                trig.s3_events = _strings(item.get("Events"))
                trig.prefix, trig.suffix = _key_filter(item, ctx.file, (*base, index), loc)
                self.model.triggers.append(trig)
        self.model._by_function = None

    def topics(self, ctx: _Scope) -> None:
        slot = ctx.scope.get("topics")
        if not isinstance(slot, dict) or error_of(slot) is not None:
            return
        for arn, entry in slot.items():
            if not isinstance(entry, dict):
                continue
            pointer = (*ctx.pointer, "topics", arn)
            header = loc_of(ctx.file, slot, arn, pointer[:-1], Loc(ctx.file))
            name = arn.rsplit(":", 1)[-1]
            tid = self.rid(name, ctx.account, ctx.region)
            self.model.topics[tid] = Topic(tid, KIND["topic"], header, Val(name, header), arn)
            self.model.headers[tid] = header
            subs = entry.get("Subscriptions")
            if not isinstance(subs, list):
                continue
            ctx.read_topics.add(arn)
            for index, sub in enumerate(subs):
                if not isinstance(sub, dict) or sub.get("Protocol") != "lambda":
                    continue
                fn = self.function_for(sub.get("Endpoint"))
                if fn is None:
                    continue
                loc = loc_of(ctx.file, subs, index, (*pointer, "Subscriptions"), header)
                attrs = sub.get("Attributes")
                # A filter policy we cannot read may narrow what invokes: treated as filtered.
                filtered = not isinstance(attrs, dict) or error_of(attrs) is not None or bool(attrs.get("FilterPolicy"))
                trig = Trigger(str(sub.get("SubscriptionArn") or f"{tid}/Subscriptions/{index}"), "sns", "async",
                               fn.id, tid, loc, source=tid, filtered=filtered)
                self.model.triggers.append(trig)
        self.model._by_function = None

    def push_triggers(self, ctx: _Scope, fn: Function, entry: dict, root: tuple) -> None:
        """Invokers named by the function's resource policy and function URLs.

        S3 and SNS are wired by the bucket's notification configuration and the topic's
        subscriptions (read above); a permission for a bucket or topic whose wiring could not be
        read, or for no particular one, is an invoker the model does not classify.
        """
        file = ctx.file
        header = fn.loc
        seen: set[tuple[str, str]] = set()
        urls = entry.get("FunctionUrlConfigs")
        if isinstance(urls, list):
            for index, item in enumerate(urls):
                if isinstance(item, dict):
                    loc = loc_of(file, urls, index, (*root, "FunctionUrlConfigs"), header)
                    qualifier = str(item.get("FunctionArn", "")).rsplit(":", 1)[-1] if isinstance(
                        item.get("FunctionArn"), str) else str(index)
                    self.add(Trigger(f"{fn.id}/url/{qualifier}", "url", "sync", fn.id, fn.id, loc))
                    seen.add(("url", ""))
        policy = entry.get("Policy")
        if policy is None:
            return
        if not isinstance(policy, dict) or error_of(policy) is not None:
            fn.other_invokers.append(f"{fn.id} resource policy (not readable)")
            return
        raw = policy.get("Statement")
        items = raw if isinstance(raw, list) else [raw] if isinstance(raw, dict) else []
        for index, stmt in enumerate(items):
            if not isinstance(stmt, dict) or stmt.get("Effect") != "Allow":
                continue
            loc = loc_of(file, raw, index, (*root, "Policy", "Statement"), header) if isinstance(raw, list) else header
            sid = str(stmt.get("Sid") or index)
            actions = _strings(stmt.get("Action"))
            services = _service_principals(stmt.get("Principal"))
            sources = _source_arns(stmt.get("Condition"))
            if actions and all(a == "lambda:InvokeFunctionUrl" for a in actions):
                if ("url", "") not in seen:
                    seen.add(("url", ""))
                    self.add(Trigger(f"{fn.id}/policy/{sid}", "url", "sync", fn.id, fn.id, loc))
                continue
            if services is None:
                fn.other_invokers.append(f"{fn.id} resource policy statement {sid}")
                continue
            for service in services:
                if service == "s3":
                    buckets = [s.split(":::", 1)[1] for s in sources if s.startswith("arn:") and ":::" in s]
                    if not buckets or any(b not in ctx.read_buckets for b in buckets):
                        fn.other_invokers.append(f"S3 permission {sid} (notification configuration not read)")
                elif service == "sns":
                    if not sources or any(s not in ctx.read_topics for s in sources):
                        fn.other_invokers.append(f"SNS permission {sid} (subscriptions not read)")
                elif service in ASYNC_PRINCIPALS or service in SYNC_PRINCIPALS:
                    mode = "async" if service in ASYNC_PRINCIPALS else "sync"
                    key = (service, ",".join(sources))
                    if key in seen:
                        continue
                    seen.add(key)
                    trig = Trigger(f"{fn.id}/policy/{sid}", service, mode, fn.id, fn.id, loc)  # type: ignore[arg-type]
                    if sources:
                        trig.source_arn = Val(sources[0], loc)
                    self.add(trig)
                else:
                    fn.other_invokers.append(f"{fn.id} resource policy statement {sid} ({service})")

    def destinations(self, ctx: _Scope) -> None:
        """A function that is another's asynchronous destination (OnSuccess or OnFailure) is
        invoked by it, in a mode the model does not classify."""
        for other, entry, _ in ctx.functions:
            configs = entry.get("EventInvokeConfigs")
            for item in configs if isinstance(configs, list) else ():
                dest = item.get("DestinationConfig") if isinstance(item, dict) else None
                for outcome in ("OnSuccess", "OnFailure"):
                    target = dest.get(outcome) if isinstance(dest, dict) else None
                    fn = self.function_for(target.get("Destination") if isinstance(target, dict) else None)
                    if fn is not None and fn is not other and other.id not in fn.other_invokers:
                        fn.other_invokers.append(other.id)

    def add(self, trig: Trigger) -> None:
        self.model.triggers.append(trig)
        self.model._by_function = None


class _Scope:
    """One (account, region) of a snapshot while it is being built."""

    def __init__(self, account: str, region: str, partition: str, file: str, pointer: tuple, scope: dict) -> None:
        self.account = account
        self.region = region
        self.partition = partition
        self.file = file
        self.pointer = pointer
        self.scope = scope
        self.logs_listed = True
        self.functions: list[tuple[Function, dict, tuple]] = []
        self.queue_ids: dict[str, str] = {}
        self.read_buckets: set[str] = set()
        self.read_topics: set[str] = set()


def _unqualified(config: Any, arn: str) -> bool:
    fa = config.get("FunctionArn") if isinstance(config, dict) else None
    return not isinstance(fa, str) or fa == arn or fa.endswith(":$LATEST")


def _key_filter(item: dict, file: str, pointer: tuple, loc: Loc) -> tuple[Val[str], Val[str]]:
    """Prefix and suffix of an S3 notification's ``Filter.Key.FilterRules``."""
    prefix: Val[str] = Val("", loc, Prov.DEFAULT)
    suffix: Val[str] = Val("", loc, Prov.DEFAULT)
    filt = item.get("Filter")
    key = filt.get("Key") if isinstance(filt, dict) else None
    rules = key.get("FilterRules") if isinstance(key, dict) else None
    if not isinstance(rules, list):
        return prefix, suffix
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict) or not isinstance(rule.get("Value"), str):
            continue
        rloc = loc_of(file, rules, index, (*pointer, "Filter", "Key", "FilterRules"), loc)
        name = str(rule.get("Name", "")).lower()
        if name == "prefix":
            prefix = Val(rule["Value"], rloc)
        elif name == "suffix":
            suffix = Val(rule["Value"], rloc)
    return prefix, suffix


def build(doc: Document, file: str, virtual: bool = False) -> Model:
    """The model of a live document (``kind_of(doc.data)`` must not be None)."""
    return LiveBuilder(doc, file, virtual).build()
