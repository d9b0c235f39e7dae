"""HCL expressions to symbolic values.

The result of an evaluation is a plain value (str, int, float, bool, None, list, dict) in which
whatever cannot be known before apply is a *symbol* (see ``lambdalint.model``), allocated through
the same ``Symbols`` class the CloudFormation resolver uses. A symbol's key is what makes it
unique: ``var.bucket`` without a value is the same character everywhere in the unit, and a
function applied to unknown arguments is keyed by the function and its (symbolic) arguments, so
``lower(var.env)`` in two places is still one name.

``trail`` collects where variable values came from ("variable db_timeout default",
"terraform.tfvars") for messages; ``vars_used`` and ``refs_used`` say what an expression read, for
environment-value classification.
"""

from __future__ import annotations

import ipaddress
import json
import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambdalint.model import is_literal
from lambdalint.parsers.intrinsics import Symbols
from lambdalint.parsers.terraform.hcl import JsonExpr, RefExpr, TSExpr, template_expr, unescape

if TYPE_CHECKING:
    from lambdalint.parsers.terraform.modules import Instance

MAX_DEPTH = 96


class DocText(str):
    """The ``json`` of a ``data "aws_iam_policy_document"``: JSON text that also carries the
    data source's address, so statements can be located at their ``statement`` blocks."""

    __slots__ = ("address", "inst")

    address: str
    inst: Any


