"""IAM matching over symbolic strings: actions, resource ARNs and S3 key overlap.

Symbols (one private-use character per unknown, see ``lambdalint.model``) behave like any other
character here: a literal never equals a symbol, a symbol equals only itself, and an IAM
wildcard ``*`` spans symbols. That is exactly "an unknown still equals itself".
"""

from __future__ import annotations

import re
from functools import lru_cache

_PARTITION = re.compile(r"^arn:aws-[a-z-]+:")


def normalize_partition(arn: str) -> str:
    """Partitions never differ within one unit; compare ARNs as if all were ``aws``."""
    if arn.startswith("arn:aws-"):
        return _PARTITION.sub("arn:aws:", arn, count=1)
    return arn


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = []
    for ch in pattern:
        if ch == "*":
            parts.append(".*")
        elif ch == "?":
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def has_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM-style wildcard match (``*`` any run, ``?`` one character)."""
    if not has_wildcard(pattern):
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def action_matches(pattern: str, action: str) -> bool:
    """IAM action match: case-insensitive, ``service:Action`` with wildcards."""
    return glob_match(pattern, action, ignore_case=True)


def allows(statements: list, action: str, resource: str) -> list:
    """The Allow statements that grant ``action`` on ``resource`` and are not explicitly denied.

    A Deny only counts when it is unconditional: a conditional Deny is not proof of absence.
    """
    resource = normalize_partition(resource)
    granted = [s for s in statements if s.effect == "Allow" and _covers(s, action, resource)]
    if not granted:
        return []
    for stmt in statements:
        if stmt.effect == "Deny" and not stmt.conditional and _covers(stmt, action, resource):
            return []
    return granted


def _covers(stmt, action: str, resource: str) -> bool:
    if stmt.actions and not any(action_matches(p, action) for p in stmt.actions):
        return False
    if stmt.not_actions and any(action_matches(p, action) for p in stmt.not_actions):
        return False
    if not stmt.actions and not stmt.not_actions:
        return False
    if stmt.resources:
        return any(glob_match(normalize_partition(p), resource) for p in stmt.resources)
    if stmt.not_resources:
        return not any(glob_match(normalize_partition(p), resource) for p in stmt.not_resources)
    return False


def s3_write_patterns(statements: list, actions: tuple[str, ...], bucket_arn: str) -> list[tuple[str, object]]:
    """Object-key patterns of ``bucket_arn`` the statements let the function write.

    Returns (key pattern, statement) pairs; the key pattern is the part after ``bucket/``
    ("*" for a whole-bucket grant such as ``arn:aws:s3:::*``).
    """
    bucket_arn = normalize_partition(bucket_arn)
    found: list[tuple[str, object]] = []
    denies = [s for s in statements if s.effect == "Deny" and not s.conditional]
    for stmt in statements:
        if stmt.effect != "Allow":
            continue
        if not any(_action_allowed(stmt, a) for a in actions):
            continue
        patterns = stmt.resources or (("*",) if stmt.not_resources else ())
        for raw in patterns:
            pattern = normalize_partition(raw)
            key = _object_key_pattern(pattern, bucket_arn)
            if key is None:
                continue
            probe = bucket_arn + "/" + key.replace("*", "x").replace("?", "x")
            if any(_covers(d, a, probe) for d in denies for a in actions):
                continue
            found.append((key, stmt))
    return found


def _action_allowed(stmt, action: str) -> bool:
    if stmt.actions:
        return any(action_matches(p, action) for p in stmt.actions)
    if stmt.not_actions:
        return not any(action_matches(p, action) for p in stmt.not_actions)
    return False


def _object_key_pattern(pattern: str, bucket_arn: str) -> str | None:
    """The key part of an object-ARN pattern that can address objects of ``bucket_arn``."""
    prefix = bucket_arn + "/"
    if pattern.startswith(prefix):
        return pattern[len(prefix):]
    # A wildcard before or inside the bucket part: it covers this bucket's objects if it
    # matches "bucket/<anything>". Keep the tail after the first "/" that can follow the bucket.
    if has_wildcard(pattern) and glob_match(pattern, prefix + "\x00probe"):
        slash = pattern.find("/")
        if slash == -1:
            return "*"
        head = pattern[:slash]
        if glob_match(head, bucket_arn):
            return pattern[slash + 1:]
        return "*"
    return None


def key_overlaps(key_pattern: str, prefix: str, suffix: str) -> bool:
    """Could some object key match the IAM key pattern and also the notification filter?

    Exact for the patterns IAM policies use: the literal head of the pattern must agree with
    the filter prefix, and its literal tail with the filter suffix. Symbols count as literals
    that only equal themselves, so an unknown prefix is not assumed disjoint unless proven.
    """
    if not has_wildcard(key_pattern):
        return key_pattern.startswith(prefix) and key_pattern.endswith(suffix) and (
            len(key_pattern) >= len(prefix) + len(suffix) or _overlapping_ends(key_pattern, prefix, suffix)
        )
    first = min(i for i in (key_pattern.find("*"), key_pattern.find("?")) if i != -1)
    head = key_pattern[:first]
    last = max(key_pattern.rfind("*"), key_pattern.rfind("?"))
    tail = key_pattern[last + 1:]
    if not (head.startswith(prefix) or prefix.startswith(head)):
        return False
    return tail.endswith(suffix) or suffix.endswith(tail)


def _overlapping_ends(key: str, prefix: str, suffix: str) -> bool:
    return key.startswith(prefix) and key.endswith(suffix)
