"""The composite GitHub Action's lint step, run as GitHub would run it (inputs substituted, bash)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Environment:
        Variables:
          DB_PASSWORD: hunter2-but-longer  # lambdalint: ignore=LL201 reason="rotated test key"
          API_TOKEN: !Ref TokenParam
  ApiLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /aws/lambda/${Api}
      RetentionInDays: 7
Parameters:
  TokenParam:
    Type: String
"""


def lint_step(inputs: dict[str, str]) -> str:
    action = YAML(typ="safe").load((ROOT / "action.yml").read_text())
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()} | inputs
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "lint")
    return re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: values[m.group(1)], step["run"])


@pytest.mark.parametrize(("suppressed", "expected"), [("omit", [False]), ("include", [True, False])])
def test_lint_step_writes_sarif_and_the_exit_code(tmp_path: Path, suppressed: str, expected: list[bool]) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    output = tmp_path / "github_output"
    env = {**os.environ, "GITHUB_OUTPUT": str(output),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(["bash", "-c", lint_step({"sarif-suppressed": suppressed})], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert output.read_text() == "exit-code=1\n"
    results = json.loads((tmp_path / "lambdalint.sarif").read_text())["runs"][0]["results"]
    assert sorted(bool(r.get("suppressions")) for r in results) == sorted(expected)
    assert {r["ruleId"] for r in results} == {"LL201"}
