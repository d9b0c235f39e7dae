"""Unit and property tests of the template decoder (lambdalint/parsers/decode.py).

The decoder is the base of every finding's line number and every value a rule compares, so each
promise it makes is pinned here: 1-based positions of keys and items (YAML and JSON), short-form
intrinsic tags, scalar types as CloudFormation reads them, duplicate keys, the guards against
hostile input (alias bombs, deep nesting), and that the fast C parser is the one in use.
tests/test_decode_oracle.py checks the same decoder against cfn-lint's over the real corpus.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lambdalint.parsers import decode as decode_module
from lambdalint.parsers.decode import DecodeError, Map, Seq, c_parser_active, decode


def data(text: str) -> Any:
    return decode(textwrap.dedent(text)).data


# --- positions -------------------------------------------------------------------------------


def test_yaml_key_and_item_positions_are_one_based() -> None:
    doc = data(
        """\
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Layers:
                - arn:one
                -   arn:two
              Tags: {Team: a, Env: b}
              List: [x, "y"]
        """
    )
    assert doc.key_locs["Resources"] == (1, 1)
    fn = doc["Resources"]["Fn"]
    assert doc["Resources"].key_locs["Fn"] == (2, 3)
    assert fn.key_locs == {"Type": (3, 5), "Properties": (4, 5)}
    props = fn["Properties"]
    assert props.key_locs["Layers"] == (5, 7)
    assert props["Layers"].item_locs == [(6, 11), (7, 13)]
    assert props["Tags"].key_locs == {"Team": (8, 14), "Env": (8, 23)}
    assert props["List"].item_locs == [(9, 14), (9, 17)]
    assert isinstance(props["Layers"], Seq) and isinstance(props, Map)
    assert props["Layers"].pos == (6, 9) and props["Tags"].pos == (8, 13)


def test_positions_of_values_under_block_and_compact_sequences() -> None:
    doc = data(
        """\
        Statement:
        - Effect: Allow
          Action:
          - s3:GetObject
        -
          Effect: Deny
        """
    )
    statements = doc["Statement"]
    assert doc.key_locs["Statement"] == (1, 1)
    assert statements.item_locs == [(2, 3), (6, 3)]
    assert statements[0].key_locs == {"Effect": (2, 3), "Action": (3, 3)}
    assert statements[0]["Action"].item_locs == [(4, 5)]
    assert statements[1].key_locs == {"Effect": (6, 3)}


def test_json_key_and_item_positions_point_at_the_opening_quote() -> None:
    text = (
        '{\n  "Resources": {\n    "Q": {"Type": "AWS::SQS::Queue"},\n    "L": [1, "two",\n      {"k": null}]\n  }\n}\n'
    )
    doc = decode(text)
    assert doc.is_json
    res = doc.data["Resources"]
    assert doc.data.key_locs["Resources"] == (2, 3)
    assert res.key_locs == {"Q": (3, 5), "L": (4, 5)}
    assert res["Q"].key_locs["Type"] == (3, 11)
    assert res["L"].item_locs == [(4, 11), (4, 14), (5, 7)]
    assert res["L"][2].key_locs["k"] == (5, 8)


def test_json_with_tabs_keeps_columns() -> None:
    """libyaml refuses tabs in flow context; JSON allows them as whitespace. A tab counts as one
    column, as cfn-lint's JSON decoder and most editors' "column" report it."""
    text = '{\n\t"Resources": {\n\t\t"Q": {\t"Type": "AWS::SQS::Queue"}\n\t}\n}\n'
    doc = decode(text)
    assert doc.data == {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}
    assert doc.data.key_locs["Resources"] == (2, 2)
    assert doc.data["Resources"].key_locs["Q"] == (3, 3)
    assert doc.data["Resources"]["Q"].key_locs["Type"] == (3, 10)


def test_json_raw_tab_inside_a_string_keeps_the_value() -> None:
    """Tabs between JSON tokens become spaces for libyaml, but one inside a string (strict JSON
    forbids it; YAML, cfn-lint and the AWS CLI's YAML fallback keep it) must not be rewritten."""
    doc = decode('{"a": "x\ty",\n\t"b":\t1}')
    assert doc.data == {"a": "x\ty", "b": 1}
    assert doc.data.key_locs["b"] == (2, 2)


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85"])
def test_json_string_with_a_yaml_1_1_line_break_character(char: str) -> None:
    """YAML 1.1 (libyaml) counts NEL, LS and PS as line breaks; JSON does not. Inside a JSON
    string they must neither shift later line numbers nor be folded into a space."""
    doc = decode(f'{{"a": "x{char}y",\n "b": 1}}')
    assert doc.data == {"a": f"x{char}y", "b": 1}
    assert doc.data.key_locs["b"] == (2, 2)


def test_utf8_bom_is_ignored_and_positions_unchanged() -> None:
    doc = decode("\ufeffResources:\n  Q:\n    Type: AWS::SQS::Queue\n")
    assert doc.data == {"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}
    assert doc.data.key_locs["Resources"] == (1, 1)
    assert doc.data["Resources"].key_locs["Q"] == (2, 3)
    jdoc = decode('\ufeff{"Resources": {"Q": {}}}')
    assert jdoc.is_json and jdoc.data.key_locs["Resources"] == (1, 2)


def test_crlf_line_endings() -> None:
    doc = decode("A: 1\r\nB:\r\n  - x\r\n")
    assert doc.data == {"A": 1, "B": ["x"]}
    assert doc.data.key_locs["B"] == (2, 1) and doc.data["B"].item_locs == [(3, 5)]


def test_flow_colon_fallback_keeps_positions_and_types() -> None:
    """libyaml (the C parser) rejects a colon inside a flow plain scalar (`[sts:AssumeRole]`),
    which YAML 1.2 allows; those files are re-read by ruamel's pure parser. Both paths must
    agree on types and positions."""
    text = "Action: [sts:AssumeRole, !Ref AWS::Region]\nEnabled: yes\nVersion: 2012-10-17\nN: 0777\n"
    doc = decode(text)
    assert doc.data == {"Action": ["sts:AssumeRole", {"Ref": "AWS::Region"}], "Enabled": True,
                        "Version": "2012-10-17", "N": 511}
    assert doc.data["Action"].item_locs == [(1, 10), (1, 26)]
    assert doc.data.key_locs["Version"] == (3, 1)


# --- short-form intrinsic tags ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_value", "expected"),
    [
        ("!Ref MyBucket", {"Ref": "MyBucket"}),
        ("!Ref AWS::Region", {"Ref": "AWS::Region"}),
        ("!GetAtt Fn.Arn", {"Fn::GetAtt": ["Fn", "Arn"]}),
        ("!GetAtt Db.Endpoint.Address", {"Fn::GetAtt": ["Db", "Endpoint.Address"]}),
        ("!GetAtt [Db, Endpoint.Address]", {"Fn::GetAtt": ["Db", "Endpoint.Address"]}),
        ("!GetAtt Lonely", {"Fn::GetAtt": ["Lonely"]}),
        ("!Sub 'arn:aws:s3:::${Bucket}/*'", {"Fn::Sub": "arn:aws:s3:::${Bucket}/*"}),
        ("!Sub ['${A}-x', {A: !Ref B}]", {"Fn::Sub": ["${A}-x", {"A": {"Ref": "B"}}]}),
        ("!Join ['', [a, !Ref B]]", {"Fn::Join": ["", ["a", {"Ref": "B"}]]}),
        ("!If [IsProd, 1, !Ref AWS::NoValue]", {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]}),
        ("!Condition IsProd", {"Condition": "IsProd"}),
        ("!Select [0, !GetAZs '']", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
        ("!Split [',', !ImportValue Subnets]", {"Fn::Split": [",", {"Fn::ImportValue": "Subnets"}]}),
        ("!FindInMap [M, !Ref AWS::Region, Ami]", {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "Ami"]}),
        ("!ImportValue Shared-Queue", {"Fn::ImportValue": "Shared-Queue"}),
        ("!Base64 hello", {"Fn::Base64": "hello"}),
        ("!Cidr [10.0.0.0/16, 4, 8]", {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}),
        ("!GetAZs us-east-1", {"Fn::GetAZs": "us-east-1"}),
        ("!Equals [!Ref Env, prod]", {"Fn::Equals": [{"Ref": "Env"}, "prod"]}),
        ("!And [!Condition A, !Not [!Condition B]]",
         {"Fn::And": [{"Condition": "A"}, {"Fn::Not": [{"Condition": "B"}]}]}),
        ("!Or [!Equals [a, b], !Condition C]", {"Fn::Or": [{"Fn::Equals": ["a", "b"]}, {"Condition": "C"}]}),
        ("!Not [!Equals [!Ref Env, prod]]", {"Fn::Not": [{"Fn::Equals": [{"Ref": "Env"}, "prod"]}]}),
        ("!Transform {Name: AWS::Include}", {"Fn::Transform": {"Name": "AWS::Include"}}),
        ("!Ref 12", {"Ref": "12"}),  # a tagged scalar is always a string
        ("!Ref", {"Ref": ""}),
    ],
)
def test_short_form_tag_to_long_form(yaml_value: str, expected: Any) -> None:
    assert decode(f"v: {yaml_value}\n").data["v"] == expected


