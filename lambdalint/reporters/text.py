"""`file:line:col: LL103 [warning] message (resource)` lines, then a summary."""

from __future__ import annotations

from lambdalint.lint import LintResult


def render(result: LintResult) -> str:
    lines = []
    for err in result.errors:
        lines.append(f"{err.file}: error: {err.message}")
    for f in result.findings:
        resource = f" ({f.resource})" if f.resource else ""
        lines.append(f"{f.loc.file}:{f.loc.line}:{f.loc.col}: {f.rule_id} [{f.severity.value}] {f.message}{resource}")
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


def summary_line(result: LintResult) -> str:
    counts = {"error": 0, "warning": 0, "info": 0}
    for f in result.findings:
        counts[f.severity.value] += 1
    parts = [f"{len(result.findings)} finding{'s' if len(result.findings) != 1 else ''}"]
    detail = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in counts.items() if n)
    if detail:
        parts[0] += f" ({detail})"
    if result.suppressed:
        parts.append(f"{len(result.suppressed)} suppressed")
    parts.append(f"{result.units} unit{'s' if result.units != 1 else ''} linted")
    if result.errors:
        parts.append(f"{len(result.errors)} file{'s' if len(result.errors) != 1 else ''} could not be read")
    return "; ".join(parts)
