"""Findings on sample_templates/ are exactly the intended ones.

Regenerate after an intended change with ``UPDATE_GOLDEN=1 pytest tests/test_golden.py`` and
review the diff: every line of tests/golden/sample_templates.json is a claim about a real problem.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "sample_templates.json"


def test_sample_templates_golden() -> None:
    proc = subprocess.run([sys.executable, "-m", "lambdalint", "check", "sample_templates", "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["errors"] == []
    got = [
        {k: f[k] for k in ("file", "line", "column", "rule_id", "severity", "resource", "message")}
        | {"related": [r["resource"] for r in f["related"]]}
        for f in data["findings"]
    ]
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(got, indent=2) + "\n")
    assert got == json.loads(GOLDEN.read_text())
