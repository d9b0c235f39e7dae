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
# rejected instead of being expanded into memory.
MAX_EXPANDED_NODES = 2_000_000
MAX_DEPTH = 400


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

_YAML_CACHE: list[Any] = []


def _yaml() -> Any:
    """One shared safe YAML instance; its Parser is libyaml's CParser when ruamel.yaml.clib is present."""
    if not _YAML_CACHE:
        from ruamel.yaml import YAML

        _YAML_CACHE.append(YAML(typ="safe", pure=False))
    return _YAML_CACHE[0]


def c_parser_active() -> bool:
    """True when compose runs on libyaml; tests assert it so packaging cannot silently slow `check`."""
    return _yaml().Parser.__name__ == "CParser"


def decode(text: str) -> Document:
    """Decode template text (YAML or JSON) into ``Map``/``Seq``/scalars."""
    stripped = text.lstrip("\ufeff \t\r\n")
    is_json = stripped.startswith(("{", "["))
    source = text.lstrip("\ufeff")
    if is_json:
        # JSON allows tabs as whitespace where libyaml's flow scanner does not; replacing them
        # one-for-one keeps every column, and a raw tab is illegal inside a JSON string anyway.
        source = _json_surrogates(source.replace("\t", " "))
    try:
        node = _yaml().compose(source)
    except RecursionError:
        raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels") from None
    except Exception as exc:  # ruamel raises a family of MarkedYAMLError subclasses
        node = _compose_pure(source, exc)
    if node is None:
        return Document(None, text, is_json)
    builder = _Builder()
    try:
        data = builder.build(node, 0)
    except RecursionError:
        raise DecodeError(f"nesting deeper than {MAX_DEPTH} levels") from None
    return Document(data, text, is_json)


_JSON_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
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


def _compose_pure(source: str, c_error: Exception) -> Any:
    """Retry on ruamel's pure-Python parser, which follows YAML 1.2 where libyaml does not.

    libyaml rejects a colon inside a flow-context plain scalar (``[sts:AssumeRole]``,
    ``[!Ref AWS::Region]``), which YAML 1.2 and CloudFormation accept; about 3% of real templates
    do this. Only those files pay for the slower parser.
    """
    if "unexpected ':'" not in str(c_error):
        raise DecodeError(_yaml_error_line(c_error)) from None
    from ruamel.yaml import YAML

    try:
        return YAML(typ="safe", pure=True).compose(source)
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
    """Turns a composed node graph into plain containers, counting nodes to stop alias bombs."""

    def __init__(self) -> None:
        self.count = 0

    def build(self, node: Any, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_EXPANDED_NODES:
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
        for key_node, value_node in node.value:
            if key_node.id != "scalar":
                raise DecodeError(
                    f"mapping key is not a scalar at line {key_node.start_mark.line + 1}"
                )
            key = key_node.value
            if key_node.tag == "tag:yaml.org,2002:merge" or key == "<<" and key_node.style is None:
                self.merge(result, value_node, depth)
                continue
            if key in result:
                first = result.key_locs[key]
                raise DecodeError(
                    f"duplicate key {key!r} at line {key_node.start_mark.line + 1}"
                    f" (first at line {first[0]})"
                )
            result[key] = self.build(value_node, depth + 1)
            result.key_locs[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return result

    def merge(self, target: Map, value_node: Any, depth: int) -> None:
        """YAML merge keys (``<<: *base``): earlier explicit keys win, as in PyYAML."""
        sources = value_node.value if value_node.id == "sequence" else [value_node]
        for source in sources:
            merged = self.build(source, depth + 1)
            if not isinstance(merged, Map):
                raise DecodeError(f"merge key value is not a mapping at line {value_node.start_mark.line + 1}")
            for key, val in merged.items():
                if key not in target:
                    target[key] = val
                    target.key_locs[key] = merged.key_locs[key]

    def scalar(self, node: Any) -> Any:
        """Plain scalars take the type ruamel's resolver gave them; quoted ones stay strings."""
        text = node.value
        tag = node.tag or ""
        if node.style or not tag.startswith("tag:yaml.org,2002:"):
            return text
        kind = tag[18:]
        if kind == "null":
            return None
        if kind == "bool":
            return text.lower() == "true"
        if kind == "int":
            digits = text.replace("_", "")
            for base in (10, 0):
                try:
                    return int(digits, base)
                except ValueError:
                    continue
            return text
        if kind == "float":
            try:
                return float(text.replace("_", ""))
            except ValueError:
                return text
        # Timestamps (a policy's unquoted `Version: 2012-10-17`) stay strings, as
        # CloudFormation reads them.
        return text

    def intrinsic(self, tag: str, value: Any, node: Any, pos: Pos) -> Map:
        """Short-form tag to long form: ``!GetAtt A.B`` -> ``{"Fn::GetAtt": ["A", "B"]}``."""
        name = _TAG_SPECIAL.get(tag) or "Fn::" + tag[1:]
        if name == "Fn::GetAtt" and isinstance(value, str):
            head, _, tail = value.partition(".")
            parts = Seq(pos)
            parts.extend([head, tail])
            parts.item_locs.extend([pos, pos])
            value = parts
        result = Map(pos)
        result[name] = value
        result.key_locs[name] = pos
        return result
