"""HCL files to located blocks and attributes.

``*.tf`` files are parsed with tree-sitter (tree-sitter-hcl grammar): every block and attribute
gets its exact file, line and column, and an attribute keeps its expression as the syntax-tree
node, which ``evaluate`` walks only when a rule needs the value (most of a Terraform directory,
alarms, dashboards, API stages, is never evaluated). tree-sitter is imported on first use, so
linting a SAM template never loads it.

``*.tf.json`` files are read with the template decoder (it gives key positions); their strings
are templates, parsed as HCL quoted strings when they contain ``${``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lambdalint.model import Loc


class HclError(Exception):
    """A file that is not valid HCL; ``str()`` names the first error position."""


@dataclass(slots=True)
class Source:
    """One file's bytes, for slicing literal text and turning byte columns into characters."""

    file: str  # display path (relative to the cwd)
    data: bytes
    _starts: list[int] | None = None

    def line_start(self, row: int) -> int:
        if self._starts is None:
            starts = [0]
            find = self.data.find
            pos = find(b"\n")
            while pos != -1:
                starts.append(pos + 1)
                pos = find(b"\n", pos + 1)
            self._starts = starts
        return self._starts[row] if row < len(self._starts) else len(self.data)

    def col(self, row: int, byte_col: int) -> int:
        """1-based character column of a tree-sitter (row, byte column) point."""
        start = self.line_start(row)
        chunk = self.data[start:start + byte_col]
        if chunk.isascii():
            return byte_col + 1
        return len(chunk.decode("utf-8", "replace")) + 1

    def loc(self, node: Any, pointer: tuple = (), end: Any = None) -> Loc:
        sr, sc = node.start_point
        er, ec = (end or node).end_point
        return Loc(self.file, sr + 1, self.col(sr, sc), er + 1, self.col(er, ec), pointer)


@dataclass(slots=True)
class TSExpr:
    """An HCL expression as its tree-sitter node (the ``expression`` node)."""

    node: Any
    src: Source


@dataclass(slots=True)
class JsonExpr:
    """A value written in ``.tf.json`` or a plan: strings may still be templates."""

    value: Any
    template: bool = True  # False for plan values, which are already evaluated
    uses: frozenset[str] = frozenset()  # plan: variables the configuration says this value came from
    marks: dict[str, frozenset[str]] | None = None  # plan: ``uses`` per key of a map value
    key_locs: dict[str, Loc] | None = None  # where each key of a map value is written


@dataclass(slots=True)
class RefExpr:
    """A plan ``configuration`` expression known only by its references (``aws_sqs_queue.q.arn``);
    an empty ``ref`` is a value unknown until apply, named by ``key``."""

    ref: str
    key: str = ""
    refs: tuple[str, ...] = ()  # a list whose items are these references, in order


class Attr:
    """An argument: its name, its expression and where its name is written.

    The location of a ``.tf`` argument is computed on first use: most arguments of a directory
    are never reported, and building 20,000 locations up front is a fifth of the parse time.
    """

    __slots__ = ("_ident", "_loc", "_pointer", "expr", "name")

    def __init__(self, name: str, expr: Any, loc: Loc | None = None, ident: Any = None,
                 pointer: tuple = ()) -> None:
        self.name = name
        self.expr = expr  # TSExpr | JsonExpr | RefExpr
        self._loc = loc
        self._ident = ident
        self._pointer = pointer

    @property
    def loc(self) -> Loc:
        if self._loc is None:
            self._loc = self.expr.src.loc(self._ident, self._pointer, end=self._ident)
        return self._loc


@dataclass(slots=True)
class Body:
    attrs: dict[str, Attr] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def block(self, name: str) -> Block | None:
        for blk in self.blocks:
            if blk.type == name:
                return blk
        return None

    def all(self, name: str) -> list[Block]:
        return [blk for blk in self.blocks if blk.type == name]


@dataclass(slots=True)
class Block:
    type: str
    labels: tuple[str, ...]
    body: Body
    loc: Loc  # the block header (type and labels): where an absent attribute's default is located
    dynamic: bool = False  # a ``dynamic "x" { for_each ... content {...} }`` block

    @property
    def file(self) -> str:
        return self.loc.file


@dataclass(slots=True)
class HclFile:
    path: Path
    file: str
    body: Body


