"""The real corpus: every unit (SAM/CloudFormation templates and Terraform directories) lints or
gets a one-line error naming a real defect, and nothing crashes. Skipped when
../shared/corpus/real is absent.

The corpus holds no ``terraform show -json`` plan (nor live snapshot), so the CLI gate adds the
plan and snapshot fixtures of tests/rules to its run: every kind of unit goes through the real
command line in one process.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lambdalint.engine import RuleSet, all_rules
from lambdalint.lint import discover, display_path, lint

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "real"
PLANS = sorted(p for p in (ROOT / "tests" / "rules").glob("*/*/*.json") if p.name.startswith(("plan-", "live-")))

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")


def test_corpus_lints_without_crash() -> None:
    units = list(discover([str(CORPUS)]))
    terraform = [u for u in units if u.path.is_dir()]
    assert len(terraform) >= 130
    result = lint([str(CORPUS)], RuleSet(list(all_rules())), cwd=ROOT)
    crashes = [f for f in result.findings if f.rule_id == "LL000"]
    assert not crashes, crashes[:5]
    internal = [e for e in result.errors if "internal error" in e.message]
    assert not internal, internal[:5]
    # Every remaining error is a real defect of its file, stated in one line.
    for err in result.errors:
        assert "\n" not in err.message
        assert err.message.startswith(("duplicate key", "invalid YAML")), err
    assert not [e for e in result.errors if e.file in {display_path(u.path, ROOT) for u in terraform}]
    assert result.units >= 1150 + len(terraform)


def test_corpus_cli_has_no_traceback() -> None:
    """The real command over the whole corpus and the plan fixtures: exit 2 only for the corpus'
    broken files, each one stderr line ``<file>: error: <reason>``; no traceback, no internal error."""
    proc = subprocess.run([sys.executable, "-m", "lambdalint", "check", str(CORPUS), *map(str, PLANS),
                           "--format", "json"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode in (1, 2)
    assert "Traceback" not in proc.stderr
    assert "internal error" not in proc.stderr
    report = json.loads(proc.stdout)
    assert not [f for f in report["findings"] if f["rule_id"] == "LL000"]
    lines = proc.stderr.splitlines()
    assert len(lines) == len(report["errors"])
    assert all(re.fullmatch(r"\S[^\n]*: error: \S.*", line) for line in lines), lines[:5]
    assert proc.returncode == (2 if report["errors"] else 1)
    reported = {Path(f["file"]).name for f in report["findings"]}
    assert {p.name for p in PLANS if "fail" in p.parts} <= reported  # the plans were linted too
