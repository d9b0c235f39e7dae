"""lambdalint's rules as cfn-lint rules, for ``cfn-lint --append-rules``.

cfn-lint reserves rule ids ``(E|W|I)9xxx`` for users' rules and takes a rule's severity from
the id's first letter, so each lambdalint rule ``LLnnn`` becomes three cfn-lint rules,
``E9nnn``, ``W9nnn`` and ``I9nnn`` (cfn-lint's own guide: "create multiple specific rules if a
rule can be both"); a finding is reported under the one that matches its severity, which a rule
can raise per finding (an LL101 loop that AWS's loop detection does not stop is an error) and a
``.lambdalint.toml`` can change. ``LL000`` (a lambdalint rule crashed, or lambdalint could not
read a template cfn-lint could) is ``E9000``. Messages start with the lambdalint id and name,
``[LL101 recursive-trigger] ...``, so both tools' users recognise them. As with every cfn-lint
``I`` rule, the ``I9nnn`` ones show only with ``--include-checks I``.

What is reported is exactly what ``lambdalint check FILE`` reports for the template: the same
parser, model, rules, ``.lambdalint.toml`` / ``pyproject.toml`` configuration (found from the
working directory), inline ``# lambdalint: ignore=`` comments, ``Metadata`` ignores and the
configured baseline; suppressed findings are left out. Each match carries an explicit
``location`` (cfn-lint uses it instead of resolving the path), so the line and column are
lambdalint's own: the SAM source line, the ``Globals`` line, the resource header. The path
starts with ``Resources/<id>`` when the finding names a resource, so cfn-lint's resource
``Metadata: cfn-lint: config: ignore_checks`` works on these ids too.

lambdalint runs once per template, whichever of these rules cfn-lint calls first; the others
read the cached result. cfn-lint must be given a file (not a template on stdin): lambdalint reads
it itself, for its own positions and comments.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from lambdalint.engine import Finding, all_rules
from lambdalint.rule import Rule, Severity

LETTERS = {Severity.ERROR: "E", Severity.WARNING: "W", Severity.INFO: "I"}
ENGINE_ID = "LL000"


def cfn_id(ll_id: str, severity: Severity) -> str:
    """``LL101`` at warning -> ``W9101``; ``LL201`` at error -> ``E9201``."""
    return f"{LETTERS[severity]}9{ll_id[2:]}"


@dataclass
class Outcome:
    """lambdalint's result for one template, shared by all the plugin's rules."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # reported under E9000


_cache: dict[tuple, Outcome] = {}


def _lint(filename: str) -> Outcome:
    from lambdalint import config as configuration
    from lambdalint.engine import RuleSet
    from lambdalint.lint import LintOptions, lint
    from lambdalint.suppress import BaselineError, read_baseline

    rules = all_rules()
    try:
        cfg = configuration.load(configuration.find(), rules)
    except configuration.ConfigError as exc:
        return Outcome(errors=[f"lambdalint configuration: {exc}"])
    ruleset = RuleSet(configuration.choose(rules, cfg.select, cfg.ignore), options=cfg.options,
                      severities=cfg.severity)
    options = LintOptions(config=cfg)
    if cfg.baseline:
        try:
            options.baseline = read_baseline(Path(cfg.baseline))
        except BaselineError as exc:
            return Outcome(errors=[str(exc)])
        options.baseline_name = Path(cfg.baseline).name
    result = lint([filename], ruleset, options=options)
    return Outcome(result.findings, [f"lambdalint could not lint {e.file}: {e.message}" for e in result.errors])


def outcome(filename: str | None) -> Outcome:
    """lambdalint's findings for the template file cfn-lint is linting (cached per file state)."""
    if not filename or filename == "-":
        return Outcome()
    try:
        st = os.stat(filename)
    except OSError:
        return Outcome()
    key = (os.path.abspath(filename), st.st_mtime_ns, st.st_size, os.getcwd())
    if key not in _cache:
        _cache.clear()  # one template at a time: cfn-lint runs every rule on it before the next
        try:
            _cache[key] = _lint(filename)
        except Exception as exc:  # reported once, by E9000, rather than as 27 cfn-lint E0002s
            _cache[key] = Outcome(errors=[f"internal error in lambdalint: {type(exc).__name__}: {exc}"])
    return _cache[key]


def _path(f: Finding) -> list[Any]:
    pointer = list(f.loc.pointer)
    if f.resource and pointer[:2] == ["Resources", f.resource]:
        return pointer
    if f.resource:
        return ["Resources", f.resource]
    return pointer


def rule_match(f: Finding) -> RuleMatch:
    """A cfn-lint match on lambdalint's exact span (``location`` is 0-based, end inclusive of col)."""
    line, col = max(1, f.loc.line), max(1, f.loc.col)
    end_line = max(line, f.loc.end_line or line)
    end_col = f.loc.end_col if f.loc.end_col else col
    if end_line == line:
        end_col = max(col, end_col)
    message = f"[{f.rule_id} {f.rule_name}] {f.message}"
    return RuleMatch(_path(f), message, location=(line - 1, col - 1, end_line - 1, end_col - 1))


class LambdalintRule(CloudFormationLintRule):
    """Base of the generated rules: reports lambdalint's findings of one rule at one severity."""

    id = ""
    lambdalint_rule_id = ""
    lambdalint_severity: Severity = Severity.WARNING

    def match(self, cfn: Any) -> list[RuleMatch]:
        result = outcome(getattr(cfn, "filename", None))
        matches = [rule_match(f) for f in result.findings
                   if f.rule_id == self.lambdalint_rule_id and f.severity is self.lambdalint_severity]
        if self.lambdalint_rule_id == ENGINE_ID and self.lambdalint_severity is Severity.ERROR:
            matches += [RuleMatch([], f"[{ENGINE_ID}] {text}", location=(0, 0, 0, 1)) for text in result.errors]
        return matches


def _rule_class(rule: Rule | None, severity: Severity) -> type[LambdalintRule]:
    ll_id = rule.id if rule else ENGINE_ID
    name = rule.name if rule else "rule-error"
    title = rule.title if rule else "lambdalint could not check this template"
    rationale = rule.rationale if rule else (
        "A lambdalint rule crashed, or lambdalint could not read a template cfn-lint could read; "
        "the message says which. This is a bug or limit in lambdalint, not in the template.")
    ident = cfn_id(ll_id, severity)
    return type(ident, (LambdalintRule,), {
        "__module__": __name__,
        "__doc__": f"lambdalint {ll_id} {name} at {severity.value} severity.",
        "id": ident,
        "shortdesc": f"{title} (lambdalint {ll_id})",
        "description": f"lambdalint {ll_id} {name}: {rationale}",
        "source_url": rule.help_uri if rule else "https://github.com/lambdalint/lambdalint",
        "tags": ["lambdalint", *(rule.tags if rule else ())],
        "lambdalint_rule_id": ll_id,
        "lambdalint_severity": severity,
    })


def rule_classes() -> dict[str, type[LambdalintRule]]:
    """Every generated rule class by cfn-lint id: E/W/I 9nnn for each lambdalint rule, and E9000."""
    classes = {cfn_id(ENGINE_ID, Severity.ERROR): _rule_class(None, Severity.ERROR)}
    for rule in all_rules():
        for severity in LETTERS:
            cls = _rule_class(rule, severity)
            classes[cls.id] = cls
    return classes
