"""Terraform input that once lost resources without a word.

* Exponent literals without a fraction (``1e3``, ``5E+2``), valid HCL that tree-sitter-hcl
  misreads: the number became ``1`` and a block named ``e3`` swallowing every later block of the
  file, so the resources after it vanished and the run said "0 findings".
* Any other syntax error, for the same reason: tree-sitter's recovery can nest later blocks inside
  the broken one. It is now the directory's one-line error at its line, as Terraform refuses it.
* A local module that is there but cannot be read (a file unreadable, not UTF-8, not HCL, a
  directory that cannot be listed) was skipped silently; it is now the unit's error naming the
  module file. A module source that is simply not there stays unknown, without an error.

The CLI cases reuse tests/test_hostile.py's subprocess harness (time and memory bounded, one
``<file>: error: <reason>`` line, good.yaml still linted in the same run).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from test_hostile import assert_error, assert_linted, check, write

from lambdalint.engine import RuleSet, all_rules
from lambdalint.lint import lint
from lambdalint.model import Prov
from lambdalint.parsers.terraform import load_directory
from lambdalint.parsers.terraform.hcl import parse_hcl, parse_tf_json, parse_tree

EXPONENTS = """\
locals {
  thousand = 1e3
  half     = 5E-1
  more     = [5E+2, -2e2, "${1e1}"]
  words    = "1e3 and v1e3"
}

resource "aws_lambda_function" "f" {
  function_name = "f"
  role          = "arn:aws:iam::123456789012:role/r"
  handler       = "app.handler"
  runtime       = "python3.12"
  timeout       = 3e1
  memory_size   = local.thousand
}

# 1e3 in a comment, then a heredoc
resource "aws_sqs_queue" "q" {
  name                       = "q-1e3"
  visibility_timeout_seconds = 6E1
  policy                     = <<EOT
1e3
EOT
}

