"""lambdalint with cfn-lint, both ways.

1. ``lambdalint check --cfn-lint`` merges cfn-lint's matches (``cfn-lint:E3002``) into lambdalint's
   output, exit code, suppressions and SARIF.
2. ``cfn-lint --append-rules=lambdalint.cfnlint_plugin`` (or the directory printed by
   ``lambdalint cfn-lint-plugin-path``) reports lambdalint's findings inside cfn-lint, on the same
   lines as ``lambdalint check``: checked here with cfn-lint run as a real subprocess.

That ``check`` without the flag never imports cfnlint is asserted in tests/test_cli.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("cfnlint")

from click.testing import CliRunner

from lambdalint.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_templates"
SARIF_SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}

# One cfn-lint error (E3002: a misspelt queue property, line 15), one cfn-lint warning (W3005: a
# DependsOn the !Sub already implies, line 18), and nothing lambdalint reports.
BAD = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Description: cfn-lint finds a misspelt queue property and a redundant DependsOn
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Timeout: 10
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeut: 60
  FnLogs:
    Type: AWS::Logs::LogGroup
    DependsOn: Fn
    Properties:
      LogGroupName: !Sub /aws/lambda/${Fn}
      RetentionInDays: 14
"""
E3002_LINE, W3005_LINE = 15, 18


