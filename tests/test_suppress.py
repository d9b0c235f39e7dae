"""Suppressions in every input format: inline comments (finding line, resource line, line above),
CloudFormation Metadata (YAML and JSON), baselines, and the opt-in report of unused ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SAM = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Environment:
        Variables:
          DB_PASSWORD: hunter2-but-longer{inline}
          API_TOKEN: !Ref TokenParam
      Events:
        Get:
          Type: Api
          Properties: {{Path: /, Method: get}}
  ApiLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /aws/lambda/${{Api}}
      RetentionInDays: 7
Parameters:
  TokenParam:
    Type: String
"""

CFN_JSON = {
    "Resources": {
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Metadata": {"lambdalint": {"ignore": [{"id": "LL201", "reason": "test fixture credentials"}]}},
            "Properties": {
                "Runtime": "python3.12", "Handler": "a.h", "Role": "arn:aws:iam::123456789012:role/r",
                "Code": {"ZipFile": "x"},
                "Environment": {"Variables": {"DB_PASSWORD": "correct-horse-battery"}},
            },
        },
        "FnLogs": {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {"LogGroupName": {"Fn::Sub": "/aws/lambda/${Fn}"}},
        },
    }
}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lambdalint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONWARNINGS": "ignore"})


def lint_json(cwd: Path, *args: str) -> dict:
    proc = run("check", ".", "--format", "json", *args, cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def test_yaml_inline_comment_on_the_finding_line(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        SAM.format(inline='  # lambdalint: ignore=LL201 reason="rotated test key"'))
    data = lint_json(tmp_path)
    assert [(f["rule_id"], f["line"]) for f in data["findings"]] == [("LL201", 11)]
    assert [(f["rule_id"], f["line"], f["suppression"]) for f in data["suppressed"]] == [
        ("LL201", 10, {"kind": "inSource", "via": "comment", "justification": "rotated test key"})]


def test_yaml_comment_line_above_and_by_rule_name(tmp_path: Path) -> None:
    text = SAM.format(inline="").replace(
        "          API_TOKEN:", "          # lambdalint: ignore=secret-in-environment\n          API_TOKEN:")
    (tmp_path / "template.yaml").write_text(text)
    data = lint_json(tmp_path)
    assert [f["line"] for f in data["findings"]] == [10]
    assert [f["line"] for f in data["suppressed"]] == [12]


def test_yaml_comment_on_the_resource_header_covers_the_resource(tmp_path: Path) -> None:
    text = SAM.format(inline="").replace("  Api:\n", "  Api:  # lambdalint: ignore=LL2 reason='demo stack'\n", 1)
    (tmp_path / "template.yaml").write_text(text)
    data = lint_json(tmp_path)
    assert data["findings"] == []
    assert {f["suppression"]["justification"] for f in data["suppressed"]} == {"demo stack"}
    proc = run("check", ".", cwd=tmp_path)
    assert proc.returncode == 0
    assert "2 suppressed" in proc.stdout


@pytest.mark.parametrize("odd", ["\u2028", "\u2029", "\x85"])
def test_line_separators_inside_yaml_strings_do_not_shift_suppressions(tmp_path: Path, odd: str) -> None:
    """Positions count only CR/LF line ends; str.splitlines() also splits at U+2028, NEL, form feed...
    A suppression counted that way would land a line off and silence the wrong finding."""
    text = SAM.format(inline='  # lambdalint: ignore=LL201 reason="rotated test key"')
    text = text.replace("Resources:", f'Description: "one{odd}two"\nResources:', 1)
    (tmp_path / "template.yaml").write_text(text, encoding="utf-8")
    data = lint_json(tmp_path)
    assert [(f["rule_id"], f["line"]) for f in data["findings"]] == [("LL201", 12)]
    assert [(f["rule_id"], f["line"]) for f in data["suppressed"]] == [("LL201", 11)]


def test_omit_suppressed_leaves_them_out_of_sarif_for_code_scanning(tmp_path: Path) -> None:
    """GitHub code scanning ignores SARIF ``suppressions`` and would open each one as an alert."""
    (tmp_path / "template.yaml").write_text(
        SAM.format(inline='  # lambdalint: ignore=LL201 reason="rotated test key"'))
    full = json.loads(run("check", ".", "--format", "sarif", cwd=tmp_path).stdout)
    assert [(r.get("suppressions") or [{}])[0].get("kind") for r in full["runs"][0]["results"]] == [
        "inSource", None]
    proc = run("check", ".", "--format", "sarif", "--omit-suppressed", cwd=tmp_path)
    results = json.loads(proc.stdout)["runs"][0]["results"]
    assert [(r["ruleId"], bool(r.get("suppressions"))) for r in results] == [("LL201", False)]
    assert proc.returncode == 1  # the active finding still gates
    assert json.loads(run("check", ".", "--format", "json", "--omit-suppressed", cwd=tmp_path).stdout)[
        "suppressed"] == []


def test_comment_for_another_rule_does_not_suppress(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(SAM.format(inline="  # lambdalint: ignore=LL301"))
    data = lint_json(tmp_path)
    assert [f["line"] for f in data["findings"]] == [10, 11]
    unused = lint_json(tmp_path, "--report-unused-suppressions")["findings"]
    assert [(f["rule_id"], f["line"], f["severity"]) for f in unused if f["rule_id"] == "LL001"] == [
        ("LL001", 10, "info")]


def test_cloudformation_metadata_in_json(tmp_path: Path) -> None:
    (tmp_path / "template.json").write_text(json.dumps(CFN_JSON, indent=2))
    data = lint_json(tmp_path)
    assert [f["rule_id"] for f in data["findings"]] == ["LL301"]
    assert [(f["rule_id"], f["suppression"]["justification"], f["suppression"]["via"]) for f in data["suppressed"]] == [
        ("LL201", "test fixture credentials", "metadata")]


def test_cloudformation_metadata_in_yaml_template_level(tmp_path: Path) -> None:
    text = "Metadata:\n  lambdalint:\n    ignore: [LL201]\n" + SAM.format(inline="")
    (tmp_path / "template.yaml").write_text(text)
    data = lint_json(tmp_path)
    assert data["findings"] == []
    assert len(data["suppressed"]) == 2


def test_baseline_fails_only_new_findings(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(SAM.format(inline=""))
    (tmp_path / "template.json").write_text(json.dumps(CFN_JSON["Resources"] and {"Resources": {
        "Fn": {k: v for k, v in CFN_JSON["Resources"]["Fn"].items() if k != "Metadata"}}}, indent=2))
    proc = run("check", ".", "--write-baseline", ".lambdalint-baseline.json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "wrote 4 findings" in proc.stderr
    baseline = json.loads((tmp_path / ".lambdalint-baseline.json").read_text())
    assert "hunter2" not in json.dumps(baseline)
    clean = run("check", ".", "--baseline", ".lambdalint-baseline.json", cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout
    # Unrelated edits that move lines keep the fingerprints.
    (tmp_path / "template.yaml").write_text("# a new comment\n\n" + SAM.format(inline=""))
    assert run("check", ".", "--baseline", ".lambdalint-baseline.json", cwd=tmp_path).returncode == 0
    # A new problem fails the gate.
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    (tmp_path / "template.yaml").write_text(SAM.format(inline="").replace(
        "          API_TOKEN:", f"          GITHUB_TOKEN: {token}\n          API_TOKEN:"))
    data = lint_json(tmp_path, "--baseline", ".lambdalint-baseline.json")
    assert [(f["rule_id"], f["line"]) for f in data["findings"]] == [("LL201", 11)]
    assert all(f["suppression"]["via"] == "baseline" for f in data["suppressed"])


def test_baseline_from_config_and_unused_entries(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(SAM.format(inline=""))
    run("check", ".", "--write-baseline", "base.json", cwd=tmp_path)
    (tmp_path / ".lambdalint.toml").write_text('baseline = "base.json"\n')
    assert run("check", ".", cwd=tmp_path).returncode == 0
    (tmp_path / "template.yaml").write_text(SAM.format(inline="").replace("API_TOKEN", "API_URL"))
    data = lint_json(tmp_path, "--report-unused-suppressions")
    assert [f["rule_id"] for f in data["findings"]] == ["LL001"]
    assert "matches no finding" in data["findings"][0]["message"]


def test_bad_baseline_is_usage_error(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(SAM.format(inline=""))
    (tmp_path / "base.json").write_text("[1, 2]")
    proc = run("check", ".", "--baseline", "base.json", cwd=tmp_path)
    assert proc.returncode == 2 and "not a lambdalint baseline" in proc.stderr
    proc = run("check", ".", "--baseline", "missing.json", cwd=tmp_path)
    assert proc.returncode == 2 and "baseline file not found" in proc.stderr


TF = """\
resource "aws_lambda_function" "api" {{{header}
  function_name = "api"
  runtime       = "python3.12"
  handler       = "app.handler"
  role          = "arn:aws:iam::123456789012:role/api"
  filename      = "app.zip"
  environment {{
    variables = {{
      DB_PASSWORD = "correct-horse-battery"{inline}
    }}
  }}
}}

resource "aws_cloudwatch_log_group" "api" {{
  name              = "/aws/lambda/api"
  retention_in_days = 14
}}
"""


def test_terraform_inline_comments(tmp_path: Path) -> None:
    unit = tmp_path / "stack"
    unit.mkdir()
    (unit / "main.tf").write_text(TF.format(header="", inline=""))
    assert [f["rule_id"] for f in lint_json(tmp_path)["findings"]] == ["LL201"]
    (unit / "main.tf").write_text(TF.format(header="", inline='  # lambdalint: ignore=LL201 reason="test value"'))
    data = lint_json(tmp_path)
    assert data["findings"] == []
    assert [(f["resource"], f["suppression"]["justification"]) for f in data["suppressed"]] == [
        ("aws_lambda_function.api", "test value")]
    (unit / "main.tf").write_text(TF.format(header="  # lambdalint: ignore=secret-in-environment", inline=""))
    assert lint_json(tmp_path)["findings"] == []


@pytest.mark.parametrize("odd", ["\x0c", "\x0b", "\x1c", "\u2028"])
def test_terraform_suppression_after_odd_line_separators(tmp_path: Path, odd: str) -> None:
    unit = tmp_path / "stack"
    unit.mkdir()
    text = TF.format(header="", inline='  # lambdalint: ignore=LL201 reason="test value"')
    (unit / "main.tf").write_text(f"# page one{odd}page two\n" + text, encoding="utf-8")
    data = lint_json(tmp_path)
    assert data["findings"] == []
    assert [f["rule_id"] for f in data["suppressed"]] == ["LL201"]


def test_terraform_baseline(tmp_path: Path) -> None:
    unit = tmp_path / "stack"
    unit.mkdir()
    (unit / "main.tf").write_text(TF.format(header="", inline=""))
    assert run("check", ".", "--write-baseline", "base.json", cwd=tmp_path).returncode == 0
    assert run("check", ".", "--baseline", "base.json", cwd=tmp_path).returncode == 0