def test_tags_on_block_collections_and_their_positions() -> None:
    doc = data(
        """\
        A: !Join
          - ''
          - - !Ref B
            - !GetAtt C.Arn
        D: !If
          - Cond
          - x
          - !Ref AWS::NoValue
        """
    )
    assert doc["A"] == {"Fn::Join": ["", [{"Ref": "B"}, {"Fn::GetAtt": ["C", "Arn"]}]]}
    assert doc["A"].key_locs["Fn::Join"] == (1, 4)  # the long-form key sits where the tag is
    assert doc["A"]["Fn::Join"].item_locs == [(2, 5), (3, 5)]
    inner = doc["A"]["Fn::Join"][1]
    assert inner.item_locs == [(3, 7), (4, 7)]
    assert inner[1].key_locs["Fn::GetAtt"] == (4, 7)
    assert doc["D"]["Fn::If"][2] == {"Ref": "AWS::NoValue"}


# --- scalar types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plain", "expected"),
    [
        ("12", 12), ("-3", -3), ("+7", 7), ("1_000", 1000), ("0", 0),
        ("0x1F", 31), ("0b101", 5), ("0777", 511), ("0o777", "0o777"), ("1:20", 80),
        ("012345678901", "012345678901"),  # an account id with an 8 or 9 in it stays text
        ("1.5", 1.5), ("-0.25", -0.25), ("1.0e+3", 1000.0), (".5", 0.5), ("1e3", "1e3"), ("1.5e3", "1.5e3"),
        (".inf", math.inf), ("-.Inf", -math.inf),
        ("true", True), ("True", True), ("TRUE", True), ("false", False),
        ("yes", True), ("Yes", True), ("YES", True), ("no", False), ("No", False), ("on", True),
        ("Off", False), ("y", "y"), ("n", "n"), ("Y", "Y"), ("yEs", "yEs"),
        ("null", None), ("~", None), ("Null", None), ("", None),
        ("2012-10-17", "2012-10-17"), ("2010-09-09", "2010-09-09"),
        ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
        ("=", "="), ("python3.12", "python3.12"), ("t2.micro", "t2.micro"),
    ],
)
def test_plain_scalar_types_follow_yaml_1_1_as_cloudformation_reads_them(plain: str, expected: Any) -> None:
    """Plain scalars are typed as YAML 1.1 / PyYAML types them, not as YAML 1.2.

    CloudFormation documents that it supports "the YAML Version 1.1 specification" (template
    formats page), and it does: an unquoted `Value: YES` tag arrives as "true" (aws-cli PR #5257:
    "CloudFormation treats unquoted values that are YAML 1.1 native booleans as booleans";
    ASFHyP3/hyp3 PR #2061 shows it on a real stack). `sam deploy` and `aws cloudformation package`
    load templates with PyYAML (1.1) and re-dump them, and cfn-lint also uses PyYAML, so matching
    PyYAML's resolver exactly is matching what reaches CloudFormation. Hence `yes`/`no`/`on`/`off`
    (any of the three casings) are booleans; `y`/`n` are not (PyYAML, cfn-lint and the aws-cli
    maintainers keep them strings; aws-cli PR #7931). `0777` is octal, and `012345678901` (not
    octal: it has an 8) stays the account id string rather than becoming 12345678901. A float
    needs a dot and a signed exponent (`1e3` is a string), as in PyYAML. There is no timestamp
    type: CloudFormation lists timestamp among unsupported YAML tags, so an unquoted
    `Version: 2012-10-17` stays the string "2012-10-17" (cfn-lint gives a date; the oracle test
    compares the two by value).
    """
    value = decode(f"v: {plain}\n").data["v"]
    assert value == expected and type(value) is type(expected)


