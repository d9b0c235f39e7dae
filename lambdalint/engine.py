"""Rule discovery and execution.

Rules are found by walking the ``lambdalint.rules`` package (the repository's top-level
``rules/`` folder) and reading each module's ``RULE``: no registration side effects, no
hand-kept list. The engine stamps id, severity and a line-independent fingerprint on every hit,
sorts the output, and turns a crash inside a rule into an ``LL000`` finding, never a silent pass.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from lambdalint.model import Loc, Model
from lambdalint.parsers.decode import gc_paused
from lambdalint.rule import Context, Related, Rule, Severity


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    rule_name: str
    severity: Severity
    message: str
    loc: Loc
    resource: str
    related: tuple[Related, ...] = ()
    fingerprint: str = ""
    suppression: Any = None  # lambdalint.suppress.Suppression when a suppression matched

    def sort_key(self) -> tuple:
        return (self.loc.file, self.loc.line, self.loc.col, self.rule_id, self.resource, self.message)


@dataclass
class RuleSet:
    rules: list[Rule]
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    severities: dict[str, Severity] = field(default_factory=dict)


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule module under ``lambdalint.rules``, sorted by id; duplicates are an error."""
    package = importlib.import_module("lambdalint.rules")
    rules: dict[str, Rule] = {}
    names: set[str] = set()
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"lambdalint.rules.{info.name}")
        rule = getattr(module, "RULE", None)
        if not isinstance(rule, Rule):
            continue
        if not info.name.startswith(rule.id.lower() + "_"):
            raise RuntimeError(f"rule module {info.name} must start with {rule.id.lower()}_")
        if rule.id in rules or rule.name in names:
            raise RuntimeError(f"duplicate rule {rule.id} {rule.name}")
        if rule.run is None:
            raise RuntimeError(f"rule {rule.id} has no @RULE.check function")
        rules[rule.id] = rule
        names.add(rule.name)
    return tuple(sorted(rules.values(), key=lambda r: r.id))


def rule_by_key(key: str) -> Rule | None:
    for rule in all_rules():
        if key in (rule.id, rule.name):
            return rule
    return None


def default_options(rule: Rule) -> dict[str, Any]:
    return {name: opt.default for name, opt in rule.options.items()}


def fingerprint(rule_id: str, file: str, resource: str, pointer: tuple, key: str) -> str:
    """Stable across unrelated edits: no line numbers, only what identifies the problem."""
    text = "\x1f".join([rule_id, file, resource, "/".join(map(str, pointer)), key])
    # surrogatepass: a lone surrogate (a JSON "\ud800" escape decoded inside a template, a file
    # name that is not UTF-8) must not crash the rule that reported it.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def run_rules(model: Model, ruleset: RuleSet, debug: bool = False) -> list[Finding]:
    # Rules allocate graphs over a model of hundreds of thousands of objects: with the cyclic
    # collector on, its collections rescan all of them (LL101 on 10,000 functions: 2.7 s with
    # it, 0.4 s without). See lambdalint.parsers.decode.gc_paused.
    with gc_paused():
        return _run_rules(model, ruleset, debug)


def _run_rules(model: Model, ruleset: RuleSet, debug: bool) -> list[Finding]:
    findings: list[Finding] = []
    for rule in ruleset.rules:
        if model.fmt not in rule.formats:
            continue
        options = {**default_options(rule), **ruleset.options.get(rule.id, {})}
        ctx = Context(model, options)
        configured = ruleset.severities.get(rule.id)
        try:
            for hit in rule.run(ctx):  # type: ignore[misc]
                severity = configured or hit.severity or rule.severity
                findings.append(Finding(
                    rule.id, rule.name, severity, hit.message, hit.loc, hit.resource, hit.related,
                    fingerprint(rule.id, hit.loc.file, hit.resource, hit.loc.pointer, hit.key),
                ))
        except Exception as exc:  # a rule crash is reported, never swallowed
            import traceback  # only a crash needs it

            detail = traceback.format_exc() if debug else f"{type(exc).__name__}: {exc}"
            findings.append(Finding(
                "LL000", "rule-error", Severity.ERROR,
                f"internal error in rule {rule.id} {rule.name}: {detail}".strip(),
                Loc(model.file), "", (), fingerprint("LL000", model.file, rule.id, (), ""),
            ))
    findings.sort(key=Finding.sort_key)
    return findings
