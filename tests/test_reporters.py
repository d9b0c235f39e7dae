"""CI output formats (sarif, github, junit, parsable), run through the real CLI.

Goldens live in tests/golden/formats/, one per format, for ``check sample_templates``. When rule
messages or metadata change on purpose, regenerate them all with one command and review the diff:

    UPDATE_GOLDEN=1 pytest tests/test_reporters.py -k golden

Goldens hold no absolute path and no lambdalint version: both are replaced by placeholders before
comparing (the SARIF ``originalUriBaseIds`` root and ``tool.driver.version``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import pytest

from lambdalint.engine import Finding
from lambdalint.lint import FileError, LintResult
from lambdalint.model import Loc
from lambdalint.reporters import FORMATS, get, github, junit, sarif
from lambdalint.rule import Related, Severity

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "formats"
SCHEMA = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
NEW_FORMATS = ("sarif", "github", "junit", "parsable")
GOLDEN_NAMES = {"sarif": "sample_templates.sarif.json", "github": "sample_templates.github.txt",
                "junit": "sample_templates.junit.xml", "parsable": "sample_templates.parsable.txt"}
VERSION = "<version>"
SRCROOT_URI = "file:///<repository root>/"

SAM = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
  HelloLogs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub /aws/lambda/${Hello}
"""
BROKEN = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  X: [1\n"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([sys.executable, "-m", "lambdalint", *args], cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8", env=env, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@cache
def sample(fmt: str) -> subprocess.CompletedProcess[str]:
    """``check sample_templates --format fmt``, run once per test session."""
    return run("check", "sample_templates", "--format", fmt)


def normalize(fmt: str, text: str) -> str:
    """What the golden stores: the output without the version and the absolute repository root."""
    if fmt != "sarif":
        return text
    data = json.loads(text)
    run_ = data["runs"][0]
    run_["tool"]["driver"]["version"] = VERSION
    run_["tool"]["driver"]["semanticVersion"] = VERSION
    run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] = SRCROOT_URI
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def broken_workspace(tmp_path: Path) -> Path:
    (tmp_path / "a_broken.yaml").write_text(BROKEN)
    (tmp_path / "template.yaml").write_text(SAM)
    return tmp_path


# --------------------------------------------------------------------------------------------
# Registry and CLI wiring


def test_every_cli_format_has_a_reporter() -> None:
    from lambdalint.cli import check

    option = next(p for p in check.params if p.name == "fmt")
    assert set(option.type.choices) == set(FORMATS)
    for fmt in FORMATS:
        assert callable(get(fmt))
    with pytest.raises(ValueError):
        get("xml")


@pytest.mark.parametrize("fmt", NEW_FORMATS)
def test_golden(fmt: str) -> None:
    proc = sample(fmt)
    assert proc.returncode == 1, proc.stderr
    got = normalize(fmt, proc.stdout)
    assert str(ROOT) not in got and f'"{sarif.__version__}"' not in got
    path = GOLDEN / GOLDEN_NAMES[fmt]
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8"), f"{path.name} is stale: UPDATE_GOLDEN=1 pytest {__file__}"