def test_nan_scalar() -> None:
    assert math.isnan(decode("v: .nan\n").data["v"])


@pytest.mark.parametrize("quoted", ["'12'", '"12"', "'yes'", '"true"', "'~'", "'2012-10-17'", '"0777"', "|\n  12"])
def test_quoted_and_block_scalars_stay_strings(quoted: str) -> None:
    value = decode(f"v: {quoted}\n").data["v"]
    assert isinstance(value, str)


def test_explicit_core_tags_are_honoured() -> None:
    doc = data(
        """\
        a: !!str 123
        b: !!int "7"
        c: !!float "1"
        d: !!bool "yes"
        e: !!null ""
        """
    )
    assert doc == {"a": "123", "b": 7, "c": 1.0, "d": True, "e": None}


def test_keys_stay_as_written() -> None:
    """Keys are names (logical ids, property names, mapping keys): they keep their source text,
    so `yes:` or `80:` do not turn into True or 80 (JSON, CloudFormation's own form, has only
    string keys)."""
    doc = data("80: a\nyes: b\n'1': c\n")
    assert list(doc) == ["80", "yes", "1"]


def test_json_numbers_and_literals() -> None:
    """A JSON template is read as JSON by the AWS CLI and SAM CLI (json.loads first), so JSON
    exponent numbers are floats even though YAML 1.1 would keep `1e5` a string."""
    doc = decode('{"i": 10, "f": 1.5, "e": 1e5, "E": -2.5E-3, "z": -0, "t": true, "n": null, "s": "yes"}').data
    assert doc == {"i": 10, "f": 1.5, "e": 100000.0, "E": -0.0025, "z": 0, "t": True, "n": None, "s": "yes"}
    assert type(doc["e"]) is float and type(doc["i"]) is int


