"""YAML/JSON template decoding with positions, on ruamel.yaml's C-backed composer.

Why compose instead of load: ruamel's pure-Python loaders cost ~0.7 s on a 190 KB template;
composing on libyaml's CParser costs ~0.07 s and still gives every node a start mark. We then
build plain dicts and lists ourselves, so short-form intrinsic tags (`!Ref`, `!GetAtt a.b`) can
be mapped to their long forms and duplicate keys rejected, as CloudFormation itself does.

Positions live beside the data (``Map.key_locs``, ``Seq.item_locs``), never inside it, so a
template key can never collide with location metadata.
"""

from __future__ import annotations

import gc
import operator
import re
from collections.abc import Iterator
from contextlib import contextmanager
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


_NOTHING_INHERITED: frozenset[str] = frozenset()  # shared: one per Map would be one per mapping


class Map(dict):
    """A mapping that remembers where it and each of its keys were written.

    ``inherited`` names the keys a SAM ``Globals`` merge supplied (their positions point into
    the Globals section), so provenance survives the merge.
    """

    __slots__ = ("inherited", "key_locs", "pos")

    def __init__(self, pos: Pos) -> None:
        # No dict.__init__: it only copies arguments in, and a template has one Map per mapping.
        self.pos = pos
        self.key_locs: dict[str, Pos] = {}
        self.inherited: frozenset[str] = _NOTHING_INHERITED


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


_CORE = "tag:yaml.org,2002:"
_CORE_TAGS: dict[str, Any] = {}


def _core_tags() -> dict[str, Any]:
    """One shared ruamel ``Tag`` per core tag (``str``, ``int``, ``map``, ...), returned by the
    resolver for every untagged node, so the builder recognizes them by identity instead of
    rendering each node's tag to a string."""
    if not _CORE_TAGS:
        from ruamel.yaml.tag import Tag

        for name in ("str", "seq", "map", "bool", "int", "float", "null", "merge"):
            _CORE_TAGS[name] = Tag(suffix=_CORE + name)
    return _CORE_TAGS