@cache
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_hcl

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


def parse_tree(data: bytes) -> Any:
    """The tree-sitter tree of HCL source bytes, as the grammar gives it (for tests and the oracle)."""
    return _parser().parse(data)


# tree-sitter-hcl reads an exponent only after a fraction (``1.5e3``): ``1e3`` and ``5E+2``, valid
# HCL, become the number ``1`` and then a block named ``e3`` that swallows every later block of
# the file. Such literals are parsed as digits of the same length (``100``, ``5000``), so every
# later byte, line and column stays where it is; ``evaluate`` reads a number from ``Source.data``,
# the original text. A match is only a candidate (it may sit in a string, a comment, a heredoc or
# an identifier like ``a-1e3``): it is rewritten only where the grammar then sees a number.
_EXPONENT_LIT = re.compile(rb"(?<![\w.])[0-9]+[eE][+-]?[0-9]+(?![\w.])")


def _as_digits(data: bytes, spans: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for start, end in spans:
        out[start:end] = re.sub(rb"[^0-9]", b"0", data[start:end])
    return bytes(out)


def _parse(data: bytes) -> Any:
    """The tree of ``data``, with exponent literals the grammar misreads parsed as numbers."""
    parser = _parser()
    tree = parser.parse(data)
    if not tree.root_node.has_error:
        return tree
    spans = [match.span() for match in _EXPONENT_LIT.finditer(data)]
    if not spans:
        return tree
    trial = parser.parse(_as_digits(data, spans))
    root = trial.root_node
    numbers = []
    for start, end in spans:
        node = root.descendant_for_byte_range(start, end)
        if node is not None and node.type == "numeric_lit" and (node.start_byte, node.end_byte) == (start, end):
            numbers.append((start, end))
    if len(numbers) == len(spans):
        return trial
    return parser.parse(_as_digits(data, numbers)) if numbers else tree


def parse_hcl(data: bytes, file: str, path: Path | None = None, strict: bool = False) -> HclFile:
    """Parse ``.tf`` source. A syntax error is an ``HclError`` naming its line and column when
    ``strict`` (directories and tfvars: tree-sitter's recovery can nest every later block inside
    the broken one, so resources would vanish without a word); otherwise it is tolerated, blocks
    that contain an error node still read, their broken attributes skipped."""
    root = _parse(data).root_node
    src = Source(file, data)
    if strict and root.has_error:
        raise HclError(_syntax_error(_first_error(root), src))
    body_node = next((c for c in root.named_children if c.type == "body"), None)
    body = _body(body_node, src, ()) if body_node is not None else Body()
    return HclFile(path or Path(file), file, body)


def _first_error(node: Any) -> Any:
    """The first error node, the innermost one when an error node holds others (recovery can
    wrap a whole file in one ``ERROR`` whose inner ``ERROR`` is where the text went wrong)."""
    found = node
    stack = list(reversed(node.children))
    while stack:
        cur = stack.pop()
        if cur.type == "ERROR" or cur.is_missing:
            found = cur
            stack = list(reversed(cur.children))
            continue
        stack.extend(reversed(cur.children))
    return found


# A missing token the grammar names by its node type.
_MISSING_TEXT = {"block_end": "}", "object_end": "}", "tuple_end": "]", "quoted_template_end": '"',
                 "template_interpolation_end": "}", "template_directive_end": "}", "heredoc_identifier": "heredoc end"}


# Unclosed template interpolations before an error, past which it is tree-sitter-hcl's nesting
# limit (its scanner keeps about 60 levels) rather than a mistake in the text.
_DEEP_TEMPLATES = 50


def _syntax_error(bad: Any, src: Source) -> str:
    """One line: where the first syntax error is, and the token found (or missing) there. A
    missing token is placed right after the token before it (tree-sitter puts it where it gave
    up, often the next line: ``name =`` then ``}``)."""
    row, byte_col = bad.start_point
    if bad.is_missing:
        before = bad
        while before is not None and before.prev_sibling is None:
            before = before.parent
        if before is not None:
            row, byte_col = before.prev_sibling.end_point
    where = f"invalid HCL at line {row + 1}, column {src.col(row, byte_col)}"
    line = src.data[src.line_start(row):bad.start_byte]
    if line.count(b"${") + line.count(b"%{") - line.count(b"}") > _DEEP_TEMPLATES:
        return f"{where}: template interpolations nested more than {_DEEP_TEMPLATES} deep, too deep to parse"
    if bad.is_missing:
        missing = _MISSING_TEXT.get(bad.type, bad.type if bad.type.isascii() and not bad.is_named else "")
        return f"{where}: missing {missing!r}" if missing else where
    if bad.child_count and not src.data[bad.end_byte:].strip():  # the file ends inside what it began
        row, byte_col = bad.children[-1].end_point
        return f"invalid HCL at line {row + 1}, column {src.col(row, byte_col)}: unexpected end of file"
    token = src.data[bad.start_byte:bad.end_byte].split(maxsplit=1)
    if not token:
        return where
    text = token[0][:40].decode("utf-8", "replace")
    return f"{where}: unexpected {text!r}" if text.isprintable() else where


def _body(node: Any, src: Source, pointer: tuple) -> Body:
    body = Body()
    for child in node.named_children:
        kind = child.type
        if kind == "attribute":
            ident = expr = None
            for part in child.named_children:
                if part.type == "identifier" and ident is None:
                    ident = part
                elif part.type == "expression":
                    expr = part
            if ident is None or expr is None:
                continue
            name = ident.text.decode("utf-8", "replace")
            body.attrs[name] = Attr(name, TSExpr(expr, src), ident=ident, pointer=(*pointer, name))
        elif kind == "block":
            blk = _block(child, src, pointer)
            if blk is not None:
                body.blocks.append(blk)
    return body


def _last_named(node: Any, kind: str) -> Any:
    found = None
    for child in node.named_children:
        if child.type == kind:
            found = child
    return found


def _block(node: Any, src: Source, pointer: tuple) -> Block | None:
    ident = None
    labels: list[str] = []
    inner = None
    last_header = None
    for child in node.named_children:
        kind = child.type
        if kind == "identifier":
            if ident is None:
                ident = child
            else:
                labels.append(child.text.decode("utf-8", "replace"))
            last_header = child
        elif kind == "string_lit":
            labels.append(_string_lit_text(child, src))
            last_header = child
        elif kind == "body":
            inner = child
    if ident is None:
        return None
    btype = ident.text.decode("utf-8", "replace")
    here = (*pointer, btype, *labels)
    body = _body(inner, src, here) if inner is not None else Body()
    loc = src.loc(node, here, end=last_header)
    if btype == "dynamic" and labels:
        content = body.block("content")
        dyn_body = Body(dict(body.attrs), list(content.body.blocks) if content else [])
        if content is not None:
            for name, attr in content.body.attrs.items():
                dyn_body.attrs.setdefault(name, attr)
        return Block(labels[0], tuple(labels[1:]), dyn_body, loc, dynamic=True)
    return Block(btype, tuple(labels), body, loc)


def _string_lit_text(node: Any, src: Source) -> str:
    start = node.start_byte + 1
    end = node.end_byte - 1
    return unescape(src.data[start:end].decode("utf-8", "replace"))


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def unescape(text: str) -> str:
    """HCL quoted-string escapes (``\\n``, ``\\"``, ``\\uXXXX``) and ``$${``/``%%{`` literals."""
    if "\\" not in text and "$${" not in text and "%%{" not in text:
        return text
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt in "uU":
                width = 4 if nxt == "u" else 8
                digits = text[i + 2:i + 2 + width]
                try:
                    code = int(digits, 16)
                    # A surrogate is no character (HCL's Go strings hold U+FFFD there); a lone
                    # one in a Python str makes every later .encode("utf-8") raise.
                    out.append("\ufffd" if 0xD800 <= code <= 0xDFFF else chr(code))
                    i += 2 + width
                    continue
                except ValueError:
                    pass
        elif ch in "$%" and text.startswith(ch * 2 + "{", i):
            out.append(ch + "{")
            i += 3
            continue
        out.append(ch)
        i += 1
    return "".join(out)


# -- .tf.json -----------------------------------------------------------------------------------

# Nested blocks of the resources the model reads: in JSON syntax they are objects (or lists of
# objects) that only the schema tells apart from map attributes.
JSON_BLOCKS = {
    "environment", "vpc_config", "dead_letter_config", "logging_config", "destination_config",
    "on_failure", "on_success", "lambda_function", "queue", "topic", "statement", "principals",
    "not_principals", "condition", "filter_criteria", "filter", "inline_policy", "stream_specification",
    "scaling_config", "tracing_config", "ephemeral_storage", "snap_start", "image_config",
    "file_system_config", "cors", "content", "target", "redrive_policy_block",
}
TOP_LEVEL_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "provider": 1,
                    "locals": 0, "terraform": 0}


