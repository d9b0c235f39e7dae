"""IAM policy documents to resolved ``Statement``s, and the policies SAM and AWS ship.

SAM policy templates are expanded from aws-sam-translator's own data file
(``samtranslator/policy_templates_data/policy_templates.json``), located without importing the
translator, so `check` stays fast and the expansions match what SAM deploys.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from lambdalint.model import Loc, Statement, is_literal
from lambdalint.parsers.intrinsics import NOVALUE, Resolver
from lambdalint.parsers.props import loc_of

# AWS managed policies that grant writes the recursion check cares about. Anything else a
# function attaches is either read-only for these services or unknown, and unknown never
# produces a finding.
AWS_MANAGED: dict[str, tuple[Statement, ...]] = {
    "AdministratorAccess": (Statement("Allow", ("*",), ("*",), origin="AdministratorAccess"),),
    "PowerUserAccess": (
        Statement("Allow", (), ("*",), not_actions=("iam:*", "organizations:*", "account:*"),
                  origin="PowerUserAccess"),
    ),
    "AmazonS3FullAccess": (Statement("Allow", ("s3:*", "s3-object-lambda:*"), ("*",), origin="AmazonS3FullAccess"),),
    "AmazonSQSFullAccess": (Statement("Allow", ("sqs:*",), ("*",), origin="AmazonSQSFullAccess"),),
    "AmazonSNSFullAccess": (Statement("Allow", ("sns:*",), ("*",), origin="AmazonSNSFullAccess"),),
    "AmazonDynamoDBFullAccess": (Statement("Allow", ("dynamodb:*",), ("*",), origin="AmazonDynamoDBFullAccess"),),
    "AmazonKinesisFullAccess": (Statement("Allow", ("kinesis:*",), ("*",), origin="AmazonKinesisFullAccess"),),
}

# Managed policies known to grant none of the writes above (so they do not make a function's
# permissions "unknown").
AWS_MANAGED_HARMLESS = {
    "AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole", "AWSXrayWriteOnlyAccess",
    "AWSXRayDaemonWriteAccess", "AWSLambdaSQSQueueExecutionRole", "AWSLambdaKinesisExecutionRole",
    "AWSLambdaDynamoDBExecutionRole", "CloudWatchLambdaInsightsExecutionRolePolicy",
    "AmazonS3ReadOnlyAccess", "AmazonDynamoDBReadOnlyAccess", "AmazonSQSReadOnlyAccess",
    "AmazonSNSReadOnlyAccess", "CloudWatchLogsFullAccess", "AWSLambdaExecute", "ReadOnlyAccess",
    "AWSLambdaMSKExecutionRole", "AWSLambdaENIManagementAccess",
}


def managed_policy(text: str) -> tuple[Statement, ...] | None:
    """Statements of an AWS managed policy by name or ARN; None when not known to be harmless."""
    name = text.rsplit("/", 1)[-1]
    if text.startswith("arn:") and ":iam::aws:policy/" not in text:
        return None
    if name in AWS_MANAGED:
        return AWS_MANAGED[name]
    if name in AWS_MANAGED_HARMLESS:
        return ()
    return None


@cache
def sam_policy_templates() -> dict[str, Any]:
    """aws-sam-translator's policy templates, read as data (the package is never imported)."""
    import importlib.util

    spec = importlib.util.find_spec("samtranslator")
    if spec is None or not spec.submodule_search_locations:
        return {}
    for location in spec.submodule_search_locations:
        path = Path(location) / "policy_templates_data" / "policy_templates.json"
        if path.is_file():
            data = json.loads(path.read_text(encoding="utf-8"))
            templates = data.get("Templates")
            return templates if isinstance(templates, dict) else {}
    return {}


