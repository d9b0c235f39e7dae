"""YAML/JSON template decoding with positions, on ruamel.yaml's C-backed composer.

Why compose instead of load: ruamel's pure-Python loaders cost ~0.7 s on a 190 KB template;
composing on libyaml's CParser costs ~0.07 s and still gives every node a start mark. We then
build plain dicts and lists ourselves, so short-form intrinsic tags (`!Ref`, `!GetAtt a.b`) can
be mapped to their long forms and duplicate keys rejected, as CloudFormation itself does.

Positions live beside the data (``Map.key_locs``, ``Seq.item_locs``), never inside it, so a
template key can never collide with location metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# 1-based (line, column) of a key or item in the source text.
Pos = tuple[int, int]

# Guard against alias bombs: a YAML document whose aliases expand past this many nodes is
# rejected before anything is expanded. No deployable template comes near it: CloudFormation
# takes at most 1 MB of template body, and an expanded node costs at least two bytes of it.
MAX_EXPANDED_NODES = 500_000
MAX_DEPTH = 400
# libyaml's composer (Cython) recurses once per nesting level without a recursion check, so a
# deep enough document overflows the C stack and kills the process (~30,000 levels on an 8 MB
# stack; far fewer on a small thread stack). Texts that might nest deeper than this are
# measured on the parser's event stream, which does not recurse, before they are composed.
_SAFE_COMPOSE_DEPTH = 1_000


class DecodeError(Exception):
    """A template that cannot be decoded; ``str()`` is a one-line reason with a position."""


class Map(dict):
    """A mapping that remembers where it and each of its keys were written.

    ``inherited`` names the keys a SAM ``Globals`` merge supplied (their positions point into
    the Globals section), so provenance survives the merge.
    """

    __slots__ = ("inherited", "key_locs", "pos")

    def __init__(self, pos: Pos) -> None:
        super().__init__()
        self.pos = pos
        self.key_locs: dict[str, Pos] = {}
        self.inherited: frozenset[str] = frozenset()


class Seq(list):
    """A sequence that remembers where it and each of its items were written."""

    __slots__ = ("item_locs", "pos")

    def __init__(self, pos: Pos) -> None:
        super().__init__()
        self.pos = pos
        self.item_locs: list[Pos] = []


@dataclass(frozen=True, slots=True)
class Document:
    """A decoded template: the data plus the raw text (needed later for comment directives)."""

    data: Any
    text: str
    is_json: bool


# Short-form tags whose long form is not simply "Fn::<Name>".
_TAG_SPECIAL = {"!Ref": "Ref", "!Condition": "Condition"}

_YAML_CACHE: dict[tuple[bool, bool], Any] = {}

# Implicit scalar types, exactly as PyYAML (YAML 1.1) resolves plain scalars. CloudFormation
# documents YAML 1.1 (unquoted `yes`/`no`/`on`/`off` are booleans there: aws-cli PR #5257 and
# real deployments show `Value: YES` arrive as "true"); `sam deploy` and `aws cloudformation
# package` load templates with PyYAML before CloudFormation sees them, and cfn-lint does too.
# So: `0777` is octal, `012345678901` stays a string, `1:20` is sexagesimal, a float needs a
# dot. There is no timestamp resolver: CloudFormation has no timestamp type, so an unquoted
# `Version: 2012-10-17` stays the string "2012-10-17". ruamel's own 1.1 rules differ from
# PyYAML's (`y`/`n` booleans, `1e3` floats), hence this table.
_YAML11_IMPLICIT = [
    (
        "tag:yaml.org,2002:bool",
        r"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$",
        "yYnNtTfFoO",
    ),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?"
        r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
        r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*"
        r"|[-+]?\.(?:inf|Inf|INF)"
        r"|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    (
        "tag:yaml.org,2002:int",
        r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+"
        r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
        "-+0123456789",
    ),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
]
# JSON numbers YAML 1.1 would leave as strings (`1e5`, `1.5E3`); a JSON template is read as
# JSON by the AWS CLI and SAM CLI (json.loads first), so these are floats there.
_JSON_EXPONENT = ("tag:yaml.org,2002:float", r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?[eE][-+]?[0-9]+$", "-0123456789")


def _resolver(is_json: bool) -> type:
    """A ruamel resolver class with the implicit types above (plus JSON exponents for JSON)."""
    from ruamel.yaml.resolver import BaseResolver

    class _CfnResolver(BaseResolver):
        def __init__(self, version: Any = None, loader: Any = None, loadumper: Any = None) -> None:
            BaseResolver.__init__(self, loadumper if loadumper is not None else loader)

        @property
        def processing_version(self) -> Any:
            # Only ruamel's pure-Python scanner and parser ask: they keep YAML 1.2 *syntax* (a
            # colon inside a flow scalar, the reason for that fallback); types come from above.
            return (1, 2)

    for tag, pattern, first in [*_YAML11_IMPLICIT, *([_JSON_EXPONENT] if is_json else [])]:
        _CfnResolver.add_implicit_resolver_base(tag, re.compile(pattern), list(first))
    return _CfnResolver


def _yaml(is_json: bool = False, pure: bool = False) -> Any:
    """Shared safe YAML instances; the Parser is libyaml's CParser when ruamel.yaml.clib is present
    (``pure=True`` is the slow fallback of ``_compose_pure``)."""
    key = (is_json, pure)
    if key not in _YAML_CACHE:
        from ruamel.yaml import YAML

        instance = YAML(typ="safe", pure=pure)
        instance.Resolver = _resolver(is_json)
        _YAML_CACHE[key] = instance
    return _YAML_CACHE[key]


def c_parser_active() -> bool:
    """True when compose runs on libyaml; tests assert it so packaging cannot silently slow `check`."""
    return _yaml().Parser.__name__ == "CParser"


def decode(text: str) -> Document:
    """Decode template text (YAML or JSON) into ``Map``/``Seq``/scalars."""
    stripped = text.lstrip("\ufeff \t\r\n")
    is_json = stripped.startswith(("{", "["))
    source = text.lstrip("\ufeff")
    if is_json:
        source = _json_surrogates(_json_whitespace(source))
    if _nesting_bound(source) > _SAFE_COMPOSE_DEPTH:
        _check_nesting(source, is_json)
    try:
        node = _yaml(is_json).compose(source)
    except RecursionError:
        raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels") from None
    except Exception as exc:  # ruamel raises a family of MarkedYAMLError subclasses
        node = _compose_pure(source, exc, is_json)
    if node is None:
        return Document(None, text, is_json)
    aliased = "&" in source  # aliases need an anchor; without one nothing can expand
    if aliased:
        _check_expansion(node)
    builder = _Builder(MAX_EXPANDED_NODES if aliased else None)
    try:
        data = builder.build(node, 0)
    except RecursionError:
        raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels") from None
    return Document(data, text, is_json)


_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_JSON_STRING_OR_TAB = re.compile(r'"(?:[^"\\\n]|\\.)*"|\t')
# Characters JSON allows raw inside a string but libyaml does not take as they are: U+0085,
# U+2028 and U+2029 are YAML 1.1 line breaks (every later line number would shift, and NEL is
# folded into a space); the C1 controls, DEL, U+FFFE and U+FFFF are not YAML-printable at all.
_JSON_RAW = "\x7f-\x9f\u2028\u2029\ufffe\uffff"
_JSON_NEEDS_FIX = re.compile(f"[\t{_JSON_RAW}]")
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in [*range(0x7F, 0xA0), 0x2028, 0x2029, 0xFFFE, 0xFFFF]}


def _json_whitespace(source: str) -> str:
    """Make JSON's whitespace and raw string characters readable to libyaml.

    JSON allows tabs between tokens where libyaml's flow scanner does not: each becomes a space
    (one-for-one, so columns hold). A tab inside a string stays: YAML keeps it there, and turning
    it into a space would change the value. The characters of ``_JSON_RAW`` inside a string are
    escaped, so the value is exact and later lines keep their numbers (only later columns on
    that same line move, by five per character).
    """
    if not _JSON_NEEDS_FIX.search(source):
        return source

    def fix(match: re.Match[str]) -> str:
        token = match.group(0)
        return " " if token == "\t" else token.translate(_JSON_ESCAPES)

    return _JSON_STRING_OR_TAB.sub(fix, source)


_SURROGATE_PAIR = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")
_LONE_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _json_surrogates(source: str) -> str:
    """Rewrite JSON's UTF-16 surrogate escapes (``\\ud83d\\ude00``), which libyaml rejects, as
    ``\\U0001f600``. The two characters saved are added as spaces after the string's closing quote,
    so every position outside the string stays where it was."""
    if "\\u" not in source:
        return source

    def fix_string(match: re.Match[str]) -> str:
        literal = match.group(0)
        if "\\u" not in literal:
            return literal

        def pair(m: re.Match[str]) -> str:
            high, low = int(m.group(1), 16), int(m.group(2), 16)
            return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08x}"

        fixed = _LONE_SURROGATE.sub("\\\\ufffd", _SURROGATE_PAIR.sub(pair, literal))
        return fixed + " " * (len(literal) - len(fixed))

    return _JSON_STRING.sub(fix_string, source)


def _nesting_bound(source: str) -> int:
    """A cheap upper bound on how deeply ``source`` can nest, without parsing it.

    Every flow level opens with ``[`` or ``{``. A nested block collection starts at a greater
    column than its parent, except a block sequence that is a mapping value (same column), so
    block nesting is at most twice the longest line. The bound is loose on purpose: it only
    decides whether the exact (event-stream) measurement is worth running.
    """
    longest = max(map(len, source.splitlines()), default=0)
    return source.count("[") + source.count("{") + 2 * (longest + 1) + 1


def _check_nesting(source: str, is_json: bool) -> None:
    """Refuse a document nesting deeper than MAX_DEPTH, measured on libyaml's event stream
    (iterative, so any depth is safe) before the recursive composer can overflow the C stack.
    A syntax error stops the measurement; compose then reports it at the same place."""
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

    depth = 0
    try:
        for event in _yaml(is_json).parse(source):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise DecodeError(
                        f"nesting deeper than {MAX_DEPTH} levels at line {mark.line + 1},"
                        f" column {mark.column + 1}"
                    )
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except DecodeError:
        raise
    except Exception:
        return


def _check_expansion(root: Any) -> None:
    """Refuse a document whose aliases expand past MAX_EXPANDED_NODES (a "billion laughs"
    bomb) by sizing the composed graph with each shared node counted once, so nothing is
    expanded to find out. An alias inside its own anchor would expand forever: refused too."""
    sizes: dict[int, int] = {}

    def size(node: Any, depth: int) -> int:
        known = sizes.get(id(node))
        if known is not None:
            if known < 0:
                raise DecodeError(
                    f"recursive YAML alias at line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"
                )
            return known
        if depth > MAX_DEPTH:
            raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels")
        if node.id == "scalar":
            return 1
        sizes[id(node)] = -1
        total = 1
        children = node.value if node.id == "sequence" else [v for pair in node.value for v in pair]
        for child in children:
            total += size(child, depth + 1)
            if total > MAX_EXPANDED_NODES:
                raise DecodeError(
                    f"document expands to more than {MAX_EXPANDED_NODES:,} nodes (YAML alias bomb?)"
                )
        sizes[id(node)] = total
        return total

    size(root, 0)


def _compose_pure(source: str, c_error: Exception, is_json: bool) -> Any:
    """Retry on ruamel's pure-Python parser, which follows YAML 1.2 where libyaml does not.

    libyaml rejects a colon inside a flow-context plain scalar (``[sts:AssumeRole]``,
    ``[!Ref AWS::Region]``), which YAML 1.2 and CloudFormation accept; about 3% of real templates
    do this. Only those files pay for the slower parser.
    """
    if "unexpected ':'" not in str(c_error):
        raise DecodeError(_yaml_error_line(c_error)) from None
    try:
        return _yaml(is_json, pure=True).compose(source)
    except RecursionError:
        raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels") from None
    except Exception as exc:
        raise DecodeError(_yaml_error_line(exc)) from None


def _yaml_error_line(exc: Exception) -> str:
    """Squash ruamel's multi-line error into one line: problem and position."""
    problem = getattr(exc, "problem", None) or str(exc).strip().splitlines()[0]
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    context = getattr(exc, "context", None)
    prefix = f"{context}: " if context else ""
    return f"invalid YAML: {prefix}{problem}{where}".replace("\n", " ")


class _Builder:
    """Turns a composed node graph into plain containers, counting nodes to stop alias bombs
    (a backstop to ``_check_expansion``; a large alias-free file is not a bomb, so no limit)."""

    def __init__(self, limit: int | None = MAX_EXPANDED_NODES) -> None:
        self.count = 0
        self.limit = limit if limit is not None else float("inf")

    def build(self, node: Any, depth: int) -> Any:
        self.count += 1
        if self.count > self.limit:
            raise DecodeError(
                f"document expands to more than {MAX_EXPANDED_NODES:,} nodes (YAML alias bomb?)"
            )
        if depth > MAX_DEPTH:
            raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels")
        kind = node.id
        tag = node.tag or ""
        pos = (node.start_mark.line + 1, node.start_mark.column + 1)
        if kind == "scalar":
            value: Any = self.scalar(node)
        elif kind == "sequence":
            seq = Seq(pos)
            for item in node.value:
                seq.append(self.build(item, depth + 1))
                seq.item_locs.append((item.start_mark.line + 1, item.start_mark.column + 1))
            value = seq
        else:
            value = self.mapping(node, pos, depth)
        if tag.startswith("!") and not tag.startswith("!!"):
            return self.intrinsic(tag, value, node, pos)
        return value

    def mapping(self, node: Any, pos: Pos, depth: int) -> Map:
        result = Map(pos)
        merged: set[str] = set()  # keys a merge (`<<`) supplied; an explicit key overrides them
        for key_node, value_node in node.value:
            if key_node.id != "scalar":
                raise DecodeError(
                    f"mapping key is not a scalar at line {key_node.start_mark.line + 1}"
                )
            key = key_node.value
            if key_node.tag == "tag:yaml.org,2002:merge" or (key == "<<" and key_node.style is None):
                merged.update(self.merge(result, value_node, depth))
                continue
            if key in merged:
                merged.discard(key)
                del result[key]
            elif key in result:
                first = result.key_locs[key]
                raise DecodeError(
                    f"duplicate key {key!r} at line {key_node.start_mark.line + 1}"
                    f" (first at line {first[0]})"
                )
            result[key] = self.build(value_node, depth + 1)
            result.key_locs[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return result

    def merge(self, target: Map, value_node: Any, depth: int) -> list[str]:
        """YAML merge keys (``<<: *base``): explicit keys win wherever they are written, and of
        several merged mappings the first one listed wins, as in PyYAML. Returns the keys added."""
        sources = value_node.value if value_node.id == "sequence" else [value_node]
        added: list[str] = []
        for source in sources:
            merged = self.build(source, depth + 1)
            if not isinstance(merged, Map):
                raise DecodeError(f"merge key value is not a mapping at line {value_node.start_mark.line + 1}")
            for key, val in merged.items():
                if key not in target:
                    target[key] = val
                    target.key_locs[key] = merged.key_locs[key]
                    added.append(key)
        return added

    def scalar(self, node: Any) -> Any:
        """A scalar as PyYAML constructs it from its tag: the resolver above gave plain scalars
        their YAML 1.1 type, quoted ones are strings unless explicitly tagged (``!!int "3"``).
        Text a tag cannot convert stays text rather than failing the whole template."""
        text = node.value
        tag = node.tag or ""
        if not tag.startswith("tag:yaml.org,2002:"):
            return text
        kind = tag[18:]
        if kind == "null":
            return None
        if kind == "bool":
            return _BOOL_VALUES.get(text.lower(), text)
        try:
            if kind == "int":
                return _yaml11_int(text)
            if kind == "float":
                return _yaml11_float(text)
        except (ValueError, IndexError):
            return text
        # Strings, and timestamps only an explicit `!!timestamp` can produce: CloudFormation
        # has no timestamp type.
        return text

    def intrinsic(self, tag: str, value: Any, node: Any, pos: Pos) -> Map:
        """Short-form tag to long form: ``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``."""
        name = _TAG_SPECIAL.get(tag) or "Fn::" + tag[1:]
        if name == "Fn::GetAtt" and isinstance(value, str):
            # Split at the first dot only (`!GetAtt Db.Endpoint.Address` -> ["Db",
            # "Endpoint.Address"]); without a dot the list has one item, as cfn-lint and the
            # AWS CLI produce, and CloudFormation then rejects.
            parts = Seq(pos)
            parts.extend(value.split(".", 1))
            parts.item_locs.extend([pos] * len(parts))
            value = parts
        result = Map(pos)
        result[name] = value
        result.key_locs[name] = pos
        return result


_BOOL_VALUES = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}


def _yaml11_int(text: str) -> int:
    """PyYAML's YAML 1.1 int: ``0b``/``0x`` prefixes, a leading 0 is octal, ``a:b`` base 60."""
    value = text.replace("_", "")
    sign = -1 if value[0] == "-" else 1
    if value[0] in "+-":
        value = value[1:]
    if value == "0":
        return 0
    if value.startswith("0b"):
        return sign * int(value[2:], 2)
    if value.startswith("0x"):
        return sign * int(value[2:], 16)
    if value[0] == "0":
        return sign * int(value, 8)
    if ":" in value:
        total = 0
        for part in value.split(":"):
            total = total * 60 + int(part)
        return sign * total
    return sign * int(value)


def _yaml11_float(text: str) -> float:
    """PyYAML's YAML 1.1 float: ``.inf``/``.nan`` and base-60 ``a:b.c`` included."""
    value = text.replace("_", "").lower()
    sign = -1.0 if value[0] == "-" else 1.0
    if value[0] in "+-":
        value = value[1:]
    if value == ".inf":
        return sign * float("inf")
    if value == ".nan":
        return float("nan")
    if ":" in value:
        total = 0.0
        for part in value.split(":"):
            total = total * 60 + float(part)
        return sign * total
    return sign * float(value)