def test_json_escapes_including_surrogate_pairs() -> None:
    text = '{"a": "http:\\/\\/x\\ty", "b": "\\ud83d\\ude00!", "c": "\\u00e9", "d": 1}'
    doc = decode(text)
    assert doc.data == {"a": "http://x\ty", "b": "\U0001f600!", "c": "é", "d": 1}
    assert doc.data.key_locs["d"] == (1, text.index('"d"') + 1)  # rewriting escapes moved nothing


# --- errors ----------------------------------------------------------------------------------


def test_duplicate_yaml_key_names_both_lines() -> None:
    text = "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  Q:\n    Type: AWS::SNS::Topic\n"
    with pytest.raises(DecodeError) as exc:
        decode(text)
    message = str(exc.value)
    assert "'Q'" in message and "line 4" in message and "line 2" in message and "\n" not in message


def test_duplicate_json_key_names_both_lines() -> None:
    text = '{\n  "Resources": {},\n  "Outputs": {},\n  "Resources": {}\n}\n'
    with pytest.raises(DecodeError) as exc:
        decode(text)
    message = str(exc.value)
    assert "'Resources'" in message and "line 4" in message and "line 2" in message


def test_duplicate_key_inside_a_mapping_that_also_merges_is_still_an_error() -> None:
    """cfn-lint skips its duplicate check in any mapping that uses `<<`; the YAML spec does not,
    and two explicit `y` keys are as ambiguous there as anywhere."""
    with pytest.raises(DecodeError, match="duplicate key 'y' at line 5"):
        decode("a: &a {x: 1}\nb:\n  <<: *a\n  y: 1\n  y: 2\n")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("Resources:\n  Q: [a, b\n", "line 3"),
        ("a: 1\n b: 2\n", "line 2"),
        ("a:\n\t- 1\n", "line 2, column 1"),
        ('{"a": 1,,}', "line 1"),
        ("a: 'unterminated\n", "line 2"),
        ("a: *nope\n", "line 1"),
        ("a: 1\n---\nb: 2\n", "line 2"),
        ('{"a": [sts:Assume, "x"}', "line 1"),  # goes through the pure-parser fallback too
    ],
)
def test_invalid_yaml_is_a_one_line_error_with_a_position(text: str, where: str) -> None:
    with pytest.raises(DecodeError) as exc:
        decode(text)
    message = str(exc.value)
    assert "\n" not in message and where in message, message


def test_non_scalar_key_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="not a scalar"):
        decode("? [a, b]\n: 1\n")


def test_empty_document() -> None:
    for text in ("", "\n\n", "# only a comment\n", "---\n", "\ufeff"):
        assert decode(text).data is None
    assert decode("{}").data == {} and decode("[]").data == []


# --- merge keys and anchors --------------------------------------------------------------------


