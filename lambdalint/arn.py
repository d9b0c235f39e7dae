"""IAM matching over symbolic strings: actions, resource ARNs and S3 object keys.

Symbols (one private-use character per unknown, see ``lambdalint.model``) behave like other
characters here: a literal never equals a symbol and a symbol equals only itself. That is
exactly "an unknown still equals itself". An IAM ``*`` spans symbols (``arn:aws:s3:::*`` covers
a bucket whose name is a parameter); ``?`` stands for exactly one character and an unknown may
be any length, so ``?`` never matches a symbol.

S3 key questions ("can the function write a key this notification fires on?") are answered
exactly, over the languages the patterns denote, by a small product-automaton search
(``key_overlaps``): the allowed keys, minus explicitly denied keys, intersected with the keys
the notification's prefix/suffix filter selects.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from lambdalint.model import SYMBOL_BASE, Statement, is_literal

T = TypeVar("T")

_PARTITION = re.compile(r"^arn:aws-[a-z-]+:")
_SYMBOLS = f"\\U{SYMBOL_BASE:08x}-\\U0010fffd"


def normalize_partition(arn: str) -> str:
    """Partitions never differ within one unit; compare ARNs as if all were ``aws``."""
    if arn.startswith("arn:aws-"):
        return _PARTITION.sub("arn:aws:", arn, count=1)
    return arn


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def literal_head(pattern: str) -> str:
    """The part of an IAM pattern before its first wildcard: every match starts with it."""
    cut = len(pattern)
    for ch in ("*", "?"):
        pos = pattern.find(ch)
        if pos != -1:
            cut = min(cut, pos)
    return pattern[:cut]


@lru_cache(maxsize=8192)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = []
    for ch in pattern:
        if ch == "*":
            parts.append(".*")
        elif ch == "?":
            parts.append(f"[^{_SYMBOLS}]")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM-style wildcard match (``*`` any run, ``?`` one known character)."""
    if not has_wildcard(pattern):
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def action_matches(pattern: str, action: str) -> bool:
    """IAM action match: case-insensitive, ``service:Action`` with wildcards."""
    return glob_match(pattern, action, ignore_case=True)


# -- statements -------------------------------------------------------------------------------

def allows(statements: Sequence[Statement], action: str, resource: str) -> list[Statement]:
    """The Allow statements that grant ``action`` on ``resource``, unless an explicit Deny wins.

    A Deny counts only when it is unconditional: a conditional Deny still lets the write happen
    when its condition does not hold, so the write remains possible.
    """
    resource = normalize_partition(resource)
    granted = [s for s in statements if s.effect == "Allow" and _covers(s, action, resource)]
    if not granted:
        return []
    for stmt in statements:
        if stmt.effect == "Deny" and not stmt.conditional and _covers(stmt, action, resource):
            return []
    return granted


def statement_allows_action(stmt: Statement, action: str) -> bool:
    """Does the statement's Action / NotAction include ``action`` (whatever its effect)?"""
    if stmt.actions:
        return any(action_matches(p, action) for p in stmt.actions)
    if stmt.not_actions:
        return not any(action_matches(p, action) for p in stmt.not_actions)
    return False


def _covers(stmt: Statement, action: str, resource: str) -> bool:
    if not statement_allows_action(stmt, action):
        return False
    if stmt.resources:
        return any(glob_match(normalize_partition(p), resource) for p in stmt.resources)
    if stmt.not_resources:
        return not any(glob_match(normalize_partition(p), resource) for p in stmt.not_resources)
    return False


# -- S3 object keys -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Exclusion:
    """Keys removed from what a statement allows: those matching any of ``patterns`` (an
    explicit Deny's Resource), or, when ``negated``, those matching none of them (a Deny's
    NotResource, or the Allow statement's own NotResource read the other way)."""

    patterns: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class S3Write:
    """Object keys of one bucket a statement lets the function write with one action."""

    key_pattern: str  # IAM pattern over the key ("*" for any key)
    statement: Statement
    resource: str  # the statement's resource pattern that grants it ("*" for a NotResource Allow)
    excluded: tuple[Exclusion, ...] = ()


