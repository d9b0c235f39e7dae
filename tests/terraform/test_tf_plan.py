"""Plan JSON gives the findings of its HCL source.

Each ``plan-<what>.json`` fixture under tests/rules is the ``terraform show -json`` form (written
to the documented schema: planned_values, resource_changes with after_unknown, configuration
with references) of the ``tf-<what>/`` directory beside it. Linted alone it must give the same
rule ids on the same resources as the source (locations are the plan's JSON lines); placed in
the source directory it must give exactly the source's findings, at the ``.tf`` lines.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lambdalint.engine import RuleSet, all_rules
from lambdalint.lint import lint

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
PLANS = sorted(RULES_DIR.glob("LL*/*/plan-*.json"))


def _twin(plan: Path) -> Path:
    return plan.parent / ("tf-" + plan.stem[len("plan-"):])


def _all() -> RuleSet:
    return RuleSet(list(all_rules()))


def test_every_plan_fixture_has_its_source() -> None:
    assert PLANS
    for plan in PLANS:
        assert _twin(plan).is_dir(), f"{plan.name} has no tf- twin"


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: str(p.relative_to(RULES_DIR)))
def test_plan_alone_gives_the_source_findings(plan: Path) -> None:
    from_plan = lint([str(plan)], _all(), cwd=plan.parent)
    from_source = lint([str(_twin(plan))], _all(), cwd=_twin(plan))
    assert not from_plan.errors and not from_source.errors
    assert from_plan.units == 1
    assert {(f.rule_id, f.resource) for f in from_plan.findings} == \
        {(f.rule_id, f.resource) for f in from_source.findings}
    assert all(f.loc.file == plan.name for f in from_plan.findings)


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: str(p.relative_to(RULES_DIR)))
def test_plan_beside_its_source_points_to_the_source(plan: Path, tmp_path: Path) -> None:
    work = tmp_path / "app"
    shutil.copytree(_twin(plan), work)
    shutil.copy(plan, work / "plan.json")
    from_plan = lint([str(work / "plan.json")], _all(), cwd=work)
    from_source = lint([str(work)], _all(), cwd=work)
    assert from_plan.units == 1 and from_source.units == 1
    key = lambda f: (f.rule_id, f.loc.file, f.loc.line, f.loc.col, f.resource)  # noqa: E731
    assert sorted(map(key, from_plan.findings)) == sorted(map(key, from_source.findings))


def test_plan_found_by_walking_its_source_directory_is_not_linted_twice(tmp_path: Path) -> None:
    plan = RULES_DIR / "LL103" / "fail" / "plan-variables-and-tfvars.json"
    work = tmp_path / "app"
    shutil.copytree(_twin(plan), work)
    shutil.copy(plan, work / "plan.json")
    result = lint([str(tmp_path)], _all(), cwd=tmp_path)
    assert result.units == 1
    assert all(f.loc.file.startswith("app/") and f.loc.file.endswith(".tf") for f in result.findings)


def test_plan_model_format_and_unknowns() -> None:
    """A value known only after apply whose expression is not one reference stays unknown."""
    import json

    from lambdalint.parsers.terraform import is_plan

    plan = RULES_DIR / "LL103" / "fail" / "plan-variables-and-tfvars.json"
    data = json.loads(plan.read_text())
    assert is_plan(data)
    assert not is_plan({"format_version": "1.0"})
    assert not is_plan({"Resources": {}})
