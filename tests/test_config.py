"""Configuration discovery, validation (clear errors naming file and key) and its effects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lambdalint import config as configuration
from lambdalint.engine import all_rules

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_templates"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lambdalint", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONWARNINGS": "ignore"})


def ids(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [f["rule_id"] for f in json.loads(proc.stdout)["findings"]]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for app in ("order-pipeline", "vpc-api"):
        target = tmp_path / app
        target.mkdir()
        for src in (SAMPLES / app).iterdir():
            (target / src.name).write_text(src.read_text())
    return tmp_path


def test_pyproject_is_found_from_a_subdirectory(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.lambdalint]\nignore = ["LL3", "LL401"]\n')
    proc = run("check", ".", "--format", "json", cwd=project / "vpc-api")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert ids(proc) == []


def test_pyproject_without_section_is_skipped(project: Path) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (project / ".lambdalint.toml").write_text('select = ["LL401"]\n')
    sub = project / "vpc-api"
    # The nearest file with lambdalint settings is the .lambdalint.toml one level up.
    (sub / "pyproject.toml").write_text('[project]\nname = "y"\n')
    assert ids(run("check", ".", "--format", "json", cwd=sub)) == ["LL401"]


def test_yaml_config_select_by_tag_and_severity_and_options(project: Path) -> None:
    (project / ".lambdalint.yaml").write_text(
        "select: [sqs]\nseverity:\n  LL103: error\nrules:\n  LL103:\n    multiplier: 2\n")
    data = json.loads(run("check", "order-pipeline", "--format", "json", cwd=project).stdout)
    got = {f["rule_id"]: f["severity"] for f in data["findings"]}
    # multiplier 2: 120 s visibility >= 2 x 60 s, so LL103 no longer fires; tag sqs keeps LL102/LL106.
    assert got == {"LL102": "warning", "LL106": "warning"}
    (project / ".lambdalint.yaml").write_text("select: [sqs]\nseverity:\n  sqs-visibility-timeout: error\n")
    data = json.loads(run("check", "order-pipeline", "--format", "json", cwd=project).stdout)
    assert {f["rule_id"]: f["severity"] for f in data["findings"]}["LL103"] == "error"


def test_exclude_and_per_path_ignores(project: Path) -> None:
    (project / ".lambdalint.toml").write_text(
        'exclude = ["vpc-api/**"]\n[per-path-ignores]\n"order-pipeline/*.yaml" = ["LL1"]\n')
    assert ids(run("check", ".", "--format", "json", cwd=project)) == ["LL201"]


def test_cli_select_overrides_config_and_fail_on_from_config(project: Path) -> None:
    (project / ".lambdalint.toml").write_text('select = ["LL201"]\nfail-on = "error"\n')
    proc = run("check", "order-pipeline", "--format", "json", "--select", "LL106", cwd=project)
    assert ids(proc) == ["LL106"]
    assert proc.returncode == 0  # a warning under fail-on = "error"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('selct = ["LL1"]\n', "selct: unknown key"),
        ('select = "LL1"\n', "select: must be a list of strings"),
        ('select = ["LL9"]\n', "select: no rule matches 'LL9'"),
        ('[severity]\nLL103 = "fatal"\n', "severity.LL103: must be one of error, warning, info"),
        ('[rules.LL103]\nmultiplyer = 8\n', "rules.LL103.multiplyer: LL103 has no such option (options: multiplier)"),
        ('[rules.LL103]\nmultiplier = "six"\n', "rules.LL103.multiplier: must be int, got str"),
        ('[rules.LL401]\naccount_concurrency = 0\n', "rules.LL401.account_concurrency: must be positive"),
        ('[rules.LL201]\nextra_secret_names = ["(unclosed"]\n', "invalid regular expression"),
        ('fail-on = "sometimes"\n', "fail-on: must be one of error, warning, info"),
        ("select = [\n", "invalid TOML"),
    ],
)
def test_bad_configuration_is_a_clear_usage_error(project: Path, content: str, fragment: str) -> None:
    (project / ".lambdalint.toml").write_text(content)
    proc = run("check", ".", cwd=project)
    assert proc.returncode == 2
    assert ".lambdalint.toml" in proc.stderr and fragment in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_choose_longest_selector_wins() -> None:
    rules = all_rules()
    chosen = {r.id for r in configuration.choose(rules, ["LL1"], ["LL101"])}
    assert "LL101" not in chosen and "LL102" in chosen and "LL201" not in chosen
    chosen = {r.id for r in configuration.choose(rules, ["LL101"], ["LL1"])}
    assert chosen == {"LL101"}
    chosen = {r.id for r in configuration.choose(rules, [], ["security"])}
    assert "LL201" not in chosen and "LL101" in chosen