resource "aws_sqs_queue" "last" {
  name = "last"
}
"""


def _model(directory: Path):
    return load_directory(directory, directory.name)


# -- exponent literals ----------------------------------------------------------------------------

def test_the_grammar_still_misreads_exponents_without_a_fraction() -> None:
    """What the workaround is for: if tree-sitter-hcl learns ``1e3``, this fails and
    hcl._EXPONENT_LIT can go."""
    root = parse_tree(b"locals {\n  x = 1e3\n}\n").root_node
    assert root.has_error
    assert not parse_tree(b"locals {\n  x = 1.0e3\n}\n").root_node.has_error


def test_exponent_literals_evaluate_and_later_resources_keep_their_lines(tmp_path: Path) -> None:
    write(tmp_path / "tf" / "main.tf", EXPONENTS)
    model = _model(tmp_path / "tf")
    fn = model.functions["aws_lambda_function.f"]
    assert (fn.loc.file, fn.loc.line, fn.loc.col) == ("tf/main.tf", 8, 1)
    assert (fn.timeout.value, fn.timeout.prov, fn.timeout.loc.line, fn.timeout.loc.col) == (30, Prov.EXPLICIT, 13, 3)
    assert (fn.memory.value, fn.memory.loc.line) == (1000, 14)
    queue = model.queues["aws_sqs_queue.q"]
    assert (queue.loc.line, queue.name.value) == (18, "q-1e3")
    assert (queue.visibility_timeout.value, queue.visibility_timeout.loc.line) == (60, 20)
    last = model.queues["aws_sqs_queue.last"]
    assert (last.loc.line, last.loc.col, last.loc.end_line) == (26, 1, 26)


def test_exponent_values_strings_and_heredocs() -> None:
    """Each form of the literal is its number; the same text in a string, a comment or a heredoc,
    or inside an identifier, is left as written."""
    from lambdalint.parsers.intrinsics import Symbols
    from lambdalint.parsers.terraform.evaluate import Evaluator
    from lambdalint.parsers.terraform.modules import Instance
    from lambdalint.parsers.terraform.naming import World

    parsed = parse_hcl(EXPONENTS.encode(), "main.tf", strict=True)
    inst = Instance("", Path("."), ".")
    ev = Evaluator(Symbols(), World(inst))
    locals_ = parsed.body.blocks[0].body.attrs
    got = {name: ev.evaluate(attr.expr, inst)[0] for name, attr in locals_.items()}
    assert got == {"thousand": 1000, "half": 0.5, "more": [500, -200, 10], "words": "1e3 and v1e3"}
    queue = parsed.body.blocks[2].body.attrs
    assert ev.evaluate(queue["policy"].expr, inst)[0] == "1e3\n"
    assert ev.evaluate(queue["name"].expr, inst)[0] == "q-1e3"


def test_exponent_in_a_tf_json_template_and_in_tfvars(tmp_path: Path) -> None:
    write(tmp_path / "tf" / "main.tf.json", '{"resource": {"aws_lambda_function": {"f": {\n'
          '  "function_name": "f", "role": "arn:aws:iam::123456789012:role/r",\n'
          '  "timeout": "${2e1}", "memory_size": "${var.memory}"}}},\n'
          ' "variable": {"memory": {}}}\n')
    write(tmp_path / "tf" / "terraform.tfvars", "memory = 2E3\n")
    fn = _model(tmp_path / "tf").functions["aws_lambda_function.f"]
    assert (fn.timeout.value, fn.memory.value, fn.memory.via) == (20, 2000, "terraform.tfvars")
    assert parse_tf_json('{"locals": {"x": "${1e3}"}}', "m.tf.json").body.blocks[0].body.attrs["x"]


def test_exponent_lookalike_in_a_module_source_is_left_alone(tmp_path: Path) -> None:
    """``./v/1e3`` is a path inside a string: rewriting it would load no module."""
    write(tmp_path / "tf" / "main.tf", 'locals {\n  n = 1e3\n}\nmodule "m" {\n  source = "./v/1e3"\n}\n')
    write(tmp_path / "tf" / "v" / "1e3" / "main.tf", 'resource "aws_sqs_queue" "inner" {\n  name = "inner"\n}\n')
    model = _model(tmp_path / "tf")
    assert model.queues["module.m.aws_sqs_queue.inner"].loc.file == "tf/v/1e3/main.tf"


def test_exponent_with_garbage_after_it_is_an_error_at_its_line(tmp_path: Path) -> None:
    write(tmp_path / "tf" / "main.tf", 'locals {\n  a = 2e2\n  x = 1e3x\n}\nresource "aws_sqs_queue" "q" {\n}\n')
    result = lint([str(tmp_path / "tf")], RuleSet(list(all_rules())), cwd=tmp_path)
    assert [(e.file, e.message) for e in result.errors] == [
        ("tf", "tf/main.tf: invalid HCL at line 4, column 1: unexpected '}'")]


def test_exponent_through_the_cli(tmp_path: Path) -> None:
    """The reported case: a function after ``locals { x = 1e3 }`` is linted at its own line."""
    write(tmp_path / "tf" / "main.tf", 'locals {\n  x = 1e3\n}\n\nresource "aws_lambda_function" "f" {\n'
          '  function_name = "f"\n  role          = "arn:aws:iam::123456789012:role/r"\n  timeout       = 3e1\n}\n')
    run = check(tmp_path, "tf")
    assert_linted(run)
    assert [(f["rule_id"], f["line"], f["resource"]) for f in run.findings("tf/main.tf")] == [
        ("LL301", 5, "aws_lambda_function.f")]


# -- syntax errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "reason"), [
    ('resource "aws_sqs_queue" "a" {\n  name = "a"\n\nresource "aws_sqs_queue" "b" {\n  name = "b"\n}\n',
     "invalid HCL at line 6, column 2: missing '}'"),
    ('resource "aws_sqs_queue" "a" {\n  name = ["a", "b"\n}\nresource "aws_sqs_queue" "b" {\n}\n',
     "invalid HCL at line 2, column 19: missing ']'"),
    ('resource "aws_sqs_queue" "a" {\n  name = "a" +\n}\n', "invalid HCL at line 2, column 14: unexpected '+'"),
], ids=["unclosed-block", "unclosed-list", "dangling-operator"])
def test_a_syntax_error_is_an_error_at_its_line_not_lost_resources(tmp_path: Path, text: str, reason: str) -> None:
    write(tmp_path / "tf" / "main.tf", text)
    write(tmp_path / "tf" / "other.tf", 'resource "aws_sqs_queue" "c" {\n}\n')
    assert_error(check(tmp_path, "tf"), "tf", f"^{re.escape('tf/main.tf: ' + reason)}$")


def test_a_syntax_error_in_tfvars_is_an_error(tmp_path: Path) -> None:
    """A broken tfvars would otherwise drop the assignments after the error, and a variable's
    default would be linted as if it were the value."""
    write(tmp_path / "tf" / "main.tf", 'variable "v" {\n  default = 1\n}\n')
    write(tmp_path / "tf" / "terraform.tfvars", 'w = [\nv = 900\n')
    assert_error(check(tmp_path, "tf"), "tf", r"^terraform\.tfvars: invalid HCL at line \d+, column \d+")


# -- local modules that cannot be read -------------------------------------------------------------

ROOT_TF = ('module "q" {\n  source = "./modules/q"\n}\n'
           'resource "aws_lambda_function" "f" {\n  function_name = "f"\n'
           '  role          = "arn:aws:iam::123456789012:role/r"\n}\n')
MODULE_TF = 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n'


@pytest.mark.parametrize(("data", "reason"), [
    (b'resource "aws_sqs_queue" "q" {\n  name = "\xff"\n}\n', "not valid UTF-8: byte 0xff at line 2, column 11"),
    (b"\x00\x01binary", "binary file (NUL byte at offset 0), not text"),
    (b'resource "aws_sqs_queue" "q" {\n  name = \n', "invalid HCL at line 2, column 9: unexpected end of file"),
], ids=["not-utf8", "binary", "syntax-error"])
def test_a_module_file_that_cannot_be_read_is_the_units_error(tmp_path: Path, data: bytes, reason: str) -> None:
    write(tmp_path / "tf" / "main.tf", ROOT_TF)
    write(tmp_path / "tf" / "modules" / "q" / "a.tf", MODULE_TF.replace('"q"', '"a"'))
    write(tmp_path / "tf" / "modules" / "q" / "main.tf", data)
    write(tmp_path / "ok" / "main.tf", ROOT_TF.replace("./modules/q", "../tf/modules/q/absent"))
    for target in ("tf", "."):
        run = check(tmp_path, target)
        assert_error(run, "tf", f"^{re.escape('tf/modules/q/main.tf: ' + reason)}$")
        if target == ".":  # the rest of the walk is linted: the directory whose module is absent
            assert [f["resource"] for f in run.findings("ok/main.tf")] == ["aws_lambda_function.f"]


def _deny(monkeypatch: pytest.MonkeyPatch, suffix: str, call: str) -> None:
    """``os.<call>`` raises PermissionError for paths ending in ``suffix`` (the tests run as root,
    where chmod 000 does not stop reading)."""
    real = getattr(os, call)

    def guarded(path, *args, **kwargs):
        if str(path).endswith(suffix):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, call, guarded)


def _errors(tmp_path: Path, *targets: str) -> list[tuple[str, str]]:
    result = lint(list(targets), RuleSet(list(all_rules())), cwd=tmp_path)
    assert result.units >= 1 or result.errors
    return [(e.file, e.message) for e in result.errors]


def test_an_unreadable_module_file_is_the_units_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "tf" / "main.tf", ROOT_TF)
    write(tmp_path / "tf" / "modules" / "q" / "main.tf", MODULE_TF)
    write(tmp_path / "other" / "main.tf", MODULE_TF)
    monkeypatch.chdir(tmp_path)
    _deny(monkeypatch, "modules/q/main.tf", "open")
    assert _errors(tmp_path, "tf", "other") == [("tf", "tf/modules/q/main.tf: cannot read: Permission denied")]


def test_a_module_directory_that_cannot_be_listed_is_the_units_error(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The module sits outside the linted directory, so the walk never lists it: only the call does."""
    write(tmp_path / "tf" / "main.tf", ROOT_TF.replace("./modules/q", "../shared/q"))
    write(tmp_path / "shared" / "q" / "main.tf", MODULE_TF)
    monkeypatch.chdir(tmp_path)
    _deny(monkeypatch, "shared/q", "scandir")
    assert _errors(tmp_path, "tf") == [("tf", "shared/q: cannot read directory: Permission denied")]


