"""lambdalint.arn: IAM matching over symbolic strings, and exact S3 key overlap.

Symbols stand for unknown parts (a parameter without default, a generated name); tests build
them the way the resolver does, one private-use character per unknown.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambdalint.arn import (
    ArnIndex,
    Exclusion,
    action_matches,
    allows,
    glob_match,
    key_overlaps,
    literal_head,
    normalize_partition,
    object_key_patterns,
    s3_write_patterns,
)
from lambdalint.model import SYMBOL_BASE, Statement

BUCKET_PARAM = chr(SYMBOL_BASE)  # ${BucketName}
OTHER_PARAM = chr(SYMBOL_BASE + 1)  # ${OtherBucketName}
PREFIX_PARAM = chr(SYMBOL_BASE + 2)  # ${WatchPrefix}
REGION, ACCOUNT = chr(SYMBOL_BASE + 3), chr(SYMBOL_BASE + 4)


def allow(actions: str | tuple[str, ...], resources: str | tuple[str, ...], **kw: object) -> Statement:
    acts = (actions,) if isinstance(actions, str) else actions
    res = (resources,) if isinstance(resources, str) else resources
    return Statement("Allow", acts, res, **kw)  # type: ignore[arg-type]


def deny(actions: str | tuple[str, ...], resources: str | tuple[str, ...], **kw: object) -> Statement:
    acts = (actions,) if isinstance(actions, str) else actions
    res = (resources,) if isinstance(resources, str) else resources
    return Statement("Deny", acts, res, **kw)  # type: ignore[arg-type]


# -- globs over symbolic strings ------------------------------------------------------------------

def test_partitions_compare_equal() -> None:
    assert normalize_partition("arn:aws-cn:s3:::b") == "arn:aws:s3:::b"
    assert normalize_partition("arn:aws-us-gov:sqs:r:1:q") == "arn:aws:sqs:r:1:q"
    assert normalize_partition("arn:aws:s3:::b") == "arn:aws:s3:::b"


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b/a/b/c.json", True),  # * spans "/"
        ("arn:aws:s3:::b/*", "arn:aws:s3:::b2/x", False),
        ("arn:aws:s3:::b?/x", "arn:aws:s3:::b2/x", True),
        ("arn:aws:s3:::b?/x", "arn:aws:s3:::b22/x", False),
        ("*", "", True),
        ("a*b*c", "abc", True),
        ("a*b*c", "acb", False),
        ("arn:aws:s3:::b", "arn:aws:s3:::B", False),  # resources are case-sensitive
        # symbols: an unknown equals itself, never a literal, never another unknown
        (f"arn:aws:s3:::{BUCKET_PARAM}/*", f"arn:aws:s3:::{BUCKET_PARAM}/k", True),
        (f"arn:aws:s3:::{OTHER_PARAM}/*", f"arn:aws:s3:::{BUCKET_PARAM}/k", False),
        ("arn:aws:s3:::uploads/*", f"arn:aws:s3:::{BUCKET_PARAM}/k", False),
        # "*" spans unknowns; "?" is one character and an unknown may be any length
        ("arn:aws:s3:::*", f"arn:aws:s3:::{BUCKET_PARAM}/k", True),
        ("arn:aws:s3:::?/k", f"arn:aws:s3:::{BUCKET_PARAM}/k", False),
        (f"arn:aws:sqs:{REGION}:{ACCOUNT}:q", f"arn:aws:sqs:{REGION}:{ACCOUNT}:q", True),
        (f"arn:aws:sqs:*:{ACCOUNT}:q", f"arn:aws:sqs:{REGION}:{ACCOUNT}:q", True),
    ],
)
def test_glob_match(pattern: str, value: str, expected: bool) -> None:
    assert glob_match(pattern, value) is expected


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("s3:*", "s3:PutObject", True),
        ("S3:putobject", "s3:PutObject", True),  # actions are case-insensitive
        ("s3:Put*", "s3:PutObject", True),
        ("s3:Put*", "s3:GetObject", False),
        ("sqs:SendMessage*", "sqs:SendMessage", True),
        ("*", "dynamodb:PutItem", True),
        ("sns:Publish", "sns:PublishBatch", False),
        ("s3:*Object", "s3:DeleteObject", True),
        ("s3:PutObject?", "s3:PutObject", False),
    ],
)
def test_action_matches(pattern: str, action: str, expected: bool) -> None:
    assert action_matches(pattern, action) is expected


def test_literal_head() -> None:
    assert literal_head("arn:aws:s3:::b/out/*") == "arn:aws:s3:::b/out/"
    assert literal_head("arn:aws:s3:::b?/*") == "arn:aws:s3:::b"
    assert literal_head("*") == ""
    assert literal_head("arn:aws:sqs:r:1:q") == "arn:aws:sqs:r:1:q"


# -- statements: allow, deny, NotAction, NotResource ----------------------------------------------

QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs"


def test_allows_returns_the_granting_statements() -> None:
    grant = allow("sqs:SendMessage*", QUEUE)
    assert allows([grant], "sqs:SendMessage", QUEUE) == [grant]
    assert allows([grant], "sqs:DeleteMessage", QUEUE) == []
    assert allows([grant], "sqs:SendMessage", QUEUE + "-dlq") == []
    assert allows([], "sqs:SendMessage", QUEUE) == []


def test_allows_wildcards_in_action_and_resource() -> None:
    assert allows([allow("*", "*")], "sns:Publish", "arn:aws:sns:r:1:t")
    assert allows([allow("sqs:*", f"arn:aws:sqs:*:{ACCOUNT}:*")], "sqs:SendMessage", QUEUE)
    assert allows([allow("sqs:*", "arn:aws-cn:sqs:*:*:jobs")], "sqs:SendMessage", QUEUE)


def test_unconditional_deny_wins() -> None:
    stmts = [allow("sqs:*", "*"), deny("sqs:Send*", QUEUE)]
    assert allows(stmts, "sqs:SendMessage", QUEUE) == []
    # The Deny names another queue: the Allow stands.
    assert allows(stmts, "sqs:SendMessage", QUEUE + "-other")
    # Deny of another action: the Allow stands.
    assert allows([allow("sqs:*", "*"), deny("sqs:DeleteMessage", QUEUE)], "sqs:SendMessage", QUEUE)


def test_conditional_deny_does_not_prove_absence() -> None:
    stmts = [allow("sqs:*", "*"), deny("sqs:*", "*", conditional=True)]
    assert allows(stmts, "sqs:SendMessage", QUEUE)


def test_not_action_and_not_resource() -> None:
    power_user = Statement("Allow", (), ("*",), not_actions=("iam:*", "organizations:*"))
    assert allows([power_user], "sqs:SendMessage", QUEUE)
    assert not allows([power_user], "iam:PassRole", "arn:aws:iam::1:role/r")
    everywhere_but = Statement("Allow", ("sqs:SendMessage",), (), not_resources=(QUEUE,))
    assert not allows([everywhere_but], "sqs:SendMessage", QUEUE)
    assert allows([everywhere_but], "sqs:SendMessage", QUEUE + "-other")
    deny_all_but = Statement("Deny", ("sqs:*",), (), not_resources=(QUEUE + "-other",))
    assert not allows([allow("sqs:*", "*"), deny_all_but], "sqs:SendMessage", QUEUE)


def test_statement_without_action_grants_nothing() -> None:
    assert not allows([Statement("Allow", (), ("*",))], "sqs:SendMessage", QUEUE)


# -- S3: object keys a policy allows --------------------------------------------------------------

BUCKET = "arn:aws:s3:::acme-work"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("arn:aws:s3:::acme-work/out/*", ["out/*"]),
        ("arn:aws:s3:::acme-work/*", ["*"]),
        ("arn:aws:s3:::acme-work", []),  # a bucket-level ARN grants no object write
        ("arn:aws:s3:::acme-work-2/*", []),
        ("arn:aws:s3:::*", ["*"]),
        ("*", ["*"]),
        ("arn:aws:s3:::*/out/*", ["*/out/*", "out/*"]),  # the star may stop at the bucket or run on
        ("arn:aws:s3:::acme-*/*.json", ["*.json", "*/*.json"]),
        ("arn:aws:s3:::*.json", ["*.json"]),
        ("arn:aws:s3:::acme-work?*", ["*"]),  # "?" may be the "/" itself
        ("arn:aws:s3:::acme-work?/*", ["/*"]),  # ...and then the key must start with "/"
        ("arn:aws-cn:s3:::acme-work/in/x.csv", ["in/x.csv"]),
        ("arn:aws:sqs:r:1:acme-work", []),
    ],
)
def test_object_key_patterns(pattern: str, expected: list[str]) -> None:
    assert object_key_patterns(pattern, BUCKET) == expected


def test_object_key_patterns_keep_unknown_bucket_identity() -> None:
    bucket = f"arn:aws:s3:::{BUCKET_PARAM}"
    assert object_key_patterns(f"arn:aws:s3:::{BUCKET_PARAM}/*", bucket) == ["*"]
    assert object_key_patterns(f"arn:aws:s3:::{OTHER_PARAM}/*", bucket) == []
    assert object_key_patterns("arn:aws:s3:::*", bucket) == ["*"]
    assert object_key_patterns("arn:aws:s3:::uploads/*", bucket) == []


def test_s3_write_patterns_crud_policy() -> None:
    crud = allow(("s3:GetObject", "s3:PutObject", "s3:DeleteObject"), (BUCKET, BUCKET + "/*"))
    (write,) = s3_write_patterns([crud], "s3:PutObject", BUCKET)
    assert (write.key_pattern, write.statement, write.resource, write.excluded) == ("*", crud, BUCKET + "/*", ())
    assert s3_write_patterns([allow("s3:GetObject", BUCKET + "/*")], "s3:PutObject", BUCKET) == []


def test_s3_write_patterns_carry_denies() -> None:
    stmts = [allow("s3:*", "*"), deny("s3:PutObject", BUCKET + "/incoming/*"),
             deny("s3:PutObject", BUCKET + "/x", conditional=True), deny("s3:DeleteObject", BUCKET + "/*")]
    (write,) = s3_write_patterns(stmts, "s3:PutObject", BUCKET)
    assert write.excluded == (Exclusion(("incoming/*",)),)
    assert not key_overlaps(write.key_pattern, "incoming/", "", write.excluded)
    assert key_overlaps(write.key_pattern, "processed/", "", write.excluded)


def test_s3_write_patterns_not_resource() -> None:
    everywhere_but = Statement("Allow", ("s3:PutObject",), (), not_resources=(BUCKET + "/*",))
    (write,) = s3_write_patterns([everywhere_but], "s3:PutObject", BUCKET)
    assert not key_overlaps(write.key_pattern, "", "", write.excluded)
    only_out = Statement("Allow", ("s3:PutObject",), (), not_resources=(BUCKET + "/in/*",))
    (write,) = s3_write_patterns([only_out], "s3:PutObject", BUCKET)
    assert key_overlaps(write.key_pattern, "out/", "", write.excluded)
    assert not key_overlaps(write.key_pattern, "in/", "", write.excluded)
    deny_but = Statement("Deny", ("s3:*",), (), not_resources=(BUCKET + "/tmp/*",))
    (write,) = s3_write_patterns([allow("s3:PutObject", "*"), deny_but], "s3:PutObject", BUCKET)
    assert key_overlaps(write.key_pattern, "tmp/", "", write.excluded)
    assert not key_overlaps(write.key_pattern, "in/", "", write.excluded)


# -- S3: key overlap with a notification filter ---------------------------------------------------

@pytest.mark.parametrize(
    ("key", "prefix", "suffix", "expected"),
    [
        ("processed/*", "incoming/", "", False),
        ("*", "incoming/", "", True),
        ("incoming/*", "incoming/", "", True),
        ("in*", "incoming/", "", True),  # the pattern's head is shorter than the prefix
        ("incoming/a/*", "incoming/", "", True),
        ("*.json", "", ".jpg", False),
        ("*.json", "", "json", True),
        ("*", "", ".jpg", True),
        ("a?", "abc", "", False),  # "?" is exactly one character
        ("a??", "abc", "", True),
        ("a*b*c", "ab", "bc", True),
        ("out/*/x.json", "out/2024/", ".json", True),
        ("out/*/x.json", "out/2024/", ".csv", False),
        ("*", "a", "b", True),
        ("ab", "ab", "b", True),  # prefix and suffix may overlap inside one key
        ("ab", "abc", "", False),
        ("", "", "", True),
        ("x", "", "", True),
        ("*", "*", "", True),  # a "*" in a filter is a literal character
        ("a", "*", "", False),
        ("a*", "?", "", False),
    ],
)
def test_key_overlaps(key: str, prefix: str, suffix: str, expected: bool) -> None:
    assert key_overlaps(key, prefix, suffix) is expected


def test_key_overlaps_with_unknown_filter() -> None:
    # An unknown prefix is never assumed to be covered by a wildcard...
    assert not key_overlaps("*", PREFIX_PARAM, "")
    assert not key_overlaps("?*", PREFIX_PARAM, "")
    # ...but the same unknown in the written keys is the same prefix.
    assert key_overlaps(PREFIX_PARAM + "*", PREFIX_PARAM, "")
    assert key_overlaps(PREFIX_PARAM + "out/*", PREFIX_PARAM, ".json")
    assert not key_overlaps(PREFIX_PARAM + "out/*", PREFIX_PARAM + "in/", "")
    # An unknown in the written keys is covered by an empty filter.
    assert key_overlaps(PREFIX_PARAM + "*", "", "")
    assert not key_overlaps(PREFIX_PARAM + "*", "in/", "")


def test_key_overlaps_exclusions() -> None:
    assert not key_overlaps("*", "incoming/", "", [Exclusion(("incoming/*",))])
    assert key_overlaps("*", "incoming/", "", [Exclusion(("processed/*",))])
    assert not key_overlaps("*", "", "", [Exclusion(("*",))])
    assert key_overlaps("*", "", ".jpg", [Exclusion(("*.json",))])
    assert not key_overlaps("*.jpg", "", "", [Exclusion(("*.jpg",))])
    # negated: everything except what the patterns name is removed
    assert key_overlaps("*", "tmp/", "", [Exclusion(("tmp/*",), negated=True)])
    assert not key_overlaps("*", "in/", "", [Exclusion(("tmp/*",), negated=True)])
    # a literal key is removed by a matching exclusion
    assert not key_overlaps("in/a.jpg", "in/", "", [Exclusion(("in/*",))])
    assert key_overlaps("in/a.jpg", "in/", "", [Exclusion(("out/*",))])
    # removing a part of the prefix region still leaves keys
    assert key_overlaps("*", "in/", "", [Exclusion(("in/a*",))])


# Exactness against brute force: enumerate every key up to a length that suffices for these sizes.
PATTERN = st.text(alphabet="ab*?", max_size=4)
FILTER = st.text(alphabet="ab", max_size=2)
KEYS_6 = ["".join(t) for n in range(7) for t in itertools.product("abx", repeat=n)]


def _brute(key: str, prefix: str, suffix: str, excluded: list[Exclusion]) -> bool:
    return any(
        glob_match(key, k) and k.startswith(prefix) and k.endswith(suffix)
        and not any(any(glob_match(p, k) for p in ex.patterns) != ex.negated for ex in excluded)
        for k in KEYS_6
    )


@given(st.text(alphabet="abx", max_size=5), FILTER, FILTER)
def test_literal_key_overlap_is_prefix_and_suffix(key: str, prefix: str, suffix: str) -> None:
    assert key_overlaps(key, prefix, suffix) == (key.startswith(prefix) and key.endswith(suffix))


@settings(max_examples=150, deadline=None)
@given(PATTERN, FILTER, FILTER)
def test_key_overlaps_matches_brute_force(key: str, prefix: str, suffix: str) -> None:
    assert key_overlaps(key, prefix, suffix) == _brute(key, prefix, suffix, [])


@settings(max_examples=150, deadline=None)
@given(PATTERN, FILTER, FILTER, st.lists(st.text(alphabet="ab*?", max_size=3), min_size=1, max_size=2),
       st.booleans())
def test_key_overlaps_with_exclusions_matches_brute_force(
    key: str, prefix: str, suffix: str, excluded: list[str], negated: bool
) -> None:
    ex = [Exclusion(tuple(excluded), negated)]
    assert key_overlaps(key, prefix, suffix, ex) == _brute(key, prefix, suffix, ex)


# -- candidate index ------------------------------------------------------------------------------

ARN_PART = st.text(alphabet="ab/:", max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.lists(ARN_PART, min_size=1, max_size=5), st.text(alphabet="ab/:*?", max_size=6), ARN_PART)
def test_index_candidates_include_every_match(arns: list[str], pattern: str, tail: str) -> None:
    index = ArnIndex((a, a) for a in arns)
    found = set(index.candidates(pattern))
    for arn in arns:
        if glob_match(pattern, arn):
            assert arn in found
        for sep in "/:":
            if glob_match(pattern, arn + sep + tail) and arn:
                assert arn in found


def test_index_candidates_are_few_for_named_resources() -> None:
    arns = [f"arn:aws:sqs:{REGION}:{ACCOUNT}:q{i}" for i in range(100)]
    index = ArnIndex((a, a) for a in arns)
    assert index.candidates(arns[5]) == [arns[5], *[a for a in arns if a.startswith(arns[5]) and a != arns[5]]]
    assert len(index.candidates("*")) == 100
    buckets = ArnIndex([("arn:aws:s3:::a", "A"), ("arn:aws:s3:::ab", "AB")])
    assert buckets.candidates("arn:aws:s3:::a/out/*") == ["A"]
    assert sorted(buckets.candidates("arn:aws:s3:::a*")) == ["A", "AB"]
