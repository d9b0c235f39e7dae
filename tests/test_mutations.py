"""Property tests: random mutations of real templates, Terraform directories and plans never crash.

Hypothesis takes the sample templates and a few rule fixtures (SAM, CloudFormation YAML and
JSON, Terraform with local modules and tfvars, plan JSON, live snapshots) and applies one to
three mutations: delete, duplicate or swap lines, re-indent a line, replace a value with a
random scalar, intrinsic / HCL expression, list or map (names of the unit's own resources,
parameters, locals and variables are favoured, so references and cycles appear), truncate at
a random byte, insert random bytes. For each, ``lambdalint.lint.lint`` (what the CLI runs):

* never raises;
* reports no internal error (no ``internal error`` FileError, no LL000 finding);
* gives every error as one line, for the unit that was mutated;
* points every finding, and every related location, at a line that exists in its file.

Budget: about 35 s in all (``max_examples`` below; ``deadline=None``: the first example pays the
imports). A failure prints the draws that made the input (hypothesis shrinks them). Longer runs
of the same properties (25,000 templates, 10,000 Terraform, 15,000 plan/snapshot mutations)
found the crashes fixed alongside this file.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdalint.engine import RuleSet, all_rules
from lambdalint.lint import LintOptions, lint

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "tests" / "rules"

TEMPLATES = sorted([
    *(ROOT / "sample_templates").glob("*/template.*"),
    RULES / "LL104" / "fail" / "cfn-apigateway-method-dlq.yaml",
    RULES / "LL104" / "fail" / "sam-globals-dlq-alb.yaml",
    RULES / "LL102" / "fail" / "cfn-esm-streams.json",
    RULES / "LL106" / "fail" / "sam-two-consumers.yaml",
    RULES / "LL101" / "fail" / "cfn-recursive-loop-allow.yaml",
])
TERRAFORM = sorted([
    RULES / "LL106" / "fail" / "tf-local-module-queue",
    RULES / "LL102" / "fail" / "tf-multi-file-tfvars",
    RULES / "LL101" / "fail" / "tf-sqs-jsonencode",
    RULES / "LL104" / "fail" / "tf-dlq-on-queue-consumer",
])
PLANS = sorted([
    RULES / "LL106" / "fail" / "plan-local-module-queue.json",
    RULES / "LL102" / "fail" / "plan-multi-file-tfvars.json",
    RULES / "LL104" / "fail" / "plan-dlq-on-queue-consumer.json",
    RULES / "LL106" / "fail" / "live-snapshot-no-redrive.json",
    RULES / "LL102" / "fail" / "live-list-event-source-mappings.json",
])

RULESET = RuleSet(list(all_rules()))


def budget(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


_BREAK = re.compile(rb"\r\n|\r|\n")

# -- values ---------------------------------------------------------------------------------------

NUMBERS = ["0", "-1", "1e999", "1.0e+999", "9" * 400, ".nan", "-.inf", "0x" + "f" * 64, "0777", "1:20", "3.5",
           "1_000", "0b101", "+12", "99999999999999999999"]
YAML_FORMS = ["!Ref {n}", "!GetAtt {n}.Arn", "!GetAtt {n}.{n}", '!Sub "${{{n}}}-x"', '!Sub "${{{n}.Arn}}"',
              "!Sub ['${{x}}', {{x: !Ref {n}}}]", "!Join ['', [!Ref {n}, !Ref {n}]]",
              "!If [C, !Ref {n}, !Ref AWS::NoValue]", "!Select [0, !Ref {n}]", "!Select [9, [a]]", "!ImportValue {n}",
              "!FindInMap [M, !Ref {n}, k]", "{{Ref: {n}}}", "{{'Fn::GetAtt': [{n}, Arn]}}", "!Ref AWS::NoValue",
              "!Split [',', !Ref {n}]", "!GetAZs ''", "!Base64 {n}", "!Cidr [1, 2, 3]", "!Sub", "!GetAtt", "!Ref",
              "!Condition {n}", "!Equals [!Ref {n}, x]", "!Transform {{Name: x}}", "[{n}, [1, [2]], {{a: b}}]",
              "{{{n}: {{Ref: {n}}}}}", "null", "~", "''", "[]", "{{}}", "&a {n}", "*a", "!!int {n}", "!!binary x",
              "arn:aws:sqs:us-east-1:123456789012:{n}", "arn:aws:lambda:us-east-1:123456789012:function:{n}:1",
              '"${{AWS::Region}}"', "|\n  x\n  y"]
JSON_FORMS = ['{{"Ref": "{n}"}}', '{{"Fn::GetAtt": ["{n}", "Arn"]}}', '{{"Fn::Sub": "${{{n}.Arn}}"}}',
              '{{"Fn::Join": ["", [{{"Ref": "{n}"}}, 1]]}}', '{{"Fn::If": ["C", {{"Ref": "{n}"}}, 2]}}',
              '{{"Fn::Select": [7, []]}}', '{{"Fn::GetAtt": 5}}', '{{"Ref": ["{n}"]}}', '[{{"Ref": "{n}"}}, null, []]',
              'NaN', 'Infinity', '-1e999', '1e999', '9' * 400, '{{}}', '[]', 'null', 'true', '"{n}"', '{{"{n}": {{}}}}',
              '"arn:aws:sqs:us-east-1:123456789012:{n}"', '{{"format_version": "1.2"}}']
HCL_FORMS = ["local.{n}", "var.{n}", "module.{n}.out", "aws_lambda_function.{n}.arn", "aws_sqs_queue.{n}.arn",
             "data.aws_iam_policy_document.{n}.json", '"${{local.{n}}}-x"', '"${{var.{n}}}"', "[1, \"a\", null]",
             "{{ a = local.{n} }}", "jsonencode({{ a = local.{n} }})", 'lookup(var.{n}, "k", null)',
             "merge({{}}, local.{n})", "try(local.{n}, null)", "[for x in var.{n} : x]",
             "{{for k, v in local.{n} : k => v}}",
             "var.{n} ? 1 : 2", "1.5e3", '"%{{ if true }}x%{{ endif }}"', "<<EOT\nx ${{local.{n}}}\nEOT",
             "coalesce(local.{n}, var.{n})", "element(var.{n}, 9)", "format(\"%s\", local.{n})", "null", "true",
             "{n}", "-{n}", "(((local.{n})))", "aws_lambda_function.{n}[0].arn", "module.{n}[\"k\"].out",
             "one(aws_sqs_queue.{n}[*].arn)", 'replace(local.{n}, "/", "")', "1 / 0", '"\\u0000"']

_YAML_NAME = re.compile(rb"^ {2}([A-Za-z0-9]+):\s*$", re.MULTILINE)
_JSON_NAME = re.compile(rb'"([A-Za-z0-9]+)"\s*:\s*\{')
_HCL_NAME = re.compile(rb'(?:^\s*(\w+)\s*=|(?:resource|data)\s+"\w+"\s+"(\w+)"|(?:variable|module|output)\s+"(\w+)")',
                       re.MULTILINE)


def _names(text: bytes, kind: str) -> list[str]:
    pattern = {"yaml": _YAML_NAME, "json": _JSON_NAME, "hcl": _HCL_NAME}[kind]
    found = {next(g for g in m.groups() if g).decode("utf-8", "replace") for m in pattern.finditer(text)
             if any(m.groups())}
    return sorted(found) or ["X"]


def _value(data: st.DataObject, text: bytes, kind: str) -> bytes:
    name_pool = _names(text, kind)
    name = data.draw(st.one_of(st.sampled_from(name_pool), st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True)))
    forms = {"yaml": YAML_FORMS, "json": JSON_FORMS, "hcl": HCL_FORMS}[kind]
    choice = data.draw(st.sampled_from(["form", "form", "number", "text"]))
    if choice == "form":
        value = data.draw(st.sampled_from(forms)).format(n=name)
    elif choice == "number":
        value = data.draw(st.sampled_from(NUMBERS))
    else:
        raw = data.draw(st.text(max_size=12))
        value = json.dumps(raw, ensure_ascii=data.draw(st.booleans()))
    return value.encode("utf-8", "surrogatepass")


# -- mutations ------------------------------------------------------------------------------------

_YAML_SCALAR = re.compile(rb"^(\s*(?:- )?[^\s:#][^:#\n]*:[ \t]+)(\S.*)$", re.MULTILINE)
_JSON_SCALAR = re.compile(rb'("[^"\n]*"\s*:\s*)("(?:[^"\\\n]|\\.)*"|-?\d[\d.eE+-]*|true|false|null|\{|\[)')
_HCL_SCALAR = re.compile(rb"^(\s*[A-Za-z_][\w-]*\s*=\s*)(.+)$", re.MULTILINE)


def _replace_value(data: st.DataObject, text: bytes, kind: str) -> bytes:
    pattern = {"yaml": _YAML_SCALAR, "json": _JSON_SCALAR, "hcl": _HCL_SCALAR}[kind]
    matches = list(pattern.finditer(text))
    if not matches:
        return text
    match = data.draw(st.sampled_from(matches))
    value = _value(data, text, kind)
    start, end = match.span(2)
    if kind == "json" and match.group(2) in (b"{", b"["):  # replace the whole container: find its end
        end = _json_container_end(text, start)
    return text[:start] + value + text[end:]


def _json_container_end(text: bytes, start: int) -> int:
    depth, index, in_string = 0, start, False
    while index < len(text):
        char = text[index:index + 1]
        if in_string:
            if char == b"\\":
                index += 1
            elif char == b'"':
                in_string = False
        elif char == b'"':
            in_string = True
        elif char in b"[{":
            depth += 1
        elif char in b"]}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return len(text)


def _lines(text: bytes) -> list[bytes]:
    return text.split(b"\n")


def _mutate(data: st.DataObject, text: bytes, kind: str) -> bytes:
    op = data.draw(st.sampled_from(["delete", "duplicate", "swap", "indent", "value", "value", "value",
                                    "truncate", "insert"]), label="op")
    lines = _lines(text)
    pick = st.integers(0, max(0, len(lines) - 1))
    if op == "delete" and len(lines) > 1:
        del lines[data.draw(pick)]
    elif op == "duplicate":
        i = data.draw(pick)
        lines.insert(data.draw(pick), lines[i])
    elif op == "swap":
        i, j = data.draw(pick), data.draw(pick)
        lines[i], lines[j] = lines[j], lines[i]
    elif op == "indent":
        i = data.draw(pick)
        shift = data.draw(st.integers(-4, 4))
        body = lines[i].lstrip(b" ")
        indent = max(0, len(lines[i]) - len(body) + shift)
        lines[i] = data.draw(st.sampled_from([b" ", b"\t"])) * indent + body
    elif op == "value":
        return _replace_value(data, text, kind)
    elif op == "truncate":
        return text[:data.draw(st.integers(0, len(text)))]
    elif op == "insert":
        at = data.draw(st.integers(0, len(text)))
        junk = data.draw(st.one_of(st.binary(min_size=1, max_size=8),
                                   st.sampled_from([b"\x00", b"\xff", b"\xef\xbb\xbf", b"\r", b"\t", b"\xe2\x80\xa8",
                                                    b"\xc2\x85", b"&a ", b"*a", b"!Ref ", b"${", b"}", b"[", b"{", b'"',
                                                    b"<<: *a\n", b"\n  - ", b":", b"#", b"%{", b"/*"]),
                                   st.text(max_size=6).map(lambda t: t.encode("utf-8", "surrogatepass"))))
        return text[:at] + junk + text[at:]
    return b"\n".join(lines)


def _mutated(data: st.DataObject, text: bytes, kind: str) -> bytes:
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        text = _mutate(data, text, kind)
    return text


# -- the property ---------------------------------------------------------------------------------

def _line_count(data: bytes) -> int:
    return len(_BREAK.split(data))


def _check(workdir: Path, target: str, unit: str) -> None:
    """Lint ``target`` (as the CLI would, relative to ``workdir``) and check the property."""
    result = lint([str(workdir / target)], RULESET, cwd=workdir, options=LintOptions())
    for error in result.errors:
        assert error.file == unit, error
        assert "\n" not in error.message and "\r" not in error.message, error
        assert "internal error" not in error.message, error
    crashes = [f for f in [*result.findings, *result.suppressed] if f.rule_id == "LL000"]
    assert not crashes, crashes[0].message
    counts: dict[str, int] = {}
    for finding in [*result.findings, *result.suppressed]:
        places = [(finding.loc.file, finding.loc.line, finding.loc.end_line)]
        places += [(rel.loc.file, rel.loc.line, None) for rel in finding.related if rel.loc is not None]
        for file, line, end_line in places:
            if not file or file.endswith(("/", ".")):
                continue
            path = workdir / file
            if file not in counts:
                assert path.is_file(), (file, finding)
                counts[file] = _line_count(path.read_bytes())
            assert 1 <= line <= counts[file], (file, line, counts[file], finding.message)
            if end_line:
                assert line <= end_line <= counts[file], (file, line, end_line, counts[file])


def _kind(path: Path) -> str:
    return "json" if path.suffix == ".json" else "yaml"


@budget(1500)
@given(data=st.data())
def test_mutated_templates_never_crash(data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(TEMPLATES), label="template")
    text = _mutated(data, source.read_bytes(), _kind(source))
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / source.name).write_bytes(text)
        _check(workdir, source.name, source.name)


@budget(800)
@given(data=st.data())
def test_mutated_terraform_never_crashes(data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(TERRAFORM), label="directory")
    files = sorted(p for p in source.rglob("*") if p.is_file() and p.name.endswith((".tf", ".tfvars", ".tf.json")))
    victim = data.draw(st.sampled_from(files), label="file")
    kind = "json" if victim.name.endswith(".json") else "hcl"
    text = _mutated(data, victim.read_bytes(), kind)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        shutil.copytree(source, workdir / "unit")
        (workdir / "unit" / victim.relative_to(source)).write_bytes(text)
        _check(workdir, "unit", "unit")


@budget(1000)
@given(data=st.data())
def test_mutated_plans_and_snapshots_never_crash(data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(PLANS), label="plan")
    text = _mutated(data, source.read_bytes(), "json")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / source.name).write_bytes(text)
        _check(workdir, source.name, source.name)