def substitute(node: Any, values: dict[str, Any]) -> Any:
    """Replace ``{"Ref": Param}`` in a policy-template definition by the caller's value."""
    if isinstance(node, dict):
        if len(node) == 1 and "Ref" in node and isinstance(node["Ref"], str) and node["Ref"] in values:
            return values[node["Ref"]]
        return {k: substitute(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [substitute(v, values) for v in node]
    return node


# Policy template name -> (its definition, ``_substituter`` of it). Most functions of a large
# template call the same few policy templates, each with its own argument.
_SUBSTITUTERS: dict[str, tuple[Any, Any]] = {}


def expand(name: str, definition: Any, values: dict[str, Any]) -> Any:
    """``substitute(definition, values)`` for policy template ``name``, from a form compiled once
    per template: only the path down to each ``{"Ref": Param}`` is rebuilt per call, the parts
    without a parameter (the action lists, the ``Fn::Sub`` texts) are shared, never copied.
    Nothing downstream mutates a definition, so sharing them is safe."""
    entry = _SUBSTITUTERS.get(name)
    if entry is None or entry[0] is not definition:
        entry = _SUBSTITUTERS[name] = (definition, _substituter(definition))
    return definition if entry[1] is None else entry[1](values)


def _substituter(node: Any) -> Any:
    """A function of ``values`` equal to ``substitute(node, values)``; None when ``node`` holds no
    ``{"Ref": <name>}``, so it is its own substitution."""
    if isinstance(node, dict):
        if len(node) == 1 and "Ref" in node and isinstance(node["Ref"], str):
            param = node["Ref"]
            return lambda values: values.get(param, node)
        children = [(key, _substituter(value)) for key, value in node.items()]
        if all(child is None for _, child in children):
            return None
        return lambda values: {key: node[key] if child is None else child(values) for key, child in children}
    if isinstance(node, list):
        items = [_substituter(value) for value in node]
        if all(item is None for item in items):
            return None
        return lambda values: [node[i] if item is None else item(values) for i, item in enumerate(items)]
    return None


def statements_from_document(
    resolver: Resolver, file: str, doc: Any, pointer: tuple, header: Loc, origin: str
) -> tuple[list[Statement], bool]:
    """Resolve a policy document. Returns (statements, fully_known)."""
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except ValueError:
            return [], False
    if not isinstance(doc, dict):
        value = resolver.eval(doc)
        if not isinstance(value, dict):
            return [], False
        doc = value
    raw_statements = doc.get("Statement")
    if isinstance(raw_statements, dict):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list):
        value = resolver.eval(raw_statements)
        if isinstance(value, list):
            raw_statements = value
        elif isinstance(value, dict):
            raw_statements = [value]
        else:
            return [], False
    out: list[Statement] = []
    known = True
    owner = str(pointer[1]) if len(pointer) > 1 and pointer[0] == "Resources" else ""
    for index, raw in enumerate(raw_statements):
        loc = loc_of(file, raw_statements, index, (*pointer, "Statement"), header)
        stmt = statement(resolver, raw, loc, origin, owner)
        if stmt is None:
            known = False
            continue
        known = known and not stmt.unknown
        out.append(stmt)
    return out, known


def statement(resolver: Resolver, raw: Any, loc: Loc | None, origin: str, owner: str = "") -> Statement | None:
    value = resolver.eval(raw)
    if value == NOVALUE:
        return None
    return statement_from(value, loc, origin, owner)


def statement_from(value: Any, loc: Loc | None, origin: str, owner: str = "") -> Statement | None:
    """One IAM statement from its evaluated JSON form (symbols for unknown parts); shared by every
    input format, so a policy means the same in SAM, CloudFormation, Terraform and live input."""
    if not isinstance(value, dict):
        return None
    effect = value.get("Effect", "Allow")
    if not isinstance(effect, str) or effect not in ("Allow", "Deny"):
        return None
    actions, a_known = _strings(value.get("Action"))
    not_actions, na_known = _strings(value.get("NotAction"))
    resources, r_known = _strings(value.get("Resource"))
    not_resources, nr_known = _strings(value.get("NotResource"))
    return Statement(
        effect=effect,
        actions=actions,
        resources=resources,
        not_actions=not_actions,
        not_resources=not_resources,
        conditional=bool(value.get("Condition")),
        loc=loc,
        origin=origin,
        unknown=not (a_known and na_known and r_known and nr_known),
        owner=owner,
    )


def _strings(value: Any) -> tuple[tuple[str, ...], bool]:
    if value is None:
        return (), True
    if isinstance(value, str):
        return ((value,), True) if (is_literal(value) or len(value) > 1) else ((), False)
    if isinstance(value, list):
        items = tuple(v for v in value if isinstance(v, str) and v != NOVALUE)
        return items, len(items) == len(value)
    return (), False
