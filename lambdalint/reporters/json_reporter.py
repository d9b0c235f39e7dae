"""Machine-readable output; the shape is a public contract other tools consume."""

from __future__ import annotations

import json

from lambdalint import __version__
from lambdalint.engine import Finding
from lambdalint.lint import LintResult


def finding_dict(f: Finding) -> dict:
    return {
        "rule_id": f.rule_id,
        "rule_name": f.rule_name,
        "severity": f.severity.value,
        "message": f.message,
        "file": f.loc.file,
        "line": f.loc.line,
        "column": f.loc.col,
        "end_line": f.loc.end_line or f.loc.line,
        "end_column": f.loc.end_col or f.loc.col,
        "resource": f.resource,
        "related": [
            {
                "resource": r.resource,
                "file": r.loc.file if r.loc else None,
                "line": r.loc.line if r.loc else None,
                "column": r.loc.col if r.loc else None,
                "message": r.message,
            }
            for r in f.related
        ],
        "fingerprint": f.fingerprint,
    }


def suppressed_dict(f: Finding) -> dict:
    data = finding_dict(f)
    data["suppression"] = {"kind": f.suppression.kind, "via": f.suppression.via,
                           "justification": f.suppression.justification}
    return data


def render(result: LintResult) -> str:
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in result.findings:
        counts[f.severity.value] += 1
    payload = {
        "version": __version__,
        "findings": [finding_dict(f) for f in result.findings],
        "errors": [{"file": e.file, "message": e.message} for e in result.errors],
        "suppressed": [suppressed_dict(f) for f in result.suppressed],
        "summary": {
            "findings": len(result.findings),
            "by_severity": counts,
            "units": result.units,
            "skipped": result.skipped,
            "errors": len(result.errors),
            "suppressed": len(result.suppressed),
        },
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
