"""CloudFormation intrinsic functions evaluated to symbolic values.

Every result is a plain value (str, int, bool, list, dict) in which whatever cannot be known
before deploy is a *symbol* (see ``lambdalint.model``). Two occurrences of the same unknown
expression produce the same symbol, so identity survives unknown names: ``!Ref BucketName``
here and ``${BucketName}`` in a policy's ``!Sub`` are the same character.

The resolver knows what ``Ref`` and ``Fn::GetAtt`` return for the resource types the rules need
(names, ARNs, queue URLs, stream ARNs); for any other resource they return a symbol.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from lambdalint.model import SYMBOL_BASE, SYMBOL_LIMIT, is_literal

NOVALUE = "\x00NOVALUE"  # AWS::NoValue: the property is removed

_SUB_VAR = re.compile(r"\$\{([^}]*)\}")


@lru_cache(maxsize=4096)
def _sub_parts(text: str) -> tuple[str, ...]:
    """``text`` split at its ``${...}`` references: text, name, text, name, ..., text."""
    return tuple(_SUB_VAR.split(text))


class Symbols:
    """Allocates one private-use character per distinct unknown in a lint unit."""

    def __init__(self) -> None:
        self.by_key: dict[Any, str] = {}
        self.describe: dict[str, str] = {}
        self._next = SYMBOL_BASE

    def get(self, key: Any, description: str) -> str:
        char = self.by_key.get(key)
        if char is None:
            if self._next > SYMBOL_LIMIT:
                # Beyond ~130k distinct unknowns in one unit identities stop being distinct;
                # reuse the last symbol rather than fail (nothing sane has that many).
                return chr(SYMBOL_LIMIT)
            char = chr(self._next)
            self._next += 1
            self.by_key[key] = char
            self.describe[char] = description
        return char


# name property, what Ref returns, and the GetAtt attributes for the types the model needs.
NAME_PROPERTY = {
    "AWS::S3::Bucket": "BucketName",
    "AWS::SQS::Queue": "QueueName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::DynamoDB::GlobalTable": "TableName",
    "AWS::Serverless::SimpleTable": "TableName",
    "AWS::Kinesis::Stream": "Name",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::IAM::Role": "RoleName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::SSM::Parameter": "Name",
    "AWS::Events::EventBus": "Name",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
}

PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
}


def _json_key(raw: Any) -> str:
    try:
        return json.dumps(raw, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return repr(raw)


class Resolver:
    """Evaluates intrinsic functions of one template.

    ``trail`` collects, for the current evaluation, the parameters whose defaults were used, so a
    caller can say "(from parameter Timeout default)".
    """

    def __init__(self, template: dict[str, Any], symbols: Symbols) -> None:
        self.template = template
        self.symbols = symbols
        params = template.get("Parameters")
        self.parameters: dict[str, Any] = params if isinstance(params, dict) else {}
        mappings = template.get("Mappings")
        self.mappings: dict[str, Any] = mappings if isinstance(mappings, dict) else {}
        resources = template.get("Resources")
        self.resources: dict[str, Any] = resources if isinstance(resources, dict) else {}
        self.trail: list[str] = []
        self._names: dict[str, str] = {}
        self._in_progress: set[str] = set()
        self._types: dict[str, str] = {}  # resource_type's answers (Types never change)
        self._region: str | None = None
        self._account: str | None = None
        self.extra_refs: dict[str, Callable[[], Any]] = {}
        self.extra_attrs: dict[tuple[str, str], Callable[[], Any]] = {}

    # -- symbols -----------------------------------------------------------------------------
    def sym(self, key: Any, description: str) -> str:
        return self.symbols.get(key, description)

    def region(self) -> str:
        # Every ARN asks for both: the symbol never changes once allocated, so it is kept.
        if self._region is None:
            self._region = self.sym(("pseudo", "AWS::Region"), "${AWS::Region}")
        return self._region

    def account(self) -> str:
        if self._account is None:
            self._account = self.sym(("pseudo", "AWS::AccountId"), "${AWS::AccountId}")
        return self._account

    # -- entry points ----------------------------------------------------------------------------
    def evaluate(self, raw: Any) -> tuple[Any, list[str]]:
        """Evaluate ``raw`` and return (value, parameters-with-defaults that were used)."""
        self.trail = []
        value = self.eval(raw)
        return value, sorted(set(self.trail)) if self.trail else []

    def eval(self, raw: Any, depth: int = 0) -> Any:
        if depth > 64:
            return self.sym(("deep", id(raw)), "<expression too deep>")
        if isinstance(raw, dict):
            if len(raw) == 1:
                (key, arg), = raw.items()
                if key == "Ref":
                    return self.ref(arg)
                if isinstance(key, str) and key.startswith("Fn::"):
                    return self.function(key, arg, raw, depth)
            out = {}
            for k, v in raw.items():
                val = self.eval(v, depth + 1)
                if val != NOVALUE:
                    out[k] = val
            return out
        if isinstance(raw, list):
            items = [self.eval(v, depth + 1) for v in raw]
            return [v for v in items if v != NOVALUE]
        return raw

    def unknown(self, raw: Any, why: str) -> str:
        return self.sym(("expr", _json_key(raw)), f"<{why}>")

    # -- Ref ------------------------------------------------------------------------------------
    def ref(self, name: Any) -> Any:
        if not isinstance(name, str):
            return self.unknown({"Ref": name}, "Ref to a computed name")
        if name == "AWS::NoValue":
            return NOVALUE
        if name in PSEUDO:
            return PSEUDO[name]
        if name.startswith("AWS::"):
            return self.sym(("pseudo", name), "${" + name + "}")
        if name in self.parameters:
            return self.parameter(name)
        if name in self.extra_refs:
            return self.extra_refs[name]()
        if name in self.resources:
            return self.resource_ref(name)
        if "." in name:  # SAM: !Ref Function.Alias / Function.Version
            head, _, attr = name.partition(".")
            if head in self.resources:
                return self.getatt(head, attr)
        return self.sym(("ref", name), "${" + name + "}")

    def parameter(self, name: str) -> Any:
        param = self.parameters.get(name)
        desc = "${" + name + "}"
        if not isinstance(param, dict):
            return self.sym(("param", name), desc)
        ptype = param.get("Type")
        if isinstance(ptype, str) and ptype.startswith("AWS::SSM::Parameter::Value"):
            return self.sym(("param", name), desc)  # its default is an SSM name, not the value
        if "Default" not in param:
            return self.sym(("param", name), desc)
        default = param["Default"]
        if isinstance(default, (dict, list)) and not (isinstance(ptype, str) and "List" in ptype):
            return self.sym(("param", name), desc)
        self.trail.append(f"parameter {name} default")
        if isinstance(ptype, str) and ("List" in ptype) and isinstance(default, str):
            return [part.strip() for part in default.split(",")] if default else []
        if isinstance(default, bool):
            return str(default).lower()
        return default if isinstance(default, str) else str(default)

    def name_of(self, logical_id: str) -> str:
        """The physical name of a resource: its name property, else a generated name (symbol)."""
        cached = self._names.get(logical_id)
        if cached is not None:
            return cached
        generated = self.sym(("name", logical_id), f"<generated name of {logical_id}>")
        res = self.resources.get(logical_id)
        prop = NAME_PROPERTY.get(self.resource_type(logical_id))  # a malformed Type may be a list
        name = generated
        props = res.get("Properties") if isinstance(res, dict) else None
        if prop and isinstance(props, dict) and prop in props and logical_id not in self._in_progress:
            self._in_progress.add(logical_id)
            try:
                value = self.eval(props[prop])
            finally:
                self._in_progress.discard(logical_id)
            if isinstance(value, str) and value != NOVALUE:
                name = value
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                name = str(value)
        self._names[logical_id] = name
        return name

    def resource_type(self, logical_id: str) -> str:
        known = self._types.get(logical_id)
        if known is not None:
            return known
        res = self.resources.get(logical_id)
        rtype = res.get("Type") if isinstance(res, dict) else None
        known = self._types[logical_id] = rtype if isinstance(rtype, str) else ""
        return known

    def arn_of(self, logical_id: str) -> str | None:
        rtype = self.resource_type(logical_id)
        r, a = self.region(), self.account()
        if rtype in ("AWS::S3::Bucket",):
            return f"arn:aws:s3:::{self.name_of(logical_id)}"
        if rtype == "AWS::SQS::Queue":
            return f"arn:aws:sqs:{r}:{a}:{self.name_of(logical_id)}"
        if rtype == "AWS::SNS::Topic":
            return f"arn:aws:sns:{r}:{a}:{self.name_of(logical_id)}"
        if rtype in ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::Serverless::SimpleTable"):
            return f"arn:aws:dynamodb:{r}:{a}:table/{self.name_of(logical_id)}"
        if rtype == "AWS::Kinesis::Stream":
            return f"arn:aws:kinesis:{r}:{a}:stream/{self.name_of(logical_id)}"
        if rtype in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
            return f"arn:aws:lambda:{r}:{a}:function:{self.name_of(logical_id)}"
        if rtype == "AWS::Logs::LogGroup":
            return f"arn:aws:logs:{r}:{a}:log-group:{self.name_of(logical_id)}"
        if rtype == "AWS::IAM::Role":
            path = "/"
            props = self.resources[logical_id].get("Properties")
            if isinstance(props, dict) and isinstance(props.get("Path"), str):
                path = props["Path"]
            return f"arn:aws:iam::{a}:role{path}{self.name_of(logical_id)}"
        if rtype == "AWS::SecretsManager::Secret":
            return self.sym(("arn", logical_id), f"<ARN of {logical_id}>")
        return None

    def queue_url(self, logical_id: str) -> str:
        return f"https://sqs.{self.region()}.amazonaws.com/{self.account()}/{self.name_of(logical_id)}"

    def stream_arn(self, logical_id: str) -> str:
        label = self.sym(("stream-label", logical_id), f"<stream label of {logical_id}>")
        return f"{self.arn_of(logical_id)}/stream/{label}"

    def resource_ref(self, logical_id: str) -> str:
        rtype = self.resource_type(logical_id)
        if rtype == "AWS::SQS::Queue":
            return self.queue_url(logical_id)
        if rtype in ("AWS::SNS::Topic", "AWS::SecretsManager::Secret"):
            return self.arn_of(logical_id) or ""
        if rtype in NAME_PROPERTY:
            return self.name_of(logical_id)
        if rtype == "AWS::Lambda::Alias":
            return self.alias_arn(logical_id)
        return self.sym(("ref", logical_id), "${" + logical_id + "}")

    def alias_arn(self, logical_id: str) -> str:
        """Ref of an AWS::Lambda::Alias: the function ARN qualified by the alias name, so a
        mapping or permission on ``!Ref LiveAlias`` reaches the function behind it."""
        props = self.resources[logical_id].get("Properties")
        if isinstance(props, dict) and logical_id not in self._in_progress:
            self._in_progress.add(logical_id)
            try:
                target, name = self.eval(props.get("FunctionName")), self.eval(props.get("Name"))
            finally:
                self._in_progress.discard(logical_id)
            known = isinstance(target, str) and isinstance(name, str) and NOVALUE not in (target, name)
            if known and target and name:
                if not target.startswith("arn:"):
                    target = f"arn:aws:lambda:{self.region()}:{self.account()}:function:{target}"
                return f"{target}:{name}"
        return self.sym(("ref", logical_id), "${" + logical_id + "}")

    def getatt(self, logical_id: str, attr: str) -> str:
        hook = self.extra_attrs.get((logical_id, attr))
        if hook is not None:
            return hook()
        rtype = self.resource_type(logical_id)
        if attr == "Arn" and rtype == "AWS::Logs::LogGroup":
            return f"{self.arn_of(logical_id)}:*"
        if attr == "SubnetId" and rtype == "AWS::EC2::Subnet":
            return self.resource_ref(logical_id)  # the same id !Ref returns
        if attr == "CidrBlock" and rtype == "AWS::EC2::VPC":
            # The VPC's primary block is its CidrBlock property: Fn::Cidr over it carves subnets.
            props = self.resources[logical_id].get("Properties")
            if isinstance(props, dict) and "CidrBlock" in props and logical_id not in self._in_progress:
                self._in_progress.add(logical_id)
                try:
                    block = self.eval(props["CidrBlock"])
                finally:
                    self._in_progress.discard(logical_id)
                if isinstance(block, str) and block != NOVALUE:
                    return block
        if attr in ("Arn", "TopicArn") and self.arn_of(logical_id) is not None:
            return self.arn_of(logical_id) or ""
        if attr in ("QueueName", "TopicName") or (attr == "Name" and rtype in NAME_PROPERTY):
            return self.name_of(logical_id)
        if attr == "QueueUrl" and rtype == "AWS::SQS::Queue":
            return self.queue_url(logical_id)
        if attr == "StreamArn" and rtype in (
            "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::Serverless::SimpleTable"
        ):
            return self.stream_arn(logical_id)
        return self.sym(("getatt", logical_id, attr), "${" + f"{logical_id}.{attr}" + "}")

    # -- Fn:: -----------------------------------------------------------------------------------
    def function(self, key: str, arg: Any, raw: Any, depth: int) -> Any:
        handler = _FUNCTIONS.get(key)
        if handler is None:
            return self.unknown(raw, key)
        try:
            return handler(self, arg, raw, depth)
        except (TypeError, ValueError, IndexError, KeyError, AttributeError, OverflowError):
            return self.unknown(raw, f"malformed {key}")

    def _getatt(self, arg: Any, raw: Any, depth: int) -> Any:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        if not isinstance(arg, list) or len(arg) != 2:
            return self.unknown(raw, "malformed Fn::GetAtt")
        logical_id, attr = arg[0], self.eval(arg[1], depth + 1)
        if not isinstance(logical_id, str) or not isinstance(attr, str) or not is_literal(attr):
            return self.unknown(raw, "Fn::GetAtt with a computed attribute")
        return self.getatt(logical_id, attr)

    def _sub(self, arg: Any, raw: Any, depth: int) -> Any:
        variables: dict[str, Any] = {}
        if isinstance(arg, list):
            if len(arg) != 2 or not isinstance(arg[1], dict):
                return self.unknown(raw, "malformed Fn::Sub")
            text = arg[0]
            for name, value in arg[1].items():
                variables[name] = self.eval(value, depth + 1)
        else:
            text = arg
        if not isinstance(text, str):
            return self.unknown(raw, "malformed Fn::Sub")

        def replace(var: str) -> str:
            if var.startswith("!"):
                return "${" + var[1:] + "}"
            if var in variables:
                return self.stringify(variables[var], {"Fn::Sub": var})
            if var in self.parameters or var.startswith("AWS::") or var in self.resources or var in self.extra_refs:
                return self.stringify(self.ref(var), {"Ref": var})
            if "." in var:
                head, _, attr = var.partition(".")
                if head in self.resources:
                    return self.stringify(self.getatt(head, attr), {"Fn::GetAtt": [head, attr]})
            return self.sym(("ref", var), "${" + var + "}")

        # ``_SUB_VAR.sub(replace, text)``, from the text's cached split: policy templates and
        # generated templates repeat the same few texts thousands of times.
        parts = _sub_parts(text)
        if len(parts) == 1:
            return text
        out = [parts[0]]
        for index in range(1, len(parts), 2):
            out.append(replace(parts[index]))
            out.append(parts[index + 1])
        return "".join(out)

    def stringify(self, value: Any, raw: Any) -> str:
        """A value embedded in a string: numbers print, lists and unknowns become symbols."""
        if isinstance(value, str):
            return "" if value == NOVALUE else value
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, (int, float)):
            return str(value)
        return self.unknown(raw, "non-string value in a string")

    def _join(self, arg: Any, raw: Any, depth: int) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return self.unknown(raw, "malformed Fn::Join")
        delim = self.eval(arg[0], depth + 1)
        items = self.eval(arg[1], depth + 1)
        if not isinstance(delim, str) or not isinstance(items, list):
            return self.unknown(raw, "Fn::Join over an unknown list")
        return delim.join(self.stringify(item, raw) for item in items)

    def _select(self, arg: Any, raw: Any, depth: int) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return self.unknown(raw, "malformed Fn::Select")
        index = self.eval(arg[0], depth + 1)
        items = self.eval(arg[1], depth + 1)
        if isinstance(index, str) and index.isdigit():
            index = int(index)
        if not isinstance(index, int) or not isinstance(items, list) or not 0 <= index < len(items):
            return self.unknown(raw, "Fn::Select from an unknown list")
        return items[index]

    def _split(self, arg: Any, raw: Any, depth: int) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            return self.unknown(raw, "malformed Fn::Split")
        delim = self.eval(arg[0], depth + 1)
        text = self.eval(arg[1], depth + 1)
        if isinstance(delim, str) and isinstance(text, str) and is_literal(text) and delim:
            return text.split(delim)
        return self.unknown(raw, "Fn::Split of an unknown string")

    def _if(self, arg: Any, raw: Any, depth: int) -> Any:
        if not isinstance(arg, list) or len(arg) != 3:
            return self.unknown(raw, "malformed Fn::If")
        first = self.eval(arg[1], depth + 1)
        second = self.eval(arg[2], depth + 1)
        if first == second:
            return first
        return self.unknown(raw, "Fn::If branches differ")

    def _find_in_map(self, arg: Any, raw: Any, depth: int) -> Any:
        if not isinstance(arg, list) or len(arg) < 3:
            return self.unknown(raw, "malformed Fn::FindInMap")
        name, top, second = (self.eval(a, depth + 1) for a in arg[:3])
        mapping = self.mappings.get(name) if isinstance(name, str) else None
        if not isinstance(mapping, dict) or not isinstance(second, str):
            return self.unknown(raw, "Fn::FindInMap with an unknown key")
        if isinstance(top, str) and top in mapping and isinstance(mapping[top], dict):
            if second in mapping[top]:
                return self.eval(mapping[top][second], depth + 1)
            return self.unknown(raw, "Fn::FindInMap key not found")
        if isinstance(top, str) and not is_literal(top):
            # Unknown top-level key (often the region): known if every entry agrees.
            values = [
                _json_key(entry.get(second)) for entry in mapping.values()
                if isinstance(entry, dict) and second in entry
            ]
            if values and len(set(values)) == 1 and len(values) == len(mapping):
                first_entry = next(iter(mapping.values()))
                return self.eval(first_entry[second], depth + 1)
        return self.unknown(raw, "Fn::FindInMap with an unknown key")

    def _cidr(self, arg: Any, raw: Any, depth: int) -> Any:
        if not isinstance(arg, list) or len(arg) != 3:
            return self.unknown(raw, "malformed Fn::Cidr")
        block, count, bits = (self.eval(a, depth + 1) for a in arg)
        if not (isinstance(block, str) and is_literal(block)):
            return self.unknown(raw, "Fn::Cidr of an unknown block")
        try:
            count, bits = int(count), int(bits)
            import ipaddress  # Fn::Cidr only

            network = ipaddress.ip_network(block, strict=False)
        except (TypeError, ValueError):
            return self.unknown(raw, "Fn::Cidr with unknown sizes")
        new_prefix = network.max_prefixlen - bits
        if not network.prefixlen <= new_prefix <= network.max_prefixlen or not 0 < count <= 256:
            return self.unknown(raw, "Fn::Cidr out of range")
        out = []
        for i, subnet in enumerate(network.subnets(new_prefix=new_prefix)):
            if i >= count:
                break
            out.append(str(subnet))
        return out

    def _import(self, arg: Any, raw: Any, depth: int) -> Any:
        name = self.eval(arg, depth + 1)
        key = name if isinstance(name, str) else _json_key(arg)
        return self.sym(("import", key), f"<imported {key}>")

    def _base64(self, arg: Any, raw: Any, depth: int) -> Any:
        return self.eval(arg, depth + 1)

    def _length(self, arg: Any, raw: Any, depth: int) -> Any:
        items = self.eval(arg, depth + 1)
        return len(items) if isinstance(items, list) else self.unknown(raw, "Fn::Length of an unknown list")

    def _to_json(self, arg: Any, raw: Any, depth: int) -> Any:
        value = self.eval(arg, depth + 1)
        text = json.dumps(value, separators=(",", ":"), default=str)
        return text


_FUNCTIONS: dict[str, Callable[[Resolver, Any, Any, int], Any]] = {
    "Fn::GetAtt": Resolver._getatt,
    "Fn::Sub": Resolver._sub,
    "Fn::Join": Resolver._join,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::If": Resolver._if,
    "Fn::FindInMap": Resolver._find_in_map,
    "Fn::Cidr": Resolver._cidr,
    "Fn::ImportValue": Resolver._import,
    "Fn::Base64": Resolver._base64,
    "Fn::Length": Resolver._length,
    "Fn::ToJsonString": Resolver._to_json,
}