def _resolver(is_json: bool) -> type:
    """A ruamel resolver class with the implicit types above (plus JSON exponents for JSON)."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
    from ruamel.yaml.resolver import BaseResolver

    tags = _core_tags()
    str_tag, seq_tag, map_tag = tags["str"], tags["seq"], tags["map"]
    by_first: dict[str, list[tuple[Any, Any]]] = {}

    class _CfnResolver(BaseResolver):
        def __init__(self, version: Any = None, loader: Any = None, loadumper: Any = None) -> None:
            BaseResolver.__init__(self, loadumper if loadumper is not None else loader)

        @property
        def processing_version(self) -> Any:
            # Only ruamel's pure-Python scanner and parser ask: they keep YAML 1.2 *syntax* (a
            # colon inside a flow scalar, the reason for that fallback); types come from above.
            return (1, 2)

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            """``BaseResolver.resolve`` for this class (no path resolvers), without building a
            list and a new ``Tag`` per call: the composer calls it for every node."""
            if kind is ScalarNode:
                if implicit[0]:
                    for tag, match in by_first.get(value[:1], ()):
                        if match(value):
                            return tag
                return str_tag
            if kind is SequenceNode:
                return seq_tag
            if kind is MappingNode:
                return map_tag
            return None

        # Without path resolvers, descending and ascending keep no state; the composer still
        # calls both for every node, so they are C builtins that ignore their arguments
        # (a Python method here costs a tenth of the whole compose).
        descend_resolver = staticmethod(operator.is_)
        ascend_resolver = staticmethod(tuple)

    for tag, pattern, first in [*_YAML11_IMPLICIT, *([_JSON_EXPONENT] if is_json else [])]:
        _CfnResolver.add_implicit_resolver_base(tag, re.compile(pattern), list(first))
    for first, entries in _CfnResolver.yaml_implicit_resolvers.items():
        by_first[first] = [(tags[tag[len(_CORE):]], regexp.match) for tag, regexp in entries]
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


# A paused phase that leaves more new container objects than this behind them hands them to the
# oldest generation (see gc_paused); a template of a few hundred resources stays far below it.
_PROMOTE_AFTER = 100_000


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a phase that only allocates.

    Decoding, model building and the rules create hundreds of thousands of objects and no
    garbage cycles worth collecting; every collection the allocations trigger rescans all of
    them, which cost more than the work itself on large templates (3,000 functions: 2.6 s of
    decode with the collector, 0.8 s without). Reference counting still frees everything; any
    cycle left behind is collected once the collector is back on.

    After a large phase, its objects would still all be in the youngest generation, and the
    first allocation after it would rescan them, then again when they move to the middle one
    (1.2 s for 10,000 functions). They are moved to the oldest generation instead
    (``gc.freeze()`` + ``gc.unfreeze()``, constant time), which only a full collection scans.
    The builder drops its own reference cycle (TemplateBuilder.release), so a unit's data is
    freed by reference counting and does not wait for that full collection. Skipped when the
    process froze objects of its own: unfreezing would release them.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if gc.get_count()[0] > _PROMOTE_AFTER and gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def decode(text: str) -> Document:
    """Decode template text (YAML or JSON) into ``Map``/``Seq``/scalars."""
    with gc_paused():
        return _decode(text)


def _decode(text: str) -> Document:
    stripped = text.lstrip("\ufeff \t\r\n")
    is_json = stripped.startswith(("{", "["))
    source = text.lstrip("\ufeff")
    if is_json:
        source = _json_surrogates(_json_whitespace(source))
    deferred = False
    block = _block_nesting_bound(source)
    if _nesting_bound(source, block) > _SAFE_COMPOSE_DEPTH:
        if _flow_nesting_bound(source) + block > _SAFE_COMPOSE_DEPTH:
            _check_nesting(source, is_json)
        else:
            # Safe to compose without measuring first. Measuring still decides which error a
            # broken document reports (a nesting error found first wins), so it runs then.
            deferred = True
    try:
        doc, at_limit = _compose_and_build(text, source, is_json)
    except Exception:
        if deferred:
            _check_nesting(source, is_json)
        raise
    if deferred and at_limit:  # an empty collection MAX_DEPTH deep is a nesting error there
        _check_nesting(source, is_json)
    return doc


def _compose_and_build(text: str, source: str, is_json: bool) -> tuple[Document, bool]:
    """The document, and whether some node of it sits exactly MAX_DEPTH deep."""
    try:
        node = _yaml(is_json).compose(source)
    except RecursionError:
        raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels") from None
    except Exception as exc:  # ruamel raises a family of MarkedYAMLError subclasses
        node = _compose_pure(source, exc, is_json)
    if node is None:
        return Document(None, text, is_json), False
    aliased = "&" in source  # aliases need an anchor; without one nothing can expand
    if aliased:
        _check_expansion(node)
    builder = _Builder(MAX_EXPANDED_NODES if aliased else None)
    try:
        data = builder.build(node, 0)
    except RecursionError:
        raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels") from None
    if not is_json and _YAML_ONLY_BREAK.search(source):
        _remap_lines(data, source)
    return Document(data, text, is_json), builder.at_limit


# YAML 1.1 (libyaml) also breaks lines at NEL, U+2028 and U+2029; editors, git and CI annotations
# count lines by "\n" (and a lone "\r", as libyaml does). A template with one of them would have
# every later position off by a line, so the positions are moved back onto "\n"-counted lines.
_YAML_ONLY_BREAK = re.compile("[\x85\u2028\u2029]")
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_TEXT_BREAK = re.compile("\r\n|[\r\n]")


def _remap_lines(data: Any, source: str) -> None:
    """Rewrite the positions of every ``Map``/``Seq`` of ``data`` from libyaml's lines to text lines."""
    import bisect

    yaml_starts = [0, *(m.end() for m in _YAML_BREAK.finditer(source))]
    text_starts = [0, *(m.end() for m in _TEXT_BREAK.finditer(source))]

    def move(pos: Pos) -> Pos:
        line, column = pos
        if line - 1 >= len(yaml_starts):
            return pos
        offset = yaml_starts[line - 1] + column - 1
        row = bisect.bisect_right(text_starts, offset)
        return (row, offset - text_starts[row - 1] + 1)

    seen: set[int] = set()
    stack = [data]
    while stack:  # iterative, and each shared (aliased) container is moved once
        node = stack.pop()
        if not isinstance(node, (Map, Seq)) or id(node) in seen:
            continue
        seen.add(id(node))
        node.pos = move(node.pos)
        if isinstance(node, Map):
            node.key_locs = {key: move(pos) for key, pos in node.key_locs.items()}
            stack.extend(node.values())
        else:
            node.item_locs = [move(pos) for pos in node.item_locs]
            stack.extend(node)


