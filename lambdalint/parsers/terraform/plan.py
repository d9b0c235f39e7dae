"""Plan JSON (``terraform show -json plan.out``) to the model.

A plan is a format of its own: ``planned_values`` holds every value Terraform knows before apply
(variables, locals and functions already evaluated), ``resource_changes`` says which values are
only known after apply (``after_unknown``), and ``configuration`` keeps each argument's
expression as a constant or the references it reads. The plan is turned into the same module
instances the HCL reader builds (one block per resource; the instances of a ``count`` /
``for_each`` resource are one resource), so the same builder and rules run on it:

* a known planned value is used as it is;
* a value known only after apply whose configuration expression is one reference
  (``aws_sqs_queue.jobs.arn``) is evaluated like that reference in HCL (the queue's ARN is built
  from its name, so identities match); any other such value is unknown;
* a secret-named environment variable whose configuration reads a variable is "from a
  deploy-time parameter", as in HCL.

Locations point to the plan file's JSON lines. When the plan sits in the directory of its
``.tf`` source (where ``terraform show -json`` is run), the source is read instead, with the
plan's variable values, so findings point to the ``.tf`` lines the user edits.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lambdalint.model import Loc, Model
from lambdalint.parsers.terraform.hcl import Attr, Block, Body, JsonExpr, RefExpr
from lambdalint.parsers.terraform.modules import Instance, VarValue

_INDEX = re.compile(r"\[[^\]]*\]$")


def build_plan(path: Path, file: str, text: str, data: Any) -> Model:
    from lambdalint.parsers.terraform.modules import is_terraform_dir
    from lambdalint.parsers.terraform.resources import build

    variables = data.get("variables") if isinstance(data.get("variables"), dict) else {}
    source = path.parent
    if is_terraform_dir(source):
        return _from_source(source, file, variables)
    root = _instances(data, file, variables)
    return build(root, file, "plan")


def _from_source(directory: Path, file: str, variables: dict) -> Model:
    """The plan's ``.tf`` source with the plan's variable values: findings point to the source."""
    import os

    from lambdalint.parsers.terraform.modules import load_directory
    from lambdalint.parsers.terraform.resources import build

    shown = os.path.dirname(file) or "."
    root = load_directory(directory, shown)
    for name, entry in variables.items():
        if isinstance(entry, dict) and "value" in entry:
            root.values[str(name)] = VarValue(JsonExpr(_plain(entry["value"]), template=False), None,
                                              "plan variables")
    return build(root, file, "plan")


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _key_loc(file: str, parent: Any, key: Any, pointer: tuple = ()) -> Loc:
    positions = getattr(parent, "key_locs", None)
    if isinstance(positions, dict) and key in positions:
        line, col = positions[key]
        return Loc(file, line, col, line, col + len(str(key)) + 2, pointer)
    pos = getattr(parent, "pos", None)
    if pos:
        return Loc(file, pos[0], pos[1], pointer=pointer)
    return Loc(file, 1, 1, pointer=pointer)


def _instances(data: dict, file: str, variables: dict) -> Instance:
    root = Instance("", Path("."), file)
    for name, entry in variables.items():
        if isinstance(entry, dict) and "value" in entry:
            root.values[str(name)] = VarValue(JsonExpr(_plain(entry["value"]), template=False), None,
                                              "plan variables")
    by_module: dict[str, Instance] = {"": root}
    unknown = _after_unknown(data)
    config = _configuration(data)
    planned = data.get("planned_values")
    module = planned.get("root_module") if isinstance(planned, dict) else None
    stack = [module] if isinstance(module, dict) else []
    while stack:
        mod = stack.pop()
        for res in _items(mod.get("resources")):
            if not isinstance(res, dict):
                continue
            address = res.get("address")
            rtype, name = res.get("type"), res.get("name")
            if not (isinstance(address, str) and isinstance(rtype, str) and isinstance(name, str)):
                continue
            base = _INDEX.sub("", address)
            prefix = base[: len(base) - len(f"{rtype}.{name}")]
            if res.get("mode") == "data":
                prefix = prefix[: -len("data.")] if prefix.endswith("data.") else prefix
            inst = _instance(by_module, root, prefix)
            key = (rtype, name)
            table = inst.data if res.get("mode") == "data" else inst.resources
            if key in table:
                continue  # another instance of a count / for_each resource
            values = res.get("values") if isinstance(res.get("values"), dict) else {}
            header = _key_loc(file, res, "address", (base,))
            body = _body(values, file, (base,), unknown.get(address) or unknown.get(base),
                         config.get(_INDEX.sub("", base)), variables, header)
            table[key] = Block("resource" if table is inst.resources else "data", (rtype, name), body, header)
        stack.extend(c for c in _items(mod.get("child_modules")) if isinstance(c, dict))
    # Module outputs (read through ``module.x.out`` references) come from the configuration.
    config_root = data.get("configuration", {}).get("root_module") if isinstance(data.get("configuration"), dict) \
        else None
    calls: list[tuple[str, Any]] = [("", config_root)] if isinstance(config_root, dict) else []
    while calls:
        prefix, mod = calls.pop()
        inst = _instance(by_module, root, prefix)
        outputs = mod.get("outputs")
        for name, output in outputs.items() if isinstance(outputs, dict) else ():
            expr = output.get("expression") if isinstance(output, dict) else None
            if isinstance(expr, dict):
                value: Any = JsonExpr(_plain(expr["constant_value"]), template=False) if "constant_value" in expr \
                    else RefExpr(_reference(expr) or "", f"{prefix}output.{name}")
                inst.outputs[str(name)] = Attr(str(name), value, Loc(file, 1, 1))
        module_calls = mod.get("module_calls")
        for name, call in module_calls.items() if isinstance(module_calls, dict) else ():
            if isinstance(call, dict) and isinstance(call.get("module"), dict):
                calls.append((f"{prefix}module.{name}.", call["module"]))
    # Data sources read only at apply (policy documents over new ARNs) exist in the configuration.
    for base, (expressions, mode) in config.items():
        if mode != "data":
            continue
        m = re.match(r"^(.*?)data\.([a-z0-9_]+)\.([^.]+)$", base)
        if m is None:
            continue
        prefix, rtype, name = m.groups()
        inst = _instance(by_module, root, prefix)
        if (rtype, name) not in inst.data:
            inst.data[(rtype, name)] = Block("data", (rtype, name), _config_body(expressions, file, (base,)),
                                             Loc(file, 1, 1, pointer=(base,)))
    return root


def _instance(by_module: dict[str, Instance], root: Instance, prefix: str) -> Instance:
    """The instance of a module address prefix ("module.orders."), creating the chain."""
    if prefix in by_module:
        return by_module[prefix]
    parts = [p for p in re.split(r"(?<=\.)(?=module\.)", prefix) if p]
    parent = root
    current = ""
    for part in parts:
        current += part
        if current not in by_module:
            name = _INDEX.sub("", part[len("module."):].rstrip("."))
            child = Instance(current, root.dir, root.display, parent=parent)
            parent.children[name] = child
            by_module[current] = child
        parent = by_module[current]
    return parent


def _items(value: Any) -> list:
    """A plan list, or nothing: ``x or []`` iterated a number written there (a crash)."""
    return value if isinstance(value, list) else []


def _after_unknown(data: dict) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for change in _items(data.get("resource_changes")):
        if isinstance(change, dict) and isinstance(change.get("address"), str):
            detail = change.get("change")
            if isinstance(detail, dict) and isinstance(detail.get("after_unknown"), dict):
                out[change["address"]] = detail["after_unknown"]
    return out


def _configuration(data: dict) -> dict[str, tuple[dict, str]]:
    """Configuration expressions by resource address (module prefix + type.name), with mode."""
    out: dict[str, tuple[dict, str]] = {}
    config = data.get("configuration")
    root = config.get("root_module") if isinstance(config, dict) else None
    stack: list[tuple[str, Any]] = [("", root)] if isinstance(root, dict) else []
    while stack:
        prefix, mod = stack.pop()
        for res in _items(mod.get("resources")):
            if isinstance(res, dict) and isinstance(res.get("address"), str):
                expressions = res.get("expressions") if isinstance(res.get("expressions"), dict) else {}
                out[prefix + res["address"]] = (expressions, str(res.get("mode", "managed")))
        calls = mod.get("module_calls")
        for name, call in calls.items() if isinstance(calls, dict) else ():
            if isinstance(call, dict) and isinstance(call.get("module"), dict):
                stack.append((f"{prefix}module.{name}.", call["module"]))
    return out


def _reference(expr: Any) -> str | None:
    """The one reference an expression reads (``aws_sqs_queue.q.arn``), if it reads exactly one."""
    longest = _leaf_references(expr)
    return longest[0] if len(longest) == 1 else None


def _uses(expr: Any) -> frozenset[str]:
    refs = expr.get("references") if isinstance(expr, dict) else None
    if not isinstance(refs, list):
        return frozenset()
    return frozenset(r.split(".", 2)[1] for r in refs if isinstance(r, str) and r.startswith("var."))


def _body(values: Any, file: str, pointer: tuple, unknown: Any, config: Any, variables: dict,
          here: Loc | None = None) -> Body:
    """Attributes and nested blocks of planned ``values``; ``here`` locates values the plan omits
    because they are known only after apply (the block that holds them)."""
    body = Body()
    expressions = config[0] if isinstance(config, tuple) else (config if isinstance(config, dict) else {})
    unknown = unknown if isinstance(unknown, dict) else {}
    for key, value in values.items():
        key = str(key)
        if _all_unknown(unknown.get(key)):
            continue  # known only after apply: below
        if value is None or (isinstance(value, list) and not value):
            continue
        loc = _key_loc(file, values, key, (*pointer, key))
        expr = expressions.get(key)
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            sub_unknown = unknown.get(key) if isinstance(unknown.get(key), list) else []
            sub_config = expr if isinstance(expr, list) else []
            for index, item in enumerate(value):
                body.blocks.append(Block(key, (), _body(
                    item, file, (*pointer, key, index),
                    sub_unknown[index] if index < len(sub_unknown) else None,
                    sub_config[index] if index < len(sub_config) else None, variables, loc), loc))
            continue
        plain = _plain(value)
        uses = _uses(expr)
        marks = None
        key_locs = None
        if isinstance(plain, dict):
            marks = {}
            for k, v in plain.items():
                marks[k] = frozenset(u for u in uses if _var_value(variables, u) == v)
            key_locs = {k: _key_loc(file, value, k, (*pointer, key, k)) for k in plain}
            uses = frozenset()
        elif uses:
            uses = frozenset(u for u in uses if _var_value(variables, u) == plain)
        body.attrs[key] = Attr(key, JsonExpr(plain, template=False, uses=uses, marks=marks, key_locs=key_locs), loc)
    # Values known only after apply: a single reference is evaluated like HCL; else unknown.
    for key, flag in unknown.items():
        if not _all_unknown(flag) or key in body.attrs:
            continue
        expr = expressions.get(key)
        if expr is None:
            continue  # computed by AWS (arn, id): the builder derives it from the name
        where = ".".join(map(str, (*pointer, key)))
        loc = Loc(here.file, here.line, here.col, pointer=(*pointer, key)) if here else Loc(file, 1, 1)
        if key in values:
            loc = _key_loc(file, values, key, (*pointer, key))
        leaves = _leaf_references(expr)
        if isinstance(flag, list) and len(leaves) == len(flag):
            body.attrs[key] = Attr(key, RefExpr("", where, tuple(leaves)), loc)
        else:
            body.attrs[key] = Attr(key, RefExpr(_reference(expr) or "", where), loc)
    return body


def _all_unknown(flag: Any) -> bool:
    """``after_unknown`` says the whole value (or every item of a list) is known only after apply."""
    return flag is True or (isinstance(flag, list) and bool(flag) and all(f is True for f in flag))


def _leaf_references(expr: Any) -> list[str]:
    refs = expr.get("references") if isinstance(expr, dict) else None
    if not isinstance(refs, list):
        return []
    refs = [r for r in refs if isinstance(r, str)]
    return [r for r in refs if not any(o != r and o.startswith(r + ".") for o in refs)]


def _var_value(variables: dict, name: str) -> Any:
    entry = variables.get(name)
    return _plain(entry.get("value")) if isinstance(entry, dict) else None


def _config_body(expressions: Any, file: str, pointer: tuple) -> Body:
    """A block from configuration expressions only (a data source read at apply time)."""
    body = Body()
    if not isinstance(expressions, dict):
        return body
    for key, expr in expressions.items():
        loc = _key_loc(file, expressions, key, (*pointer, key))
        if isinstance(expr, list):
            for index, item in enumerate(expr):
                body.blocks.append(Block(str(key), (), _config_body(item, file, (*pointer, key, index)), loc))
            continue
        if isinstance(expr, dict) and "constant_value" in expr:
            body.attrs[str(key)] = Attr(str(key), JsonExpr(_plain(expr["constant_value"]), template=False), loc)
        elif isinstance(expr, dict):
            body.attrs[str(key)] = Attr(str(key), RefExpr(_reference(expr) or "", ".".join(map(str, (*pointer, key)))),
                                        loc)
    return body