def test_merge_keys() -> None:
    doc = data(
        """\
        Base: &base
          Runtime: python3.12
          Timeout: 3
        Other: &other {Timeout: 9, MemorySize: 256}
        Fn:
          <<: [*base, *other]
          Timeout: 30
        """
    )
    # explicit keys win even when written after the merge; of several merged maps the first wins
    assert doc["Fn"] == {"Runtime": "python3.12", "Timeout": 30, "MemorySize": 256}
    assert doc["Fn"].key_locs["Timeout"] == (7, 3)
    assert doc["Fn"].key_locs["Runtime"] == (2, 3)  # a merged key points where it was written
    assert doc["Fn"].key_locs["MemorySize"] == (4, 28)


def test_merge_of_a_non_mapping_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="merge"):
        decode("a: &a [1]\nb:\n  <<: *a\n")


def test_alias_reuses_the_anchored_value() -> None:
    doc = data("a: &x {k: [1, 2]}\nb: *x\n")
    assert doc["a"] == doc["b"] == {"k": [1, 2]}


def test_alias_bomb_is_refused_quickly_and_without_eating_memory() -> None:
    """Billion laughs, 9 levels x 9: 9**9 (387 million) leaves once expanded."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    text = "\n".join(lines) + "\n"
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(DecodeError, match="alias"):
            decode(text)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0, elapsed
    assert peak < 20 * 2**20, peak


def test_recursive_alias_is_a_decode_error() -> None:
    with pytest.raises(DecodeError, match="recursive"):
        decode("a: &a [1, *a]\n")


def test_moderate_alias_use_is_fine() -> None:
    text = "x: &x [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n" + "".join(f"k{i}: *x\n" for i in range(1000))
    assert len(decode(text).data) == 1001


# --- nesting ---------------------------------------------------------------------------------

DEEP = 10_000


@pytest.mark.parametrize(
    "text",
    [
        "[" * DEEP + "]" * DEEP,
        "a: " + "{b: " * DEEP + "1" + "}" * DEEP + "\n",
        "".join("  " * i + "k:\n" for i in range(DEEP)) + "  " * DEEP + "k: 1\n",
        "- " * DEEP + "x\n",
        "[" * DEEP,  # unterminated as well as deep
    ],
    ids=["flow-seq", "flow-map", "block-map", "compact-seq", "unterminated"],
)
def test_deep_nesting_is_a_decode_error(text: str) -> None:
    with pytest.raises(DecodeError, match=r"nesting deeper|invalid YAML"):
        decode(text)


def test_nesting_within_the_limit_decodes() -> None:
    depth = decode_module.MAX_DEPTH - 5
    value = decode("[" * depth + "1" + "]" * depth).data
    for _ in range(depth):
        value = value[0]
    assert value == 1


_CRASH_PROBE = """
import sys, threading
from lambdalint.parsers.decode import DecodeError, decode
def probe(n):
    try:
        decode("[" * n + "]" * n)
    except DecodeError:
        return
    raise SystemExit("decoded %d levels" % n)
