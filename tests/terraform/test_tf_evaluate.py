"""HCL reading and expression evaluation: locations, literals, templates, references, functions,
and unknowns that keep their identity."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lambdalint.model import is_literal
from lambdalint.parsers.intrinsics import Symbols
from lambdalint.parsers.terraform.evaluate import Evaluator
from lambdalint.parsers.terraform.hcl import parse_hcl, parse_tf_json
from lambdalint.parsers.terraform.modules import Instance, VarValue
from lambdalint.parsers.terraform.naming import World


def _values(src: str, variables: dict[str, str] | None = None) -> dict[str, Any]:
    """Evaluate every top-level attribute of ``src`` (variables: name -> HCL expression text)."""
    parsed = parse_hcl(src.encode(), "main.tf")
    inst = Instance("", Path("."), ".")
    for name, text in (variables or {}).items():
        expr = parse_hcl(f"v = {text}\n".encode(), "vars.tf").body.attrs["v"].expr
        inst.values[name] = VarValue(expr, None, f"variable {name} default")
    ev = Evaluator(Symbols(), World(inst))
    return {name: ev.evaluate(attr.expr, inst)[0] for name, attr in parsed.body.attrs.items()}


def test_blocks_and_attributes_are_located_exactly() -> None:
    src = 'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n\n  redrive_policy = jsonencode({})\n}\n'
    parsed = parse_hcl(src.encode(), "dir/queue.tf")
    (blk,) = parsed.body.blocks
    assert (blk.type, blk.labels) == ("resource", ("aws_sqs_queue", "jobs"))
    assert (blk.loc.file, blk.loc.line, blk.loc.col) == ("dir/queue.tf", 1, 1)
    attr = blk.body.attrs["redrive_policy"]
    assert (attr.loc.line, attr.loc.col, attr.loc.end_col) == (4, 3, 17)


def test_columns_count_characters_not_bytes() -> None:
    parsed = parse_hcl('locals {\n  é = 1\n  x = "ü"   \n}\n'.encode(), "m.tf")
    (blk,) = parsed.body.blocks
    assert blk.body.attrs["x"].loc.col == 3


def test_literals_templates_and_heredocs() -> None:
    got = _values(
        'a = 1\nb = 2.5\nc = true\nd = null\ne = "q\\"x\\n"\nf = "$${lit}"\n'
        'g = <<-EOT\n    {\n      "k": 1\n    }\n    EOT\nh = ["x", 2]\ni = { k = "v", "q" = 1 }\n'
    )
    assert got["a"] == 1 and got["b"] == 2.5 and got["c"] is True and got["d"] is None
    assert got["e"] == 'q"x\n'
    assert got["f"] == "${lit}"
    assert got["g"] == '{\n  "k": 1\n}\n'
    assert got["h"] == ["x", 2] and got["i"] == {"k": "v", "q": 1}


def test_variables_locals_and_provenance() -> None:
    src = 'locals {\n  name = "${var.env}-orders"\n}\n'
    parsed = parse_hcl(src.encode(), "main.tf")
    inst = Instance("", Path("."), ".")
    inst.locals.update(parsed.body.blocks[0].body.attrs)
    inst.values["env"] = VarValue(parse_hcl(b'v = "prod"\n', "t").body.attrs["v"].expr, None, "terraform.tfvars")
    ev = Evaluator(Symbols(), World(inst))
    probe = parse_hcl(b"x = local.name\n", "p.tf").body.attrs["x"].expr
    value, trail = ev.evaluate(probe, inst)
    assert value == "prod-orders"
    assert trail == ["terraform.tfvars"]
    assert ev.vars_used == {"env"}


def test_unknown_variable_keeps_its_identity() -> None:
    got = _values('a = "arn:aws:s3:::${var.bucket}/*"\nb = var.bucket\nc = lower(var.bucket)\nd = lower(var.bucket)\n')
    assert not is_literal(got["b"]) and len(got["b"]) == 1
    assert got["a"] == f"arn:aws:s3:::{got['b']}/*"
    assert got["c"] == got["d"] != got["b"]  # same call, same unknown; not the variable itself


@pytest.mark.parametrize(("expr", "expected"), [
    ('cidrsubnet("10.0.0.0/16", 8, 2)', "10.0.2.0/24"),
    ('cidrsubnets("10.1.0.0/16", 4, 4, 8)', ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24"]),
    ('jsonencode({a = [1, "x"], b = true})', '{"a":[1,"x"],"b":true}'),
    ('jsondecode("{\\"k\\": [1]}")', {"k": [1]}),
    ('format("%s-%d", "a", 3)', "a-3"),
    ('join(",", ["a", "b"])', "a,b"),
    ('merge({a = 1}, {b = 2})', {"a": 1, "b": 2}),
    ('lookup({a = 1}, "b", 5)', 5),
    ('concat(["a"], ["b"])', ["a", "b"]),
    ('element(["a", "b"], 3)', "b"),
    ('length(["a", "b"])', 2),
    ('coalesce("", "x")', "x"),
    ('replace("a-b-c", "-", "_")', "a_b_c"),
    ('[for s in ["a", "b"] : upper(s) if s != "b"]', ["A"]),
    ('{for k, v in {a = 1, b = 2} : v => k}', {"1": "a", "2": "b"}),
    ('[{n = 1}, {n = 2}][*].n', [1, 2]),
    ('1 + 2 * 3 > 6 ? "big" : "small"', "big"),
    ('"10.0.${count_base + 1}.0/24"', None),  # an unknown reference: checked below
])
def test_functions_and_operators(expr: str, expected: Any) -> None:
    got = _values(f"x = {expr}\n")["x"]
    if expected is None:
        assert isinstance(got, str) and not is_literal(got)
    else:
        assert got == expected


def test_conditional_on_unknown_is_known_when_branches_agree() -> None:
    got = _values('a = var.flag ? 30 : 30\nb = var.flag ? 30 : 60\n')
    assert got["a"] == 30
    assert isinstance(got["b"], str) and not is_literal(got["b"])


def test_tf_json_reads_to_the_same_structure() -> None:
    text = '{\n  "resource": {\n    "aws_sqs_queue": {\n      "jobs": {\n        "name": "jobs-${var.env}",\n' \
           '        "visibility_timeout_seconds": 60\n      }\n    }\n  }\n}\n'
    parsed = parse_tf_json(text, "main.tf.json")
    (blk,) = parsed.body.blocks
    assert (blk.type, blk.labels) == ("resource", ("aws_sqs_queue", "jobs"))
    assert blk.body.attrs["visibility_timeout_seconds"].loc.line == 6
    inst = Instance("", Path("."), ".")
    inst.values["env"] = VarValue(parse_hcl(b'v = "dev"\n', "t").body.attrs["v"].expr, None, "x")
    ev = Evaluator(Symbols(), World(inst))
    assert ev.evaluate(blk.body.attrs["name"].expr, inst)[0] == "jobs-dev"
