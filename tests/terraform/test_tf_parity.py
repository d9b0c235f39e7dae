"""Parity: the same small apps written in SAM, CloudFormation and Terraform give the same findings.

Each app under ``parity/<app>/`` is written three times (``sam.yaml``, ``cfn.yaml``, ``tf/``);
``parity/resources.json`` names the corresponding resources of each form (a SAM event or inline
policy has no resource of its own: ``"LL102:OrdersFunction": "mapping"`` says the SAM finding
of that rule on the function is the mapping's). All rules run; the (rule id, resource) sets
must be equal and not empty.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambdalint.engine import RuleSet, all_rules
from lambdalint.lint import lint

PARITY = Path(__file__).resolve().parent / "parity"
NAMES = json.loads((PARITY / "resources.json").read_text())
FORMS = {"sam": "sam.yaml", "cfn": "cfn.yaml", "tf": "tf"}


def _findings(app: str, form: str) -> set[tuple[str, str]]:
    path = PARITY / app / FORMS[form]
    result = lint([str(path)], RuleSet(list(all_rules())), cwd=PARITY / app)
    assert not result.errors and result.units == 1, (form, result.errors)
    names = NAMES[app][form]
    out = set()
    for f in result.findings:
        canonical = names.get(f"{f.rule_id}:{f.resource}") or names.get(f.resource)
        assert canonical is not None, f"{form}: {f.rule_id} on unmapped resource {f.resource}: {f.message}"
        out.add((f.rule_id, canonical))
    return out


@pytest.mark.parametrize("app", sorted(NAMES))
def test_same_findings_in_sam_cloudformation_and_terraform(app: str) -> None:
    sam, cfn, tf = (_findings(app, form) for form in ("sam", "cfn", "tf"))
    assert sam, f"{app}: the app should have findings"
    assert sam == cfn == tf, {"sam": sam, "cfn": cfn, "tf": tf}


def test_parity_apps_cover_every_mission_rule() -> None:
    covered = {rule for app in NAMES for rule, _ in _findings(app, "tf")}
    assert covered >= {"LL101", "LL102", "LL103", "LL104", "LL105", "LL106", "LL201", "LL301", "LL401"}
