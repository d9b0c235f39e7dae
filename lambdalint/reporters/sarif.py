"""SARIF 2.1.0, shaped for GitHub code scanning (``github/codeql-action/upload-sarif``).

One run. GitHub's "SARIF support for code scanning" page decides the details:

- ``artifactLocation.uri`` is a path relative to the repository root (code scanning matches it
  against the files of the commit), with ``uriBaseId`` ``%SRCROOT%`` and the root itself in
  ``originalUriBaseIds``. The root is the nearest directory at or above the working directory
  holding ``.git`` (``$GITHUB_WORKSPACE`` in Actions), else the working directory, so a run from
  a subdirectory still yields repository paths. A file outside the root gets an absolute
  ``file://`` URI instead, which code scanning ignores rather than misplaces.
- A region carries all of startLine, startColumn, endLine and endColumn (GitHub marks each
  "required"); lines and columns are at least 1 and the end is never before the start. Columns
  count Unicode code points, which ``columnKind`` declares.
- Each rule descriptor needs ``shortDescription.text``, ``fullDescription.text`` (at most 1,024
  characters: longer rationales are cut, the full text stays in ``help.markdown``) and
  ``help.text``; at most 20 tags per rule and 25,000 results per run are accepted, so the
  reporter keeps within both (dropped results are announced in a notification).
- ``partialFingerprints`` carries lambdalint's own line-independent fingerprint under
  ``lambdalintFingerprint/v1``. Code scanning itself matches alerts on ``primaryLocationLineHash``,
  which the upload-sarif action computes from the checked-out file when it is absent; we do not
  imitate its hashing.

Only the rules that appear in the results are described (``ruleIndex`` points into that list).
Files that could not be read become ``toolExecutionNotifications`` and make
``executionSuccessful`` false. Suppressed findings (``LintResult.suppressed``) are results with a
non-empty ``suppressions`` array, never left out; every other result has ``suppressions: []``,
which SARIF defines as "known not to be suppressed".
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lambdalint import __version__
from lambdalint.engine import Finding, all_rules
from lambdalint.lint import LintResult
from lambdalint.model import Loc
from lambdalint.rule import Rule, Severity

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/lambdalint/lambdalint"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "lambdalintFingerprint/v1"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}

# GitHub code scanning limits (uploads beyond them are rejected or truncated).
MAX_RESULTS = 25_000
MAX_TAGS = 20
MAX_DESCRIPTION = 1024
MAX_NAME = 255

# Findings the engine itself produces have no rule module; describe them here.
ENGINE_RULES = {
    "LL000": ("rule-error", "A rule crashed while checking this file",
              "A rule raised an internal error on this file, so its checks did not run there. This is a bug "
              "in lambdalint, not in the template; please report it with the message."),
}


# ---------------------------------------------------------------------------------------------
# Paths: shared with the github reporter, which has the same "repository-relative" requirement.

def source_root(cwd: Path | None = None) -> Path:
    """The repository root: the nearest directory at or above ``cwd`` holding ``.git``, else ``cwd``."""
    here = Path(os.path.abspath(cwd or Path.cwd()))
    for directory in (here, *here.parents):
        if (directory / ".git").exists():
            return directory
    return here


def repo_path(file: str, root: Path, cwd: Path | None = None) -> str | None:
    """``file`` (a path as displayed, relative to ``cwd``) as a POSIX path relative to ``root``.

    A symlink is resolved when its target is inside the root too (code scanning cannot show a
    result reported on a symlink); ``None`` when the file lies outside the root.
    """
    here = Path(os.path.abspath(cwd or Path.cwd()))
    path = Path(file)
    full = Path(os.path.normpath(path if path.is_absolute() else here / path))
    candidates = [full]
    try:
        resolved = full.resolve()
        if resolved != full:
            candidates.insert(0, resolved)
    except OSError:
        pass
    for candidate in candidates:
        try:
            rel = Path(os.path.relpath(candidate, root)).as_posix()
        except ValueError:  # another drive on Windows
            continue
        if rel != ".." and not rel.startswith("../"):
            return rel
    return None


class _Artifacts:
    """Turns displayed file names into SARIF artifact locations, once per file."""

    def __init__(self) -> None:
        self.cwd = Path(os.path.abspath(Path.cwd()))
        self.root = source_root(self.cwd)
        self._cache: dict[str, dict[str, str]] = {}

    def location(self, file: str) -> dict[str, str]:
        if file not in self._cache:
            rel = repo_path(file, self.root, self.cwd)
            if rel is not None:
                self._cache[file] = {"uri": quote(rel), "uriBaseId": SRCROOT}
            else:
                self._cache[file] = {"uri": Path(os.path.normpath(self.cwd / file)).as_uri()}
        return self._cache[file]

    def base_ids(self) -> dict[str, Any]:
        return {SRCROOT: {
            "uri": self.root.as_uri().rstrip("/") + "/",
            "description": {"text": "The repository root (the directory holding .git), or the working "
                                    "directory when there is none."},
        }}


# ---------------------------------------------------------------------------------------------
# Rules


@cache
def _known_rules() -> dict[str, Rule]:
    rules = {rule.id: rule for rule in all_rules()}
    try:  # the engine's own rule for unused suppressions lives with the suppression code
        from lambdalint.suppress import UNUSED
    except ImportError:
        pass
    else:
        rules.setdefault(UNUSED.id, UNUSED)
    return rules


def _help_uri(rule: Rule) -> str | None:
    """The generated docs page for rule modules; engine rules have none, so their first reference."""
    if any(r.id == rule.id for r in all_rules()):
        return rule.help_uri
    return rule.references[0] if rule.references else None


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _fix_text(rule: Rule) -> str:
    """The fix with option placeholders (``{multiplier}``) filled with their defaults, as in the docs."""
    text = rule.fix
    for name, option in rule.options.items():
        text = text.replace("{" + name + "}", str(option.default))
    return text


def _descriptor(rule_id: str, rule_name: str) -> dict[str, Any]:
    from lambdalint.docs import rule_page

    rule = _known_rules().get(rule_id)
    if rule is None and rule_id.startswith("cfn-lint:"):  # --cfn-lint findings: cfn-lint's own metadata
        from lambdalint.cfnlint_bridge import cfnlint_rule_meta

        meta = cfnlint_rule_meta(rule_id)
        return {
            "id": rule_id,
            "name": _clip(meta["name"], MAX_NAME),
            "shortDescription": {"text": _clip(meta["title"], MAX_DESCRIPTION)},
            "fullDescription": {"text": _clip(meta["description"], MAX_DESCRIPTION)},
            "help": {"text": f"{meta['description']}\n\nMore: {meta['help_uri']}"},
            "helpUri": meta["help_uri"],
            "defaultConfiguration": {"level": LEVELS[Severity(meta["severity"])]},
            "properties": {"tags": ["cfn-lint"]},
        }
    if rule is None:
        name, title, rationale = ENGINE_RULES.get(rule_id, (rule_name, rule_name, rule_name))
        return {
            "id": rule_id,
            "name": _clip(name, MAX_NAME),
            "shortDescription": {"text": _clip(title, MAX_DESCRIPTION)},
            "fullDescription": {"text": _clip(rationale, MAX_DESCRIPTION)},
            "help": {"text": rationale},
            "defaultConfiguration": {"level": "error" if rule_id == "LL000" else "warning"},
        }
    uri = _help_uri(rule)
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": _clip(rule.name, MAX_NAME),
        "shortDescription": {"text": _clip(rule.title, MAX_DESCRIPTION)},
        "fullDescription": {"text": _clip(rule.rationale, MAX_DESCRIPTION)},
        "help": {
            "text": f"{rule.rationale}\n\nHow to fix: {_fix_text(rule)}" + (f"\n\nMore: {uri}" if uri else ""),
            "markdown": rule_page(rule),
        },
        "helpUri": uri,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": list(rule.tags[:MAX_TAGS])},
    }
    if uri is None:
        del descriptor["helpUri"]
    return descriptor


# ---------------------------------------------------------------------------------------------
# Results


def region(loc: Loc) -> dict[str, int]:
    """All four coordinates, as code scanning requires; an unknown end is the start (a point)."""
    start_line = max(1, loc.line)
    start_col = max(1, loc.col)
    end_line = max(start_line, loc.end_line or start_line)
    end_col = loc.end_col if loc.end_col is not None else start_col
    if end_line == start_line:
        end_col = max(start_col, end_col)
    return {"startLine": start_line, "startColumn": start_col, "endLine": end_line,
            "endColumn": max(1, end_col)}


def _logical(resource: str) -> list[dict[str, str]]:
    return [{"name": resource, "kind": "resource"}] if resource else []


def _result(f: Finding, index: int, artifacts: _Artifacts) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": artifacts.location(f.loc.file), "region": region(f.loc)},
    }
    if f.resource:
        location["logicalLocations"] = _logical(f.resource)
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": LEVELS[f.severity],
        "message": {"text": f.message},
        "locations": [location],
    }
    related = []
    for number, rel in enumerate(f.related, start=1):
        entry: dict[str, Any] = {"id": number}
        if rel.loc is not None:
            entry["physicalLocation"] = {"artifactLocation": artifacts.location(rel.loc.file),
                                         "region": region(rel.loc)}
        if rel.resource:
            entry["logicalLocations"] = _logical(rel.resource)
        entry["message"] = {"text": rel.message}
        related.append(entry)
    if related:
        out["relatedLocations"] = related
    if f.fingerprint:
        out["partialFingerprints"] = {FINGERPRINT_KEY: f.fingerprint}
    if hasattr(f, "suppression"):
        out["suppressions"] = _suppressions(getattr(f, "suppression", None))
    return out


def _suppressions(suppression: Any) -> list[dict[str, Any]]:
    """SARIF ``suppressions``: [] means "not suppressed"; one entry per suppression otherwise.

    ``suppression`` is duck-typed (``kind`` "inSource" | "external", ``justification``, and an
    optional ``status``) so the reporter does not depend on how suppressions are implemented.
    """
    if suppression is None:
        return []
    entry: dict[str, Any] = {"kind": suppression.kind}
    status = getattr(suppression, "status", None)
    if status:
        entry["status"] = status
    justification = getattr(suppression, "justification", "")
    if justification:
        entry["justification"] = justification
    return [entry]


def _keep(findings: list[Finding]) -> tuple[list[Finding], int]:
    """At most ``MAX_RESULTS`` findings, the most severe first to stay; order otherwise unchanged."""
    if len(findings) <= MAX_RESULTS:
        return findings, 0
    ranked = sorted(range(len(findings)), key=lambda i: -findings[i].severity.rank)
    kept = sorted(ranked[:MAX_RESULTS])
    return [findings[i] for i in kept], len(findings) - MAX_RESULTS


def _notification(level: str, text: str, artifact: dict[str, str] | None = None) -> dict[str, Any]:
    note: dict[str, Any] = {"level": level, "message": {"text": text}}
    if artifact is not None:
        note["locations"] = [{"physicalLocation": {"artifactLocation": artifact}}]
    return note


def build(result: LintResult) -> dict[str, Any]:
    """The SARIF log as a dict (``render`` serialises it)."""
    artifacts = _Artifacts()
    everything: Iterable[Finding] = [*result.findings, *getattr(result, "suppressed", ())]
    findings, dropped = _keep(sorted(everything, key=Finding.sort_key))

    names: dict[str, str] = {}
    for f in findings:
        names.setdefault(f.rule_id, f.rule_name)
    order = sorted(names)
    index = {rule_id: i for i, rule_id in enumerate(order)}

    notifications = [
        _notification("error", f"{err.file}: {err.message}", artifacts.location(err.file))
        for err in result.errors
    ]
    if dropped:
        notifications.append(_notification(
            "warning", f"{dropped} lower-severity results were left out: GitHub code scanning accepts at most "
                       f"{MAX_RESULTS} results per run. Run lambdalint with --format text to see them all."))
    invocation: dict[str, Any] = {"executionSuccessful": not result.errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications

    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "lambdalint",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [_descriptor(rule_id, names[rule_id]) for rule_id in order],
        }},
        "invocations": [invocation],
        "originalUriBaseIds": artifacts.base_ids(),
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.rule_id], artifacts) for f in findings],
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(result: LintResult) -> str:
    return json.dumps(build(result), indent=2, ensure_ascii=False) + "\n"