# Regular expressions are kept as text and compiled on first use (``re`` caches them): a YAML
# template never needs the JSON ones, and compiling them all cost a millisecond of every `check`.
_JSON_STRING = r'"(?:[^"\\\n]|\\.)*"'
_JSON_STRING_OR_TAB = r'"(?:[^"\\\n]|\\.)*"|\t'
# Characters JSON allows raw inside a string but libyaml does not take as they are: U+0085,
# U+2028 and U+2029 are YAML 1.1 line breaks (every later line number would shift, and NEL is
# folded into a space); the C1 controls, DEL, U+FFFE and U+FFFF are not YAML-printable at all.
_JSON_RAW = "\x7f-\x9f\u2028\u2029\ufffe\uffff"
_JSON_NEEDS_FIX = f"[\t{_JSON_RAW}]"
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in [*range(0x7F, 0xA0), 0x2028, 0x2029, 0xFFFE, 0xFFFF]}


def _json_whitespace(source: str) -> str:
    """Make JSON's whitespace and raw string characters readable to libyaml.

    JSON allows tabs between tokens where libyaml's flow scanner does not: each becomes a space
    (one-for-one, so columns hold). A tab inside a string stays: YAML keeps it there, and turning
    it into a space would change the value. The characters of ``_JSON_RAW`` inside a string are
    escaped, so the value is exact and later lines keep their numbers (only later columns on
    that same line move, by five per character).
    """
    if not re.search(_JSON_NEEDS_FIX, source):
        return source

    def fix(match: re.Match[str]) -> str:
        token = match.group(0)
        return " " if token == "\t" else token.translate(_JSON_ESCAPES)

    return re.sub(_JSON_STRING_OR_TAB, fix, source)


_SURROGATE_PAIR = r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})"
_LONE_SURROGATE = r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}"


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

        fixed = re.sub(_LONE_SURROGATE, "\\\\ufffd", re.sub(_SURROGATE_PAIR, pair, literal))
        return fixed + " " * (len(literal) - len(fixed))

    return re.sub(_JSON_STRING, fix_string, source)


def _nesting_bound(source: str, block: int) -> int:
    """A cheap upper bound on how deeply ``source`` can nest, without parsing it.

    Every flow level opens with ``[`` or ``{``. A nested block collection starts at a greater
    column than its parent, except a block sequence that is a mapping value (same column), so
    block nesting is at most twice the longest line. The bound is loose on purpose: it only
    decides whether the exact (event-stream) measurement is worth running.
    """
    return source.count("[") + source.count("{") + block


def _block_nesting_bound(source: str) -> int:
    """The block part of ``_nesting_bound``: twice the longest line, plus the document level."""
    longest = max(map(len, source.splitlines()), default=0)
    return 2 * (longest + 1) + 1


