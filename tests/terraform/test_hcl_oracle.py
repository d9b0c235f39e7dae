"""Differential test: our tree-sitter HCL reader against python-hcl2 on every corpus ``.tf`` file.

python-hcl2 (8.1.4) is the oracle, never on the check path: it is 20x slower (15.1 s against
0.7 s for the corpus' 561 files) and gives no attribute lines. For each file it parses, both
readers must agree on the blocks (type, labels, nesting, order), on the attribute names of each
block, and on every literal value (numbers, bools, null, plain strings, lists and maps of them),
which our evaluator must reproduce exactly. Skipped when ../shared/corpus/real is absent.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "real"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")

_NOT_LITERAL = object()


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == '"' and text[-1] == '"' else text


def _literal(value: Any) -> Any:
    """The oracle's value as a plain literal, or _NOT_LITERAL for expressions and templates."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        if not (value.startswith('"') and value.endswith('"')) or len(value) < 2:
            return _NOT_LITERAL  # ${expr}: an expression
        inner = value[1:-1]
        if "${" in inner or "%{" in inner or "\\" in inner or inner.startswith("<<"):
            return _NOT_LITERAL
        return inner
    if isinstance(value, list):
        items = [_literal(v) for v in value]
        return _NOT_LITERAL if any(i is _NOT_LITERAL for i in items) else items
    if isinstance(value, dict):
        if "__is_block__" in value:
            return _NOT_LITERAL
        out = {}
        for k, v in value.items():
            lit = _literal(v)
            if lit is _NOT_LITERAL or "${" in k:
                return _NOT_LITERAL
            out[_unquote(k)] = lit
        return out
    return _NOT_LITERAL


def _is_wrapper(node: Any) -> bool:
    """A label layer: ``{"\\"label\\"": {...}}`` without ``__is_block__`` of its own."""
    return (isinstance(node, dict) and "__is_block__" not in node and len(node) == 1
            and isinstance(next(iter(node.values())), dict))


def _is_block_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(
        isinstance(v, dict) and (v.get("__is_block__") or _is_wrapper(v)) for v in value)


def _oracle_blocks(body: dict, depth: int) -> tuple[dict[str, Any], list[tuple]]:
    """(attributes, blocks) of an oracle body; blocks as (type, labels, attrs, blocks, dynamic)."""
    attrs: dict[str, Any] = {}
    blocks: list[tuple] = []
    for key, value in body.items():
        if key.startswith("__"):  # __is_block__, __comments__
            continue
        if _is_block_list(value):
            for item in value:
                blocks.extend(_labelled(key, item, depth))
        else:
            attrs[_unquote(key)] = value
    return attrs, blocks


def _labelled(btype: str, item: dict, depth: int) -> list[tuple]:
    """Unwrap the label layers down to the block body."""
    labels: list[str] = []
    node = item
    while _is_wrapper(node):
        (key,) = node
        labels.append(_unquote(key))
        node = node[key]
    attrs, blocks = _oracle_blocks(node, depth + 1)
    if btype == "dynamic" and labels:
        content = [b for b in blocks if b[0] == "content"]
        merged = dict(attrs)
        inner: list[tuple] = []
        if content:
            merged.update({k: v for k, v in content[0][2].items() if k not in merged})
            inner = content[0][3]
        return [(labels[0], tuple(labels[1:]), merged, inner, True)]
    return [(btype, tuple(labels), attrs, blocks, False)]


def _our_blocks(body: Any) -> list[tuple]:
    return [(b.type, b.labels, b.body.attrs, _our_blocks(b.body), b.dynamic) for b in body.blocks]


def _inst() -> Any:
    """An empty module instance: literals need no references."""
    from lambdalint.parsers.terraform.modules import Instance

    return Instance("", Path("."), ".")


def _compare(ours: list[tuple], theirs: list[tuple], ev: Any, where: str, problems: list[str]) -> int:
    # The oracle groups blocks by type (a dict); order is kept within a type.
    ours = sorted(ours, key=lambda b: b[0])
    theirs = sorted(theirs, key=lambda b: b[0])
    checked = 0
    if [(t, lbl) for t, lbl, *_ in ours] != [(t, lbl) for t, lbl, *_ in theirs]:
        problems.append(f"{where}: blocks {[(t, lbl) for t, lbl, *_ in ours]} != {[(t, lbl) for t, lbl, *_ in theirs]}")
        return checked
    for (btype, labels, attrs, blocks, _), (_, _, o_attrs, o_blocks, _) in zip(ours, theirs, strict=True):
        here = f"{where} {btype}{''.join('.' + lbl for lbl in labels)}"
        if set(attrs) != set(o_attrs):
            problems.append(f"{here}: attributes {sorted(attrs)} != {sorted(o_attrs)}")
            continue
        for name, attr in attrs.items():
            expected = _literal(o_attrs[name])
            if expected is _NOT_LITERAL:
                continue
            value, _ = ev.evaluate(attr.expr, _inst())
            checked += 1
            if value != expected or (type(value) is not type(expected) and not isinstance(expected, (int, float))):
                problems.append(f"{here}.{name} (line {attr.loc.line}): {value!r} != {expected!r}")
        checked += _compare(blocks, o_blocks, ev, here, problems)
    return checked


def test_tree_sitter_reader_agrees_with_python_hcl2_on_the_corpus() -> None:
    hcl2 = pytest.importorskip("hcl2")
    from lambdalint.parsers.intrinsics import Symbols
    from lambdalint.parsers.terraform.evaluate import Evaluator
    from lambdalint.parsers.terraform.hcl import parse_hcl

    files = sorted(p for p in CORPUS.rglob("*.tf") if ".terraform" not in p.parts)
    assert len(files) >= 500
    problems: list[str] = []
    compared = checked = oracle_failures = 0
    started = time.perf_counter()
    for path in files:
        data = path.read_bytes()
        ours = parse_hcl(data, str(path))
        try:
            theirs = hcl2.loads(data.decode("utf-8"))
        except Exception:
            oracle_failures += 1
            continue
        _, o_blocks = _oracle_blocks(theirs, 0)
        ev = Evaluator(Symbols(), world=None)
        checked += _compare(_our_blocks(ours.body), o_blocks, ev, str(path.relative_to(CORPUS)), problems)
        compared += 1
        assert time.perf_counter() - started < 90, "oracle run too slow"
    assert oracle_failures <= 2, oracle_failures
    assert compared >= 500
    assert checked >= 5000, checked
    assert not problems, "\n".join(problems[:30])


def test_tree_sitter_parses_every_corpus_file_without_error() -> None:
    from lambdalint.parsers.terraform.hcl import parse_tree

    files = sorted(p for p in CORPUS.rglob("*.tf") if ".terraform" not in p.parts)
    started = time.perf_counter()
    broken = [p for p in files if parse_tree(p.read_bytes()).root_node.has_error]
    elapsed = time.perf_counter() - started
    assert not broken, broken[:5]
    assert elapsed < 5, f"parsing {len(files)} files took {elapsed:.1f}s"
