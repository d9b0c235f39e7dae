"""Hostile and broken input through the real CLI: nothing crashes, hangs or eats unbounded memory.

Each case runs ``python -m lambdalint check <case> good.yaml --format json`` as a subprocess with
a timeout and an address-space cap (RLIMIT_AS, 1.5 GiB), so a hang or a memory blow-up fails the
test instead of the machine. ``good.yaml`` is a real template with a known LL104 finding: every
case asserts it is still linted and reported in the same run. A case is one of

* an error: exit 2, exactly one stderr line ``<file>: error: <reason>`` naming the file, the
  same error in the JSON report, no traceback;
* linted: no error, no internal error (LL000), exit 1 from good.yaml's finding;
* skipped silently: no error, no finding for it (a YAML/JSON file that is not a template: a
  pre-commit hook passes every YAML file, and only templates are lambdalint's business).

Unreadable files and a file that disappears between discovery and reading are simulated
in-process (the tests run as root, where ``chmod 000`` does not stop reading); see the end.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from lambdalint import lint as lint_module
from lambdalint.engine import RuleSet, all_rules
from lambdalint.lint import MAX_BYTES, MAX_TEMPLATE_BYTES, MAX_TERRAFORM_BYTES, lint

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "tests" / "rules" / "LL104" / "fail" / "cfn-apigateway-method-dlq.yaml"
MEMORY_CAP = 1536 * 2**20
HDR = 'AWSTemplateFormatVersion: "2010-09-09"\n'

QUEUE_AND_FUNCTION = HDR + textwrap.dedent("""\
    Resources:
      Queue:
        Type: AWS::SQS::Queue
      Fn:
        Type: AWS::Lambda::Function
        Properties:
          Role: arn:aws:iam::123456789012:role/r
          Runtime: python3.12
          Handler: index.handler
          Code: {ZipFile: "def handler(e, c): pass"}
      Mapping:
        Type: AWS::Lambda::EventSourceMapping
        Properties:
          FunctionName: !Ref Fn
          EventSourceArn: !GetAtt Queue.Arn
    """)


def _limit_memory() -> None:  # runs in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    report: dict

    @property
    def errors(self) -> dict[str, str]:
        return {e["file"]: e["message"] for e in self.report["errors"]}

    def findings(self, file: str) -> list[dict]:
        return [f for f in self.report["findings"] if f["file"] == file]


def check(cwd: Path, *targets: str, timeout: float = 60) -> Run:
    """`lambdalint check <targets> good.yaml --format json` in ``cwd``, bounded in time and memory."""
    if not (cwd / "good.yaml").exists():
        (cwd / "good.yaml").write_text(GOOD.read_text())
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "lambdalint", "check", *targets, "good.yaml", "--format", "json"],
            cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, preexec_fn=_limit_memory,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"lambdalint hung on {targets} (no answer in {timeout} s)")
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert "MemoryError" not in proc.stderr, proc.stderr[-3000:]
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        pytest.fail(f"exit {proc.returncode}, no JSON report: {proc.stdout[-500:]} {proc.stderr[-2000:]}")
    run = Run(proc.returncode, proc.stdout, proc.stderr, report)
    # The other file of the same run is always linted and reported.
    assert any(f["rule_id"] == "LL104" for f in run.findings("good.yaml")), run.report
    assert not [f for f in report["findings"] if f["rule_id"] == "LL000"], report["findings"]
    return run


def assert_error(run: Run, file: str, reason: str) -> str:
    """Exit 2, exactly one stderr line naming ``file``, matching ``reason`` (a regex)."""
    assert run.code == 2, (run.code, run.stderr)
    lines = run.stderr.splitlines()
    assert len(lines) == len(run.report["errors"]) == 1, lines
    assert lines[0].startswith(f"{file}: error: "), lines
    message = run.errors[file]
    assert "\n" not in message
    assert re.search(reason, message), message
    assert lines[0] == f"{file}: error: {message}"
    return message


def assert_linted(run: Run) -> None:
    assert run.code == 1, (run.code, run.stderr)
    assert run.report["errors"] == [], run.report["errors"]
    assert run.stderr == ""


def assert_skipped(run: Run, file: str) -> None:
    assert_linted(run)
    assert run.findings(file) == []
    assert run.report["summary"]["skipped"] >= 1


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8", newline="")
    return path


# -- YAML bombs and depth ------------------------------------------------------------------------

def _bomb(levels: int = 9, fanout: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * fanout) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * fanout) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_yaml(tmp_path: Path) -> None:
    write(tmp_path / "bomb.yaml", _bomb() + "Resources: {}\n")
    assert_error(check(tmp_path, "bomb.yaml", timeout=30), "bomb.yaml", r"alias bomb")


def test_alias_bomb_inside_a_template(tmp_path: Path) -> None:
    params = "".join(f"  P{i}:\n    Type: String\n    Default: &p{i} [" + ", ".join(
        [f"*p{i - 1}" if i else "x"] * 9) + "]\n" for i in range(9))
    text = HDR + "Parameters:\n" + params + "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n" \
        "      Tags: *p8\n"
    write(tmp_path / "template.yaml", text)
    assert_error(check(tmp_path, "template.yaml", timeout=30), "template.yaml", r"alias bomb")


def test_recursive_alias(tmp_path: Path) -> None:
    write(tmp_path / "template.yaml", HDR + "Resources:\n  Q: &q\n    Type: AWS::SQS::Queue\n    Properties:\n"
          "      Tags: &t [*t]\n")
    assert_error(check(tmp_path, "template.yaml", timeout=30), "template.yaml", r"recursive YAML alias|invalid YAML")


@pytest.mark.parametrize("name, body", [
    ("flow.yaml", HDR + "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      X: "
     + "[" * 10_000 + "]" * 10_000 + "\n"),
    ("flowmap.yaml", HDR + "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      X: "
     + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n"),
    ("block.yaml", HDR + "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      X:\n"
     + "".join(" " * (8 + i) + f"k{i}:\n" for i in range(1_000)) + " " * 1_008 + "v: 1\n"),
    ("compact.yaml", HDR + "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      X:\n        "
     + "- " * 10_000 + "x\n"),
    ("deep.json", '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Q": {"Type": "AWS::SQS::Queue",'
     ' "Properties": {"X": ' + '{"a": ' * 10_000 + "1" + "}" * 10_000 + "}}}}"),
    ("deeplist.json", '{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"X": '
     + "[" * 10_000 + "]" * 10_000 + "}}}}"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 20 else "")
def test_deep_nesting(tmp_path: Path, name: str, body: str) -> None:
    """10,000 levels (block mappings: 1,000, already 0.5 MB of indentation) are refused with the
    position, before libyaml's recursive composer could overflow the C stack."""
    write(tmp_path / name, body)
    assert_error(check(tmp_path, name, timeout=30), name, r"nesting deeper than \d+ levels")


