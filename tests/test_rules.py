"""Every rule against its paired fixtures: exact rule id, line and resource, nothing else.

Each fixture is linted with only its rule selected, through the same path the CLI uses. A
fixture is a template file, or a Terraform directory (``tf-<what>/`` with ``main.tf`` and maybe
more files, tfvars and local modules) whose ``.tf`` files carry trailing ``# expect:`` markers
(and a ``fixture.expect`` sidecar for lines inside heredocs, where no comment can go); for a
directory the expected set also names the file of each finding.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_markers import MARK, expected

from lambdalint.engine import RuleSet, all_rules, rule_by_key
from lambdalint.lint import lint

RULES_DIR = Path(__file__).parent / "rules"
# The fixtures a rule's documentation shows (`lambdalint explain`, docs/rules/) ship with the
# package under rules/examples/ and run here like every other fixture, so they cannot drift.
EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "rules" / "examples"
ROOTS = (RULES_DIR, EXAMPLES_DIR)
FIXTURE_SUFFIXES = {".yaml", ".yml", ".json"}


def _fixtures() -> list[Path]:
    return sorted(p for root in ROOTS for p in root.glob("LL*/*/*") if p.suffix in FIXTURE_SUFFIXES or p.is_dir())


def _expected_dir(path: Path) -> set[tuple[str, str, int, str]]:
    """Markers of every ``.tf`` file under a Terraform fixture directory, with the file."""
    if path.parent.name == "pass":
        return set()
    out: set[tuple[str, str, int, str]] = set()
    sidecar = path / "fixture.expect"  # "LL101 main.tf 40 aws_iam_policy.objects": where no comment can go
    if sidecar.exists():
        for raw in sidecar.read_text().splitlines():
            if raw.strip() and not raw.startswith("#"):
                rule, rel, line, resource = raw.split()
                out.add((rule, rel, int(line), resource))
    for tf in sorted(path.rglob("*.tf")):
        rel = tf.relative_to(path).as_posix()
        for number, text in enumerate(tf.read_text().splitlines(), start=1):
            match = MARK.search(text)
            if match:
                for item in match.group(1).split():
                    rule, _, resource = item.partition("@")
                    out.add((rule, rel, number, resource))
    return out


@pytest.mark.parametrize("path", _fixtures(), ids=lambda p: "/".join(p.parts[-3:]))
def test_fixture(path: Path) -> None:
    rule_id = path.parent.parent.name
    rule = rule_by_key(rule_id)
    assert rule is not None, f"fixture directory for unknown rule {rule_id}"
    if path.is_dir():
        result = lint([str(path)], RuleSet([rule]), cwd=path)
        assert not result.errors, result.errors
        assert result.units == 1, "fixture was not recognized as one Terraform unit"
        got_dir = {(f.rule_id, f.loc.file, f.loc.line, f.resource) for f in result.findings}
        assert got_dir == _expected_dir(path), "\n".join(
            f"{f.loc.file}:{f.loc.line}: {f.resource}: {f.message}" for f in result.findings)
        return
    result = lint([str(path)], RuleSet([rule]), cwd=path.parent)
    assert not result.errors, result.errors
    assert result.units == 1, "fixture was not recognized as a template"
    got = {(f.rule_id, f.loc.line, f.resource) for f in result.findings}
    assert got == expected(path), "\n".join(f"{f.loc.line}: {f.message}" for f in result.findings)


def test_every_rule_has_fail_and_pass_fixtures_per_format() -> None:
    for rule in all_rules():
        for mode in ("fail", "pass"):
            files = [f for root in ROOTS for f in (root / rule.id / mode).glob("*")]
            names = " ".join(f.name for f in files)
            assert "sam" in names, f"{rule.id} has no SAM {mode} fixture"
            assert "cfn" in names, f"{rule.id} has no CloudFormation {mode} fixture"
            if "terraform" in rule.formats:
                assert any(f.is_dir() and f.name.startswith("tf-") for f in files), \
                    f"{rule.id} has no Terraform {mode} fixture (a tf-<what>/ directory)"
