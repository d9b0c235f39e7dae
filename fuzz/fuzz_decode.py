"""Fuzz the template decoder (YAML and JSON with positions): ``lambdalint.parsers.decode.decode``.

A crash is any exception other than ``DecodeError`` (the one-line reason a user sees), a
multi-line reason, or a position outside the text. Run with atheris (``pip install atheris``;
a wheel exists for CPython 3.11 on x86-64 Linux)::

    mkdir -p /tmp/seeds-decode && cp sample_templates/*/template.* tests/rules/*/*/*.yaml /tmp/seeds-decode/
    python fuzz/fuzz_decode.py /tmp/seeds-decode -max_total_time=300 -rss_limit_mb=1536 -timeout=20

``-rss_limit_mb`` and ``-timeout`` make a memory blow-up (alias bomb) or a hang (a quadratic
scan, deep recursion) a finding too. Without atheris, ``python fuzz/fuzz_decode.py FILE...``
runs the check once on each file (to replay a crash input).
"""

from __future__ import annotations

import re
import sys

try:
    import atheris
except ImportError:  # replay mode only
    atheris = None

if atheris is not None:
    with atheris.instrument_imports(include=["lambdalint"]):
        from lambdalint.lint import UnitError, text_of
        from lambdalint.parsers.decode import DecodeError, Map, Seq, decode
else:
    from lambdalint.lint import UnitError, text_of
    from lambdalint.parsers.decode import DecodeError, Map, Seq, decode

_BREAK = re.compile(r"\r\n|\r|\n")


def _positions(data: object):
    seen: set[int] = set()
    stack = [data]
    while stack:
        node = stack.pop()
        if not isinstance(node, (Map, Seq)) or id(node) in seen:
            continue
        seen.add(id(node))
        yield node.pos
        if isinstance(node, Map):
            yield from node.key_locs.values()
            stack.extend(node.values())
        else:
            yield from node.item_locs
            stack.extend(node)


def TestOneInput(data: bytes) -> None:  # atheris' name
    try:
        text = text_of(data)  # what lint does first: binary and non-UTF-8 input stop here
    except UnitError:
        return
    try:
        doc = decode(text)
    except DecodeError as exc:
        if "\n" in str(exc) or "\r" in str(exc):
            raise AssertionError(f"multi-line decode error: {exc!r}") from None
        return
    lines = len(_BREAK.split(text))
    for line, column in _positions(doc.data):
        if not (1 <= line <= lines and column >= 1):
            raise AssertionError(f"position {line}:{column} outside a text of {lines} lines")


def main() -> None:
    if atheris is None:
        for name in sys.argv[1:]:
            with open(name, "rb") as handle:
                TestOneInput(handle.read())
        return
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