def object_key_patterns(pattern: str, bucket_arn: str) -> list[str]:
    """Key patterns of ``bucket_arn``'s objects that an IAM resource pattern covers.

    This is the exact derivative of the pattern by ``bucket_arn + "/"``: every way the pattern
    can consume that text leaves a tail that must match the key. ``arn:aws:s3:::b/out/*`` gives
    ``["out/*"]``, ``arn:aws:s3:::*/out/*`` gives ``["out/*", "*/out/*"]`` (the star may also
    run past the bucket), ``*`` gives ``["*"]``, and a bucket-level ARN gives ``[]``.
    """
    pattern = normalize_partition(pattern)
    text = normalize_partition(bucket_arn) + "/"
    if not has_wildcard(pattern):
        return [pattern[len(text):]] if pattern.startswith(text) else []
    states = _closure(pattern, {0})
    for ch in text:
        states = _step(pattern, states, ch, wild_symbols=True)
        if not states:
            return []
    return sorted({pattern[i:] for i in states if not (i > 0 and pattern[i - 1] == "*" and i - 1 in states)})


def s3_write_patterns(statements: Sequence[Statement], action: str, bucket_arn: str) -> list[S3Write]:
    """What the statements let the function write in ``bucket_arn`` with ``action``.

    One ``S3Write`` per allowed key pattern, each carrying the keys explicit unconditional
    Denies (and the Allow's own NotResource) take away, for ``key_overlaps`` to subtract.
    """
    denied: list[Exclusion] = []
    for stmt in statements:
        if stmt.effect != "Deny" or stmt.conditional or not statement_allows_action(stmt, action):
            continue
        if stmt.resources:
            keys = tuple(k for p in stmt.resources for k in object_key_patterns(p, bucket_arn))
            if keys:
                denied.append(Exclusion(keys))
        elif stmt.not_resources:
            kept = tuple(k for p in stmt.not_resources for k in object_key_patterns(p, bucket_arn))
            denied.append(Exclusion(kept, negated=True))
    found: list[S3Write] = []
    for stmt in statements:
        if stmt.effect != "Allow" or not statement_allows_action(stmt, action):
            continue
        if stmt.resources:
            for raw in stmt.resources:
                for key in object_key_patterns(raw, bucket_arn):
                    found.append(S3Write(key, stmt, raw, tuple(denied)))
        elif stmt.not_resources:
            own = tuple(k for p in stmt.not_resources for k in object_key_patterns(p, bucket_arn))
            found.append(S3Write("*", stmt, "*", (*denied, Exclusion(own)) if own else tuple(denied)))
    return found


def key_overlaps(key_pattern: str, prefix: str, suffix: str, excluded: Sequence[Exclusion] = ()) -> bool:
    """Is there an object key the IAM ``key_pattern`` allows (and no exclusion removes) that
    starts with the notification filter's ``prefix`` and ends with its ``suffix``?

    Exact over the patterns' languages. S3 filter values are literal text (a ``*`` in a prefix
    is a character). Unknown parts of the filter (symbols) are matched only by the same symbol
    written in the key pattern, never by a wildcard: a filter chosen at deploy time is there to
    keep the function's own output out, and we cannot tell that it fails to.
    """
    if not excluded and not has_wildcard(key_pattern):
        return key_pattern.startswith(prefix) and key_pattern.endswith(suffix)
    allowed = _Pat(key_pattern, wild_symbols=False)
    starts = _Pat(_lit(prefix) + "*")
    ends = _Pat("*" + _lit(suffix))
    groups = [(tuple(_Pat(p) for p in ex.patterns), ex.negated) for ex in excluded]
    return _exists([allowed, starts, ends], groups)


# Filter text is literal; map its own "*" and "?" characters to private stand-ins so that only
# the joining wildcard is one. Stand-ins are below the symbol range and never appear in ARNs.
_STAR_LIT, _ONE_LIT = "\ue000", "\ue001"


def _lit(text: str) -> str:
    return text.replace("*", _STAR_LIT).replace("?", _ONE_LIT)


@dataclass(frozen=True, slots=True)
class _Pat:
    """A pattern for the search. ``wild_symbols``: may its wildcards consume a symbol?"""

    text: str
    wild_symbols: bool = True