def _key(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        return repr(value)


def has_symbol(value: Any) -> bool:
    """True when any string inside ``value`` contains an unknown part."""
    if isinstance(value, str):
        return not is_literal(value)
    if isinstance(value, list):
        return any(has_symbol(v) for v in value)
    if isinstance(value, dict):
        return any(has_symbol(k) or has_symbol(v) for k, v in value.items())
    return False


def stringify(value: Any) -> str | None:
    """A value inside a template: strings, numbers and bools print; anything else is None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return None


class Evaluator:
    """Evaluates expressions of module instances of one unit; ``world`` resolves resource,
    data-source and module references (``lambdalint.parsers.terraform.resources.World``)."""

    def __init__(self, symbols: Symbols, world: Any) -> None:
        self.symbols = symbols
        self.world = world
        self.trail: list[str] = []
        self.vars_used: set[str] = set()
        self.refs_used: set[str] = set()  # "aws_secretsmanager_secret", "data.aws_ssm_parameter.value", ...
        self._locals: dict[tuple[int, str], Any] = {}
        self._vars: dict[tuple[int, str], tuple[Any, list[str]]] = {}
        self._busy: set[Any] = set()

    # -- symbols -------------------------------------------------------------------------------
    def sym(self, key: Any, description: str) -> str:
        return self.symbols.get(key, description)

    def unknown(self, cause: str, key: Any, description: str) -> str:
        """A symbol; ``cause`` is the first element of its key (counted in the corpus report)."""
        return self.symbols.get((cause, *key) if isinstance(key, tuple) else (cause, key), description)

    # -- entry points ---------------------------------------------------------------------------
    def evaluate(self, expr: Any, inst: Instance, env: dict[str, Any] | None = None) -> tuple[Any, list[str]]:
        """Evaluate and return (value, provenance notes of the variables it used)."""
        self.trail = []
        self.vars_used = set()
        self.refs_used = set()
        value = self.eval(expr, inst, env or {})
        return value, list(dict.fromkeys(self.trail))

    def eval(self, expr: Any, inst: Instance, env: dict[str, Any], depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            return self.unknown("deep", id(expr), "<expression too deep>")
        if isinstance(expr, TSExpr):
            return self.node(expr.node, expr, inst, env, depth)
        if isinstance(expr, JsonExpr):
            if expr.uses:
                self.vars_used |= expr.uses
                self.trail.extend(f"variable {name}" for name in sorted(expr.uses))
            return self.json_value(expr.value, expr.template, inst, env, depth)
        if isinstance(expr, RefExpr):
            if expr.refs:
                return [self.reference_text(ref, inst, env, depth) for ref in expr.refs]
            if not expr.ref:
                return self.unknown("plan-unknown", expr.key, "<known after apply: " + expr.key + ">")
            return self.reference_text(expr.ref, inst, env, depth)
        return expr

    def json_value(self, value: Any, template: bool, inst: Instance, env: dict[str, Any], depth: int) -> Any:
        if isinstance(value, str):
            if template and ("${" in value or "%{" in value):
                parsed = template_expr(value, inst.display)
                if parsed is None:
                    return self.unknown("syntax", value, "<unparsable template>")
                return self.node(parsed.node, parsed, inst, env, depth + 1)
            return value
        if isinstance(value, list):
            return [self.json_value(v, template, inst, env, depth + 1) for v in value]
        if isinstance(value, dict):
            return {k: self.json_value(v, template, inst, env, depth + 1) for k, v in value.items()}
        return value

    # -- syntax tree -----------------------------------------------------------------------------
    def node(self, node: Any, ctx: TSExpr, inst: Instance, env: dict[str, Any], depth: int) -> Any:
        if depth > MAX_DEPTH:
            return self.unknown("deep", (ctx.src.file, node.start_byte), "<expression too deep>")
        kind = node.type
        if kind == "expression":
            return self.expression(node, ctx, inst, env, depth)
        handler = _NODES.get(kind)
        if handler is None:
            return self.unknown("syntax", (ctx.src.file, node.start_byte), f"<{kind}>")
        return handler(self, node, ctx, inst, env, depth)

    def expression(self, node: Any, ctx: TSExpr, inst: Instance, env: dict[str, Any], depth: int) -> Any:
        children = node.named_children
        if not children:
            return None
        first = children[0]
        if first.type == "variable_expr":
            return self.traversal(first, children[1:], ctx, inst, env, depth)
        value = self.node(first, ctx, inst, env, depth + 1)
        for step in children[1:]:
            value = self.step(value, step, ctx, inst, env, depth)
        return value

    def traversal(self, root: Any, steps: list[Any], ctx: TSExpr, inst: Instance, env: dict[str, Any],
                  depth: int) -> Any:
        """``name.attr[index]...``: split into the reference and the steps applied to its value."""
        name = root.text.decode("utf-8", "replace")
        parts: list[str] = [name]
        rest = list(steps)
        if name in env:
            value = env[name]
            for step in rest:
                value = self.step(value, step, ctx, inst, env, depth)
            return value
        # Consume the static part of the reference: attribute names and literal indexes.
        want = _REF_PARTS.get(name, 2)
        while rest and len(parts) < want + 1:
            step = rest[0]
            if step.type == "get_attr":
                parts.append(_attr_name(step))
                rest.pop(0)
            elif step.type in ("index", "splat") and name not in ("var", "local", "each", "count", "path"):
                # aws_x.y[0] / aws_x.y["k"] / aws_x.y[*].arn: instances of a count/for_each
                # resource are the one resource; a splat makes a one-item list.
                rest.pop(0)
                if step.type == "splat":
                    inner = list(step.named_children[0].named_children) if step.named_children else []
                    if inner and inner[0].type == "get_attr" and len(parts) < want + 1:
                        parts.append(_attr_name(inner.pop(0)))
                    value = self.reference(parts, inst, env, depth)
                    for s in inner:
                        value = self.step(value, s, ctx, inst, env, depth)
                    out: Any = [value]
                    for s in rest:
                        out = self.step(out, s, ctx, inst, env, depth)
                    return out
            else:
                break
        value = self.reference(parts, inst, env, depth)
        for step in rest:
            value = self.step(value, step, ctx, inst, env, depth)
        return value

    def reference_text(self, ref: str, inst: Instance, env: dict[str, Any], depth: int) -> Any:
        """A reference written as text (plan ``references``): ``aws_sqs_queue.q.arn``."""
        parts = [p for p in re.split(r"\.|\[[^\]]*\]", ref) if p]
        return self.reference(parts, inst, env, depth)

    def reference(self, parts: list[str], inst: Instance, env: dict[str, Any], depth: int) -> Any:
        head = parts[0]
        if head == "var" and len(parts) > 1:
            return self.variable(inst, parts[1], depth)
        if head == "local" and len(parts) > 1:
            return self.local(inst, parts[1], depth)
        if head == "each" and len(parts) > 1:
            owner = env.get("\x00self", "")
            return self.unknown("instance", (inst.prefix, owner, "each." + parts[1]), f"${{each.{parts[1]}}}")
        if head == "count":
            owner = env.get("\x00self", "")
            return self.unknown("instance", (inst.prefix, owner, "count.index"), "${count.index}")
        if head == "path":
            what = parts[1] if len(parts) > 1 else ""
            return inst.path_module if what == "module" else inst.path_root if what == "root" else "."
        if head == "terraform" and len(parts) > 1 and parts[1] == "workspace":
            return self.unknown("workspace", "terraform.workspace", "${terraform.workspace}")
        if head == "module" and len(parts) > 2:
            return self.world.module_output(self, inst, parts[1], parts[2], depth)
        if head == "data" and len(parts) > 3:
            self.refs_used.add(f"data.{parts[1]}.{parts[3]}")
            return self.world.data_attr(self, inst, parts[1], parts[2], parts[3], depth)
        if head == "self":
            return self.unknown("self", (inst.prefix, env.get("\x00self", ""), *parts[1:]), "${self}")
        if len(parts) >= 3:
            self.refs_used.add(head)
            self.refs_used.add(f"{head}.{parts[2]}")
            return self.world.resource_attr(self, inst, head, parts[1], parts[2], depth)
        if len(parts) == 2:
            self.refs_used.add(head)
            return self.unknown("reference", (inst.prefix, *parts), "${" + ".".join(parts) + "}")
        return self.unknown("reference", (inst.prefix, *parts), "${" + ".".join(parts) + "}")

    # -- variables and locals ---------------------------------------------------------------------
    def variable(self, inst: Instance, name: str, depth: int) -> Any:
        self.vars_used.add(name)
        key = (id(inst), name)
        busy = ("var", id(inst), name)
        cached = self._vars.get(key)
        if cached is not None:
            value, trail = cached
            self.trail.extend(trail)
            return value
        if busy in self._busy:
            return self.unknown("cycle", (inst.prefix, "var", name), f"${{var.{name}}}")
        source = inst.values.get(name)
        desc = f"${{{inst.prefix}var.{name}}}"
        if source is None:
            value: Any = self.unknown("variable", (inst.prefix, name), desc)
            trail: list[str] = []
        else:
            self._busy.add(busy)
            saved, self.trail = self.trail, []
            saved_vars, saved_refs = self.vars_used, self.refs_used
            try:
                value = self.eval(source.expr, source.inst or inst, {}, depth + 1)
            finally:
                self._busy.discard(busy)
                trail, self.trail = self.trail, saved
                self.vars_used = saved_vars | self.vars_used
                self.refs_used = saved_refs | self.refs_used
            if source.via:
                trail = [source.via]
        self._vars[key] = (value, trail)
        self.trail.extend(trail)
        return value

    def local(self, inst: Instance, name: str, depth: int) -> Any:
        key = (id(inst), name)
        if key in self._locals:
            value, trail, used = self._locals[key]
            self.trail.extend(trail)
            self.vars_used |= used
            return value
        attr = inst.locals.get(name)
        busy = ("local", id(inst), name)
        if attr is None or busy in self._busy:
            return self.unknown("local", (inst.prefix, name), f"${{local.{name}}}")
        self._busy.add(busy)
        saved, saved_vars = self.trail, self.vars_used
        self.trail, self.vars_used = [], set()
        try:
            value = self.eval(attr.expr, inst, {}, depth + 1)
        finally:
            self._busy.discard(busy)
            trail, used = self.trail, self.vars_used
            self.trail, self.vars_used = saved, saved_vars | used
        self._locals[key] = (value, trail, used)
        self.trail.extend(trail)
        return value

    # -- steps: .attr [index] [*] .* ---------------------------------------------------------------
    def step(self, value: Any, step: Any, ctx: TSExpr, inst: Instance, env: dict[str, Any], depth: int) -> Any:
        kind = step.type
        if kind == "get_attr":
            return self.get(value, _attr_name(step))
        if kind == "index":
            inner = step.named_children[0] if step.named_children else None
            if inner is None:
                return self.unknown("syntax", (ctx.src.file, step.start_byte), "<index>")
            if inner.type == "legacy_index":
                text = inner.text.decode("utf-8", "replace").lstrip(".")
                return self.get(value, int(text) if text.isdigit() else text)
            exprs = [c for c in inner.named_children if c.type == "expression"]
            key = self.node(exprs[0], ctx, inst, env, depth + 1) if exprs else None
            return self.get(value, key)
        if kind == "splat":
            inner = step.named_children[0] if step.named_children else None
            steps = list(inner.named_children) if inner is not None else []
            if isinstance(value, str) and not is_literal(value):
                return self.derived(value, "[*]")
            items = value if isinstance(value, list) else ([] if value is None else [value])
            out = []
            for item in items:
                for s in steps:
                    item = self.step(item, s, ctx, inst, env, depth)
                out.append(item)
            return out
        return self.unknown("syntax", (ctx.src.file, step.start_byte), f"<{kind}>")

    def get(self, value: Any, key: Any) -> Any:
        if isinstance(value, dict):
            if isinstance(key, (int, float)) and not isinstance(key, bool):
                key = str(int(key))
            if isinstance(key, str) and key in value:
                return value[key]
            if isinstance(key, str) and is_literal(key) and not has_symbol(list(value)):
                return self.unknown("missing", (_key(value)[:200], key), f"<no key {key}>")
            return self.unknown("lookup", (_key(value), _key(key)), "<lookup>")
        if isinstance(value, list):
            if isinstance(key, str) and key.isdigit():
                key = int(key)
            if isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(value):
                return value[key]
            return self.unknown("lookup", (_key(value), _key(key)), "<index>")
        if isinstance(value, str) and not is_literal(value):
            return self.derived(value, key)
        return self.unknown("lookup", (_key(value), _key(key)), "<attribute of a value>")

    def derived(self, value: str, key: Any) -> str:
        """``unknown.attr``: a new symbol that is the same for the same unknown and key."""
        base = self.symbols.describe.get(value, "?") if len(value) == 1 else "<value>"
        desc = base[:-1] + f".{key}}}" if base.startswith("${") and base.endswith("}") else f"{base}.{key}"
        return self.unknown("derived", (value, _key(key)), desc)

    # -- functions ---------------------------------------------------------------------------------
    def call(self, name: str, args: list[Any], raw_key: Any) -> Any:
        handler = FUNCTIONS.get(name)
        if handler is None:
            return self.unknown("function", (name, _key(args)), f"<{name}(...)>")
        try:
            result = handler(self, args)
        except _Unknown:
            result = None
            return self.unknown("function", (name, _key(args)), f"<{name}(...)>")
        except (TypeError, ValueError, IndexError, KeyError, AttributeError, OverflowError, ZeroDivisionError,
                RecursionError):
            return self.unknown("function", (name, _key(args)), f"<{name}(...)>")
        return result


class _Unknown(Exception):
    """Raised by a function that cannot be evaluated on symbolic arguments."""


def _attr_name(step: Any) -> str:
    for child in step.named_children:
        if child.type == "identifier":
            return child.text.decode("utf-8", "replace")
    return step.text.decode("utf-8", "replace").lstrip(".")


# How many parts a reference's static head has (``var.x``: 2; ``aws_x.y.attr``: 3).
_REF_PARTS = {"var": 1, "local": 1, "each": 1, "count": 1, "path": 1, "terraform": 1, "self": 1,
              "module": 2, "data": 3}


# -- node handlers -------------------------------------------------------------------------------

def _literal_value(ev: Evaluator, node: Any, ctx: TSExpr, inst: Any, env: dict, depth: int) -> Any:
    child = node.named_children[0] if node.named_children else None
    if child is None:
        return None
    kind = child.type
    if kind == "numeric_lit":  # the source text: hcl parses ``1e3`` as ``100`` (same length)
        text = ctx.src.data[child.start_byte:child.end_byte].decode("utf-8", "replace")
        try:
            number = float(text)
        except ValueError:
            return ev.unknown("syntax", (ctx.src.file, node.start_byte), "<number>")
        return int(number) if number.is_integer() else number
    if kind == "bool_lit":
        return child.text.decode() == "true"
    if kind == "null_lit":
        return None
    if kind == "string_lit":
        return _quoted(ev, child, ctx, inst, env, depth)
    return ev.unknown("syntax", (ctx.src.file, node.start_byte), f"<{kind}>")


def _quoted(ev: Evaluator, node: Any, ctx: TSExpr, inst: Any, env: dict, depth: int) -> Any:
    """A quoted string or template: literal runs are taken from the source bytes (escapes applied)."""
    data = ctx.src.data
    parts: list[Any] = []
    pos = node.start_byte + 1
    end = node.end_byte - 1
    for child in node.named_children:
        kind = child.type
        if kind in ("quoted_template_start", "quoted_template_end", "template_literal"):
            continue
        if child.start_byte > pos:
            parts.append(unescape(data[pos:child.start_byte].decode("utf-8", "replace")))
        parts.append(_template_part(ev, child, ctx, inst, env, depth))
        pos = child.end_byte
    if end > pos:
        parts.append(unescape(data[pos:end].decode("utf-8", "replace")))
    return _join_parts(ev, parts, (ctx.src.file, node.start_byte))


def _template_part(ev: Evaluator, child: Any, ctx: TSExpr, inst: Any, env: dict, depth: int) -> Any:
    if child.type == "template_interpolation":
        exprs = [c for c in child.named_children if c.type == "expression"]
        if not exprs:
            return ""
        return ev.node(exprs[0], ctx, inst, env, depth + 1)
    if child.type == "template_directive":
        return _directive(ev, child, ctx, inst, env, depth)
    return ev.unknown("syntax", (ctx.src.file, child.start_byte), f"<{child.type}>")


def _directive(ev: Evaluator, node: Any, ctx: TSExpr, inst: Any, env: dict, depth: int) -> Any:
    return ev.unknown("template-directive", (ctx.src.file, node.start_byte), "<%{ } directive>")


def _join_parts(ev: Evaluator, parts: list[Any], where: Any) -> Any:
    if len(parts) == 1 and not isinstance(parts[0], str):
        # "${x}" alone keeps x's type (Terraform unwraps a single interpolation).
        return parts[0]
    out = []
    for part in parts:
        text = stringify(part)
        if text is None:
            if part is None:
                return ev.unknown("null-in-template", where, "<null in a template>")
            text = ev.unknown("template", (where, _key(part)), "<non-string value in a template>")
        out.append(text)
    return "".join(out)


def _template_expr(ev: Evaluator, node: Any, ctx: TSExpr, inst: Any, env: dict, depth: int) -> Any:
    inner = node.named_children[0] if node.named_children else None
    if inner is None:
        return ""
    if inner.type == "quoted_template":
        return _quoted(ev, inner, ctx, inst, env, depth)
    if inner.type == "heredoc_template":
        return _heredoc(ev, inner, ctx, inst, env, depth)
    return ev.unknown("syntax", (ctx.src.file, node.start_byte), f"<{inner.type}>")


def _heredoc(ev: Evaluator, node: Any, ctx: TSExpr, inst: Any, env: dict, depth: int) -> Any:
    data = ctx.src.data
    children = node.named_children
    idents = [c for c in children if c.type == "heredoc_identifier"]
    start = next((c for c in children if c.type == "heredoc_start"), None)
    strip = start is not None and start.text.decode().startswith("<<-")
    if not idents:
        return ev.unknown("syntax", (ctx.src.file, node.start_byte), "<heredoc>")
    open_end = idents[0].end_byte
    body_start = data.find(b"\n", open_end)
    body_start = open_end if body_start == -1 else body_start + 1
    if len(idents) > 1:
        close = idents[-1].start_byte
        body_end = data.rfind(b"\n", body_start, close)
        body_end = body_start if body_end == -1 else body_end + 1
    else:
        body_end = node.end_byte
    pieces: list[Any] = []
    pos = body_start
    for child in children:
        if child.type not in ("template_interpolation", "template_directive") or child.start_byte < body_start:
            continue
        if child.start_byte > pos:
            pieces.append(data[pos:child.start_byte].decode("utf-8", "replace"))
        pieces.append(_template_part(ev, child, ctx, inst, env, depth))
        pos = child.end_byte
    if body_end > pos:
        pieces.append(data[pos:body_end].decode("utf-8", "replace"))
    texts = [p.replace("$${", "${").replace("%%{", "%{") if isinstance(p, str) else p for p in pieces]
    if strip:
        texts = _dedent(texts)
    return _join_parts(ev, texts if texts else [""], (ctx.src.file, node.start_byte))


def _dedent(pieces: list[Any]) -> list[Any]:
    """``<<-`` removes the smallest indentation of the lines from every line."""
    marker = "\U0010fffe"
    literal = "".join(p if isinstance(p, str) else marker for p in pieces)
    lines = literal.split("\n")
    indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip(" \t")]
    cut = min(indents) if indents else 0
    stripped = "\n".join(line[cut:] if line[:cut].strip(" \t") == "" else line.lstrip(" \t") for line in lines)
    values = [p for p in pieces if not isinstance(p, str)]
    out: list[Any] = []
    for i, chunk in enumerate(stripped.split(marker)):
        if chunk:
            out.append(chunk)
        if i < len(values):
            out.append(values[i])
    return out


def _collection(ev: Evaluator, node: Any, ctx: TSExpr, inst: Any, env: dict, depth: int) -> Any:
    inner = node.named_children[0] if node.named_children else None
    if inner is None:
        return None
    if inner.type == "tuple":
        return [ev.node(c, ctx, inst, env, depth + 1) for c in inner.named_children if c.type == "expression"]
    if inner.type == "object":
        out: dict[str, Any] = {}
        for elem in inner.named_children:
            if elem.type != "object_elem":
                continue
            exprs = [c for c in elem.named_children if c.type == "expression"]
            if len(exprs) != 2:
                continue
            key_node = exprs[0]
            key = _object_key(ev, key_node, ctx, inst, env, depth)
            text = stringify(key)
            if text is None:
                text = ev.unknown("object-key", (ctx.src.file, key_node.start_byte), "<computed key>")
            out[text] = ev.node(exprs[1], ctx, inst, env, depth + 1)
        return out
    return ev.unknown("syntax", (ctx.src.file, node.start_byte), f"<{inner.type}>")


def _object_key(ev: Evaluator, node: Any, ctx: TSExpr, inst: Any, env: dict, depth: int) -> Any:
    """A bare identifier key is its name; ``(expr)`` and quoted keys are evaluated."""
    children = node.named_children
    if len(children) == 1 and children[0].type == "variable_expr":
        return children[0].text.decode("utf-8", "replace")
    return ev.node(node, ctx, inst, env, depth + 1)


def _function_call(ev: Evaluator, node: Any, ctx: TSExpr, inst: Any, env: dict, depth: int) -> Any:
    ident = node.named_children[0] if node.named_children else None
    name = ident.text.decode("utf-8", "replace") if ident is not None else ""
    args_node = next((c for c in node.named_children if c.type == "function_arguments"), None)
    arg_nodes = [c for c in args_node.named_children if c.type == "expression"] if args_node is not None else []
    expand = args_node is not None and any(c.type == "ellipsis" for c in args_node.named_children)
    if name in ("try", "can"):
        return _try(ev, name, arg_nodes, ctx, inst, env, depth)
    args = [ev.node(a, ctx, inst, env, depth + 1) for a in arg_nodes]
    if expand and args:
        last = args.pop()
        if not isinstance(last, list):
            return ev.unknown("function", (name, _key(args), _key(last)), f"<{name}(...)>")
        args.extend(last)
    return ev.call(name, args, (ctx.src.file, node.start_byte))


def _try(ev: Evaluator, name: str, arg_nodes: list, ctx: TSExpr, inst: Any, env: dict, depth: int) -> Any:
    values = [ev.node(a, ctx, inst, env, depth + 1) for a in arg_nodes]
    if name == "can":
        return True if values and not has_symbol(values[0]) else ev.unknown("function", ("can", _key(values)),
                                                                              "<can(...)>")
    for value in values:
        if not has_symbol(value):
            return value
    if values and all(_key(v) == _key(values[0]) for v in values):
        return values[0]
    return ev.unknown("function", ("try", _key(values)), "<try(...)>")


def _conditional(ev: Evaluator, node: Any, ctx: TSExpr, inst: Any, env: dict, depth: int) -> Any:
    exprs = [c for c in node.named_children if c.type == "expression"]
    if len(exprs) != 3:
        return ev.unknown("syntax", (ctx.src.file, node.start_byte), "<conditional>")
    cond = ev.node(exprs[0], ctx, inst, env, depth + 1)
    truth = _truth(cond)
    if truth is True:
        return ev.node(exprs[1], ctx, inst, env, depth + 1)
    if truth is False:
        return ev.node(exprs[2], ctx, inst, env, depth + 1)
    first = ev.node(exprs[1], ctx, inst, env, depth + 1)
    second = ev.node(exprs[2], ctx, inst, env, depth + 1)
    if _key(first) == _key(second):
        return first
    return ev.unknown("conditional", (_key(cond), _key(first), _key(second)), "<condition not known>")


def _truth(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    return None


def _operands(inner: Any) -> tuple[str, list[list[Any]]]:
    """The operator and the operand node sequences of a unary or binary operation.

    An operand is not always one node: ``count.index + 1`` gives ``variable_expr``, ``get_attr``,
    ``+``, ``literal_value``; the anonymous operator token separates the operands.
    """
    op = ""
    groups: list[list[Any]] = [[]]
    for child in inner.children:
        if child.is_named:
            if child.type != "comment":
                groups[-1].append(child)
        elif not op and child.type not in ("(", ")"):
            op = child.type
            if groups[-1]:
                groups.append([])
    return op, [g for g in groups if g]


def _sequence(ev: Evaluator, nodes: list[Any], ctx: TSExpr, inst: Any, env: dict, depth: int) -> Any:
    """Evaluate a node sequence the way ``expression`` does (a head and its traversal steps)."""
    first = nodes[0]
    if first.type == "variable_expr":
        return ev.traversal(first, nodes[1:], ctx, inst, env, depth)
    value = ev.node(first, ctx, inst, env, depth + 1)
    for step in nodes[1:]:
        value = ev.step(value, step, ctx, inst, env, depth)
    return value


def _operation(ev: Evaluator, node: Any, ctx: TSExpr, inst: Any, env: dict, depth: int) -> Any:
    inner = node.named_children[0] if node.named_children else None
    if inner is None:
        return None
    op, groups = _operands(inner)
    values = [_sequence(ev, g, ctx, inst, env, depth + 1) for g in groups]
    if inner.type == "unary_operation" and len(values) == 1:
        (value,) = values
        if op == "!" and isinstance(_truth(value), bool):
            return not _truth(value)
        number = _number(value)
        if op == "-" and number is not None:
            return -number
        return ev.unknown("operation", (op, _key(values)), f"<{op}...>")
    if len(values) != 2:
        return ev.unknown("syntax", (ctx.src.file, node.start_byte), "<operation>")
    left, right = values
    if op in ("==", "!="):
        if has_symbol(left) or has_symbol(right):
            if _key(left) == _key(right):
                return op == "=="
            return ev.unknown("operation", (op, _key(values)), "<comparison of unknowns>")
        same = _key(_norm(left)) == _key(_norm(right))
        return same if op == "==" else not same
    if op in ("&&", "||"):
        a, b = _truth(left), _truth(right)
        if op == "&&":
            if a is False or b is False:
                return False
            if a is True and b is True:
                return True
        else:
            if a is True or b is True:
                return True
            if a is False and b is False:
                return False
        return ev.unknown("operation", (op, _key(values)), f"<{op} of unknowns>")
    x, y = _number(left), _number(right)
    if x is None or y is None:
        return ev.unknown("operation", (op, _key(values)), f"<{op} of unknowns>")
    try:
        if op == "+":
            return _clean(x + y)
        if op == "-":
            return _clean(x - y)
        if op == "*":
            return _clean(x * y)
        if op == "/":
            return _clean(x / y)
        if op == "%":
            return _clean(math.fmod(x, y))
        if op == "<":
            return x < y
        if op == ">":
            return x > y
        if op == "<=":
            return x <= y
        if op == ">=":
            return x >= y
    except (ZeroDivisionError, ValueError, OverflowError):
        pass
    return ev.unknown("operation", (op, _key(values)), f"<{op}>")


def _norm(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str) and is_literal(value):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return int(number) if number.is_integer() else number
    return None


def _clean(value: float | int) -> float | int:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _for_expr(ev: Evaluator, node: Any, ctx: TSExpr, inst: Any, env: dict, depth: int) -> Any:
    inner = node.named_children[0] if node.named_children else None
    if inner is None:
        return None
    intro = next((c for c in inner.named_children if c.type == "for_intro"), None)
    cond = next((c for c in inner.named_children if c.type == "for_cond"), None)
    bodies = [c for c in inner.named_children if c.type == "expression"]
    if intro is None:
        return ev.unknown("syntax", (ctx.src.file, node.start_byte), "<for>")
    names = [c.text.decode() for c in intro.named_children if c.type == "identifier"]
    source_node = next((c for c in intro.named_children if c.type == "expression"), None)
    source = ev.node(source_node, ctx, inst, env, depth + 1) if source_node is not None else None
    grouping = any(c.type == "ellipsis" for c in inner.named_children)
    if isinstance(source, dict):
        pairs = list(source.items())
    elif isinstance(source, list):
        pairs = list(enumerate(source))
    else:
        return ev.unknown("for", (_key(source), ctx.src.file, node.start_byte), "<for over an unknown collection>")
    is_object = inner.type == "for_object_expr"
    out_list: list[Any] = []
    out_map: dict[str, Any] = {}
    for key, value in pairs:
        scope = dict(env)
        if len(names) >= 2:
            scope[names[0]], scope[names[1]] = key, value
        elif names:
            scope[names[0]] = value
        if cond is not None:
            cexprs = [c for c in cond.named_children if c.type == "expression"]
            keep = _truth(ev.node(cexprs[0], ctx, inst, scope, depth + 1)) if cexprs else True
            if keep is None:
                return ev.unknown("for", (_key(source), ctx.src.file, node.start_byte), "<for with an unknown filter>")
            if not keep:
                continue
        if is_object and len(bodies) >= 2:
            k = stringify(ev.node(bodies[0], ctx, inst, scope, depth + 1))
            v = ev.node(bodies[1], ctx, inst, scope, depth + 1)
            if k is None:
                return ev.unknown("for", (_key(source), ctx.src.file, node.start_byte), "<for key>")
            if grouping:
                out_map.setdefault(k, []).append(v)
            else:
                out_map[k] = v
        elif bodies:
            out_list.append(ev.node(bodies[0], ctx, inst, scope, depth + 1))
    return out_map if is_object else out_list


def _passthrough(ev: Evaluator, node: Any, ctx: TSExpr, inst: Any, env: dict, depth: int) -> Any:
    children = [c for c in node.named_children]
    if len(children) == 1:
        return ev.node(children[0], ctx, inst, env, depth + 1)
    return ev.unknown("syntax", (ctx.src.file, node.start_byte), f"<{node.type}>")


def _variable_expr(ev: Evaluator, node: Any, ctx: TSExpr, inst: Any, env: dict, depth: int) -> Any:
    return ev.traversal(node, [], ctx, inst, env, depth)


_NODES: dict[str, Callable[..., Any]] = {
    "literal_value": _literal_value,
    "string_lit": _quoted,
    "template_expr": _template_expr,
    "quoted_template": _quoted,
    "heredoc_template": _heredoc,
    "collection_value": _collection,
    "function_call": _function_call,
    "conditional": _conditional,
    "operation": _operation,
    "for_expr": _for_expr,
    "variable_expr": _variable_expr,
}


# -- functions -------------------------------------------------------------------------------------

def _need_literal(*values: Any) -> None:
    for value in values:
        if has_symbol(value):
            raise _Unknown


def _str(value: Any) -> str:
    text = stringify(value)
    if text is None:
        raise _Unknown
    return text


def _jsonencode(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _jsondecode(ev: Evaluator, args: list[Any]) -> Any:
    (text,) = args
    if isinstance(text, DocText):
        return json.loads(text)
    _need_literal(text)
    return json.loads(_str(text))


def _cidrsubnet(ev: Evaluator, args: list[Any]) -> Any:
    prefix, newbits, netnum = args
    _need_literal(prefix, newbits, netnum)
    network = ipaddress.ip_network(_str(prefix), strict=False)
    bits, num = int(_number(newbits) or 0), int(_number(netnum) or 0)
    new_prefix = network.prefixlen + bits
    if new_prefix > network.max_prefixlen or num < 0 or num >= 2 ** bits:
        raise ValueError("out of range")
    size = 2 ** (network.max_prefixlen - new_prefix)
    address = int(network.network_address) + num * size
    return str(ipaddress.ip_network((address, new_prefix)))


def _cidrsubnets(ev: Evaluator, args: list[Any]) -> Any:
    prefix, *sizes = args
    _need_literal(prefix, sizes)
    network = ipaddress.ip_network(_str(prefix), strict=False)
    out = []
    current = int(network.network_address)
    for bits in sizes:
        new_prefix = network.prefixlen + int(_number(bits) or 0)
        size = 2 ** (network.max_prefixlen - new_prefix)
        if current % size:
            current += size - current % size
        subnet = ipaddress.ip_network((current, new_prefix))
        if not subnet.subnet_of(network):  # type: ignore[arg-type]
            raise ValueError("out of range")
        out.append(str(subnet))
        current += size
    return out


def _format(ev: Evaluator, args: list[Any]) -> Any:
    fmt, *rest = args
    _need_literal(fmt)
    text = _str(fmt)
    out: list[str] = []
    values = iter(rest)
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "%" and i + 1 < len(text):
            j = i + 1
            while j < len(text) and text[j] in "0123456789.-+# ":
                j += 1
            verb = text[j] if j < len(text) else ""
            if verb == "%":
                out.append("%")
            elif verb in ("s", "d", "v", "q"):
                value = next(values)
                if verb == "d":
                    _need_literal(value)
                    out.append(str(int(_number(value) or 0)))
                elif verb == "q":
                    out.append(json.dumps(_str(value)))
                else:
                    out.append(_str(value))
            else:
                raise _Unknown
            i = j + 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _join(ev: Evaluator, args: list[Any]) -> Any:
    sep, *lists = args
    items: list[str] = []
    for lst in lists:
        if not isinstance(lst, list):
            raise _Unknown
        items.extend(_str(v) for v in lst if v is not None)
    return _str(sep).join(items)


def _split(ev: Evaluator, args: list[Any]) -> Any:
    sep, text = args
    _need_literal(sep, text)
    return _str(text).split(_str(sep)) if _str(text) else []


def _case(fn: Callable[[str], str]) -> Callable[[Evaluator, list[Any]], Any]:
    def handler(ev: Evaluator, args: list[Any]) -> Any:
        (value,) = args
        _need_literal(value)
        return fn(_str(value))
    return handler


def _replace(ev: Evaluator, args: list[Any]) -> Any:
    text, old, new = args
    _need_literal(text, old)
    old_s = _str(old)
    if len(old_s) > 1 and old_s.startswith("/") and old_s.endswith("/"):
        _need_literal(new)
        return re.sub(old_s[1:-1], re.sub(r"\$\{?(\d+)\}?", r"\\\1", _str(new)), _str(text))
    return _str(text).replace(old_s, _str(new))


def _concat(ev: Evaluator, args: list[Any]) -> Any:
    out: list[Any] = []
    for lst in args:
        if not isinstance(lst, list):
            raise _Unknown
        out.extend(lst)
    return out


def _merge(ev: Evaluator, args: list[Any]) -> Any:
    out: dict[str, Any] = {}
    for value in args:
        if value is None:
            continue
        if not isinstance(value, dict):
            raise _Unknown
        out.update(value)
    return out


def _lookup(ev: Evaluator, args: list[Any]) -> Any:
    mapping, key, *default = args
    if not isinstance(mapping, dict):
        raise _Unknown
    _need_literal(key)
    if _str(key) in mapping:
        return mapping[_str(key)]
    if has_symbol(list(mapping)):
        raise _Unknown
    if default:
        return default[0]
    raise _Unknown


def _element(ev: Evaluator, args: list[Any]) -> Any:
    lst, index = args
    _need_literal(index)
    if not isinstance(lst, list) or not lst:
        raise _Unknown
    return lst[int(_number(index) or 0) % len(lst)]


def _length(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if isinstance(value, (list, dict)):
        return len(value)
    _need_literal(value)
    return len(_str(value))


def _coalesce(ev: Evaluator, args: list[Any]) -> Any:
    for value in args:
        if has_symbol(value):
            raise _Unknown
        if value is not None and value != "":
            return value
    raise ValueError("no non-null value")


def _coalescelist(ev: Evaluator, args: list[Any]) -> Any:
    for value in args:
        if not isinstance(value, list):
            raise _Unknown
        if value:
            return value
    return []


def _tostring(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if value is None:
        return None
    return _str(value)


def _tonumber(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if value is None:
        return None
    _need_literal(value)
    number = _number(value)
    if number is None:
        raise ValueError("not a number")
    return number


def _tobool(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    truth = _truth(value)
    if truth is None:
        raise _Unknown
    return truth


def _tolist(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if not isinstance(value, list):
        raise _Unknown
    return list(value)


def _toset(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if not isinstance(value, list):
        raise _Unknown
    out: list[Any] = []
    for item in value:
        if item not in out:
            out.append(item)
    if all(isinstance(i, str) for i in out) and not has_symbol(out):
        out.sort()
    return out


def _tomap(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if not isinstance(value, dict):
        raise _Unknown
    return dict(value)


def _flatten(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if not isinstance(value, list):
        raise _Unknown
    out: list[Any] = []
    stack = [value]

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            elif isinstance(item, str) and not is_literal(item) and len(item) == 1:
                raise _Unknown  # an unknown item may itself be a list
            else:
                out.append(item)

    walk(stack[0])
    return out


def _compact(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if not isinstance(value, list):
        raise _Unknown
    _need_literal(value)
    return [v for v in value if v not in (None, "")]


def _distinct(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if not isinstance(value, list):
        raise _Unknown
    out: list[Any] = []
    for item in value:
        if item not in out:
            out.append(item)
    return out


def _keys(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if not isinstance(value, dict):
        raise _Unknown
    return sorted(value)


def _values(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if not isinstance(value, dict):
        raise _Unknown
    return [value[k] for k in sorted(value)]


def _contains(ev: Evaluator, args: list[Any]) -> Any:
    lst, value = args
    if not isinstance(lst, list):
        raise _Unknown
    if value in lst:
        return True
    _need_literal(lst, value)
    return False


def _trim(fn: Callable[[str, str], str]) -> Callable[[Evaluator, list[Any]], Any]:
    def handler(ev: Evaluator, args: list[Any]) -> Any:
        text, chars = args
        _need_literal(text, chars)
        return fn(_str(text), _str(chars))
    return handler


def _trimspace(ev: Evaluator, args: list[Any]) -> Any:
    (text,) = args
    _need_literal(text)
    return _str(text).strip()


def _substr(ev: Evaluator, args: list[Any]) -> Any:
    text, offset, length = args
    _need_literal(text, offset, length)
    s, o, n = _str(text), int(_number(offset) or 0), int(_number(length) or 0)
    return s[o:] if n < 0 else s[o:o + n]


def _minmax(fn: Callable[..., Any]) -> Callable[[Evaluator, list[Any]], Any]:
    def handler(ev: Evaluator, args: list[Any]) -> Any:
        numbers = [_number(a) for a in args]
        if any(n is None for n in numbers) or not numbers:
            raise _Unknown
        return fn(numbers)
    return handler


def _one(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if not isinstance(value, list) or len(value) > 1:
        raise _Unknown
    return value[0] if value else None


def _zipmap(ev: Evaluator, args: list[Any]) -> Any:
    keys, values = args
    if not isinstance(keys, list) or not isinstance(values, list):
        raise _Unknown
    _need_literal(keys)
    return {_str(k): v for k, v in zip(keys, values, strict=False)}


def _slice(ev: Evaluator, args: list[Any]) -> Any:
    lst, start, end = args
    if not isinstance(lst, list):
        raise _Unknown
    _need_literal(start, end)
    return lst[int(_number(start) or 0):int(_number(end) or 0)]


def _startswith(ev: Evaluator, args: list[Any]) -> Any:
    text, prefix = args
    _need_literal(prefix)
    if isinstance(text, str) and text.startswith(_str(prefix)):
        return True
    _need_literal(text)
    return False


def _endswith(ev: Evaluator, args: list[Any]) -> Any:
    text, suffix = args
    _need_literal(suffix)
    if isinstance(text, str) and text.endswith(_str(suffix)):
        return True
    _need_literal(text)
    return False


def _sort(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if not isinstance(value, list):
        raise _Unknown
    _need_literal(value)
    return sorted(_str(v) for v in value)


def _reverse(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    if not isinstance(value, list):
        raise _Unknown
    return list(reversed(value))


def _range(ev: Evaluator, args: list[Any]) -> Any:
    _need_literal(args)
    numbers = [int(_number(a) or 0) for a in args]
    if len(numbers) == 1:
        return list(range(numbers[0]))[:1024]
    return list(range(*numbers))[:1024]


def _identity(ev: Evaluator, args: list[Any]) -> Any:
    (value,) = args
    return value


FUNCTIONS: dict[str, Callable[[Evaluator, list[Any]], Any]] = {
    "jsonencode": _jsonencode,
    "jsondecode": _jsondecode,
    "cidrsubnet": _cidrsubnet,
    "cidrsubnets": _cidrsubnets,
    "format": _format,
    "join": _join,
    "split": _split,
    "lower": _case(str.lower),
    "upper": _case(str.upper),
    "title": _case(str.title),
    "replace": _replace,
    "concat": _concat,
    "merge": _merge,
    "lookup": _lookup,
    "element": _element,
    "length": _length,
    "coalesce": _coalesce,
    "coalescelist": _coalescelist,
    "tostring": _tostring,
    "tonumber": _tonumber,
    "tobool": _tobool,
    "tolist": _tolist,
    "toset": _toset,
    "tomap": _tomap,
    "flatten": _flatten,
    "compact": _compact,
    "distinct": _distinct,
    "keys": _keys,
    "values": _values,
    "contains": _contains,
    "trim": _trim(lambda s, c: s.strip(c)),
    "trimprefix": _trim(lambda s, p: s[len(p):] if p and s.startswith(p) else s),
    "trimsuffix": _trim(lambda s, p: s[:-len(p)] if p and s.endswith(p) else s),
    "trimspace": _trimspace,
    "substr": _substr,
    "min": _minmax(min),
    "max": _minmax(max),
    "abs": _minmax(lambda n: abs(n[0])),
    "ceil": _minmax(lambda n: math.ceil(n[0])),
    "floor": _minmax(lambda n: math.floor(n[0])),
    "one": _one,
    "zipmap": _zipmap,
    "slice": _slice,
    "startswith": _startswith,
    "endswith": _endswith,
    "sort": _sort,
    "reverse": _reverse,
    "range": _range,
    "sensitive": _identity,
    "nonsensitive": _identity,
}