# -- size -----------------------------------------------------------------------------------------

_SAM_UNIT = """\
  Queue{i}:
    Type: AWS::SQS::Queue
  Fn{i}:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Environment:
        Variables:
          QUEUE_URL: !Ref Queue{i}
      Events:
        Q:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue{i}.Arn
"""


def _sam_template(size: int) -> str:
    head = HDR + "Transform: AWS::Serverless-2016-10-31\nResources:\n"
    unit = len(_SAM_UNIT.format(i=10**6))
    return head + "".join(_SAM_UNIT.format(i=10**6 + i) for i in range(max(1, (size - len(head)) // unit)))


def test_50_mb_template_is_refused_fast(tmp_path: Path) -> None:
    """CloudFormation accepts at most 1 MB of template; a 50 MB one would take ~75 s and ~3 GB
    (measured, see MAX_TEMPLATE_BYTES in lambdalint/lint.py): a one-line "too large" error, fast,
    whether named or found by walking."""
    write(tmp_path / "big" / "template.yaml", _sam_template(50_000_000))
    run = check(tmp_path, "big/template.yaml", timeout=20)
    assert_error(run, "big/template.yaml", r"^template is 50\.0 MB: CloudFormation accepts at most 1 MB")
    assert_error(check(tmp_path, "big", timeout=20), "big/template.yaml", r"template is 50\.0 MB")


def test_large_template_under_the_limit_lints_in_bounded_time(tmp_path: Path) -> None:
    """8 MB: the size of the issue's 10,000-function template, half of MAX_TEMPLATE_BYTES."""
    assert MAX_TEMPLATE_BYTES >= 8 * 2**20
    write(tmp_path / "template.yaml", _sam_template(8 * 2**20))
    run = check(tmp_path, "template.yaml", timeout=120)
    assert_linted(run)
    assert len(run.findings("template.yaml")) > 1000  # one LL102/LL106/LL301 per function


def test_large_json_that_is_not_a_template_is_skipped_when_walked(tmp_path: Path) -> None:
    write(tmp_path / "data" / "dump.json", "[" + ",".join(['{"id": 1, "name": "x"}'] * 200_000) + "]")
    assert_skipped(check(tmp_path, "data", timeout=30), "data/dump.json")


def test_file_over_the_hard_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    with open(plan, "wb") as handle:  # sparse: no disk used, and never read
        handle.truncate(MAX_BYTES + 1)
    run = check(tmp_path, "plan.json", timeout=20)
    assert_error(run, "plan.json", rf"larger than the {MAX_BYTES // 2**20} MiB lambdalint reads")
    assert_skipped(check(tmp_path, ".", timeout=20), "plan.json")  # walked, and it is no template


def test_terraform_directory_over_its_limit(tmp_path: Path) -> None:
    block = 'resource "aws_sqs_queue" "q{i}" {{\n  name = "q{i}"\n}}\n'
    count = MAX_TERRAFORM_BYTES // len(block.format(i=100_000)) + 10
    write(tmp_path / "tf" / "main.tf", "".join(block.format(i=100_000 + i) for i in range(count)))
    assert_error(check(tmp_path, "tf", timeout=20), "tf", r"Terraform files total [\d.]+ MB, more than the 4 MiB")


def test_one_megabyte_single_line_json(tmp_path: Path) -> None:
    queues = ",".join(f'"Q{i}": {{"Type": "AWS::SQS::Queue", "Properties": {{"QueueName": "q{i}"}}}}'
                      for i in range(15_000))
    text = '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {' + queues + "}}"
    assert len(text) > 1_000_000 and "\n" not in text
    write(tmp_path / "one-line.json", text)
    assert_linted(check(tmp_path, "one-line.json", timeout=60))


# -- not text -------------------------------------------------------------------------------------

BINARY = bytes(range(256)) * 64


@pytest.mark.parametrize("name", ["template.yaml", "x.json", "stack.template"])
def test_binary_file_named_explicitly_is_an_error(tmp_path: Path, name: str) -> None:
    write(tmp_path / name, BINARY)
    assert_error(check(tmp_path, name), name, r"^binary file \(NUL byte at offset 0\), not text$")


@pytest.mark.parametrize("name", ["template.yaml", "x.json"])
def test_binary_file_found_by_walking_is_skipped(tmp_path: Path, name: str) -> None:
    """A walk lints what is a template; a binary file is none (an image, a locked git-crypt
    file): skipped like a workflow YAML. Named explicitly it is an error (above)."""
    write(tmp_path / "repo" / name, BINARY)
    assert_skipped(check(tmp_path, "repo"), f"repo/{name}")


def test_binary_main_tf_is_an_error_named_or_walked(tmp_path: Path) -> None:
    """A ``.tf`` file is Terraform source whatever its content: Terraform itself refuses a binary
    one, so the directory is an error, named by the file, however it was reached."""
    write(tmp_path / "infra" / "main.tf", b"\x00\x01" + BINARY)
    for target in ("infra/main.tf", "infra", "."):
        assert_error(check(tmp_path, target), "infra", r"^infra/main\.tf: binary file \(NUL byte at offset 0\)")


def test_git_crypt_locked_file(tmp_path: Path) -> None:
    write(tmp_path / "secrets.yaml", b"\x00GITCRYPT\x00" + BINARY)
    assert_error(check(tmp_path, "secrets.yaml"), "secrets.yaml", r"git-crypt .*unlock")
    assert_skipped(check(tmp_path, "."), "secrets.yaml")


def test_utf16_template(tmp_path: Path) -> None:
    write(tmp_path / "template.yaml", QUEUE_AND_FUNCTION.encode("utf-16"))
    assert_error(check(tmp_path, "template.yaml"), "template.yaml", r"encoded as UTF-16: .* must be UTF-8")


def test_invalid_utf8_in_yaml(tmp_path: Path) -> None:
    data = QUEUE_AND_FUNCTION.encode().replace(b"Runtime: python3.12", b"Runtime: pyth\xf6n3.12")
    write(tmp_path / "template.yaml", data)
    message = assert_error(check(tmp_path, "template.yaml"), "template.yaml", r"^not valid UTF-8")
    assert message == "not valid UTF-8: byte 0xf6 at line 9, column 20"
    assert_error(check(tmp_path, "."), "template.yaml", r"^not valid UTF-8")  # walked: it is a template


def test_invalid_utf8_in_a_yaml_that_is_no_template_is_skipped_when_walked(tmp_path: Path) -> None:
    write(tmp_path / "notes.yaml", b"title: caf\xe9\nitems: [a, b]\n")
    assert_skipped(check(tmp_path, "."), "notes.yaml")


def test_invalid_utf8_in_tf(tmp_path: Path) -> None:
    write(tmp_path / "tf" / "main.tf", b'resource "aws_sqs_queue" "q" {\n  name = "caf\xe9"\n}\n')
    assert_error(check(tmp_path, "tf"), "tf", r"^tf/main\.tf: not valid UTF-8: byte 0xe9 at line 2, column 14$")


def test_invalid_utf8_in_tf_json_and_tfvars(tmp_path: Path) -> None:
    write(tmp_path / "a" / "main.tf.json", b'{"resource": {"aws_sqs_queue": {"q": {"name": "\xff"}}}}')
    assert_error(check(tmp_path, "a"), "a", r"^a/main\.tf\.json: not valid UTF-8")
    write(tmp_path / "b" / "main.tf", 'variable "x" {}\n')
    write(tmp_path / "b" / "terraform.tfvars", b'x = "\xff"\n')
    assert_error(check(tmp_path, "b"), "b", r"^terraform\.tfvars: not valid UTF-8")


# -- not files ------------------------------------------------------------------------------------

def test_fifo_named_template_yaml_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "template.yaml")
    run = check(tmp_path, "template.yaml", timeout=20)
    assert_error(run, "template.yaml", r"^not a regular file \(a FIFO\)")
    assert_skipped(check(tmp_path, ".", timeout=20), "template.yaml")  # walked: not a file, not read


def test_fifo_tf_file_in_a_terraform_directory_does_not_hang(tmp_path: Path) -> None:
    write(tmp_path / "tf" / "main.tf", 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    os.mkfifo(tmp_path / "tf" / "zz.tf")
    assert_linted(check(tmp_path, "tf", timeout=20))
    assert_linted(check(tmp_path, ".", timeout=20))
    assert_error(check(tmp_path, "tf/zz.tf", timeout=20), "tf/zz.tf", r"not a regular file \(a FIFO\)")


def test_directory_named_template_yaml_is_walked(tmp_path: Path) -> None:
    write(tmp_path / "template.yaml" / "inner.yaml", QUEUE_AND_FUNCTION)
    for target in ("template.yaml", "."):
        run = check(tmp_path, target)
        assert_linted(run)
        assert {f["rule_id"] for f in run.findings("template.yaml/inner.yaml")} >= {"LL102"}


def test_missing_file_and_broken_symlink(tmp_path: Path) -> None:
    assert_error(check(tmp_path, "nowhere.yaml"), "nowhere.yaml", r"^no such file$")
    os.symlink("gone.yaml", tmp_path / "link.yaml")
    assert_error(check(tmp_path, "link.yaml"), "link.yaml", r"^broken symbolic link$")


def test_symlink_loops(tmp_path: Path) -> None:
    """A directory loop is walked once; a file symlink loop (a -> b -> a) cannot be read: an
    error naming it (Python's Path.resolve raised RuntimeError there and crashed discovery)."""
    repo = tmp_path / "repo"
    write(repo / "sub" / "template.yaml", QUEUE_AND_FUNCTION)
    os.symlink("..", repo / "sub" / "up")
    os.symlink(".", repo / "here")
    run = check(tmp_path, "repo", timeout=30)
    assert_linted(run)
    assert run.findings("repo/sub/template.yaml")
    os.symlink("b.yaml", repo / "a.yaml")
    os.symlink("a.yaml", repo / "b.yaml")
    run = check(tmp_path, "repo", timeout=30)
    assert run.code == 2 and run.findings("repo/sub/template.yaml")
    assert run.errors == {"repo/a.yaml": "cannot read: Too many levels of symbolic links",
                          "repo/b.yaml": "cannot read: Too many levels of symbolic links"}
    assert sorted(run.stderr.splitlines()) == [f"{f}: error: {m}" for f, m in sorted(run.errors.items())]


# -- YAML that parses -----------------------------------------------------------------------------

def test_duplicate_keys(tmp_path: Path) -> None:
    write(tmp_path / "t.yaml", HDR + "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n  Q:\n    Type: AWS::SNS::Topic\n")
    assert_error(check(tmp_path, "t.yaml"), "t.yaml", r"^duplicate key 'Q' at line 5 \(first at line 3\)$")
    write(tmp_path / "t.json", '{"Resources": {"Q": {"Type": "AWS::SQS::Queue"},\n "Q": {"Type": "AWS::SNS::Topic"}}}')
    assert_error(check(tmp_path, "t.json"), "t.json", r"^duplicate key 'Q' at line 2 \(first at line 1\)$")


def test_valid_yaml_that_is_not_cloudformation_is_skipped_silently(tmp_path: Path) -> None:
    """Skipped silently by design, named or walked: pre-commit passes every YAML file, and a
    workflow, a docker-compose file or a Kubernetes manifest is not lambdalint's business."""
    write(tmp_path / "ci.yaml", "name: ci\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n")
    write(tmp_path / "k8s.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  Resources: a\n")
    write(tmp_path / "list.yaml", "Resources:\n  - a\n  - b\n")
    write(tmp_path / "package.json", '{"name": "x", "version": "1.0.0"}')
    for name in ("ci.yaml", "k8s.yaml", "list.yaml", "package.json"):
        assert_skipped(check(tmp_path, name), name)
    run = check(tmp_path, ".")
    assert_linted(run)
    assert run.report["summary"]["skipped"] == 4


def test_empty_file_is_skipped(tmp_path: Path) -> None:
    write(tmp_path / "template.yaml", "")
    assert_skipped(check(tmp_path, "template.yaml"), "template.yaml")
    write(tmp_path / "blank.yaml", "\n\n# nothing\n")
    assert_skipped(check(tmp_path, "blank.yaml"), "blank.yaml")


@pytest.mark.parametrize("resources, reason", [
    ("\n  - Type: AWS::SQS::Queue\n", r"^Resources is a list, not a mapping of logical IDs to resources$"),
    (" hello\n", r"^Resources is a string, not a mapping"),
    ("\n", r"^Resources is empty: CloudFormation requires at least one resource$"),
    (" {}\n", r"^Resources is empty"),
    (" 42\n", r"^Resources is a number"),
])
def test_declared_template_with_broken_resources(tmp_path: Path, resources: str, reason: str) -> None:
    """``AWSTemplateFormatVersion`` says it is a template: CloudFormation would refuse it, so
    it is an error (without the declaration, ``list.yaml`` above is skipped)."""
    write(tmp_path / "template.yaml", HDR + "Resources:" + resources)
    assert_error(check(tmp_path, "template.yaml"), "template.yaml", reason)


def test_declared_template_without_resources(tmp_path: Path) -> None:
    write(tmp_path / "template.yaml", HDR + "Description: only outputs\nOutputs:\n  X:\n    Value: 1\n")
    assert_error(check(tmp_path, "template.yaml"), "template.yaml", r"^no Resources section")


def test_resources_of_the_wrong_shape_are_linted(tmp_path: Path) -> None:
    """Type not a string, Properties not a map, a resource that is a string or null: what can be
    read is linted (CloudFormation would refuse these; cfn-lint reports them in detail)."""
    text = QUEUE_AND_FUNCTION + textwrap.indent(textwrap.dedent("""\
        A:
          Type: [AWS::SQS::Queue]
        B:
          Type: 42
        C:
          Type: {Ref: X}
        D: null
        E: just a string
        F:
          Type: AWS::Lambda::Function
          Properties: [1, 2]
        G:
          Type: AWS::Lambda::Function
          Properties: hello
        H:
          Type: AWS::Serverless::Function
          Properties:
            Events: [1]
            Environment: 5
            Policies: {x: [1]}
        I:
          Type: AWS::Lambda::EventSourceMapping
          Properties:
            FunctionName: [a, b]
            EventSourceArn: {"Fn::GetAtt": 5}
            BatchSize: {a: 1}
        J:
          Type: AWS::Lambda::Permission
          Properties: {FunctionName: !Ref Nothing, Principal: [1], SourceArn: !Sub [1, 2, 3]}
        """), "  ")
    write(tmp_path / "template.yaml", text)
    run = check(tmp_path, "template.yaml")
    assert_linted(run)
    assert {f["rule_id"] for f in run.findings("template.yaml")} >= {"LL102"}


@pytest.mark.parametrize("name, body", [
    ("huge.yaml", HDR + "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
     "      Timeout: 1e999\n      MemorySize: 1.0e+999\n      ReservedConcurrentExecutions: " + "9" * 400 + "\n"
     "      Role: .nan\n      Handler: -.inf\n      Tags: [0x" + "f" * 500 + ", 0b" + "1" * 5000 + ", 0" + "7" * 5000
     + "]\n      MaximumEventAgeInSeconds: 0x" + "f" * 4000 + "\n"),
    ("huge.json", '{"Resources": {"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Timeout": 1e999,'
     ' "MemorySize": ' + "9" * 400 + ', "ReservedConcurrentExecutions": -1e999, "Role": NaN,'
     ' "Handler": Infinity, "X": -0.0, "Y": 1E-999}}}}'),
    ("sam.yaml", HDR + "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Timeout: .nan\n"
     "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
     "      Handler: a.b\n      CodeUri: .\n      MemorySize: 1e999\n      Events:\n        Q:\n          Type: SQS\n"
     "          Properties:\n            Queue: arn:aws:sqs:us-east-1:123456789012:q\n            BatchSize: "
     + "9" * 400 + "\n            MaximumBatchingWindowInSeconds: .inf\n"),
])
def test_huge_numbers_and_nan(tmp_path: Path, name: str, body: str) -> None:
    write(tmp_path / name, body)
    assert_linted(check(tmp_path, name))


def test_integer_too_long_to_print(tmp_path: Path) -> None:
    """A 4,000-digit hex literal is an int Python refuses to ``str()`` (over 4,300 decimal
    digits): rules formatting BatchSize or VisibilityTimeout crashed (LL000). It stays text."""
    big = "0x" + "f" * 4000
    text = QUEUE_AND_FUNCTION.replace("Type: AWS::SQS::Queue", f"Type: AWS::SQS::Queue\n    Properties:\n"
                                      f"      VisibilityTimeout: {big}\n      MessageRetentionPeriod: {big}")
    text = text.replace("EventSourceArn: !GetAtt Queue.Arn", f"EventSourceArn: !GetAtt Queue.Arn\n"
                        f"      BatchSize: {big}\n      MaximumBatchingWindowInSeconds: {big}")
    write(tmp_path / "t.yaml", text.replace("Runtime: python3.12", f"Runtime: python3.12\n      Timeout: {big}"))
    assert_linted(check(tmp_path, "t.yaml"))
    digits = "9" * 5000
    write(tmp_path / "tf" / "main.tf", textwrap.dedent(f"""\
        resource "aws_sqs_queue" "q" {{
          name                       = "q"
          visibility_timeout_seconds = {digits}
          message_retention_seconds  = 1.0e999
        }}
        resource "aws_lambda_function" "f" {{
          function_name = "f"
          role          = "r"
          timeout       = pow(10, 5000)
          memory_size   = {digits} * {digits}
        }}
        resource "aws_lambda_event_source_mapping" "m" {{
          function_name                      = aws_lambda_function.f.arn
          event_source_arn                   = aws_sqs_queue.q.arn
          batch_size                         = {digits}
          maximum_batching_window_in_seconds = parseint("{"f" * 4000}", 16)
        }}
        """))
    assert_linted(check(tmp_path, "tf"))


def test_crlf_bom_and_u2028_are_linted_at_the_right_lines(tmp_path: Path) -> None:
    """Line numbers count "\\n" as editors and CI annotations do: CRLF is one break, a BOM is no
    character, and U+2028 inside a string (a line break to YAML 1.1) does not shift later lines."""
    expected = None
    for name, text in [
        ("plain.yaml", QUEUE_AND_FUNCTION),
        ("crlf.yaml", QUEUE_AND_FUNCTION.replace("\n", "\r\n")),
        ("bom.yaml", "\ufeff" + QUEUE_AND_FUNCTION),
        ("u2028.yaml", QUEUE_AND_FUNCTION.replace("Resources:", 'Description: "a\u2028b\u2029c\x85d"\nResources:')),
    ]:
        write(tmp_path / name, text)
        run = check(tmp_path, name)
        assert_linted(run)
        lines = {(f["rule_id"], f["line"] - (name == "u2028.yaml")) for f in run.findings(name)}
        expected = expected or lines
        assert lines == expected, name
    assert ("LL102", 12) in expected  # the Mapping header


def test_u2028_in_a_plain_scalar_is_a_yaml_error(tmp_path: Path) -> None:
    """YAML 1.1 (CloudFormation's, PyYAML's, libyaml's) breaks the line there: the scalar's
    continuation is not indented, so the template is invalid, as `sam validate` says too."""
    write(tmp_path / "t.yaml", QUEUE_AND_FUNCTION.replace("Handler: index.handler", "Handler: index\u2028handler"))
    assert_error(check(tmp_path, "t.yaml"), "t.yaml", r"^invalid YAML: .* at line \d+, column \d+$")


def test_mixed_tabs(tmp_path: Path) -> None:
    write(tmp_path / "t.yaml", QUEUE_AND_FUNCTION.replace("    Type: AWS::SQS::Queue", "\tType: AWS::SQS::Queue"))
    assert_error(check(tmp_path, "t.yaml"), "t.yaml",
                 r"^invalid YAML: .* at line 4, column 1 \(a tab: YAML indents with spaces only\)$")
    write(tmp_path / "ok.yaml", QUEUE_AND_FUNCTION.replace("Code: {ZipFile:", "Code: {\tZipFile:"))
    assert_linted(check(tmp_path, "ok.yaml"))  # a tab as separation inside a flow mapping is fine


# -- cycles ---------------------------------------------------------------------------------------

CYCLES = HDR + textwrap.dedent("""\
    Parameters:
      P:
        Type: String
        Default: !Sub "${P}-x"
    Resources:
      A:
        Type: AWS::SQS::Queue
        DependsOn: B
        Properties:
          QueueName: !Ref B
          RedrivePolicy: {deadLetterTargetArn: !GetAtt A.Arn, maxReceiveCount: 3}
      B:
        Type: AWS::SQS::Queue
        DependsOn: [A, B]
        Properties:
          QueueName: !GetAtt A.QueueName
      F:
        Type: AWS::Lambda::Function
        DependsOn: G
        Properties:
          FunctionName: !Sub "${G.Arn}-f"
          Role: !GetAtt G.Arn
          Handler: !Sub ["${x}", {x: !Sub "${F}"}]
          Runtime: python3.12
          Code: {ZipFile: x}
          Environment:
            Variables:
              SELF: !GetAtt F.Arn
              OTHER: !Join ["", [!Ref G, !Ref P]]
      G:
        Type: AWS::Lambda::Function
        DependsOn: F
        Properties:
          FunctionName: !Sub "${F.Arn}-g"
          Role: !GetAtt F.Arn
          Handler: x.y
          Runtime: python3.12
          Code: {ZipFile: x}
      M:
        Type: AWS::Lambda::EventSourceMapping
        Properties:
          FunctionName: !GetAtt F.Arn
          EventSourceArn: !GetAtt A.Arn
      P2:
        Type: AWS::Lambda::Permission
        Properties:
          FunctionName: !Ref G
          Principal: sns.amazonaws.com
          Action: lambda:InvokeFunction
          SourceArn: !Sub "${F.Arn}"
    """)


def test_circular_ref_dependson_sub_and_getatt(tmp_path: Path) -> None:
    """CloudFormation refuses circular dependencies; lambdalint lints what it can, and the
    resolver's cycle guard keeps every value finite."""
    write(tmp_path / "t.yaml", CYCLES)
    run = check(tmp_path, "t.yaml", timeout=30)
    assert_linted(run)
    assert run.findings("t.yaml")


@pytest.mark.parametrize("files", [
    {"main.tf": 'locals {\n  a = local.a\n  b = local.c\n  c = local.b\n  d = "${local.d}-x"\n}\n'
                'variable "v" {\n  default = var.v\n}\n'
                'resource "aws_sqs_queue" "q" {\n  name = local.b\n}\n'
                'resource "aws_lambda_function" "f" {\n  function_name = local.a\n  role = local.d\n'
                '  environment {\n    variables = { X = var.v, Y = local.c }\n  }\n}\n'
                'resource "aws_lambda_event_source_mapping" "m" {\n  function_name = aws_lambda_function.f.arn\n'
                '  event_source_arn = aws_sqs_queue.q.arn\n}\n'},
    {"main.tf": 'variable "a" {\n  default = var.b\n}\nvariable "b" {\n  default = var.a\n}\n'
                'resource "aws_sqs_queue" "q" {\n  name = var.a\n}\n'
                'resource "aws_lambda_function" "f" {\n  function_name = var.b\n  role = "r"\n}\n'
                'resource "aws_lambda_event_source_mapping" "m" {\n  function_name = aws_lambda_function.f.arn\n'
                '  event_source_arn = aws_sqs_queue.q.arn\n}\n'},
    {"main.tf": 'module "me" {\n  source = "./"\n  x = module.me.out\n}\nvariable "x" {\n  default = null\n}\n'
                'output "out" {\n  value = var.x\n}\n'
                'resource "aws_sqs_queue" "q" {\n  name = module.me.out\n}\n'
                'resource "aws_lambda_function" "f" {\n  function_name = "f"\n  role = "r"\n}\n'
                'resource "aws_lambda_event_source_mapping" "m" {\n  function_name = aws_lambda_function.f.arn\n'
                '  event_source_arn = aws_sqs_queue.q.arn\n}\n'},
    {"main.tf": 'module "a" {\n  source = "./a"\n}\n'
                'resource "aws_sqs_queue" "q" {\n  name = module.a.out\n}\n'
                'resource "aws_lambda_function" "f" {\n  function_name = "f"\n  role = "r"\n}\n'
                'resource "aws_lambda_event_source_mapping" "m" {\n  function_name = aws_lambda_function.f.arn\n'
                '  event_source_arn = aws_sqs_queue.q.arn\n}\n',
     "a/main.tf": 'module "b" {\n  source = "../b"\n  x = module.b.out\n}\noutput "out" {\n  value = module.b.out\n}\n',
     "b/main.tf": 'variable "x" {}\nmodule "a" {\n  source = "../a"\n}\noutput "out" {\n  value = module.a.out\n}\n'},
], ids=["self-and-mutual-locals", "mutual-variables", "module-sources-itself", "modules-source-each-other"])
def test_terraform_cycles(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        write(tmp_path / "tf" / name, text)
    for target in ("tf", "."):
        run = check(tmp_path, target, timeout=30)
        assert_linted(run)
        assert {f["rule_id"] for f in run.findings("tf/main.tf")} >= {"LL102"}


def test_deep_terraform(tmp_path: Path) -> None:
    """Deep HCL nesting (blocks, brackets, interpolations) and a 5,000-long chain of locals."""
    write(tmp_path / "blocks" / "main.tf", 'resource "aws_lambda_function" "f" {\n' + "a {\n" * 5000 + "}\n" * 5001)
    write(tmp_path / "exprs" / "main.tf", 'resource "aws_lambda_function" "f" {\n  function_name = '
          + "[" * 5000 + '"x"' + "]" * 5000 + "\n  role = " + "(" * 5000 + '"r"' + ")" * 5000
          + '\n  handler = "' + '${"' * 2000 + "x" + '"}' * 2000 + '"\n}\n')
    write(tmp_path / "chain" / "main.tf", "locals {\n" + "".join(f"  l{i} = local.l{i + 1}\n" for i in range(5000))
          + '  l5000 = "end"\n}\nresource "aws_lambda_function" "f" {\n  function_name = local.l0\n  role = "r"\n}\n')
    write(tmp_path / "json" / "main.tf.json", '{"resource": {"aws_lambda_function": {"f": {"function_name": '
          + "[" * 5000 + "]" * 5000 + "}}}}")
    run = check(tmp_path, "blocks", "exprs", "chain", "json", timeout=60)
    assert run.code == 2
    # tree-sitter-hcl parses about 60 nested interpolations: past that, an error, not a resource lost
    assert "exprs" in run.errors and set(run.errors) <= {"blocks", "exprs", "json"}, run.errors
    assert all(re.search(r"nest", message) for message in run.errors.values()), run.errors
    assert len(run.stderr.splitlines()) == len(run.errors)


def test_terraform_garbage_and_broken_json(tmp_path: Path) -> None:
    """An HCL syntax error is an error naming its line (tree-sitter's recovery can nest every later
    block inside the broken one: resources would vanish silently); so is a .tf.json that is not JSON."""
    write(tmp_path / "hcl" / "main.tf", 'resource "aws_lambda_function" "f" {{{{ = = \n}}} "open\n  ${ \nmodule {')
    assert_error(check(tmp_path, "hcl"), "hcl",
                 r"^hcl/main\.tf: invalid HCL at line 1, column 36: unexpected '\{\{\{\{'$")
    write(tmp_path / "js" / "main.tf.json", '{"resource": {"aws_lambda_function": {"f": {"role": "${"""}"}}}')
    assert_error(check(tmp_path, "js"), "js", r"^js/main\.tf\.json: invalid YAML: .* at line 1, column \d+$")
    write(tmp_path / "shape" / "main.tf.json", '{"resource": [1, {"aws_lambda_function": "x"}], "locals": "s",'
          ' "variable": {"a": 5}, "module": {"m": {"source": 5}}, "output": null}')
    assert_linted(check(tmp_path, "shape"))


@pytest.mark.parametrize("plan", [
    {"format_version": "1.2", "planned_values": "x", "resource_changes": [1, None, {"type": 5}], "configuration": []},
    {"format_version": "1.2", "planned_values": {"root_module": {"resources": [
        {"type": "aws_lambda_function", "values": None}, {"address": 3}, 7], "child_modules": "x"}},
     "resource_changes": {"a": 1}, "configuration": {"root_module": {"resources": "x", "module_calls": {
         "m": {"module": {"module_calls": {"m": 1}}}}}}},
    {"format_version": "1.2", "planned_values": {"root_module": {"resources": [{
        "address": "aws_lambda_function.f", "mode": "managed", "type": "aws_lambda_function", "name": "f",
        "values": {"function_name": ["x"], "role": {"a": 1}, "environment": "e", "dead_letter_config": [None, 1],
                   "timeout": 1e308, "memory_size": -1}}]}},
     "resource_changes": [{"address": "aws_lambda_function.f", "change": {"actions": "create", "after": 5,
                                                                          "after_unknown": [1]}}]},
], ids=["wrong-types", "wrong-nesting", "wrong-values"])
def test_plan_json_of_the_wrong_shape_is_linted(tmp_path: Path, plan: dict) -> None:
    write(tmp_path / "plan.json", json.dumps(plan))
    assert_linted(check(tmp_path, "plan.json"))


# -- in-process: what a subprocess cannot stage as root --------------------------------------------

def _ruleset() -> RuleSet:
    return RuleSet(list(all_rules()))


def _deny(monkeypatch: pytest.MonkeyPatch, name: str, call: str) -> None:
    """Make ``os.<call>`` raise PermissionError for paths ending in ``name`` (as root, chmod 000
    does not stop reading)."""
    real = getattr(os, call)

    def guarded(path, *args, **kwargs):
        if str(path).endswith(name):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, call, guarded)


def test_unreadable_file_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "secret.yaml", QUEUE_AND_FUNCTION)
    write(tmp_path / "good.yaml", GOOD.read_text())
    _deny(monkeypatch, "secret.yaml", "open")
    monkeypatch.chdir(tmp_path)
    for target in (["secret.yaml", "good.yaml"], ["."]):
        result = lint(target, _ruleset(), cwd=tmp_path)
        assert [(e.file, e.message) for e in result.errors] == [("secret.yaml", "cannot read: Permission denied")]
        assert any(f.rule_id == "LL104" and f.loc.file == "good.yaml" for f in result.findings)


def test_unreadable_tf_file_and_directory_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "tf" / "main.tf", 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    write(tmp_path / "locked" / "template.yaml", QUEUE_AND_FUNCTION)
    write(tmp_path / "good.yaml", GOOD.read_text())
    _deny(monkeypatch, "main.tf", "open")
    _deny(monkeypatch, "locked", "scandir")
    monkeypatch.chdir(tmp_path)
    result = lint(["."], _ruleset(), cwd=tmp_path)
    assert sorted((e.file, e.message) for e in result.errors) == [
        ("locked", "cannot read directory: Permission denied"),
        ("tf", "tf/main.tf: cannot read: Permission denied"),
    ]
    assert any(f.rule_id == "LL104" and f.loc.file == "good.yaml" for f in result.findings)


def test_unreadable_file_through_the_cli(tmp_path: Path) -> None:
    """The real CLI in a subprocess whose ``os.open`` refuses one file, as EACCES would."""
    write(tmp_path / "secret.yaml", QUEUE_AND_FUNCTION)
    write(tmp_path / "good.yaml", GOOD.read_text())
    code = textwrap.dedent("""\
        import os, sys
        real = os.open
        def guarded(path, *args, **kwargs):
            if str(path).endswith("secret.yaml"):
                raise PermissionError(13, "Permission denied", str(path))
            return real(path, *args, **kwargs)
        os.open = guarded
        from lambdalint.cli import main
        sys.argv = ["lambdalint", "check", ".", "--format", "json"]
        main()
        """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          preexec_fn=_limit_memory)
    assert proc.returncode == 2
    assert proc.stderr == "secret.yaml: error: cannot read: Permission denied\n"
    report = json.loads(proc.stdout)
    assert any(f["rule_id"] == "LL104" and f["file"] == "good.yaml" for f in report["findings"])


def test_file_that_disappears_between_discovery_and_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "a_gone.yaml", QUEUE_AND_FUNCTION)
    write(tmp_path / "b_tf" / "main.tf", 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    write(tmp_path / "good.yaml", GOOD.read_text())
    real = lint_module.discover

    def discover_then_delete(paths):
        for unit in real(paths):
            if unit.path.name == "a_gone.yaml":
                unit.path.unlink()
            elif unit.path.name == "b_tf":
                (unit.path / "main.tf").unlink()
                unit.path.rmdir()
            yield unit

    monkeypatch.setattr(lint_module, "discover", discover_then_delete)
    monkeypatch.chdir(tmp_path)
    result = lint(["."], _ruleset(), cwd=tmp_path)
    assert [(e.file, e.message) for e in result.errors] == [("a_gone.yaml", "no such file"), ("b_tf", "no such file")]
    assert any(f.rule_id == "LL104" and f.loc.file == "good.yaml" for f in result.findings)


# -- text that is not valid Unicode, names that are not one line ----------------------------------

def test_lone_surrogate_escapes_reach_no_report(tmp_path: Path) -> None:
    """JSON and HCL escapes can spell a lone surrogate (``\\ud800``), which Python's json accepts
    and no UTF-8 output can hold: the fingerprint and then every reporter crashed. HCL strings
    now hold U+FFFD there, as Terraform's do; what else gets through is replaced in the report."""
    write(tmp_path / "tf" / "main.tf", textwrap.dedent("""\
        resource "aws_lambda_function" "f" {
          function_name = jsondecode("\\"x\\\\ud800y\\"")
          role          = "r"
          description   = "\\ud800\\udc00"
        }
        resource "aws_sqs_queue" "q" {
          name = "q\\uDFFF"
        }
        resource "aws_lambda_event_source_mapping" "m" {
          function_name    = aws_lambda_function.f.arn
          event_source_arn = aws_sqs_queue.q.arn
        }
        """))
    policy = '{"Statement": [{"Effect": "Allow", "Action": "sqs:*", "Resource": "arn:aws:sqs:*:*:\\ud800"}]}'
    with_role = QUEUE_AND_FUNCTION.replace("Role: arn:aws:iam::123456789012:role/r", "Role: !GetAtt R.Arn")
    role = ("  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n"
            "      Policies:\n        - PolicyName: p\n          PolicyDocument: '" + policy + "'\n")
    write(tmp_path / "t.yaml", with_role + role)
    for fmt in ("json", "text", "sarif", "github", "junit", "parsable"):
        proc = subprocess.run([sys.executable, "-m", "lambdalint", "check", "tf", "t.yaml", "--format", fmt],
                              cwd=tmp_path, capture_output=True, timeout=60, preexec_fn=_limit_memory)
        assert proc.returncode == 1, (fmt, proc.stderr.decode("utf-8", "replace")[-2000:])
        assert proc.stderr == b"", fmt
        out = proc.stdout.decode("utf-8")  # strict: valid UTF-8
        assert "tf/main.tf" in out and "t.yaml" in out
    assert_linted(check(tmp_path, "tf", "t.yaml"))


def test_file_names_that_are_not_utf8_or_not_one_line(tmp_path: Path) -> None:
    """Linux file names are bytes: one that is not UTF-8 is shown with \\xNN escapes (and is
    linted, where writing its name into the JSON report crashed), a newline in a name is
    escaped so its error stays one line."""
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "good.yaml").write_text(GOOD.read_text())
    with open(os.path.join(os.fsencode(repo), b"caf\xe9.yaml"), "wb") as handle:
        handle.write(QUEUE_AND_FUNCTION.encode())
    write(repo / "bad\nname.yaml", HDR + "Resources:\n  A: [1\n")
    write(repo / "tab\tname.yaml", QUEUE_AND_FUNCTION)
    run = check(tmp_path, "repo")
    assert_error(run, "repo/bad\\nname.yaml", r"^invalid YAML")
    assert {f["rule_id"] for f in run.findings("repo/caf\\xe9.yaml")} >= {"LL102"}
    assert {f["rule_id"] for f in run.findings("repo/tab\\tname.yaml")} >= {"LL102"}