# A flow collection whose content holds no bracket, quote, comment, tag, anchor, alias or line
# break: ``[ReportBatchItemFailures]``, the ``{X}`` of ``${X}``.
_SIMPLE_SEQ = r"\[[^\[\]{}\"'#!&*\n\r]*[\]}]"
_SIMPLE_MAP = r"\{[^\[\]{}\"'#!&*\n\r]*[\]}]"


def _flow_nesting_bound(source: str) -> int:
    """An upper bound on flow nesting, tighter than the bracket count of ``_nesting_bound``
    for large templates, where that one counts every bracket of thousands of one-level lists
    and ``${...}`` substitutions.

    If the opening bracket of a simple pair (``_SIMPLE_SEQ``/``_SIMPLE_MAP``) is real, the
    parser is in flow context there, where a plain scalar cannot hold a bracket, so the closing
    one is real too and ends the collection: such a pair holds no other collection and adds at
    most two levels (a flow sequence entry ``a: b`` is a single-pair mapping inside it) while it
    is open, and at most one is open at a time. If the opening bracket is only text (in a quoted
    scalar, a comment, a block scalar), leaving it out only removes an overcount. Every other
    ``[`` counts twice (``[a: [b: ...`` nests a mapping per bracket) and every other ``{`` once.
    """
    squares = source.count("[") - len(re.findall(_SIMPLE_SEQ, source))
    curlies = source.count("{") - len(re.findall(_SIMPLE_MAP, source))
    return 2 * squares + curlies + 2


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
        raise DecodeError(_yaml_error_line(c_error, source)) from None
    try:
        return _yaml(is_json, pure=True).compose(source)
    except RecursionError:
        raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels") from None
    except Exception as exc:
        raise DecodeError(_yaml_error_line(exc, source)) from None