def _closure(pattern: str, states: Iterable[int]) -> frozenset[int]:
    out = set(states)
    todo = list(out)
    while todo:
        i = todo.pop()
        if i < len(pattern) and pattern[i] == "*" and i + 1 not in out:
            out.add(i + 1)
            todo.append(i + 1)
    return frozenset(out)


def _step(pattern: str, states: frozenset[int], ch: str, wild_symbols: bool) -> frozenset[int]:
    symbol = not is_literal(ch)
    nxt: set[int] = set()
    for i in states:
        if i >= len(pattern):
            continue
        tok = pattern[i]
        if tok == "*":
            if wild_symbols or not symbol:
                nxt.add(i)
        elif tok == "?":
            if not symbol:
                nxt.add(i + 1)
        elif tok == ch:
            nxt.add(i + 1)
    return _closure(pattern, nxt) if nxt else frozenset()


def _exists(required: list[_Pat], groups: list[tuple[tuple[_Pat, ...], bool]]) -> bool:
    """Breadth-first search of the product automaton for a string every ``required`` pattern
    accepts and no exclusion group removes (a group removes a string when one of its patterns
    accepts it, or, negated, when none does). Letters: every character the patterns name, plus
    one fresh character standing for "anything else"."""
    texts = [p.text for p in required] + [p.text for g, _ in groups for p in g]
    letters = {c for t in texts for c in t if c not in "*?"}
    fresh = next(chr(c) for c in range(0x21, 0x10000) if chr(c) not in letters and chr(c) not in "*?")
    alphabet = [*sorted(letters), fresh]

    def removed(state: tuple) -> bool:
        for (pats, negated), sub in zip(groups, state, strict=True):
            hit = any(len(p.text) in s for p, s in zip(pats, sub, strict=True))
            if hit != negated:
                return True
        return False

    start_req = tuple(_closure(p.text, {0}) for p in required)
    start_grp = tuple(tuple(_closure(p.text, {0}) for p in pats) for pats, _ in groups)
    start = (start_req, start_grp)
    seen = {start}
    queue = [start]
    while queue:
        req, grp = queue.pop()
        if all(len(p.text) in s for p, s in zip(required, req, strict=True)) and not removed(grp):
            return True
        for ch in alphabet:
            nreq = tuple(_step(p.text, s, ch, p.wild_symbols) for p, s in zip(required, req, strict=True))
            if not all(nreq):
                continue
            ngrp = tuple(
                tuple(_step(p.text, s, ch, p.wild_symbols) for p, s in zip(pats, sub, strict=True))
                for (pats, _), sub in zip(groups, grp, strict=True)
            )
            state = (nreq, ngrp)
            if state not in seen:
                seen.add(state)
                queue.append(state)
    return False


# -- candidate lookup ---------------------------------------------------------------------------

class ArnIndex(Generic[T]):
    """Resources by ARN, for finding the few a policy's resource pattern could address.

    A pattern can only match strings that start with its literal head, so the candidates for a
    pattern are the ARNs that start with that head, plus the ARNs the head continues with ``/``
    or ``:`` (an object of a bucket, a qualified function ARN). Each lookup costs a bisection
    and the candidates it returns, which keeps policy-to-resource joins linear when policies
    name their resources.
    """

    def __init__(self, items: Iterable[tuple[str, T]]) -> None:
        self._by_arn: dict[str, list[T]] = {}
        for arn, item in items:
            self._by_arn.setdefault(normalize_partition(arn), []).append(item)
        self._sorted = sorted(self._by_arn)

    def candidates(self, pattern: str) -> list[T]:
        head = literal_head(normalize_partition(pattern))
        out: list[T] = []
        arns = self._sorted
        # Walk from the bisection point by index: slicing the rest of the list would copy it on
        # every lookup (linear per lookup, quadratic over a template's policies).
        for index in range(bisect.bisect_left(arns, head), len(arns)):
            arn = arns[index]
            if not arn.startswith(head):
                break
            out.extend(self._by_arn[arn])
        for i, ch in enumerate(head):
            if ch in "/:" and i > 0:
                out.extend(self._by_arn.get(head[:i], ()))
        return out