def parse_tf_json(text: str, file: str, path: Path | None = None) -> HclFile:
    """``.tf.json`` to the same located structure as ``.tf``."""
    from lambdalint.parsers.decode import DecodeError, decode

    try:
        doc = decode(text)
    except DecodeError as exc:
        raise HclError(str(exc)) from None
    data = doc.data
    body = Body()
    if not isinstance(data, dict):
        return HclFile(path or Path(file), file, body)
    for btype, content in data.items():
        depth = TOP_LEVEL_LABELS.get(btype)
        if depth is None:
            continue
        for labels, node, loc in _json_labelled(content, depth, data, btype, file, ()):
            if btype == "locals":
                for item in (node if isinstance(node, list) else [node]):
                    if isinstance(item, dict):
                        body.blocks.append(Block("locals", (), _json_body(item, file, ("locals",)), loc))
                continue
            for item in (node if isinstance(node, list) else [node]):
                if isinstance(item, dict):
                    body.blocks.append(Block(btype, labels, _json_body(item, file, (btype, *labels)), loc))
    return HclFile(path or Path(file), file, body)


def _json_loc(file: str, parent: Any, key: Any, pointer: tuple) -> Loc:
    positions = getattr(parent, "key_locs", None)
    if isinstance(positions, dict) and key in positions:
        line, col = positions[key]
        return Loc(file, line, col, line, col + len(str(key)) + 2, pointer)
    pos = getattr(parent, "pos", None)
    if pos:
        return Loc(file, pos[0], pos[1], pointer=pointer)
    return Loc(file, 1, 1, pointer=pointer)