probe(300_000)
threading.stack_size(512 * 1024)  # macOS's default for secondary threads
t = threading.Thread(target=probe, args=(50_000,))
t.start(); t.join()
print("ok")
"""


def test_very_deep_nesting_cannot_crash_the_process() -> None:
    """libyaml's composer recurses in C without a recursion check: 40,000 levels used to kill
    the interpreter with SIGSEGV (a crash no `except` can catch). Run in a child process so a
    regression shows up as a failure instead of taking pytest down with it."""
    proc = subprocess.run([sys.executable, "-c", _CRASH_PROBE], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", (proc.returncode, proc.stderr[-2000:])


def test_decode_in_a_small_thread_stack() -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            decode("a:\n" + "  - [" * 300 + "1" + "]" * 300 + "\n")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    old = threading.stack_size(256 * 1024)
    try:
        t = threading.Thread(target=run)
        t.start()
        t.join()
    finally:
        threading.stack_size(old)
    assert errors == [] or all(isinstance(e, DecodeError) for e in errors)


# --- the C parser ------------------------------------------------------------------------------


def test_c_parser_is_active() -> None:
    """ruamel.yaml.clib's libyaml composer is ~10x faster than the pure-Python one; a packaging
    change that drops it would silently make `check` 10x slower."""
    from ruamel.yaml.main import CParser

    assert c_parser_active() is True
    assert CParser is not None
    assert decode_module._yaml().Parser is CParser
    assert decode_module._yaml(True).Parser is CParser


def test_decoding_uses_the_c_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    """With ruamel's pure-Python parser and composer made unusable, an ordinary template still
    decodes: the C path did the work."""
    import ruamel.yaml.composer
    import ruamel.yaml.parser

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("pure-Python YAML parser used")

    monkeypatch.setattr(ruamel.yaml.parser.Parser, "__init__", refuse)
    monkeypatch.setattr(ruamel.yaml.composer.Composer, "__init__", refuse)
    doc = decode("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties: {DelaySeconds: 5}\n")
    assert doc.data["Resources"]["Q"]["Properties"]["DelaySeconds"] == 5
    assert decode('{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}').data["Resources"]["Q"]


# --- property tests ----------------------------------------------------------------------------

_KEY = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,11}", fullmatch=True)
_IDENT = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,8}", fullmatch=True)
_PLAIN_WORDS = st.sampled_from(["yes", "No", "ON", "off", "y", "n", "true", "False", "null", "Null", "~",
                                "t2.micro", "python3.12", "sts:AssumeRole", "a-b_c", "arn:aws:sqs:*"])
_TAGS = ["Ref", "Condition", "GetAtt", "Sub", "Join", "If", "Select", "Split", "FindInMap", "ImportValue",
         "Base64", "Cidr", "GetAZs", "Equals", "And", "Or", "Not"]


def _yaml_double_quoted(text: str) -> str:
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif (0x20 <= code < 0x7F or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD) and code not in (
            0x2028, 0x2029, 0xFEFF  # YAML 1.1 line breaks and the BOM must be escaped to survive
        ):
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


# A scalar is (yaml text, expected value).
_scalar = st.one_of(
    st.integers(-(10**12), 10**12).map(lambda i: (str(i), i)),
    st.tuples(st.integers(-999, 999), st.integers(0, 999)).map(lambda t: (f"{t[0]}.{t[1]}", float(f"{t[0]}.{t[1]}"))),
    _PLAIN_WORDS.map(lambda w: (w, None)),  # expected value comes from PyYAML, see _expected_plain
    _IDENT.map(lambda w: (w, None)),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=15).map(lambda s: (_yaml_double_quoted(s), s)),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=10).map(
        lambda s: ("'" + s.replace("'", "''") + "'", s)),
)


def _expected_plain(text: str) -> Any:
    """An independent oracle for plain scalars: PyYAML (YAML 1.1), which is what the AWS CLI and
    SAM CLI hand to CloudFormation."""
    import yaml

    return yaml.safe_load(f"v: {text}\n")["v"]


def _tree(max_leaves: int = 25) -> st.SearchStrategy:
    def extend(children: st.SearchStrategy) -> st.SearchStrategy:
        return st.one_of(
            st.dictionaries(_KEY, children, min_size=1, max_size=4).map(lambda d: ("map", d)),
            st.lists(children, min_size=1, max_size=4).map(lambda items: ("seq", items)),
            st.tuples(st.sampled_from(_TAGS), children).map(lambda t: ("tag", t)),
        )

    leaf = st.one_of(
        _scalar.map(lambda s: ("scalar", s)),
        st.tuples(_IDENT, _IDENT).map(lambda p: ("getatt", p)),
    )
    return st.recursive(leaf, extend, max_leaves=max_leaves)


class _Renderer:
    """Renders a generated tree as block YAML, recording where each key and item was written."""

    def __init__(self, comments: list[bool]) -> None:
        self.lines: list[str] = []
        self.comments = iter(comments * 50)

    def maybe_comment(self, indent: int) -> None:
        if next(self.comments, False):
            self.lines.append(" " * indent + "# a comment: with [brackets] and 'quotes'")

    def inline(self, node: Any, line: int, col: int) -> tuple[str, Any, Any] | None:
        """Text for a node written on the current line at ``col`` (1-based), or None if it needs
        its own block. Returns (text, expected value, expected positions)."""
        kind, value = node
        if kind == "scalar":
            text, expected = value
            return text, (expected if expected is not None or text.startswith(("'", '"')) else
                          _expected_plain(text)), None
        if kind == "getatt":
            a, b = value
            return f"!GetAtt {a}.{b}", {"Fn::GetAtt": [a, b]}, ("tag", (line, col))
        return None

    def block(self, node: Any, indent: int, line_prefix: str | None = None) -> tuple[Any, Any]:
        """Render a map/seq/tag node as a block starting on a new line (or, for a compact item,
        on the line ``line_prefix`` started). Returns (expected value, expected positions)."""
        kind, value = node
        if kind == "map":
            expected: dict[str, Any] = {}
            positions: dict[str, Any] = {}
            first = True
            for key, child in value.items():
                if first and line_prefix is not None:
                    prefix = line_prefix
                else:
                    self.maybe_comment(indent)
                    prefix = " " * indent
                first = False
                line_no = len(self.lines) + 1
                key_pos = (line_no, len(prefix) + 1)
                head = f"{prefix}{key}:"
                expected[key], child_pos = self.value_after(head, child, indent)
                positions[key] = (key_pos, child_pos)
            return expected, ("map", positions)
        if kind == "seq":
            expected_items: list[Any] = []
            positions_items: list[Any] = []
            first = True
            for child in value:
                if first and line_prefix is not None:
                    prefix = line_prefix + "- "
                else:
                    self.maybe_comment(indent)
                    prefix = " " * indent + "- "
                first = False
                line_no = len(self.lines) + 1
                item_pos = (line_no, len(prefix) + 1)
                got = self.inline(child, line_no, len(prefix) + 1)
                if got is not None:
                    text, exp, child_pos = got
                    self.lines.append(prefix + text)
                elif child[0] == "tag":
                    exp, child_pos = self.tagged(prefix, child, indent + 2)
                else:
                    exp, child_pos = self.block(child, indent + 2, line_prefix=prefix)
                expected_items.append(exp)
                positions_items.append((item_pos, child_pos))
            return expected_items, ("seq", positions_items)
        raise AssertionError(kind)

    def value_after(self, head: str, child: Any, indent: int) -> tuple[Any, Any]:
        line_no = len(self.lines) + 1
        got = self.inline(child, line_no, len(head) + 2)
        if got is not None:
            text, exp, child_pos = got
            self.lines.append(f"{head} {text}")
            return exp, child_pos
        if child[0] == "tag":
            return self.tagged(head + " ", child, indent + 2)
        self.lines.append(head)
        return self.block(child, indent + 2)

    def tagged(self, prefix: str, node: Any, indent: int) -> tuple[Any, Any]:
        _, (tag, child) = node
        name = tag if tag in ("Ref", "Condition") else f"Fn::{tag}"
        line_no = len(self.lines) + 1
        tag_pos = (line_no, len(prefix) + 1)
        head = f"{prefix}!{tag}"
        got = self.inline(child, line_no, len(head) + 2)
        if got is not None and child[0] == "scalar" and child[1][0].startswith(("'", '"')):
            text, exp, child_pos = got
            self.lines.append(f"{head} {text}")
            if tag == "GetAtt":  # a scalar GetAtt splits at the first dot
                exp = exp.split(".", 1)
        elif child[0] in ("map", "seq"):
            self.lines.append(head)
            exp, child_pos = self.block(child, indent)
        else:  # a tag on a plain scalar or on another tag: wrap it in a one-item block sequence
            self.lines.append(head)
            exp, child_pos = self.block(("seq", [child]), indent)
        return {name: exp}, ("tag", tag_pos, child_pos)


def _check_positions(value: Any, expected_pos: Any) -> None:
    if expected_pos is None:
        return
    kind = expected_pos[0]
    if kind == "map":
        assert isinstance(value, Map)
        for key, (key_pos, child_pos) in expected_pos[1].items():
            assert value.key_locs[key] == key_pos, (key, value.key_locs[key], key_pos)
            _check_positions(value[key], child_pos)
    elif kind == "seq":
        assert isinstance(value, Seq)
        assert len(value.item_locs) == len(expected_pos[1])
        for i, (item_pos, child_pos) in enumerate(expected_pos[1]):
            assert value.item_locs[i] == item_pos, (i, value.item_locs[i], item_pos)
            _check_positions(value[i], child_pos)
    elif kind == "tag":
        assert isinstance(value, Map) and len(value) == 1
        (name,) = value
        assert value.key_locs[name] == expected_pos[1]
        if len(expected_pos) > 2:
            _check_positions(value[name], expected_pos[2])


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(root=st.dictionaries(_KEY, _tree(), min_size=1, max_size=5), comments=st.lists(st.booleans(), max_size=8))
def test_generated_yaml_decodes_to_what_was_written_where_it_was_written(
    root: dict[str, Any], comments: list[bool]
) -> None:
    renderer = _Renderer(comments)
    expected, positions = renderer.block(("map", root), 0)
    text = "\n".join(renderer.lines) + "\n"
    try:
        got = decode(text).data
    except DecodeError as exc:  # every generated document is valid YAML
        raise AssertionError(f"{exc}\n{text}") from None
    assert _same(got, expected), text
    _check_positions(got, positions)


def _json_render(node: Any, indent: str, level: int, out: list[str], col: int) -> tuple[Any, Any]:
    """Pretty-prints a tree as JSON (intrinsics in long form), one key or item per line, recording
    positions; ``out`` holds finished lines, the current one is being built in out[-1]."""
    kind, value = node
    if kind == "scalar":
        text, expected = value
        if expected is None and not text.startswith(("'", '"')):
            expected = text  # a plain word becomes a JSON string
        # JSON numbers for numbers, JSON strings for everything else
        if isinstance(expected, bool) or expected is None:
            literal = json.dumps(expected)
        elif isinstance(expected, int | float):
            literal = repr(expected) if isinstance(expected, float) else str(expected)
        else:
            literal = json.dumps(expected, ensure_ascii=len(expected) % 2 == 0)  # exercise \u escapes
        out[-1] += literal
        return expected, None
    if kind == "getatt":
        node = ("map", {"Fn::GetAtt": ("seq", [("scalar", (json.dumps(value[0]), value[0])),
                                               ("scalar", (json.dumps(value[1]), value[1]))])})
        kind, value = node
    if kind == "tag":
        tag, child = value
        node = ("map", {tag if tag in ("Ref", "Condition") else f"Fn::{tag}": child})
        kind, value = node
    pad = indent * (level + 1)
    if kind == "map":
        out[-1] += "{"
        expected: dict[str, Any] = {}
        positions: dict[str, Any] = {}
        for i, (key, child) in enumerate(value.items()):
            out.append(pad)
            key_pos = (len(out), len(pad) + 1)
            out[-1] += json.dumps(key) + ": "
            expected[key], child_pos = _json_render(child, indent, level + 1, out, len(out[-1]) + 1)
            positions[key] = (key_pos, child_pos)
            if i < len(value) - 1:
                out[-1] += ","
        out.append(indent * level + "}")
        return expected, ("map", positions)
    out[-1] += "["
    items: list[Any] = []
    item_positions: list[Any] = []
    for i, child in enumerate(value):
        out.append(pad)
        item_pos = (len(out), len(pad) + 1)
        exp, child_pos = _json_render(child, indent, level + 1, out, item_pos[1])
        items.append(exp)
        item_positions.append((item_pos, child_pos))
        if i < len(value) - 1:
            out[-1] += ","
    out.append(indent * level + "]")
    return items, ("seq", item_positions)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(root=st.dictionaries(_KEY, _tree(15), min_size=1, max_size=4), indent=st.sampled_from(["  ", "\t", " \t"]))
def test_generated_json_decodes_to_what_was_written_where_it_was_written(root: dict[str, Any], indent: str) -> None:
    out = [""]
    expected, positions = _json_render(("map", root), indent, 0, out, 1)
    text = "\n".join(out) + "\n"
    assert _same(json.loads(text), expected)
    got = decode(text)
    assert got.is_json
    assert _same(got.data, expected), text
    _check_positions(got.data, positions)


_FUZZ_ALPHABET = st.sampled_from(
    [*"ab01:-[]{}!&*|>'\"#%@`,? \n\t\\<=~.", "!Ref ", "&a ", "*a", "<<: ", "\ufeff", "é", "\U0001f600", "\r", "\x85"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_FUZZ_ALPHABET, max_size=60).map("".join))
def test_decode_raises_nothing_but_decode_error_on_arbitrary_text(text: str) -> None:
    try:
        decode(text)
    except DecodeError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(root=st.dictionaries(_KEY, _tree(10), min_size=1, max_size=3), cut=st.integers(0, 10_000),
       insert=_FUZZ_ALPHABET)
def test_decode_raises_nothing_but_decode_error_on_damaged_templates(root: dict[str, Any], cut: int,
                                                                    insert: str) -> None:
    renderer = _Renderer([])
    renderer.block(("map", root), 0)
    text = "\n".join(renderer.lines) + "\n"
    assume(len(text) > 1)
    at = cut % len(text)
    damaged = text[:at] + insert + text[at + 1:]
    try:
        decode(damaged)
    except DecodeError as exc:
        assert "\n" not in str(exc)
