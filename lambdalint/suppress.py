"""Suppressions: inline comments, resource Metadata, and baselines.

Most local first, all carrying a reason that SARIF reports as the justification:

1. A comment ``# lambdalint: ignore=LL201,LL103 reason="rotated test key"`` at the end of the
   finding's line or of the resource's header line, or alone on the line just above either.
   Rules are named by id, name or id prefix.
2. ``Metadata: {lambdalint: {ignore: [LL201, {id: LL103, reason: "..."}]}}`` on a resource (works in
   JSON, which has no comments), or at the top of the template for the whole file.
3. A baseline file of fingerprints, so a team can adopt the gate and fail only on new findings.

A suppressed finding is kept, marked, and left out of the exit code: SARIF shows it as
suppressed rather than absent. Directives that suppress nothing can be reported (``LL001``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from lambdalint import __version__
from lambdalint.engine import Finding, fingerprint
from lambdalint.model import Loc, Model
from lambdalint.rule import Rule, Severity

DIRECTIVE = re.compile(
    r"#\s*lambdalint:\s*ignore\s*=\s*(?P<ids>[A-Za-z0-9_:\-]+(?:\s*,\s*[A-Za-z0-9_:\-]+)*)"
    r"(?:\s+reason\s*=\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'))?"
)

UNUSED = Rule(
    id="LL001",
    name="unused-suppression",
    title="Suppression that matches no finding",
    severity=Severity.INFO,
    tags=("engine",),
    formats=("sam", "cloudformation", "terraform", "plan", "live"),
    rationale=(
        "A suppression comment, Metadata ignore or baseline entry that no longer matches a finding hides "
        "nothing today but will silently hide a new problem of the same rule tomorrow."
    ),
    fix="Delete the suppression (or regenerate the baseline with --write-baseline).",
    references=("https://github.com/lambdalint/lambdalint/blob/main/README.md#suppressing-findings",),
)


@dataclass(frozen=True, slots=True)
class Suppression:
    kind: str  # SARIF: "inSource" | "external"
    justification: str
    via: str  # "comment" | "metadata" | "baseline" | "config"


@dataclass
class Directive:
    file: str
    line: int  # where the comment is
    target: int  # the line it applies to
    keys: tuple[str, ...]
    reason: str
    used: bool = False


def _matches(rule_id: str, rule_name: str, key: str) -> bool:
    upper = key.upper()  # "cfn-lint:E30" (--cfn-lint findings) is a prefix like "LL1"
    return key in (rule_id, rule_name) or (upper.startswith(("LL", "CFN-LINT:")) and rule_id.upper().startswith(upper))


_LINE_END = re.compile(r"\r\n|[\r\n]")


def directives(file: str, text: str) -> list[Directive]:
    if "lambdalint:" not in text:
        return []
    # Only CR/LF end a line, as in every finding's position: str.splitlines() would also split at
    # U+2028, NEL, form feeds..., which a YAML string or a Terraform comment may hold.
    lines = _LINE_END.split(text)
    out: list[Directive] = []
    for index, line in enumerate(lines):
        match = DIRECTIVE.search(line)
        if match is None:
            continue
        keys = tuple(k.strip() for k in match.group("ids").split(","))
        reason = match.group("dq") or match.group("sq") or ""
        target = index + 1
        if line.lstrip().startswith("#"):  # a comment line: applies to the next code line
            for follow in range(index + 1, len(lines)):
                stripped = lines[follow].strip()
                if stripped and not stripped.startswith("#"):
                    target = follow + 1
                    break
        out.append(Directive(file, index + 1, target, keys, reason))
    return out


@dataclass
class UnitSuppressor:
    """Applies a unit's inline and Metadata suppressions to its findings."""

    model: Model
    directives: list[Directive] = field(default_factory=list)
    used_metadata: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def for_model(cls, model: Model) -> UnitSuppressor:
        found: list[Directive] = []
        for file, text in model.sources.items():
            found.extend(directives(file, text))
        return cls(model, found)

    def apply(self, finding: Finding) -> Finding:
        header = self.model.headers.get(finding.resource)
        lines = {(finding.loc.file, finding.loc.line)}
        if header is not None:
            lines.add((header.file, header.line))
        for d in self.directives:
            if (d.file, d.target) in lines and any(_matches(finding.rule_id, finding.rule_name, k) for k in d.keys):
                d.used = True
                return replace(finding, suppression=Suppression("inSource", d.reason or "inline comment", "comment"))
        for scope in (finding.resource, ""):
            for key, reason in self.model.metadata_ignores.get(scope, ()):
                if _matches(finding.rule_id, finding.rule_name, key):
                    self.used_metadata.add((scope, key))
                    return replace(finding, suppression=Suppression("inSource", reason or "resource Metadata",
                                                                    "metadata"))
        return finding

    def unused(self) -> list[Finding]:
        out = []
        for d in self.directives:
            if not d.used:
                loc = Loc(d.file, d.line, 1, d.line, 1, ("suppression", d.line))
                out.append(_unused_finding(loc, "", f"suppression of {', '.join(d.keys)} matches no finding"))
        for scope, entries in self.model.metadata_ignores.items():
            for key, _reason in entries:
                if (scope, key) not in self.used_metadata:
                    loc = self.model.headers.get(scope) or Loc(self.model.file)
                    where = f"Metadata of {scope}" if scope else "template Metadata"
                    out.append(_unused_finding(loc, scope, f"{where} ignores {key}, which matches no finding"))
        return out


def _unused_finding(loc: Loc, resource: str, message: str) -> Finding:
    return Finding(UNUSED.id, UNUSED.name, UNUSED.severity, message, loc, resource, (),
                   fingerprint(UNUSED.id, loc.file, resource, loc.pointer, message))


# -- baselines -----------------------------------------------------------------------------------

class BaselineError(Exception):
    pass


def read_baseline(path: Path) -> dict[str, dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{path}: not a lambdalint baseline: {exc}") from None
    entries = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "fingerprint" in e for e in entries):
        raise BaselineError(f"{path}: not a lambdalint baseline (no findings list with fingerprints)")
    return {e["fingerprint"]: e for e in entries}


def write_baseline(path: Path, findings: list[Finding]) -> int:
    entries = [
        {"fingerprint": f.fingerprint, "rule_id": f.rule_id, "file": f.loc.file, "resource": f.resource,
         "message": f.message}
        for f in findings
    ]
    payload = {"tool": "lambdalint", "version": __version__, "findings": entries}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(entries)


def apply_baseline(findings: list[Finding], baseline: dict[str, dict], name: str) -> tuple[list[Finding], set[str]]:
    used: set[str] = set()
    out = []
    for f in findings:
        if f.suppression is None and f.fingerprint in baseline:
            used.add(f.fingerprint)
            f = replace(f, suppression=Suppression("external", f"in baseline {name}", "baseline"))
        out.append(f)
    return out, used


def unused_baseline(baseline: dict[str, dict], used: set[str], name: str) -> list[Finding]:
    out = []
    for fp, entry in baseline.items():
        if fp in used:
            continue
        file = str(entry.get("file") or name)
        loc = Loc(file, 1, 1, 1, 1, ("baseline", fp))
        out.append(_unused_finding(loc, str(entry.get("resource") or ""),
                                   f"baseline {name} entry {fp} ({entry.get('rule_id', '?')}) matches no finding"))
    return out