def _json_labelled(content: Any, depth: int, parent: Any, key: str, file: str, labels: tuple):
    if depth == 0:
        yield labels, content, _json_loc(file, parent, key, labels)
        return
    if not isinstance(content, dict):
        return
    for name, inner in content.items():
        yield from _json_labelled(inner, depth - 1, content, name, file, (*labels, str(name)))


def _json_body(data: dict, file: str, pointer: tuple) -> Body:
    body = Body()
    for key, value in data.items():
        if not isinstance(key, str) or key == "//":
            continue
        loc = _json_loc(file, data, key, (*pointer, key))
        if key in JSON_BLOCKS and isinstance(value, (dict, list)):
            items = value if isinstance(value, list) else [value]
            for item in items:
                if isinstance(item, dict):
                    body.blocks.append(Block(key, (), _json_body(item, file, (*pointer, key)), loc))
            continue
        if key == "dynamic" and isinstance(value, dict):
            for name, spec in value.items():
                if isinstance(spec, dict):
                    inner = _json_body(spec, file, (*pointer, "dynamic", name))
                    content = inner.block("content")
                    dyn = Body(dict(inner.attrs), list(content.body.blocks) if content else [])
                    if content is not None:
                        for cname, attr in content.body.attrs.items():
                            dyn.attrs.setdefault(cname, attr)
                    body.blocks.append(Block(str(name), (), dyn, loc, dynamic=True))
            continue
        body.attrs[key] = Attr(key, JsonExpr(_plain(value)), loc)
    return body


def _plain(value: Any) -> Any:
    """Decoder containers to plain dicts and lists (positions are not needed below attributes)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def template_expr(text: str, file: str) -> TSExpr | None:
    """Parse a ``.tf.json`` string containing ``${`` as an HCL quoted template."""
    data = b"x = " + json.dumps(text).encode("utf-8") + b"\n"
    parsed = _parse(data)
    body = next((c for c in parsed.root_node.named_children if c.type == "body"), None)
    if body is None or not body.named_children:
        return None
    attr = body.named_children[0]
    expr = _last_named(attr, "expression")
    return TSExpr(expr, Source(file, data)) if expr is not None else None