@pytest.mark.parametrize("source", ["./modules/absent", "../nowhere", "./main.tf", "./empty",
                                    "terraform-aws-modules/sqs/aws"])
def test_a_module_source_that_is_not_here_stays_unknown(tmp_path: Path, source: str) -> None:
    """Not an error (as before): a remote module ``terraform init`` did not fetch, a path that does
    not exist or holds no Terraform files. The module's values are unknown, the rest is linted."""
    write(tmp_path / "tf" / "main.tf", ROOT_TF.replace("./modules/q", source))
    (tmp_path / "tf" / "empty").mkdir()
    write(tmp_path / "tf" / "empty" / "README.md", "nothing\n")
    run = check(tmp_path, "tf")
    assert_linted(run)
    assert [f["resource"] for f in run.findings("tf/main.tf")] == ["aws_lambda_function.f"]


def test_non_files_in_a_module_are_skipped_as_at_the_top(tmp_path: Path) -> None:
    """A FIFO (never opened: it would block), a directory and a dangling symlink named ``*.tf``
    are not Terraform files, in a module as in the linted directory itself."""
    write(tmp_path / "tf" / "main.tf", ROOT_TF)
    write(tmp_path / "tf" / "modules" / "q" / "main.tf", MODULE_TF)
    os.mkfifo(tmp_path / "tf" / "modules" / "q" / "fifo.tf")
    (tmp_path / "tf" / "modules" / "q" / "dir.tf").mkdir()
    os.symlink("gone.tf", tmp_path / "tf" / "modules" / "q" / "dangling.tf")
    assert_linted(check(tmp_path, "tf", timeout=20))
    assert "module.q.aws_sqs_queue.q" in {q for q in _model(tmp_path / "tf").queues}
