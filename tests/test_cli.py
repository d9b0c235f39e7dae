"""The real CLI, run as a subprocess: exit codes, output shapes, errors, and what `check` imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_templates"

CLEAN_SAM = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        Get:
          Type: Api
          Properties: {Path: /, Method: get}
  HelloLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /aws/lambda/${Hello}
      RetentionInDays: 7
"""

WARN_SAM = CLEAN_SAM.replace("      RetentionInDays: 7\n", "")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "lambdalint", *args], cwd=cwd, capture_output=True,
                          text=True, env=env, timeout=120)


def test_clean_template_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(CLEAN_SAM)
    proc = run("check", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 findings" in proc.stdout


def test_findings_exit_one_and_text_format(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(WARN_SAM)
    proc = run("check", "template.yaml", cwd=tmp_path)
    assert proc.returncode == 1
    first = proc.stdout.splitlines()[0]
    assert first.startswith("template.yaml:14:3: LL301 [warning] log group")
    assert first.endswith("(HelloLogs)")


def test_fail_on_error_ignores_warnings(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(WARN_SAM)
    assert run("check", str(tmp_path), "--fail-on", "error").returncode == 0
    assert run("check", str(tmp_path), "--fail-on", "info").returncode == 1


def test_bad_file_is_one_line_error_and_others_still_lint(tmp_path: Path) -> None:
    (tmp_path / "a_broken.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  X: [1\n")
    dupe = "Resources:\n  A:\n    Type: AWS::SQS::Queue\n  A:\n    Type: AWS::SNS::Topic\n"
    (tmp_path / "b_dupe.yaml").write_text(dupe)
    (tmp_path / "c_template.yaml").write_text(WARN_SAM)
    proc = run("check", ".", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    errors = {e["file"]: e["message"] for e in data["errors"]}
    assert set(errors) == {"a_broken.yaml", "b_dupe.yaml"}
    assert "at line 4, column 1" in errors["a_broken.yaml"] and "\n" not in errors["a_broken.yaml"]
    assert errors["b_dupe.yaml"] == "duplicate key 'A' at line 4 (first at line 2)"
    assert [f["rule_id"] for f in data["findings"]] == ["LL301"]
    assert data["findings"][0]["file"] == "c_template.yaml"
    # The same errors reach a human on stderr, one line each, naming the file.
    assert "a_broken.yaml: error: invalid YAML" in proc.stderr


def test_missing_path_is_exit_two(tmp_path: Path) -> None:
    proc = run("check", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 2
    assert "no such file" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_non_templates_are_skipped_silently(tmp_path: Path) -> None:
    (tmp_path / "workflow.yml").write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n")
    (tmp_path / "package.json").write_text('{"name": "x", "version": "1.0.0"}')
    (tmp_path / "compose.yaml").write_text("services:\n  db:\n    image: postgres\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "template.yaml").write_text(WARN_SAM)
    proc = run("check", str(tmp_path))
    assert proc.returncode == 0, proc.stdout
    assert "0 units linted" in proc.stdout


def test_json_shape(tmp_path: Path) -> None:
    proc = run("check", "sample_templates", "--format", "json")
    data = json.loads(proc.stdout)
    assert set(data) == {"version", "findings", "errors", "suppressed", "summary"}
    finding = data["findings"][0]
    assert {"rule_id", "rule_name", "severity", "message", "file", "line", "column", "resource", "related",
            "fingerprint"} <= set(finding)
    for f in data["findings"]:
        for rel in f["related"]:
            assert {"resource", "file", "line", "message"} <= set(rel)


def test_output_file_and_select(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    proc = run("check", "sample_templates", "--format", "json", "--select", "LL1", "--ignore", "LL101",
               "-o", str(out))
    assert proc.stdout == ""
    ids = {f["rule_id"] for f in json.loads(out.read_text())["findings"]}
    assert ids and all(i.startswith("LL1") and i != "LL101" for i in ids)


def test_unknown_rule_in_select_is_usage_error() -> None:
    proc = run("check", "sample_templates", "--select", "LL999")
    assert proc.returncode == 2
    assert "LL999" in proc.stderr


def test_secret_value_never_printed() -> None:
    text = (SAMPLES / "order-pipeline" / "template.yaml").read_text()
    secret_line = next(line for line in text.splitlines() if "STRIPE_API_KEY:" in line)
    secret = secret_line.split(":", 1)[1].strip()
    for fmt in ("text", "json"):
        proc = run("check", "sample_templates", "--format", fmt)
        assert secret not in proc.stdout + proc.stderr
        assert secret[8:] not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "module", ["boto3", "botocore", "cfnlint", "samtranslator", "detect_secrets", "tree_sitter"])
def test_check_does_not_import_heavy_modules(module: str, tmp_path: Path) -> None:
    """`check` on a template without secret-looking literals must stay light (pre-commit speed)."""
    (tmp_path / "template.yaml").write_text(CLEAN_SAM)
    code = (
        "import sys, runpy\n"
        f"sys.argv = ['lambdalint', 'check', {str(tmp_path)!r}]\n"
        "try:\n    runpy.run_module('lambdalint', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        f"print('LOADED' if {module!r} in sys.modules else 'CLEAN')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip().endswith("CLEAN"), proc.stdout + proc.stderr


def test_rules_and_explain() -> None:
    proc = run("rules")
    assert proc.returncode == 0
    assert [line.split()[0] for line in proc.stdout.splitlines()] == [
        "LL101", "LL102", "LL103", "LL104", "LL105", "LL106", "LL201", "LL301", "LL401"]
    page = run("explain", "recursive-trigger").stdout
    assert page.startswith("# LL101 recursive-trigger")
    assert "reserved" in page.lower() and "https://" in page
    assert run("explain", "LL999").returncode == 2


def test_changed_since_lints_only_touched_units(tmp_path: Path) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com"}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True, env=env)

    git("init", "-q")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "template.yaml").write_text(WARN_SAM)
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "template.yaml").write_text(WARN_SAM)
    data = json.loads(run("check", ".", "--format", "json", "--changed-since", "HEAD", cwd=tmp_path).stdout)
    assert {f["file"] for f in data["findings"]} == {"new/template.yaml"}
    (tmp_path / "old" / "template.yaml").write_text(WARN_SAM + "# touched\n")
    data = json.loads(run("check", ".", "--format", "json", "--changed-since", "HEAD", cwd=tmp_path).stdout)
    assert {f["file"] for f in data["findings"]} == {"new/template.yaml", "old/template.yaml"}
    bad = run("check", ".", "--changed-since", "no-such-ref", cwd=tmp_path)
    assert bad.returncode == 2 and "--changed-since no-such-ref" in bad.stderr


def test_jobs_gives_identical_output_in_the_same_order(tmp_path: Path) -> None:
    """Large inputs lint in worker processes; the report must not depend on it."""
    for i in range(30):
        folder = tmp_path / f"app{i:02d}"
        folder.mkdir()
        (folder / "template.yaml").write_text(WARN_SAM if i % 3 else CLEAN_SAM)
    (tmp_path / "app07" / "broken.yaml").write_text("Resources:\n  A: {Type: AWS::SQS::Queue\n")
    serial = run("check", ".", "--format", "json", "-j", "1", cwd=tmp_path)
    parallel = run("check", ".", "--format", "json", "-j", "2", cwd=tmp_path)
    assert serial.returncode == parallel.returncode == 2
    assert json.loads(serial.stdout) == json.loads(parallel.stdout)
    assert len(json.loads(parallel.stdout)["findings"]) == 20


def test_a_dying_worker_falls_back_to_linting_in_the_main_process(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker killed mid-run (OOM killer, a crash in C code) breaks the pool: the run must still
    report every unit, identically, and say why it slowed down."""
    from lambdalint import lint as lint_module
    from lambdalint.engine import RuleSet, all_rules

    for i in range(30):
        folder = tmp_path / f"app{i:02d}"
        folder.mkdir()
        (folder / "template.yaml").write_text(WARN_SAM if i % 3 else CLEAN_SAM)
    parent = os.getpid()
    real_lint_unit = lint_module.lint_unit

    def dies_in_a_worker(unit, file, *args):  # type: ignore[no-untyped-def]
        if os.getpid() != parent and file.endswith("app11/template.yaml"):
            os._exit(13)  # like SIGKILL from the OOM killer: no exception, no cleanup
        return real_lint_unit(unit, file, *args)

    monkeypatch.setattr(lint_module, "lint_unit", dies_in_a_worker)
    ruleset = RuleSet(list(all_rules()))
    serial = lint_module.lint([str(tmp_path)], ruleset, cwd=tmp_path, jobs=1)
    parallel = lint_module.lint([str(tmp_path)], ruleset, cwd=tmp_path, jobs=2)
    assert serial.notes == [] and len(parallel.notes) == 1
    assert "worker process died" in parallel.notes[0]
    assert parallel.units == serial.units == 30
    assert parallel.findings == serial.findings and len(serial.findings) == 20