def run_check(*args: str, cwd: Path) -> tuple[int, str]:
    """``lambdalint check`` in-process (cfn-lint's import is paid once for the whole module)."""
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, ["check", *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout


def cfn_lint(*args: str, cwd: Path = ROOT) -> list[dict]:
    """cfn-lint as a real subprocess, JSON output."""
    exe = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or shutil.which("cfn-lint")
    command = [exe] if exe else [sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())"]
    proc = subprocess.run([*command, "--format", "json", *args], cwd=cwd, capture_output=True, text=True, env=ENV,
                          timeout=300)
    assert proc.returncode in (0, 2, 4, 6, 8, 10, 12, 14), proc.stderr  # a bitmask of levels; 1 is a crash
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def ll_matches(matches: list[dict]) -> set[tuple[str, str, int, int, str]]:
    """(LL id, file, line, column, severity) of the plugin's matches; checks the id mapping."""
    out = set()
    for m in matches:
        rule = m["Rule"]["Id"]
        found = re.match(r"\[(LL\d{3}) [a-z0-9-]+\] ", m["Message"])
        if not re.fullmatch(r"[EWI]9\d{3}", rule):
            assert found is None, m
            continue
        assert found is not None, m
        ll_id = found.group(1)
        assert rule[2:] == ll_id[2:], (rule, ll_id)  # LL101 -> E9101 / W9101 / I9101
        severity = {"E": "error", "W": "warning", "I": "info"}[rule[0]]
        assert m["Level"].lower().startswith(severity[:4]), m
        start = m["Location"]["Start"]
        out.add((ll_id, Path(m["Filename"]).as_posix(), start["LineNumber"], start["ColumnNumber"], severity))
    return out


def sample_templates() -> list[str]:
    return sorted(p.relative_to(ROOT).as_posix() for p in SAMPLES.rglob("*")
                  if p.suffix in (".yaml", ".yml", ".json", ".template") and "Resources" in p.read_text())


# -- 2. the plugin: acceptance against `lambdalint check` -----------------------------------------

def test_plugin_reports_what_check_reports_on_the_samples() -> None:
    templates = sample_templates()
    assert len(templates) >= 3
    proc = subprocess.run([sys.executable, "-m", "lambdalint", "check", "sample_templates", "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True, env=ENV, timeout=120)
    report = json.loads(proc.stdout)
    expected = {(f["rule_id"], f["file"], f["line"], f["column"], f["severity"]) for f in report["findings"]}
    assert expected, "the samples are meant to have findings"
    assert {f[1] for f in expected} == set(templates)

    got = ll_matches(cfn_lint("--include-checks", "I", "--append-rules=lambdalint.cfnlint_plugin", *templates))
    assert got == expected
    assert any(f[0] == "LL101" and f[4] == "error" for f in got)  # a per-finding escalation -> E9101


def test_plugin_directory_form_and_lambdalint_suppressions(tmp_path: Path) -> None:
    """`--append-rules DIR` works too, and the plugin honours `# lambdalint: ignore=` like `check`."""
    plugin_dir = subprocess.run([sys.executable, "-m", "lambdalint", "cfn-lint-plugin-path"], capture_output=True,
                                text=True, env=ENV, timeout=60).stdout.strip()
    assert (Path(plugin_dir) / "lambdalint_rules.py").is_file()
    source = (SAMPLES / "order-pipeline" / "template.yaml").read_text()
    lines = source.splitlines()
    vis = next(i for i, line in enumerate(lines) if "VisibilityTimeout: 120" in line)
    lines[vis] += "  # lambdalint: ignore=LL103 reason=\"batch jobs are idempotent\""
    (tmp_path / "template.yaml").write_text("\n".join(lines) + "\n")

    got = ll_matches(cfn_lint(f"--append-rules={plugin_dir}", "--", "template.yaml", cwd=tmp_path))
    _, out = run_check("template.yaml", "--format", "json", cwd=tmp_path)
    expected = {(f["rule_id"], f["file"], f["line"], f["column"], f["severity"]) for f in json.loads(out)["findings"]}
    assert "LL103" not in {f[0] for f in expected}
    assert got == expected


def test_plugin_rule_ids_and_explicit_locations() -> None:
    from cfnlint.rules import CloudFormationLintRule

    from lambdalint.cfnlint_plugin._impl import cfn_id, rule_classes, rule_match
    from lambdalint.engine import Finding, all_rules
    from lambdalint.model import Loc
    from lambdalint.rule import Severity

    classes = rule_classes()
    assert cfn_id("LL101", Severity.WARNING) == "W9101"
    assert cfn_id("LL201", Severity.ERROR) == "E9201"
    assert "E9000" in classes
    for rule in all_rules():
        for letter in "EWI":
            cls = classes[f"{letter}9{rule.id[2:]}"]
            assert issubclass(cls, CloudFormationLintRule)
            assert cls.lambdalint_rule_id == rule.id
            assert rule.id in cls.shortdesc and cls.source_url == rule.help_uri
    f = Finding("LL103", "sqs-visibility-timeout", Severity.WARNING, "too short", Loc("t.yaml", 22, 7, 22, 24,
                ("Resources", "Q", "Properties", "VisibilityTimeout")), "Q")
    match = rule_match(f)
    assert match.location == (21, 6, 21, 23)  # cfn-lint adds 1 to each
    assert match.path == ["Resources", "Q", "Properties", "VisibilityTimeout"]
    assert match.message == "[LL103 sqs-visibility-timeout] too short"
    globals_hit = Finding("LL103", "sqs-visibility-timeout", Severity.WARNING, "m",
                          Loc("t.yaml", 5, 5, 5, 9, ("Globals", "Function", "Timeout")), "Fn")
    assert rule_match(globals_hit).path == ["Resources", "Fn"]  # so cfn-lint's resource ignore_checks apply


# -- 1. check --cfn-lint ----------------------------------------------------------------------------

def test_check_cfn_lint_text_json_and_exit_code(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(BAD)
    # Once as a real subprocess: the flag end to end.
    proc = subprocess.run([sys.executable, "-m", "lambdalint", "check", "--cfn-lint", "template.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, env=ENV, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    text = proc.stdout.splitlines()
    assert any(line.startswith(f"template.yaml:{W3005_LINE}:5: cfn-lint:W3005 [warning] 'Fn' dependency")
               and line.endswith("(FnLogs)") for line in text), text
    assert any(line.startswith(f"template.yaml:{E3002_LINE}:7: cfn-lint:E3002 [error] Additional properties")
               and line.endswith("(Queue)") for line in text), text
    assert text[-1].startswith("2 findings (1 error, 1 warning)")

    code, out = run_check("--cfn-lint", "template.yaml", "--format", "json", cwd=tmp_path)
    assert code == 1
    findings = {f["rule_id"]: f for f in json.loads(out)["findings"]}
    assert set(findings) == {"cfn-lint:E3002", "cfn-lint:W3005"}
    e3002 = findings["cfn-lint:E3002"]
    assert (e3002["line"], e3002["column"], e3002["end_line"], e3002["end_column"]) == (E3002_LINE, 7, E3002_LINE, 23)
    assert (e3002["severity"], e3002["resource"]) == ("error", "Queue")
    assert e3002["rule_name"] == "resource-properties-are-invalid"  # cfn-lint's shortdesc, as a slug
    assert "VisibilityTimeut" in e3002["message"]
    assert (findings["cfn-lint:W3005"]["severity"], findings["cfn-lint:W3005"]["resource"]) == ("warning", "FnLogs")

    # --fail-on decides: the error fails at any threshold; without it, the warning alone fails only at warning.
    assert run_check("--cfn-lint", "template.yaml", "--fail-on", "error", cwd=tmp_path)[0] == 1
    (tmp_path / "template.yaml").write_text(BAD.replace("VisibilityTimeut", "VisibilityTimeout"))
    assert run_check("--cfn-lint", "template.yaml", "--fail-on", "error", cwd=tmp_path)[0] == 0
    assert run_check("--cfn-lint", "template.yaml", "--fail-on", "warning", cwd=tmp_path)[0] == 1
    assert run_check("template.yaml", "--fail-on", "warning", cwd=tmp_path)[0] == 0  # no flag: no cfn-lint


def test_fingerprint_is_line_independent(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(BAD)
    before = json.loads(run_check("--cfn-lint", "template.yaml", "--format", "json", cwd=tmp_path)[1])
    (tmp_path / "template.yaml").write_text("# a comment moves every line down\n" + BAD)
    after = json.loads(run_check("--cfn-lint", "template.yaml", "--format", "json", cwd=tmp_path)[1])
    assert [(f["fingerprint"], f["line"] + 1) for f in before["findings"]] == \
        [(f["fingerprint"], f["line"]) for f in after["findings"]]


def test_sarif_describes_cfn_lint_rules_and_validates(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    (tmp_path / "template.yaml").write_text(BAD)
    code, out = run_check("--cfn-lint", "template.yaml", "--format", "sarif", cwd=tmp_path)
    assert code == 1
    log = json.loads(out)
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)
    assert not errors, [e.message for e in errors[:5]]
    run = log["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["cfn-lint:E3002"]["defaultConfiguration"]["level"] == "error"
    assert rules["cfn-lint:W3005"]["defaultConfiguration"]["level"] == "warning"
    assert rules["cfn-lint:E3002"]["helpUri"].endswith("rules.md#E3002")
    assert rules["cfn-lint:E3002"]["shortDescription"]["text"].startswith("cfn-lint E3002: ")
    result = next(r for r in run["results"] if r["ruleId"] == "cfn-lint:E3002")
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == E3002_LINE
    assert result["level"] == "error"


@pytest.mark.parametrize("fmt", ["github", "junit", "parsable"])
def test_other_reporters_show_cfn_lint_ids(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "template.yaml").write_text(BAD)
    code, out = run_check("--cfn-lint", "template.yaml", "--format", fmt, cwd=tmp_path)
    assert code == 1
    assert "cfn-lint" in out and "E3002" in out


# -- suppressions ---------------------------------------------------------------------------------

def test_inline_comment_suppresses_a_cfn_lint_finding(tmp_path: Path) -> None:
    marked = BAD.replace("      VisibilityTimeut: 60\n",
                         "      VisibilityTimeut: 60  # lambdalint: ignore=cfn-lint:E3002 reason=\"legacy\"\n")
    (tmp_path / "template.yaml").write_text(marked)
    code, out = run_check("--cfn-lint", "template.yaml", "--format", "json", "--fail-on", "error",
                          "--report-unused-suppressions", cwd=tmp_path)
    report = json.loads(out)
    assert code == 0  # the error is suppressed; the W3005 warning is below --fail-on error
    assert [f["rule_id"] for f in report["findings"]] == ["cfn-lint:W3005"]
    (suppressed,) = report["suppressed"]
    assert (suppressed["rule_id"], suppressed["line"]) == ("cfn-lint:E3002", E3002_LINE)
    assert suppressed["suppression"]["justification"] == "legacy"

    # A prefix on the resource's header line, and Metadata, work as for LL ids.
    header = BAD.replace("  Queue:\n", "  Queue:  # lambdalint: ignore=cfn-lint:E30\n")
    (tmp_path / "template.yaml").write_text(header)
    report = json.loads(run_check("--cfn-lint", "template.yaml", "--format", "json", cwd=tmp_path)[1])
    assert [f["rule_id"] for f in report["suppressed"]] == ["cfn-lint:E3002"]
    metadata = "    Metadata:\n      lambdalint:\n        ignore: [cfn-lint:E3002]\n"
    meta = BAD.replace("    Type: AWS::SQS::Queue\n", "    Type: AWS::SQS::Queue\n" + metadata)
    (tmp_path / "template.yaml").write_text(meta)
    report = json.loads(run_check("--cfn-lint", "template.yaml", "--format", "json", cwd=tmp_path)[1])
    assert [f["rule_id"] for f in report["suppressed"]] == ["cfn-lint:E3002"]


def test_cfn_lint_suppression_is_not_unused_without_the_flag(tmp_path: Path) -> None:
    marked = BAD.replace("      VisibilityTimeut: 60\n",
                         "      VisibilityTimeut: 60  # lambdalint: ignore=cfn-lint:E3002\n")
    (tmp_path / "template.yaml").write_text(marked)
    report = json.loads(run_check("template.yaml", "--format", "json", "--report-unused-suppressions", cwd=tmp_path)[1])
    assert [f["rule_id"] for f in report["findings"]] == []
    # With the flag, a cfn-lint suppression that matches nothing is reported like any other.
    stale = BAD.replace("  Fn:\n", "  Fn:  # lambdalint: ignore=cfn-lint:E3012\n")
    (tmp_path / "template.yaml").write_text(stale)
    report = json.loads(run_check("--cfn-lint", "template.yaml", "--format", "json", "--report-unused-suppressions",
                                  cwd=tmp_path)[1])
    assert "LL001" in [f["rule_id"] for f in report["findings"]]


# -- units and resources --------------------------------------------------------------------------

def test_unparsable_unit_gets_only_lambdalint_error(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  A: [\n")
    (tmp_path / "template.yaml").write_text(BAD)
    code, out = run_check("--cfn-lint", str(tmp_path), "--format", "json", cwd=tmp_path)
    report = json.loads(out)
    assert code == 2
    assert [e["file"] for e in report["errors"]] == ["broken.yaml"]
    assert all(f["file"] == "template.yaml" for f in report["findings"])
    assert {f["rule_id"] for f in report["findings"]} == {"cfn-lint:E3002", "cfn-lint:W3005"}


def test_generated_sam_resource_is_attributed_to_its_source() -> None:
    from lambdalint.cfnlint_bridge import _resource
    from lambdalint.model import Loc, Model

    model = Model("t.yaml", "sam")
    model.headers = {"Fn": Loc("t.yaml", 4, 3), "FnLogs": Loc("t.yaml", 9, 3)}
    assert _resource(("Resources", "FnRole", "Properties"), model) == "Fn"
    assert _resource(("Resources", "FnLogs", "Properties"), model) == "FnLogs"
    assert _resource(("Resources", "Other"), model) == "Other"
    assert _resource(("Parameters", "Fn"), model) == ""


def test_rule_meta() -> None:
    from lambdalint.cfnlint_bridge import cfnlint_rule_meta, run_cfnlint

    run_cfnlint(BAD)
    meta = cfnlint_rule_meta("cfn-lint:E3002")
    assert set(meta) == {"id", "name", "title", "description", "help_uri", "severity"}
    assert meta["id"] == "cfn-lint:E3002" and meta["severity"] == "error"
    assert meta["name"] == "resource-properties-are-invalid"
    assert cfnlint_rule_meta("cfn-lint:W3005")["severity"] == "warning"
    assert cfnlint_rule_meta("cfn-lint:I3011")["severity"] == "info"
