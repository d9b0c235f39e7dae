"""Every rule against its paired fixtures: exact rule id, line and resource, nothing else.

Each fixture is linted with only its rule selected, through the same path the CLI uses.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_markers import expected

from lambdalint.engine import RuleSet, all_rules, rule_by_key
from lambdalint.lint import lint

RULES_DIR = Path(__file__).parent / "rules"
FIXTURE_SUFFIXES = {".yaml", ".yml", ".json"}


def _fixtures() -> list[Path]:
    return sorted(p for p in RULES_DIR.glob("LL*/*/*") if p.suffix in FIXTURE_SUFFIXES)


@pytest.mark.parametrize("path", _fixtures(), ids=lambda p: str(p.relative_to(RULES_DIR)))
def test_fixture(path: Path) -> None:
    rule_id = path.parent.parent.name
    rule = rule_by_key(rule_id)
    assert rule is not None, f"fixture directory for unknown rule {rule_id}"
    result = lint([str(path)], RuleSet([rule]), cwd=path.parent)
    assert not result.errors, result.errors
    assert result.units == 1, "fixture was not recognized as a template"
    got = {(f.rule_id, f.loc.line, f.resource) for f in result.findings}
    assert got == expected(path), "\n".join(f"{f.loc.line}: {f.message}" for f in result.findings)


def test_every_rule_has_fail_and_pass_fixtures_per_format() -> None:
    for rule in all_rules():
        for mode in ("fail", "pass"):
            files = list((RULES_DIR / rule.id / mode).glob("*"))
            names = " ".join(f.name for f in files)
            assert "sam" in names, f"{rule.id} has no SAM {mode} fixture"
            assert "cfn" in names, f"{rule.id} has no CloudFormation {mode} fixture"