def _yaml_error_line(exc: Exception, source: str = "") -> str:
    """Squash ruamel's multi-line error into one line: problem and position (and, when the
    position is a tab, say so: libyaml's "cannot start any token" does not)."""
    problem = getattr(exc, "problem", None) or (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    if mark is not None and source and "tab" not in str(problem):
        lines = _YAML_BREAK.split(source, maxsplit=mark.line + 1)
        if mark.line < len(lines) and lines[mark.line][mark.column:mark.column + 1] == "\t":
            where += " (a tab: YAML indents with spaces only)"
    context = getattr(exc, "context", None)
    prefix = f"{context}: " if context else ""
    return f"invalid YAML: {prefix}{problem}{where}".replace("\n", " ")


class _Builder:
    """Turns a composed node graph into plain containers, counting nodes to stop alias bombs
    (a backstop to ``_check_expansion``; a large alias-free file is not a bomb, so no limit)."""

    def __init__(self, limit: int | None = MAX_EXPANDED_NODES) -> None:
        self.count = 0
        self.limit = limit if limit is not None else float("inf")
        self.unlimited = limit is None
        self.at_limit = False  # a node sits exactly MAX_DEPTH deep (see ``_decode``)
        tags = _core_tags()
        # The resolver's shared tags, compared by identity: most nodes are untagged strings,
        # mappings and sequences, and rendering each node's tag to a string cost more than
        # building the node.
        self.str_tag, self.map_tag, self.seq_tag = tags["str"], tags["map"], tags["seq"]
        self.merge_tag = tags["merge"]
        self.typed = {id(tags[kind]): kind for kind in ("null", "bool", "int", "float")}

    def build(self, node: Any, depth: int) -> Any:
        self.count += 1
        if self.count > self.limit:
            raise DecodeError(
                f"document expands to more than {MAX_EXPANDED_NODES:,} nodes (YAML alias bomb?)"
            )
        if depth >= MAX_DEPTH:
            if depth > MAX_DEPTH:
                raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels")
            self.at_limit = True
        ctag = node.ctag
        if ctag is self.str_tag:  # the resolver gives it to scalars only
            return node.value
        if ctag is self.map_tag:
            mark = node.start_mark
            return self.mapping(node, (mark.line + 1, mark.column + 1), depth)
        if ctag is self.seq_tag:
            mark = node.start_mark
            return self.sequence(node, (mark.line + 1, mark.column + 1), depth)
        kind = self.typed.get(id(ctag))
        if kind is not None:
            return _typed_scalar(kind, node.value)
        return self.tagged(node, depth)

    def tagged(self, node: Any, depth: int) -> Any:
        """A node with an explicit tag (``!Ref``, ``!!int``, ...), by its tag's text."""
        kind = node.id
        tag = node.tag or ""
        pos = (node.start_mark.line + 1, node.start_mark.column + 1)
        if kind == "scalar":
            value: Any = self.scalar(node)
        elif kind == "sequence":
            value = self.sequence(node, pos, depth)
        else:
            value = self.mapping(node, pos, depth)
        if tag.startswith("!") and not tag.startswith("!!"):
            return self.intrinsic(tag, value, node, pos)
        return value

    def sequence(self, node: Any, pos: Pos, depth: int) -> Seq:
        seq = Seq(pos)
        append, locate, build = seq.append, seq.item_locs.append, self.build
        # An untagged string item is taken as it is, as ``build`` would, when nothing counts nodes
        # and it is not MAX_DEPTH deep (most leaves: this saves a call each).
        leaf = self.str_tag if self.unlimited and depth + 1 < MAX_DEPTH else None
        for item in node.value:
            append(item.value if item.ctag is leaf else build(item, depth + 1))
            mark = item.start_mark
            locate((mark.line + 1, mark.column + 1))
        return seq

    def mapping(self, node: Any, pos: Pos, depth: int) -> Map:
        result = Map(pos)
        key_locs = result.key_locs
        merged: set[str] | None = None  # keys a merge (`<<`) supplied; an explicit key overrides them
        str_tag, merge_tag, build = self.str_tag, self.merge_tag, self.build
        leaf = str_tag if self.unlimited and depth + 1 < MAX_DEPTH else None  # as in ``sequence``
        for key_node, value_node in node.value:
            if key_node.id != "scalar":
                raise DecodeError(
                    f"mapping key is not a scalar at line {key_node.start_mark.line + 1}"
                )
            key = key_node.value
            ctag = key_node.ctag
            if (
                ctag is merge_tag
                or (ctag is not str_tag and key_node.tag == "tag:yaml.org,2002:merge")
                or (key == "<<" and key_node.style is None)
            ):
                merged = merged if merged is not None else set()
                merged.update(self.merge(result, value_node, depth))
                continue
            if merged and key in merged:
                merged.discard(key)
                del result[key]
            elif key in result:
                first = key_locs[key]
                raise DecodeError(
                    f"duplicate key {key!r} at line {key_node.start_mark.line + 1}"
                    f" (first at line {first[0]})"
                )
            result[key] = value_node.value if value_node.ctag is leaf else build(value_node, depth + 1)
            mark = key_node.start_mark
            key_locs[key] = (mark.line + 1, mark.column + 1)
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
        return _typed_scalar(tag[18:], text)

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


_MAX_INT_BITS = 14_000  # about 4,200 decimal digits, within sys.get_int_max_str_digits()


def _typed_scalar(kind: str, text: str) -> Any:
    """The value of a scalar with core tag ``tag:yaml.org,2002:<kind>``."""
    if kind == "null":
        return None
    if kind == "bool":
        return _BOOL_VALUES.get(text.lower(), text)
    try:
        if kind == "int":
            number = _yaml11_int(text)
            # An int Python cannot print (str() refuses past 4,300 digits; a long 0x/0b/0o
            # literal gets there) would crash whatever rule formats it: it stays text, as a
            # decimal that long does (int() refuses it).
            return number if number.bit_length() <= _MAX_INT_BITS else text
        if kind == "float":
            return _yaml11_float(text)
    except (ValueError, IndexError):
        return text
    # Strings, and timestamps only an explicit `!!timestamp` can produce: CloudFormation
    # has no timestamp type.
    return text


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