@pytest.mark.parametrize("fmt", NEW_FORMATS)
def test_output_file(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"report.{fmt}"
    proc = run("check", "sample_templates", "--format", fmt, "--output", str(out))
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert out.read_text(encoding="utf-8") == sample(fmt).stdout


# --------------------------------------------------------------------------------------------
# SARIF


def validate_sarif(data: dict) -> None:
    if not SCHEMA.exists():
        pytest.skip(f"SARIF schema not available at {SCHEMA}")
    from jsonschema import Draft4Validator

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(Draft4Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def check_github_rules(data: dict) -> None:
    """What GitHub code scanning requires beyond the schema (see the reporter's docstring)."""
    assert data["version"] == "2.1.0" and data["$schema"]
    (run_,) = data["runs"]
    driver = run_["tool"]["driver"]
    rules = driver["rules"]
    assert driver["name"] == "lambdalint"
    assert [r["id"] for r in rules] == sorted({r["ruleId"] for r in run_["results"]})
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["help"]["text"]
        assert 0 < len(rule["fullDescription"]["text"]) <= 1024
        assert len(rule["name"]) <= 255 and len(rule.get("properties", {}).get("tags", [])) <= 20
    assert len(run_["results"]) <= 25_000
    assert run_["columnKind"] == "unicodeCodePoints"
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        assert result["partialFingerprints"]["lambdalintFingerprint/v1"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not uri.startswith(("/", "..", "file:")) and "\\" not in uri
        reg = physical["region"]
        assert set(reg) == {"startLine", "startColumn", "endLine", "endColumn"}
        assert min(reg.values()) >= 1
        assert (reg["endLine"], reg["endColumn"]) >= (reg["startLine"], reg["startColumn"])
        for rel in result.get("relatedLocations", []):
            assert rel["id"] >= 1 and rel["message"]["text"]


def test_sarif_sample_templates_is_valid_for_schema_and_github() -> None:
    data = json.loads(sample("sarif").stdout)
    validate_sarif(data)
    check_github_rules(data)
    run_ = data["runs"][0]
    assert run_["invocations"] == [{"executionSuccessful": True}]
    expected = json.loads(sample("json").stdout)["findings"]
    assert len(run_["results"]) == len(expected)
    for result, finding in zip(run_["results"], expected, strict=True):
        assert result["ruleId"] == finding["rule_id"]
        assert result["message"]["text"] == finding["message"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == finding["file"]
        assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == finding["line"]
        assert result["locations"][0]["logicalLocations"] == [{"name": finding["resource"], "kind": "resource"}]
        assert result["partialFingerprints"] == {"lambdalintFingerprint/v1": finding["fingerprint"]}
        assert len(result.get("relatedLocations", [])) == len(finding["related"])
        assert result["suppressions"] == []


def test_sarif_with_broken_file_has_tool_notifications(tmp_path: Path) -> None:
    workspace = broken_workspace(tmp_path)
    proc = run("check", ".", "--format", "sarif", cwd=workspace)
    assert proc.returncode == 2
    data = json.loads(proc.stdout)
    validate_sarif(data)
    check_github_rules(data)
    (invocation,) = data["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["message"]["text"].startswith("a_broken.yaml: invalid YAML")
    assert note["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "a_broken.yaml",
                                                                            "uriBaseId": "%SRCROOT%"}
    assert [r["ruleId"] for r in data["runs"][0]["results"]] == ["LL301"]
    assert data["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == workspace.resolve().as_uri() + "/"


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs a git checkout")
def test_paths_are_repository_relative_from_a_subdirectory() -> None:
    cwd = ROOT / "sample_templates"
    data = json.loads(run("check", "order-pipeline", "--format", "sarif", cwd=cwd).stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in data["runs"][0]["results"]}
    assert uris == {"sample_templates/order-pipeline/template.yaml"}
    assert data["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT.as_uri() + "/"
    lines = run("check", "order-pipeline", "--format", "github", cwd=cwd).stdout.splitlines()
    assert all(line.startswith("::") and "file=sample_templates/order-pipeline/template.yaml," in line
               for line in lines[:-1])


def finding(message: str = "m", severity: Severity = Severity.WARNING, rule_id: str = "LL103",
            file: str = "template.yaml", **loc: int) -> Finding:
    return Finding(rule_id, "sqs-visibility-timeout", severity, message, Loc(file, **loc), "OrdersQueue",
                   (Related("WorkerFunction", None, "a related resource without a location"),),
                   "0123456789abcdef")


def test_sarif_suppressed_findings_appear_as_suppressed(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    active = finding("active", line=3, col=5, end_line=3, end_col=9)
    hidden = replace(finding("suppressed", line=7, col=3),
                     suppression=SimpleNamespace(kind="inSource", justification="rotated test key", via="comment"))
    baselined = replace(finding("baselined", line=9, col=3),
                        suppression=SimpleNamespace(kind="external", justification="", via="baseline"))
    data = sarif.build(LintResult(findings=[active], suppressed=[hidden, baselined], units=1))
    validate_sarif(data)
    results = {r["message"]["text"]: r for r in data["runs"][0]["results"]}
    assert results["active"]["suppressions"] == []
    assert results["suppressed"]["suppressions"] == [{"kind": "inSource", "justification": "rotated test key"}]
    assert results["baselined"]["suppressions"] == [{"kind": "external"}]
    # A related resource without a location keeps its message and resource, and no physical location.
    assert results["active"]["relatedLocations"] == [{
        "id": 1, "logicalLocations": [{"name": "WorkerFunction", "kind": "resource"}],
        "message": {"text": "a related resource without a location"}}]
    assert results["active"]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3, "startColumn": 5, "endLine": 3, "endColumn": 9}
    # An unknown end is the start: a point, still with all four coordinates.
    assert results["suppressed"]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 7, "startColumn": 3, "endLine": 7, "endColumn": 3}


def test_sarif_engine_findings_and_result_limit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sarif, "MAX_RESULTS", 2)
    crash = Finding("LL000", "rule-error", Severity.ERROR, "internal error in rule LL103", Loc("t.yaml"), "")
    infos = [finding(f"info {i}", Severity.INFO, line=i + 1) for i in range(3)]
    data = sarif.build(LintResult(findings=[crash, *infos], units=1))
    validate_sarif(data)
    run_ = data["runs"][0]
    assert [r["message"]["text"] for r in run_["results"]] == ["internal error in rule LL103", "info 0"]
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == ["LL000", "LL103"]
    assert run_["tool"]["driver"]["rules"][0]["shortDescription"]["text"]
    assert "logicalLocations" not in run_["results"][0]["locations"][0]
    (note,) = run_["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "warning" and note["message"]["text"].startswith("2 lower-severity results")
    assert run_["invocations"][0]["executionSuccessful"] is True


def test_sarif_uri_is_percent_encoded_and_outside_files_are_absolute(tmp_path: Path, monkeypatch) -> None:
    inside = tmp_path / "repo"
    (inside / ".git").mkdir(parents=True)
    (inside / "infra stack").mkdir()
    monkeypatch.chdir(inside / "infra stack")
    findings = [finding(file="tëmplate.yaml", line=1), finding(file="../../x.yaml", line=1)]
    data = sarif.build(LintResult(findings=findings))
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in data["runs"][0]["results"]]
    assert {"uri": "infra%20stack/t%C3%ABmplate.yaml", "uriBaseId": "%SRCROOT%"} in uris
    assert {"uri": (tmp_path / "x.yaml").as_uri()} in uris


# --------------------------------------------------------------------------------------------
# GitHub workflow commands


def test_github_escaping() -> None:
    f = finding("100% of 6 x Timeout:\r\nsecond line, third", Severity.INFO, file="dir,a:b/t%.yaml",
                line=4, col=2, end_line=4, end_col=8)
    line = github.annotation(f, f.loc.file)
    assert line == (
        "::notice file=dir%2Ca%3Ab/t%25.yaml,line=4,col=2,endLine=4,endColumn=8,"
        "title=LL103 sqs-visibility-timeout::100%25 of 6 x Timeout:%0D%0Asecond line, third (OrdersQueue)"
    )
    assert "\n" not in line and "\r" not in line
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert github.escape_data("a:b,c%\n") == "a:b,c%25%0A"


def test_github_levels_file_errors_and_limit_note(tmp_path: Path) -> None:
    proc = run("check", ".", "--format", "github", cwd=broken_workspace(tmp_path))
    assert proc.returncode == 2
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("::error file=a_broken.yaml,title=lambdalint%3A file not linted::invalid YAML")
    assert lines[1].startswith("::warning file=template.yaml,line=10,col=3,endLine=10,endColumn=12,"
                               "title=LL301 missing-log-retention::")
    assert not lines[-1].startswith("::")
    many = LintResult(findings=[finding(f"w{i}", line=i + 1) for i in range(11)], units=1)
    assert "at most 10 annotations" in github.render(many).splitlines()[-1]
    assert "at most 10" not in github.render(LintResult(findings=many.findings[:10], units=1))


def test_github_sample_levels() -> None:
    data = json.loads(sample("json").stdout)["findings"]
    lines = sample("github").stdout.splitlines()
    commands = {"error": "error", "warning": "warning", "info": "notice"}
    assert [line.split(" ", 1)[0] for line in lines[:-1]] == [f"::{commands[f['severity']]}" for f in data]


# --------------------------------------------------------------------------------------------
# JUnit


def test_junit_structure() -> None:
    text = sample("junit").stdout
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    (suite,) = root
    assert suite.tag == "testsuite" and suite.get("name") == "lambdalint"
    cases = suite.findall("testcase")
    findings = json.loads(sample("json").stdout)["findings"]
    pairs = {(f["file"], f["rule_id"]) for f in findings}
    units = {f["file"] for f in findings}
    rules = run("rules").stdout.splitlines()
    # Every rule on every linted unit is a testcase: the failing pairs, and the rest passing.
    assert len(cases) == len(units) * len(rules) == int(suite.get("tests")) == int(root.get("tests"))
    assert int(suite.get("failures")) == len(pairs) and suite.get("errors") == "0"
    assert [(c.get("classname"), c.get("name").split()[0]) for c in cases] == sorted(
        (unit, line.split()[0]) for unit in units for line in rules)
    for case in cases:
        assert re.fullmatch(r"LL\d{3} [a-z0-9-]+", case.get("name"))
        rule_id = case.get("name").split()[0]
        if (case.get("classname"), rule_id) not in pairs:
            assert list(case) == []  # passed
            continue
        (failure,) = case.findall("failure")
        mine = [f for f in findings if (f["file"], f["rule_id"]) == (case.get("classname"), rule_id)]
        assert failure.get("type") == max((f["severity"] for f in mine), key=["info", "warning", "error"].index)
        assert failure.text.splitlines() == [
            f"{f['file']}:{f['line']}:{f['column']}: [{f['severity']}] {f['message']} ({f['resource']})" for f in mine]


def test_junit_file_error_suppressed_and_invalid_characters(tmp_path: Path) -> None:
    proc = run("check", ".", "--format", "junit", cwd=broken_workspace(tmp_path))
    assert proc.returncode == 2
    suite = ET.fromstring(proc.stdout.encode("utf-8"))[0]
    errored = [c for c in suite if c.find("error") is not None]
    assert [(c.get("classname"), c.get("name")) for c in errored] == [("a_broken.yaml", "read and parse")]
    rules = len(run("rules").stdout.splitlines())
    # The broken file, and every rule on the linted one (one of them failing).
    assert suite.get("errors") == "1" and suite.get("failures") == "1" and suite.get("tests") == str(1 + rules)

    hidden = replace(finding("hidden", line=2), suppression=SimpleNamespace(kind="external", justification="baseline"))
    weird = finding("bell \x07 and \x1b escape", rule_id="LL104", line=1)
    result = LintResult(findings=[weird], suppressed=[hidden], errors=[FileError("b.yaml", "no such file")])
    root = ET.fromstring(junit.render(result).encode("utf-8"))  # parses: control characters replaced
    cases = {c.get("name").split()[0] if c.find("error") is None else "error": c for c in root[0]}
    assert cases["LL104"].find("failure").get("message") == "bell \ufffd and \ufffd escape"
    assert cases["LL103"].find("skipped").get("message") == "1 finding suppressed: baseline"
    assert root.get("skipped") == "1" and root.get("errors") == "1"


# --------------------------------------------------------------------------------------------
# parsable

PARSABLE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): \[(?P<severity>error|warning|info)\] "
                      r"(?P<message>.*)$")


def test_parsable_lines_match_the_documented_shape(tmp_path: Path) -> None:
    findings = json.loads(sample("json").stdout)["findings"]
    lines = sample("parsable").stdout.splitlines()
    assert len(lines) == len(findings)
    for line, f in zip(lines, findings, strict=True):
        match = PARSABLE.match(line)
        assert match, line
        assert (match["file"], int(match["line"]), int(match["col"]), match["severity"]) == (
            f["file"], f["line"], f["column"], f["severity"])
        assert match["message"] == f"{f['rule_id']} {f['message']} ({f['resource']})"

    proc = run("check", ".", "--format", "parsable", cwd=broken_workspace(tmp_path))
    lines = proc.stdout.splitlines()
    assert all(PARSABLE.match(line) for line in lines)
    assert lines[0].startswith("a_broken.yaml:1:1: [error] invalid YAML")
    assert lines[1].startswith("template.yaml:10:3: [warning] LL301 ")
