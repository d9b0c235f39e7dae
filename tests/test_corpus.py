"""The real corpus: every SAM/CloudFormation unit lints or gets a one-line error naming a real
defect, and nothing crashes. Skipped when ../shared/corpus/real is absent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lambdalint.engine import RuleSet, all_rules
from lambdalint.lint import lint

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "real"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")


def test_corpus_lints_without_crash() -> None:
    result = lint([str(CORPUS)], RuleSet(list(all_rules())), cwd=ROOT)
    crashes = [f for f in result.findings if f.rule_id == "LL000"]
    assert not crashes, crashes[:5]
    internal = [e for e in result.errors if "internal error" in e.message]
    assert not internal, internal[:5]
    # Every remaining error is a real defect of its file, stated in one line.
    for err in result.errors:
        assert "\n" not in err.message
        assert err.message.startswith(("duplicate key", "invalid YAML")), err
    assert result.units >= 1150


def test_corpus_cli_has_no_traceback() -> None:
    proc = subprocess.run([sys.executable, "-m", "lambdalint", "check", str(CORPUS), "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode in (1, 2)
    assert "Traceback" not in proc.stderr
